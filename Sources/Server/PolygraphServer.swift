// Building the Hummingbird application: router, middleware, controllers (kept apart from `main` so tests can use it).
import Foundation
import Gate
import Hummingbird
import Logging

/// Builds the OpenAI-compatible HTTP server around a ``GateService``.
///
/// ```swift
/// let service = GateService(gate: gate, policy: GatePolicy(action: .annotate), queueCapacity: 16)
/// let app = PolygraphServer.buildApplication(service: service,
///                                            configuration: ServerConfiguration(modelID: "SmolLM2-135M-Instruct"))
/// try await app.runService()
/// ```
public enum PolygraphServer {
    /// The router with every route and middleware (metrics, OpenAI errors, optional bearer auth).
    public static func buildRouter(
        service: GateService, configuration: ServerConfiguration,
        metrics: ServerMetrics? = nil
    ) -> Router<BasicRequestContext> {
        let metrics = metrics ?? ServerMetrics(replicaID: configuration.replicaID)
        let router = Router(context: BasicRequestContext.self)
        router.add(middleware: MetricsMiddleware(metrics: metrics))
        router.add(middleware: OpenAIErrorMiddleware())
        if let key = configuration.apiKey {  // an empty key refuses every request rather than turning auth off
            router.add(middleware: BearerAuthMiddleware(apiKey: key))
        }
        CompletionsController(service: service, config: configuration, metrics: metrics).addRoutes(to: router)
        InfoController(service: service, config: configuration, metrics: metrics).addRoutes(to: router)
        return router
    }

    /// The application, bound to `configuration.host:port` (loopback by default), with the connection limit and
    /// the header, body and idle timeouts of `configuration.connections`.
    public static func buildApplication(
        service: GateService, configuration: ServerConfiguration,
        logger: Logger? = nil,
        onServerRunning: @escaping @Sendable (Int) async -> Void = { _ in }
    )
        -> some ApplicationProtocol
    {
        buildApplication(
            service: service, configuration: configuration,
            registry: ConnectionRegistry(limit: configuration.connections.maxConnections), logger: logger,
            onServerRunning: onServerRunning)
    }

    /// The same, counting its connections in `registry` (tests watch it).
    static func buildApplication(
        service: GateService, configuration: ServerConfiguration, registry: ConnectionRegistry,
        logger: Logger? = nil, onServerRunning: @escaping @Sendable (Int) async -> Void = { _ in }
    )
        -> some ApplicationProtocol
    {
        let logger = logger ?? Logger(label: "polygraph.serve")
        let router = buildRouter(service: service, configuration: configuration)
        let limits = configuration.connections, maxBody = configuration.maxBodyBytes
        return Application(
            router: router,
            server: .http1(
                configuration: .init(additionalChannelHandlers: [
                    ConnectionGuard(limits: limits, maxBodyBytes: maxBody, registry: registry)
                ])),
            configuration: .init(
                address: .hostname(configuration.host, port: configuration.port),
                serverName: "polygraph"),
            onServerRunning: { channel in await onServerRunning(channel.localAddress?.port ?? configuration.port) },
            logger: logger)
    }
}
