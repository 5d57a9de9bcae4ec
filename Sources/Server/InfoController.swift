// GET /v1/models, /v1/probes, /health, /metrics and POST /v1/score.
import Foundation
import Gate
import Hooks
import Hummingbird

/// Read-only routes and scoring of given texts.
struct InfoController: Sendable {
    let service: GateService
    let config: ServerConfiguration
    let metrics: ServerMetrics
    let started = Int(Date().timeIntervalSince1970)

    func addRoutes(to router: Router<BasicRequestContext>) {
        router.get("/v1/models", use: models)
        router.get("/v1/probes", use: probes)
        router.get("/health", use: health)
        router.get("/metrics", use: prometheus)
        router.post("/v1/score", use: score)
    }

    @Sendable func models(_ request: Request, context: BasicRequestContext) async throws -> Response {
        let model = service.gate.engine.model
        return try json([
            "object": "list",
            "data": [
                [
                    "id": config.modelID, "object": "model", "created": started, "owned_by": "polygraph",
                    "polygraph": [
                        "name": model.name, "architecture": model.architecture, "sha256": model.sha256,
                        "context_length": service.gate.engine.contextLength, "d_model": service.gate.engine.dModel,
                        "probes": service.gate.probes.map(\.name),
                    ] as [String: Any],
                ] as [String: Any]
            ],
        ])
    }

    @Sendable func probes(_ request: Request, context: BasicRequestContext) async throws -> Response {
        let data: [[String: Any]] = service.gate.probes.enumerated().map { index, probe in
            [
                "id": probe.name, "object": "probe", "hook": probe.hook.description,
                "hooks": probe.hooks.map(\.description), "position": probe.position.rawValue, "default": index == 0,
                "input_width": probe.inputWidth,
                "model": [
                    "name": probe.model.name, "architecture": probe.model.architecture,
                    "sha256": probe.model.sha256,
                ],
            ]
        }
        let policy = service.policy
        return try json([
            "object": "list", "data": data,
            "policy": [
                "action": policy.action.rawValue, "abstain_message": policy.abstainMessage,
                "trigger_flags": policy.triggerFlags.map(\.rawValue).sorted(),
                "upstream": service.escalator?.endpoint as Any,
            ] as [String: Any],
        ])
    }

    @Sendable func health(_ request: Request, context: BasicRequestContext) async throws -> Response {
        var body: [String: Any] = [
            "status": "ok", "model": config.modelID, "probes": service.gate.probes.count,
            "queue": [
                "waiting": service.queue.waiting, "running": service.queue.running,
                "capacity": service.queue.capacity,
            ],
        ]
        if let replica = config.replicaID { body["replica"] = replica }
        if let problem = service.gate.engine.modelFileProblem() {  // a load balancer takes this replica out
            body["status"] = "model_file_changed"
            body["error"] = GateError.modelFileChanged(problem).description
            var response = try json(body)
            response.status = .serviceUnavailable
            return response
        }
        return try json(body)
    }

    @Sendable func prometheus(_ request: Request, context: BasicRequestContext) async throws -> Response {
        var headers = HTTPFields()
        headers[.contentType] = "text/plain; version=0.0.4; charset=utf-8"
        return Response(
            status: .ok, headers: headers,
            body: .init(byteBuffer: ByteBuffer(string: metrics.exposition(queue: service.queue))))
    }

    /// `POST /v1/score`: `{"input": "text" | [...], "probe"?}` → one verdict per text, no generation; given answers
    /// `{"question" | "messages", "response"}` are teacher-forced and read where a generated answer would be.
    @Sendable func score(_ request: Request, context: BasicRequestContext) async throws -> Response {
        var request = request
        let body = try await RequestDecoding.decode(ScoreRequest.self, from: &request, limit: config.maxBodyBytes)
        if let model = body.model {
            try CompletionPlanner(service: service, config: config).checkModel(model)
        }
        guard body.input.count > 0 else {
            throw OpenAIError(
                .badRequest, "`input` is empty: send a text or an array of texts", code: "empty_input",
                param: "input")
        }
        guard body.input.count <= config.maxScoreTexts else {
            throw OpenAIError(
                .badRequest,
                "`input` holds \(body.input.count) items; at most \(config.maxScoreTexts) per "
                    + "request", code: "invalid_value", param: "input")
        }
        let service = self.service
        let verdicts: [Verdict]
        switch body.input {
        case .texts(let texts):
            if let index = texts.firstIndex(where: { $0.isEmpty }) {
                throw OpenAIError(
                    .badRequest, "`input[\(index)]` is empty", code: "empty_input", param: "input[\(index)]")
            }
            _ = try service.gate.scoringProbe(named: body.probe)
            let slot = try service.queue.reserve()
            verdicts = try await request.watchingHangUp(config.connections.inputClose) {
                try await service.score(texts: texts, probe: body.probe, slot: slot)
            }
        case .answers(let items):
            let given = try CompletionPlanner(service: service, config: config).givenAnswers(items)
            _ = try service.gate.givenAnswerProbe(named: body.probe)
            let slot = try service.queue.reserve()
            verdicts = try await request.watchingHangUp(config.connections.inputClose) {
                try await service.score(given: given, probe: body.probe, slot: slot)
            }
        }
        metrics.record(verdicts)
        let list = ScoreList(model: config.modelID, data: zip(verdicts.indices, verdicts).map(ScoreItem.init))
        var headers = HTTPFields()
        headers[.contentType] = "application/json"
        return Response(
            status: .ok, headers: headers, body: .init(byteBuffer: ByteBuffer(bytes: try ResponseJSON.encode(list))))
    }

    private func json(_ object: [String: Any]) throws -> Response {
        let data = try JSONSerialization.data(withJSONObject: object, options: [.sortedKeys, .withoutEscapingSlashes])
        var headers = HTTPFields()
        headers[.contentType] = "application/json"
        return Response(status: .ok, headers: headers, body: .init(byteBuffer: ByteBuffer(bytes: data)))
    }
}

/// `/v1/score` response (JSONEncoder keeps every digit of P(true); JSONSerialization on Linux rounds to 15).
struct ScoreList: Encodable {
    var object = "list"
    let model: String
    let data: [ScoreItem]
}

struct ScoreItem: Encodable {
    var object = "score"
    let index: Int
    let pTrue: Double
    let flag: String
    let raw: Double
    let probe: String
    let hook: String
    let position: String

    enum CodingKeys: String, CodingKey {
        case object, index, pTrue = "p_true", flag, raw, probe, hook, position
    }

    init(index: Int, verdict: Verdict) {
        self.index = index
        pTrue = verdict.score.pTrue
        flag = verdict.score.flag.rawValue
        raw = verdict.score.raw
        probe = verdict.probe
        hook = verdict.hook
        position = verdict.position.rawValue
    }
}
