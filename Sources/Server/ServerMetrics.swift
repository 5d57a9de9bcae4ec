// Prometheus metrics of the server: requests, latency, tokens, flags, queue depth (text format via swift-prometheus).
import Foundation
import Gate
import Probes
import Prometheus

/// The server's metrics registry and the series it keeps up to date.
public final class ServerMetrics: Sendable {
    public let registry = PrometheusCollectorRegistry()
    private let tokens: Counter
    private let streamFailures: Counter
    private let queueWaiting: Gauge
    private let queueRunning: Gauge
    private let scoringRatio: ValueHistogram
    /// Routes that get their own label (anything else is `other`, so that scanners cannot grow the label set).
    static let routes: Set<String> = [
        "/v1/chat/completions", "/v1/completions", "/v1/score", "/v1/models",
        "/v1/probes", "/health", "/metrics",
    ]
    static let latencyBuckets: [Duration] = [
        .milliseconds(5), .milliseconds(25), .milliseconds(100),
        .milliseconds(250), .milliseconds(500), .seconds(1), .seconds(2.5),
        .seconds(5), .seconds(10), .seconds(30), .seconds(60),
    ]

    /// `serve --replica-id`: added as a `replica` label to every series, so one Prometheus can tell replicas apart.
    public let replicaID: String?

    public init(replicaID: String? = nil) {
        self.replicaID = replicaID
        tokens = registry.makeCounter(descriptor: Self.name("tokens_generated", "total", "Answer tokens generated."))
        streamFailures = registry.makeCounter(
            descriptor: Self.name(
                "stream_failures", "total",
                "Streams that ended with an error event."))
        queueWaiting = registry.makeGauge(
            descriptor: Self.name(
                "queue", "depth", "Requests waiting for the engine (the running one not counted)."))
        queueRunning = registry.makeGauge(
            descriptor: Self.name("queue", "running", "1 while the engine is generating."))
        scoringRatio = registry.makeValueHistogram(
            descriptor: Self.name(
                "scoring_overhead", "ratio", "Fraction of each generation's time spent applying the probe."),
            buckets: [0.0001, 0.001, 0.005, 0.01, 0.05, 0.1])
        for flag in ProbeFlag.allCases { _ = flagCounter(flag) }
    }

    /// `polygraph_<metric>_<unit>` with its help text.
    static func name(_ metric: String, _ unit: String, _ help: String) -> MetricNameDescriptor {
        MetricNameDescriptor(namespace: "polygraph", metricName: metric, unitName: unit, helpText: help)
    }

    /// Label for a request path.
    static func routeLabel(_ path: String) -> String { routes.contains(path) ? path : "other" }

    /// Counts a finished request and records its latency.
    public func recordRequest(path: String, method: String, status: Int, duration: Duration) {
        let route = Self.routeLabel(path)
        registry.makeCounter(
            descriptor: Self.name("requests", "total", "HTTP requests served."),
            labels: [("route", route), ("method", method), ("status", String(status))]
        ).increment()
        registry.makeDurationHistogram(
            descriptor: Self.name(
                "request_duration", "seconds", "Time to the end of the response (whole stream for SSE)."),
            labels: [("route", route)], buckets: Self.latencyBuckets
        ).record(duration)
    }

    /// Counts the tokens, flag and policy action of one gated answer.
    public func record(_ outcome: GateOutcome) {
        tokens.increment(by: Int64(outcome.original.tokens.count))
        flagCounter(outcome.original.verdict.score.flag).increment()
        registry.makeCounter(
            descriptor: Self.name("policy_actions", "total", "What the policy did with answers."),
            labels: [("action", outcome.kind.rawValue)]
        ).increment()
        let timing = outcome.original.timing
        if timing.totalSeconds > 0 { scoringRatio.record(timing.scoringSeconds / timing.totalSeconds) }
    }

    /// Counts verdicts of `/v1/score`.
    public func record(_ verdicts: [Verdict]) {
        for verdict in verdicts { flagCounter(verdict.score.flag).increment() }
    }

    public func recordStreamFailure() { streamFailures.increment() }

    private func flagCounter(_ flag: ProbeFlag) -> Counter {
        registry.makeCounter(
            descriptor: Self.name("flags", "total", "Verdicts by flag."), labels: [("flag", flag.rawValue)])
    }

    /// The Prometheus text exposition, with the queue gauges read now.
    public func exposition(queue: GateQueue) -> String {
        queueWaiting.set(Double(queue.waiting))
        queueRunning.set(Double(queue.running))
        let text = registry.emitToString()
        return replicaID.map { Self.labelled(text, replica: $0) } ?? text
    }

    /// The exposition with `replica="ID"` added to every sample line (comments and blank lines unchanged).
    static func labelled(_ exposition: String, replica: String) -> String {
        let label = "replica=\"\(replica)\""
        return exposition.split(separator: "\n", omittingEmptySubsequences: false).map { line -> String in
            guard !line.isEmpty, !line.hasPrefix("#") else { return String(line) }
            if let brace = line.firstIndex(of: "{") {
                let closed = line[line.index(after: brace)...].hasPrefix("}")
                return line[...brace] + label + (closed ? "" : ",") + line[line.index(after: brace)...]
            }
            guard let space = line.firstIndex(of: " ") else { return String(line) }
            return line[..<space] + "{" + label + "}" + line[space...]
        }.joined(separator: "\n")
    }
}
