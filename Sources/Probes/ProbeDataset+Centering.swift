/// Group-centred training rows (`--center-groups`): each row minus the mean of its group's rows, plus the mean of all
/// rows, and the same for every confidence column. A probe fitted on them learns what separates true from false rows
/// *within* a group (a topic), not which groups are mostly false: generated questions of one topic share a template,
/// and a probe fitted on them as they are can learn which templates the model fails (probes/README.md, "Centred within
/// topics", where it is measured). The fitted probe still reads raw rows.
extension ProbeDataset {
    /// This dataset with every row and confidence value moved by (overall mean − its group's mean); non-finite
    /// confidences stay as they are and do not count towards the means. Needs `groups`.
    public func centeredWithinGroups() throws -> ProbeDataset {
        guard let groups else {
            throw ProbeError.invalidOption(
                name: "center-groups", value: "set", expected: "--group-by COLUMN: the groups whose means it removes")
        }
        let d = dims
        var index: [String: Int] = [:]
        let member = groups.map { g -> Int in
            if let k = index[g] { return k }
            index[g] = index.count
            return index.count - 1
        }
        var x = try rows.materialize()
        var sums = [Double](repeating: 0, count: index.count * d), overall = [Double](repeating: 0, count: d)
        var sizes = [Int](repeating: 0, count: index.count)
        for i in 0..<count {
            let k = member[i]
            sizes[k] += 1
            for j in 0..<d {
                sums[k * d + j] += Double(x[i * d + j])
                overall[j] += Double(x[i * d + j])
            }
        }
        for j in 0..<d { overall[j] /= Double(count) }
        for i in 0..<count {
            let k = member[i]
            for j in 0..<d {
                x[i * d + j] = Float(Double(x[i * d + j]) - sums[k * d + j] / Double(sizes[k]) + overall[j])
            }
        }
        let confidence = self.confidence?.mapValues { Self.centered($0, member: member, groups: index.count) }
        return try ProbeDataset(
            features: x, dims: d, labels: labels.map(Int.init), groups: groups,
            polarity: polarity.map { $0.map(Int.init) }, sources: sources, confidence: confidence,
            sourceName: "group-centred rows")
    }

    /// `column` moved by (overall mean − group mean) over its finite values.
    static func centered(_ column: [Float], member: [Int], groups: Int) -> [Float] {
        var sums = [Double](repeating: 0, count: groups), sizes = [Int](repeating: 0, count: groups)
        var total = 0.0, known = 0
        for (i, v) in column.enumerated() where v.isFinite {
            sums[member[i]] += Double(v); sizes[member[i]] += 1
            total += Double(v); known += 1
        }
        guard known > 0 else { return column }
        let overall = total / Double(known)
        return column.enumerated().map { i, v in
            v.isFinite ? Float(Double(v) - sums[member[i]] / Double(sizes[member[i]]) + overall) : v
        }
    }
}
