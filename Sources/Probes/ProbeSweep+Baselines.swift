import Foundation

extension ProbeSweep {
    /// Text lines: each confidence baseline on the same test rows, then the best probe against the best of them.
    static func baselineLines(_ result: Result) -> String {
        guard !result.baselines.isEmpty else {
            return
                "no confidence baselines: these files have no /confidence columns (capture without --no-confidence)\n"
        }
        var out = ""
        for baseline in result.baselines { out += baseline.text + "\n" }
        if let comparison = result.comparison { out += comparison.text + "\n" }
        return out
    }

    /// Markdown section with the same content as `baselineLines`.
    static func baselineMarkdown(_ result: Result) -> String {
        guard !result.baselines.isEmpty else {
            return "\nNo confidence baselines: the files have no `/confidence` columns.\n"
        }
        var md = "\n## Against the model's own confidence (same test rows)\n\n"
        md +=
            "| baseline | true when | accuracy | AUROC | AUPRC | ECE | Brier | recall@5% | false caught@5% |\n|---|---|---|---|---|---|---|---|---|\n"
        for b in result.baselines {
            md += String(
                format: "| %@ | %@ | %.3f | %.3f | %.3f | %.3f | %.3f | %.3f | %.3f |\n", b.name as NSString,
                b.trueWhen as NSString,
                b.test.accuracy, b.test.auroc, b.test.auprc, b.test.ece, b.test.brier, b.test.recallAt5FPR,
                b.test.falseRecallAt5FPR ?? .nan)
        }
        if let c = result.comparison { md += "\n" + c.text + ".\n" }
        return md
    }
}
