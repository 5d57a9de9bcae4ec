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

// Σ of 32 unsigned nibble values × 32 signed int8, as 8 int32 lanes converted to float.
static inline __m256 nibbles_times_q8(const uint8_t *qs, const int8_t *x) {
    const __m128i mask = _mm_set1_epi8(0x0F);
    __m128i q = _mm_loadu_si128((const __m128i *)qs);
    __m256i w = _mm256_set_m128i(_mm_and_si128(_mm_srli_epi16(q, 4), mask), _mm_and_si128(q, mask));
    __m256i p16 = _mm256_maddubs_epi16(w, _mm256_loadu_si256((const __m256i *)x));
    return _mm256_cvtepi32_ps(_mm256_madd_epi16(p16, _mm256_set1_epi16(1)));
}

void pg_matvec_q4_1_q8(const void *w, size_t cols, size_t row_begin, size_t row_end,
                       const int8_t *qx, const float *dx, const float *sx, float *y) {
    const size_t blocks = cols / 32, row_bytes = blocks * 20;
    for (size_t r = row_begin; r < row_end; r++) {
        const uint8_t *p = (const uint8_t *)w + r * row_bytes;
        __m256 acc = _mm256_setzero_ps();
        float offset = 0;
        for (size_t b = 0; b < blocks; b++, p += 20) {
            acc = _mm256_fmadd_ps(_mm256_set1_ps(half_to_float_q8(p) * dx[b]), nibbles_times_q8(p + 4, qx + 32 * b), acc);
            offset += half_to_float_q8(p + 2) * sx[b];
        }
        y[r] = hsum8(acc) + offset;
    }
}

void pg_matvec_q4_0_q8(const void *w, size_t cols, size_t row_begin, size_t row_end,
                       const int8_t *qx, const float *dx, const float *sx, float *y) {
    const size_t blocks = cols / 32, row_bytes = blocks * 18;
    for (size_t r = row_begin; r < row_end; r++) {
        const uint8_t *p = (const uint8_t *)w + r * row_bytes;
        __m256 acc = _mm256_setzero_ps();
        float offset = 0;
        for (size_t b = 0; b < blocks; b++, p += 18) {
            float d = half_to_float_q8(p);
            acc = _mm256_fmadd_ps(_mm256_set1_ps(d * dx[b]), nibbles_times_q8(p + 2, qx + 32 * b), acc);
            offset -= 8 * d * sx[b];
        }
        y[r] = hsum8(acc) + offset;
    }
}

void pg_matvec_q8_0_q8(const void *w, size_t cols, size_t row_begin, size_t row_end,
                       const int8_t *qx, const float *dx, const float *sx, float *y) {
    (void)sx;
    const size_t blocks = cols / 32, row_bytes = blocks * 34;
    for (size_t r = row_begin; r < row_end; r++) {
        const uint8_t *p = (const uint8_t *)w + r * row_bytes;
        __m256 acc = _mm256_setzero_ps();
        for (size_t b = 0; b < blocks; b++, p += 34) {
            __m256i wq = _mm256_loadu_si256((const __m256i *)(p + 2));
            __m256i xq = _mm256_loadu_si256((const __m256i *)(qx + 32 * b));
            // |w| · (x with w's sign): maddubs needs an unsigned left operand.
            __m256i p16 = _mm256_maddubs_epi16(_mm256_sign_epi8(wq, wq), _mm256_sign_epi8(xq, wq));
            __m256 f = _mm256_cvtepi32_ps(_mm256_madd_epi16(p16, _mm256_set1_epi16(1)));
            acc = _mm256_fmadd_ps(_mm256_set1_ps(half_to_float_q8(p) * dx[b]), f, acc);
        }
        y[r] = hsum8(acc);
    }
}
