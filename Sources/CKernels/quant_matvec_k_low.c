// AVX2/FMA/F16C decode kernels for the 2- and 3-bit K-quants: with F32 activations (the `quantized` mode, every CPU),
// and with the int8 activations of pg_quantize_q8 (the `quantizedInt8` mode; no 24-bit kernels, so `quantized` on
// AVX-512 VNNI reads F32 here too). Layouts (ggml-common.h): block_q2_K {u8 scales[16] (low nibble scale, high
// nibble min); u8 qs[64]; f16 d, dmin}, block_q3_K {u8 hmask[32]; u8 qs[64]; u8 scales[12] (sixteen 6-bit); f16 d}.
// In both, sub-block j (16 values) is values [16j, 16j + 16): bit pair s (shift 2s) of byte l of half h's 32 quant
// bytes is value 128h + 32s + l (ggml's dequantize_row_q2_K / q3_K order).
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
// The sixteen scales d·sc_j of a Q2_K super-block; off += dmin·m_j·xs_j (xs: Σx of each 16 values).
static inline void q2k_scales_offset(const uint8_t *pb, const float *xs, float scale[16], __m256 *off) {
    const __m128i packed = _mm_loadu_si128((const __m128i *)pb);
    const __m256 d = _mm256_set1_ps(half_at(pb + 80)), dmin = _mm256_set1_ps(half_at(pb + 82));
    const __m128i low = _mm_and_si128(packed, _mm_set1_epi8(0x0F));
    const __m128i high = _mm_and_si128(_mm_srli_epi16(packed, 4), _mm_set1_epi8(0x0F));
    _mm256_storeu_ps(scale, _mm256_mul_ps(d, _mm256_cvtepi32_ps(_mm256_cvtepu8_epi32(low))));
    _mm256_storeu_ps(scale + 8, _mm256_mul_ps(d, _mm256_cvtepi32_ps(_mm256_cvtepu8_epi32(_mm_srli_si128(low, 8)))));
    __m256 m0 = _mm256_cvtepi32_ps(_mm256_cvtepu8_epi32(high));
    __m256 m1 = _mm256_cvtepi32_ps(_mm256_cvtepu8_epi32(_mm_srli_si128(high, 8)));
    *off = _mm256_fmadd_ps(_mm256_mul_ps(dmin, m0), _mm256_loadu_ps(xs), *off);
    *off = _mm256_fmadd_ps(_mm256_mul_ps(dmin, m1), _mm256_loadu_ps(xs + 8), *off);
}

// Half h's 128 values q (0 … 3) of a Q2_K super-block as bytes, v[s][l] = value 32s + l.
static inline void q2k_half_values(const uint8_t *pb, int h, int8_t v[4][32]) {
    const __m256i q = _mm256_loadu_si256((const __m256i *)(pb + 16 + 32 * h));
    for (int s = 0; s < 4; s++)
        _mm256_storeu_si256((__m256i *)v[s],
                            _mm256_and_si256(_mm256_srl_epi16(q, _mm_cvtsi32_si128(2 * s)), _mm256_set1_epi8(3)));
}

static inline void q2k_block(const uint8_t *pb, const float *x, const float *xs, __m256 *acc, __m256 *off) {
    float scale[16];
    q2k_scales_offset(pb, xs, scale, off);
    for (int h = 0; h < 2; h++) {
        _Alignas(32) int8_t v[4][32];
        q2k_half_values(pb, h, v);
        half_dot((const int8_t(*)[32])v, x + 128 * h, scale + 8 * h, acc);
    }
}

// One Q3_K super-block of one row against x[0..256): value = d·(sc_j − 32)·(q − 4 + 4·high bit), q in 0..3, the high
// bit of value 32m + l being bit m of hmask[l]; the sixteen 6-bit scales have their low 4 bits in bytes 0-7 (nibble
// j / 8 of byte j % 8) and their top 2 bits in bytes 8-11 (pair j / 4 of byte 8 + j % 4).
// The sixteen scales d·(sc_j − 32) of a Q3_K super-block.
static inline void q3k_scales(const uint8_t *pb, float scale[16]) {
    const uint8_t *packed = pb + 96;
    uint8_t raw[16];
    for (int j = 0; j < 16; j++)
        raw[j] = (uint8_t)(((packed[j % 8] >> (4 * (j / 8))) & 0x0F) | (((packed[8 + j % 4] >> (2 * (j / 4))) & 3) << 4));
    const __m256 d = _mm256_set1_ps(half_at(pb + 108)), bias = _mm256_set1_ps(32.0f);
    const __m128i r = _mm_loadu_si128((const __m128i *)raw);
    _mm256_storeu_ps(scale, _mm256_mul_ps(d, _mm256_sub_ps(_mm256_cvtepi32_ps(_mm256_cvtepu8_epi32(r)), bias)));
    _mm256_storeu_ps(scale + 8,
                     _mm256_mul_ps(d, _mm256_sub_ps(_mm256_cvtepi32_ps(_mm256_cvtepu8_epi32(_mm_srli_si128(r, 8))), bias)));
}

// Half h's 128 values q − 4 + 4·high bit (−4 … 3) of a Q3_K super-block as signed bytes, v[s][l] = value 32s + l.
static inline void q3k_half_values(const uint8_t *pb, int h, int8_t v[4][32]) {
    const __m256i two_bits = _mm256_set1_epi8(3), one = _mm256_set1_epi8(1), four = _mm256_set1_epi8(4);
    const __m256i hmask = _mm256_loadu_si256((const __m256i *)pb);
    const __m256i q = _mm256_loadu_si256((const __m256i *)(pb + 32 + 32 * h));
    for (int s = 0; s < 4; s++) {
        __m256i low = _mm256_and_si256(_mm256_srl_epi16(q, _mm_cvtsi32_si128(2 * s)), two_bits);
        __m256i bit = _mm256_and_si256(_mm256_srl_epi16(hmask, _mm_cvtsi32_si128(4 * h + s)), one);
        _mm256_storeu_si256((__m256i *)v[s], _mm256_sub_epi8(_mm256_or_si256(low, _mm256_slli_epi16(bit, 2)), four));
    }
}

static inline void q3k_block(const uint8_t *pb, const float *x, __m256 *acc) {
    float scale[16];
    q3k_scales(pb, scale);
    for (int h = 0; h < 2; h++) {
        _Alignas(32) int8_t v[4][32];
        q3k_half_values(pb, h, v);
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

// --- int8 activations (pg_quantize_q8: per 32 values qx, dx = max|x| / 127). Activation block 4h + s of a super-block
// is the values v[s] of half h: its integer sums' lanes 0–3 (bytes 0–15) meet scale 2s of the half and lanes 4–7
// scale 2s + 1, each times dx (llama.cpp's vec_dot_q2_K_q8_K / q3_K_q8_K sums, per 32 values here).
static inline void half_dot_q8(const int8_t v[4][32], const int8_t *qx, const float *dx, const float *scale,
                               const int is_signed, __m256 *acc) {
    for (int s = 0; s < 4; s++) {
        const __m256i w = _mm256_loadu_si256((const __m256i *)v[s]);
        const __m256i x = _mm256_loadu_si256((const __m256i *)(qx + 32 * s));
        // Q3_K's values are signed (−4 … 3): |w| · (x with w's sign), as maddubs needs an unsigned left operand.
        const __m256i pairs = is_signed ? _mm256_maddubs_epi16(_mm256_sign_epi8(w, w), _mm256_sign_epi8(x, w))
                                        : _mm256_maddubs_epi16(w, x);
        const __m256 sum = _mm256_cvtepi32_ps(_mm256_madd_epi16(pairs, _mm256_set1_epi16(1)));
        const __m256 sc = _mm256_set_m128(_mm_set1_ps(scale[2 * s + 1]), _mm_set1_ps(scale[2 * s]));
        *acc = _mm256_fmadd_ps(_mm256_mul_ps(sc, _mm256_broadcast_ss(dx + s)), sum, *acc);
    }
}

// Σx̂ of each 16 activations, x̂ = dx · qx (Q2_K's min terms multiply it), for one activation row.
static inline void sums16_q8(const int8_t *qx, const float *dx, size_t cols, float *xs) {
    for (size_t j = 0; j < cols / 16; j++) {
        int sum = 0;
        for (int l = 0; l < 16; l++) sum += qx[16 * j + l];
        xs[j] = dx[j / 2] * (float)sum;
    }
}

static inline void q2k_q8_block(const uint8_t *pb, const int8_t *qx, const float *dx, const float *xs, __m256 *acc,
                                __m256 *off) {
    float scale[16];
    q2k_scales_offset(pb, xs, scale, off);
    for (int h = 0; h < 2; h++) {
        _Alignas(32) int8_t v[4][32];
        q2k_half_values(pb, h, v);
        half_dot_q8((const int8_t(*)[32])v, qx + 128 * h, dx + 4 * h, scale + 8 * h, 0, acc);
    }
}

static inline void q3k_q8_block(const uint8_t *pb, const int8_t *qx, const float *dx, __m256 *acc) {
    float scale[16];
    q3k_scales(pb, scale);
    for (int h = 0; h < 2; h++) {
        _Alignas(32) int8_t v[4][32];
        q3k_half_values(pb, h, v);
        half_dot_q8((const int8_t(*)[32])v, qx + 128 * h, dx + 4 * h, scale + 8 * h, 1, acc);
    }
}

void pg_matvec_q2_k_q8(const void *w, size_t cols, size_t row_begin, size_t row_end, const int8_t *qx,
                       const float *dx, const float *sx, float *y) {
    (void)sx;
    float xs[2 * MAX_BLOCKS];
    sums16_q8(qx, dx, cols, xs);
#define Q2K_Q8_BLOCK(pb, b, acc, off) q2k_q8_block(pb, qx + 256 * (b), dx + 8 * (b), xs + 16 * (b), &(acc), &(off))
    K_ROWS4_KERNEL(84, Q2K_Q8_BLOCK)
#undef Q2K_Q8_BLOCK
}

void pg_matmat_q2_k_q8(const void *w, size_t cols, size_t row_begin, size_t row_end, const int8_t *qx,
                       const float *dx, const float *sx, size_t nx, float *y, size_t ldy) {
    const size_t nb = cols / 32;
    float xs[4][cols / 16]; /* Σx̂ over each 16 values of the tile's four rows */
#define Q2K_Q8_PREPARE(t0)                                                                                    \
    for (int u = 0; u < 4; u++)                                                                               \
        sums16_q8(qx + TILE_ROW(t0, u, nx) * cols, dx + TILE_ROW(t0, u, nx) * nb, cols, xs[u]);
#define Q2K_Q8_TILE(pb, b, acc, off, u)                                                                       \
    q2k_q8_block(pb, qx + TILE_ROW(t, u, nx) * cols + 256 * (b), dx + TILE_ROW(t, u, nx) * nb + 8 * (b),          \
                 xs[u] + 16 * (b), &(acc), &(off))
#define Q2K_Q8_SINGLE(t0)                                                                                     \
    pg_matvec_q2_k_q8(w, cols, row_begin, row_end, qx + (t0) * cols, dx + (t0) * nb, sx + (t0) * nb, y + (t0) * ldy)
    K_TILE_KERNEL(84, Q2K_Q8_PREPARE, Q2K_Q8_TILE, Q2K_Q8_SINGLE)
#undef Q2K_Q8_PREPARE
#undef Q2K_Q8_TILE
#undef Q2K_Q8_SINGLE
}

void pg_matvec_q3_k_q8(const void *w, size_t cols, size_t row_begin, size_t row_end, const int8_t *qx,
                       const float *dx, const float *sx, float *y) {
    (void)sx;
#define Q3K_Q8_BLOCK(pb, b, acc, off) q3k_q8_block(pb, qx + 256 * (b), dx + 8 * (b), &(acc))
    K_ROWS4_KERNEL(110, Q3K_Q8_BLOCK)
#undef Q3K_Q8_BLOCK
}

void pg_matmat_q3_k_q8(const void *w, size_t cols, size_t row_begin, size_t row_end, const int8_t *qx,
                       const float *dx, const float *sx, size_t nx, float *y, size_t ldy) {
    const size_t nb = cols / 32;
#define Q3K_Q8_PREPARE(t0) (void)(t0)
#define Q3K_Q8_TILE(pb, b, acc, off, u)                                                                       \
    q3k_q8_block(pb, qx + TILE_ROW(t, u, nx) * cols + 256 * (b), dx + TILE_ROW(t, u, nx) * nb + 8 * (b), &(acc))
#define Q3K_Q8_SINGLE(t0)                                                                                     \
    pg_matvec_q3_k_q8(w, cols, row_begin, row_end, qx + (t0) * cols, dx + (t0) * nb, sx + (t0) * nb, y + (t0) * ldy)
    K_TILE_KERNEL(110, Q3K_Q8_PREPARE, Q3K_Q8_TILE, Q3K_Q8_SINGLE)
#undef Q3K_Q8_PREPARE
#undef Q3K_Q8_TILE
#undef Q3K_Q8_SINGLE
}
