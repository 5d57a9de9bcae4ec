// Per-connection deadlines and limits: header, body and idle timeouts, the connection limit, an early 413.
import Foundation
import HTTPTypes
import NIOCore
import NIOHTTPTypes

/// Sits after the HTTP decoder on every connection. Whenever the server waits for the client there is a deadline:
/// the first request head within `headerTimeout`, a request body within `bodyTimeout` (else 408), the next head
/// on a keep-alive connection within `idleTimeout`. A `Content-Length` beyond the body limit is answered 413 before
/// any body is read, and a connection beyond the limit that cannot evict an idle one is answered 503.
final class ConnectionGuard: ChannelDuplexHandler, RemovableChannelHandler {
    typealias InboundIn = HTTPRequestPart
    typealias InboundOut = HTTPRequestPart
    typealias OutboundIn = HTTPResponsePart
    typealias OutboundOut = HTTPResponsePart

    private let limits: ConnectionLimits
    private let maxBodyBytes: Int
    private let registry: ConnectionRegistry
    private var id: UInt64?
    private var started = false
    private var timer: Scheduled<Void>?
    /// Requests whose head arrived and whose response has not ended.
    private var pendingResponses = 0
    private var readingRequest = false
    private var responseStarted = false
    /// Set once this handler answered on its own: later reads and writes of the application are dropped.
    private var tookOver = false

    init(limits: ConnectionLimits, maxBodyBytes: Int, registry: ConnectionRegistry) {
        self.limits = limits
        self.maxBodyBytes = maxBodyBytes
        self.registry = registry
    }

    func handlerAdded(context: ChannelHandlerContext) {
        if context.channel.isActive { start(context) }
    }

    func channelActive(context: ChannelHandlerContext) {
        start(context)
        context.fireChannelActive()
    }

    func handlerRemoved(context: ChannelHandlerContext) { finish() }

    func channelInactive(context: ChannelHandlerContext) {
        finish()
        context.fireChannelInactive()
    }

    private func start(_ context: ChannelHandlerContext) {
        guard !started else { return }
        started = true
        guard let id = registry.admit(context.channel) else {
            answer(
                context, .serviceUnavailable,
                "the server has \(registry.limit) connections open, all busy; "
                    + "retry shortly", code: "too_many_connections")
            return
        }
        self.id = id
        arm(context, limits.headerTimeout) { $0.close(promise: nil) }
    }

    private func finish() {
        timer?.cancel()
        timer = nil
        if let id { registry.remove(id) }
        id = nil
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        guard !tookOver else { return }
        switch unwrapInboundIn(data) {
        case .head(let head):
            pendingResponses += 1
            readingRequest = true
            responseStarted = false
            if let id { registry.setIdle(id, false) }
            if let length = head.headerFields[.contentLength], Self.exceeds(length, maxBodyBytes) {
                answer(
                    context, .contentTooLarge,
                    "request body larger than \(maxBodyBytes) bytes "
                        + "(Content-Length \(length))", code: "request_too_large")
                return
            }
            arm(context, limits.bodyTimeout) { [weak self] context in self?.bodyTimedOut(context) }
        case .body:
            break
        case .end:
            readingRequest = false
            cancelTimer()
            if pendingResponses == 0 { becomeIdle(context) }
        }
        context.fireChannelRead(data)
    }

    func write(context: ChannelHandlerContext, data: NIOAny, promise: EventLoopPromise<Void>?) {
        guard !tookOver else {
            promise?.fail(ChannelError.ioOnClosedChannel)
            return
        }
        switch unwrapOutboundIn(data) {
        case .head: responseStarted = true
        case .body: break
        case .end:
            pendingResponses = max(0, pendingResponses - 1)
            if pendingResponses == 0 && !readingRequest { becomeIdle(context) }
        }
        context.write(data, promise: promise)
    }

    private func becomeIdle(_ context: ChannelHandlerContext) {
        if let id { registry.setIdle(id, true) }
        arm(context, limits.idleTimeout) { $0.close(promise: nil) }
    }

    private func bodyTimedOut(_ context: ChannelHandlerContext) {
        guard readingRequest else { return }
        if responseStarted {
            context.close(promise: nil)
        } else {
            answer(
                context, .requestTimeout,
                "the request body did not arrive within "
                    + "\(Self.seconds(limits.bodyTimeout)) s (a body shorter than its Content-Length?)",
                code: "request_timeout")
        }
    }

    /// Schedules `action` after `delay`, replacing any earlier deadline.
    private func arm(
        _ context: ChannelHandlerContext, _ delay: Duration,
        _ action: @escaping (ChannelHandlerContext) -> Void
    ) {
        cancelTimer()
        timer = context.eventLoop.assumeIsolated().scheduleTask(in: TimeAmount(delay)) { [weak self] in
            self?.timer = nil
            action(context)
        }
    }

    private func cancelTimer() {
        timer?.cancel()
        timer = nil
    }

    /// Answers with an OpenAI error and closes the connection; the application no longer sees this connection.
    private func answer(
        _ context: ChannelHandlerContext, _ status: HTTPResponse.Status, _ message: String,
        code: String
    ) {
        tookOver = true
        cancelTimer()
        let body = ByteBuffer(
            bytes: OpenAIError(
                status, message,
                type: status.code >= 500
                    ? "server_error"
                    : "invalid_request_error", code: code
            ).jsonData)
        var fields = HTTPFields()
        fields[.contentType] = "application/json"
        fields[.contentLength] = String(body.readableBytes)
        fields[.connection] = "close"
        context.write(wrapOutboundOut(.head(HTTPResponse(status: status, headerFields: fields))), promise: nil)
        context.write(wrapOutboundOut(.body(body)), promise: nil)
        let channel = context.channel
        context.writeAndFlush(wrapOutboundOut(.end(nil))).whenComplete { _ in
            // Stop sending, keep reading (and dropping) briefly so that unread request bytes do not make the
            // kernel reset the connection before the client has read the answer.
            channel.close(mode: .output, promise: nil)
            channel.eventLoop.scheduleTask(in: .seconds(2)) { channel.close(promise: nil) }
        }
    }

    /// True when a Content-Length value is more than `limit` (or not a number this side of 2^63).
    static func exceeds(_ value: String, _ limit: Int) -> Bool {
        guard let length = Int(value.trimmingCharacters(in: .whitespaces)) else { return true }
        return length > limit
    }

    static func seconds(_ duration: Duration) -> String {
        let (s, attoseconds) = duration.components
        let value = Double(s) + Double(attoseconds) / 1e18
        return value == value.rounded() ? String(Int64(s)) : String(format: "%.3g", value)
    }
}
