import ActivationStore
import Foundation

/// Cross-dataset transfer (`polygraph generalize`): train on each dataset, test on every dataset. The diagonal uses
/// the dataset's own held-out split; off-diagonal cells test on every labeled row of the other dataset.
public struct GeneralizationMatrix: Codable, Sendable {
    public var kind: String
    public var hook: String
    public var names: [String]
    /// `[train][test]`
    public var auroc: [[Double]]
    public var accuracy: [[Double]]
    public var counts: [Int]

    /// Computes the matrix; `datasets[i]` is named `names[i]`.
    public static func compute(kind: ProbeKind, hook: String, names: [String], datasets: [ProbeDataset],
                               plan: ProbeFitter.Plan, progress: ProgressReport? = nil) throws -> GeneralizationMatrix {
        guard datasets.count >= 2 else {
            throw ProbeError.tooFewRows(needed: 2, found: datasets.count, context: "generalisation needs at least two activation files")
        }
        var auroc = [[Double]](repeating: [Double](repeating: .nan, count: datasets.count), count: datasets.count)
        var accuracy = auroc
        for (i, train) in datasets.enumerated() {
            var p = plan
            p.kind = kind
            let outcome = try ProbeFitter.fit(train, plan: p)
            for (j, test) in datasets.enumerated() {
                if i == j {
                    auroc[i][j] = outcome.test?.auroc ?? .nan
                    accuracy[i][j] = outcome.test?.accuracy ?? .nan
                } else {
                    let scores = outcome.model.rawScores(test)
                    let m = ProbeMetrics(scores: scores, probabilities: scores.map(outcome.calibration.probability), labels: test.labels)
                    auroc[i][j] = m.auroc
                    accuracy[i][j] = m.accuracy
                }
            }
            progress?(i + 1, datasets.count, "trained on \(names[i])")
        }
        return GeneralizationMatrix(kind: kind.cliName, hook: hook, names: names, auroc: auroc, accuracy: accuracy,
                                    counts: datasets.map(\.count))
    }

    /// AUROC matrix as a fixed-width table (rows: trained on; columns: tested on).
    public func table() -> String {
        let width = max(10, (names.map(\.count).max() ?? 0) + 1)
        func pad(_ s: String) -> String { s.count >= width ? s : s + String(repeating: " ", count: width - s.count) }
        var out = "AUROC, \(kind) on \(hook) (rows: trained on, columns: tested on; diagonal = held-out split)\n"
        out += pad("") + names.map(pad).joined() + "\n"
        for (i, name) in names.enumerated() {
            out += pad(name) + auroc[i].map { pad($0.isFinite ? String(format: "%.3f", $0) : "n/a") }.joined() + "\n"
        }
        return out
    }

    /// SVG heat map of the AUROC matrix.
    public func heatmap() -> String {
        SVGChart.heatmap(title: "Generalisation AUROC — \(kind), \(hook)", rowLabels: names, colLabels: names, values: auroc)
    }
}
