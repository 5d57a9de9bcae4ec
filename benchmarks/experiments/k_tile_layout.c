// What a Q4_K copy interleaved for the sixteen-row tile would gain the default mode's one-sequence decode (measured,
// not built into the engine: benchmarks/speed-log.md, thirty-third session).
//
// The engine's single-row kernel (quant_matvec_k_tile.c k4_rows, three 24-bit digit rows) reads sixteen GGUF rows side
// by side and transposes each 32-value sub-block into the tile's lanes (transpose_groups: 24 shuffles) before its 24
// VPDPBUSD. Here the same arithmetic runs (1) on the GGUF blocks, as the engine does, and (2) on a copy packed once in
// the lanes' order (the same bytes: per group of sixteen rows and super-block, the sixteen headers as four vectors,
// then each sub-block's nibbles as four vectors), which needs no shuffles and reads one linear stream; (3) the same
// with two accumulators per digit row; (4) a plain read of the same bytes. Both kernels give the same bits (checked).
// The matrices: 84 of the 1.5B's FFN shapes (8960 × 1536 gate/up, 1536 × 8960 down; 650 MB, random blocks).
//
//   clang -O2 -march=native -I Sources/CKernels -I Sources/CKernels/include \
//       benchmarks/experiments/k_tile_layout.c -o /tmp/k_tile_layout -lpthread && /tmp/k_tile_layout
#include "k_tile.h"
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#pragma clang attribute push(__attribute__((target("avx512f,avx512bw,avx512vl,avx512vnni,avx512dq"))), apply_to = function)

enum { DIGITS = 3, MATRICES = 84, ROUNDS = 15 };

// (1) The engine's kernel on the GGUF blocks (k4_rows with D = 3).
static void gguf_rows(const uint8_t *w, size_t cols, size_t rb, size_t re, const int8_t *qx, const float *dx,
                      const float *sx, float *y) {
    const size_t supers = cols / 256, blocks = cols / 32;
    for (size_t r = rb; r < re; r += 16) {
        const uint8_t *p[16];
        (void)rows16_at(w, supers * 144, r, re, p);
        __m512 f = _mm512_setzero_ps();
        FOR_K4_SUBBLOCKS(p, supers, 144, 0, {
            __m512i acc[3] = {_mm512_setzero_si512(), _mm512_setzero_si512(), _mm512_setzero_si512()};
            for (int g = 0; g < 8; g++) rows_dot(acc, DIGITS, o[g], qx, cols, 32 * s + 4 * g);
            f = _mm512_fmadd_ps(sub_block_sum(acc, DIGITS), _mm512_mul_ps(sc, _mm512_set1_ps(dx[2 * blocks + s])), f);
            f = _mm512_fnmadd_ps(mn, _mm512_set1_ps(q24_offset_sum(sx, blocks, s)), f);
        })
        store_rows16(y + r, re - r, f);
    }
}

// The interleaved copy: per group of sixteen rows and super-block, 256 header bytes (headers16's four vectors), then
// eight sub-blocks of 256 bytes (o[2q] | o[2q + 1] << 4): 2,304 bytes, as many as the sixteen GGUF super-blocks.
static void pack(const uint8_t *w, size_t rows, size_t cols, uint8_t *out) {
    const size_t supers = cols / 256;
    for (size_t r = 0; r < rows; r += 16) {
        const uint8_t *p[16];
        (void)rows16_at(w, supers * 144, r, rows, p);
        uint8_t *group = out + r * supers * 144;
        for (size_t sb = 0; sb < supers; sb++) {
            __m512i t[4];
            headers16(p, 144 * sb, &t[0], &t[1], &t[2], &t[3]);
            for (int i = 0; i < 4; i++) _mm512_storeu_si512(group + 2304 * sb + 64 * i, t[i]);
        }
        FOR_K4_SUBBLOCKS(p, supers, 144, 0, {
            (void)sc, (void)mn;
            uint8_t *b = group + 2304 * (s / 8) + 256 + 256 * (s % 8);
            for (int q = 0; q < 4; q++)
                _mm512_storeu_si512(b + 64 * q, _mm512_or_si512(o[2 * q], _mm512_slli_epi16(o[2 * q + 1], 4)));
        })
    }
}

// (2) and (3): the same operations on the interleaved copy (split: two accumulators per digit row, added in int32).
static void packed_rows(const uint8_t *pk, size_t cols, size_t rb, size_t re, const int8_t *qx, const float *dx,
                        const float *sx, float *y, int split) {
    const size_t supers = cols / 256, blocks = cols / 32;
    const __m512i nib = _mm512_set1_epi8(0x0F);
    for (size_t r = rb; r < re; r += 16) {
        const uint8_t *group = pk + r * supers * 144;
        __m512 f = _mm512_setzero_ps();
        for (size_t sb = 0; sb < supers; sb++) {
            __m512 scv[8], mnv[8];
            const uint8_t *hb = group + 2304 * sb;
            q4k_scales_of(_mm512_loadu_si512(hb), _mm512_loadu_si512(hb + 64), _mm512_loadu_si512(hb + 128),
                          _mm512_loadu_si512(hb + 192), scv, mnv);
            for (int j = 0; j < 8; j++) {
                const size_t s = 8 * sb + j;
                __m512i o[8];
                for (int q = 0; q < 4; q++) {
                    const __m512i v = _mm512_loadu_si512(hb + 256 + 256 * j + 64 * q);
                    o[2 * q] = _mm512_and_si512(v, nib);
                    o[2 * q + 1] = _mm512_and_si512(_mm512_srli_epi16(v, 4), nib);
                }
                __m512i acc[3] = {_mm512_setzero_si512(), _mm512_setzero_si512(), _mm512_setzero_si512()};
                if (split) {
                    __m512i odd[3] = {_mm512_setzero_si512(), _mm512_setzero_si512(), _mm512_setzero_si512()};
                    for (int q = 0; q < 8; q += 2) {
                        rows_dot(acc, DIGITS, o[q], qx, cols, 32 * s + 4 * q);
                        rows_dot(odd, DIGITS, o[q + 1], qx, cols, 32 * s + 4 * q + 4);
                    }
                    for (int k = 0; k < 3; k++) acc[k] = _mm512_add_epi32(acc[k], odd[k]);
                } else {
                    for (int q = 0; q < 8; q++) rows_dot(acc, DIGITS, o[q], qx, cols, 32 * s + 4 * q);
                }
                f = _mm512_fmadd_ps(sub_block_sum(acc, DIGITS), _mm512_mul_ps(scv[j], _mm512_set1_ps(dx[2 * blocks + s])),
                                    f);
                f = _mm512_fnmadd_ps(mnv[j], _mm512_set1_ps(q24_offset_sum(sx, blocks, s)), f);
            }
        }
        store_rows16(y + r, re - r, f);
    }
}

// (4) A plain read of the same rows (four accumulators).
static float plain_read(const uint8_t *b, size_t bytes) {
    __m512i a[4] = {_mm512_setzero_si512(), _mm512_setzero_si512(), _mm512_setzero_si512(), _mm512_setzero_si512()};
    for (size_t i = 0; i + 256 <= bytes; i += 256)
        for (int k = 0; k < 4; k++) a[k] = _mm512_add_epi64(a[k], _mm512_loadu_si512(b + i + 64 * k));
    return (float)_mm512_reduce_add_epi64(_mm512_add_epi64(_mm512_add_epi64(a[0], a[1]), _mm512_add_epi64(a[2], a[3])));
}

#pragma clang attribute pop

static size_t ROWS[MATRICES], COLS[MATRICES];
static uint8_t *GGUF[MATRICES], *PACKED[MATRICES];
static int8_t *QX[2];
static float *DX[2], *SX[2], *Y[2];

typedef struct {
    int mode, thread, threads;
} Part;

static void *work(void *arg) {
    const Part *a = arg;
    for (int m = 0; m < MATRICES; m++) {
        const size_t groups = ROWS[m] / 16, g0 = groups * a->thread / a->threads,
                     g1 = groups * (a->thread + 1) / a->threads, rb = COLS[m] / 256 * 144;
        const int k = COLS[m] == 1536 ? 0 : 1;
        float *y = Y[a->thread];
        switch (a->mode) {
        case 0: gguf_rows(GGUF[m], COLS[m], 16 * g0, 16 * g1, QX[k], DX[k], SX[k], y); break;
        case 1: packed_rows(PACKED[m], COLS[m], 16 * g0, 16 * g1, QX[k], DX[k], SX[k], y, 0); break;
        case 2: packed_rows(PACKED[m], COLS[m], 16 * g0, 16 * g1, QX[k], DX[k], SX[k], y, 1); break;
        default: y[0] += plain_read(PACKED[m] + 16 * g0 * rb, 16 * (g1 - g0) * rb); break;
        }
    }
    return NULL;
}

static double now(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static double timed(int mode, int threads) {
    pthread_t other;
    Part parts[2] = {{mode, 0, threads}, {mode, 1, threads}};
    const double t0 = now();
    if (threads == 2) pthread_create(&other, NULL, work, &parts[1]);
    work(&parts[0]);
    if (threads == 2) pthread_join(other, NULL);
    return now() - t0;
}

static int by_value(const void *a, const void *b) {
    const double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

int main(void) {
    srand(1);
    size_t total = 0;
    for (int m = 0; m < MATRICES; m++) {
        ROWS[m] = m % 3 == 2 ? 1536 : 8960;
        COLS[m] = m % 3 == 2 ? 8960 : 1536;
        const size_t bytes = ROWS[m] * COLS[m] / 256 * 144;
        total += bytes;
        GGUF[m] = aligned_alloc(64, bytes);
        PACKED[m] = aligned_alloc(64, bytes);
        if (!GGUF[m] || !PACKED[m]) return 1;
        for (size_t i = 0; i < bytes; i++) GGUF[m][i] = (uint8_t)rand();
        for (size_t i = 0; i < bytes; i += 144) GGUF[m][i + 1] = GGUF[m][i + 3] = 0x2c;  // f16 d and dmin near 0.06
        pack(GGUF[m], ROWS[m], COLS[m], PACKED[m]);
    }
    for (int k = 0; k < 2; k++) {
        const size_t cols = k ? 8960 : 1536;
        QX[k] = malloc(3 * cols);
        DX[k] = malloc(3 * cols / 32 * sizeof(float));
        SX[k] = malloc(3 * cols / 32 * sizeof(float));
        Y[k] = aligned_alloc(64, 8960 * sizeof(float));
        for (size_t i = 0; i < 3 * cols; i++) QX[k][i] = (int8_t)rand();
        for (size_t i = 0; i < 3 * cols / 32; i++) DX[k][i] = 1e-3f, SX[k][i] = 0.5f;
    }
    int differ = 0;
    float *a = malloc(8960 * sizeof(float)), *b = malloc(8960 * sizeof(float));
    gguf_rows(GGUF[0], 1536, 0, 8960, QX[0], DX[0], SX[0], a);
    packed_rows(PACKED[0], 1536, 0, 8960, QX[0], DX[0], SX[0], b, 1);
    for (int i = 0; i < 8960; i++) differ += memcmp(a + i, b + i, sizeof(float)) != 0;
    printf("%d matrices, %.0f MB; rows that differ in any bit between the two layouts: %d of 8960\n", MATRICES,
           (double)total / 1e6, differ);
    for (int threads = 1; threads <= 2; threads++) {
        double t[4][ROUNDS];
        for (int r = 0; r < ROUNDS; r++)
            for (int mode = 0; mode < 4; mode++) t[mode][r] = timed(mode, threads);
        for (int mode = 0; mode < 4; mode++) qsort(t[mode], ROUNDS, sizeof(double), by_value);
        const double g = t[0][ROUNDS / 2], p = t[1][ROUNDS / 2], s = t[2][ROUNDS / 2], read = t[3][ROUNDS / 2];
        printf("%d thread%s, medians of %d alternating rounds: GGUF layout %.1f ms (%.1f GB/s), interleaved %.1f ms "
               "(%.2fx), interleaved with split accumulators %.1f ms (%.2fx), plain read %.1f ms (%.1f GB/s)\n",
               threads, threads > 1 ? "s" : "", ROUNDS, g * 1e3, (double)total / g / 1e9, p * 1e3, g / p, s * 1e3,
               g / s, read * 1e3, (double)total / read / 1e9);
    }
    return 0;
}
