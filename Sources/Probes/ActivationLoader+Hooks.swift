import Foundation
import Hooks
import Hooks

/// Multi-layer probes: the rows of several hooks at one position, laid end to end per example.
extension ActivationLoader {
    /// Labeled rows of `hooks` at one position, each example's rows concatenated in the order given (one hook: the
    /// same as `dataset(hook:…)`, streamed when over the budget). Several hooks are read into memory whatever the
    /// budget (a multi-layer probe of k hooks holds k rows per example; streaming stays for single hooks).
    public func dataset(
        hooks: [HookName], groupBy: String? = nil, only: [Int]? = nil, position: ProbePosition? = nil
    ) throws
        -> ProbeDataset
    {
        guard let first = hooks.first else {
            throw ProbeError.invalidOption(name: "hooks", value: "(none)", expected: "at least one hook")
        }
        guard hooks.count > 1 else { return try dataset(hook: first, groupBy: groupBy, only: only, position: position) }
        let parts = try hooks.map { try dataset(hook: $0, groupBy: groupBy, only: only, position: position) }
        return try ProbeDataset.joiningColumns(parts, hooks: hooks)
    }
}

extension ProbeDataset {
    /// Datasets of the same examples (one per hook) joined column-wise: row i is part 0's row i, then part 1's, …
    /// Labels, groups, polarity, sources and confidences come from the first part (the others must match).
    public static func joiningColumns(_ parts: [ProbeDataset], hooks: [HookName]? = nil) throws -> ProbeDataset {
        guard let first = parts.first else { throw ProbeError.tooFewRows(needed: 1, found: 0, context: "join hooks") }
        guard parts.count > 1 else { return first }
        for (k, part) in parts.enumerated().dropFirst() where part.count != first.count || part.labels != first.labels {
            throw ProbeError.shapeMismatch(
                what:
                    "labeled rows of \(hooks?[k].description ?? "hook \(k)") (every hook must hold the same examples)",
                expected: first.count, found: part.count)
        }
        let width = parts.reduce(0) { $0 + $1.dims }, n = first.count
        var x = [Float](repeating: 0, count: n * width)
        var offset = 0
        for part in parts {
            let d = part.dims
            LinearAlgebra.placeRows(try part.rows.materialize(), width: d, into: &x, stride: width, column: offset)
            offset += d
        }
        return ProbeDataset(
            rows: ActivationRows(memory: x, dims: width), count: n, dims: width, labels: first.labels,
            groups: first.groups, polarity: first.polarity, sources: first.sources, skipped: first.skippedUnlabeled,
            confidence: first.confidence)
    }
}
