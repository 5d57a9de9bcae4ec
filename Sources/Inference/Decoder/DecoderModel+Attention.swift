import CBLAS
import CKernels
import Foundation

/// Causal scaled dot-product attention (Vaswani et al. 2017, "Attention Is All You Need") with grouped-query heads
/// (Ainslie et al. 2023, GQA): query head h reads KV head h / (nHeads / nKVHeads). On a sliding-window layer
/// (Beltagy et al. 2020) the query at position p sees keys from `p - window + 1` on. Four paths compute the same
/// maths; `attention` picks the one that suits the number of new queries and the decode mode.
extension DecoderModel {
    /// Attention of `count` new queries `[count, qDim]` against the cached positions `[0, past + count)` of layer
    /// `l` (the new keys and values are already in `cache`). Writes `out` `[count, qDim]`.
    /// Many queries (prefill) run on the decode pool's C kernel, one query row per sequence of
    /// `pg_attention_decode_batch`; the per-head sgemm path stays for head sizes it cannot take.
    func attention(
        layer l: Int, cache: KVCache, queries: UnsafeMutablePointer<Float>,
        out: UnsafeMutablePointer<Float>, count: Int
    ) {
        let hd = config.headDim
        if count > 1 && hd % 8 == 0 {
            attentionPrefillPooled(layer: l, cache: cache, queries: queries, out: out, count: count)
        } else if count == 1 && hd % 8 == 0 && decodeMode != .float32 {
            attentionDecodePooled(layer: l, cache: cache, query: queries, out: out)
        } else if count == 1 {
            attentionDecodeGrouped(layer: l, cache: cache, query: queries, out: out)
        } else {
            attentionPrefill(layer: l, cache: cache, queries: queries, out: out, count: count)
        }
    }

    /// First key position visible to the query at `position` on layer `l`.
    private func firstVisible(_ position: Int, layer l: Int) -> Int {
        layerAttention[l].window.map { max(0, position - $0 + 1) } ?? 0
    }

    /// One query (decode) with the C kernel: one head per chunk of the decode pool.
    private func attentionDecodePooled(
        layer l: Int, cache: KVCache, query: UnsafeMutablePointer<Float>,
        out: UnsafeMutablePointer<Float>
    ) {
        let c = config, kvDim = c.nKVHeads * c.headDim, keys = cache.length + 1
        let first = firstVisible(cache.length, layer: l)
        pg_attention_decode(
            query, cache.key(l, first), cache.value(l, first), kvDim, keys - first,
            Int32(c.nHeads), Int32(c.nKVHeads), Int32(c.headDim), attentionScale, out,
            Int32(QuantizedMatrix.workers))
    }

    /// One query per sequence (a decode step over `caches.count` sequences; sequence i's query and output are row
    /// `rows[i]` of queries and out, `[rows, qDim]`): the heads of all of them in one fork/join of the pool; each
    /// sequence's result equals `attentionDecodePooled` on it alone, bit for bit.
    func attentionDecodeStep(
        layer l: Int, caches: [KVCache], rows: [Int], queries: UnsafeMutablePointer<Float>,
        out: UnsafeMutablePointer<Float>
    ) {
        let c = config, qDim = c.nHeads * c.headDim, kvDim = c.nKVHeads * c.headDim
        var q: [UnsafePointer<Float>?] = [], keys: [UnsafePointer<Float>?] = [], values: [UnsafePointer<Float>?] = []
        var counts: [Int] = [], outs: [UnsafeMutablePointer<Float>?] = []
        for (i, cache) in caches.enumerated() {
            let first = firstVisible(cache.length, layer: l)
            q.append(queries + rows[i] * qDim); outs.append(out + rows[i] * qDim)
            keys.append(cache.key(l, first)); values.append(cache.value(l, first))
            counts.append(cache.length + 1 - first)
        }
        pg_attention_decode_batch(
            q, keys, values, counts, outs, Int32(caches.count), kvDim, Int32(c.nHeads),
            Int32(c.nKVHeads), Int32(c.headDim), attentionScale, Int32(QuantizedMatrix.workers))
    }

    /// Many queries with the decode attention kernel: query t (position `past + t`) sees the keys up to its own,
    /// from its window's first on; all rows' heads in one fork/join of the pool.
    private func attentionPrefillPooled(
        layer l: Int, cache: KVCache, queries: UnsafeMutablePointer<Float>,
        out: UnsafeMutablePointer<Float>, count: Int
    ) {
        let c = config, qDim = c.nHeads * c.headDim, kvDim = c.nKVHeads * c.headDim, past = cache.length
        var q: [UnsafePointer<Float>?] = [], keys: [UnsafePointer<Float>?] = [], values: [UnsafePointer<Float>?] = []
        var counts: [Int] = [], outs: [UnsafeMutablePointer<Float>?] = []
        for t in 0..<count {
            let first = firstVisible(past + t, layer: l)
            q.append(queries + t * qDim); outs.append(out + t * qDim)
            keys.append(cache.key(l, first)); values.append(cache.value(l, first))
            counts.append(past + t + 1 - first)
        }
        pg_attention_decode_batch(
            q, keys, values, counts, outs, Int32(count), kvDim, Int32(c.nHeads),
            Int32(c.nKVHeads), Int32(c.headDim), attentionScale, Int32(QuantizedMatrix.workers))
    }

    /// One query (decode) through BLAS: the query heads of one KV group are contiguous, so each group is one small
    /// sgemm (`scores[group, keys] = Q_g · K_gᵀ`, then `Z_g[group, hd] = P · V_g`) over the visible keys.
    private func attentionDecodeGrouped(
        layer l: Int, cache: KVCache, query: UnsafeMutablePointer<Float>,
        out: UnsafeMutablePointer<Float>
    ) {
        let c = config, hd = c.headDim, kvDim = c.nKVHeads * hd, group = c.nHeads / c.nKVHeads
        let first = firstVisible(cache.length, layer: l), keys = cache.length + 1 - first
        let scores = FloatBuffer(count: group * keys)
        for kv in 0..<c.nKVHeads {
            let q = query + kv * group * hd, z = out + kv * group * hd
            let kBase = cache.key(l, first) + kv * hd, vBase = cache.value(l, first) + kv * hd
            cblas_sgemm(
                CblasRowMajor, CblasNoTrans, CblasTrans, Int32(group), Int32(keys), Int32(hd), attentionScale,
                q, Int32(hd), kBase, Int32(kvDim), 0, scores.pointer, Int32(keys))
            for g in 0..<group { Kernels.softmax(scores.pointer + g * keys, n: keys) }
            cblas_sgemm(
                CblasRowMajor, CblasNoTrans, CblasNoTrans, Int32(group), Int32(hd), Int32(keys), 1,
                scores.pointer, Int32(keys), vBase, Int32(kvDim), 0, z, Int32(hd))
        }
    }

    /// Many queries (prefill): per head, `scores[count, keys] = scale · Q_h · K_hᵀ` and `Z_h = P · V_h` as two sgemms,
    /// with the causal (and window) mask applied as zeros after the softmax.
    private func attentionPrefill(
        layer l: Int, cache: KVCache, queries: UnsafeMutablePointer<Float>,
        out: UnsafeMutablePointer<Float>, count: Int
    ) {
        let c = config, hd = c.headDim, qDim = c.nHeads * hd, kvDim = c.nKVHeads * hd
        let past = cache.length, keys = past + count, group = c.nHeads / c.nKVHeads
        let scores = FloatBuffer(count: count * keys)
        for h in 0..<c.nHeads {
            let kv = h / group
            let q = queries + h * hd, z = out + h * hd
            let kBase = cache.key(l, 0) + kv * hd, vBase = cache.value(l, 0) + kv * hd
            cblas_sgemm(
                CblasRowMajor, CblasNoTrans, CblasTrans, Int32(count), Int32(keys), Int32(hd), attentionScale,
                q, Int32(qDim), kBase, Int32(kvDim), 0, scores.pointer, Int32(keys))
            for t in 0..<count {
                let row = scores.pointer + t * keys, visible = past + t + 1, first = firstVisible(past + t, layer: l)
                Kernels.softmax(row + first, n: visible - first)
                for j in 0..<first { row[j] = 0 }
                for j in visible..<keys { row[j] = 0 }
            }
            cblas_sgemm(
                CblasRowMajor, CblasNoTrans, CblasNoTrans, Int32(count), Int32(hd), Int32(keys), 1,
                scores.pointer, Int32(keys), vBase, Int32(kvDim), 0, z, Int32(qDim))
        }
    }
}
