// Settings of `polygraph serve`: where to listen, who may call, and the limits every request is held to.

/// Settings of the HTTP server. Defaults are safe for a local, single-user deployment.
public struct ServerConfiguration: Sendable {
    /// Interface to bind; loopback unless told otherwise.
    public var host: String
    /// TCP port; 0 picks a free one.
    public var port: Int
    /// When set, every route but `/health` needs `Authorization: Bearer <apiKey>`.
    public var apiKey: String?
    /// The model id clients send in `model` (also accepted: the GGUF's model name).
    public var modelID: String
    /// Largest `max_tokens` a request may ask for.
    public var maxTokensLimit: Int
    /// `max_tokens` when a chat request gives none.
    public var defaultMaxTokens: Int
    /// Largest request body, in bytes (413 beyond).
    public var maxBodyBytes: Int
    /// Most texts one `/v1/score` request may hold.
    public var maxScoreTexts: Int
    /// Name of this replica behind a load balancer (`--replica-id`): a `replica` label on every `/metrics`
    /// series and a `replica` field in `/health`. nil for a lone server.
    public var replicaID: String?
    /// Connection limits and timeouts (slow or idle clients, too many connections).
    public var connections: ConnectionLimits

    public init(
        host: String = "127.0.0.1", port: Int = 8080, apiKey: String? = nil, modelID: String,
        maxTokensLimit: Int = 1024, defaultMaxTokens: Int = 256, maxBodyBytes: Int = 1 << 20,
        maxScoreTexts: Int = 64, replicaID: String? = nil, connections: ConnectionLimits = ConnectionLimits()
    ) {
        self.connections = connections
        self.replicaID = replicaID
        self.host = host
        self.port = port
        self.apiKey = apiKey
        self.modelID = modelID
        self.maxTokensLimit = maxTokensLimit
        self.defaultMaxTokens = defaultMaxTokens
        self.maxBodyBytes = maxBodyBytes
        self.maxScoreTexts = maxScoreTexts
    }
}

/// How long the server waits for a client, and how many connections it holds (`serve --header-timeout` etc.).
public struct ConnectionLimits: Sendable {
    /// From the connection's start to the end of the first request head; a client that sends no complete head in
    /// time (slowloris) is disconnected.
    public var headerTimeout: Duration
    /// From a request head to the end of its body; a body shorter than announced is answered 408 when it fires.
    public var bodyTimeout: Duration
    /// From the end of a response to the next request head on a keep-alive connection.
    public var idleTimeout: Duration
    /// Most open connections. Beyond it the oldest idle one (waiting for a request) is closed to make room; when
    /// none is idle the new connection is answered 503 and closed.
    public var maxConnections: Int
    /// What the end of a client's sending side (a TCP half-close) during a generation or score means.
    public var inputClose: InputClose

    public static let defaultHeaderTimeout: Double = 10
    public static let defaultBodyTimeout: Double = 30
    public static let defaultIdleTimeout: Double = 60
    public static let defaultMaxConnections = 512

    public init(
        headerTimeout: Duration = .seconds(defaultHeaderTimeout),
        bodyTimeout: Duration = .seconds(defaultBodyTimeout),
        idleTimeout: Duration = .seconds(defaultIdleTimeout), maxConnections: Int = defaultMaxConnections,
        inputClose: InputClose = .cancel
    ) {
        self.inputClose = inputClose
        self.headerTimeout = headerTimeout
        self.bodyTimeout = bodyTimeout
        self.idleTimeout = idleTimeout
        self.maxConnections = maxConnections
    }
}

/// `serve --input-close`: what it means when a client closes its sending side before its answer is written. A
/// full close (the client hung up) and a half-close (the client shut down writing and still reads) look the same
/// to the server — one TCP FIN — until something is written back.
public enum InputClose: String, Sendable, CaseIterable {
    /// The client is taken to have hung up: its generation stops at the next step and the request ends with 499
    /// (what nginx and Go's net/http do). Frees the engine at once when a client gives up.
    case cancel
    /// The request is answered. A client that really left is noticed only when a write fails: a stream stops at
    /// its next token, a non-streamed generation runs to its end (bounded by `max_tokens`).
    case answer
}

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

extension ConnectionLimits {
    /// Descriptors kept free for the model, probes, logs and the listening socket.
    static let reservedDescriptors = 64

    /// Raises the open-file limit towards `maxConnections` plus a reserve when the hard limit allows; otherwise
    /// lowers `maxConnections` to fit, so that accepting never fails for want of a descriptor (which would lock
    /// out `/health`). Returns the note to print when the limit had to be lowered.
    public mutating func fitOpenFileLimit() -> String? {
        #if canImport(Glibc)
            let resource = __rlimit_resource_t(RLIMIT_NOFILE.rawValue)
        #else
            let resource = RLIMIT_NOFILE
        #endif
        var limit = rlimit()
        guard getrlimit(resource, &limit) == 0 else { return nil }
        let wanted = rlim_t(maxConnections + Self.reservedDescriptors)
        if limit.rlim_cur < wanted {
            var raised = limit
            raised.rlim_cur = min(wanted, limit.rlim_max)
            if setrlimit(resource, &raised) == 0 { limit = raised }
        }
        guard limit.rlim_cur < wanted else { return nil }
        let fitting = max(1, Int(limit.rlim_cur) - Self.reservedDescriptors)
        defer { maxConnections = fitting }
        return "--max-connections \(maxConnections) lowered to \(fitting): the open-file limit is \(limit.rlim_cur) "
            + "(raise it with `ulimit -n` to allow more)"
    }
}
