// `polygraph inspect FILE`: a GGUF model, an activation store (.h5) or a probe artifact (.json), told apart by content.
import ArgumentParser
import ActivationStore
import Foundation
import GGUF
import Hooks
import Inference
import Probes

struct InspectCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "inspect",
        abstract: "Summarise a GGUF model (metadata, tensors, hooks), an activation file or a probe artifact.")

    @Argument(help: "A .gguf model, a .h5 activation file or a probe .json.")
    var file: String

    @Option(help: "For a GGUF: how many tensors to list (0 = all).")
    var maxTensors = 40

    @Flag(help: "Machine-readable JSON on stdout.")
    var json = false

    func validate() throws {
        if maxTensors < 0 { throw ValidationError("--max-tensors must be 0 (all) or more (got \(maxTensors))") }
    }

    func run() throws {
        guard FileManager.default.fileExists(atPath: file) else {
            throw CommandError("\(file): no such file")
        }
        switch try FileKind.sniff(file) {
        case .gguf:
            let gguf = try GGUFFile(path: file)
            let summary = gguf.summary
            let hooks = (try? ArchitectureRegistry.hookNames(for: gguf)) ?? []
            if json {
                try printJSON(GGUFInspection(gguf: summary, hooks: hooks))
            } else {
                print(summary.render(maxTensors: maxTensors == 0 ? nil : maxTensors))
                print(hooksText(hooks))
            }
        case .hdf5:
            let summary = try StoreSummary.read(path: file)
            if json { try printJSON(summary) } else { print(summary.text) }
        case .json:
            let summary = ProbeSummary(try ProbeArtifact.load(from: file))
            if json { try printJSON(summary) } else { print(summary.text()) }
        }
    }

    /// Hooks grouped the way people read them: the per-block names once, with the layer range.
    private func hooksText(_ hooks: [HookName]) -> String {
        guard !hooks.isEmpty else { return "hooks: none (architecture not supported by this engine)" }
        var perBlock: [String] = []
        var layers = Set<Int>()
        for case .block(let layer, let hook) in hooks {
            layers.insert(layer)
            if layer == 0 { perBlock.append("blocks.{l}." + hook.rawValue) }
        }
        var lines = ["hooks: \(hooks.count) (\(layers.count) layers, l = 0…\((layers.max() ?? 0)))"]
        lines.append("  hook_embed")
        lines += perBlock.map { "  " + $0 }
        lines += hooks.filter { $0 == .lnFinal }.map { "  \($0)" }
        return lines.joined(separator: "\n")
    }

    private func printJSON<T: Encodable>(_ value: T) throws {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        print(String(decoding: try encoder.encode(value), as: UTF8.self))
    }
}

/// What `inspect --json` prints for a GGUF file.
struct GGUFInspection: Encodable {
    let gguf: GGUFSummary
    let hooks: [HookName]
}

/// The three file kinds `inspect` understands, recognised by their first bytes rather than their names.
enum FileKind {
    case gguf, hdf5, json

    static func sniff(_ path: String) throws -> FileKind {
        // Opening a named pipe to read its first bytes waited forever for a writer (found by tests-interop/hostile).
        if let problem = RegularFile.problem(path) {
            throw CommandError(
                "\(path) \(problem); inspect reads a .gguf model, an .h5 activation file or a probe .json")
        }
        guard let handle = FileHandle(forReadingAtPath: path) else { throw CommandError("\(path): cannot be read") }
        defer { try? handle.close() }
        let head = [UInt8]((try? handle.read(upToCount: 8)) ?? Data())
        if head.starts(with: Array("GGUF".utf8)) { return .gguf }
        if head.starts(with: [0x89, 0x48, 0x44, 0x46, 0x0d, 0x0a, 0x1a, 0x0a]) { return .hdf5 }
        if let first = head.first(where: { ![0x20, 0x0a, 0x0d, 0x09].contains($0) }), first == UInt8(ascii: "{") {
            return .json
        }
        throw CommandError(
            """
            \(path): not a GGUF model, an HDF5 activation file or a probe JSON (first bytes \
            \(head.map { String(format: "%02x", $0) }.joined(separator: " "))). \
            Hint: inspect takes a .gguf, a .h5 written by `polygraph capture`/`import`, or a probe from `polygraph train`.
            """)
    }
}
