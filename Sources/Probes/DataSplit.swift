import Hooks
/// Seeded, stratified train/test splits and k-fold partitions, optionally keeping each group on one side
/// (so that, e.g., every statement about one city is either trained on or tested on, never both).
public enum DataSplit {
    /// Row indices of the two sides of a split.
    public struct Indices: Sendable, Equatable {
        public var train: [Int]
        public var test: [Int]
    }

    /// Splits `labels` so that about `trainFraction` of each class lands in `train`.
    /// With `groups`, whole groups are assigned; groups are stratified by their majority label.
    public static func stratified(
        labels: [UInt8], trainFraction: Double, seed: UInt64,
        groups: [String]? = nil
    ) throws -> Indices {
        guard trainFraction > 0, trainFraction < 1 else {
            throw ProbeError.invalidOption(
                name: "split", value: "\(trainFraction)", expected: "a fraction strictly between 0 and 1")
        }
        var rng = SeededGenerator(seed: seed)
        var trainUnits: [[Int]] = [], testUnits: [[Int]] = []
        for bucket in try buckets(labels: labels, groups: groups) {
            var units = bucket
            rng.shuffle(&units)
            let total = units.reduce(0) { $0 + $1.count }
            let target = Int((Double(total) * trainFraction).rounded())
            var taken = 0
            for unit in units {
                // Put a unit in train while that brings the count closer to the target.
                if taken < target && (taken + unit.count <= target || target - taken > (taken + unit.count) - target) {
                    trainUnits.append(unit); taken += unit.count
                } else {
                    testUnits.append(unit)
                }
            }
        }
        // With few, unequal groups every unit can land on one side (e.g. the largest group last, admitted because
        // overshooting was closer to the target). Then move the unit that leaves the sides closest to the fraction.
        if testUnits.isEmpty && trainUnits.count > 1 || trainUnits.isEmpty && testUnits.count > 1 {
            let fromTrain = testUnits.isEmpty
            let source = fromTrain ? trainUnits : testUnits
            let target = Double(labels.count) * (fromTrain ? trainFraction : 1 - trainFraction)
            let k = source.indices.min {
                abs(Double(labels.count - source[$0].count) - target)
                    < abs(Double(labels.count - source[$1].count) - target)
            }!
            if fromTrain {
                testUnits.append(trainUnits.remove(at: k))
            } else {
                trainUnits.append(testUnits.remove(at: k))
            }
        }
        let train = trainUnits.flatMap { $0 }, test = testUnits.flatMap { $0 }
        guard !train.isEmpty, !test.isEmpty else {
            throw ProbeError.tooFewRows(
                needed: 2, found: labels.count,
                context: "a \(trainFraction) split\(groups == nil ? "" : " by group") leaves one side empty")
        }
        return Indices(train: train.sorted(), test: test.sorted())
    }

    /// `k` folds whose union is every row; fold `i`'s test rows are `folds[i].test`.
    /// Stratified by label; with `groups`, a group never spans two folds.
    public static func kFold(labels: [UInt8], k: Int, seed: UInt64, groups: [String]? = nil) throws -> [Indices] {
        guard k >= 2 else { throw ProbeError.invalidOption(name: "folds", value: "\(k)", expected: "at least 2") }
        var rng = SeededGenerator(seed: seed)
        var assignment = [Int](repeating: 0, count: labels.count)
        var foldSize = [Int](repeating: 0, count: k)
        for bucket in try buckets(labels: labels, groups: groups) {
            var units = bucket
            rng.shuffle(&units)
            // Largest units first, each to the currently smallest fold (ties to the lowest index).
            units.sort { $0.count > $1.count }
            for unit in units {
                let f = foldSize.indices.min { foldSize[$0] < foldSize[$1] }!
                for i in unit { assignment[i] = f }
                foldSize[f] += unit.count
            }
        }
        guard foldSize.allSatisfy({ $0 > 0 }) else {
            throw ProbeError.tooFewRows(needed: k, found: labels.count, context: "\(k)-fold cross-validation")
        }
        return (0..<k).map { f in
            Indices(
                train: labels.indices.filter { assignment[$0] != f },
                test: labels.indices.filter { assignment[$0] == f })
        }
    }

    /// Units (single rows, or groups) bucketed by label, in a deterministic order.
    private static func buckets(labels: [UInt8], groups: [String]?) throws -> [[[Int]]] {
        if let groups {
            guard groups.count == labels.count else {
                throw ProbeError.shapeMismatch(what: "groups", expected: labels.count, found: groups.count)
            }
            var members: [String: [Int]] = [:]
            var order: [String] = []
            for (i, g) in groups.enumerated() {
                if members[g] == nil { order.append(g) }
                members[g, default: []].append(i)
            }
            var byLabel: [[[Int]]] = [[], []]
            for g in order {
                let rows = members[g]!
                let trues = rows.reduce(0) { $0 + Int(labels[$1]) }
                byLabel[2 * trues >= rows.count ? 1 : 0].append(rows)
            }
            return byLabel
        }
        var byLabel: [[[Int]]] = [[], []]
        for (i, y) in labels.enumerated() { byLabel[Int(y)].append([i]) }
        return byLabel
    }
}
