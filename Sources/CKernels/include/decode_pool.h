// A persistent fork/join pool for single-token decode: matrix-vector products on quantised blocks, rows split
// across the caller and resident worker threads. Workers spin briefly between jobs (decode issues ~120 small
// products per token, microseconds apart) and then block on a condition variable, so an idle process costs nothing.
#ifndef POLYGRAPH_DECODE_POOL_H
#define POLYGRAPH_DECODE_POOL_H
#include <stddef.h>
#include <stdint.h>

/// Block formats of `pg_matvec_job.type` (ggml type ids).
enum { PG_BLOCK_Q4_0 = 2, PG_BLOCK_Q4_1 = 3, PG_BLOCK_Q5_0 = 6, PG_BLOCK_Q5_1 = 7, PG_BLOCK_Q8_0 = 8, PG_BLOCK_Q2_K = 10, PG_BLOCK_Q3_K = 11, PG_BLOCK_Q4_K = 12, PG_BLOCK_Q5_K = 13, PG_BLOCK_Q6_K = 14, PG_BLOCK_F16 = 1, PG_BLOCK_BF16 = 30,
       PG_BLOCK_IQ4_NL = 20, PG_BLOCK_IQ4_XS = 23 };

/// Bytes of one row of `cols` values in block format `type` (0 for a type without a kernel).
size_t pg_row_bytes(int type, size_t cols);

/// One product y[rows] = W[rows, cols] · x of a batch; all jobs of a batch share x (and so `cols`).
typedef struct {
    int type;
    const void *w;
    size_t rows;
    float *y;
    /// NULL, or the whole matrix packed once for the int8 GEMM tile (pg_q8_pack_matrix): batched int8 and 24-bit
    /// steps then read it instead of packing sixteen rows of `w` per call (same bits either way).
    const void *packed;
} pg_matvec_job;

/// Runs `count` (≤ 8) products on `nx` activation rows x [nx, cols] (one per sequence of a batched decode step;
/// job j writes y [nx, rows_j]): F32 activations when `qx` is NULL; otherwise, with `digits` 1, int8 activations
/// (`qx` [nx, cols], `dx` and `sx` [nx, cols / 32] from pg_quantize_q8 of each row), and with `digits` 3 the 24-bit
/// digit rows of pg_quantize_q24 (`qx` [3·nx, cols], `dx` and `sx` [3·nx, cols / 32]). Uses up to `threads` threads (the caller included; the pool's size is
/// set by its first multi-threaded call, threads − 1 workers); when the pool is already in use by another caller
/// (concurrent decodes), runs on the calling thread alone. Blocks until done.
void pg_matvec_batch(const pg_matvec_job *jobs, int count, size_t cols, size_t nx, const float *x,
                     const int8_t *qx, const float *dx, const float *sx, int digits, int threads);

/// Gate and up products of one input, then SwiGLU (Shazeer 2020) in place: up[r] = silu(gate[r]) · up[r], with
/// rows of both split across the threads together. `gate.y` keeps the pre-activation values. Same arguments
/// as pg_matvec_batch; gate and up must have the same rows.
void pg_matvec_swiglu(pg_matvec_job gate, pg_matvec_job up, size_t cols, size_t nx, const float *x,
                      const int8_t *qx, const float *dx, const float *sx, int digits, int threads);

/// Calls task(context, c) for every c in [0, chunks) on the pool's threads (the caller included), in no particular
/// order; returns when all are done. Runs on the caller alone when the pool is busy.
void pg_parallel_for(void (*task)(void *context, size_t chunk), void *context, size_t chunks, int threads);

/// A scratch buffer of at least `count` floats owned by the calling thread (64-byte aligned, contents undefined),
/// valid until that thread's next call; grown on demand and freed when the thread exits. NULL if out of memory.
/// Lets tasks of pg_parallel_for dequantise weight panels without sharing a buffer.
float *pg_thread_floats(size_t count);

/// Single-query causal attention (Vaswani et al. 2017) with grouped KV heads (Ainslie et al. 2023), heads split
/// across the pool: for head h (KV head h / (n_heads / n_kv_heads)), scores_j = scale · q_h · K_j over the
/// `n_keys` cached positions, softmax, out_h = Σ_j p_j V_j. q and out are [n_heads · head_dim]; keys and values
/// are [n_keys, kv_stride] with head k at offset k · head_dim. head_dim must be a multiple of 8.
void pg_attention_decode(const float *q, const float *keys, const float *values, size_t kv_stride, size_t n_keys,
                         int n_heads, int n_kv_heads, int head_dim, float scale, float *out, int threads);

/// pg_attention_decode for one query of each of `sequences` sequences (a batched decode step) in one fork/join:
/// sequence i reads q[i], its own cache keys[i] / values[i] (n_keys[i] positions) and writes out[i]. Each result
/// equals that sequence's pg_attention_decode alone, bit for bit.
void pg_attention_decode_batch(const float *const *q, const float *const *keys, const float *const *values,
                               const size_t *n_keys, float *const *out, int sequences, size_t kv_stride, int n_heads,
                               int n_kv_heads, int head_dim, float scale, int threads);

#endif
