import Foundation

extension ProbeSweep {
    /// Fixed-width table: one line per (position, layer, kind); a `cv` column when the sweep chose by cross-validation.
    public static func table(_ result: Result) -> String {
        func pad(_ s: String, _ w: Int, left: Bool = false) -> String {
            let fill = String(repeating: " ", count: max(0, w - s.count))
            return left ? s + fill : fill + s
        }
        let multi = result.positions.count > 1, cv = result.selection != nil
        let lw = max(5, result.rows.map(\.layerLabel.count).max() ?? 0)
        var out =
            (multi ? pad("position", 12, left: true) + " " : "") + pad("layer", lw, left: true) + " "
            + pad("kind", 14, left: true)
        for h in ["acc", "auroc", "auprc", "ece", "brier", "r@1%", "r@5%", "fit_s"] + (cv ? ["cv"] : []) {
            out += " " + pad(h, 7)
        }
        out += "\n"
        for r in result.rows {
            out +=
                (multi ? pad(r.position?.rawValue ?? "", 12, left: true) + " " : "") + pad(r.layerLabel, lw, left: true)
                + " "
                + pad(r.kind, 14, left: true)
            for v in [
                r.test.accuracy, r.test.auroc, r.test.auprc, r.test.ece, r.test.brier, r.test.recallAt1FPR,
                r.test.recallAt5FPR, r.fitSeconds,
            ]
                + (cv ? [r.cvAUROC ?? .nan] : [])
            {
                out += " " + pad(String(format: "%.3f", v), 7)
            }
            out += "\n"
        }
        for position in result.positions {
            for kind in result.kinds {
                if let b = result.best(kind: kind, position: position) {
                    out += String(
                        format: "best %@%@ on the test split: layer %d (AUROC %.3f, accuracy %.3f)\n",
                        position.map { "\($0) " } ?? "", kind, b.layer, b.test.auroc, b.test.accuracy)
                }
            }
        }
        if let selection = result.selection { out += selection.text + "\n" }
        out += baselineLines(result)
        return out
    }

    /// SVG: AUROC (solid) and accuracy (dashed) by layer, one colour per kind (per position and kind when several).
    public static func plot(_ result: Result) -> String {
        var series: [SVGChart.Series] = [], keys: [String] = []
        for position in result.positions {
            for kind in result.kinds {
                let rows = result.singleLayerRows.filter { $0.kind == kind && $0.position == position }
                guard let first = rows.first else { continue }
                let name = result.seriesName(first)
                series.append(.init(name: "\(name) AUROC", points: rows.map { (Double($0.layer), $0.test.auroc) }))
                series.append(
                    .init(
                        name: "\(name) accuracy", points: rows.map { (Double($0.layer), $0.test.accuracy) },
                        dashed: true))
                keys += [name, name]
            }
        }
        if let best = result.baselines.filter({ $0.test.auroc.isFinite }).max(by: { $0.test.auroc < $1.test.auroc }),
            let low = result.rows.map(\.layer).min(), let high = result.rows.map(\.layer).max()
        {
            series.append(
                .init(
                    name: "baseline \(best.name) AUROC",
                    points: [
                        (Double(low), best.test.auroc),
                        (Double(high), best.test.auroc),
                    ], dashed: true))
            keys.append("baseline")
        }
        let low = max(
            0,
            min(0.4, (result.rows.map { min($0.test.auroc, $0.test.accuracy) }.filter(\.isFinite).min() ?? 0.4) - 0.05))
        return SVGChart.lines(
            title: "Probe quality by layer (test split, n=\(result.nTest))", xLabel: "layer",
            yLabel: "AUROC (solid) / accuracy (dashed)", series: series,
            yRange: (low * 10).rounded(.down) / 10...1.0, colorKeys: keys)
    }

    /// Markdown summary: setup, the cross-validated choice, best layer per kind, baselines and the full table.
    public static func markdown(_ result: Result) -> String {
        var md = "# Probe sweep\n\n"
        md += "- activation files: \(result.files.map { "`\($0)`" }.joined(separator: ", "))\n"
        if let t = result.testFiles {
            md += "- test files: \(t.map { "`\($0)`" }.joined(separator: ", ")) (training used every labeled row)\n"
        }
        md +=
            "- split: \(result.split) train / \(String(format: "%.2f", 1 - result.split)) test (stratified, seed \(result.seed)); "
        md +=
            "\(result.nTrain) train rows, \(result.nTest) test rows, \(result.skippedUnlabeled) unlabeled rows skipped\n"
        md += String(format: "- total time: %.2f s\n\n", result.totalSeconds)
        md += "![AUROC and accuracy by layer](sweep.svg)\n\n"
        if let selection = result.selection {
            md += "## Chosen by cross-validation on the training rows\n\n\(selection.text).\n\n"
        }
        let multi = result.positions.count > 1
        md += "## Best layer per \(multi ? "position and kind" : "kind") (test AUROC)\n\n"
        md +=
            "| \(multi ? "position | " : "")kind | layer | AUROC | accuracy | ECE | recall@1%FPR |\n|\(multi ? "---|" : "")---|---|---|---|---|---|\n"
        for position in result.positions {
            for kind in result.kinds {
                if let b = result.best(kind: kind, position: position) {
                    md +=
                        (multi ? "| \(position?.rawValue ?? "") " : "")
                        + String(
                            format: "| %@ | %d | %.3f | %.3f | %.3f | %.3f |\n", kind as NSString, b.layer,
                            b.test.auroc,
                            b.test.accuracy, b.test.ece, b.test.recallAt1FPR)
                }
            }
        }
        md += baselineMarkdown(result)
        md +=
            "\nThe best layer per kind above is chosen on the test split itself, so those numbers are slightly optimistic; "
        md +=
            "`sweep --select` and `polygraph train --layer best` choose by cross-validation on the training rows instead.\n\n"
        let cv = result.selection != nil
        md +=
            "## All \(multi ? "positions and " : "")layers\n\n| \(multi ? "position | " : "")layer | kind | accuracy | AUROC | AUPRC | ECE | Brier | recall@1% | recall@5% | fit s |\(cv ? " CV AUROC |" : "")\n"
        md += "|\(multi ? "---|" : "")---|---|---|---|---|---|---|---|---|---|\(cv ? "---|" : "")\n"
        for r in result.rows {
            md +=
                (multi ? "| \(r.position?.rawValue ?? "") " : "")
                + String(
                    format: "| %@ | %@ | %.3f | %.3f | %.3f | %.3f | %.3f | %.3f | %.3f | %.3f |",
                    r.layerLabel as NSString,
                    r.kind as NSString,
                    r.test.accuracy, r.test.auroc, r.test.auprc, r.test.ece, r.test.brier, r.test.recallAt1FPR,
                    r.test.recallAt5FPR, r.fitSeconds)
                + (cv ? String(format: " %.3f |", r.cvAUROC ?? .nan) : "") + "\n"
        }
        return md
    }
}
