import ActivationStore
import ArgumentParser
import Foundation

/// `polygraph merge`: join the shard files of one `capture --shard K/N` run into one activation file.
/// The work is `ActivationStore.StoreMerger`; this file parses flags.
struct MergeCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "merge",
        abstract: "Join the shard files of a sharded capture into one activation file (single-process row order).",
        discussion: """
            By default /activations/* become HDF5 virtual datasets over the shard files, referenced by paths relative
            to the merged file's folder: keep the shards next to it (the folder may move as a whole). --copy writes
            one self-contained file instead. Shard files may be given in any order; all N must be there, finished,
            and from the same capture (model, hooks, position, template, --limit).
            Example:
              polygraph merge shards/cities.*.h5 --out cities.h5
            """)

    @Argument(help: "The shard files (capture --shard K/N outputs), in any order.")
    var shards: [String]
    @Option(help: "Merged activation file (.h5).")
    var out: String
    @Flag(help: "Copy every row into one self-contained file instead of virtual datasets over the shards.")
    var copy = false
    @Flag(help: "Replace the --out file if it exists.")
    var overwrite = false
    @Flag(help: "Print the summary as JSON on stdout.")
    var json = false

    func validate() throws {
        if shards.isEmpty { throw ValidationError("give the shard files to merge") }
    }

    func run() throws {
        let summary = try StoreMerger.merge(
            shards: shards, out: out, mode: copy ? .copy : .virtual, overwrite: overwrite)
        if json {
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
            print(String(decoding: try encoder.encode(summary), as: UTF8.self))
        } else {
            print(summary.text)
        }
    }
}
