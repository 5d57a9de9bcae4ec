import ActivationStore
import Foundation
import Hooks

extension TrainJob {
    /// After `choice` (the best single layer by CV): scores the concatenations of its layer with its 1, 2 and 3
    /// next-best layers (by CV AUROC at the same position and kind) by the same folds on the training rows, C
    /// re-chosen among `regularization`, and keeps the best when it beats the single layer by
    /// `ProbeSelection.concatenationMargin` (see `ProbeSelection.extend`).
    static func tryConcatenations(
        _ choice: ProbeSelection.Choice, candidates: [ProbeSelection.Candidate], loader: ActivationLoader,
        pattern: HookPattern, plan: ProbeFitter.Plan, folds: Int, groupBy: String?, regularization: [Double]?,
        progress: ProgressReport?
    ) throws -> ProbeSelection.Choice {
        let base = choice.chosen
        let extra = ProbeSelection.nextBest(after: base, among: candidates)
        guard !extra.isEmpty else { return choice }
        let kind = try ProbeKind(cliName: base.kind)
        let cs: [Double?] = [ProbeKind.logistic, .hybrid].contains(kind) ? regularization?.map { $0 } ?? [nil] : [nil]
        // Labels name the file's own position too; only the extra answer positions read `/positions`.
        let stored = base.position?.storedExtra
        let sets = ProbeSelection.concatenations(of: base.layer, with: extra)
        var tried: [ProbeSelection.Candidate] = []
        let total = candidates.count + sets.count * cs.count
        for set in sets {
            let data = try loader.dataset(
                hooks: set.map(pattern.name(layer:)), groupBy: groupBy, position: stored)
            for c in cs {
                let auroc = try ProbeSelection.crossValidatedAUROC(
                    data, kind: kind, plan: plan, folds: folds, separateTest: false, c: c)
                let candidate = ProbeSelection.Candidate(
                    position: base.position, layer: set[0], kind: base.kind, c: c, cvAUROC: auroc, layers: set)
                tried.append(candidate)
                progress?(
                    candidates.count + tried.count, total, candidate.label + String(format: " CV AUROC %.3f", auroc))
            }
        }
        return ProbeSelection.extend(choice, tried: ProbeSelection.bestPerConcatenation(tried))
    }
}
