// Option types shared by the commands: the default model path and enums parsed by ArgumentParser.
import ArgumentParser
import Gate
import Hooks

/// What every command that loads a GGUF shares.
enum ModelOptions {
    /// The default `--model`: SmolLM2-135M-Instruct Q4_1, which `scripts/fetch-model.sh` puts there.
    static let defaultPath = "models/SmolLM2-135M-Instruct.Q4_1.gguf"
}

/// `--policy annotate|abstain|escalate`, parsed by ArgumentParser (unknown values list the choices).
extension PolicyAction: ExpressibleByArgument {}

/// `capture --position last|mean|all|answer`.
extension CapturePosition: ExpressibleByArgument {}
