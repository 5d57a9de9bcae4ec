// Decode kernels for weights stored as 16-bit floats: F16 (IEEE binary16, ggml type 1) and BF16 (bfloat16, ggml
// type 30), as convert_hf_to_gguf.py writes unquantised models. Each row is read in place from the GGUF mapping and
// widened to float32 eight values at a time (F16C's vcvtph2ps; BF16 is the high half of a float32), then multiplied
// with float32 activations: the dequantised-F32 product up to summation order, at 2 bytes per weight.
#include <immintrin.h>
#include <stdint.h>
#include "ckernels.h"

static inline __m256 widen_f16(const uint16_t *p) { return _mm256_cvtph_ps(_mm_loadu_si128((const __m128i *)p)); }

static inline __m256 widen_bf16(const uint16_t *p) {
    __m256i wide = _mm256_cvtepu16_epi32(_mm_loadu_si128((const __m128i *)p));
    return _mm256_castsi256_ps(_mm256_slli_epi32(wide, 16));
}

// The one reduction both kernels of a type end with: (a0 + a1) + (a2 + a3), then the 8 lanes.
static inline float reduce4(__m256 a0, __m256 a1, __m256 a2, __m256 a3) {
    __m256 s = _mm256_add_ps(_mm256_add_ps(a0, a1), _mm256_add_ps(a2, a3));
    __m128 h = _mm_add_ps(_mm256_castps256_ps128(s), _mm256_extractf128_ps(s, 1));
    h = _mm_add_ps(h, _mm_movehl_ps(h, h));
    h = _mm_add_ss(h, _mm_movehdup_ps(h));
    return _mm_cvtss_f32(h);
}

// One row against NT activation rows x_t = x + t·cols: per row of x, four accumulators over 32 values at a time
// (the matvec kernel's operations in its order, so every result equals it bit for bit).
#define HALF_ROW_TILE(NAME, WIDEN)                                                                                  \
    static inline __attribute__((always_inline)) void NAME##_tile(const uint16_t *row, size_t cols, const float *x,  \
                                                                   int nt, float *y, size_t ldy) {                 \
        __m256 acc[4][4];                                                                                          \
        for (int t = 0; t < nt; t++)                                                                               \
            for (int k = 0; k < 4; k++) acc[t][k] = _mm256_setzero_ps();                                           \
        for (size_t i = 0; i < cols; i += 32) {                                                                    \
            for (int k = 0; k < 4; k++) {                                                                          \
                __m256 wk = WIDEN(row + i + 8 * k);                                                                \
                for (int t = 0; t < nt; t++)                                                                       \
                    acc[t][k] = _mm256_fmadd_ps(wk, _mm256_loadu_ps(x + t * cols + i + 8 * k), acc[t][k]);         \
            }                                                                                                      \
        }                                                                                                          \
        for (int t = 0; t < nt; t++) y[t * ldy] = reduce4(acc[t][0], acc[t][1], acc[t][2], acc[t][3]);             \
    }

// pg_matvec_NAME and pg_matmat_NAME (ckernels.h); cols is a multiple of 32.
#define HALF_KERNELS(NAME, WIDEN)                                                                                  \
    HALF_ROW_TILE(NAME, WIDEN)                                                                                     \
    void pg_matvec_##NAME(const void *w, size_t cols, size_t row_begin, size_t row_end, const float *x, float *y) { \
        for (size_t r = row_begin; r < row_end; r++) NAME##_tile((const uint16_t *)w + r * cols, cols, x, 1, y + r, 1); \
    }                                                                                                              \
    void pg_matmat_##NAME(const void *w, size_t cols, size_t row_begin, size_t row_end, const float *x, size_t nx,  \
                          float *y, size_t ldy) {                                                                  \
        for (size_t r = row_begin; r < row_end; r++) {                                                             \
            const uint16_t *row = (const uint16_t *)w + r * cols;                                                  \
            size_t t = 0;                                                                                          \
            for (; t + 4 <= nx; t += 4) NAME##_tile(row, cols, x + t * cols, 4, y + t * ldy + r, ldy);             \
            switch (nx - t) {                                                                                      \
            case 3: NAME##_tile(row, cols, x + t * cols, 3, y + t * ldy + r, ldy); break;                          \
            case 2: NAME##_tile(row, cols, x + t * cols, 2, y + t * ldy + r, ldy); break;                          \
            case 1: NAME##_tile(row, cols, x + t * cols, 1, y + t * ldy + r, ldy); break;                          \
            default: break;                                                                                        \
            }                                                                                                      \
        }                                                                                                          \
    }

HALF_KERNELS(f16, widen_f16)
HALF_KERNELS(bf16, widen_bf16)
