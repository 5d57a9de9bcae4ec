// A bounded, thread-safe memo of word → ids, so repeated words skip the BPE merge loop.
import Foundation

/// Caches the BPE result of each pre-tokenized word (its UTF-8 bytes). Shared by copies of a tokenizer.
final class WordCache: @unchecked Sendable {
    private let lock = NSLock()
    private var entries: [[UInt8]: [Int32]] = [:]
    /// When the cache holds this many words it starts over (keeps memory bounded on endless input).
    private let capacity: Int

    init(capacity: Int = 200_000) {
        self.capacity = capacity
    }

    func get(_ word: [UInt8]) -> [Int32]? {
        lock.lock()
        defer { lock.unlock() }
        return entries[word]
    }

    func set(_ word: [UInt8], _ ids: [Int32]) {
        lock.lock()
        defer { lock.unlock() }
        if entries.count >= capacity { entries.removeAll(keepingCapacity: true) }
        entries[word] = ids
    }
}
