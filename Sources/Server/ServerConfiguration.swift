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

    public init(host: String = "127.0.0.1", port: Int = 8080, apiKey: String? = nil, modelID: String,
                maxTokensLimit: Int = 1024, defaultMaxTokens: Int = 256, maxBodyBytes: Int = 1 << 20,
                maxScoreTexts: Int = 64, replicaID: String? = nil) {
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
