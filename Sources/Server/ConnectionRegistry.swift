// The server's open connections, shared by every connection's guard: admits, evicts the oldest idle one, or refuses.
import NIOConcurrencyHelpers
import NIOCore

/// Counts the open connections and knows which are idle (waiting for a request head).
///
/// Beyond `limit`, a new connection closes the oldest idle one and takes its place, so that idle or slowloris
/// connections can never lock a client (a health check, say) out; only when every connection is busy with a
/// request is the new one refused.
final class ConnectionRegistry: Sendable {
    struct Entry {
        let channel: any Channel
        var idle: Bool
        var idleSince: UInt64
    }

    private struct State {
        var entries: [UInt64: Entry] = [:]
        var nextID: UInt64 = 0
        var tick: UInt64 = 0
    }

    let limit: Int
    private let state = NIOLockedValueBox(State())

    init(limit: Int) {
        self.limit = max(1, limit)
    }

    /// Open connections now.
    var count: Int { state.withLockedValue { $0.entries.count } }

    /// Open connections with a request in progress now.
    var busy: Int { state.withLockedValue { $0.entries.values.filter { !$0.idle }.count } }

    /// Registers a new (idle) connection. Returns its id, or nil when the limit is reached and no connection is idle.
    func admit(_ channel: any Channel) -> UInt64? {
        let (id, evicted): (UInt64?, (any Channel)?) = state.withLockedValue { state in
            var evicted: (any Channel)?
            if state.entries.count >= limit {
                guard
                    let oldest = state.entries.filter({ $0.value.idle })
                        .min(by: { $0.value.idleSince < $1.value.idleSince })
                else { return (nil, nil) }
                evicted = oldest.value.channel
                state.entries[oldest.key] = nil
            }
            state.nextID += 1
            state.tick += 1
            state.entries[state.nextID] = Entry(channel: channel, idle: true, idleSince: state.tick)
            return (state.nextID, evicted)
        }
        evicted?.close(promise: nil)
        return id
    }

    /// Marks a connection idle (waiting for the client to start a request) or busy.
    func setIdle(_ id: UInt64, _ idle: Bool) {
        state.withLockedValue { state in
            guard state.entries[id] != nil else { return }
            state.tick += 1
            state.entries[id]?.idle = idle
            if idle { state.entries[id]?.idleSince = state.tick }
        }
    }

    /// Forgets a closed connection.
    func remove(_ id: UInt64) {
        _ = state.withLockedValue { $0.entries.removeValue(forKey: id) }
    }
}
