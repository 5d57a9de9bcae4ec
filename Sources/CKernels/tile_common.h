// AVX-512 helpers shared by the int8 kernels that take the GEMM tile's layout (quant_matvec_q8_vnni.c,
// quant_matvec_k_tile.c): sixteen weight rows side by side, one 32-bit lane per row.
#ifndef PG_TILE_COMMON_H
#define PG_TILE_COMMON_H
#include <immintrin.h>
#include <stddef.h>
#include <stdint.h>

#pragma clang attribute push(__attribute__((target("avx512f,avx512bw,avx512vl,avx512vnni,avx512dq"))), apply_to = function)

// a in the low 256 bits, b in the high.
static inline __m512i halves(__m256i a, __m256i b) { return _mm512_inserti64x4(_mm512_castsi256_si512(a), b, 1); }

// The 32 values of sixteen rows (z[r]: rows r and r + 8, one per 256-bit half, in value order) as eight vectors of
// one four-value group of every row: o[k], 32-bit lane i, holds values 4k … 4k + 3 of row i (an 8 × 8 dword transpose
// in each half, rows r and r + 8 sharing a vector).
static inline void transpose_groups(const __m512i z[8], __m512i o[8]) {
    const __m512i lo = _mm512_setr_epi64(0, 1, 8, 9, 4, 5, 12, 13), hi = _mm512_setr_epi64(2, 3, 10, 11, 6, 7, 14, 15);
    __m512i t[8], u[8];
    for (int r = 0; r < 8; r += 2) {
        t[r] = _mm512_unpacklo_epi32(z[r], z[r + 1]);
        t[r + 1] = _mm512_unpackhi_epi32(z[r], z[r + 1]);
    }
    for (int h = 0; h < 8; h += 4) {  // u[h + k]: groups k and k + 4 of rows h … h + 3 (and of h + 8 … h + 11)
        u[h] = _mm512_unpacklo_epi64(t[h], t[h + 2]);
        u[h + 1] = _mm512_unpackhi_epi64(t[h], t[h + 2]);
        u[h + 2] = _mm512_unpacklo_epi64(t[h + 1], t[h + 3]);
        u[h + 3] = _mm512_unpackhi_epi64(t[h + 1], t[h + 3]);
    }
    for (int k = 0; k < 4; k++) {
        o[k] = _mm512_permutex2var_epi64(u[k], lo, u[k + 4]);
        o[k + 4] = _mm512_permutex2var_epi64(u[k], hi, u[k + 4]);
    }
}

// Bytes [from, from + count) of the sixteen rows after the ones at `group` (group_bytes long: the rows are
// contiguous), one cache line at a time: while a group of rows is read, the next is fetched as one linear stream.
// Sixteen streams a row apart, each row prefetched 1024 bytes ahead, had the first gather of each super-block
// waiting for memory (20% of the kernel's samples). 1.5B decode, 3 alternating rounds of `bench --decode-tokens 48`
// (2026-12-07, a compiler running beside): `quantized` 12.8–14.3 → 16.7–19.1 tok/s (medians 13.0 → 17.2),
// `quantizedInt8` 14.3–15.3 → 18.7–21.9 (15.0 → 19.1), 8 sequences per step level. Q6_K's rows (q6k_half16)
// measured slower this way and keep theirs. block16 (quant_matvec_q8_vnni.c) prefetches the 32-value formats'
// rows the same way.
static inline void prefetch_next16(const uint8_t *group, size_t group_bytes, size_t from, size_t count) {
    for (size_t b = from; b < from + count; b += 64) _mm_prefetch((const char *)group + group_bytes + b, _MM_HINT_T0);
}

// The same into L2 only (prefetcht1), for the K-quants (k_tile.h): a group of sixteen K-quant rows is 14–80 KB, more
// than L1, and the next one fetched into L1 pushed out the lines being read. 1.5B decode (2026-12-07, 5 alternating
// rounds of `bench --decode-tokens 48`, medians; Q6_K rows prefetched this way too instead of each row 420 bytes
// ahead): `quantized` 15.0 → 20.2 tok/s, `quantizedInt8` 16.5 → 22.0; Gemma 3 270M 76 → 89 / 83 → 89; the 0.5B level.
// SmolLM2's 32-value rows (14 KB a group) were slower with it (202 → 184 tok/s) and keep prefetch_next16.
static inline void prefetch_next16_l2(const uint8_t *group, size_t group_bytes, size_t from, size_t count) {
    for (size_t b = from; b < from + count; b += 64) _mm_prefetch((const char *)group + group_bytes + b, _MM_HINT_T1);
}

// One sub-block's three integer sums over the 24-bit digit rows of pg_quantize_q24 (a0: the high digit's, weight
// 2¹⁶; a1: 2⁸; a2: 1) as one float sum to scale by the low digit's d: a1 · 2⁸ + a2 exactly in int32 (every sum is
// below 2²⁰ in magnitude), then a0 · 2¹⁶ (exact) added in one FMA. The tile (gemm_vnni.c) and every single-row 24-bit
// kernel take a sub-block's digit sums through this, so that batched and single rows agree bit for bit. Until
// 2026-12-07 each digit row had its own float steps (convert, scale, FMA and offset: twelve operations per
// sub-block, row and sequence instead of six) and y = (y₀ + y₁) + y₂.
static inline __m512 q24_combine(__m512i a0, __m512i a1, __m512i a2) {
    const __m512i lo = _mm512_add_epi32(_mm512_slli_epi32(a1, 8), a2);
    return _mm512_fmadd_ps(_mm512_cvtepi32_ps(a0), _mm512_set1_ps(65536.0f), _mm512_cvtepi32_ps(lo));
}

// A sub-block's integer sum as float: a[0] of one int8 row (D 1), or q24_combine of three digit rows' a[0 … 2] (D 3).
static inline __attribute__((always_inline)) __m512 sub_block_sum(const __m512i *a, const int D) {
    return D == 1 ? _mm512_cvtepi32_ps(a[0]) : q24_combine(a[0], a[1], a[2]);
}

// Σ x of block b as the three digit rows' sx (pg_quantize_q24: sx [3, blocks]) give it, in one order for every kernel:
// the offset term of the formats with one (weight = d · u − m).
static inline float q24_offset_sum(const float *sx, size_t blocks, size_t b) {
    return (sx[b] + sx[blocks + b]) + sx[2 * blocks + b];
}

#pragma clang attribute pop
#endif
