// AVX2/FMA/F16C matrix-vector products on ggml quantised blocks (see include/ckernels.h).
#include "ckernels.h"
#include "block_common.h"
#include <immintrin.h>
#include <stdint.h>
#include <string.h>

// Σ over the 32 nibble values of one block times x[0..32): low nibbles pair with x[0..16), high with x[16..32).
// Bytes widen to 32-bit lanes straight from memory (vpmovzxbd m64): the shuffle port does two widenings per
// block instead of four plus two byte shifts, which was this kernel's bottleneck.
static inline __m256 nibble_dot(const uint8_t *qs, const float *x) {
    const __m256i mask = _mm256_set1_epi32(0x0F);
    __m256i b0 = _mm256_cvtepu8_epi32(_mm_loadl_epi64((const __m128i *)qs));        // bytes 0..7
    __m256i b1 = _mm256_cvtepu8_epi32(_mm_loadl_epi64((const __m128i *)(qs + 8)));  // bytes 8..15
    __m256 f0 = _mm256_cvtepi32_ps(_mm256_and_si256(b0, mask));   // values 0..7
    __m256 f1 = _mm256_cvtepi32_ps(_mm256_and_si256(b1, mask));   // values 8..15
    __m256 f2 = _mm256_cvtepi32_ps(_mm256_srli_epi32(b0, 4));     // values 16..23
    __m256 f3 = _mm256_cvtepi32_ps(_mm256_srli_epi32(b1, 4));     // values 24..31
    __m256 a = _mm256_mul_ps(f0, _mm256_loadu_ps(x));
    __m256 b = _mm256_mul_ps(f1, _mm256_loadu_ps(x + 8));
    a = _mm256_fmadd_ps(f2, _mm256_loadu_ps(x + 16), a);
    b = _mm256_fmadd_ps(f3, _mm256_loadu_ps(x + 24), b);
    return _mm256_add_ps(a, b);
}

// Per-block offset coefficients: coef[4b + lane] = factor · Σ x over block b, zero in the other lanes, so that
// fma(scales, coef, acc) with scales = (d, m, ·, ·) adds factor·(d or m)·Σx to lane `lane` of acc.
static void offset_coefficients(const float *x, size_t blocks, int lane, float factor, float *coef) {
    for (size_t b = 0; b < blocks; b++) {
        const float *p = x + 32 * b;
        __m256 s = _mm256_add_ps(_mm256_add_ps(_mm256_loadu_ps(p), _mm256_loadu_ps(p + 8)),
                                 _mm256_add_ps(_mm256_loadu_ps(p + 16), _mm256_loadu_ps(p + 24)));
        for (int k = 0; k < 4; k++) coef[4 * b + k] = 0;
        coef[4 * b + lane] = factor * hsum(s);
    }
}

// One block of one row: acc += d · DOT(quants, x); off += (d, m, ·, ·) · coef (when the format has an offset).
#define FLOAT_BLOCK(pb, b, acc, off, QS, DOT, OFFSET_LANE)                                                \
    do {                                                                                                  \
        __m128 sc_ = block_scales(pb);                                                                    \
        acc = _mm256_fmadd_ps(_mm256_broadcastss_ps(sc_), DOT((pb) + QS, x + 32 * (b)), acc);             \
        if (OFFSET_LANE >= 0) off = _mm_fmadd_ps(sc_, _mm_loadu_ps(coef + 4 * (b)), off);                 \
    } while (0)

// Four rows at a time (independent accumulators hide FMA latency); BLOCK_BYTES per block, quants at QS,
// DOT(quants, x) the block's Σ q·x as 8 lanes; the offset term FACTOR·(d or m)·Σx sits in lane OFFSET_LANE of
// (d, m) (−1: none).
#define FLOAT_ROWS4_KERNEL(BLOCK_BYTES, QS, DOT, OFFSET_LANE, FACTOR)                                     \
    const size_t blocks = cols / 32, row_bytes = blocks * BLOCK_BYTES;                                    \
    float coef[4 * MAX_BLOCKS];                                                                           \
    if (OFFSET_LANE >= 0) offset_coefficients(x, blocks, OFFSET_LANE, FACTOR, coef);                      \
    const uint8_t *end_ = (const uint8_t *)w + row_end * row_bytes;                                       \
    prefetch_start((const uint8_t *)w + row_begin * row_bytes, end_);                                     \
    size_t r = row_begin;                                                                                 \
    for (; r + 4 <= row_end; r += 4) {                                                                    \
        const uint8_t *p = (const uint8_t *)w + r * row_bytes;                                            \
        __m256 a0 = _mm256_setzero_ps(), a1 = a0, a2 = a0, a3 = a0;                                       \
        __m128 o0 = _mm_setzero_ps(), o1 = o0, o2 = o0, o3 = o0;                                          \
        for (size_t b = 0; b < blocks; b++) {                                                             \
            PREFETCH_GROUP(p, b, BLOCK_BYTES, end_);                                                            \
            const uint8_t *p0 = p + b * BLOCK_BYTES, *p1 = p0 + row_bytes, *p2 = p1 + row_bytes,          \
                          *p3 = p2 + row_bytes;                                                           \
            FLOAT_BLOCK(p0, b, a0, o0, QS, DOT, OFFSET_LANE);                                             \
            FLOAT_BLOCK(p1, b, a1, o1, QS, DOT, OFFSET_LANE);                                             \
            FLOAT_BLOCK(p2, b, a2, o2, QS, DOT, OFFSET_LANE);                                             \
            FLOAT_BLOCK(p3, b, a3, o3, QS, DOT, OFFSET_LANE);                                             \
        }                                                                                                 \
        const int l_ = OFFSET_LANE >= 0 ? OFFSET_LANE : 0;                                                \
        y[r] = hsum(a0) + lane(o0, l_); y[r + 1] = hsum(a1) + lane(o1, l_);                               \
        y[r + 2] = hsum(a2) + lane(o2, l_); y[r + 3] = hsum(a3) + lane(o3, l_);                           \
    }                                                                                                     \
    for (; r < row_end; r++) {                                                                            \
        const uint8_t *p = (const uint8_t *)w + r * row_bytes;                                            \
        __m256 acc = _mm256_setzero_ps();                                                                 \
        __m128 off = _mm_setzero_ps();                                                                    \
        for (size_t b = 0; b < blocks; b++) FLOAT_BLOCK(p + b * BLOCK_BYTES, b, acc, off, QS, DOT, OFFSET_LANE); \
        y[r] = hsum(acc) + lane(off, OFFSET_LANE >= 0 ? OFFSET_LANE : 0);                                 \
    }

// fifth_bit[b][i] = 16 when bit i of byte b is set: the fifth-bit contribution of 8 Q5_0 values as int32 lanes,
// one 32-byte load (the table stays in L1) instead of a variable shift and a mask per 8 values.
#define FIFTH_BITS(b) {((b) & 1) * 16, ((b) >> 1 & 1) * 16, ((b) >> 2 & 1) * 16, ((b) >> 3 & 1) * 16,          \
                       ((b) >> 4 & 1) * 16, ((b) >> 5 & 1) * 16, ((b) >> 6 & 1) * 16, ((b) >> 7 & 1) * 16}
#define FIFTH_BITS4(b) FIFTH_BITS(b), FIFTH_BITS((b) + 1), FIFTH_BITS((b) + 2), FIFTH_BITS((b) + 3)
#define FIFTH_BITS16(b) FIFTH_BITS4(b), FIFTH_BITS4((b) + 4), FIFTH_BITS4((b) + 8), FIFTH_BITS4((b) + 12)
#define FIFTH_BITS64(b) FIFTH_BITS16(b), FIFTH_BITS16((b) + 16), FIFTH_BITS16((b) + 32), FIFTH_BITS16((b) + 48)
static const int32_t fifth_bit[256][8] __attribute__((aligned(32))) = {
    FIFTH_BITS64(0), FIFTH_BITS64(64), FIFTH_BITS64(128), FIFTH_BITS64(192)};

// Σ over the 32 five-bit values of one Q5_0 block times x[0..32): p points at the block's little-endian u32 qh
// (bit j: fifth bit of value j, so byte k of qh holds values 8k..8k+7), the 16 nibble bytes follow at p + 4
// (low nibble: value j, high: value j + 16).
static inline __m256 fivebit_dot(const uint8_t *p, const float *x) {
    const __m256i nibble = _mm256_set1_epi32(0x0F);
    __m256i b0 = _mm256_cvtepu8_epi32(_mm_loadl_epi64((const __m128i *)(p + 4)));   // bytes 0..7
    __m256i b1 = _mm256_cvtepu8_epi32(_mm_loadl_epi64((const __m128i *)(p + 12)));  // bytes 8..15
    __m256i q0 = _mm256_or_si256(_mm256_and_si256(b0, nibble), _mm256_load_si256((const __m256i *)fifth_bit[p[0]]));
    __m256i q1 = _mm256_or_si256(_mm256_and_si256(b1, nibble), _mm256_load_si256((const __m256i *)fifth_bit[p[1]]));
    __m256i q2 = _mm256_or_si256(_mm256_srli_epi32(b0, 4), _mm256_load_si256((const __m256i *)fifth_bit[p[2]]));
    __m256i q3 = _mm256_or_si256(_mm256_srli_epi32(b1, 4), _mm256_load_si256((const __m256i *)fifth_bit[p[3]]));
    __m256 a = _mm256_mul_ps(_mm256_cvtepi32_ps(q0), _mm256_loadu_ps(x));
    __m256 b = _mm256_mul_ps(_mm256_cvtepi32_ps(q1), _mm256_loadu_ps(x + 8));
    a = _mm256_fmadd_ps(_mm256_cvtepi32_ps(q2), _mm256_loadu_ps(x + 16), a);
    b = _mm256_fmadd_ps(_mm256_cvtepi32_ps(q3), _mm256_loadu_ps(x + 24), b);
    return _mm256_add_ps(a, b);
}

static inline __m256 q8_dot(const uint8_t *qs, const float *xb) {
    __m256 f0 = _mm256_cvtepi32_ps(_mm256_cvtepi8_epi32(_mm_loadl_epi64((const __m128i *)qs)));
    __m256 f1 = _mm256_cvtepi32_ps(_mm256_cvtepi8_epi32(_mm_loadl_epi64((const __m128i *)(qs + 8))));
    __m256 f2 = _mm256_cvtepi32_ps(_mm256_cvtepi8_epi32(_mm_loadl_epi64((const __m128i *)(qs + 16))));
    __m256 f3 = _mm256_cvtepi32_ps(_mm256_cvtepi8_epi32(_mm_loadl_epi64((const __m128i *)(qs + 24))));
    __m256 a = _mm256_mul_ps(f0, _mm256_loadu_ps(xb));
    __m256 c = _mm256_mul_ps(f1, _mm256_loadu_ps(xb + 8));
    a = _mm256_fmadd_ps(f2, _mm256_loadu_ps(xb + 16), a);
    c = _mm256_fmadd_ps(f3, _mm256_loadu_ps(xb + 24), c);
    return _mm256_add_ps(a, c);
}

void pg_matvec_q4_1(const void *w, size_t cols, size_t row_begin, size_t row_end, const float *x, float *y) {
    FLOAT_ROWS4_KERNEL(20, 4, nibble_dot, 1, 1.0f)
}

void pg_matvec_q4_0(const void *w, size_t cols, size_t row_begin, size_t row_end, const float *x, float *y) {
    FLOAT_ROWS4_KERNEL(18, 2, nibble_dot, 0, -8.0f)
}

void pg_matvec_q8_0(const void *w, size_t cols, size_t row_begin, size_t row_end, const float *x, float *y) {
    FLOAT_ROWS4_KERNEL(34, 2, q8_dot, -1, 0.0f)
}

void pg_matvec_q5_0(const void *w, size_t cols, size_t row_begin, size_t row_end, const float *x, float *y) {
    FLOAT_ROWS4_KERNEL(22, 2, fivebit_dot, 0, -16.0f)
}

void pg_matvec_q5_1(const void *w, size_t cols, size_t row_begin, size_t row_end, const float *x, float *y) {
    FLOAT_ROWS4_KERNEL(24, 4, fivebit_dot, 1, 1.0f)
}

// The unpacked values of one block as four vectors of 8 floats (values 0-7, 8-15, 16-23, 24-31): the operands
// the DOT functions above build before their multiplications (same instructions, so the same floats).
static inline void nibble_unpack(const uint8_t *qs, __m256 f[4]) {
    const __m256i mask = _mm256_set1_epi32(0x0F);
    __m256i b0 = _mm256_cvtepu8_epi32(_mm_loadl_epi64((const __m128i *)qs));
    __m256i b1 = _mm256_cvtepu8_epi32(_mm_loadl_epi64((const __m128i *)(qs + 8)));
    f[0] = _mm256_cvtepi32_ps(_mm256_and_si256(b0, mask)); f[1] = _mm256_cvtepi32_ps(_mm256_and_si256(b1, mask));
    f[2] = _mm256_cvtepi32_ps(_mm256_srli_epi32(b0, 4)); f[3] = _mm256_cvtepi32_ps(_mm256_srli_epi32(b1, 4));
}

static inline void fivebit_unpack(const uint8_t *p, __m256 f[4]) {
    const __m256i nibble = _mm256_set1_epi32(0x0F);
    __m256i b0 = _mm256_cvtepu8_epi32(_mm_loadl_epi64((const __m128i *)(p + 4)));
    __m256i b1 = _mm256_cvtepu8_epi32(_mm_loadl_epi64((const __m128i *)(p + 12)));
    f[0] = _mm256_cvtepi32_ps(_mm256_or_si256(_mm256_and_si256(b0, nibble), _mm256_load_si256((const __m256i *)fifth_bit[p[0]])));
    f[1] = _mm256_cvtepi32_ps(_mm256_or_si256(_mm256_and_si256(b1, nibble), _mm256_load_si256((const __m256i *)fifth_bit[p[1]])));
    f[2] = _mm256_cvtepi32_ps(_mm256_or_si256(_mm256_srli_epi32(b0, 4), _mm256_load_si256((const __m256i *)fifth_bit[p[2]])));
    f[3] = _mm256_cvtepi32_ps(_mm256_or_si256(_mm256_srli_epi32(b1, 4), _mm256_load_si256((const __m256i *)fifth_bit[p[3]])));
}

static inline void q8_unpack(const uint8_t *qs, __m256 f[4]) {
    for (int i = 0; i < 4; i++) f[i] = _mm256_cvtepi32_ps(_mm256_cvtepi8_epi32(_mm_loadl_epi64((const __m128i *)(qs + 8 * i))));
}


// Batched decode (several sequences per step): rows [row_begin, row_end) of W against nx activation rows
// x [nx, cols], y[t·ldy + r] = dot(row r, x_t). Activation rows go N at a time (8 while N rows of x fit in L1
// beside the weights, else 4): each weight block is loaded and unpacked once for the N rows, and meets each row
// with FLOAT_BLOCK's operations in its order, so every result equals what the matvec kernel computes for that row
// alone, bit for bit (batched greedy decode gives the tokens single-sequence decode gives). The offset terms of
// four rows share one 4-lane FMA: lane k is (d or m) · coef_k + off_k, FLOAT_BLOCK's lane OFFSET_LANE for row k.
// Tiles of 8 are full (LEAST rows left); a tile of 4 may hold 3 and repeat its last row (result dropped); the
// last 1 or 2 rows run through the matvec kernel SINGLE.
#define FLOAT_TILE(N, LEAST, BLOCK_BYTES, QS, UNPACK, OFFSET_LANE, FACTOR)                              \
    for (; t + LEAST <= nx; t += N) {                                                                     \
        const float *xs[N];                                                                               \
        for (int k = 0; k < N; k++) xs[k] = x + TILE_ROW(t, k, nx) * cols;                               \
        float c[N * blocks], s_[blocks]; /* c[N·b + k]: row k's offset coefficient of block b */        \
        if (OFFSET_LANE >= 0)                                                                             \
            for (int k = 0; k < N; k++) {                                                                 \
                block_sums(xs[k], blocks, FACTOR, s_);                                                    \
                for (size_t b = 0; b < blocks; b++) c[N * b + k] = s_[b];                                 \
            }                                                                                             \
        prefetch_start((const uint8_t *)w + row_begin * row_bytes, end_);                                 \
        for (size_t r = row_begin; r < row_end; r++) {                                                    \
            const uint8_t *p = (const uint8_t *)w + r * row_bytes;                                        \
            __m256 acc[N];                                                                                \
            __m128 off[N / 4];                                                                            \
            for (int k = 0; k < N; k++) acc[k] = _mm256_setzero_ps();                                     \
            for (int k = 0; k < N / 4; k++) off[k] = _mm_setzero_ps();                                    \
            for (size_t b = 0; b < blocks; b++) {                                                         \
                const uint8_t *pb = p + b * BLOCK_BYTES;                                                  \
                if (((uintptr_t)pb & 63) < BLOCK_BYTES && pb + PG_PREFETCH_BYTES < end_)                  \
                    _mm_prefetch((const char *)pb + PG_PREFETCH_BYTES, _MM_HINT_T0);                      \
                __m128 sc_ = block_scales(pb);                                                            \
                __m256 d_ = _mm256_broadcastss_ps(sc_), f[4];                                             \
                UNPACK(pb + QS, f);                                                                       \
                for (int k = 0; k < N; k++) acc[k] = _mm256_fmadd_ps(d_, unpacked_dot(f, xs[k] + 32 * b), acc[k]); \
                if (OFFSET_LANE >= 0) {                                                                   \
                    __m128 o_ = _mm_shuffle_ps(sc_, sc_, OFFSET_LANE == 1 ? 0x55 : 0x00);                 \
                    for (int k = 0; k < N / 4; k++) off[k] = _mm_fmadd_ps(o_, _mm_loadu_ps(c + N * b + 4 * k), off[k]); \
                }                                                                                         \
            }                                                                                             \
            float o[N];                                                                                   \
            for (int k = 0; k < N / 4; k++) _mm_storeu_ps(o + 4 * k, off[k]);                             \
            for (int k = 0; k < N && t + k < nx; k++)                                                     \
                y[(t + k) * ldy + r] = hsum(acc[k]) + (OFFSET_LANE >= 0 ? o[k] : 0.0f);                   \
        }                                                                                                 \
    }

#define FLOAT_TILE_KERNEL(BLOCK_BYTES, QS, UNPACK, OFFSET_LANE, FACTOR, SINGLE)                            \
    const size_t blocks = cols / 32, row_bytes = blocks * BLOCK_BYTES;                                    \
    const uint8_t *end_ = (const uint8_t *)w + row_end * row_bytes;                                       \
    size_t t = 0;                                                                                         \
    if (cols <= 768) FLOAT_TILE(8, 8, BLOCK_BYTES, QS, UNPACK, OFFSET_LANE, FACTOR)                          \
    FLOAT_TILE(4, 3, BLOCK_BYTES, QS, UNPACK, OFFSET_LANE, FACTOR)                                           \
    for (; t < nx; t++) SINGLE(w, cols, row_begin, row_end, x + t * cols, y + t * ldy);

// factor · Σx over each 32-value block of x: offset_coefficients' value, one float per block.
static void block_sums(const float *x, size_t blocks, float factor, float *sums) {
    for (size_t b = 0; b < blocks; b++) {
        const float *p = x + 32 * b;
        __m256 s = _mm256_add_ps(_mm256_add_ps(_mm256_loadu_ps(p), _mm256_loadu_ps(p + 8)),
                                 _mm256_add_ps(_mm256_loadu_ps(p + 16), _mm256_loadu_ps(p + 24)));
        sums[b] = factor * hsum(s);
    }
}

void pg_matmat_q4_1(const void *w, size_t cols, size_t row_begin, size_t row_end, const float *x, size_t nx,
                    float *y, size_t ldy) {
    FLOAT_TILE_KERNEL(20, 4, nibble_unpack, 1, 1.0f, pg_matvec_q4_1)
}

void pg_matmat_q4_0(const void *w, size_t cols, size_t row_begin, size_t row_end, const float *x, size_t nx,
                    float *y, size_t ldy) {
    FLOAT_TILE_KERNEL(18, 2, nibble_unpack, 0, -8.0f, pg_matvec_q4_0)
}

void pg_matmat_q8_0(const void *w, size_t cols, size_t row_begin, size_t row_end, const float *x, size_t nx,
                    float *y, size_t ldy) {
    FLOAT_TILE_KERNEL(34, 2, q8_unpack, -1, 0.0f, pg_matvec_q8_0)
}

void pg_matmat_q5_1(const void *w, size_t cols, size_t row_begin, size_t row_end, const float *x, size_t nx,
                    float *y, size_t ldy) {
    FLOAT_TILE_KERNEL(24, 4, fivebit_unpack, 1, 1.0f, pg_matvec_q5_1)
}

void pg_matmat_q5_0(const void *w, size_t cols, size_t row_begin, size_t row_end, const float *x, size_t nx,
                    float *y, size_t ldy) {
    FLOAT_TILE_KERNEL(22, 2, fivebit_unpack, 0, -16.0f, pg_matvec_q5_0)
}
