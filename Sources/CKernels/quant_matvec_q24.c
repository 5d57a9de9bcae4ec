// Decode in the default `quantized` mode on AVX-512 VNNI: float activations made exact integers. Each 32-value block
// of x becomes A = round(x / d), d the smallest power of two ≥ max|x| / (127 · 2¹⁶), so |A| ≤ 127 · 2¹⁶ (24 bits)
// and the error is at most d / 2 ≤ 2⁻²³ · max|x| (float32 resolves 2⁻²⁴ of the block's largest value). A is written
// as three signed 8-bit digits, A = a₂ · 2¹⁶ + a₁ · 2⁸ + a₀ (a₁, a₀ in −128 … 127). Each digit row is an int8
// activation row as the `quantizedInt8` mode's (pg_quantize_q8), with scale d · 2⁸ᵏ for aₖ, so the integer dot
// products run on VNNI (VPDPBUSD, Intel SDM: 64 multiply-adds per instruction) instead of widening every weight to
// float:
// - one sequence runs the int8 single-row kernels' operations on its three digit rows in one pass over the weights
//   (here the K-quants'; the 32-value formats' are in quant_matvec_q8_vnni.c). 1.5B decode: 8.7 → 17 tok/s against
//   the AVX-512 BF16 float kernels this replaced;
// - a batched step runs the int8 GEMM tile on each sequence's three digit rows (pg_gemm_q24_rows).
// Per sub-block the three digit rows' integer sums become one float sum (q24_combine, tile_common.h) scaled once, in
// the same operations in every kernel, so batched and single rows agree bit for bit, and the result differs from the
// float product by float rounding (relative ~1e-7). CPUs without VNNI keep the AVX2 float kernels (quant_matvec.c,
// quant_matvec_k.c).
#include "ckernels.h"
#include "block_common.h"
#include "decode_pool.h"
#include "k_tile.h"
#include <immintrin.h>
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#define Q24_MAX 8323072  // 127 · 2¹⁶

int pg_q24_supported(void) { return pg_have_q8_vnni(); }

#pragma clang attribute push(__attribute__((target("avx512f,avx512bw,avx512vl,avx512vnni,avx512dq"))), apply_to = function)

// The signed low byte of each lane (−128 … 127) and what is left above it, (v − digit) / 2⁸ (exact).
static inline __m512i low_digit(__m512i v, __m512i *rest) {
    const __m512i d = _mm512_sub_epi32(_mm512_and_si512(_mm512_add_epi32(v, _mm512_set1_epi32(128)),
                                                        _mm512_set1_epi32(255)),
                                       _mm512_set1_epi32(128));
    *rest = _mm512_srai_epi32(_mm512_sub_epi32(v, d), 8);
    return d;
}

// The smallest power of two ≥ v (v ≥ 0 and finite, or ∞): a scale by which multiplying is exact.
static inline float power_of_two_at_least(float v) {
    uint32_t bits;
    memcpy(&bits, &v, 4);
    if (bits & 0x7FFFFF) bits = (bits & 0x7F800000) + 0x800000;  // round the exponent up (∞ stays ∞)
    memcpy(&v, &bits, 4);
    return v;
}

void pg_quantize_q24(const float *x, size_t cols, int8_t *qx, float *dx, float *sx) {
    const size_t blocks = cols / 32;
    const __m512i top = _mm512_set1_epi32(Q24_MAX), bottom = _mm512_set1_epi32(-Q24_MAX);
    for (size_t b = 0; b < blocks; b++) {
        const __m512 v0 = _mm512_loadu_ps(x + 32 * b), v1 = _mm512_loadu_ps(x + 32 * b + 16);
        const float amax = _mm512_reduce_max_ps(_mm512_max_ps(_mm512_abs_ps(v0), _mm512_abs_ps(v1)));
        const int nan = _mm512_cmp_ps_mask(v0, v0, _CMP_UNORD_Q) | _mm512_cmp_ps_mask(v1, v1, _CMP_UNORD_Q);
        // A NaN or infinite value makes d NaN and every product of the block NaN. (With d = ∞, as until 2026-12-07,
        // the digit rows' separate float steps met 0 · ∞; q24_combine's one step can give ±∞ instead.)
        const float d = nan || amax == INFINITY ? __builtin_nanf("") : power_of_two_at_least(amax / (float)Q24_MAX);
        const float inv = d > 0 && d < INFINITY ? 1.0f / d : 0.0f;  // exact: x · inv rounds only to the integer
        const __m512 iv = _mm512_set1_ps(inv);
        __m512i a[2] = {_mm512_cvtps_epi32(_mm512_mul_ps(v0, iv)), _mm512_cvtps_epi32(_mm512_mul_ps(v1, iv))};
        __m512i digit[3][2];
        for (int h = 0; h < 2; h++) {
            __m512i v = _mm512_min_epi32(_mm512_max_epi32(a[h], bottom), top), rest;
            digit[2][h] = low_digit(v, &rest);
            digit[1][h] = low_digit(rest, &v);
            digit[0][h] = v;  // |v| ≤ 127
        }
        for (int k = 0; k < 3; k++) {  // row k: digit of weight 2^(8(2 − k))
            int8_t *q = qx + k * cols + 32 * b;
            _mm_storeu_si128((__m128i *)q, _mm512_cvtepi32_epi8(digit[k][0]));
            _mm_storeu_si128((__m128i *)(q + 16), _mm512_cvtepi32_epi8(digit[k][1]));
            const float dk = d * (float)(1 << (8 * (2 - k)));
            dx[k * blocks + b] = dk;
            sx[k * blocks + b] = dk * (float)_mm512_reduce_add_epi32(_mm512_add_epi32(digit[k][0], digit[k][1]));
        }
    }
}

void pg_matvec_q24(int type, const void *w, size_t cols, size_t row_begin, size_t row_end, const int8_t *qx,
                   const float *dx, const float *sx, float *y) {
    switch (type) {
    case PG_BLOCK_Q4_K: pg_matvec_q4_k_q24(w, cols, row_begin, row_end, qx, dx, sx, y); break;
    case PG_BLOCK_Q5_K: pg_matvec_q5_k_q24(w, cols, row_begin, row_end, qx, dx, sx, y); break;
    case PG_BLOCK_Q6_K: pg_matvec_q6_k_q24(w, cols, row_begin, row_end, qx, dx, sx, y); break;
    case PG_BLOCK_Q4_1: pg_matvec_q4_1_q24_vnni(w, cols, row_begin, row_end, qx, dx, sx, y); break;
    case PG_BLOCK_Q4_0: pg_matvec_q4_0_q24_vnni(w, cols, row_begin, row_end, qx, dx, sx, y); break;
    case PG_BLOCK_Q5_0: pg_matvec_q5_0_q24_vnni(w, cols, row_begin, row_end, qx, dx, sx, y); break;
    case PG_BLOCK_Q5_1: pg_matvec_q5_1_q24_vnni(w, cols, row_begin, row_end, qx, dx, sx, y); break;
    default: pg_matvec_q8_0_q24_vnni(w, cols, row_begin, row_end, qx, dx, sx, y); break;
    }
}

// nx activation rows' digit rows (qx [3·nx, cols], dx and sx [3·nx, cols / 32]): the int8 GEMM tile on each
// sequence's three digit rows (on the packed copy when there is one), whose sums per sub-block become one float step
// (q24_combine), as in the single-row kernels.
void pg_matmat_q24(int type, const void *w, const void *packed, size_t rows, size_t cols, size_t row_begin,
                   size_t row_end, const int8_t *qx, const float *dx, const float *sx, size_t nx, float *y,
                   size_t ldy) {
    if (packed != NULL && row_begin % 16 == 0)
        pg_gemm_q24_packed(type, packed, rows, cols, row_begin, row_end, qx, dx, sx, nx, y, ldy);
    else
        pg_gemm_q24_rows(type, w, cols, row_begin, row_end, qx, dx, sx, nx, y, ldy);
}

#pragma clang attribute pop
