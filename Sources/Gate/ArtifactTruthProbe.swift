// The real probe behind the gate: a probe artifact file (module Probes), validated at load.
import Foundation
import Hooks
import Probes

/// Adapts a `Probes.ProbeScorer` (a loaded, validated artifact) to ``TruthProbe``.
public struct ArtifactTruthProbe: TruthProbe {
    public let scorer: ProbeScorer
    public let name: String

    public var hook: HookName { scorer.artifact.hook }
    public var hooks: [HookName] { scorer.artifact.inputHooks }
    public var position: ProbePosition { scorer.artifact.position }
    public var inputWidth: Int { scorer.dims }
    public var model: ModelIdentity { scorer.artifact.model }

    /// Loads and validates the artifact at `path`; its name is the file's stem (`probes/smollm2/cities.json` → `cities`).
    public init(path: String) throws {
        scorer = try ProbeScorer(path: path)
        name = URL(fileURLWithPath: path).deletingPathExtension().lastPathComponent
    }

    public init(scorer: ProbeScorer, name: String) {
        self.scorer = scorer
        self.name = name
    }

    public var confidenceFeatures: [String] { scorer.confidenceFeatures }

    public func score(_ activation: [Float], confidence: [String: Double]) -> ProbeScore {
        guard let score = try? scorer.score(activation: activation, confidence: confidence) else {
            return ProbeScore(raw: .nan, pTrue: 0, flag: .likelyFalse)
        }
        return score
    }

    public func score(_ activation: [Float]) -> ProbeScore {
        // The gate checked the width against the model at start-up, so scoring cannot fail on size here.
        guard let score = try? scorer.score(activation: activation) else {
            return ProbeScore(raw: .nan, pTrue: 0, flag: .likelyFalse)
        }
        return score
    }
}
