import Foundation

/// Keys and values of past positions of one sequence, for every layer (Vaswani et al. 2017, incremental decoding).
/// Storage per layer: keys `[capacity, nKVHeads * headDim]`, values the same. Keys are stored after RoPE.
public final class KVCache: @unchecked Sendable {
    /// Positions already stored (the next token's position).
    public private(set) var length: Int = 0
    /// Positions the storage can hold before it grows.
    public private(set) var capacity: Int
    let kvDim: Int
    let nLayers: Int
    let maxLength: Int
    private(set) var keys: [FloatBuffer]
    private(set) var values: [FloatBuffer]

    /// An empty cache for a model with `nLayers` layers and `kvDim` key width, holding up to `maxLength` positions.
    public init(nLayers: Int, kvDim: Int, maxLength: Int, initialCapacity: Int = 64) {
        self.nLayers = nLayers; self.kvDim = kvDim; self.maxLength = maxLength
        let cap = min(max(initialCapacity, 1), maxLength)
        capacity = cap
        keys = (0..<nLayers).map { _ in FloatBuffer(count: cap * kvDim) }
        values = (0..<nLayers).map { _ in FloatBuffer(count: cap * kvDim) }
    }

    /// Makes room for `extra` more positions; throws when the context length would be exceeded.
    func reserve(_ extra: Int) throws {
        let needed = length + extra
        if needed > maxLength { throw InferenceError.contextOverflow(tokens: needed, contextLength: maxLength) }
        if needed <= capacity { return }
        var newCapacity = capacity
        while newCapacity < needed { newCapacity *= 2 }
        newCapacity = min(newCapacity, maxLength)
        keys = keys.map { grow($0, to: newCapacity) }
        values = values.map { grow($0, to: newCapacity) }
        capacity = newCapacity
    }

    private func grow(_ old: FloatBuffer, to newCapacity: Int) -> FloatBuffer {
        let b = FloatBuffer(count: newCapacity * kvDim)
        b.pointer.update(from: old.pointer, count: length * kvDim)
        return b
    }

    /// Pointer to the keys of `layer` at `position`: `[kvDim]`.
    func key(_ layer: Int, _ position: Int) -> UnsafeMutablePointer<Float> { keys[layer].pointer + position * kvDim }
    /// Pointer to the values of `layer` at `position`: `[kvDim]`.
    func value(_ layer: Int, _ position: Int) -> UnsafeMutablePointer<Float> {
        values[layer].pointer + position * kvDim
    }

    /// Marks `count` more positions as stored (after every layer has written them).
    func advance(by count: Int) { length += count }

    /// Starts an empty cache with the first `count` positions of `source` (a shared prompt prefix), every layer.
    func start(from source: KVCache, count: Int) throws {
        precondition(length == 0 && source.kvDim == kvDim && source.nLayers == nLayers && count <= source.length)
        try reserve(count)
        for l in 0..<nLayers {
            keys[l].pointer.update(from: source.keys[l].pointer, count: count * kvDim)
            values[l].pointer.update(from: source.values[l].pointer, count: count * kvDim)
        }
        length = count
    }

    /// Forgets positions from `newLength` on (e.g. to reuse a prompt prefix).
    public func truncate(to newLength: Int) { length = min(length, max(0, newLength)) }
}
