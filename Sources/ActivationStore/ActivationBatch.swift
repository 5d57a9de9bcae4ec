import Hooks

/// Rows handed to `ActivationWriter.append`: example records and, per hook, their activations.
public struct ActivationBatch: Sendable {
    /// One record per example.
    public var examples: [ExampleRecord]
    /// Hook name → row-major `[rows, width]` floats. `rows` is `examples.count`, or for position `all`
    /// the sum of `rowsPerExample`.
    public var activations: [HookName: [Float]]
    /// Position `all` only: activation rows (tokens) of each example.
    public var rowsPerExample: [Int]?
    /// Position `all` only: per-token confidence series (`ConfidenceSummary.tokenColumns` → `[activationRows]`).
    public var tokenConfidence: [String: [Float]]?
    /// Answer captures: rows at the extra answer positions (`StoreSchema.answerPositions` → hook → `[rows, width]`).
    public var positions: [ProbePosition: [HookName: [Float]]] = [:]

    public init(
        examples: [ExampleRecord], activations: [HookName: [Float]], rowsPerExample: [Int]? = nil,
        tokenConfidence: [String: [Float]]? = nil
    ) {
        self.examples = examples
        self.activations = activations
        self.rowsPerExample = rowsPerExample
        self.tokenConfidence = tokenConfidence
    }

    /// Activation rows in this batch.
    public var activationRows: Int { rowsPerExample?.reduce(0, +) ?? examples.count }

    /// Moves the first `count` examples (and their activation rows) out of this batch.
    mutating func removeFirst(_ count: Int, widths: [HookName: Int]) -> ActivationBatch {
        let rows = rowsPerExample.map { $0.prefix(count).reduce(0, +) } ?? count
        var head = ActivationBatch(
            examples: Array(examples.prefix(count)), activations: [:],
            rowsPerExample: rowsPerExample.map { Array($0.prefix(count)) })
        for (hook, values) in activations {
            let cut = rows * (widths[hook] ?? 0)
            head.activations[hook] = Array(values.prefix(cut))
            activations[hook] = Array(values.dropFirst(cut))
        }
        for (name, hooks) in positions {
            for (hook, values) in hooks {
                let cut = count * (widths[hook] ?? 0)
                head.positions[name, default: [:]][hook] = Array(values.prefix(cut))
                positions[name]![hook] = Array(values.dropFirst(cut))
            }
        }
        if let series = tokenConfidence {
            head.tokenConfidence = series.mapValues { Array($0.prefix(rows)) }
            tokenConfidence = series.mapValues { Array($0.dropFirst(rows)) }
        }
        examples.removeFirst(count)
        if rowsPerExample != nil { rowsPerExample!.removeFirst(count) }
        return head
    }

    /// Appends another batch's rows (same hooks).
    mutating func append(_ other: ActivationBatch) {
        examples += other.examples
        for (hook, values) in other.activations { activations[hook, default: []] += values }
        if let more = other.rowsPerExample { rowsPerExample = (rowsPerExample ?? []) + more }
        for (name, hooks) in other.positions {
            for (hook, values) in hooks { positions[name, default: [:]][hook, default: []] += values }
        }
        // A batch without series contributes NaN rows, so the series stay aligned with the activation rows.
        if tokenConfidence != nil || other.tokenConfidence != nil {
            let mine = activationRows - other.activationRows
            var merged: [String: [Float]] = [:]
            for column in ConfidenceSummary.tokenColumns {
                let a = tokenConfidence?[column] ?? [Float](repeating: .nan, count: mine)
                let b = other.tokenConfidence?[column] ?? [Float](repeating: .nan, count: other.activationRows)
                merged[column] = a + b
            }
            tokenConfidence = merged
        }
    }
}
