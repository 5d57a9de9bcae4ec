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

    public struct Baseline: Codable, Sendable, Equatable {
        public var name: String
        public var auroc: Double
    }

    /// Nil when no group holds both labels.
    public init?(
        column: String, groups: [String], labels: [UInt8], probeScores: [Double],
        baselines measured: [ConfidenceBaselines.Measured]
    ) {
        let p = ProbeMetrics.withinGroupAUROC(scores: probeScores, labels: labels, groups: groups)
        guard p.groups > 0 else { return nil }
        self.column = column
        self.groups = p.groups
        probe = p.auroc
        baselines = measured.map {
            Baseline(
                name: $0.result.name,
                auroc: ProbeMetrics.withinGroupAUROC(scores: $0.testScores, labels: labels, groups: groups).auroc)
        }
    }

    /// The best baseline within groups, if any.
    public var bestBaseline: Baseline? { baselines.filter(\.auroc.isFinite).max { $0.auroc < $1.auroc } }

    /// One line: "AUROC within each topic (mean over 8 topics holding both labels): probe 0.741; best baseline …".
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
        return out
    }
}
