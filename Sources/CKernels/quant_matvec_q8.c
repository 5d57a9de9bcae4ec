// Int8-activation decode kernels (see include/ckernels.h): AVX2 maddubs/madd integer dot products per block.
#include "ckernels.h"
#include <immintrin.h>
#include <math.h>
#include <string.h>

static inline float half_to_float_q8(const uint8_t *p) {
    uint16_t h;
    memcpy(&h, p, 2);
    return _cvtsh_ss(h);
}

static inline float hsum8(__m256 v) {
    __m128 s = _mm_add_ps(_mm256_castps256_ps128(v), _mm256_extractf128_ps(v, 1));
    s = _mm_add_ps(s, _mm_movehl_ps(s, s));
    s = _mm_add_ss(s, _mm_movehdup_ps(s));
    return _mm_cvtss_f32(s);
}

void pg_quantize_q8(const float *x, size_t cols, int8_t *qx, float *dx, float *sx) {
    for (size_t b = 0; b < cols / 32; b++) {
        const float *p = x + 32 * b;
        float amax = 0;
        for (int i = 0; i < 32; i++) amax = fmaxf(amax, fabsf(p[i]));
        float d = amax / 127.0f, inv = d > 0 ? 1.0f / d : 0.0f;
        int sum = 0;
        for (int i = 0; i < 32; i++) {
            int q = (int)nearbyintf(p[i] * inv);
            qx[32 * b + i] = (int8_t)q;
            sum += q;
        }
        dx[b] = d;
        sx[b] = d * (float)sum;
    }
}

// Σ of 32 unsigned nibble values × 32 signed int8 (preloaded), as 8 int32 lanes converted to float.
static inline __m256 nibbles_times_q8(const uint8_t *qs, __m256i x) {
    const __m128i mask = _mm_set1_epi8(0x0F);
    __m128i q = _mm_loadu_si128((const __m128i *)qs);
    __m256i w = _mm256_set_m128i(_mm_and_si128(_mm_srli_epi16(q, 4), mask), _mm_and_si128(q, mask));
    return _mm256_cvtepi32_ps(_mm256_madd_epi16(_mm256_maddubs_epi16(w, x), _mm256_set1_epi16(1)));
}

// Σ of 32 signed int8 weights × 32 signed int8 activations (maddubs needs an unsigned left operand:
// |w| · (x with w's sign)).
static inline __m256 q8_times_q8(const int8_t *qs, __m256i x) {
    __m256i w = _mm256_loadu_si256((const __m256i *)qs);
    __m256i p16 = _mm256_maddubs_epi16(_mm256_sign_epi8(w, w), _mm256_sign_epi8(x, w));
    return _mm256_cvtepi32_ps(_mm256_madd_epi16(p16, _mm256_set1_epi16(1)));
}

// Four rows at a time: independent accumulators hide FMA latency and each activation block is loaded once.
// BLOCK_BYTES: bytes per block; QS: offset of the quants; DOT: the block kernel; OFFSET(p, b): the offset term.
#define ROWS4_KERNEL(BLOCK_BYTES, QS, DOT, OFFSET)                                                        \
    const size_t blocks = cols / 32, row_bytes = blocks * BLOCK_BYTES;                                    \
    size_t r = row_begin;                                                                                 \
    for (; r + 4 <= row_end; r += 4) {                                                                    \
        const uint8_t *p[4];                                                                              \
        __m256 acc[4];                                                                                    \
        float off[4] = {0, 0, 0, 0};                                                                      \
        for (int k = 0; k < 4; k++) {                                                                     \
            p[k] = (const uint8_t *)w + (r + k) * row_bytes;                                              \
            acc[k] = _mm256_setzero_ps();                                                                 \
        }                                                                                                 \
        for (size_t b = 0; b < blocks; b++) {                                                             \
            __m256i xv = _mm256_loadu_si256((const __m256i *)(qx + 32 * b));                              \
            PREFETCH_GROUP(p[0], b, BLOCK_BYTES);                                                         \
            for (int k = 0; k < 4; k++) {                                                                 \
                const uint8_t *pb = p[k] + b * BLOCK_BYTES;                                               \
                acc[k] = _mm256_fmadd_ps(_mm256_set1_ps(half_to_float_q8(pb) * dx[b]),                   \
                                         DOT((const void *)(pb + QS), xv), acc[k]);                       \
                off[k] += OFFSET(pb, b);                                                                  \
            }                                                                                             \
        }                                                                                                 \
        for (int k = 0; k < 4; k++) y[r + k] = hsum8(acc[k]) + off[k];                                    \
    }                                                                                                     \
    for (; r < row_end; r++) {                                                                            \
        const uint8_t *p0 = (const uint8_t *)w + r * row_bytes;                                           \
        __m256 acc0 = _mm256_setzero_ps();                                                                \
        float off0 = 0;                                                                                   \
        for (size_t b = 0; b < blocks; b++) {                                                             \
            const uint8_t *pb = p0 + b * BLOCK_BYTES;                                                     \
            __m256i xv = _mm256_loadu_si256((const __m256i *)(qx + 32 * b));                              \
            acc0 = _mm256_fmadd_ps(_mm256_set1_ps(half_to_float_q8(pb) * dx[b]),                         \
                                   DOT((const void *)(pb + QS), xv), acc0);                               \
            off0 += OFFSET(pb, b);                                                                        \
        }                                                                                                 \
        y[r] = hsum8(acc0) + off0;                                                                        \
    }

#define Q41_OFFSET(pb, b) (half_to_float_q8((pb) + 2) * sx[b])
#define Q40_OFFSET(pb, b) (-8.0f * half_to_float_q8(pb) * sx[b])
#define NO_OFFSET(pb, b) 0.0f
#define NIBBLE_DOT(ptr, xv) nibbles_times_q8((const uint8_t *)(ptr), xv)
#define Q8_DOT(ptr, xv) q8_times_q8((const int8_t *)(ptr), xv)

void pg_matvec_q4_1_q8(const void *w, size_t cols, size_t row_begin, size_t row_end,
                       const int8_t *qx, const float *dx, const float *sx, float *y) {
    ROWS4_KERNEL(20, 4, NIBBLE_DOT, Q41_OFFSET)
}

void pg_matvec_q4_0_q8(const void *w, size_t cols, size_t row_begin, size_t row_end,
                       const int8_t *qx, const float *dx, const float *sx, float *y) {
    ROWS4_KERNEL(18, 2, NIBBLE_DOT, Q40_OFFSET)
}

void pg_matvec_q8_0_q8(const void *w, size_t cols, size_t row_begin, size_t row_end,
                       const int8_t *qx, const float *dx, const float *sx, float *y) {
    (void)sx;
    ROWS4_KERNEL(34, 2, Q8_DOT, NO_OFFSET)
}
