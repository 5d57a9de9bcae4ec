// Float32 prefill GEMM on the decode pool's threads (PooledProduct.swift): y[t][r] = Σ_k x[t][k]·w[r][k] for a
// chunk of weight rows w [n, k] (row-major, as GGUF stores them and as a thread dequantises them) and activations
// x [m, k]. Register tiling after Goto & van de Geijn 2008 ("Anatomy of high-performance matrix multiplication"):
// with AVX-512, 32 rows are packed k-major ([k][32], two 16-lane vectors per k) and multiplied by 6 activation rows at
// a time, 12 accumulators of FMAs on broadcast activations; with AVX2 alone, 16 rows ([k][16], two 8-lane vectors)
// by 6 activation rows, 12 accumulators. Each y[t][r] is one FMA chain over k in order on either, so the result does
// not depend on m, on the chunking, on the thread count or on the vector width (batched and single passes agree bit
// for bit, and so do CPUs with and without AVX-512).
#include "block_common.h"
#include "ckernels.h"
#include <immintrin.h>
#include <stdlib.h>

int pg_have_avx512(void);

// AVX2 and FMA are the build's baseline (Package.swift); POLYGRAPH_NO_TILE=1 leaves products to OpenBLAS sgemm.
int pg_sgemm_rows_supported(void) { return !pg_env_disables("POLYGRAPH_NO_TILE"); }

#pragma clang attribute push(__attribute__((target("avx512f"))), apply_to = function)

#define TR 32 /* packed rows per tile (two vectors) */
#define TT 6  /* activation rows per tile */

// Tile of the packed rows p ([k][32]) × nt ≤ TT activation rows from t0; writes y rows r0.. (masked past n).
static inline __attribute__((always_inline)) void tile(const int nt, const float *p, const float *x, size_t k,
                                                      size_t t0, float *y, size_t ldy, size_t r0, size_t n) {
    __m512 a0[TT], a1[TT];
    const float *xr[TT];
    for (int t = 0; t < nt; t++) {
        a0[t] = _mm512_setzero_ps();
        a1[t] = _mm512_setzero_ps();
        xr[t] = x + (t0 + t) * k;
    }
    for (size_t j = 0; j < k; j++) {
        const __m512 w0 = _mm512_load_ps(p + TR * j), w1 = _mm512_load_ps(p + TR * j + 16);
        for (int t = 0; t < nt; t++) {
            const __m512 b = _mm512_set1_ps(xr[t][j]);
            a0[t] = _mm512_fmadd_ps(w0, b, a0[t]);
            a1[t] = _mm512_fmadd_ps(w1, b, a1[t]);
        }
    }
    const size_t left = n - r0;
    const __mmask16 m0 = left >= 16 ? 0xFFFF : (__mmask16)((1u << left) - 1);
    const __mmask16 m1 = left >= 32 ? 0xFFFF : left <= 16 ? 0 : (__mmask16)((1u << (left - 16)) - 1);
    for (int t = 0; t < nt; t++) {
        _mm512_mask_storeu_ps(y + (t0 + t) * ldy + r0, m0, a0[t]);
        if (m1) _mm512_mask_storeu_ps(y + (t0 + t) * ldy + r0 + 16, m1, a1[t]);
    }
}

// 16 × 16 transpose in registers: r[i] holds row i on entry, column i on return (32-bit, then 64-bit interleaves
// within 128-bit lanes, then two rounds of 128-bit lane shuffles).
static inline void transpose16(__m512 r[16]) {
    __m512 t[16], u[16];
    for (int i = 0; i < 8; i++) {
        t[2 * i] = _mm512_unpacklo_ps(r[2 * i], r[2 * i + 1]);
        t[2 * i + 1] = _mm512_unpackhi_ps(r[2 * i], r[2 * i + 1]);
    }
    for (int i = 0; i < 4; i++) {
        const __m512d a = _mm512_castps_pd(t[4 * i]), b = _mm512_castps_pd(t[4 * i + 1]);
        const __m512d c = _mm512_castps_pd(t[4 * i + 2]), d = _mm512_castps_pd(t[4 * i + 3]);
        u[4 * i] = _mm512_castpd_ps(_mm512_unpacklo_pd(a, c));
        u[4 * i + 1] = _mm512_castpd_ps(_mm512_unpackhi_pd(a, c));
        u[4 * i + 2] = _mm512_castpd_ps(_mm512_unpacklo_pd(b, d));
        u[4 * i + 3] = _mm512_castpd_ps(_mm512_unpackhi_pd(b, d));
    }
    // u[4i + c] holds, in 128-bit lane L, column 4L + c of rows 4i … 4i + 3.
    for (int c = 0; c < 4; c++) {
        const __m512 a = _mm512_shuffle_f32x4(u[c], u[4 + c], 0x88), b = _mm512_shuffle_f32x4(u[c], u[4 + c], 0xDD);
        const __m512 e = _mm512_shuffle_f32x4(u[8 + c], u[12 + c], 0x88);
        const __m512 f = _mm512_shuffle_f32x4(u[8 + c], u[12 + c], 0xDD);
        r[c] = _mm512_shuffle_f32x4(a, e, 0x88);
        r[8 + c] = _mm512_shuffle_f32x4(a, e, 0xDD);
        r[4 + c] = _mm512_shuffle_f32x4(b, f, 0x88);
        r[12 + c] = _mm512_shuffle_f32x4(b, f, 0xDD);
    }
}

// Rows w[0..<nr] ([nr, k], nr ≤ 32) → pack [k][32], rows past nr zero: 16 × 16 blocks transposed in registers (the
// element-wise loop compiled to scatters and took 5/6 of a 1.5B prompt's prefill time at 32 tokens).
static void pack_rows(const float *w, size_t k, size_t nr, float *pack) {
    size_t j = 0;
    for (; j + 16 <= k; j += 16) {
        for (size_t h = 0; h < 2; h++) {
            __m512 r[16];
            for (size_t i = 0; i < 16; i++) {
                const size_t row = 16 * h + i;
                r[i] = row < nr ? _mm512_loadu_ps(w + row * k + j) : _mm512_setzero_ps();
            }
            transpose16(r);
            for (size_t i = 0; i < 16; i++) _mm512_store_ps(pack + (j + i) * TR + 16 * h, r[i]);
        }
    }
    for (; j < k; j++)
        for (size_t r = 0; r < TR; r++) pack[j * TR + r] = r < nr ? w[r * k + j] : 0;
}

// The product over every ROWS-row panel of w: packed once, then multiplied by TT activation rows at a time (the
// last 1–5 through a tile of their own size, so that TILE's loops have constant bounds).
#define SGEMM_ROWS(NAME, ROWS, PACK, TILE)                                                                     \
    static void NAME(const float *x, size_t m, size_t k, const float *w, size_t n, float *y, size_t ldy,       \
                     float *pack) {                                                                            \
        for (size_t r0 = 0; r0 < n; r0 += ROWS) {                                                              \
            PACK(w + r0 * k, k, n - r0 < ROWS ? n - r0 : ROWS, pack);                                          \
            size_t t0 = 0;                                                                                     \
            for (; t0 + TT <= m; t0 += TT) TILE(TT, pack, x, k, t0, y, ldy, r0, n);                            \
            switch (m - t0) {                                                                                  \
            case 5: TILE(5, pack, x, k, t0, y, ldy, r0, n); break;                                             \
            case 4: TILE(4, pack, x, k, t0, y, ldy, r0, n); break;                                             \
            case 3: TILE(3, pack, x, k, t0, y, ldy, r0, n); break;                                             \
            case 2: TILE(2, pack, x, k, t0, y, ldy, r0, n); break;                                             \
            case 1: TILE(1, pack, x, k, t0, y, ldy, r0, n); break;                                             \
            default: break;                                                                                    \
            }                                                                                                  \
        }                                                                                                      \
    }

SGEMM_ROWS(sgemm_rows_512, TR, pack_rows, tile)

#pragma clang attribute pop

// AVX2 tile: the same FMA chains, 16 packed rows at a time.
#define TR2 16

// Tile of the packed rows p ([k][16]) × nt ≤ TT activation rows from t0; writes y rows r0.. (masked past n).
static inline __attribute__((always_inline)) void tile2(const int nt, const float *p, const float *x, size_t k,
                                                       size_t t0, float *y, size_t ldy, size_t r0, size_t n) {
    __m256 a0[TT], a1[TT];
    const float *xr[TT];
    for (int t = 0; t < nt; t++) {
        a0[t] = _mm256_setzero_ps();
        a1[t] = _mm256_setzero_ps();
        xr[t] = x + (t0 + t) * k;
    }
    for (size_t j = 0; j < k; j++) {
        const __m256 w0 = _mm256_load_ps(p + TR2 * j), w1 = _mm256_load_ps(p + TR2 * j + 8);
        for (int t = 0; t < nt; t++) {
            const __m256 b = _mm256_broadcast_ss(xr[t] + j);
            a0[t] = _mm256_fmadd_ps(w0, b, a0[t]);
            a1[t] = _mm256_fmadd_ps(w1, b, a1[t]);
        }
    }
    const size_t left = n - r0;
    if (left >= TR2) {
        for (int t = 0; t < nt; t++) {
            _mm256_storeu_ps(y + (t0 + t) * ldy + r0, a0[t]);
            _mm256_storeu_ps(y + (t0 + t) * ldy + r0 + 8, a1[t]);
        }
        return;
    }
    const __m256i lane = _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7);
    const __m256i m0 = _mm256_cmpgt_epi32(_mm256_set1_epi32((int)left), lane);
    const __m256i m1 = _mm256_cmpgt_epi32(_mm256_set1_epi32((int)left - 8), lane);
    for (int t = 0; t < nt; t++) {
        _mm256_maskstore_ps(y + (t0 + t) * ldy + r0, m0, a0[t]);
        if (left > 8) _mm256_maskstore_ps(y + (t0 + t) * ldy + r0 + 8, m1, a1[t]);
    }
}

// 8 × 8 transpose in registers: r[i] holds row i on entry, column i on return.
static inline void transpose8(__m256 r[8]) {
    __m256 t[8], u[8];
    for (int i = 0; i < 4; i++) {
        t[2 * i] = _mm256_unpacklo_ps(r[2 * i], r[2 * i + 1]);
        t[2 * i + 1] = _mm256_unpackhi_ps(r[2 * i], r[2 * i + 1]);
    }
    for (int i = 0; i < 2; i++) {
        u[4 * i] = _mm256_shuffle_ps(t[4 * i], t[4 * i + 2], 0x44);
        u[4 * i + 1] = _mm256_shuffle_ps(t[4 * i], t[4 * i + 2], 0xEE);
        u[4 * i + 2] = _mm256_shuffle_ps(t[4 * i + 1], t[4 * i + 3], 0x44);
        u[4 * i + 3] = _mm256_shuffle_ps(t[4 * i + 1], t[4 * i + 3], 0xEE);
    }
    for (int c = 0; c < 4; c++) {
        r[c] = _mm256_permute2f128_ps(u[c], u[4 + c], 0x20);
        r[4 + c] = _mm256_permute2f128_ps(u[c], u[4 + c], 0x31);
    }
}

// Rows w[0..<nr] ([nr, k], nr ≤ 16) → pack [k][16], rows past nr zero: 8 × 8 blocks transposed in registers.
static void pack_rows2(const float *w, size_t k, size_t nr, float *pack) {
    size_t j = 0;
    for (; j + 8 <= k; j += 8) {
        for (size_t h = 0; h < 2; h++) {
            __m256 r[8];
            for (size_t i = 0; i < 8; i++) {
                const size_t row = 8 * h + i;
                r[i] = row < nr ? _mm256_loadu_ps(w + row * k + j) : _mm256_setzero_ps();
            }
            transpose8(r);
            for (size_t i = 0; i < 8; i++) _mm256_store_ps(pack + (j + i) * TR2 + 8 * h, r[i]);
        }
    }
    for (; j < k; j++)
        for (size_t r = 0; r < TR2; r++) pack[j * TR2 + r] = r < nr ? w[r * k + j] : 0;
}

SGEMM_ROWS(sgemm_rows_avx2, TR2, pack_rows2, tile2)

void pg_sgemm_rows(const float *x, size_t m, size_t k, const float *w, size_t n, float *y, size_t ldy, float *pack) {
    if (pg_have_avx512()) sgemm_rows_512(x, m, k, w, n, y, ldy, pack);
    else sgemm_rows_avx2(x, m, k, w, n, y, ldy, pack);
}
