// Option types shared by the commands: the default model path and enums parsed by ArgumentParser.
import ArgumentParser
import Gate
import Hooks
import Inference

/// What every command that loads a GGUF shares.
enum ModelOptions {
    /// The default `--model`: SmolLM2-135M-Instruct Q4_1, which `scripts/fetch-model.sh` puts there.
    static let defaultPath = "models/SmolLM2-135M-Instruct.Q4_1.gguf"
}

/// `--policy annotate|abstain|escalate`, parsed by ArgumentParser (unknown values list the choices).
extension PolicyAction: ExpressibleByArgument {}

/// `capture --position last|mean|all|answer`.
extension CapturePosition: ExpressibleByArgument {}

/// `--decode-mode` and `--weights` (generate, bench, serve, ask).
extension DecodeMode: ExpressibleByArgument {}
extension WeightStorage: ExpressibleByArgument {}

/// How `serve` and `ask` load the model and find probes when none is given.
struct GateLoadOptions: ParsableArguments {
    @Option(help: "Folder of shipped probes, one sub-folder per model (used when no --probe is given).")
    var probesDir = "probes"
    @Option(help: "Decode kernels: float32, quantized (exact, default) or quantizedInt8 (fastest, as llama.cpp).")
    var decodeMode: DecodeMode = .quantized
    @Option(
        help:
            "Weight matrices: mapped (default: read in place from the GGUF, memory ≈ file size) or float32 (dequantised at load)."
    )
    var weights: WeightStorage = .mapped

    /// Loads `model` and the probes at `probePaths`, or the shipped probes trained on it when there are none.
    func loadGate(model: String, probePaths: [String], allowModelMismatch: Bool) throws -> (
        gate: Gate, probePaths: [String]
    ) {
        let engine = try InferenceGateEngine(
            languageModel: LanguageModel.load(path: model, decodeMode: decodeMode, storage: weights))
        return try Gate.load(
            engine: engine, probePaths: probePaths, probesDirectory: probesDir,
            allowModelMismatch: allowModelMismatch)
    }
}
