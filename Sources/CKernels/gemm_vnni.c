// Int8 prefill GEMM on quantised weights with AVX-512 VNNI (Intel SDM, VPDPBUSD: four unsigned×signed byte products
// summed into each int32 lane), as llama.cpp multiplies int8-quantised activations with the blocks: activations are
// quantised per 32 values (pg_quantize_q8); weight rows, sixteen at a time, are unpacked and interleaved by the
// format's packer (pg_q8_group_packer: quant_matvec_q8_vnni.c, quant_matvec_k_tile.c) so that each 32-bit lane of a
// vector is one row and every activation group of four bytes is broadcast. Per sub-block s of S values:
// y[t][r] += scale[r][s]·dx[t][s]·Σ u·qx − offset[r][s]·dx[t][s]·Σ qx. On this CPU the int8 decode kernels
// (pg_matvec_*_q8) use this tile's float operations in its order, and batched decode steps run the tile itself
// (pg_gemm_q8_rows), so a row gets the same bits from the prefill, a batched step or a step alone.
#include "ckernels.h"
#include "block_common.h"
#include "decode_pool.h"
#include "tile_common.h"
#include <immintrin.h>
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

// The sub-block of a format's scales in the tile: 32 values, or Q6_K's 16.
int pg_gemm_sub_block(int type) {
    switch (type) {
    case PG_BLOCK_Q4_0: case PG_BLOCK_Q4_1: case PG_BLOCK_Q5_0: case PG_BLOCK_Q5_1: case PG_BLOCK_Q8_0:
    case PG_BLOCK_Q4_K: case PG_BLOCK_Q5_K: return 32;
    case PG_BLOCK_Q6_K: return 16;
    default: return 0;
    }
}

// The formats whose offset is a fixed multiple of the scale (weight = scale · (u − bias)); 0 for the others.
int pg_gemm_bias(int type) {
    switch (type) {
    case PG_BLOCK_Q4_0: return 8;
    case PG_BLOCK_Q5_0: return 16;
    case PG_BLOCK_Q8_0: return 128;
    case PG_BLOCK_Q6_K: return 32;
    default: return 0;
    }
}

int pg_gemm_q8_supported(int type, size_t cols) {
    const int S = pg_gemm_sub_block(type);
    const size_t block = (type == PG_BLOCK_Q4_K || type == PG_BLOCK_Q5_K || type == PG_BLOCK_Q6_K) ? 256 : 32;
    return S > 0 && cols % block == 0 && cols <= 131072 && pg_have_avx512() && __builtin_cpu_supports("avx512dq");
}

#pragma clang attribute push(__attribute__((target("avx512f,avx512bw,avx512vl,avx512vnni,avx512dq"))), apply_to = function)

#define RV 2  /* groups of 16 rows per tile */
#define TT 6  /* activation rows per tile */

// A tile of RV packed groups (q, sc, of each) × nt ≤ TT activation rows from t0; S (16 or 32), B and nt are
// constants after inlining, so the accumulators stay in registers. B: the format's offset is a fixed multiple of its
// scale (Q4_0 8, Q5_0 16, Q8_0 128, Q6_K 32), so each integer sum starts from −bias · Σ qx of its token (ss holds
// that int32) and ends as Σ (u − bias) · qx, one float operation fewer per sub-block; otherwise (Q4_1, Q4_K) sums
// start from 0 and the offset is subtracted in float.
// DG 3: the nt rows are sequences of three 24-bit digit rows each (pg_quantize_q24: qx, ds rows 3t … 3t + 2, high
// digit first; with B the starts of each digit row in ss, else ss holds each sequence's q24_offset_sum), and a
// sub-block's three integer sums become one float step (q24_combine).
static inline __attribute__((always_inline)) void tile(const int S, const int B, const int NIB, const int DG,
                                                      const int nt, const uint8_t *const *q,
                                                      const float *const *sc, const float *const *of, size_t cols,
                                                      const int8_t *qx, const float *ds, const float *ss, size_t t0,
                                                      float *y, size_t ldy, size_t row0, size_t rows) {
    const size_t nsub = cols / S, NBB = nibble_block_bytes(!B);  // a nibble block's bytes (Q4_1: no bias)
    const int nr = DG * nt;                                     // activation (digit) rows, from DG · t0
    const size_t r0 = DG * t0;
    __m512 f[RV][TT];
    for (int v = 0; v < RV; v++)
        for (int t = 0; t < nt; t++) f[v][t] = _mm512_setzero_ps();
    for (size_t s = 0; s < nsub; s++) {
        __m512i acc[RV][TT];
        for (int t = 0; t < nr; t++) {
            int32_t bias = 0;
            if (B) memcpy(&bias, ss + (r0 + t) * nsub + s, 4);
            for (int v = 0; v < RV; v++) acc[v][t] = _mm512_set1_epi32(bias);
        }
        for (int g = 0; g < S / 4; g++) {
            const size_t k = s * S + 4 * g;
            __m512i w[RV];
            for (int v = 0; v < RV; v++) {
                if (NIB) {  // vectors 2j and 2j + 1 as the low and high nibbles of one (pack16)
                    const __m512i both = _mm512_load_si512((const void *)(q[v] + s * NBB + 32 * (g & ~1)));
                    w[v] = _mm512_and_si512(g & 1 ? _mm512_srli_epi16(both, 4) : both, _mm512_set1_epi8(0x0F));
                } else {
                    w[v] = _mm512_load_si512((const void *)(q[v] + 16 * k));
                }
            }
            for (int t = 0; t < nr; t++) {
                int32_t four;
                memcpy(&four, qx + (r0 + t) * cols + k, 4);
                const __m512i xb = _mm512_set1_epi32(four);
                for (int v = 0; v < RV; v++) acc[v][t] = _mm512_dpbusd_epi32(acc[v][t], w[v], xb);
            }
        }
        for (int v = 0; v < RV; v++) {
            const float *bs = NIB ? (const float *)(q[v] + s * NBB + 256) : sc[v] + 16 * s;
            const __m512 scale = _mm512_load_ps(bs);
            const __m512 off = B ? _mm512_setzero_ps() : _mm512_load_ps(NIB ? bs + 16 : of[v] + 16 * s);
            for (int t = 0; t < nt; t++) {
                // DG 3: the low digit row's scale d (the others' are d · 2⁸ and d · 2¹⁶)
                const __m512 d = _mm512_mul_ps(scale, _mm512_set1_ps(ds[(r0 + DG * t + DG - 1) * nsub + s]));
                f[v][t] = _mm512_fmadd_ps(sub_block_sum(acc[v] + DG * t, DG), d, f[v][t]);
                if (!B) f[v][t] = _mm512_fnmadd_ps(off, _mm512_set1_ps(ss[(t0 + t) * nsub + s]), f[v][t]);
            }
        }
    }
    for (int v = 0; v < RV; v++) {
        const size_t r = row0 + 16 * v;
        if (r >= rows) break;
        const __mmask16 m = rows - r >= 16 ? 0xFFFF : (__mmask16)((1u << (rows - r)) - 1);
        for (int t = 0; t < nt; t++) _mm512_mask_storeu_ps(y + (t0 + t) * ldy + r, m, f[v][t]);
    }
}

// Activation rows in tiles of at most TT, as even as possible (8: 4 + 4, not 6 + 2: a tile of few rows reloads the
// weights for little work). A row's sums do not depend on its tile, so neither do its bits.
#define TILES(NAME, S, B, NIB)                                                                                \
    static void NAME(const uint8_t *const *q, const float *const *sc, const float *const *of, size_t cols,       \
                     const int8_t *qx, const float *ds, const float *ss, size_t nx, float *y, size_t ldy,       \
                     size_t row0, size_t rows) {                                                                \
        for (size_t t = 0; t < nx;) {                                                                           \
            const size_t left = nx - t, tiles = (left + TT - 1) / TT, n = (left + tiles - 1) / tiles;          \
            switch (n) {                                                                                        \
            case 1: tile(S, B, NIB, 1, 1, q, sc, of, cols, qx, ds, ss, t, y, ldy, row0, rows); break;                   \
            case 2: tile(S, B, NIB, 1, 2, q, sc, of, cols, qx, ds, ss, t, y, ldy, row0, rows); break;                   \
            case 3: tile(S, B, NIB, 1, 3, q, sc, of, cols, qx, ds, ss, t, y, ldy, row0, rows); break;                   \
            case 4: tile(S, B, NIB, 1, 4, q, sc, of, cols, qx, ds, ss, t, y, ldy, row0, rows); break;                   \
            case 5: tile(S, B, NIB, 1, 5, q, sc, of, cols, qx, ds, ss, t, y, ldy, row0, rows); break;                   \
            default: tile(S, B, NIB, 1, TT, q, sc, of, cols, qx, ds, ss, t, y, ldy, row0, rows); break;                 \
            }                                                                                                   \
            t += n;                                                                                             \
        }                                                                                                       \
    }
TILES(tiles_16_bias, 16, 1, 0)
TILES(tiles_32_bias, 32, 1, 0)
TILES(tiles_32, 32, 0, 0)
TILES(tiles_32_bias_nibbles, 32, 1, 1)
TILES(tiles_32_nibbles, 32, 0, 1)

// The same on nx sequences of three 24-bit digit rows each (DG 3), two sequences (six digit rows) per tile.
#define TILES24(NAME, S, B, NIB)                                                                              \
    static void NAME(const uint8_t *const *q, const float *const *sc, const float *const *of, size_t cols,       \
                     const int8_t *qx, const float *ds, const float *ss, size_t nx, float *y, size_t ldy,       \
                     size_t row0, size_t rows) {                                                                \
        size_t t = 0;                                                                                           \
        for (; t + 2 <= nx; t += 2) tile(S, B, NIB, 3, 2, q, sc, of, cols, qx, ds, ss, t, y, ldy, row0, rows);   \
        if (t < nx) tile(S, B, NIB, 3, 1, q, sc, of, cols, qx, ds, ss, t, y, ldy, row0, rows);                   \
    }
TILES24(tiles24_16_bias, 16, 1, 0)
TILES24(tiles24_32_bias, 32, 1, 0)
TILES24(tiles24_32, 32, 0, 0)
TILES24(tiles24_32_bias_nibbles, 32, 1, 1)
TILES24(tiles24_32_nibbles, 32, 0, 1)

typedef void (*tiles_fn)(const uint8_t *const *, const float *const *, const float *const *, size_t, const int8_t *,
                         const float *, const float *, size_t, float *, size_t, size_t, size_t);

// The tiles for sub-blocks of S values, with or without a bias, on bytes or on nibbles (pg_q8_packs_nibbles), on
// int8 rows (digits 1) or sequences of 24-bit digit rows (digits 3).
static tiles_fn tiles_for(int S, int bias, int nibbles, int digits) {
    if (digits == 3) {
        if (S == 16) return tiles24_16_bias;
        if (nibbles) return bias ? tiles24_32_bias_nibbles : tiles24_32_nibbles;
        return bias ? tiles24_32_bias : tiles24_32;
    }
    if (S == 16) return tiles_16_bias;
    if (nibbles) return bias ? tiles_32_bias_nibbles : tiles_32_nibbles;
    return bias ? tiles_32_bias : tiles_32;
}

// pg_quantize_q8 of each of the nx rows of x (the same quants and scales: amax / 127, round to nearest even),
// with per sub-block of S values its scale ds and dx · Σ qx (ss); with a bias (see tile) ss holds instead the int32
// −bias · Σ qx, the start of the tile's integer sums.
static void quantize_rows(const float *x, size_t nx, size_t cols, int S, int bias, int8_t *qx, float *ds,
                          float *ss) {
    const size_t nsub = cols / S;
    const __m512 sign = _mm512_set1_ps(-0.0f);
    for (size_t t = 0; t < nx; t++) {
        for (size_t b = 0; b < cols / 32; b++) {
            const float *p = x + t * cols + 32 * b;
            const __m512 v0 = _mm512_loadu_ps(p), v1 = _mm512_loadu_ps(p + 16);
            const float amax = _mm512_reduce_max_ps(_mm512_max_ps(_mm512_andnot_ps(sign, v0), _mm512_andnot_ps(sign, v1)));
            const float d = amax / 127.0f, inv = d > 0 ? 1.0f / d : 0.0f;
            const __m512i q0 = _mm512_cvtps_epi32(_mm512_mul_ps(v0, _mm512_set1_ps(inv)));
            const __m512i q1 = _mm512_cvtps_epi32(_mm512_mul_ps(v1, _mm512_set1_ps(inv)));
            _mm_storeu_si128((__m128i *)(qx + t * cols + 32 * b), _mm512_cvtsepi32_epi8(q0));
            _mm_storeu_si128((__m128i *)(qx + t * cols + 32 * b + 16), _mm512_cvtsepi32_epi8(q1));
            const int s0 = _mm512_reduce_add_epi32(q0), s1 = _mm512_reduce_add_epi32(q1);
            if (S == 32 && !bias) {
                ds[t * nsub + b] = d; ss[t * nsub + b] = d * (float)(s0 + s1);
            } else if (S == 32) {
                const int32_t b01 = -bias * (s0 + s1);
                ds[t * nsub + b] = d; memcpy(ss + t * nsub + b, &b01, 4);
            } else {
                const int32_t b0 = -bias * s0, b1 = -bias * s1;
                ds[t * nsub + 2 * b] = d; memcpy(ss + t * nsub + 2 * b, &b0, 4);
                ds[t * nsub + 2 * b + 1] = d; memcpy(ss + t * nsub + 2 * b + 1, &b1, 4);
            }
        }
    }
}

#pragma clang attribute pop

typedef struct {
    const float *x;
    size_t nx, cols;
    int S, bias;
    int8_t *qx;
    float *ds, *ss;
} quantize_job;

// Activation rows [16c, 16c + 16).
static void quantize_chunk(void *context, size_t c) {
    const quantize_job *j = context;
    const size_t t = 16 * c, n = j->nx - t < 16 ? j->nx - t : 16, nsub = j->cols / j->S;
    quantize_rows(j->x + t * j->cols, n, j->cols, j->S, j->bias, j->qx + t * j->cols, j->ds + t * nsub,
                  j->ss + t * nsub);
}

typedef struct {
    const float *gate;
    float *up;
    size_t count;
} swiglu_job;

// silu(g) = g · σ(g) with e^(−|g|) from exp_nonpositive: σ(g) = 1 / (1 + e^(−g)) for g ≥ 0, e^g / (1 + e^g) below.
static void swiglu_chunk(void *context, size_t c) {
    const swiglu_job *j = context;
    const size_t end = (c + 1) * 16384 < j->count ? (c + 1) * 16384 : j->count;
    size_t i = c * 16384;
    const __m256 one = _mm256_set1_ps(1.0f), sign = _mm256_set1_ps(-0.0f);
    for (; i + 8 <= end; i += 8) {
        const __m256 g = _mm256_loadu_ps(j->gate + i);
        const __m256 t = exp_nonpositive(_mm256_or_ps(g, sign));  // e^(−|g|)
        const __m256 num = _mm256_blendv_ps(one, t, g);           // sign bit of g set: e^g, else 1
        const __m256 sig = _mm256_div_ps(num, _mm256_add_ps(one, t));
        _mm256_storeu_ps(j->up + i, _mm256_mul_ps(_mm256_mul_ps(g, sig), _mm256_loadu_ps(j->up + i)));
    }
    for (; i < end; i++) {
        const float g = j->gate[i];
        j->up[i] = g / (1.0f + expf(-g)) * j->up[i];
    }
}

void pg_swiglu_parallel(const float *gate, float *up, size_t count, int threads) {
    swiglu_job j = {.gate = gate, .up = up, .count = count};
    pg_parallel_for(swiglu_chunk, &j, (count + 16383) / 16384, threads);
}

// GELU with the tanh approximation (Hendrycks & Gimpel 2016), written as 0.5·g·(1 + tanh(u)) = g·σ(2u) with
// u = √(2/π)·(g + 0.044715·g³), σ as in swiglu_chunk: up = gelu(g) · up.
static void gelu_tanh_chunk(void *context, size_t c) {
    const swiglu_job *j = context;
    const size_t end = (c + 1) * 16384 < j->count ? (c + 1) * 16384 : j->count;
    size_t i = c * 16384;
    const float beta = 0.7978845608028654f, kappa = 0.044715f;
    const __m256 one = _mm256_set1_ps(1.0f), sign = _mm256_set1_ps(-0.0f), b2 = _mm256_set1_ps(2 * beta),
                 k = _mm256_set1_ps(kappa);
    for (; i + 8 <= end; i += 8) {
        const __m256 g = _mm256_loadu_ps(j->gate + i);
        const __m256 z = _mm256_mul_ps(b2, _mm256_fmadd_ps(_mm256_mul_ps(k, g), _mm256_mul_ps(g, g), g));  // 2u
        const __m256 t = exp_nonpositive(_mm256_or_ps(z, sign));  // e^(−|z|)
        const __m256 num = _mm256_blendv_ps(one, t, z);           // sign bit of z set: e^z, else 1
        const __m256 sig = _mm256_div_ps(num, _mm256_add_ps(one, t));
        _mm256_storeu_ps(j->up + i, _mm256_mul_ps(_mm256_mul_ps(g, sig), _mm256_loadu_ps(j->up + i)));
    }
    for (; i < end; i++) {
        const float g = j->gate[i], z = 2 * beta * (g + kappa * g * g * g);
        j->up[i] = g / (1.0f + expf(-z)) * j->up[i];
    }
}

void pg_gelu_tanh_parallel(const float *gate, float *up, size_t count, int threads) {
    swiglu_job j = {.gate = gate, .up = up, .count = count};
    pg_parallel_for(gelu_tanh_chunk, &j, (count + 16383) / 16384, threads);
}

typedef struct {
    int type, S, bias;
    const void *w;
    size_t rows, cols, nx;
    const int8_t *qx;
    const float *ds, *ss;
    float *y;
} gemm_job;

// Rows [row0, row0 + 16·RV) (those below `rows`) packed into buf (group_bytes(cols, S) · RV, 64-byte aligned) by the
// format's packer (pg_q8_group_packer), then all nx activation rows: y[t·ldy + r].
static size_t group_bytes(size_t cols, int S) { return 16 * cols + 2 * 16 * (cols / S) * sizeof(float); }

static void pack_and_run(int type, int S, int bias, int digits, const void *w, size_t cols, size_t row0,
                         size_t rows, const int8_t *qx, const float *ds, const float *ss, size_t nx, float *y,
                         size_t ldy, uint8_t *buf) {
    const size_t nsub = cols / S, gb = group_bytes(cols, S);
    const pg_pack_group32 pack = pg_q8_group_packer(type);
    // (with nibbles, pack16 keeps the scales within q: gs and go are only passed along)
    const uint8_t *q[RV];
    const float *sc[RV], *of[RV];
    for (int v = 0; v < RV; v++) {
        uint8_t *g = buf + v * gb;
        float *gs = (float *)(g + 16 * cols), *go = gs + 16 * nsub;
        pack(w, cols, row0 + 16 * v, rows, g, gs, go);
        q[v] = g; sc[v] = gs; of[v] = go;
    }
    tiles_for(S, bias, pg_q8_packs_nibbles(type), digits)(q, sc, of, cols, qx, ds, ss, nx, y, ldy, row0, rows);
}

static uint8_t *pack_buffer(size_t cols, int S) {
    uint8_t *buf = aligned_alloc(64, (RV * group_bytes(cols, S) + 63) / 64 * 64);
    if (!buf) abort();
    return buf;
}

// Chunk c: rows [16·RV·c, 16·RV·(c + 1)) packed into a buffer of its own, then all activation rows.
static void gemm_chunk(void *context, size_t c) {
    const gemm_job *j = context;
    uint8_t *buf = pack_buffer(j->cols, j->S);
    pack_and_run(j->type, j->S, j->bias, 1, j->w, j->cols, 16 * RV * c, j->rows, j->qx, j->ds, j->ss, j->nx, j->y,
                 j->rows, buf);
    free(buf);
}

#define STARTS_ON_STACK 4096

// The tile's ss for nx sequences of `digits` activation rows (blocks of 32 values each): for a format with a bias,
// the integer start −bias · Σ qx of every row's blocks (see tile); for 24-bit digit rows without one, each sequence's
// q24_offset_sum per block; sx itself otherwise. Kept in `local` (STARTS_ON_STACK values) when it fits; release
// with block_starts_free.
static float *block_starts(int bias, int digits, const int8_t *qx, size_t nx, size_t blocks, const float *sx,
                           int32_t *local) {
    if (!bias && digits == 1) return (float *)sx;
    const size_t values = (bias ? digits : 1) * nx * blocks;
    float *ss = values <= STARTS_ON_STACK ? (float *)local : malloc(values * sizeof(float));
    if (!ss) abort();
    if (bias) pg_q8_block_starts(qx, digits * nx * blocks, bias, (int32_t *)ss);
    else
        for (size_t t = 0; t < nx; t++)
            for (size_t b = 0; b < blocks; b++) ss[t * blocks + b] = q24_offset_sum(sx + 3 * t * blocks, blocks, b);
    return ss;
}

static void block_starts_free(float *ss, const float *sx, const int32_t *local) {
    if (ss != sx && ss != (const float *)local) free(ss);
}

// The tile's per-16-value activation terms of a Q6_K-style format (S 16, with a bias): each 32-value block's dx twice
// in ds16, and in ss16 the int32 start −bias · Σ qx of each half (quantize_rows' values for S 16).
static void half_block_terms(const int8_t *qx, const float *dx, size_t blocks, int bias, float *ds16, int32_t *ss16) {
    for (size_t b = 0; b < blocks; b++) ds16[2 * b] = ds16[2 * b + 1] = dx[b];
    pg_q8_half_block_starts(qx, blocks, bias, ss16);
}

// Rows [row_begin, row_end) against nx sequences of `digits` activation rows (qx [digits · nx, cols], dx and sx
// [digits · nx, cols / 32]), groups packed per call.
static size_t gemm_rows(int type, const void *w, size_t cols, size_t row_begin, size_t row_end, const int8_t *qx,
                        const float *dx, const float *sx, size_t nx, int digits, float *y, size_t ldy) {
    const int S = pg_gemm_sub_block(type), bias = pg_gemm_bias(type);
    const size_t blocks = cols / 32, nr = digits * nx;
    int32_t local[STARTS_ON_STACK];
    float *ds = (float *)dx, *ss;
    if (S == 16) {  // two sub-blocks per activation block: per-half scales and starts
        ds = malloc(2 * 2 * nr * blocks * sizeof(float));
        if (!ds) abort();
        ss = ds + 2 * nr * blocks;
        for (size_t t = 0; t < nr; t++)
            half_block_terms(qx + t * cols, dx + t * blocks, blocks, bias, ds + 2 * t * blocks,
                             (int32_t *)ss + 2 * t * blocks);
    } else {
        ss = block_starts(bias, digits, qx, nx, blocks, sx, local);
    }
    uint8_t *buf = pack_buffer(cols, S);
    for (size_t r = row_begin; r < row_end; r += 16 * RV)
        pack_and_run(type, S, bias, digits, w, cols, r, row_end, qx, ds, ss, nx, y, ldy, buf);
    free(buf);
    if (S == 16) free(ds);
    else block_starts_free(ss, sx, local);
    return nx;
}

// Int8 decode on the tile (pg_matmat_*_q8_vnni for the 32-value formats, pg_matvec/pg_matmat_q4_k_q8 and _q6_k_q8
// for the K-quants): rows [row_begin, row_end) against nx activation rows quantised by pg_quantize_q8 (qx, dx, sx),
// groups packed per call; returns nx. Each row's bits are what the prefill GEMM gives it, whatever nx.
size_t pg_gemm_q8_rows(int type, const void *w, size_t cols, size_t row_begin, size_t row_end, const int8_t *qx,
                       const float *dx, const float *sx, size_t nx, float *y, size_t ldy) {
    return gemm_rows(type, w, cols, row_begin, row_end, qx, dx, sx, nx, 1, y, ldy);
}

// The same on nx sequences of three 24-bit digit rows (pg_quantize_q24), as the single-row 24-bit kernels compute.
size_t pg_gemm_q24_rows(int type, const void *w, size_t cols, size_t row_begin, size_t row_end, const int8_t *qx,
                        const float *dx, const float *sx, size_t nx, float *y, size_t ldy) {
    return gemm_rows(type, w, cols, row_begin, row_end, qx, dx, sx, nx, 3, y, ldy);
}

size_t pg_q8_packed_group_bytes(int type, size_t cols);

// The tile on groups packed once (pg_q8_pack_matrix) instead of packed per call; the same tiles as pack_and_run,
// so the same bits. A second group past the matrix's last reuses the first (computed, never stored).
static size_t gemm_packed(int type, const void *packed, size_t rows, size_t cols, size_t row_begin, size_t row_end,
                          const int8_t *qx, const float *dx, const float *sx, size_t nx, int digits, float *y,
                          size_t ldy) {
    const size_t blocks = cols / 32, gb = pg_q8_packed_group_bytes(type, cols), groups = (rows + 15) / 16;
    const int bias = pg_gemm_bias(type);
    int32_t local[STARTS_ON_STACK];
    float *ss = block_starts(bias, digits, qx, nx, blocks, sx, local);
    for (size_t r = row_begin; r < row_end; r += 16 * RV) {
        const uint8_t *q[RV];
        const float *sc[RV], *of[RV];
        for (int v = 0; v < RV; v++) {
            const size_t g = r / 16 + v < groups ? r / 16 + v : r / 16;
            q[v] = (const uint8_t *)packed + g * gb;
            sc[v] = (const float *)(q[v] + 16 * cols);  // (not used with nibbles: their scales are within q)
            of[v] = bias ? sc[v] : sc[v] + 16 * blocks;
        }
        tiles_for(32, bias, pg_q8_packs_nibbles(type), digits)(q, sc, of, cols, qx, dx, ss, nx, y, ldy, r, row_end);
    }
    block_starts_free(ss, sx, local);
    return nx;
}

size_t pg_gemm_q8_packed(int type, const void *packed, size_t rows, size_t cols, size_t row_begin, size_t row_end,
                         const int8_t *qx, const float *dx, const float *sx, size_t nx, float *y, size_t ldy) {
    return gemm_packed(type, packed, rows, cols, row_begin, row_end, qx, dx, sx, nx, 1, y, ldy);
}

size_t pg_gemm_q24_packed(int type, const void *packed, size_t rows, size_t cols, size_t row_begin, size_t row_end,
                          const int8_t *qx, const float *dx, const float *sx, size_t nx, float *y, size_t ldy) {
    return gemm_packed(type, packed, rows, cols, row_begin, row_end, qx, dx, sx, nx, 3, y, ldy);
}

void pg_gemm_q8(int type, const void *w, size_t rows, size_t cols, const float *x, size_t nx, float *y,
                int threads) {
    const int S = pg_gemm_sub_block(type);
    const size_t nsub = cols / S;
    int8_t *qx = aligned_alloc(64, (nx * cols + 63) / 64 * 64);
    float *ds = malloc(2 * nx * nsub * sizeof(float));
    if (!qx || !ds) abort();
    float *ss = ds + nx * nsub;
    const int bias = pg_gemm_bias(type);
    quantize_job qj = {.x = x, .nx = nx, .cols = cols, .S = S, .bias = bias, .qx = qx, .ds = ds, .ss = ss};
    pg_parallel_for(quantize_chunk, &qj, (nx + 15) / 16, threads);
    gemm_job job = {.type = type, .S = S, .bias = bias, .w = w, .rows = rows, .cols = cols, .nx = nx, .qx = qx,
                    .ds = ds, .ss = ss, .y = y};
    pg_parallel_for(gemm_chunk, &job, (rows + 16 * RV - 1) / (16 * RV), threads);
    free(qx); free(ds);
}
