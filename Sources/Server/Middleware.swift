// Middleware: metrics around everything, OpenAI-shaped errors, and the optional bearer key.
import Foundation
import Gate
import Hummingbird

/// Records every request's status and latency; a streamed body is timed to its end.
struct MetricsMiddleware<Context: RequestContext>: RouterMiddleware {
    let metrics: ServerMetrics

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response)
        async throws -> Response
    {
        let start = ContinuousClock.now
        let path = request.uri.path
        let method = request.method.rawValue
        do {
            var response = try await next(request, context)
            let status = response.status.code
            let metrics = self.metrics
            let body = response.body
            response.body = ResponseBody(contentLength: body.contentLength) { writer in
                defer {
                    metrics.recordRequest(
                        path: path, method: method, status: status,
                        duration: ContinuousClock.now - start)
                }
                try await body.write(writer)
            }
            return response
        } catch {
            let status = (error as? any HTTPResponseError)?.status.code ?? 500
            metrics.recordRequest(path: path, method: method, status: status, duration: ContinuousClock.now - start)
            throw error
        }
    }
}

/// Turns every error (router 404s, body limits, gate errors, bugs) into OpenAI's error JSON.
struct OpenAIErrorMiddleware<Context: RequestContext>: RouterMiddleware {
    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response)
        async throws -> Response
    {
        do {
            return try await next(request, context)
        } catch {
            let mapped = OpenAIError(from: error)
            if mapped.status.code >= 500 { context.logger.error("\(request.method) \(request.uri.path): \(mapped)") }
            throw mapped
        }
    }
}

/// Requires `Authorization: Bearer <key>` on every route except `/health`.
struct BearerAuthMiddleware<Context: RequestContext>: RouterMiddleware {
    let apiKey: String

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response)
        async throws -> Response
    {
        guard request.uri.path != "/health" else { return try await next(request, context) }
        guard let header = request.headers[.authorization] else {
            throw OpenAIError(
                .unauthorized, "missing API key: send `Authorization: Bearer <key>`",
                code: "invalid_api_key")
        }
        guard !apiKey.isEmpty, let token = Self.bearerToken(header), Self.constantTimeEqual(token, apiKey) else {
            throw OpenAIError(.unauthorized, "incorrect API key", code: "invalid_api_key")
        }
        return try await next(request, context)
    }

    /// The token of `Bearer <token>`; the scheme name is case-insensitive (RFC 7235 §2.1), one or more spaces follow.
    static func bearerToken(_ header: String) -> String? {
        guard let space = header.firstIndex(of: " "), header[..<space].lowercased() == "bearer" else { return nil }
        return String(header[space...].drop(while: { $0 == " " }))
    }

    /// Compares without an early exit, so that timing does not reveal how much of the key matched.
    static func constantTimeEqual(_ a: String, _ b: String) -> Bool {
        let x = Array(a.utf8), y = Array(b.utf8)
        var difference = UInt8(x.count == y.count ? 0 : 1)
        for i in 0..<max(x.count, y.count) {
            difference |= (i < x.count ? x[i] : 0) ^ (i < y.count ? y[i] : 0)
        }
        return difference == 0
    }
}
