// AVX2/FMA/F16C matrix-vector products on ggml quantised blocks (see include/ckernels.h).
#include "ckernels.h"
#include <immintrin.h>
#include <stdint.h>
#include <string.h>

static inline float half_to_float(const uint8_t *p) {
    uint16_t h;
    memcpy(&h, p, 2);
    return _cvtsh_ss(h);
}

static inline float hsum(__m256 v) {
    __m128 s = _mm_add_ps(_mm256_castps256_ps128(v), _mm256_extractf128_ps(v, 1));
    s = _mm_add_ps(s, _mm_movehl_ps(s, s));
    s = _mm_add_ss(s, _mm_movehdup_ps(s));
    return _mm_cvtss_f32(s);
}

// Σ over the 32 nibble values of one block times x[0..32): low nibbles pair with x[0..16), high with x[16..32).
static inline __m256 nibble_dot(const uint8_t *qs, const float *x) {
    const __m128i mask = _mm_set1_epi8(0x0F);
    __m128i q = _mm_loadu_si128((const __m128i *)qs);
    __m128i lo = _mm_and_si128(q, mask);
    __m128i hi = _mm_and_si128(_mm_srli_epi16(q, 4), mask);
    __m256 f0 = _mm256_cvtepi32_ps(_mm256_cvtepu8_epi32(lo));
    __m256 f1 = _mm256_cvtepi32_ps(_mm256_cvtepu8_epi32(_mm_srli_si128(lo, 8)));
    __m256 f2 = _mm256_cvtepi32_ps(_mm256_cvtepu8_epi32(hi));
    __m256 f3 = _mm256_cvtepi32_ps(_mm256_cvtepu8_epi32(_mm_srli_si128(hi, 8)));
    __m256 a = _mm256_mul_ps(f0, _mm256_loadu_ps(x));
    __m256 b = _mm256_mul_ps(f1, _mm256_loadu_ps(x + 8));
    a = _mm256_fmadd_ps(f2, _mm256_loadu_ps(x + 16), a);
    b = _mm256_fmadd_ps(f3, _mm256_loadu_ps(x + 24), b);
    return _mm256_add_ps(a, b);
}

// Sums of x over each block of 32 (for the offset terms). `sums` has room for cols / 32 values.
static void block_sums(const float *x, size_t blocks, float *sums) {
    for (size_t b = 0; b < blocks; b++) {
        const float *p = x + 32 * b;
        __m256 s = _mm256_add_ps(_mm256_add_ps(_mm256_loadu_ps(p), _mm256_loadu_ps(p + 8)),
                                 _mm256_add_ps(_mm256_loadu_ps(p + 16), _mm256_loadu_ps(p + 24)));
        sums[b] = hsum(s);
    }
}

#define MAX_BLOCKS 4096  /* cols up to 131072 */

// Four rows at a time (independent accumulators hide FMA latency); BLOCK_BYTES per block, quants at QS,
// DOT(quants, x) the block's Σ q·x as 8 lanes, SCALE(pb) its scale, OFFSET(pb, b) its offset term.
#define FLOAT_ROWS4_KERNEL(BLOCK_BYTES, QS, DOT, OFFSET)                                                  \
    const size_t blocks = cols / 32, row_bytes = blocks * BLOCK_BYTES;                                    \
    float sums[MAX_BLOCKS];                                                                               \
    block_sums(x, blocks, sums);                                                                          \
    size_t r = row_begin;                                                                                 \
    for (; r + 4 <= row_end; r += 4) {                                                                    \
        const uint8_t *p = (const uint8_t *)w + r * row_bytes;                                            \
        __m256 a0 = _mm256_setzero_ps(), a1 = a0, a2 = a0, a3 = a0;                                       \
        float o0 = 0, o1 = 0, o2 = 0, o3 = 0;                                                             \
        for (size_t b = 0; b < blocks; b++) {                                                             \
            const float *xb = x + 32 * b;                                                                 \
            PREFETCH_GROUP(p, b, BLOCK_BYTES);                                                            \
            const uint8_t *p0 = p + b * BLOCK_BYTES, *p1 = p0 + row_bytes, *p2 = p1 + row_bytes,          \
                          *p3 = p2 + row_bytes;                                                           \
            a0 = _mm256_fmadd_ps(_mm256_set1_ps(half_to_float(p0)), DOT(p0 + QS, xb), a0);                \
            a1 = _mm256_fmadd_ps(_mm256_set1_ps(half_to_float(p1)), DOT(p1 + QS, xb), a1);                \
            a2 = _mm256_fmadd_ps(_mm256_set1_ps(half_to_float(p2)), DOT(p2 + QS, xb), a2);                \
            a3 = _mm256_fmadd_ps(_mm256_set1_ps(half_to_float(p3)), DOT(p3 + QS, xb), a3);                \
            o0 += OFFSET(p0, b); o1 += OFFSET(p1, b); o2 += OFFSET(p2, b); o3 += OFFSET(p3, b);           \
        }                                                                                                 \
        y[r] = hsum(a0) + o0; y[r + 1] = hsum(a1) + o1; y[r + 2] = hsum(a2) + o2; y[r + 3] = hsum(a3) + o3; \
    }                                                                                                     \
    for (; r < row_end; r++) {                                                                            \
        const uint8_t *p = (const uint8_t *)w + r * row_bytes;                                            \
        __m256 acc = _mm256_setzero_ps();                                                                 \
        float offset = 0;                                                                                 \
        for (size_t b = 0; b < blocks; b++, p += BLOCK_BYTES) {                                           \
            acc = _mm256_fmadd_ps(_mm256_set1_ps(half_to_float(p)), DOT(p + QS, x + 32 * b), acc);        \
            offset += OFFSET(p, b);                                                                       \
        }                                                                                                 \
        y[r] = hsum(acc) + offset;                                                                        \
    }

#define F_Q41_OFFSET(pb, b) (half_to_float((pb) + 2) * sums[b])
#define F_Q40_OFFSET(pb, b) (-8.0f * half_to_float(pb) * sums[b])
#define F_NO_OFFSET(pb, b) 0.0f

static inline __m256 q8_dot(const uint8_t *qs, const float *xb) {
    const int8_t *q = (const int8_t *)qs;
    __m128i q0 = _mm_loadu_si128((const __m128i *)q), q1 = _mm_loadu_si128((const __m128i *)(q + 16));
    __m256 a = _mm256_mul_ps(_mm256_cvtepi32_ps(_mm256_cvtepi8_epi32(q0)), _mm256_loadu_ps(xb));
    __m256 c = _mm256_mul_ps(_mm256_cvtepi32_ps(_mm256_cvtepi8_epi32(_mm_srli_si128(q0, 8))), _mm256_loadu_ps(xb + 8));
    a = _mm256_fmadd_ps(_mm256_cvtepi32_ps(_mm256_cvtepi8_epi32(q1)), _mm256_loadu_ps(xb + 16), a);
    c = _mm256_fmadd_ps(_mm256_cvtepi32_ps(_mm256_cvtepi8_epi32(_mm_srli_si128(q1, 8))), _mm256_loadu_ps(xb + 24), c);
    return _mm256_add_ps(a, c);
}

void pg_matvec_q4_1(const void *w, size_t cols, size_t row_begin, size_t row_end, const float *x, float *y) {
    FLOAT_ROWS4_KERNEL(20, 4, nibble_dot, F_Q41_OFFSET)
}

void pg_matvec_q4_0(const void *w, size_t cols, size_t row_begin, size_t row_end, const float *x, float *y) {
    FLOAT_ROWS4_KERNEL(18, 2, nibble_dot, F_Q40_OFFSET)
}

void pg_matvec_q8_0(const void *w, size_t cols, size_t row_begin, size_t row_end, const float *x, float *y) {
    FLOAT_ROWS4_KERNEL(34, 2, q8_dot, F_NO_OFFSET)
}
