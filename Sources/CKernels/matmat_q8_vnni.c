// AVX-512 VNNI form of the batched int8 decode kernels for 32-value blocks (pg_matmat_q4_0_q8, _q4_1_q8, _q5_0_q8,
// _q8_0_q8 in quant_matvec_q8.c), chosen at run time (pg_have_avx512). Each activation row meets every weight block
// with the single-row kernel's operations in its order (ROWS4_KERNEL / INT8_BLOCK): the same int32 lane sums (one
// VPDPBUSD instead of maddubs then madd with ones: each lane is the sum of its four byte products, and no pair sum
// of a 5-bit or signed 8-bit weight by an activation of magnitude ≤ 127 reaches the int16 saturation of maddubs),
// converted to float, scaled by d·dx and added by one FMA per block into eight lanes; the offset term
// sc[lane]·(FACTOR·sx) by one FMA per block. So every result equals pg_matvec_*_q8's for that row alone, bit for bit.
// What changes: 16 or 8 activation rows share each weight block's load and unpacking (32 vector registers), the
// int8 sums take one instruction instead of two, and the offset FMAs of four rows go in one 4-lane FMA.
#include "ckernels.h"
#include "block_common.h"
#include <immintrin.h>
#include <stdint.h>
#include <string.h>

enum { KIND_NIBBLE, KIND_FIVEBIT, KIND_Q8 };

#pragma clang attribute push(__attribute__((target("avx512f,avx512bw,avx512vl,avx512vnni"))), apply_to = function)

// Activation rows t … t + N − 1 (TILE_ROW repeats the last row past nx; those results are dropped). The tile's
// activation blocks are copied interleaved (block b of row k at xt + 32·(N·b + k)) so one pointer walks them.
static inline __attribute__((always_inline)) void tile(const int N, const int kind, const size_t BB, const size_t QS,
                                                      const int OL, const float F, const void *w, size_t cols,
                                                      size_t row_begin, size_t row_end, const int8_t *qx,
                                                      const float *dx, const float *sx, size_t nx, size_t t,
                                                      float *y, size_t ldy) {
    const size_t blocks = cols / 32, row_bytes = blocks * BB;
    int8_t xt[N * cols] __attribute__((aligned(32)));
    float dt[N * blocks], ct[N * blocks];  // dx, and FACTOR·sx (the offset coefficient), of block b, row k at N·b + k
    for (int k = 0; k < N; k++) {
        const size_t u = TILE_ROW(t, k, nx);
        for (size_t b = 0; b < blocks; b++) {
            memcpy(xt + 32 * (N * b + k), qx + u * cols + 32 * b, 32);
            dt[N * b + k] = dx[u * blocks + b];
            ct[N * b + k] = OL >= 0 ? F * sx[u * blocks + b] : 0.0f;
        }
    }
    const uint8_t *end_ = (const uint8_t *)w + row_end * row_bytes;
    prefetch_start((const uint8_t *)w + row_begin * row_bytes, end_);
    for (size_t r = row_begin; r < row_end; r++) {
        const uint8_t *p = (const uint8_t *)w + r * row_bytes;
        __m256 acc[N];
        __m128 off[N / 4];
        for (int k = 0; k < N; k++) acc[k] = _mm256_setzero_ps();
        for (int k = 0; k < N / 4; k++) off[k] = _mm_setzero_ps();
        for (size_t b = 0; b < blocks; b++) {
            const uint8_t *pb = p + b * BB;
            if (((uintptr_t)pb & 63) < BB && pb + PG_PREFETCH_BYTES < end_)
                _mm_prefetch((const char *)pb + PG_PREFETCH_BYTES, _MM_HINT_T0);
            const __m128 sc = block_scales(pb);
            const __m256 d = _mm256_broadcastss_ps(sc);
            __m256i wb, sgn = _mm256_setzero_si256();
            if (kind == KIND_NIBBLE) wb = nibble_bytes(pb + QS);
            else if (kind == KIND_FIVEBIT) wb = fivebit_bytes(pb + QS);
            else {  // |w| · (x with w's sign), as q8_times_q8
                sgn = _mm256_loadu_si256((const __m256i *)(pb + QS));
                wb = _mm256_sign_epi8(sgn, sgn);
            }
            const int8_t *xb = xt + 32 * N * b;
            for (int k = 0; k < N; k++) {
                __m256i x = _mm256_load_si256((const __m256i *)(xb + 32 * k));
                if (kind == KIND_Q8) x = _mm256_sign_epi8(x, sgn);
                const __m256 sum = _mm256_cvtepi32_ps(_mm256_dpbusd_epi32(_mm256_setzero_si256(), wb, x));
                const __m256 s = _mm256_mul_ps(d, _mm256_broadcast_ss(dt + N * b + k));
                acc[k] = _mm256_fmadd_ps(s, sum, acc[k]);
            }
            if (OL >= 0) {
                const __m128 o = OL == 1 ? _mm_shuffle_ps(sc, sc, 0x55) : _mm_shuffle_ps(sc, sc, 0x00);
                for (int k = 0; k < N / 4; k++) off[k] = _mm_fmadd_ps(o, _mm_loadu_ps(ct + N * b + 4 * k), off[k]);
            }
        }
        float o[N];
        for (int k = 0; k < N / 4; k++) _mm_storeu_ps(o + 4 * k, off[k]);
        for (int k = 0; k < N && t + k < nx; k++) y[(t + k) * ldy + r] = hsum(acc[k]) + (OL >= 0 ? o[k] : 0.0f);
    }
}

// Tiles of 16 activation rows while at least 13 are left, then of 8 while at least 6; returns how many rows were
// done (the caller's AVX2 tiles take the rest). 0 for rows wider than 2048
// (the tile's copies, up to 36 KiB, live on the stack).
#define VNNI_MATMAT(NAME, KIND, BB, QS, OL, F)                                                            \
    size_t NAME(const void *w, size_t cols, size_t row_begin, size_t row_end, const int8_t *qx,          \
                const float *dx, const float *sx, size_t nx, float *y, size_t ldy) {                    \
        size_t t = 0;                                                                                     \
        if (cols > 2048) return 0;                                                                        \
        for (; t + 13 <= nx; t += 16) tile(16, KIND, BB, QS, OL, F, w, cols, row_begin, row_end, qx, dx, sx, nx, t, y, ldy); \
        for (; t + 6 <= nx; t += 8) tile(8, KIND, BB, QS, OL, F, w, cols, row_begin, row_end, qx, dx, sx, nx, t, y, ldy); \
        return t < nx ? t : nx;                                                                           \
    }

VNNI_MATMAT(pg_matmat_q4_1_q8_vnni, KIND_NIBBLE, 20, 4, 1, 1.0f)
VNNI_MATMAT(pg_matmat_q4_0_q8_vnni, KIND_NIBBLE, 18, 2, 0, -8.0f)
VNNI_MATMAT(pg_matmat_q5_0_q8_vnni, KIND_FIVEBIT, 22, 2, 0, -16.0f)
VNNI_MATMAT(pg_matmat_q8_0_q8_vnni, KIND_Q8, 34, 2, -1, 0.0f)

#pragma clang attribute pop
