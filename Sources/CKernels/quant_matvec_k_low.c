// AVX2/FMA/F16C decode kernels for the 2- and 3-bit K-quants with F32 activations, their only kernels (every mode,
// every CPU). Layouts (ggml-common.h): block_q2_K {u8 scales[16] (low nibble scale, high nibble min); u8 qs[64];
// f16 d, dmin}, block_q3_K {u8 hmask[32]; u8 qs[64]; u8 scales[12] (sixteen 6-bit); f16 d}. In both, sub-block j
// (16 values) is values [16j, 16j + 16): bit pair s (shift 2s) of byte l of half h's 32 quant bytes is value
// 128h + 32s + l (ggml's dequantize_row_q2_K / q3_K order).
#include "ckernels.h"
#include "block_common.h"
#include <immintrin.h>
#include <stdint.h>
#include <string.h>

// Σ of the 16 values at p (each sub-block's Σx, which Q2_K's min terms multiply).
static inline float sum16(const float *p) { return hsum(_mm256_add_ps(_mm256_loadu_ps(p), _mm256_loadu_ps(p + 8))); }

// acc += Σ over the 4 shifts s of one half, with v[s] the 32 values (signed bytes) of shift s and scale[2s], scale[2s+1]
// those of its two sub-blocks: two 8-lane FMA chains per sub-block, then one scaled FMA into acc.
static inline void half_dot(const int8_t v[4][32], const float *x, const float *scale, __m256 *acc) {
    for (int s = 0; s < 4; s++) {
        for (int g = 0; g < 2; g++) {
            const int8_t *q = v[s] + 16 * g;
            const float *xg = x + 32 * s + 16 * g;
            __m256 a = _mm256_mul_ps(_mm256_cvtepi32_ps(_mm256_cvtepi8_epi32(_mm_loadl_epi64((const __m128i *)q))),
                                     _mm256_loadu_ps(xg));
            __m256 b = _mm256_mul_ps(
                _mm256_cvtepi32_ps(_mm256_cvtepi8_epi32(_mm_loadl_epi64((const __m128i *)(q + 8)))),
                _mm256_loadu_ps(xg + 8));
            *acc = _mm256_fmadd_ps(_mm256_broadcast_ss(scale + 2 * s + g), _mm256_add_ps(a, b), *acc);
        }
    }
}

// One Q2_K super-block of one row against x[0..256) (xs: Σx of its 16 sub-blocks): value = d·sc_j·q − dmin·m_j,
// q in 0..3. acc += Σ d·sc_j·Σ q·x; off += dmin·m_j·xs_j (subtracted at the end).
static inline void q2k_block(const uint8_t *pb, const float *x, const float *xs, __m256 *acc, __m256 *off) {
    const __m256i two_bits = _mm256_set1_epi8(3);
    const __m128i packed = _mm_loadu_si128((const __m128i *)pb);
    const __m256 d = _mm256_set1_ps(half_at(pb + 80)), dmin = _mm256_set1_ps(half_at(pb + 82));
    const __m128i low = _mm_and_si128(packed, _mm_set1_epi8(0x0F));
    const __m128i high = _mm_and_si128(_mm_srli_epi16(packed, 4), _mm_set1_epi8(0x0F));
    float scale[16];
    _mm256_storeu_ps(scale, _mm256_mul_ps(d, _mm256_cvtepi32_ps(_mm256_cvtepu8_epi32(low))));
    _mm256_storeu_ps(scale + 8, _mm256_mul_ps(d, _mm256_cvtepi32_ps(_mm256_cvtepu8_epi32(_mm_srli_si128(low, 8)))));
    __m256 m0 = _mm256_cvtepi32_ps(_mm256_cvtepu8_epi32(high));
    __m256 m1 = _mm256_cvtepi32_ps(_mm256_cvtepu8_epi32(_mm_srli_si128(high, 8)));
    *off = _mm256_fmadd_ps(_mm256_mul_ps(dmin, m0), _mm256_loadu_ps(xs), *off);
    *off = _mm256_fmadd_ps(_mm256_mul_ps(dmin, m1), _mm256_loadu_ps(xs + 8), *off);
    for (int h = 0; h < 2; h++) {
        _Alignas(32) int8_t v[4][32];
        const __m256i q = _mm256_loadu_si256((const __m256i *)(pb + 16 + 32 * h));
        for (int s = 0; s < 4; s++)
            _mm256_store_si256((__m256i *)v[s], _mm256_and_si256(_mm256_srl_epi16(q, _mm_cvtsi32_si128(2 * s)), two_bits));
        half_dot((const int8_t(*)[32])v, x + 128 * h, scale + 8 * h, acc);
    }
}

// One Q3_K super-block of one row against x[0..256): value = d·(sc_j − 32)·(q − 4 + 4·high bit), q in 0..3, the high
// bit of value 32m + l being bit m of hmask[l]; the sixteen 6-bit scales have their low 4 bits in bytes 0-7 (nibble
// j / 8 of byte j % 8) and their top 2 bits in bytes 8-11 (pair j / 4 of byte 8 + j % 4).
static inline void q3k_block(const uint8_t *pb, const float *x, __m256 *acc) {
    const __m256i two_bits = _mm256_set1_epi8(3), one = _mm256_set1_epi8(1), four = _mm256_set1_epi8(4);
    const uint8_t *packed = pb + 96;
    uint8_t raw[16];
    for (int j = 0; j < 16; j++)
        raw[j] = (uint8_t)(((packed[j % 8] >> (4 * (j / 8))) & 0x0F) | (((packed[8 + j % 4] >> (2 * (j / 4))) & 3) << 4));
    const __m256 d = _mm256_set1_ps(half_at(pb + 108)), bias = _mm256_set1_ps(32.0f);
    const __m128i r = _mm_loadu_si128((const __m128i *)raw);
    float scale[16];
    _mm256_storeu_ps(scale, _mm256_mul_ps(d, _mm256_sub_ps(_mm256_cvtepi32_ps(_mm256_cvtepu8_epi32(r)), bias)));
    _mm256_storeu_ps(scale + 8,
                     _mm256_mul_ps(d, _mm256_sub_ps(_mm256_cvtepi32_ps(_mm256_cvtepu8_epi32(_mm_srli_si128(r, 8))), bias)));
    const __m256i hmask = _mm256_loadu_si256((const __m256i *)pb);
    for (int h = 0; h < 2; h++) {
        _Alignas(32) int8_t v[4][32];
        const __m256i q = _mm256_loadu_si256((const __m256i *)(pb + 32 + 32 * h));
        for (int s = 0; s < 4; s++) {
            __m256i low = _mm256_and_si256(_mm256_srl_epi16(q, _mm_cvtsi32_si128(2 * s)), two_bits);
            __m256i bit = _mm256_and_si256(_mm256_srl_epi16(hmask, _mm_cvtsi32_si128(4 * h + s)), one);
            _mm256_store_si256((__m256i *)v[s], _mm256_sub_epi8(_mm256_or_si256(low, _mm256_slli_epi16(bit, 2)), four));
        }
        half_dot((const int8_t(*)[32])v, x + 128 * h, scale + 8 * h, acc);
    }
}

void pg_matvec_q2_k(const void *w, size_t cols, size_t row_begin, size_t row_end, const float *x, float *y) {
    float xs[2 * MAX_BLOCKS]; /* Σx over each 16 values */
    for (size_t j = 0; j < cols / 16; j++) xs[j] = sum16(x + 16 * j);
#define Q2K_ROW_BLOCK(pb, b, acc, off) q2k_block(pb, x + 256 * (b), xs + 16 * (b), &(acc), &(off))
    K_ROWS4_KERNEL(84, Q2K_ROW_BLOCK)
#undef Q2K_ROW_BLOCK
}

void pg_matmat_q2_k(const void *w, size_t cols, size_t row_begin, size_t row_end, const float *x, size_t nx,
                    float *y, size_t ldy) {
    float xs[4][cols / 16]; /* Σx over each 16 values of the tile's four rows */
#define Q2K_PREPARE(t0)                                                                                   \
    for (int u = 0; u < 4; u++)                                                                           \
        for (size_t j = 0; j < cols / 16; j++) xs[u][j] = sum16(x + TILE_ROW(t0, u, nx) * cols + 16 * j);
#define Q2K_TILE_BLOCK(pb, b, acc, off, u) \
    q2k_block(pb, x + TILE_ROW(t, u, nx) * cols + 256 * (b), xs[u] + 16 * (b), &(acc), &(off))
#define Q2K_SINGLE(t0) pg_matvec_q2_k(w, cols, row_begin, row_end, x + (t0) * cols, y + (t0) * ldy)
    K_TILE_KERNEL(84, Q2K_PREPARE, Q2K_TILE_BLOCK, Q2K_SINGLE)
#undef Q2K_PREPARE
#undef Q2K_TILE_BLOCK
#undef Q2K_SINGLE
}

void pg_matvec_q3_k(const void *w, size_t cols, size_t row_begin, size_t row_end, const float *x, float *y) {
#define Q3K_ROW_BLOCK(pb, b, acc, off) q3k_block(pb, x + 256 * (b), &(acc))
    K_ROWS4_KERNEL(110, Q3K_ROW_BLOCK)
#undef Q3K_ROW_BLOCK
}

void pg_matmat_q3_k(const void *w, size_t cols, size_t row_begin, size_t row_end, const float *x, size_t nx,
                    float *y, size_t ldy) {
#define Q3K_PREPARE(t0) (void)(t0)
#define Q3K_TILE_BLOCK(pb, b, acc, off, u) q3k_block(pb, x + TILE_ROW(t, u, nx) * cols + 256 * (b), &(acc))
#define Q3K_SINGLE(t0) pg_matvec_q3_k(w, cols, row_begin, row_end, x + (t0) * cols, y + (t0) * ldy)
    K_TILE_KERNEL(110, Q3K_PREPARE, Q3K_TILE_BLOCK, Q3K_SINGLE)
#undef Q3K_PREPARE
#undef Q3K_TILE_BLOCK
#undef Q3K_SINGLE
}
