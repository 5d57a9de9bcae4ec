// Int8-activation decode kernels (see include/ckernels.h): AVX2 maddubs/madd integer dot products per block; on
// CPUs with AVX-512 VNNI and DQ the forms in quant_matvec_q8_vnni.c instead (another order of float operations).
#include "ckernels.h"
#include "block_common.h"
#include <immintrin.h>
#include <math.h>
#include <string.h>

// Per block of 32: d = max |x| / 127, q = round-to-nearest-even(x · (1 / d)) (VCVTPS2DQ under the default MXCSR
// rounding, as nearbyintf), sx = d · Σ q; |q| ≤ 127, so the saturating packs keep every value.
void pg_quantize_q8(const float *x, size_t cols, int8_t *qx, float *dx, float *sx) {
    const __m256 sign = _mm256_set1_ps(-0.0f);
    for (size_t b = 0; b < cols / 32; b++) {
        const float *p = x + 32 * b;
        const __m256 v0 = _mm256_loadu_ps(p), v1 = _mm256_loadu_ps(p + 8), v2 = _mm256_loadu_ps(p + 16),
                     v3 = _mm256_loadu_ps(p + 24);
        const __m256 m = _mm256_max_ps(_mm256_max_ps(_mm256_andnot_ps(sign, v0), _mm256_andnot_ps(sign, v1)),
                                       _mm256_max_ps(_mm256_andnot_ps(sign, v2), _mm256_andnot_ps(sign, v3)));
        __m128 h = _mm_max_ps(_mm256_castps256_ps128(m), _mm256_extractf128_ps(m, 1));
        h = _mm_max_ps(h, _mm_movehl_ps(h, h));
        h = _mm_max_ss(h, _mm_movehdup_ps(h));
        const float amax = _mm_cvtss_f32(h), d = amax / 127.0f, inv = d > 0 ? 1.0f / d : 0.0f;
        const __m256 iv = _mm256_set1_ps(inv);
        const __m256i q0 = _mm256_cvtps_epi32(_mm256_mul_ps(v0, iv)), q1 = _mm256_cvtps_epi32(_mm256_mul_ps(v1, iv)),
                      q2 = _mm256_cvtps_epi32(_mm256_mul_ps(v2, iv)), q3 = _mm256_cvtps_epi32(_mm256_mul_ps(v3, iv));
        // packs work within 128-bit lanes: bytes come out in dword order 0 2 4 6 1 3 5 7, put back by a permute.
        const __m256i packed = _mm256_packs_epi16(_mm256_packs_epi32(q0, q1), _mm256_packs_epi32(q2, q3));
        _mm256_storeu_si256((__m256i *)(qx + 32 * b),
                            _mm256_permutevar8x32_epi32(packed, _mm256_setr_epi32(0, 4, 1, 5, 2, 6, 3, 7)));
        const __m256i s4 = _mm256_add_epi32(_mm256_add_epi32(q0, q1), _mm256_add_epi32(q2, q3));
        __m128i t = _mm_add_epi32(_mm256_castsi256_si128(s4), _mm256_extracti128_si256(s4, 1));
        t = _mm_add_epi32(t, _mm_shuffle_epi32(t, _MM_SHUFFLE(1, 0, 3, 2)));
        t = _mm_add_epi32(t, _mm_shuffle_epi32(t, _MM_SHUFFLE(2, 3, 0, 1)));
        dx[b] = d;
        sx[b] = d * (float)_mm_cvtsi128_si32(t);
    }
}

// Σ of 32 unsigned nibble values × 32 signed int8 (preloaded), as 8 int32 lanes converted to float.
static inline __m256 nibbles_times_q8(const uint8_t *qs, __m256i x) {
    return _mm256_cvtepi32_ps(_mm256_madd_epi16(_mm256_maddubs_epi16(nibble_bytes(qs), x), _mm256_set1_epi16(1)));
}

// Σ of the 32 five-bit values of a Q5_0 block (p: u32 qh, then 16 nibble bytes) × 32 signed int8.
static inline __m256 fivebits_times_q8(const uint8_t *p, __m256i x) {
    return _mm256_cvtepi32_ps(_mm256_madd_epi16(_mm256_maddubs_epi16(fivebit_bytes(p), x), _mm256_set1_epi16(1)));
}

// Σ of 32 signed int8 weights × 32 signed int8 activations (maddubs needs an unsigned left operand:
// |w| · (x with w's sign)).
static inline __m256 q8_times_q8(const int8_t *qs, __m256i x) {
    __m256i w = _mm256_loadu_si256((const __m256i *)qs);
    __m256i p16 = _mm256_maddubs_epi16(_mm256_sign_epi8(w, w), _mm256_sign_epi8(x, w));
    return _mm256_cvtepi32_ps(_mm256_madd_epi16(p16, _mm256_set1_epi16(1)));
}

// One block of one row: acc += d·dx · DOT(quants, x); off += (d, m, ·, ·) · coef (when the format has an offset).
#define INT8_BLOCK(pb, b, acc, off, QS, DOT, OFFSET_LANE, xv)                                             \
    do {                                                                                                  \
        __m128 sc_ = block_scales(pb);                                                                    \
        __m256 s_ = _mm256_mul_ps(_mm256_broadcastss_ps(sc_), _mm256_broadcast_ss(dx + (b)));            \
        acc = _mm256_fmadd_ps(s_, DOT((const void *)((pb) + QS), xv), acc);                               \
        if (OFFSET_LANE >= 0) off = _mm_fmadd_ps(sc_, _mm_loadu_ps(coef + 4 * (b)), off);                 \
    } while (0)

// Four rows at a time: independent accumulators hide FMA latency and each activation block is loaded once.
// BLOCK_BYTES: bytes per block; QS: offset of the quants; DOT: the block kernel; the offset term
// FACTOR·(d or m)·sx sits in lane OFFSET_LANE of (d, m) (−1: none).
#define ROWS4_KERNEL(BLOCK_BYTES, QS, DOT, OFFSET_LANE, FACTOR)                                           \
    const size_t blocks = cols / 32, row_bytes = blocks * BLOCK_BYTES;                                    \
    float coef[4 * MAX_BLOCKS];                                                                           \
    if (OFFSET_LANE >= 0) {                                                                               \
        for (size_t b = 0; b < blocks; b++) {                                                             \
            for (int k = 0; k < 4; k++) coef[4 * b + k] = 0;                                              \
            coef[4 * b + (OFFSET_LANE >= 0 ? OFFSET_LANE : 0)] = FACTOR * sx[b];                          \
        }                                                                                                 \
    }                                                                                                     \
    const int l_ = OFFSET_LANE >= 0 ? OFFSET_LANE : 0;                                                    \
    const uint8_t *end_ = (const uint8_t *)w + row_end * row_bytes;                                       \
    prefetch_start((const uint8_t *)w + row_begin * row_bytes, end_);                                     \
    size_t r = row_begin;                                                                                 \
    for (; r + 4 <= row_end; r += 4) {                                                                    \
        const uint8_t *p = (const uint8_t *)w + r * row_bytes;                                            \
        __m256 a0 = _mm256_setzero_ps(), a1 = a0, a2 = a0, a3 = a0;                                       \
        __m128 o0 = _mm_setzero_ps(), o1 = o0, o2 = o0, o3 = o0;                                          \
        for (size_t b = 0; b < blocks; b++) {                                                             \
            __m256i xv = _mm256_loadu_si256((const __m256i *)(qx + 32 * b));                              \
            PREFETCH_GROUP(p, b, BLOCK_BYTES, end_);                                                            \
            const uint8_t *p0 = p + b * BLOCK_BYTES, *p1 = p0 + row_bytes, *p2 = p1 + row_bytes,          \
                          *p3 = p2 + row_bytes;                                                           \
            INT8_BLOCK(p0, b, a0, o0, QS, DOT, OFFSET_LANE, xv);                                          \
            INT8_BLOCK(p1, b, a1, o1, QS, DOT, OFFSET_LANE, xv);                                          \
            INT8_BLOCK(p2, b, a2, o2, QS, DOT, OFFSET_LANE, xv);                                          \
            INT8_BLOCK(p3, b, a3, o3, QS, DOT, OFFSET_LANE, xv);                                          \
        }                                                                                                 \
        y[r] = hsum(a0) + lane(o0, l_); y[r + 1] = hsum(a1) + lane(o1, l_);                               \
        y[r + 2] = hsum(a2) + lane(o2, l_); y[r + 3] = hsum(a3) + lane(o3, l_);                           \
    }                                                                                                     \
    for (; r < row_end; r++) {                                                                            \
        const uint8_t *p = (const uint8_t *)w + r * row_bytes;                                            \
        __m256 acc = _mm256_setzero_ps();                                                                 \
        __m128 off = _mm_setzero_ps();                                                                    \
        for (size_t b = 0; b < blocks; b++) {                                                             \
            __m256i xv = _mm256_loadu_si256((const __m256i *)(qx + 32 * b));                              \
            INT8_BLOCK(p + b * BLOCK_BYTES, b, acc, off, QS, DOT, OFFSET_LANE, xv);                       \
        }                                                                                                 \
        y[r] = hsum(acc) + lane(off, l_);                                                                 \
    }

#define NIBBLE_DOT(ptr, xv) nibbles_times_q8((const uint8_t *)(ptr), xv)
#define FIVEBIT_DOT(ptr, xv) fivebits_times_q8((const uint8_t *)(ptr), xv)
#define Q8_DOT(ptr, xv) q8_times_q8((const int8_t *)(ptr), xv)

void pg_matvec_q4_1_q8(const void *w, size_t cols, size_t row_begin, size_t row_end,
                       const int8_t *qx, const float *dx, const float *sx, float *y) {
    if (pg_have_q8_vnni()) { pg_matvec_q4_1_q8_vnni(w, cols, row_begin, row_end, qx, dx, sx, y); return; }
    ROWS4_KERNEL(20, 4, NIBBLE_DOT, 1, 1.0f)
}

void pg_matvec_q4_0_q8(const void *w, size_t cols, size_t row_begin, size_t row_end,
                       const int8_t *qx, const float *dx, const float *sx, float *y) {
    if (pg_have_q8_vnni()) { pg_matvec_q4_0_q8_vnni(w, cols, row_begin, row_end, qx, dx, sx, y); return; }
    ROWS4_KERNEL(18, 2, NIBBLE_DOT, 0, -8.0f)
}

void pg_matvec_q8_0_q8(const void *w, size_t cols, size_t row_begin, size_t row_end,
                       const int8_t *qx, const float *dx, const float *sx, float *y) {
    if (pg_have_q8_vnni()) { pg_matvec_q8_0_q8_vnni(w, cols, row_begin, row_end, qx, dx, sx, y); return; }
    (void)sx;
    ROWS4_KERNEL(34, 2, Q8_DOT, -1, 0.0f)
}

void pg_matvec_q5_0_q8(const void *w, size_t cols, size_t row_begin, size_t row_end,
                       const int8_t *qx, const float *dx, const float *sx, float *y) {
    if (pg_have_q8_vnni()) { pg_matvec_q5_0_q8_vnni(w, cols, row_begin, row_end, qx, dx, sx, y); return; }
    ROWS4_KERNEL(22, 2, FIVEBIT_DOT, 0, -16.0f)
}

void pg_matvec_q5_1_q8(const void *w, size_t cols, size_t row_begin, size_t row_end,
                       const int8_t *qx, const float *dx, const float *sx, float *y) {
    if (pg_have_q8_vnni()) { pg_matvec_q5_1_q8_vnni(w, cols, row_begin, row_end, qx, dx, sx, y); return; }
    ROWS4_KERNEL(24, 4, FIVEBIT_DOT, 1, 1.0f)
}

// Batched decode with int8 activations: rows [row_begin, row_end) of W against nx quantised activation rows
// (qx [nx, cols], dx and sx [nx, cols / 32]), y[t·ldy + r]. Four activation rows at a time share each weight
// block's load and unpacking; each meets INT8_BLOCK's operations in its order (the offset coefficient
// FACTOR·sx broadcast to every lane, only lane OFFSET_LANE read), so every result equals the matvec kernel's
// for that row alone, bit for bit. A last tile of 3 rows repeats its last row (results dropped); the last 1 or
// 2 rows run through SINGLE. With AVX-512 VNNI and DQ, VNNI (quant_matvec_q8_vnni.c) does all rows instead, as the
// matvec kernels then do (their VNNI form).
#define TILE_BLOCK(pb, b, acc, off, QS, DOT, OFFSET_LANE, FACTOR, q, d, s)                               \
    do {                                                                                                  \
        __m256 s_ = _mm256_mul_ps(_mm256_broadcastss_ps(sc_), _mm256_broadcast_ss((d) + (b)));           \
        acc = _mm256_fmadd_ps(s_, DOT((const void *)((pb) + QS), _mm256_loadu_si256((const __m256i *)((q) + 32 * (b)))), acc); \
        if (OFFSET_LANE >= 0) off = _mm_fmadd_ps(sc_, _mm_set1_ps(FACTOR * (s)[b]), off);                \
    } while (0)

#define INT8_TILE_KERNEL(BLOCK_BYTES, QS, DOT, OFFSET_LANE, FACTOR, SINGLE, VNNI)                         \
    const size_t blocks = cols / 32, row_bytes = blocks * BLOCK_BYTES;                                    \
    const int l_ = OFFSET_LANE >= 0 ? OFFSET_LANE : 0;                                                    \
    const uint8_t *end_ = (const uint8_t *)w + row_end * row_bytes;                                       \
    size_t t = pg_have_q8_vnni() ? VNNI(w, cols, row_begin, row_end, qx, dx, sx, nx, y, ldy) : 0;          \
    for (; t + 2 < nx; t += 4) {                                                                          \
        const size_t u2 = TILE_ROW(t, 2, nx), u3 = TILE_ROW(t, 3, nx);                                    \
        const int8_t *q0 = qx + t * cols, *q1 = q0 + cols, *q2 = qx + u2 * cols, *q3 = qx + u3 * cols;   \
        const float *d0 = dx + t * blocks, *d1 = d0 + blocks, *d2 = dx + u2 * blocks, *d3 = dx + u3 * blocks; \
        const float *s0 = sx + t * blocks, *s1 = s0 + blocks, *s2 = sx + u2 * blocks, *s3 = sx + u3 * blocks; \
        (void)s0; (void)s1; (void)s2; (void)s3;                                                           \
        prefetch_start((const uint8_t *)w + row_begin * row_bytes, end_);                                 \
        for (size_t r = row_begin; r < row_end; r++) {                                                    \
            const uint8_t *p = (const uint8_t *)w + r * row_bytes;                                        \
            __m256 a0 = _mm256_setzero_ps(), a1 = a0, a2 = a0, a3 = a0;                                   \
            __m128 o0 = _mm_setzero_ps(), o1 = o0, o2 = o0, o3 = o0;                                      \
            for (size_t b = 0; b < blocks; b++) {                                                         \
                const uint8_t *pb = p + b * BLOCK_BYTES;                                                  \
                if (((uintptr_t)pb & 63) < BLOCK_BYTES && pb + PG_PREFETCH_BYTES < end_)                  \
                    _mm_prefetch((const char *)pb + PG_PREFETCH_BYTES, _MM_HINT_T0);                      \
                __m128 sc_ = block_scales(pb);                                                            \
                TILE_BLOCK(pb, b, a0, o0, QS, DOT, OFFSET_LANE, FACTOR, q0, d0, s0);                      \
                TILE_BLOCK(pb, b, a1, o1, QS, DOT, OFFSET_LANE, FACTOR, q1, d1, s1);                      \
                TILE_BLOCK(pb, b, a2, o2, QS, DOT, OFFSET_LANE, FACTOR, q2, d2, s2);                      \
                TILE_BLOCK(pb, b, a3, o3, QS, DOT, OFFSET_LANE, FACTOR, q3, d3, s3);                      \
            }                                                                                             \
            y[t * ldy + r] = hsum(a0) + lane(o0, l_); y[(t + 1) * ldy + r] = hsum(a1) + lane(o1, l_);     \
            if (t + 2 < nx) y[(t + 2) * ldy + r] = hsum(a2) + lane(o2, l_);                               \
            if (t + 3 < nx) y[(t + 3) * ldy + r] = hsum(a3) + lane(o3, l_);                               \
        }                                                                                                 \
    }                                                                                                     \
    for (; t < nx; t++)                                                                                   \
        SINGLE(w, cols, row_begin, row_end, qx + t * cols, dx + t * blocks, sx + t * blocks, y + t * ldy);

void pg_matmat_q4_1_q8(const void *w, size_t cols, size_t row_begin, size_t row_end, const int8_t *qx,
                       const float *dx, const float *sx, size_t nx, float *y, size_t ldy) {
    INT8_TILE_KERNEL(20, 4, NIBBLE_DOT, 1, 1.0f, pg_matvec_q4_1_q8, pg_matmat_q4_1_q8_vnni)
}

void pg_matmat_q4_0_q8(const void *w, size_t cols, size_t row_begin, size_t row_end, const int8_t *qx,
                       const float *dx, const float *sx, size_t nx, float *y, size_t ldy) {
    INT8_TILE_KERNEL(18, 2, NIBBLE_DOT, 0, -8.0f, pg_matvec_q4_0_q8, pg_matmat_q4_0_q8_vnni)
}

void pg_matmat_q8_0_q8(const void *w, size_t cols, size_t row_begin, size_t row_end, const int8_t *qx,
                       const float *dx, const float *sx, size_t nx, float *y, size_t ldy) {
    INT8_TILE_KERNEL(34, 2, Q8_DOT, -1, 0.0f, pg_matvec_q8_0_q8, pg_matmat_q8_0_q8_vnni)
}

void pg_matmat_q5_0_q8(const void *w, size_t cols, size_t row_begin, size_t row_end, const int8_t *qx,
                       const float *dx, const float *sx, size_t nx, float *y, size_t ldy) {
    INT8_TILE_KERNEL(22, 2, FIVEBIT_DOT, 0, -16.0f, pg_matvec_q5_0_q8, pg_matmat_q5_0_q8_vnni)
}

void pg_matmat_q5_1_q8(const void *w, size_t cols, size_t row_begin, size_t row_end, const int8_t *qx,
                       const float *dx, const float *sx, size_t nx, float *y, size_t ldy) {
    INT8_TILE_KERNEL(24, 4, FIVEBIT_DOT, 1, 1.0f, pg_matvec_q5_1_q8, pg_matmat_q5_1_q8_vnni)
}
