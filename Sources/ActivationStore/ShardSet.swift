import Foundation
import Hooks

/// A complete, consistent set of shard files (`capture --shard K/N`, K = 0..N-1), checked before a merge.
///
/// Refused, naming the file at fault: a file that is not a shard, another model (sha256), hook list, hook
/// width, position, prompt template or format, another shard count or row total (a different --limit or
/// dataset), a duplicated shard index, a missing one, and an unfinished shard.
public struct ShardSet {
    /// Readers of the shard files, in shard order (index 0 first).
    public let shards: [ActivationReader]
    /// The header the shards share.
    public let header: StoreHeader
    /// Floats per row of each hook.
    public let widths: [HookName: Int]

    /// Rows of the merged store (B).
    public var totalRows: Int { shards.reduce(0) { $0 + $1.count } }

    public init(paths: [String]) throws {
        guard !paths.isEmpty else {
            throw StoreError.invalidArgument(what: "shard list", detail: "give at least one shard file")
        }
        var readers: [ActivationReader] = []
        for path in paths { readers.append(try ActivationReader(path: path)) }
        let first = readers[0]
        guard let firstShard = first.shard else { throw Self.notAShard(first) }
        var widths: [HookName: Int] = [:]
        for hook in first.header.hooks { widths[hook] = try first.width(of: hook) }
        var byIndex: [Int: ActivationReader] = [:]
        for reader in readers {
            guard let shard = reader.shard else { throw Self.notAShard(reader) }
            if reader.path != first.path, let conflict = reader.header.resumeConflict(with: first.header) {
                throw StoreError.mergeRefused(
                    path: reader.path,
                    reason:
                        "its \(conflict.field) is \(conflict.existing) but \(first.path) has \(conflict.requested); all shards must come from one capture command"
                )
            }
            for hook in reader.header.hooks where try reader.width(of: hook) != widths[hook] {
                throw StoreError.mergeRefused(
                    path: reader.path,
                    reason:
                        "hook \(hook) is \(try reader.width(of: hook)) wide but \(widths[hook] ?? 0) in \(first.path)")
            }
            guard shard.count == firstShard.count, shard.totalRows == firstShard.totalRows else {
                throw StoreError.mergeRefused(
                    path: reader.path,
                    reason:
                        "it is \(shard) but \(first.path) is \(firstShard); all shards must come from one capture command (same datasets, --limit and N)"
                )
            }
            if let other = byIndex[shard.index] {
                throw StoreError.mergeRefused(
                    path: reader.path,
                    reason:
                        "shard \(shard.index)/\(shard.count) is given twice (also \(other.path)); give each shard file once"
                )
            }
            guard reader.shardFinished, reader.count == shard.rows else {
                throw StoreError.mergeRefused(
                    path: reader.path,
                    reason:
                        "shard \(shard.index)/\(shard.count) is unfinished (\(reader.count) of \(shard.rows) rows committed); finish it with the same capture command plus --resume"
                )
            }
            byIndex[shard.index] = reader
        }
        let missing = (0..<firstShard.count).filter { byIndex[$0] == nil }
        guard missing.isEmpty else {
            let list = missing.prefix(8).map { "\($0)/\(firstShard.count)" }.joined(separator: ", ")
            throw StoreError.mergeRefused(
                path: first.path,
                reason:
                    "shard\(missing.count == 1 ? "" : "s") \(list)\(missing.count > 8 ? " and \(missing.count - 8) more" : "") "
                    + "of the same capture \(missing.count == 1 ? "is" : "are") missing; give all \(firstShard.count) shard files"
            )
        }
        shards = (0..<firstShard.count).map { byIndex[$0]! }
        header = first.header
        self.widths = widths
    }

    private static func notAShard(_ reader: ActivationReader) -> StoreError {
        .mergeRefused(
            path: reader.path,
            reason: reader.mergedFrom.isEmpty
                ? "it is not a shard file (no shard_index attribute); capture shards with `polygraph capture --shard K/N`"
                : "it is already a merged file; merge the shard files it was made from")
    }
}
