// Int8-activation products on K-quant super-blocks (see include/ckernels.h): the integer sums of llama.cpp's
// vec_dot_q4_K_q8_K / q5_K_q8_K / q6_K_q8_K, but against the 32-value int8 activation blocks of pg_quantize_q8 (the same
// activations every other format of a batch reads; finer scales than Q8_K's one per 256). Each 32-value
// activation block is one integer maddubs/madd sum, converted to float and scaled by weight scale × dx.
// Layouts (ggml-common.h): block_q4_K {f16 d, dmin; u8 scales[12]; u8 qs[128]}, block_q5_K {the same with u8 qh[32]
// before qs: bit 2k / 2k + 1 of qh[l] is the fifth bit of value l of sub-block 2k / 2k + 1},
// block_q6_K {u8 ql[128]; u8 qh[64]; i8 scales[16]; f16 d}. These AVX2 kernels serve CPUs without AVX-512 VNNI;
// with it, every entry point below runs the GEMM tile's arithmetic instead (quant_matvec_k_tile.c).
#include "ckernels.h"
#include "block_common.h"
#include "decode_pool.h"
#include <immintrin.h>
#include <stdint.h>
#include <string.h>

// Σ of 32 unsigned weight bytes × 32 signed int8 activations, as 8 int32 lanes (lane i: bytes 4i..4i+3).
static inline __m256i bytes_times_q8(__m256i w, __m256i x) {
    return _mm256_madd_epi16(_mm256_maddubs_epi16(w, x), _mm256_set1_epi16(1));
}

// One Q4_K (five 0) or Q5_K (five 1) super-block (layouts in quant_matvec_k.c) against activation blocks
// qx[0..256), dx[0..8), sx[0..8): acc += Σ_j d·scale_j·dx_j·(Σ q·qx); off += dmin·min_j·sx_j (subtracted at the end).
static inline __attribute__((always_inline)) void k4_q8_block(const int five, const uint8_t *pb, const int8_t *qx,
                                                             const float *dx, const float *sx, __m256 *acc,
                                                             __m256 *off) {
    const __m256i nibble = _mm256_set1_epi8(0x0F);
    __m256 scales, mins;
    q4k_scales_mins(pb + 4, &scales, &mins);
    *off = _mm256_fmadd_ps(_mm256_mul_ps(_mm256_set1_ps(half_at(pb + 2)), mins), _mm256_loadu_ps(sx), *off);
    float s[8];
    _mm256_storeu_ps(s, _mm256_mul_ps(_mm256_mul_ps(_mm256_set1_ps(half_at(pb)), scales), _mm256_loadu_ps(dx)));
    const uint8_t *q = pb + (five ? 48 : 16);
    const __m256i qh = five ? _mm256_loadu_si256((const __m256i *)(pb + 16)) : _mm256_setzero_si256();
    for (int pair = 0; pair < 4; pair++) {
        __m256i bytes = _mm256_loadu_si256((const __m256i *)(q + 32 * pair));
        __m256i lo = _mm256_and_si256(bytes, nibble), hi = _mm256_and_si256(_mm256_srli_epi16(bytes, 4), nibble);
        if (five) {  // bit 2·pair (and 2·pair + 1) of each high-bit byte, moved to bit 4 (no carry across bytes)
            const __m256i one = _mm256_set1_epi8(1);
            lo = _mm256_or_si256(lo, _mm256_slli_epi16(_mm256_and_si256(_mm256_srli_epi16(qh, 2 * pair), one), 4));
            hi = _mm256_or_si256(hi, _mm256_slli_epi16(_mm256_and_si256(_mm256_srli_epi16(qh, 2 * pair + 1), one), 4));
        }
        __m256i x0 = _mm256_loadu_si256((const __m256i *)(qx + 64 * pair));
        __m256i x1 = _mm256_loadu_si256((const __m256i *)(qx + 64 * pair + 32));
        *acc = _mm256_fmadd_ps(_mm256_broadcast_ss(s + 2 * pair), _mm256_cvtepi32_ps(bytes_times_q8(lo, x0)), *acc);
        *acc = _mm256_fmadd_ps(_mm256_broadcast_ss(s + 2 * pair + 1), _mm256_cvtepi32_ps(bytes_times_q8(hi, x1)), *acc);
    }
}

// One Q6_K super-block (layout in quant_matvec_k.c) against qx[0..256), dx[0..8): activation block m (values
// 32m..32m+31) meets the 16-value scales 2m and 2m+1. (q − 32)·x is summed in int16 pairs as
// maddubs(q, x) − maddubs(32, x) (|pair| ≤ 16002, no saturation), then lanes 0-3 take scale 2m, lanes 4-7 2m+1.
static inline void q6k_q8_block(const uint8_t *pb, const int8_t *qx, const float *dx, __m256 *acc) {
    const __m256i bias = _mm256_set1_epi8(32);
    const __m256i ones = _mm256_set1_epi16(1);
    // Scales as floats times d, and each activation block's dx spread over the lanes of its two scales.
    __m256 s[2];
    q6k_scales_times_d(pb, s);
    for (int n = 0; n < 2; n++) {
        const __m256 sh = s[n];
        __m256i q[4];
        q6k_unpack_half(pb, n, q);
        for (int k = 0; k < 4; k++) {
            const int m = 4 * n + k;
            __m256i x = _mm256_loadu_si256((const __m256i *)(qx + 32 * m));
            __m256i p16 = _mm256_sub_epi16(_mm256_maddubs_epi16(q[k], x), _mm256_maddubs_epi16(bias, x));
            __m256 sum = _mm256_cvtepi32_ps(_mm256_madd_epi16(p16, ones));
            // (scale 2k, ×4 | scale 2k+1, ×4) of this half, times dx of block m.
            __m256i pick = _mm256_setr_epi32(2 * k, 2 * k, 2 * k, 2 * k, 2 * k + 1, 2 * k + 1, 2 * k + 1, 2 * k + 1);
            __m256 scale = _mm256_mul_ps(_mm256_permutevar8x32_ps(sh, pick), _mm256_broadcast_ss(dx + m));
            *acc = _mm256_fmadd_ps(scale, sum, *acc);
        }
    }
}

// Q4_K (five 0) or Q5_K (five 1) rows against one int8 activation row.
static inline __attribute__((always_inline)) void k4_matvec_q8(const int five, const void *w, size_t cols,
                                                              size_t row_begin, size_t row_end, const int8_t *qx,
                                                              const float *dx, const float *sx, float *y) {
    if (pg_have_q8_vnni()) {
        if (five) pg_matvec_q5_k_q8_tile(w, cols, row_begin, row_end, qx, dx, sx, y);
        else pg_matvec_q4_k_q8_tile(w, cols, row_begin, row_end, qx, dx, sx, y);
        return;
    }
#define K4_Q8_BLOCK(pb, b, acc, off) k4_q8_block(five, pb, qx + 256 * (b), dx + 8 * (b), sx + 8 * (b), &(acc), &(off))
    K_ROWS4_KERNEL(five ? 176 : 144, K4_Q8_BLOCK)
#undef K4_Q8_BLOCK
}

void pg_matvec_q4_k_q8(const void *w, size_t cols, size_t row_begin, size_t row_end,
                       const int8_t *qx, const float *dx, const float *sx, float *y) {
    k4_matvec_q8(0, w, cols, row_begin, row_end, qx, dx, sx, y);
}

void pg_matvec_q5_k_q8(const void *w, size_t cols, size_t row_begin, size_t row_end,
                       const int8_t *qx, const float *dx, const float *sx, float *y) {
    k4_matvec_q8(1, w, cols, row_begin, row_end, qx, dx, sx, y);
}

void pg_matvec_q6_k_q8(const void *w, size_t cols, size_t row_begin, size_t row_end,
                       const int8_t *qx, const float *dx, const float *sx, float *y) {
    (void)sx;
    if (pg_have_q8_vnni()) {
        pg_matvec_q6_k_q8_tile(w, cols, row_begin, row_end, qx, dx, y);
        return;
    }
#define Q6K_Q8_BLOCK(pb, b, acc, off) q6k_q8_block(pb, qx + 256 * (b), dx + 8 * (b), &(acc))
    K_ROWS4_KERNEL(210, Q6K_Q8_BLOCK)
#undef Q6K_Q8_BLOCK
}

// Batched decode with int8 activations (see K_TILE_KERNEL): qx [nx, cols], dx and sx [nx, cols / 32],
// y[t·ldy + r]; equal bit for bit to pg_matvec_q4_k_q8 / q5_k_q8 / q6_k_q8 per row.
static inline __attribute__((always_inline)) void k4_matmat_q8(const int five, const void *w, size_t cols,
                                                              size_t row_begin, size_t row_end, const int8_t *qx,
                                                              const float *dx, const float *sx, size_t nx, float *y,
                                                              size_t ldy) {
    if (pg_have_q8_vnni()) {
        if (nx > 1)
            pg_gemm_q8_rows(five ? PG_BLOCK_Q5_K : PG_BLOCK_Q4_K, w, cols, row_begin, row_end, qx, dx, sx, nx, y, ldy);
        else k4_matvec_q8(five, w, cols, row_begin, row_end, qx, dx, sx, y);
        return;
    }
    const size_t nb = cols / 32;
#define K4_PREPARE(t0) (void)(t0)
#define K4_Q8_TILE(pb, b, acc, off, u)                                                                    \
    k4_q8_block(five, pb, qx + TILE_ROW(t, u, nx) * cols + 256 * (b), dx + TILE_ROW(t, u, nx) * nb + 8 * (b),    \
                sx + TILE_ROW(t, u, nx) * nb + 8 * (b), &(acc), &(off))
#define K4_SINGLE(t0) k4_matvec_q8(five, w, cols, row_begin, row_end, qx + (t0) * cols, dx + (t0) * nb, sx + (t0) * nb, y + (t0) * ldy)
    K_TILE_KERNEL(five ? 176 : 144, K4_PREPARE, K4_Q8_TILE, K4_SINGLE)
#undef K4_PREPARE
#undef K4_Q8_TILE
#undef K4_SINGLE
}

void pg_matmat_q4_k_q8(const void *w, size_t cols, size_t row_begin, size_t row_end, const int8_t *qx,
                       const float *dx, const float *sx, size_t nx, float *y, size_t ldy) {
    k4_matmat_q8(0, w, cols, row_begin, row_end, qx, dx, sx, nx, y, ldy);
}

void pg_matmat_q5_k_q8(const void *w, size_t cols, size_t row_begin, size_t row_end, const int8_t *qx,
                       const float *dx, const float *sx, size_t nx, float *y, size_t ldy) {
    k4_matmat_q8(1, w, cols, row_begin, row_end, qx, dx, sx, nx, y, ldy);
}

void pg_matmat_q6_k_q8(const void *w, size_t cols, size_t row_begin, size_t row_end, const int8_t *qx,
                       const float *dx, const float *sx, size_t nx, float *y, size_t ldy) {
    if (pg_have_q8_vnni()) {
        if (nx > 1) pg_gemm_q8_rows(PG_BLOCK_Q6_K, w, cols, row_begin, row_end, qx, dx, sx, nx, y, ldy);
        else pg_matvec_q6_k_q8_tile(w, cols, row_begin, row_end, qx, dx, y);
        return;
    }
    const size_t nb = cols / 32;
#define Q6K_PREPARE(t0) (void)(t0)
#define Q6K_Q8_TILE(pb, b, acc, off, u) q6k_q8_block(pb, qx + TILE_ROW(t, u, nx) * cols + 256 * (b), dx + TILE_ROW(t, u, nx) * nb + 8 * (b), &(acc))
#define Q6K_SINGLE(t0) pg_matvec_q6_k_q8(w, cols, row_begin, row_end, qx + (t0) * cols, dx + (t0) * nb, sx + (t0) * nb, y + (t0) * ldy)
    K_TILE_KERNEL(210, Q6K_PREPARE, Q6K_Q8_TILE, Q6K_SINGLE)
#undef Q6K_PREPARE
#undef Q6K_Q8_TILE
#undef Q6K_SINGLE
}
