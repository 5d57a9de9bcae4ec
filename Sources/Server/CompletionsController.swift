// POST /v1/chat/completions and /v1/completions: generate through the gate, stream or not.
import Foundation
import Gate
import Hummingbird

/// The two OpenAI generation routes. Non-streaming answers carry the `polygraph` object on the choice; streams
/// carry each token's score as it goes and end with the verdict before `data: [DONE]`.
///
/// Under `abstain` and `escalate` a stream is held back until the answer is scored (a gate must not leak an
/// answer it may withhold), then sent; under `annotate` tokens go out as they are generated.
///
/// Generation watches the connection so that a client that hangs up stops its generation (unless
/// `serve --input-close answer`, for clients that half-close after their request); that watch ends the
/// connection after the response (Hummingbird's `consumeWithCancellationOnInboundClose`), so these responses say
/// `Connection: close` and keep-alive clients open a new connection instead of reusing a closed one.
struct CompletionsController: Sendable {
    let service: GateService
    let config: ServerConfiguration
    let metrics: ServerMetrics

    var planner: CompletionPlanner { CompletionPlanner(service: service, config: config) }

    func addRoutes(to router: Router<BasicRequestContext>) {
        router.post("/v1/chat/completions", use: chat)
        router.post("/v1/completions", use: complete)
    }

    @Sendable func chat(_ request: Request, context: BasicRequestContext) async throws -> Response {
        var request = request
        let body = try await RequestDecoding.decode(
            ChatCompletionRequest.self, from: &request,
            limit: config.maxBodyBytes)
        try planner.checkModel(body.model)
        let messages = try planner.chatMessages(body.messages)
        let logprobs = try LogprobsRequest.chat(logprobs: body.logprobs, topLogprobs: body.topLogprobs)
        let plan = try planner.plan(
            body, kind: .chat,
            prompt: .chat(messages, templateVariables: body.chatTemplateKwargs?.assignments ?? []),
            maxTokens: body.maxCompletionTokens ?? body.maxTokens,
            defaultMaxTokens: config.defaultMaxTokens, logprobs: logprobs)
        return try await respond(plan, request: request)
    }

    @Sendable func complete(_ request: Request, context: BasicRequestContext) async throws -> Response {
        var request = request
        let body = try await RequestDecoding.decode(CompletionRequest.self, from: &request, limit: config.maxBodyBytes)
        try planner.checkModel(body.model)
        guard body.prompt.values.count == 1, let prompt = body.prompt.values.first else {
            throw OpenAIError(
                .badRequest, "`prompt` holds \(body.prompt.values.count) strings: send exactly one",
                code: "invalid_value", param: "prompt")
        }
        // OpenAI's default for the legacy completions route is 16 tokens.
        let logprobs = try LogprobsRequest.completion(logprobs: body.logprobs)
        let plan = try planner.plan(
            body, kind: .text, prompt: .text(prompt), maxTokens: body.maxTokens,
            defaultMaxTokens: 16, logprobs: logprobs)
        return try await respond(plan, request: request)
    }

    private func respond(_ plan: CompletionPlan, request: Request) async throws -> Response {
        let slot = try service.queue.reserve()
        if plan.stream {
            return streamingResponse(plan, slot: slot, request: request)
        }
        let service = self.service
        let outcome: GateOutcome
        do {
            outcome = try await request.watchingHangUp(config.connections.inputClose) {
                try await service.answer(plan.prepared, slot: slot, policy: plan.policy)
            }
        } catch {
            var failure = OpenAIError(from: error)
            failure.closesConnection = true
            throw failure
        }
        metrics.record(outcome)
        var choice = makeChoice(
            plan, text: outcome.text, finish: openAIFinishReason(outcome.original.finishReason),
            polygraph: .answer(PolygraphObject(outcome, includeTokens: true)), streamed: false)
        // Log-probs describe the generated tokens: only when those are what the client gets.
        if plan.logprobs != nil && outcome.kind == .passed {
            choice.logprobs = LogprobsObject(plan.kind, tokens: outcome.original.tokens)
        }
        let envelope = CompletionEnvelope(
            id: plan.id, object: plan.kind.objectName, created: plan.created, model: plan.model, choices: [choice],
            usage: Usage(
                promptTokens: plan.prepared.promptTokens.count,
                completionTokens: outcome.original.tokens.count),
            systemFingerprint: nil)
        var headers = HTTPFields()
        headers[.contentType] = "application/json"
        headers[.connection] = "close"
        return Response(
            status: .ok, headers: headers,
            body: .init(byteBuffer: ByteBuffer(bytes: try ResponseJSON.encode(envelope))))
    }

    private func makeChoice(
        _ plan: CompletionPlan, text: String?, finish: String?, polygraph: AnyPolygraph?,
        streamed: Bool, role: Bool = false
    ) -> Choice {
        switch plan.kind {
        case .chat:
            let message = AssistantMessage(role: (role || !streamed) ? "assistant" : nil, content: text)
            return Choice(
                index: 0, message: streamed ? nil : message, delta: streamed ? message : nil,
                finishReason: finish, polygraph: polygraph)
        case .text:
            return Choice(index: 0, text: text ?? "", finishReason: finish, polygraph: polygraph)
        }
    }

    private func chunk(_ plan: CompletionPlan, _ choice: Choice?, usage: Usage? = nil) throws -> ByteBuffer {
        let envelope = CompletionEnvelope(
            id: plan.id, object: plan.kind.chunkObjectName, created: plan.created,
            model: plan.model, choices: choice.map { [$0] } ?? [], usage: usage,
            systemFingerprint: nil)
        return ServerSentEvents.event(try ResponseJSON.encode(envelope))
    }

    private func streamingResponse(_ plan: CompletionPlan, slot: GateQueue.Slot, request: Request) -> Response {
        var headers = HTTPFields()
        headers[.contentType] = "text/event-stream"
        headers[.cacheControl] = "no-cache"
        headers[.connection] = "close"
        let service = self.service
        let metrics = self.metrics
        let live = plan.policy.action == .annotate
        let inputClose = config.connections.inputClose
        return Response(
            status: .ok, headers: headers,
            body: ResponseBody { writer in
                try await request.watchingHangUp(inputClose) {
                    let (tokens, sink) = AsyncStream<ScoredToken>.makeStream()
                    try await withThrowingTaskGroup(of: GateOutcome.self) { group in
                        group.addTask {
                            defer { sink.finish() }
                            return try await service.answer(plan.prepared, slot: slot, policy: plan.policy) { token in
                                sink.yield(token)
                            }
                        }
                        if plan.kind == .chat {
                            try await writer.write(
                                chunk(
                                    plan,
                                    makeChoice(
                                        plan, text: "", finish: nil, polygraph: nil,
                                        streamed: true, role: true)))
                        }
                        var held: [ScoredToken] = []
                        var offset = 0
                        for await token in tokens {
                            if live {
                                try await writer.write(tokenChunk(plan, token, offset: offset))
                                offset += token.text.count
                            } else {
                                held.append(token)
                            }
                        }
                        do {
                            guard let outcome = try await group.next() else { return }
                            metrics.record(outcome)
                            if !live {
                                if outcome.kind == .passed {
                                    for token in held {
                                        try await writer.write(tokenChunk(plan, token, offset: offset))
                                        offset += token.text.count
                                    }
                                } else {
                                    try await writer.write(
                                        chunk(
                                            plan,
                                            makeChoice(
                                                plan, text: outcome.text, finish: nil,
                                                polygraph: nil, streamed: true)))
                                }
                            }
                            let final = makeChoice(
                                plan, text: nil, finish: openAIFinishReason(outcome.original.finishReason),
                                polygraph: .answer(PolygraphObject(outcome, includeTokens: false)),
                                streamed: true)
                            try await writer.write(chunk(plan, final))
                            if plan.includeUsage {
                                try await writer.write(
                                    chunk(
                                        plan, nil,
                                        usage: Usage(
                                            promptTokens: plan.prepared.promptTokens.count,
                                            completionTokens: outcome.original.tokens.count)))
                            }
                        } catch is CancellationError {
                            throw CancellationError()
                        } catch {
                            let failure = OpenAIError(from: error)
                            metrics.recordStreamFailure()
                            try await writer.write(ServerSentEvents.event(failure.jsonData))
                        }
                        try await writer.write(ServerSentEvents.done)
                    }
                }
                try await writer.finish(nil)
            })
    }

    /// One streamed token; with `logprobs` asked, its log-prob entry (`offset`: where it starts in the answer text).
    private func tokenChunk(_ plan: CompletionPlan, _ token: ScoredToken, offset: Int) throws -> ByteBuffer {
        var choice = makeChoice(
            plan, text: token.text, finish: nil, polygraph: .token(TokenScoreObject(token)),
            streamed: true)
        if plan.logprobs != nil { choice.logprobs = LogprobsObject(plan.kind, tokens: [token], offset: offset) }
        return try chunk(plan, choice)
    }
}

/// Server-sent events framing (WHATWG HTML, "Server-sent events").
enum ServerSentEvents {
    static func event(_ json: Data) -> ByteBuffer {
        var buffer = ByteBuffer()
        buffer.writeString("data: ")
        buffer.writeBytes(json)
        buffer.writeString("\n\n")
        return buffer
    }

    static let done = ByteBuffer(string: "data: [DONE]\n\n")
}
