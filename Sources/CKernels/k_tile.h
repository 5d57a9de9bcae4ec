// The K-quants (Q4_K, Q5_K, Q6_K) read sixteen rows at a time in the GEMM tile's layout (tile_common.h), shared by the
// int8 kernels and the 24-bit ones (quant_matvec_k_tile.c). Layouts in quant_matvec_k.c.
#ifndef PG_K_TILE_H
#define PG_K_TILE_H
#include "block_common.h"
#include "tile_common.h"
#include <immintrin.h>
#include <stdint.h>
#include <string.h>

#pragma clang attribute push(__attribute__((target("avx512f,avx512bw,avx512vl,avx512vnni,avx512dq"))), apply_to = function)

// The first sixteen bytes at `at` of each of sixteen rows as four vectors, t[k] lane i: dword k of row i (four
// 128-bit loads per vector and a 4 × 4 dword transpose in each 128-bit lane; v[g] holds rows g, g + 4, g + 8, g + 12 so
// that the transpose leaves row i in lane i). Four gathers did this before and waited on their sixteen loads each.
static inline void headers16(const uint8_t *const p[16], size_t at, __m512i *t0, __m512i *t1, __m512i *t2,
                             __m512i *t3) {
    __m512i v[4];
    for (int g = 0; g < 4; g++) {
        v[g] = _mm512_castsi128_si512(_mm_loadu_si128((const __m128i *)(p[g] + at)));
        v[g] = _mm512_inserti32x4(v[g], _mm_loadu_si128((const __m128i *)(p[g + 4] + at)), 1);
        v[g] = _mm512_inserti32x4(v[g], _mm_loadu_si128((const __m128i *)(p[g + 8] + at)), 2);
        v[g] = _mm512_inserti32x4(v[g], _mm_loadu_si128((const __m128i *)(p[g + 12] + at)), 3);
    }
    const __m512i a0 = _mm512_unpacklo_epi32(v[0], v[1]), a1 = _mm512_unpackhi_epi32(v[0], v[1]);
    const __m512i a2 = _mm512_unpacklo_epi32(v[2], v[3]), a3 = _mm512_unpackhi_epi32(v[2], v[3]);
    *t0 = _mm512_unpacklo_epi64(a0, a2);
    *t1 = _mm512_unpackhi_epi64(a0, a2);
    *t2 = _mm512_unpacklo_epi64(a1, a3);
    *t3 = _mm512_unpackhi_epi64(a1, a3);
}

// d · scale_j and dmin · min_j (j = 0 … 7) of sixteen Q4_K super-blocks whose headers are in lanes (lane i: h = f16
// d | f16 dmin << 16, w0, w1, w2 = the twelve scale bytes), decoded as q4k_scales_mins does per row, times d and
// dmin: the tile's sc and of.
static inline void q4k_scales_of(__m512i h, __m512i w0, __m512i w1, __m512i w2, __m512 sc[8], __m512 mn[8]) {
    const __m512 d = _mm512_cvtph_ps(_mm512_cvtepi32_epi16(h));
    const __m512 dmin = _mm512_cvtph_ps(_mm512_cvtepi32_epi16(_mm512_srli_epi32(h, 16)));
    const __m512i m6 = _mm512_set1_epi32(63), m4 = _mm512_set1_epi32(15), m2 = _mm512_set1_epi32(3);
    for (int j = 0; j < 4; j++) {  // scale j: low 6 bits of byte j; min j: of byte j + 4
        const __m512i s = _mm512_and_si512(_mm512_srli_epi32(w0, 8 * j), m6);
        const __m512i m = _mm512_and_si512(_mm512_srli_epi32(w1, 8 * j), m6);
        sc[j] = _mm512_mul_ps(d, _mm512_cvtepi32_ps(s));
        mn[j] = _mm512_mul_ps(dmin, _mm512_cvtepi32_ps(m));
    }
    for (int j = 0; j < 4; j++) {  // scale j + 4: nibbles of byte j + 8, top bits from the top of bytes j and j + 4
        const __m512i b8 = _mm512_srli_epi32(w2, 8 * j);
        const __m512i s = _mm512_or_si512(_mm512_and_si512(b8, m4),
                                          _mm512_slli_epi32(_mm512_and_si512(_mm512_srli_epi32(w0, 8 * j + 6), m2), 4));
        const __m512i m = _mm512_or_si512(_mm512_and_si512(_mm512_srli_epi32(b8, 4), m4),
                                          _mm512_slli_epi32(_mm512_and_si512(_mm512_srli_epi32(w1, 8 * j + 6), m2), 4));
        sc[j + 4] = _mm512_mul_ps(d, _mm512_cvtepi32_ps(s));
        mn[j + 4] = _mm512_mul_ps(dmin, _mm512_cvtepi32_ps(m));
    }
}

// q4k_scales_of for one Q4_K super-block of sixteen rows (lane i: the block at p[i] + at; layout in
// quant_matvec_k.c). Its sixteen-byte headers come through headers16: with four gathers (until 2026-12-07, thirtieth
// session) 12% of the one-sequence kernel's samples waited on them; 1.5B decode, 2 × 5 alternating rounds,
// `quantized` 23.3 / 23.5 → 24.4 / 24.5 tok/s (medians), `quantizedInt8` level (27.1 / 27.4 → 25.9 / 27.4).
static inline void q4k_scales16(const uint8_t *const p[16], size_t at, __m512 sc[8], __m512 mn[8]) {
    __m512i h, w0, w1, w2;  // f16 d | f16 dmin << 16, then the twelve scale bytes, lane i: row i
    headers16(p, at, &h, &w0, &w1, &w2);
    q4k_scales_of(h, w0, w1, w2, sc, mn);
}

// Sixteen rows from `row` of a matrix of rb-byte rows (rows past `rows` repeat the last one): row pointers and their
// byte offsets from the first.
static inline __m512i rows16_at(const void *w, size_t rb, size_t row, size_t rows, const uint8_t *p[16]) {
    int32_t off[16];
    for (int i = 0; i < 16; i++) {
        const size_t r = row + i < rows ? i : rows - 1 - row;
        p[i] = (const uint8_t *)w + (row + r) * rb;
        off[i] = (int32_t)(r * rb);
    }
    return _mm512_loadu_si512(off);
}

// Pair k of a super-block's nibbles (sub-blocks 2k, 2k + 1 as low and high nibbles of the same 32 bytes at `at`) of
// sixteen rows as transpose_groups' input: lo[r], hi[r] hold rows r and r + 8. Q5_K (five): value l of the two
// sub-blocks also takes bits 2k and 2k + 1 of byte l of the 32 high-bit bytes at `hat` as its fifth bit (ggml's
// dequantize_row_q5_K). (Until 2026-12-07 each row was prefetched 1024 bytes ahead here; FOR_K4_SUBBLOCKS now
// prefetches the next sixteen rows linearly instead.)
static inline __attribute__((always_inline)) void k4_pair16(const uint8_t *const p[16], size_t at, const int five,
                                                           size_t hat, int k, __m512i lo[8], __m512i hi[8]) {
    for (int r = 0; r < 8; r++) {
        const __m512i a = halves(_mm256_loadu_si256((const __m256i *)(p[r] + at)),
                                 _mm256_loadu_si256((const __m256i *)(p[r + 8] + at)));
        lo[r] = _mm512_and_si512(a, _mm512_set1_epi8(0x0F));
        hi[r] = _mm512_and_si512(_mm512_srli_epi16(a, 4), _mm512_set1_epi8(0x0F));
        if (five) {
            const __m512i h = halves(_mm256_loadu_si256((const __m256i *)(p[r] + hat)),
                                     _mm256_loadu_si256((const __m256i *)(p[r + 8] + hat)));
            const __m512i sixteen = _mm512_set1_epi8(16);
            lo[r] = _mm512_mask_add_epi8(lo[r], _mm512_test_epi8_mask(h, _mm512_set1_epi8((char)(1 << (2 * k)))),
                                         lo[r], sixteen);
            hi[r] = _mm512_mask_add_epi8(hi[r], _mm512_test_epi8_mask(h, _mm512_set1_epi8((char)(2 << (2 * k)))),
                                         hi[r], sixteen);
        }
    }
}

// For each 32-value sub-block of sixteen Q4_K (BB 144, FIVE 0) or Q5_K (BB 176, FIVE 1) rows (p from rows16_at,
// `supers` super-blocks per row), the statements after the macro's arguments run with s (the sub-block's index in
// the row), o[8] (its values in transpose_groups' layout) and sc, mn (d · scale and dmin · min of its sixteen rows). The two formats share the header (d, dmin, twelve bytes of scales and mins); Q5_K's 32 high-bit
// bytes sit between it and the nibbles.
#define FOR_K4_SUBBLOCKS(p, supers, BB, FIVE, ...)                                                        \
    for (size_t sb_ = 0; sb_ < (supers); sb_++) {                                                         \
        __m512 scale_[8], min_[8];                                                                        \
        q4k_scales16((p), (BB) * sb_, scale_, min_);                                                      \
        for (int k_ = 0; k_ < 4; k_++) {                                                                  \
            __m512i z_[2][8];                                                                             \
            prefetch_next16_l2((p)[0], 16 * (BB) * (supers), (4 * sb_ + k_) * 4 * (BB), 4 * (BB));         \
            k4_pair16((p), (BB) * sb_ + ((FIVE) ? 48 : 16) + 32 * k_, (FIVE), (BB) * sb_ + 16, k_, z_[0],   \
                      z_[1]);                                                                             \
            for (int h_ = 0; h_ < 2; h_++) {                                                              \
                const size_t s = 8 * sb_ + 2 * k_ + h_;                                                   \
                const __m512 sc = scale_[2 * k_ + h_], mn = min_[2 * k_ + h_];                            \
                __m512i o[8];                                                                             \
                transpose_groups(z_[h_], o);                                                              \
                __VA_ARGS__                                                                               \
            }                                                                                             \
        }                                                                                                 \
    }
#define FOR_Q4K_SUBBLOCKS(p, supers, ...) FOR_K4_SUBBLOCKS(p, supers, 144, 0, __VA_ARGS__)
#define FOR_Q5K_SUBBLOCKS(p, supers, ...) FOR_K4_SUBBLOCKS(p, supers, 176, 1, __VA_ARGS__)

// d · scale_i (i = 0 … 15) of one Q6_K super-block of sixteen rows (lane i: the block at base + offs[i]; layout in
// quant_matvec_k.c: int8 scales at 192, f16 d at 208), as q6k_scales_times_d computes them per row: the tile's sc.
// (Its four scale gathers through headers16 instead measured level: 22.6 against 23.5 tok/s default, 25.6 against
// 26.1 int8, 5 alternating rounds.)
static inline void q6k_scales16(const uint8_t *base, __m512i offs, __m512 sc[16]) {
    const __m512i h = _mm512_i32gather_epi32(offs, base + 206, 1);  // d in the high half (the block ends at 210)
    const __m512 d = _mm512_cvtph_ps(_mm512_cvtepi32_epi16(_mm512_srli_epi32(h, 16)));
    for (int q = 0; q < 4; q++) {
        const __m512i w = _mm512_i32gather_epi32(offs, base + 192 + 4 * q, 1);
        for (int b = 0; b < 4; b++)  // byte b of the word, sign-extended
            sc[4 * q + b] = _mm512_mul_ps(d, _mm512_cvtepi32_ps(_mm512_srai_epi32(_mm512_slli_epi32(w, 24 - 8 * b), 24)));
    }
}

// Half n of one Q6_K super-block (at byte `at` of each row) of sixteen rows as transpose_groups' inputs: z[k][r] holds
// the 32 six-bit values of chunk 4n + k (q6k_unpack_half) of rows r and r + 8.
// FOR_Q6K_CHUNKS prefetches the next sixteen rows into L2 (prefetch_next16_l2); until 2026-12-07 (thirtieth
// session) each row was prefetched two super-blocks ahead here, two cache lines per half.
static inline void q6k_half16(const uint8_t *const p[16], size_t at, int n, __m512i z[4][8]) {
    for (int r = 0; r < 8; r++) {
        __m256i a[4], b[4];
        q6k_unpack_half(p[r] + at, n, a);
        q6k_unpack_half(p[r + 8] + at, n, b);
        for (int k = 0; k < 4; k++) z[k][r] = halves(a[k], b[k]);
    }
}

// For each 32-value chunk of sixteen Q6_K rows (p and offs from rows16_at, `supers` super-blocks per row), the
// statements after the macro's arguments run with m (the chunk's index in the row), o[8] (its values in
// transpose_groups' layout: o[0..3] sub-block 2m, o[4..7] sub-block 2m + 1) and sc[2] (d · scale of those two
// 16-value sub-blocks for the sixteen rows).
#define FOR_Q6K_CHUNKS(p, offs, supers, ...)                                                              \
    for (size_t sb_ = 0; sb_ < (supers); sb_++) {                                                         \
        __m512 scale_[16];                                                                                \
        q6k_scales16((p)[0] + 210 * sb_, (offs), scale_);                                                 \
        for (int n_ = 0; n_ < 2; n_++) {                                                                  \
            __m512i z_[4][8];                                                                             \
            prefetch_next16_l2((p)[0], 16 * 210 * (supers), (2 * sb_ + n_) * 8 * 210, 8 * 210);            \
            q6k_half16((p), 210 * sb_, n_, z_);                                                           \
            for (int k_ = 0; k_ < 4; k_++) {                                                              \
                const size_t m = 8 * sb_ + 4 * n_ + k_;                                                   \
                const __m512 *sc = scale_ + 8 * n_ + 2 * k_;                                              \
                __m512i o[8];                                                                             \
                transpose_groups(z_[k_], o);                                                              \
                __VA_ARGS__                                                                               \
            }                                                                                             \
        }                                                                                                 \
    }

// acc[k] += the four-value group of weights × four values of activation row k (qx [D, cols], at `at`), k < D.
static inline __attribute__((always_inline)) void rows_dot(__m512i acc[3], const int D, __m512i weights,
                                                          const int8_t *qx, size_t cols, size_t at) {
    for (int k = 0; k < D; k++) {
        int32_t four;
        memcpy(&four, qx + k * cols + at, 4);
        acc[k] = _mm512_dpbusd_epi32(acc[k], weights, _mm512_set1_epi32(four));
    }
}

// The first min(left, 16) of sixteen rows' results.
static inline void store_rows16(float *y, size_t left, __m512 f) {
    _mm512_mask_storeu_ps(y, (__mmask16)((1u << (left < 16 ? left : 16)) - 1), f);
}

#pragma clang attribute pop
#endif
