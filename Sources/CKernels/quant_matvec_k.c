// AVX2/FMA/F16C matrix-vector products on ggml's 256-value K-quant super-blocks with F32 activations
// (see include/ckernels.h), for CPUs without AVX-512 VNNI (with it, quant_matvec_k_q24.c serves the `quantized` mode). Layouts (ggml-common.h): block_q4_K {f16 d, dmin; u8 scales[12]; u8 qs[128]},
// block_q5_K {f16 d, dmin; u8 scales[12]; u8 qh[32]; u8 qs[128]}, block_q6_K {u8 ql[128]; u8 qh[64]; i8 scales[16]; f16 d}.
// Q5_K has only these F32-activation kernels, which serve it in every mode and on every CPU.
#include "ckernels.h"
#include "block_common.h"
#include <immintrin.h>
#include <stdint.h>
#include <string.h>

// Σ of the 32 values at p (each 32-value sub-block's Σx, which the min terms of Q4_K and Q5_K multiply).
static inline float sum32(const float *p) {
    return hsum(_mm256_add_ps(_mm256_add_ps(_mm256_loadu_ps(p), _mm256_loadu_ps(p + 8)),
                              _mm256_add_ps(_mm256_loadu_ps(p + 16), _mm256_loadu_ps(p + 24))));
}

// One Q4_K super-block of one row against x[0..256) (xs: Σx over each 32 values): values 64p..64p+31 are the low
// nibbles of qs[32p..32p+32) with scale 2p, values 64p+32..64p+63 the high nibbles with scale 2p+1;
// value = d·scale·q − dmin·min. acc += Σ d·scale_j·(Σ q·x); off += dmin·min_j·xs_j (subtracted at the end).
static inline void q4k_block(const uint8_t *pb, const float *x, const float *xs, __m256 *acc, __m256 *off) {
    const __m256i nibble = _mm256_set1_epi32(0x0F);
    __m256 scales, mins;
    q4k_scales_mins(pb + 4, &scales, &mins);
    *off = _mm256_fmadd_ps(_mm256_mul_ps(_mm256_set1_ps(half_at(pb + 2)), mins), _mm256_loadu_ps(xs), *off);
    float s[8];
    _mm256_storeu_ps(s, _mm256_mul_ps(_mm256_set1_ps(half_at(pb)), scales));
    const uint8_t *q = pb + 16;
    for (int pair = 0; pair < 4; pair++, q += 32, x += 64) {
        __m256 lo0 = _mm256_setzero_ps(), lo1 = lo0, hi0 = lo0, hi1 = lo0;
        for (int c = 0; c < 32; c += 16) {
            __m256i b0 = _mm256_cvtepu8_epi32(_mm_loadl_epi64((const __m128i *)(q + c)));
            __m256i b1 = _mm256_cvtepu8_epi32(_mm_loadl_epi64((const __m128i *)(q + c + 8)));
            lo0 = _mm256_fmadd_ps(_mm256_cvtepi32_ps(_mm256_and_si256(b0, nibble)), _mm256_loadu_ps(x + c), lo0);
            lo1 = _mm256_fmadd_ps(_mm256_cvtepi32_ps(_mm256_and_si256(b1, nibble)), _mm256_loadu_ps(x + c + 8), lo1);
            hi0 = _mm256_fmadd_ps(_mm256_cvtepi32_ps(_mm256_srli_epi32(b0, 4)), _mm256_loadu_ps(x + 32 + c), hi0);
            hi1 = _mm256_fmadd_ps(_mm256_cvtepi32_ps(_mm256_srli_epi32(b1, 4)), _mm256_loadu_ps(x + 40 + c), hi1);
        }
        *acc = _mm256_fmadd_ps(_mm256_broadcast_ss(s + 2 * pair), _mm256_add_ps(lo0, lo1), *acc);
        *acc = _mm256_fmadd_ps(_mm256_broadcast_ss(s + 2 * pair + 1), _mm256_add_ps(hi0, hi1), *acc);
    }
}

// One Q5_K super-block of one row against x[0..256) (xs: Σx over each 32 values): Q4_K's layout with a fifth bit per
// value, bit 2p of qh[l] for value 64p + l and bit 2p+1 for value 64p + 32 + l; value = d·scale·q − dmin·min, q ≤ 31.
static inline void q5k_block(const uint8_t *pb, const float *x, const float *xs, __m256 *acc, __m256 *off) {
    const __m256i nibble = _mm256_set1_epi8(0x0F), fifth = _mm256_set1_epi8(0x10);
    __m256 scales, mins;
    q4k_scales_mins(pb + 4, &scales, &mins);
    *off = _mm256_fmadd_ps(_mm256_mul_ps(_mm256_set1_ps(half_at(pb + 2)), mins), _mm256_loadu_ps(xs), *off);
    float s[8];
    _mm256_storeu_ps(s, _mm256_mul_ps(_mm256_set1_ps(half_at(pb)), scales));
    const __m256i h = _mm256_loadu_si256((const __m256i *)(pb + 16));
    const uint8_t *q = pb + 48;
    for (int pair = 0; pair < 4; pair++, q += 32, x += 64) {
        // The 64 values q (0..31) of this pair as bytes, 32 per vector op (as q6k_block): the nibble, and bit 2p or
        // 2p+1 of qh moved to bit 4 (16-bit shifts, then a per-byte mask keeps only each byte's own bit).
        _Alignas(32) uint8_t v[2][32];
        const __m256i bytes = _mm256_loadu_si256((const __m256i *)q);
        const __m128i low_bit = _mm_cvtsi32_si128(2 * pair), high_bit = _mm_cvtsi32_si128(2 * pair + 1);
        _mm256_store_si256((__m256i *)v[0], _mm256_or_si256(_mm256_and_si256(bytes, nibble),
            _mm256_and_si256(_mm256_slli_epi16(_mm256_srl_epi16(h, low_bit), 4), fifth)));
        _mm256_store_si256((__m256i *)v[1], _mm256_or_si256(_mm256_and_si256(_mm256_srli_epi16(bytes, 4), nibble),
            _mm256_and_si256(_mm256_slli_epi16(_mm256_srl_epi16(h, high_bit), 4), fifth)));
        __m256 lo0 = _mm256_setzero_ps(), lo1 = lo0, hi0 = lo0, hi1 = lo0;
        for (int c = 0; c < 32; c += 16) {
#define Q5K_WIDEN(k, at) _mm256_cvtepi32_ps(_mm256_cvtepu8_epi32(_mm_loadl_epi64((const __m128i *)(v[k] + (at)))))
            lo0 = _mm256_fmadd_ps(Q5K_WIDEN(0, c), _mm256_loadu_ps(x + c), lo0);
            lo1 = _mm256_fmadd_ps(Q5K_WIDEN(0, c + 8), _mm256_loadu_ps(x + c + 8), lo1);
            hi0 = _mm256_fmadd_ps(Q5K_WIDEN(1, c), _mm256_loadu_ps(x + 32 + c), hi0);
            hi1 = _mm256_fmadd_ps(Q5K_WIDEN(1, c + 8), _mm256_loadu_ps(x + 40 + c), hi1);
#undef Q5K_WIDEN
        }
        *acc = _mm256_fmadd_ps(_mm256_broadcast_ss(s + 2 * pair), _mm256_add_ps(lo0, lo1), *acc);
        *acc = _mm256_fmadd_ps(_mm256_broadcast_ss(s + 2 * pair + 1), _mm256_add_ps(hi0, hi1), *acc);
    }
}

// One Q6_K super-block of one row against x[0..256): two halves of 128 values; in half n, byte l (0..31) of
// ql[64n..], ql[64n+32..] and qh[32n..] builds values l, l+32, l+64, l+96 (low nibble of ql[l], of ql[l+32],
// high nibble of ql[l], of ql[l+32], each with the next 2 bits of qh[l] on top); value = d·scale·(q − 32) with
// one int8 scale per 16 values in x order.
static inline void q6k_block(const uint8_t *pb, const float *x, __m256 *acc) {
    const __m256i nibble = _mm256_set1_epi8(0x0F), top = _mm256_set1_epi8(0x30), bias = _mm256_set1_epi8(32);
    const __m256 d = _mm256_set1_ps(half_at(pb + 208));
    float s[16];
    _mm256_storeu_ps(s, _mm256_mul_ps(d, _mm256_cvtepi32_ps(_mm256_cvtepi8_epi32(_mm_loadl_epi64((const __m128i *)(pb + 192))))));
    _mm256_storeu_ps(s + 8, _mm256_mul_ps(d, _mm256_cvtepi32_ps(_mm256_cvtepi8_epi32(_mm_loadl_epi64((const __m128i *)(pb + 200))))));
    for (int n = 0; n < 2; n++) {
        const uint8_t *ql = pb + 64 * n, *qh = pb + 128 + 32 * n;
        const float *xh = x + 128 * n, *sh = s + 8 * n;
        // The 128 values q − 32 of this half as signed bytes, 32 per vector op (value 32k + l in v[k], byte l);
        // each is then widened to float exactly as before, so every product and sum is unchanged.
        _Alignas(32) int8_t v[4][32];
        __m256i a = _mm256_loadu_si256((const __m256i *)ql), b = _mm256_loadu_si256((const __m256i *)(ql + 32));
        __m256i h = _mm256_loadu_si256((const __m256i *)qh);
        _mm256_store_si256((__m256i *)v[0], _mm256_sub_epi8(_mm256_or_si256(_mm256_and_si256(a, nibble), _mm256_and_si256(_mm256_slli_epi16(h, 4), top)), bias));
        _mm256_store_si256((__m256i *)v[1], _mm256_sub_epi8(_mm256_or_si256(_mm256_and_si256(b, nibble), _mm256_and_si256(_mm256_slli_epi16(h, 2), top)), bias));
        _mm256_store_si256((__m256i *)v[2], _mm256_sub_epi8(_mm256_or_si256(_mm256_and_si256(_mm256_srli_epi16(a, 4), nibble), _mm256_and_si256(h, top)), bias));
        _mm256_store_si256((__m256i *)v[3], _mm256_sub_epi8(_mm256_or_si256(_mm256_and_si256(_mm256_srli_epi16(b, 4), nibble), _mm256_and_si256(_mm256_srli_epi16(h, 2), top)), bias));
        for (int g = 0; g < 2; g++) {  // l in [16g, 16g + 16): one scale per value set
            __m256 v0 = _mm256_setzero_ps(), v1 = v0, v2 = v0, v3 = v0;
            for (int l = 16 * g; l < 16 * g + 16; l += 8) {
#define Q6K_WIDEN(k) _mm256_cvtepi32_ps(_mm256_cvtepi8_epi32(_mm_loadl_epi64((const __m128i *)(v[k] + l))))
                v0 = _mm256_fmadd_ps(Q6K_WIDEN(0), _mm256_loadu_ps(xh + l), v0);
                v1 = _mm256_fmadd_ps(Q6K_WIDEN(1), _mm256_loadu_ps(xh + 32 + l), v1);
                v2 = _mm256_fmadd_ps(Q6K_WIDEN(2), _mm256_loadu_ps(xh + 64 + l), v2);
                v3 = _mm256_fmadd_ps(Q6K_WIDEN(3), _mm256_loadu_ps(xh + 96 + l), v3);
#undef Q6K_WIDEN
            }
            *acc = _mm256_fmadd_ps(_mm256_broadcast_ss(sh + g), v0, *acc);
            *acc = _mm256_fmadd_ps(_mm256_broadcast_ss(sh + 2 + g), v1, *acc);
            *acc = _mm256_fmadd_ps(_mm256_broadcast_ss(sh + 4 + g), v2, *acc);
            *acc = _mm256_fmadd_ps(_mm256_broadcast_ss(sh + 6 + g), v3, *acc);
        }
    }
}

void pg_matvec_q6_k(const void *w, size_t cols, size_t row_begin, size_t row_end, const float *x, float *y) {
#define Q6K_F32_BLOCK(pb, b, acc, off) q6k_block(pb, x + 256 * (b), &(acc))
    K_ROWS4_KERNEL(210, Q6K_F32_BLOCK)
#undef Q6K_F32_BLOCK
}

// The formats with a min per sub-block (Q4_K, Q5_K), whose blocks also read each 32 values' Σx: single row, and
// batched decode (see K_TILE_KERNEL: x [nx, cols], y[t·ldy + r], equal bit for bit to the single row per row).
// MIN_BLOCK names the format's block function and MIN_MATVEC its single-row kernel where the pair is generated.
#define K_MIN_KERNELS(fmt, BLOCK_BYTES)                                                                          \
    void pg_matvec_##fmt(const void *w, size_t cols, size_t row_begin, size_t row_end, const float *x, float *y) { \
        float xs[MAX_BLOCKS]; /* Σx over each 32 values */                                                     \
        for (size_t j = 0; j < cols / 32; j++) xs[j] = sum32(x + 32 * j);                                      \
        K_ROWS4_KERNEL(BLOCK_BYTES, MIN_ROW_BLOCK)                                                             \
    }                                                                                                          \
    void pg_matmat_##fmt(const void *w, size_t cols, size_t row_begin, size_t row_end, const float *x, size_t nx, \
                         float *y, size_t ldy) {                                                               \
        float xs[4][cols / 32]; /* Σx over each 32 values of the tile's four rows */                           \
        K_TILE_KERNEL(BLOCK_BYTES, MIN_PREPARE, MIN_TILE_BLOCK, MIN_SINGLE)                                    \
    }
#define MIN_ROW_BLOCK(pb, b, acc, off) MIN_BLOCK(pb, x + 256 * (b), xs + 8 * (b), &(acc), &(off))
#define MIN_PREPARE(t0)                                                                                   \
    for (int u = 0; u < 4; u++)                                                                           \
        for (size_t j = 0; j < cols / 32; j++) xs[u][j] = sum32(x + TILE_ROW(t0, u, nx) * cols + 32 * j);
#define MIN_TILE_BLOCK(pb, b, acc, off, u) MIN_BLOCK(pb, x + TILE_ROW(t, u, nx) * cols + 256 * (b), xs[u] + 8 * (b), &(acc), &(off))
#define MIN_SINGLE(t0) MIN_MATVEC(w, cols, row_begin, row_end, x + (t0) * cols, y + (t0) * ldy)
#define MIN_BLOCK q4k_block
#define MIN_MATVEC pg_matvec_q4_k
K_MIN_KERNELS(q4_k, 144)
#undef MIN_BLOCK
#undef MIN_MATVEC
#define MIN_BLOCK q5k_block
#define MIN_MATVEC pg_matvec_q5_k
K_MIN_KERNELS(q5_k, 176)
#undef MIN_BLOCK
#undef MIN_MATVEC
#undef MIN_ROW_BLOCK
#undef MIN_PREPARE
#undef MIN_TILE_BLOCK
#undef MIN_SINGLE
#undef K_MIN_KERNELS

void pg_matmat_q6_k(const void *w, size_t cols, size_t row_begin, size_t row_end, const float *x, size_t nx,
                    float *y, size_t ldy) {
#define Q6K_PREPARE(t0) (void)(t0)
#define Q6K_TILE_BLOCK(pb, b, acc, off, u) q6k_block(pb, x + TILE_ROW(t, u, nx) * cols + 256 * (b), &(acc))
#define Q6K_SINGLE(t0) pg_matvec_q6_k(w, cols, row_begin, row_end, x + (t0) * cols, y + (t0) * ldy)
    K_TILE_KERNEL(210, Q6K_PREPARE, Q6K_TILE_BLOCK, Q6K_SINGLE)
#undef Q6K_PREPARE
#undef Q6K_TILE_BLOCK
#undef Q6K_SINGLE
}
