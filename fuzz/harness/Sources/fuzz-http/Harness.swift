// Fuzz target: HTTP request decoding of `polygraph serve` (the body once Hummingbird has collected it): JSON → the
// route's request type → field checks → a queued plan (prompt rendered and tokenised by a fake engine), and every
// error rendered as OpenAI error JSON; plus the `Authorization` header parse. The first byte picks the route.
import Foundation
import FuzzSupport
import Gate
import GateTestSupport
import Hummingbird
@testable import Server

let configuration = ServerConfiguration(
    apiKey: "sk-fuzz", modelID: "fake-model", maxTokensLimit: 32,
    defaultMaxTokens: 16, maxBodyBytes: 1 << 20, maxScoreTexts: 4)
let planner: CompletionPlanner = {
    do {
        var second = FakeProbe()
        second.name = "second"
        let service = GateService(
            gate: try Gate(engine: FakeEngine(), probes: [FakeProbe(), second]),
            policy: GatePolicy(), escalator: nil, queueCapacity: 8)
        return CompletionPlanner(service: service, config: configuration)
    } catch {
        fatalError("cannot build the fuzz server: \(error)")
    }
}()

/// With POLYGRAPH_FUZZ_WRITE_SEEDS=<dir>: writes this target's seeds there and exits.
func writeSeeds() {
    writeSeedsIfAsked {
        [
            (
                "chat", 0,
                #"{"model":"fake-model","messages":[{"role":"system","content":"Be brief."},{"role":"user","content":"Capital of France?"}],"max_tokens":8,"temperature":0.7,"top_p":0.9,"seed":3,"stop":["\n"],"logprobs":true,"top_logprobs":2,"polygraph":{"policy":"abstain","abstain_message":"no","probe":"second","trigger_flags":["uncertain"]}}"#
            ),
            (
                "chat-parts", 0,
                #"{"model":"fake-model","messages":[{"role":"developer","content":[{"type":"text","text":"a"},{"type":"text","text":"b"}]},{"role":"user","content":null}],"stream":true,"stream_options":{"include_usage":true},"max_completion_tokens":4}"#
            ),
            (
                "completion", 1,
                #"{"model":"fake-model","prompt":["Paris is"],"max_tokens":4,"logprobs":3,"n":1,"stop":"."}"#
            ),
            ("completion-bad", 1, #"{"model":"other","prompt":5,"top_p":1e-320,"temperature":-1}"#),
            (
                "score", 2,
                #"{"model":"fake-model","input":["Paris is in France.","Water is dry."],"probe":"fake-probe"}"#
            ),
            ("auth", 3, "Bearer   sk-fuzz"),
        ].map { ($0.0, [UInt8($0.1)] + Array($0.2.utf8)) }
    }
}

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    let bytes = fuzzBytes(data, size)
    guard let route = bytes.first else { return 0 }
    let body = Data(bytes.dropFirst())
    do {
        switch route % 4 {
        case 0:  // POST /v1/chat/completions
            let request = try RequestDecoding.decode(ChatCompletionRequest.self, from: body)
            try planner.checkModel(request.model)
            let messages = try planner.chatMessages(request.messages)
            let logprobs = try LogprobsRequest.chat(logprobs: request.logprobs, topLogprobs: request.topLogprobs)
            _ = try planner.plan(
                request, kind: .chat, prompt: .chat(messages),
                maxTokens: request.maxCompletionTokens ?? request.maxTokens,
                defaultMaxTokens: configuration.defaultMaxTokens, logprobs: logprobs)
        case 1:  // POST /v1/completions
            let request = try RequestDecoding.decode(CompletionRequest.self, from: body)
            try planner.checkModel(request.model)
            guard request.prompt.values.count == 1, let prompt = request.prompt.values.first else { return 0 }
            let logprobs = try LogprobsRequest.completion(logprobs: request.logprobs)
            _ = try planner.plan(
                request, kind: .text, prompt: .text(prompt), maxTokens: request.maxTokens,
                defaultMaxTokens: 16, logprobs: logprobs)
        case 2:  // POST /v1/score
            let request = try RequestDecoding.decode(ScoreRequest.self, from: body)
            if let model = request.model { try planner.checkModel(model) }
            guard request.input.count > 0, request.input.count <= configuration.maxScoreTexts else { return 0 }
            switch request.input {
            case .texts(let texts):
                _ = try planner.service.gate.score(texts: texts, probe: request.probe)
            case .answers(let items):
                _ = try planner.service.gate.score(given: try planner.givenAnswers(items), probe: request.probe)
            }
        default:  // Authorization header
            let header = String(decoding: body, as: UTF8.self)
            if let token = BearerAuthMiddleware<BasicRequestContext>.bearerToken(header) {
                _ = BearerAuthMiddleware<BasicRequestContext>.constantTimeEqual(token, "sk-fuzz")
            }
        }
    } catch {
        _ = OpenAIError(from: error).jsonData
    }
    return 0
}
