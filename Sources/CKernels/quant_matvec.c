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

void pg_matvec_q4_1(const void *w, size_t cols, size_t row_begin, size_t row_end, const float *x, float *y) {
    const size_t blocks = cols / 32, row_bytes = blocks * 20;
    float sums[MAX_BLOCKS];
    block_sums(x, blocks, sums);
    for (size_t r = row_begin; r < row_end; r++) {
        const uint8_t *p = (const uint8_t *)w + r * row_bytes;
        __m256 acc = _mm256_setzero_ps();
        float offset = 0;
        for (size_t b = 0; b < blocks; b++, p += 20) {
            __m256 d = _mm256_set1_ps(half_to_float(p));
            offset += half_to_float(p + 2) * sums[b];
            acc = _mm256_fmadd_ps(d, nibble_dot(p + 4, x + 32 * b), acc);
        }
        y[r] = hsum(acc) + offset;
    }
}

void pg_matvec_q4_0(const void *w, size_t cols, size_t row_begin, size_t row_end, const float *x, float *y) {
    const size_t blocks = cols / 32, row_bytes = blocks * 18;
    float sums[MAX_BLOCKS];
    block_sums(x, blocks, sums);
    for (size_t r = row_begin; r < row_end; r++) {
        const uint8_t *p = (const uint8_t *)w + r * row_bytes;
        __m256 acc = _mm256_setzero_ps();
        float offset = 0;
        for (size_t b = 0; b < blocks; b++, p += 18) {
            float d = half_to_float(p);
            offset -= 8 * d * sums[b];
            acc = _mm256_fmadd_ps(_mm256_set1_ps(d), nibble_dot(p + 2, x + 32 * b), acc);
        }
        y[r] = hsum(acc) + offset;
    }
}

void pg_matvec_q8_0(const void *w, size_t cols, size_t row_begin, size_t row_end, const float *x, float *y) {
    const size_t blocks = cols / 32, row_bytes = blocks * 34;
    for (size_t r = row_begin; r < row_end; r++) {
        const uint8_t *p = (const uint8_t *)w + r * row_bytes;
        __m256 acc = _mm256_setzero_ps();
        for (size_t b = 0; b < blocks; b++, p += 34) {
            const float *xb = x + 32 * b;
            const int8_t *q = (const int8_t *)(p + 2);
            __m128i q0 = _mm_loadu_si128((const __m128i *)q), q1 = _mm_loadu_si128((const __m128i *)(q + 16));
            __m256 a = _mm256_mul_ps(_mm256_cvtepi32_ps(_mm256_cvtepi8_epi32(q0)), _mm256_loadu_ps(xb));
            __m256 c = _mm256_mul_ps(_mm256_cvtepi32_ps(_mm256_cvtepi8_epi32(_mm_srli_si128(q0, 8))),
                                     _mm256_loadu_ps(xb + 8));
            a = _mm256_fmadd_ps(_mm256_cvtepi32_ps(_mm256_cvtepi8_epi32(q1)), _mm256_loadu_ps(xb + 16), a);
            c = _mm256_fmadd_ps(_mm256_cvtepi32_ps(_mm256_cvtepi8_epi32(_mm_srli_si128(q1, 8))),
                                _mm256_loadu_ps(xb + 24), c);
            acc = _mm256_fmadd_ps(_mm256_set1_ps(half_to_float(p)), _mm256_add_ps(a, c), acc);
        }
        y[r] = hsum(acc);
    }
}
