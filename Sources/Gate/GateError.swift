// Everything that can go wrong in the gate, with the context to act on it.
import Probes

/// Errors from the gate. Each says what was wrong and, where known, what to do.
public enum GateError: Error, Equatable, CustomStringConvertible {
    /// The gate was built without probes.
    case noProbes
    /// No probe under the probes folder was trained on the loaded model's weights.
    case noShippedProbe(model: ModelIdentity, directory: String)
    /// A probe was trained on other weights than the loaded model.
    case modelMismatch(probe: String, probeModel: ModelIdentity, loadedModel: ModelIdentity)
    /// A probe reads a hook the model does not have.
    case unknownHook(probe: String, hook: String)
    /// A probe reads vectors of another width than the model's d_model.
    case widthMismatch(probe: String, expected: Int, found: Int)
    /// A request named a probe that was not loaded at start-up.
    case unknownProbe(name: String, available: [String])
    /// Two probes share a name.
    case duplicateProbe(name: String)
    /// Prompt plus requested tokens do not fit in the model's context.
    case contextLengthExceeded(promptTokens: Int, maxTokens: Int, contextLength: Int)
    /// The prompt rendered to no tokens, or a chat had no messages.
    case emptyPrompt
    /// Invalid sampling or length option.
    case invalidOption(name: String, value: String, expected: String)
    /// The model's chat template refused the conversation or a template variable (`raise_exception`, or a value
    /// it cannot use): the request's fault.
    case chatTemplateRefused(String)
    /// A chat was asked of a model without a usable chat template (a base model): the request's fault, since the
    /// model can be prompted with raw text.
    case noChatTemplate(String)
    /// The engine queue is full; try again later.
    case queueFull(capacity: Int)
    /// The engine returned no step, or an activation of the wrong size.
    case engineFailure(String)
    /// Escalation to the upstream endpoint failed.
    case upstreamFailure(url: String, reason: String)
    /// The model file was truncated or rewritten in place after it was loaded; the engine no longer runs.
    case modelFileChanged(String)

    public var description: String {
        switch self {
        case .noProbes:
            return "no probe loaded. Hint: pass --probe P.json (train one with `polygraph train`)"
        case let .noShippedProbe(model, directory):
            return "no probe under \(directory)/ was trained on \(model.name) (sha256 \(model.sha256.prefix(12))…). "
                + "Hint: pass --probe P.json, point --probes-dir at a folder of probes for this model, or train one "
                + "(scripts/make-probes.sh builds the shipped ones)"
        case let .modelMismatch(probe, probeModel, loaded):
            return "probe '\(probe)' was trained on \(probeModel.name) (sha256 \(probeModel.sha256.prefix(12))…) "
                + "but the loaded model is \(loaded.name) (sha256 \(loaded.sha256.prefix(12))…). "
                + "Hint: load the model the probe was trained on, or pass --allow-model-mismatch to score anyway"
        case let .unknownHook(probe, hook):
            return "probe '\(probe)' reads hook '\(hook)', which the loaded model does not have"
        case let .widthMismatch(probe, expected, found):
            return "probe '\(probe)' reads vectors of width \(found) but the model gives \(expected) "
                + "(its d_model per hook the probe reads)"
        case let .unknownProbe(name, available):
            return "no probe named '\(name)'; loaded probes: \(available.joined(separator: ", ")). "
                + "Probes are only loaded from the paths given at start-up"
        case let .duplicateProbe(name):
            return "two probes are named '\(name)'; rename one of the files"
        case let .contextLengthExceeded(prompt, maxTokens, context):
            return "this model's maximum context length is \(context) tokens, but the prompt has \(prompt) tokens "
                + "and max_tokens is \(maxTokens). Shorten the prompt or lower max_tokens"
        case .emptyPrompt:
            return "the prompt is empty"
        case let .invalidOption(name, value, expected):
            return "invalid \(name) \(value): expected \(expected)"
        case let .chatTemplateRefused(reason):
            return "the model's chat template refused this conversation: \(reason)"
        case let .noChatTemplate(reason):
            return "this model has no usable chat template (\(reason)): send raw text to /v1/completions instead; "
                + "a question as its shipped probes were trained is \"Question: …\\nAnswer:\" with \"stop\": "
                + "[\"\\nQuestion:\"]"
        case let .queueFull(capacity):
            return "the server is busy (\(capacity) requests already waiting); retry later"
        case let .engineFailure(reason):
            return "generation failed: \(reason)"
        case let .upstreamFailure(url, reason):
            return "escalation to \(url) failed: \(reason)"
        case let .modelFileChanged(detail):
            return "the model file changed under the server: \(detail). Restart the server to load it "
                + "(to deploy a new model, write it under another name and `mv` it into place, never `cp` over it)"
        }
    }
}
