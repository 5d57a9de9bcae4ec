// Option types shared by the commands: the model options, and the enums and lists parsed by ArgumentParser.
import ActivationStore
import ArgumentParser
import Gate
import Hooks
import Inference
import Tokenization

/// `--model`, `--decode-mode`, `--weights` and `--threads`: what every command that runs a GGUF shares.
struct ModelOptions: ParsableArguments {
    /// The default `--model`: SmolLM2-135M-Instruct Q4_1, which `scripts/fetch-model.sh` puts there.
    static let defaultPath = "models/SmolLM2-135M-Instruct.Q4_1.gguf"

    @Option(name: .customLong("model"), help: "GGUF model file.")
    var path = ModelOptions.defaultPath
    @Option(
        help:
            "Decode kernels: float32, quantized (exact, default) or quantizedInt8 (fastest, as llama.cpp; with AVX-512 VNNI its prefill is an int8 GEMM too)."
    )
    var decodeMode: DecodeMode = .quantized
    @Option(
        help:
            "Weight matrices: mapped (default: read in place from the GGUF in their quantised form, memory ≈ file size) or float32 (dequantised at load, ~7× the memory of a Q4 file)."
    )
    var weights: WeightStorage = .mapped
    @Option(
        name: .customLong("template-var"),
        help: ArgumentHelp(
            "A variable for the chat template, NAME=VALUE (VALUE as JSON, else text); repeatable.",
            discussion: "As transformers' apply_chat_template(**kwargs): e.g. enable_thinking=false for Qwen 3.",
            valueName: "name=value"))
    var templateVariables: [String] = []
    @OptionGroup var threading: ThreadOptions

    /// Applies `--threads`, then loads the model with these kernels, weights and template variables.
    func load() throws -> LanguageModel {
        try threading.apply()
        return try LanguageModel.load(
            path: path, decodeMode: decodeMode, storage: weights, templateVariables: templateVariables)
    }
}

/// `--policy annotate|abstain|escalate`, parsed by ArgumentParser (unknown values list the choices).
extension PolicyAction: ExpressibleByArgument {}

/// `--position last|mean|all|answer` (capture, import).
extension CapturePosition: ExpressibleByArgument {}

/// `--decode-mode` and `--weights`.
extension DecodeMode: ExpressibleByArgument {}
extension WeightStorage: ExpressibleByArgument {}

/// `--template`: `raw` (the text as is), `chat` (the GGUF's own chat template) or a built-in template's family name
/// (`ChatTemplate.builtInNames`); anything else is refused by ArgumentParser with the list of choices.
enum TemplateChoice: ExpressibleByArgument, Equatable, Sendable {
    case raw
    case chat
    case builtIn(String)

    init?(argument: String) {
        switch argument {
        case "raw": self = .raw
        case "chat": self = .chat
        case let name where ChatTemplate.builtInNames.contains(name): self = .builtIn(name)
        default: return nil
        }
    }

    /// The spelling on the command line.
    var name: String {
        switch self {
        case .raw: "raw"
        case .chat: "chat"
        case .builtIn(let name): name
        }
    }

    static var allValueStrings: [String] { ["raw", "chat"] + ChatTemplate.builtInNames }
    var defaultValueDescription: String { name }

    /// The chat template to render prompts with (nil for `raw`).
    func template(for model: LanguageModel) throws -> ChatTemplate? {
        self == .raw ? nil : try model.chatTemplate(named: name)
    }
}

/// `--trigger-flags ok,uncertain,likely_false`: a comma-separated set of probe flags.
struct ProbeFlagList: ExpressibleByArgument, Equatable, Sendable {
    var flags: Set<ProbeFlag>

    init(_ flags: Set<ProbeFlag>) { self.flags = flags }

    init?(argument: String) {
        var flags = Set<ProbeFlag>()
        for name in argument.split(separator: ",") {
            guard let flag = ProbeFlag(rawValue: name.trimmingCharacters(in: .whitespaces)) else { return nil }
            flags.insert(flag)
        }
        self.flags = flags
    }

    static var allValueStrings: [String] { ProbeFlag.allCases.map(\.rawValue) }
    var defaultValueDescription: String {
        ProbeFlag.allCases.filter { flags.contains($0) }.map(\.rawValue).joined(separator: ",")
    }
}

/// `--answer-position` (train, sweep): answer, question, answer_mean, answer_max, answer_exact, a comma list of them,
/// or `best` (all five). Read when the command line is parsed; a bad entry is an error naming it and the choices.
struct AnswerPositions: ExpressibleByArgument, Equatable, Sendable {
    /// The positions an answer capture can be read at: its own rows (`answer`), then the extra ones.
    static let accepted: [ProbePosition] = [.answer] + StoreSchema.answerPositions

    /// The positions to choose among, in the order given, without repeats.
    let positions: [ProbePosition]
    /// The option's value as given (`best`, `answer_mean,question`), for the summary line.
    let argument: String

    init(parsing argument: String) throws {
        let names =
            argument.lowercased() == "best"
            ? Self.accepted.map(\.rawValue)
            : argument.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }
        var positions: [ProbePosition] = []
        for name in names {
            guard let position = ProbePosition(rawValue: name), Self.accepted.contains(position) else {
                throw ValidationError(
                    "expected \(Self.accepted.map(\.rawValue).joined(separator: ", ")), a comma list of them, or "
                        + "'best' (got '\(name)')")
            }
            if !positions.contains(position) { positions.append(position) }
        }
        guard !positions.isEmpty else {
            throw ValidationError("it is empty: give answer, question, answer_mean, answer_max, answer_exact or best")
        }
        self.positions = positions
        self.argument = argument
    }

    init?(argument: String) { try? self.init(parsing: argument) }

    static var allValueStrings: [String] { accepted.map(\.rawValue) + ["best"] }
    var defaultValueDescription: String { argument }

    /// The candidates for `TrainJob`: nil for `answer` (the file's own rows, `/activations`), else the position.
    var candidates: [ProbePosition?] { positions.map(\.storedExtra) }
}

/// How `serve` and `ask` load the model and find probes when none is given.
struct GateLoadOptions: ParsableArguments {
    @OptionGroup var model: ModelOptions
    @Option(help: "Folder of shipped probes, one sub-folder per model (used when no --probe is given).")
    var probesDir = "probes"

    /// Loads the model and the probes at `probePaths`, or the shipped probes trained on it when there are none.
    func loadGate(probePaths: [String], allowModelMismatch: Bool) throws -> (gate: Gate, probePaths: [String]) {
        let engine = try InferenceGateEngine(languageModel: model.load())
        return try Gate.load(
            engine: engine, probePaths: probePaths, probesDirectory: probesDir,
            allowModelMismatch: allowModelMismatch)
    }
}
