import Foundation

/// A probe and the confidence baselines measured within each group (e.g. topic) of the evaluation rows. Pooled AUROC
/// over several topics also rewards knowing which topics the model gets wrong more often; within a topic only the
/// ranking of that topic's own answers counts.
public struct WithinGroupReport: Codable, Sendable, Equatable {
    /// The metadata column that names the groups (the probe's `group_by`).
    public var column: String
    /// Groups that hold both labels (the others have no AUROC and are left out of every mean).
    public var groups: Int
    /// The probe's mean AUROC within those groups.
    public var probe: Double
    /// Each baseline's mean AUROC within the same groups, in report order.
    public var baselines: [Baseline]
    /// Each of those groups on its own, in name order (additive, 2026-12-06: absent from older reports).
    public var perGroup: [Group]?

    public struct Baseline: Codable, Sendable, Equatable {
        public var name: String
        public var auroc: Double
    }

    /// One group: its rows, how many are true, and the probe's and each baseline's AUROC within it.
    public struct Group: Codable, Sendable, Equatable {
        public var name: String
        public var rows: Int
        public var positives: Int
        public var probe: Double
        public var baselines: [Baseline]

        /// The best baseline within this group, if any.
        public var bestBaseline: Baseline? { baselines.filter(\.auroc.isFinite).max { $0.auroc < $1.auroc } }
    }

    enum CodingKeys: String, CodingKey {
        case column, groups, probe, baselines
        case perGroup = "per_group"
    }

    /// Groups listed one per line under `text` when there are at most this many (all of them are in the JSON).
    public static let listedGroups = 12

    /// Nil when no group holds both labels.
    public init?(
        column: String, groups: [String], labels: [UInt8], probeScores: [Double],
        baselines measured: [ConfidenceBaselines.Measured]
    ) {
        // One pass over the groups serves both the per-group entries and their means (ProbeMetrics.withinGroupAUROC's
        // rule: groups in name order, those without both labels left out).
        var rows: [String: [Int]] = [:]
        for (i, g) in groups.enumerated() { rows[g, default: []].append(i) }
        let each: [Group] = rows.keys.sorted().compactMap { name in
            let r = rows[name]!, y = r.map { labels[$0] }
            let auroc = ProbeMetrics.auroc(scores: r.map { probeScores[$0] }, labels: y)
            guard auroc.isFinite else { return nil }
            return Group(
                name: name, rows: r.count, positives: y.reduce(0) { $0 + Int($1) }, probe: auroc,
                baselines: measured.map { m in
                    Baseline(
                        name: m.result.name, auroc: ProbeMetrics.auroc(scores: r.map { m.testScores[$0] }, labels: y))
                })
        }
        guard !each.isEmpty else { return nil }
        func mean(_ values: [Double]) -> Double {
            let finite = values.filter(\.isFinite)
            return finite.isEmpty ? .nan : finite.reduce(0, +) / Double(finite.count)
        }
        self.column = column
        self.groups = each.count
        probe = mean(each.map(\.probe))
        baselines = measured.indices.map { k in
            Baseline(name: measured[k].result.name, auroc: mean(each.map { $0.baselines[k].auroc }))
        }
        perGroup = each
    }

    /// The best baseline within groups, if any.
    public var bestBaseline: Baseline? { baselines.filter(\.auroc.isFinite).max { $0.auroc < $1.auroc } }

    /// Most groups drawn by `svg` (the ones with the most rows, kept in name order).
    public static let drawnGroups = 40

    /// `per-group.svg`: the probe against each group's best baseline (nil without per-group entries or baselines).
    public func svg(title: String) -> String? {
        var bars = (perGroup ?? []).compactMap { g in
            g.bestBaseline.map {
                SVGChart.GroupBar(name: g.name, rows: g.rows, probe: g.probe, baseline: $0.auroc, baselineName: $0.name)
            }
        }
        let total = bars.count
        if total > Self.drawnGroups {
            let largest = Set(
                bars.indices.sorted { (bars[$0].rows, -$0) > (bars[$1].rows, -$1) }.prefix(Self.drawnGroups))
            bars = bars.indices.filter(largest.contains).map { bars[$0] }
        }
        let note = total > bars.count ? " (the \(bars.count) largest of \(total) \(column) groups)" : ""
        return bars.isEmpty ? nil : SVGChart.groupBars(title: title + note, groups: bars)
    }

    /// "AUROC within each topic (mean over 8 topics holding both labels): probe 0.741; best baseline …", then one line
    /// per group when there are at most `listedGroups`.
    public var text: String {
        var out = String(
            format: "AUROC within each %@ (mean over %d that hold both labels): probe %.3f", column as NSString,
            groups, probe)
        if let best = bestBaseline {
            out += String(
                format: ", best baseline %@ %.3f (%+.3f); all baselines: ", best.name as NSString, best.auroc,
                probe - best.auroc)
            out += baselines.map { String(format: "%@ %.3f", $0.name as NSString, $0.auroc) }.joined(separator: ", ")
        }
        if let perGroup, perGroup.count <= Self.listedGroups {
            for g in perGroup {
                out += String(
                    format: "\n  %@ %@ (%d rows, %d true): probe %.3f", column as NSString, g.name as NSString, g.rows,
                    g.positives, g.probe)
                if let best = g.bestBaseline {
                    out += String(
                        format: ", best baseline %@ %.3f (%+.3f)", best.name as NSString, best.auroc,
                        g.probe - best.auroc)
                }
            }
        }
        return out
    }
}
