// Prometheus metrics of the server: requests, latency, tokens, flags, queue depth (text format via swift-prometheus).
import Foundation
import Gate
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
    static let routes: Set<String> = ["/v1/chat/completions", "/v1/completions", "/v1/score", "/v1/models",
                                      "/v1/probes", "/health", "/metrics"]
    static let latencyBuckets: [Duration] = [.milliseconds(5), .milliseconds(25), .milliseconds(100),
                                             .milliseconds(250), .milliseconds(500), .seconds(1), .seconds(2.5),
                                             .seconds(5), .seconds(10), .seconds(30), .seconds(60)]

    public init() {
        tokens = registry.makeCounter(name: "polygraph_tokens_generated_total", help: "Answer tokens generated.")
        streamFailures = registry.makeCounter(name: "polygraph_stream_failures_total",
                                              help: "Streams that ended with an error event.")
        queueWaiting = registry.makeGauge(name: "polygraph_queue_depth",
                                          help: "Requests waiting for the engine (the running one not counted).")
        queueRunning = registry.makeGauge(name: "polygraph_queue_running", help: "1 while the engine is generating.")
        scoringRatio = registry.makeValueHistogram(
            name: "polygraph_scoring_overhead_ratio", buckets: [0.0001, 0.001, 0.005, 0.01, 0.05, 0.1],
            help: "Fraction of each generation's time spent applying the probe.")
        for flag in TruthFlag.allCases { _ = flagCounter(flag) }
    }

    /// Label for a request path.
    static func routeLabel(_ path: String) -> String { routes.contains(path) ? path : "other" }

    /// Counts a finished request and records its latency.
    public func recordRequest(path: String, method: String, status: Int, duration: Duration) {
        let route = Self.routeLabel(path)
        registry.makeCounter(name: "polygraph_requests_total",
                             labels: [("route", route), ("method", method), ("status", String(status))],
                             help: "HTTP requests served.").increment()
        registry.makeDurationHistogram(name: "polygraph_request_duration_seconds", labels: [("route", route)],
                                       buckets: Self.latencyBuckets,
                                       help: "Time to the end of the response (whole stream for SSE).")
            .record(duration)
    }

    /// Counts the tokens, flag and policy action of one gated answer.
    public func record(_ outcome: GateOutcome) {
        tokens.increment(by: Int64(outcome.original.tokens.count))
        flagCounter(outcome.original.verdict.score.flag).increment()
        registry.makeCounter(name: "polygraph_policy_actions_total", labels: [("action", outcome.kind.rawValue)],
                             help: "What the policy did with answers.").increment()
        let timing = outcome.original.timing
        if timing.totalSeconds > 0 { scoringRatio.record(timing.scoringSeconds / timing.totalSeconds) }
    }

    /// Counts verdicts of `/v1/score`.
    public func record(_ verdicts: [Verdict]) {
        for verdict in verdicts { flagCounter(verdict.score.flag).increment() }
    }

    public func recordStreamFailure() { streamFailures.increment() }

    private func flagCounter(_ flag: TruthFlag) -> Counter {
        registry.makeCounter(name: "polygraph_flags_total", labels: [("flag", flag.rawValue)],
                             help: "Verdicts by flag.")
    }

    /// The Prometheus text exposition, with the queue gauges read now.
    public func exposition(queue: GateQueue) -> String {
        queueWaiting.set(Double(queue.waiting))
        queueRunning.set(Double(queue.running))
        return registry.emitToString()
    }
}
