// Int8 decode of the K-quants (Q4_K, Q5_K, Q6_K) on the GEMM tile's arithmetic (gemm_vnni.c), with AVX-512 VNNI: a
// batched step packs sixteen weight rows per call (pg_pack_q4_k, pg_pack_q5_k, pg_pack_q6_k) and runs the prefill's
// tile on them; a single row runs the tile's operations (nt = 1) on the same values taken straight from the GGUF
// blocks, nothing stored. Integer sums are exact in any grouping and the float steps per sub-block are the tile's, in
// its order, so a row gets the same bits alone, in a batched step, or in a prompt's prefill GEMM (one-at-a-time and
// batched greedy decoding give the same tokens and hidden states). Before, batched K-quant steps ran the per-row AVX2
// kernels on four activation rows at a time, every product with its own float steps, and cost about what that many
// single steps cost.
#include "ckernels.h"
#include "block_common.h"
#include "decode_pool.h"
#include "k_tile.h"
#include <immintrin.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#pragma clang attribute push(__attribute__((target("avx512f,avx512bw,avx512vl,avx512vnni,avx512dq"))), apply_to = function)

// Sixteen Q4_K rows from `row` in pack16's nibble layout, one 32-value sub-block at a time, with sc = d · scale_j
// and of = dmin · min_j (weight = sc · u − of).
void pg_pack_q4_k(const void *w, size_t cols, size_t row, size_t rows, uint8_t *out, float *sc_, float *of_) {
    (void)sc_, (void)of_;  // (nibble layout: each block's scales follow its values)
    const size_t supers = cols / 256;
    const uint8_t *p[16];
    (void)rows16_at(w, supers * 144, row, rows, p);
    FOR_Q4K_SUBBLOCKS(p, supers, {
        uint8_t *block = out + nibble_block_bytes(1) * s;
        for (int g = 0; g < 4; g++)
            _mm512_store_si512(block + 64 * g, _mm512_or_si512(o[2 * g], _mm512_slli_epi16(o[2 * g + 1], 4)));
        _mm512_store_ps(block + 256, sc);
        _mm512_store_ps(block + 320, mn);
    })
}

// Sixteen Q5_K rows from `row` for the tile: a byte per value (0 … 31), 32-value sub-blocks with sc = d · scale_j
// and of = dmin · min_j (weight = sc · u − of), as the tile reads formats without a bias.
void pg_pack_q5_k(const void *w, size_t cols, size_t row, size_t rows, uint8_t *out, float *sc_, float *of_) {
    const size_t supers = cols / 256;
    const uint8_t *p[16];
    (void)rows16_at(w, supers * 176, row, rows, p);
    FOR_Q5K_SUBBLOCKS(p, supers, {
        for (int g = 0; g < 8; g++) _mm512_store_si512((__m512i *)(out + 512 * s) + g, o[g]);
        _mm512_storeu_ps(sc_ + 16 * s, sc);
        _mm512_storeu_ps(of_ + 16 * s, mn);
    })
}

// D activation rows (qx [D, cols], dx and sx [D, cols / 32]: one int8 row, or the three 24-bit digit rows of
// pg_quantize_q24) against Q4_K (five 0) or Q5_K (five 1) rows [row_begin, row_end), sixteen at a time, in one pass
// over the weights: the tile's operations (gemm_vnni.c, nt = 1, DG = D) on the values pg_pack_q4_k or pg_pack_q5_k
// would pack, taken straight from the GGUF blocks (nothing stored); three digit rows' sums meet in q24_combine.
static inline __attribute__((always_inline)) void k4_rows(const int five, const void *w, size_t cols,
                                                         size_t row_begin, size_t row_end, const int8_t *qx,
                                                         const float *dx, const float *sx, float *y, const int D) {
    const size_t supers = cols / 256, blocks = cols / 32, bb = five ? 176 : 144;
    for (size_t r = row_begin; r < row_end; r += 16) {
        const uint8_t *p[16];
        (void)rows16_at(w, supers * bb, r, row_end, p);
        __m512 f = _mm512_setzero_ps();
        FOR_K4_SUBBLOCKS(p, supers, bb, five, {  // s: also the activation block the sub-block meets
            __m512i acc[3] = {_mm512_setzero_si512(), _mm512_setzero_si512(), _mm512_setzero_si512()};
            for (int g = 0; g < 8; g++) rows_dot(acc, D, o[g], qx, cols, 32 * s + 4 * g);
            f = _mm512_fmadd_ps(sub_block_sum(acc, D), _mm512_mul_ps(sc, _mm512_set1_ps(dx[(D - 1) * blocks + s])), f);
            f = _mm512_fnmadd_ps(mn, _mm512_set1_ps(D == 1 ? sx[s] : q24_offset_sum(sx, blocks, s)), f);
        })
        store_rows16(y + r, row_end - r, f);
    }
}

void pg_matvec_q4_k_q8_tile(const void *w, size_t cols, size_t row_begin, size_t row_end, const int8_t *qx,
                            const float *dx, const float *sx, float *y) {
    k4_rows(0, w, cols, row_begin, row_end, qx, dx, sx, y, 1);
}

void pg_matvec_q4_k_q24(const void *w, size_t cols, size_t row_begin, size_t row_end, const int8_t *qx,
                        const float *dx, const float *sx, float *y) {
    k4_rows(0, w, cols, row_begin, row_end, qx, dx, sx, y, 3);
}

void pg_matvec_q5_k_q8_tile(const void *w, size_t cols, size_t row_begin, size_t row_end, const int8_t *qx,
                            const float *dx, const float *sx, float *y) {
    k4_rows(1, w, cols, row_begin, row_end, qx, dx, sx, y, 1);
}

void pg_matvec_q5_k_q24(const void *w, size_t cols, size_t row_begin, size_t row_end, const int8_t *qx,
                        const float *dx, const float *sx, float *y) {
    k4_rows(1, w, cols, row_begin, row_end, qx, dx, sx, y, 3);
}

// Sixteen Q6_K rows from `row` for the tile: a byte per value, 16-value sub-blocks with sc = d · scale_i (the bias 32
// is applied through the activation sums, so `of` is not written).
void pg_pack_q6_k(const void *w, size_t cols, size_t row, size_t rows, uint8_t *out, float *scales, float *of) {
    (void)of;
    const size_t supers = cols / 256;
    const uint8_t *p[16];
    const __m512i offs = rows16_at(w, supers * 210, row, rows, p);
    FOR_Q6K_CHUNKS(p, offs, supers, {
        for (int g = 0; g < 8; g++) _mm512_store_si512((__m512i *)(out + 512 * m) + g, o[g]);
        _mm512_storeu_ps(scales + 16 * (2 * m), sc[0]);
        _mm512_storeu_ps(scales + 16 * (2 * m + 1), sc[1]);
    })
}

// The same for Q6_K rows (S 16, bias 32: each sub-block's integer sum starts from −32 · Σ qx) on the values
// pg_pack_q6_k would pack.
static inline __attribute__((always_inline)) void q6k_rows(const void *w, size_t cols, size_t row_begin,
                                                          size_t row_end, const int8_t *qx, const float *dx, float *y,
                                                          const int D) {
    const size_t supers = cols / 256, blocks = cols / 32, nsub = cols / 16;
    int32_t local[3 * 1024], *start = nsub <= 1024 ? local : malloc(3 * nsub * sizeof(int32_t));
    if (!start) abort();
    for (int k = 0; k < D; k++) pg_q8_half_block_starts(qx + k * cols, blocks, 32, start + k * nsub);
    for (size_t r = row_begin; r < row_end; r += 16) {
        const uint8_t *p[16];
        const __m512i offs = rows16_at(w, supers * 210, r, row_end, p);
        __m512 f = _mm512_setzero_ps();
        FOR_Q6K_CHUNKS(p, offs, supers, {  // m: also the activation block the chunk meets
            for (int h = 0; h < 2; h++) {
                const size_t s = 2 * m + h;  // the 16-value sub-block
                __m512i acc[3];
                for (int k = 0; k < D; k++) acc[k] = _mm512_set1_epi32(start[k * nsub + s]);
                for (int g = 0; g < 4; g++) rows_dot(acc, D, o[4 * h + g], qx, cols, 16 * s + 4 * g);
                f = _mm512_fmadd_ps(sub_block_sum(acc, D), _mm512_mul_ps(sc[h], _mm512_set1_ps(dx[(D - 1) * blocks + m])),
                                    f);
            }
        })
        store_rows16(y + r, row_end - r, f);
    }
    if (start != local) free(start);
}

void pg_matvec_q6_k_q8_tile(const void *w, size_t cols, size_t row_begin, size_t row_end, const int8_t *qx,
                            const float *dx, float *y) {
    q6k_rows(w, cols, row_begin, row_end, qx, dx, y, 1);
}

void pg_matvec_q6_k_q24(const void *w, size_t cols, size_t row_begin, size_t row_end, const int8_t *qx,
                        const float *dx, const float *sx, float *y) {
    (void)sx;
    q6k_rows(w, cols, row_begin, row_end, qx, dx, y, 3);
}

#pragma clang attribute pop
