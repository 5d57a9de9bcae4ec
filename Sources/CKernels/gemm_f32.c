// Float32 prefill GEMM on the decode pool's threads (PooledProduct.swift): y[t][r] = Σ_k x[t][k]·w[r][k] for a
// chunk of weight rows w [n, k] (row-major, as GGUF stores them and as a thread dequantises them) and activations
// x [m, k]. Register tiling after Goto & van de Geijn 2008 ("Anatomy of high-performance matrix multiplication"):
// 32 rows are packed k-major ([k][32], two 16-lane vectors per k) and multiplied by 6 activation rows at a time,
// 12 accumulators of FMAs on broadcast activations. Each y[t][r] is one FMA chain over k in order, so the result
// does not depend on m, on the chunking or on the thread count (batched and single passes agree bit for bit).
#include "ckernels.h"
#include <immintrin.h>
#include <stdlib.h>

int pg_have_avx512(void);

int pg_sgemm_rows_supported(void) { return pg_have_avx512(); }

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

void pg_sgemm_rows(const float *x, size_t m, size_t k, const float *w, size_t n, float *y, size_t ldy, float *pack) {
    for (size_t r0 = 0; r0 < n; r0 += TR) {
        const size_t nr = n - r0 < TR ? n - r0 : TR;
        pack_rows(w + r0 * k, k, nr, pack);
        size_t t0 = 0;
        for (; t0 + TT <= m; t0 += TT) tile(TT, pack, x, k, t0, y, ldy, r0, n);
        switch (m - t0) {
        case 5: tile(5, pack, x, k, t0, y, ldy, r0, n); break;
        case 4: tile(4, pack, x, k, t0, y, ldy, r0, n); break;
        case 3: tile(3, pack, x, k, t0, y, ldy, r0, n); break;
        case 2: tile(2, pack, x, k, t0, y, ldy, r0, n); break;
        case 1: tile(1, pack, x, k, t0, y, ldy, r0, n); break;
        default: break;
        }
    }
}

#pragma clang attribute pop
