#if canImport(Server)  // left out when built with POLYGRAPH_NO_SERVER=1
    import ArgumentParser
    import Foundation
    import Gate
    import Inference
    import Probes
    import Server

    extension InputClose: ExpressibleByArgument {}

    /// `polygraph serve`: the OpenAI-compatible gated server (logic in modules Gate and Server).
    struct ServeCommand: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "serve",
            abstract: "Serve an OpenAI-compatible API whose every answer carries P(true) and a flag.",
            discussion: """
                Binds 127.0.0.1 unless --host says otherwise. With --api-key (or POLYGRAPH_API_KEY) every route but \
                /health needs `Authorization: Bearer KEY`. Probes are loaded only from the --probe paths given here; \
                a request may pick one of them by name (`"polygraph": {"probe": NAME}`), never by path.
                """)

        @Option(
            name: .customLong("probe"),
            help:
                "Probe artifact (repeat for several; the first is the default). Without it: the probes under --probes-dir trained on this model's exact weights, answers.json first."
        )
        var probes: [String] = []
        @OptionGroup var loading: GateLoadOptions

        @Option(help: "Interface to bind.") var host = "127.0.0.1"
        @Option(help: "TCP port (0 picks a free one).") var port = 8080
        @Option(help: "What to do with a flagged answer.") var policy: PolicyAction = .annotate
        @Option(help: "Text returned instead of a flagged answer under abstain.")
        var abstainMessage = GatePolicy.defaultAbstainMessage
        @Option(help: "Flags that trigger the policy, comma-separated (ok, uncertain, likely_false).")
        var triggerFlags = ProbeFlagList([.likelyFalse])
        @Option(help: "OpenAI-compatible base URL (ending in /v1) that escalate forwards flagged requests to.")
        var upstream: String?
        @Option(help: "Model name sent upstream.") var upstreamModel = "default"
        @Option(help: "Bearer key required from clients (or set POLYGRAPH_API_KEY).") var apiKey: String?
        @Option(help: "Most requests waiting for the engine; one more gets 429.") var queueCapacity = 32
        @Option(
            help:
                "Most requests generating at once, sharing each decode step (continuous batching: a request joins the running batch at the next step and leaves when it finishes); 1 runs them one at a time."
        )
        var batchSize = 8
        @Option(help: "Largest max_tokens a request may ask for.") var maxTokensLimit = 1024
        @Option(help: "Largest request body in bytes.") var maxBodyBytes = 1 << 20
        @Option(help: "Seconds a new connection has to send its whole request head (slow clients are disconnected).")
        var headerTimeout = ConnectionLimits.defaultHeaderTimeout
        @Option(help: "Seconds a request has to send its whole body (408 beyond).")
        var bodyTimeout = ConnectionLimits.defaultBodyTimeout
        @Option(help: "Seconds an idle keep-alive connection is kept open.")
        var idleTimeout = ConnectionLimits.defaultIdleTimeout
        @Option(help: "Most open connections; beyond it the oldest idle one is closed, or 503 when none is idle.")
        var maxConnections = ConnectionLimits.defaultMaxConnections
        @Option(
            help:
                "When a client closes its sending side before its answer: cancel (taken as a hang-up: the generation stops, 499) or answer (for clients that half-close after their request; a client that left is then noticed only when a write fails)."
        )
        var inputClose: InputClose = .cancel
        @Option(help: "Model id clients send (default: the GGUF file's stem).") var modelId: String?
        @Option(
            help:
                "Name of this replica behind a load balancer: a replica label on every /metrics series and a field in /health (letters, digits, . _ : -)."
        )
        var replicaId: String?
        @Flag(help: "Use probes trained on other weights anyway (their scores are then unreliable).")
        var allowModelMismatch = false

        func validate() throws {
            if policy == .escalate && upstream == nil {
                throw ValidationError("--policy escalate needs --upstream URL")
            }
            if let upstream, URL(string: upstream)?.scheme?.hasPrefix("http") != true {
                throw ValidationError("--upstream must be an http(s) URL, e.g. http://127.0.0.1:9000/v1")
            }
            guard (1...65535).contains(port) || port == 0 else { throw ValidationError("--port must be 0...65535") }
            if let replicaId,
                replicaId.isEmpty || replicaId.count > 64
                    || !replicaId.unicodeScalars.allSatisfy({
                        $0.isASCII && (CharacterSet.alphanumerics.contains($0) || "._:-".unicodeScalars.contains($0))
                    })
            {
                throw ValidationError("--replica-id must be 1-64 letters, digits or . _ : - (got '\(replicaId)')")
            }
            guard queueCapacity >= 1 else { throw ValidationError("--queue-capacity must be at least 1") }
            guard (1...256).contains(batchSize) else { throw ValidationError("--batch-size must be 1...256") }
            guard maxTokensLimit >= 1 else {
                throw ValidationError("--max-tokens-limit must be at least 1 (got \(maxTokensLimit))")
            }
            guard maxBodyBytes >= 1 else {
                throw ValidationError("--max-body-bytes must be at least 1 (got \(maxBodyBytes))")
            }
            for (name, seconds) in [
                ("--header-timeout", headerTimeout), ("--body-timeout", bodyTimeout),
                ("--idle-timeout", idleTimeout),
            ] where !(seconds > 0 && seconds <= 86_400) {
                throw ValidationError("\(name) must be a number of seconds in (0, 86400] (got \(seconds))")
            }
            guard (1...1_000_000).contains(maxConnections) else {
                throw ValidationError("--max-connections must be 1...1000000 (got \(maxConnections))")
            }
            // An empty key (often an unset variable in a deploy script) must never mean "no auth".
            if apiKey?.trimmingCharacters(in: .whitespaces).isEmpty == true {
                throw ValidationError(
                    "--api-key is empty: give a non-empty key, or leave the option out to serve without one")
            }
            if apiKey == nil, let key = ProcessInfo.processInfo.environment["POLYGRAPH_API_KEY"],
                key.trimmingCharacters(in: .whitespaces).isEmpty
            {
                throw ValidationError(
                    "POLYGRAPH_API_KEY is set but empty: set it to a non-empty key, or unset it to serve without one")
            }
        }

        func run() async throws {
            let err = FileHandle.standardError
            err.write(
                Data(
                    "loading \(loading.model.path) and \(probes.isEmpty ? "the probes under \(loading.probesDir)/ trained on it" : "\(probes.count) probe(s)")...\n"
                        .utf8))
            let (gate, loaded) = try loading.loadGate(probePaths: probes, allowModelMismatch: allowModelMismatch)
            if probes.isEmpty { err.write(Data("probes for this model: \(loaded.joined(separator: ", "))\n".utf8)) }
            let gatePolicy = GatePolicy(
                action: policy, abstainMessage: abstainMessage,
                triggerFlags: triggerFlags.flags)
            let escalator = upstream.flatMap(URL.init(string:)).map {
                OpenAIUpstream(
                    baseURL: $0, model: upstreamModel,
                    apiKey: ProcessInfo.processInfo.environment["POLYGRAPH_UPSTREAM_API_KEY"])
            }
            let service = GateService(
                gate: gate, policy: gatePolicy, escalator: escalator, queueCapacity: queueCapacity,
                batchSize: batchSize)
            let key = apiKey ?? ProcessInfo.processInfo.environment["POLYGRAPH_API_KEY"]
            let id = modelId ?? URL(fileURLWithPath: loading.model.path).deletingPathExtension().lastPathComponent
            var connections = ConnectionLimits(
                headerTimeout: .seconds(headerTimeout), bodyTimeout: .seconds(bodyTimeout),
                idleTimeout: .seconds(idleTimeout), maxConnections: maxConnections,
                inputClose: inputClose)
            if let note = connections.fitOpenFileLimit() { err.write(Data("note: \(note)\n".utf8)) }
            let configuration = ServerConfiguration(
                host: host, port: port, apiKey: key, modelID: id,
                maxTokensLimit: maxTokensLimit, maxBodyBytes: maxBodyBytes,
                replicaID: replicaId, connections: connections)
            let probeNames = gate.probes.map { "\($0.name) (\($0.hookLabel))" }.joined(separator: ", ")
            let app = PolygraphServer.buildApplication(service: service, configuration: configuration) { boundPort in
                err.write(
                    Data(
                        ("polygraph serve\(replicaId.map { " (replica \($0))" } ?? ""): model \(id), probes \(probeNames), policy \(gatePolicy.action.rawValue)"
                            + "\(key == nil ? "" : ", API key required")\nlistening on http://\(host):\(boundPort)/v1\n")
                            .utf8))
            }
            try await app.runService()
        }
    }
#endif
