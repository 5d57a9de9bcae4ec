// The AVX-512 VNNI kernels of Sources/CKernels, built against SIMDe's portable intrinsics (shim.h) so that they run on
// any x86-64 CPU (test_avx512_emulated.sh), checked against the float kernels and against themselves, per block
// format: int8 products close to the float product of x as pg_quantize_q8 rounds it, 24-bit digit products
// (the default mode) close to the exact float product, batched rows, the prefill GEMM and the packed copy equal to
// one row at a time bit for bit; and the float32 prefill tile equal to the scalar FMA chain. Prints a checksum of
// each format's results (equal checksums before and after a change: the same bits).
#include "ckernels.h"
#include "block_common.h"
#include "decode_pool.h"
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static uint64_t state = 88172645463325252ull;
static uint32_t next(void) { state ^= state << 13; state ^= state >> 7; state ^= state << 17; return (uint32_t)state; }
static float uniform(void) { return (float)(next() >> 8) / 16777216.0f * 2 - 1; }

static uint16_t half_of(float v) {  // small positive or negative normal values only
    uint32_t b; memcpy(&b, &v, 4);
    const uint32_t sign = (b >> 16) & 0x8000; int e = (int)((b >> 23) & 255) - 127 + 15;
    if (e <= 0) return (uint16_t)sign;
    return (uint16_t)(sign | (uint32_t)e << 10 | ((b >> 13) & 1023));
}

typedef struct { int type; size_t block_values, block_bytes; const char *name; } format;
static const format formats[] = {
    {PG_BLOCK_Q4_0, 32, 18, "q4_0"}, {PG_BLOCK_Q4_1, 32, 20, "q4_1"}, {PG_BLOCK_Q5_0, 32, 22, "q5_0"},
    {PG_BLOCK_Q5_1, 32, 24, "q5_1"}, {PG_BLOCK_Q5_K, 256, 176, "q5_k"},
    {PG_BLOCK_Q8_0, 32, 34, "q8_0"}, {PG_BLOCK_Q4_K, 256, 144, "q4_k"},
    {PG_BLOCK_Q6_K, 256, 210, "q6_k"},
};

// Random blocks: every byte random, then the f16 scales set to modest normal values.
static uint8_t *blocks(const format *f, size_t rows, size_t cols) {
    const size_t n = rows * cols / f->block_values;
    uint8_t *w = malloc(n * f->block_bytes);
    for (size_t i = 0; i < n * f->block_bytes; i++) w[i] = (uint8_t)next();
    for (size_t b = 0; b < n; b++) {
        uint8_t *p = w + b * f->block_bytes;
        uint16_t d = half_of(0.01f * (1 + uniform())), m = half_of(0.02f * uniform());
        if (f->type == PG_BLOCK_Q6_K) { memcpy(p + 208, &d, 2); continue; }
        memcpy(p, &d, 2);
        if (f->type == PG_BLOCK_Q4_1 || f->type == PG_BLOCK_Q5_1 || f->block_values == 256) memcpy(p + 2, &m, 2);
    }
    return w;
}

static void float_product(int type, const void *w, size_t cols, size_t rows, const float *x, float *y) {
    switch (type) {
    case PG_BLOCK_Q4_0: pg_matvec_q4_0(w, cols, 0, rows, x, y); break;
    case PG_BLOCK_Q4_1: pg_matvec_q4_1(w, cols, 0, rows, x, y); break;
    case PG_BLOCK_Q5_0: pg_matvec_q5_0(w, cols, 0, rows, x, y); break;
    case PG_BLOCK_Q5_1: pg_matvec_q5_1(w, cols, 0, rows, x, y); break;
    case PG_BLOCK_Q8_0: pg_matvec_q8_0(w, cols, 0, rows, x, y); break;
    case PG_BLOCK_Q4_K: pg_matvec_q4_k(w, cols, 0, rows, x, y); break;
    case PG_BLOCK_Q5_K: pg_matvec_q5_k(w, cols, 0, rows, x, y); break;
    default: pg_matvec_q6_k(w, cols, 0, rows, x, y); break;
    }
}

static void int8_single(int type, const void *w, size_t cols, size_t rows, const int8_t *qx, const float *dx,
                        const float *sx, float *y) {
    switch (type) {
    case PG_BLOCK_Q4_0: pg_matvec_q4_0_q8(w, cols, 0, rows, qx, dx, sx, y); break;
    case PG_BLOCK_Q4_1: pg_matvec_q4_1_q8(w, cols, 0, rows, qx, dx, sx, y); break;
    case PG_BLOCK_Q5_0: pg_matvec_q5_0_q8(w, cols, 0, rows, qx, dx, sx, y); break;
    case PG_BLOCK_Q5_1: pg_matvec_q5_1_q8(w, cols, 0, rows, qx, dx, sx, y); break;
    case PG_BLOCK_Q8_0: pg_matvec_q8_0_q8(w, cols, 0, rows, qx, dx, sx, y); break;
    case PG_BLOCK_Q4_K: pg_matvec_q4_k_q8(w, cols, 0, rows, qx, dx, sx, y); break;
    case PG_BLOCK_Q5_K: pg_matvec_q5_k_q8(w, cols, 0, rows, qx, dx, sx, y); break;
    default: pg_matvec_q6_k_q8(w, cols, 0, rows, qx, dx, sx, y); break;
    }
}

static void int8_batched(int type, const void *w, size_t cols, size_t rows, const int8_t *qx, const float *dx,
                         const float *sx, size_t nx, float *y) {
    switch (type) {
    case PG_BLOCK_Q4_0: pg_matmat_q4_0_q8(w, cols, 0, rows, qx, dx, sx, nx, y, rows); break;
    case PG_BLOCK_Q4_1: pg_matmat_q4_1_q8(w, cols, 0, rows, qx, dx, sx, nx, y, rows); break;
    case PG_BLOCK_Q5_0: pg_matmat_q5_0_q8(w, cols, 0, rows, qx, dx, sx, nx, y, rows); break;
    case PG_BLOCK_Q5_1: pg_matmat_q5_1_q8(w, cols, 0, rows, qx, dx, sx, nx, y, rows); break;
    case PG_BLOCK_Q8_0: pg_matmat_q8_0_q8(w, cols, 0, rows, qx, dx, sx, nx, y, rows); break;
    case PG_BLOCK_Q4_K: pg_matmat_q4_k_q8(w, cols, 0, rows, qx, dx, sx, nx, y, rows); break;
    case PG_BLOCK_Q5_K: pg_matmat_q5_k_q8(w, cols, 0, rows, qx, dx, sx, nx, y, rows); break;
    default: pg_matmat_q6_k_q8(w, cols, 0, rows, qx, dx, sx, nx, y, rows); break;
    }
}

static int failures = 0;
#define CHECK(cond, ...) do { if (!(cond)) { failures++; if (failures < 30) { printf("FAIL: "); printf(__VA_ARGS__); printf("\n"); } } } while (0)

static uint64_t checksum = 1469598103934665603ull;
static void mix(const float *y, size_t n) {
    for (size_t i = 0; i < n; i++) { uint32_t b; memcpy(&b, y + i, 4); checksum = (checksum ^ b) * 1099511628211ull; }
}

static void check(const format *f, size_t rows, size_t cols) {
    const size_t nx = 7, blocks32 = cols / 32;
    uint8_t *w = blocks(f, rows, cols);
    float *x = malloc(nx * cols * 4), *ref = malloc(rows * 4), *y = malloc(nx * rows * 4), *one = malloc(rows * 4);
    for (size_t i = 0; i < nx * cols; i++) x[i] = uniform() * (i % 37 == 5 ? 100 : 1);
    int8_t *qx = malloc(3 * nx * cols);
    float *dx = malloc(3 * nx * blocks32 * 4), *sx = malloc(3 * nx * blocks32 * 4), *rounded = malloc(cols * 4);
    // int8 activations: close to the float product of x as pg_quantize_q8 rounds it; batched and GEMM rows = single
    for (size_t t = 0; t < nx; t++) pg_quantize_q8(x + t * cols, cols, qx + t * cols, dx + t * blocks32, sx + t * blocks32);
    for (size_t c = 0; c < cols; c++) rounded[c] = (float)qx[c] * dx[c / 32];
    float_product(f->type, w, cols, rows, rounded, ref);
    int8_single(f->type, w, cols, rows, qx, dx, sx, one);
    mix(one, rows);
    float scale = 1e-3f;
    for (size_t r = 0; r < rows; r++) scale = fmaxf(scale, fabsf(ref[r]));
    for (size_t r = 0; r < rows; r++)
        CHECK(fabsf(one[r] - ref[r]) <= 2e-5f * scale * sqrtf((float)cols), "%s %zux%zu int8 row %zu: %g vs %g", f->name, rows, cols, r, one[r], ref[r]);
    for (size_t n = 2; n <= nx; n += 5) {
        int8_batched(f->type, w, cols, rows, qx, dx, sx, n, y);
        for (size_t t = 0; t < n; t++) {
            int8_single(f->type, w, cols, rows, qx + t * cols, dx + t * blocks32, sx + t * blocks32, one);
            CHECK(!memcmp(one, y + t * rows, rows * 4), "%s %zux%zu int8 batched n %zu row %zu differs from single", f->name, rows, cols, n, t);
        }
    }
    if (pg_gemm_q8_supported(f->type, cols)) {
        pg_gemm_q8(f->type, w, rows, cols, x, nx, y, 2);
        for (size_t t = 0; t < nx; t++) {
            int8_single(f->type, w, cols, rows, qx + t * cols, dx + t * blocks32, sx + t * blocks32, one);
            CHECK(!memcmp(one, y + t * rows, rows * 4), "%s %zux%zu GEMM token %zu differs from the decode kernel", f->name, rows, cols, t);
        }
    } else {
        CHECK(0, "%s: no GEMM at %zu columns", f->name, cols);
    }
    // 24-bit digit rows: close to the exact float product; batched (packed or not) = single
    for (size_t t = 0; t < nx; t++)
        pg_quantize_q24(x + t * cols, cols, qx + 3 * t * cols, dx + 3 * t * blocks32, sx + 3 * t * blocks32);
    float_product(f->type, w, cols, rows, x, ref);
    pg_matvec_q24(f->type, w, cols, 0, rows, qx, dx, sx, one);
    mix(one, rows);
    scale = 1e-3f;
    for (size_t r = 0; r < rows; r++) scale = fmaxf(scale, fabsf(ref[r]));
    for (size_t r = 0; r < rows; r++)
        CHECK(fabsf(one[r] - ref[r]) <= 2e-6f * scale * sqrtf((float)cols), "%s %zux%zu q24 row %zu: %g vs %g", f->name, rows, cols, r, one[r], ref[r]);
    const size_t packed_bytes = pg_q8_packed_bytes(f->type, rows, cols);
    void *packed = packed_bytes ? aligned_alloc(64, (packed_bytes + 63) / 64 * 64) : NULL;
    if (packed) CHECK(pg_q8_pack_matrix(f->type, w, rows, cols, packed, 2), "%s: packing refused", f->name);
    for (int use_packed = 0; use_packed <= (packed != NULL); use_packed++) {
        pg_matmat_q24(f->type, w, use_packed ? packed : NULL, rows, cols, 0, rows, qx, dx, sx, nx, y, rows);
        for (size_t t = 0; t < nx; t++) {
            pg_matvec_q24(f->type, w, cols, 0, rows, qx + 3 * t * cols, dx + 3 * t * blocks32, sx + 3 * t * blocks32, one);
            CHECK(!memcmp(one, y + t * rows, rows * 4), "%s %zux%zu q24 batched (packed %d) row %zu differs", f->name, rows, cols, use_packed, t);
        }
        mix(y, nx * rows);
    }
    if (packed) {  // the packed int8 GEMM too
        pg_gemm_q8_packed(f->type, packed, rows, cols, 0, rows, qx, dx, sx, 3, y, rows);
        float *three = malloc(3 * rows * 4);
        pg_gemm_q8_rows(f->type, w, cols, 0, rows, qx, dx, sx, 3, three, rows);
        CHECK(!memcmp(three, y, 3 * rows * 4), "%s packed GEMM differs from per-call packing", f->name);
        free(three);
    }
    free(packed); free(w); free(x); free(ref); free(y); free(one); free(qx); free(dx); free(sx); free(rounded);
}

// The float32 prefill tile (gemm_f32.c): every result is the scalar FMA chain over k in order, bit for bit, so the
// AVX-512 tile here and the AVX2 tile that the Swift suite checks the same way on a CPU without AVX-512 agree.
static void check_float_tile(void) {
    const size_t shapes[][3] = {{13, 77, 96}, {7, 21, 37}, {6, 40, 1536}};
    for (int s = 0; s < 3; s++) {
        const size_t m = shapes[s][0], n = shapes[s][1], k = shapes[s][2];
        float *x = malloc(m * k * 4), *w = malloc(n * k * 4), *y = malloc(m * n * 4);
        float *pack = aligned_alloc(64, (32 * k * 4 + 63) / 64 * 64);
        for (size_t i = 0; i < m * k; i++) x[i] = uniform();
        for (size_t i = 0; i < n * k; i++) w[i] = uniform();
        pg_sgemm_rows(x, m, k, w, n, y, n, pack);
        for (size_t t = 0; t < m; t++)
            for (size_t r = 0; r < n; r++) {
                float acc = 0;
                for (size_t j = 0; j < k; j++) acc = fmaf(w[r * k + j], x[t * k + j], acc);
                CHECK(!memcmp(&acc, y + t * n + r, 4), "float tile %zux%zux%zu [%zu][%zu]: %g vs the FMA chain's %g", m, n, k, t, r, y[t * n + r], acc);
            }
        free(x); free(w); free(y); free(pack);
    }
}

int main(int argc, char **argv) {
    const char *only = argc > 1 ? argv[1] : NULL;
    if (!only || !strcmp(only, "f32")) check_float_tile();
    for (size_t i = 0; i < sizeof formats / sizeof *formats; i++) {
        const format *f = formats + i;
        if (only && strcmp(only, f->name)) continue;
        checksum = 1469598103934665603ull;
        state = 88172645463325252ull;
        for (const char *c = f->name; *c; c++) state = state * 31 + (uint64_t)*c;
        const size_t shapes[][2] = {{37, f->block_values == 256 ? 512 : 96}, {70, f->block_values == 256 ? 1280 : 896}};
        for (int s = 0; s < 2; s++) check(f, shapes[s][0], shapes[s][1]);
        printf("%s checksum %016llx\n", f->name, (unsigned long long)checksum);
    }
    printf("%s: %d failures\n", failures ? "FAILED" : "ok", failures);
    return failures != 0;
}
