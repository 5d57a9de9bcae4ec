// From a decoded OpenAI request to what the gate runs: prompt, options, policy, probe, stream or not.
import Foundation
import Gate
import Probes

/// Which OpenAI route a request came through (decides the response shapes).
enum CompletionKind: Sendable {
    case chat
    case text

    var objectName: String { self == .chat ? "chat.completion" : "text_completion" }
    var chunkObjectName: String { self == .chat ? "chat.completion.chunk" : "text_completion" }
    var idPrefix: String { self == .chat ? "chatcmpl-" : "cmpl-" }
}

/// A checked request, ready to queue.
struct CompletionPlan: Sendable {
    let kind: CompletionKind
    let prepared: PreparedRequest
    let policy: GatePolicy
    let stream: Bool
    let includeUsage: Bool
    let id: String
    let created: Int
    /// The model id echoed back.
    let model: String
    /// OpenAI `logprobs` as asked (nil: the choice's `logprobs` is null).
    let logprobs: LogprobsRequest?
}

/// Turns request fields into a plan, refusing what the server does not support with a precise error.
struct CompletionPlanner: Sendable {
    let service: GateService
    let config: ServerConfiguration

    /// Model ids a request may name.
    var acceptedModels: [String] { [config.modelID, service.gate.engine.model.name] }

    func checkModel(_ model: String) throws {
        guard acceptedModels.contains(model) else {
            throw OpenAIError(
                .notFound,
                "the model '\(model)' does not exist here; this server serves '\(config.modelID)' "
                    + "(GET /v1/models)", code: "model_not_found", param: "model")
        }
    }

    func chatMessages(_ incoming: [IncomingMessage]) throws -> [ChatMessage] {
        guard !incoming.isEmpty else {
            throw OpenAIError(
                .badRequest, "`messages` is empty: send at least one message", code: "empty_messages",
                param: "messages")
        }
        return try incoming.enumerated().map { index, message in
            let role = message.role == "developer" ? "system" : message.role
            guard ["system", "user", "assistant"].contains(role) else {
                throw OpenAIError(
                    .badRequest,
                    "`messages[\(index)].role` is '\(message.role)': expected system, "
                        + "developer, user or assistant", code: "invalid_value", param: "messages[\(index)].role")
            }
            return ChatMessage(role: role, content: message.content.text)
        }
    }

    /// Each given answer's prompt: its `messages`, or its `question` as a user turn (as `Question: …\nAnswer:` for a
    /// model without a chat template, as capture asks it).
    func givenAnswers(_ items: [GivenAnswerInput]) throws -> [GivenAnswer] {
        let chat = service.gate.engine.hasChatTemplate
        return try items.enumerated().map { index, item in
            switch (item.question, item.messages) {
            case (let question?, nil):
                guard !question.isEmpty else {
                    throw OpenAIError(
                        .badRequest, "`input[\(index)].question` is empty", code: "empty_input",
                        param: "input[\(index)].question")
                }
                return GivenAnswer.question(question, response: item.response, chat: chat)
            case (nil, let messages?):
                guard chat else {
                    throw OpenAIError(
                        .badRequest,
                        "`input[\(index)].messages` needs a chat template and this model has none: send "
                            + "`question` instead", code: "invalid_value", param: "input[\(index)].messages")
                }
                let chatMessages = try chatMessages(messages)
                return GivenAnswer(prompt: .chat(chatMessages), response: item.response)
            default:
                throw OpenAIError(
                    .badRequest, "`input[\(index)]` needs exactly one of `question` and `messages` beside `response`",
                    code: "invalid_value", param: "input[\(index)]")
            }
        }
    }

    func plan(
        _ fields: some CompletionRequestFields, kind: CompletionKind, prompt: GatePrompt,
        maxTokens: Int?, defaultMaxTokens: Int, logprobs: LogprobsRequest? = nil
    ) throws -> CompletionPlan {
        try checkModel(fields.model)
        if let n = fields.n, n != 1 {
            throw OpenAIError(
                .badRequest, "`n` is \(n): this server returns one choice per request (n = 1)",
                code: "invalid_value", param: "n")
        }
        let stop = fields.stop?.values ?? []
        guard stop.count <= 4, stop.allSatisfy({ !$0.isEmpty && $0.utf8.count <= 256 }) else {
            throw OpenAIError(
                .badRequest,
                "`stop` has \(stop.count) sequence(s): expected up to 4 non-empty strings "
                    + "of at most 256 bytes", code: "invalid_value", param: "stop")
        }
        let maxTokens = maxTokens ?? min(defaultMaxTokens, config.maxTokensLimit)
        guard maxTokens >= 1 && maxTokens <= config.maxTokensLimit else {
            throw OpenAIError(
                .badRequest, "`max_tokens` is \(maxTokens): expected 1...\(config.maxTokensLimit)",
                code: "invalid_value", param: "max_tokens")
        }
        var options = GenerationOptions(
            maxTokens: maxTokens, temperature: fields.temperature ?? 0,
            topP: fields.topP ?? 1, seed: fields.seed.map { UInt64(bitPattern: Int64($0)) },
            stop: stop)
        options.topLogprobs = logprobs?.top ?? 0
        let policy = try resolvePolicy(fields.polygraph)
        let prepared: PreparedRequest
        do {
            prepared = try service.prepare(prompt, options: options, probe: fields.polygraph?.probe)
        } catch GateError.contextLengthExceeded(let promptTokens, let maxTokens, let context) {
            throw OpenAIError(
                .badRequest,
                GateError.contextLengthExceeded(
                    promptTokens: promptTokens, maxTokens: maxTokens, contextLength: context
                ).description,
                code: "context_length_exceeded", param: kind == .chat ? "messages" : "prompt")
        }
        return CompletionPlan(
            kind: kind, prepared: prepared, policy: policy, stream: fields.stream ?? false,
            includeUsage: fields.streamOptions?.includeUsage ?? false,
            id: kind.idPrefix + UUID().uuidString.replacingOccurrences(of: "-", with: "").lowercased(),
            created: Int(Date().timeIntervalSince1970), model: fields.model, logprobs: logprobs)
    }

    /// The server's policy with the request's `polygraph` overrides applied.
    func resolvePolicy(_ overrides: PolygraphOverrides?) throws -> GatePolicy {
        var policy = service.policy
        guard let overrides else { return policy }
        if let name = overrides.policy {
            guard let action = PolicyAction(rawValue: name) else {
                throw OpenAIError(
                    .badRequest, "`polygraph.policy` is '\(name)': expected annotate, abstain or escalate",
                    code: "invalid_value", param: "polygraph.policy")
            }
            policy.action = action
        }
        if let message = overrides.abstainMessage { policy.abstainMessage = message }
        if let flags = overrides.triggerFlags {
            policy.triggerFlags = Set(
                try flags.map { name in
                    guard let flag = ProbeFlag(rawValue: name) else {
                        throw OpenAIError(
                            .badRequest,
                            "`polygraph.trigger_flags` holds '\(name)': expected ok, uncertain "
                                + "or likely_false", code: "invalid_value", param: "polygraph.trigger_flags")
                    }
                    return flag
                })
        }
        if policy.action == .escalate && service.escalator == nil {
            throw OpenAIError(
                .badRequest,
                "policy escalate needs an upstream endpoint; start the server with "
                    + "--upstream URL", code: "invalid_value", param: "polygraph.policy")
        }
        return policy
    }
}
