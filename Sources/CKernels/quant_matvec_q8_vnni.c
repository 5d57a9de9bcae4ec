// AVX-512 VNNI int8 decode kernels for the 32-value formats (Q4_0, Q4_1, Q5_0, Q5_1, Q8_0), chosen at run time
// (pg_have_q8_vnni) by pg_matvec_*_q8 and pg_matmat_*_q8 (quant_matvec_q8.c). They compute what the int8 prefill
// GEMM (gemm_vnni.c, tile) computes, in its order: per weight row r and block b, the exact int32 sum
// isum = Σ (u − bias)·qx (VPDPBUSD, Intel SDM), then one float step per block,
//     y_r = fma(float(isum), scale_rb · dx_b, y_r)   and, for Q4_1 and Q5_1, y_r = fnmadd(−m_rb, sx_b, y_r),
// from y_r = 0 in block order. Integer sums are exact whatever their grouping, so the single-row kernel (which
// sums each row's block from the GGUF bytes and transposes sixteen rows' sums into one vector) and the batched
// one (sixteen rows packed once per call and shared by all activation rows, the GEMM's tile) give every row the
// same bits: a batched decode step equals one-at-a-time decode, and a long prompt's GEMM prefill equals its
// decode-kernel prefill. The float work is one convert, multiply and FMA per block for sixteen rows, not per row.
#include "ckernels.h"
#include "block_common.h"
#include "decode_pool.h"
#include "k_tile.h"
#include <immintrin.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int pg_have_avx512(void) {
    static int have = -1;
    if (have < 0) {
        __builtin_cpu_init();
        have = !pg_env_disables("POLYGRAPH_NO_AVX512") && __builtin_cpu_supports("avx512f") &&
               __builtin_cpu_supports("avx512bw") && __builtin_cpu_supports("avx512vl") &&
               __builtin_cpu_supports("avx512vnni");
    }
    return have;
}

int pg_have_q8_vnni(void) {
    static int have = -1;
    if (have < 0) have = pg_have_avx512() && __builtin_cpu_supports("avx512dq");
    return have;
}

enum { KIND_NIBBLE, KIND_FIVEBIT, KIND_Q8 };

#pragma clang attribute push(__attribute__((target("avx512f,avx512bw,avx512vl,avx512vnni,avx512dq"))), apply_to = function)

// −bias · Σ qx of each of `blocks` 32-value activation blocks: the integer each block's sum starts from in the
// single-row kernels below and in the GEMM tile (pg_gemm_q8_rows).
void pg_q8_block_starts(const int8_t *qx, size_t blocks, int bias, int32_t *start) {
    for (size_t b = 0; b < blocks; b++) {
        const __m256i x = _mm256_xor_si256(_mm256_loadu_si256((const __m256i *)(qx + 32 * b)), _mm256_set1_epi8((char)0x80));
        const __m256i s = _mm256_sad_epu8(x, _mm256_setzero_si256());  // Σ (qx + 128) in four 64-bit lanes
        const __m128i h = _mm_add_epi64(_mm256_castsi256_si128(s), _mm256_extracti128_si256(s, 1));
        start[b] = -bias * ((int32_t)(_mm_cvtsi128_si64(h) + _mm_extract_epi64(h, 1)) - 32 * 128);
    }
}

// The same per 16-value half of each block (start[2b], start[2b + 1]): Q6_K's sub-blocks in the tile.
void pg_q8_half_block_starts(const int8_t *qx, size_t blocks, int bias, int32_t *start) {
    for (size_t b = 0; b < blocks; b++) {
        const __m256i x = _mm256_xor_si256(_mm256_loadu_si256((const __m256i *)(qx + 32 * b)), _mm256_set1_epi8((char)0x80));
        const __m256i s = _mm256_sad_epu8(x, _mm256_setzero_si256());  // Σ (qx + 128) of bytes 0-7, 8-15, 16-23, 24-31
        const __m128i lo = _mm256_castsi256_si128(s), hi = _mm256_extracti128_si256(s, 1);
        start[2 * b] = -bias * ((int32_t)(_mm_cvtsi128_si64(lo) + _mm_extract_epi64(lo, 1)) - 16 * 128);
        start[2 * b + 1] = -bias * ((int32_t)(_mm_cvtsi128_si64(hi) + _mm_extract_epi64(hi, 1)) - 16 * 128);
    }
}

// The 32 unsigned 4-bit values (16 bytes, value j low nibble of byte j, j + 16 high) of the blocks at qa and qb, in
// value order, one block per 256-bit half: each block's bytes in two 128-bit lanes, shifted right by 0 and 4 bits.
static inline __m512i nibbles2(const uint8_t *qa, const uint8_t *qb) {
    const __m512i a = _mm512_mask_broadcast_i32x4(_mm512_broadcast_i32x4(_mm_loadu_si128((const __m128i *)qa)),
                                                  0xFF00, _mm_loadu_si128((const __m128i *)qb));
    const __m512i shift = _mm512_setr_epi64(0, 0, 0x0004000400040004, 0x0004000400040004, 0, 0,
                                            0x0004000400040004, 0x0004000400040004);
    return _mm512_and_si512(_mm512_srlv_epi16(a, shift), _mm512_set1_epi8(0x0F));
}

// The value bytes (unsigned: Q8_0's signed ones offset by 128) of the blocks whose quants start at qa and qb, one
// block per 256-bit half.
static inline __m512i values2(const int kind, const uint8_t *qa, const uint8_t *qb) {
    if (kind == KIND_NIBBLE) return nibbles2(qa, qb);
    if (kind == KIND_FIVEBIT) return halves(fivebit_bytes(qa), fivebit_bytes(qb));
    return _mm512_xor_si512(halves(_mm256_loadu_si256((const __m256i *)qa), _mm256_loadu_si256((const __m256i *)qb)),
                            _mm512_set1_epi8((char)0x80));
}

// Pair k of a group of sixteen rows holds rows k and k + 4 (k < 4), or k + 4 and k + 8, one per 256-bit half.
#define PAIR_ROW(k, half) ((k) < 4 ? (k) + 4 * (half) : (k) + 4 + 4 * (half))

// The sums of the eight int32 lanes of each row in eight vectors of two rows (PAIR_ROW), in row order: a
// transpose-and-add tree within 128-bit lanes, then across them.
static inline __m512i lane_sums16(const __m512i v[8]) {
    __m512i a[4], c[2];
    for (int i = 0; i < 4; i++)
        a[i] = _mm512_add_epi32(_mm512_unpacklo_epi32(v[2 * i], v[2 * i + 1]),
                                _mm512_unpackhi_epi32(v[2 * i], v[2 * i + 1]));
    for (int i = 0; i < 2; i++)  // c[i], 128-bit lane k: rows of pairs 4i … 4i + 3 over four lanes of k
        c[i] = _mm512_add_epi32(_mm512_unpacklo_epi64(a[2 * i], a[2 * i + 1]),
                                _mm512_unpackhi_epi64(a[2 * i], a[2 * i + 1]));
    return _mm512_add_epi32(_mm512_shuffle_i32x4(c[0], c[1], _MM_SHUFFLE(2, 0, 2, 0)),
                            _mm512_shuffle_i32x4(c[0], c[1], _MM_SHUFFLE(3, 1, 3, 1)));
}

// Rows [r0, r0 + n) of a group of sixteen (a short group repeats its last row; those lanes are not stored).
// BB: bytes per block, QS: offset of the quants, BIAS: weight = scale·(u − BIAS), or Q4_1's scale·u + m (OFF).
// hd: room for 16 · blocks words (the blocks' leading f16 pairs, row fastest).
static inline __attribute__((always_inline)) void group16(const int kind, const size_t BB, const size_t QS,
                                                         const int BIAS, const int OFF, const uint8_t *g, int n,
                                                         size_t rb, size_t blocks, const int8_t *qx,
                                                         const float *dx, const float *sx, const int32_t *start,
                                                         uint32_t *hd, float *y) {
    for (int i = 0; i < 16; i++) {
        const uint8_t *h = g + (i < n ? i : n - 1) * rb;
#pragma clang loop vectorize(disable) unroll(disable)
        for (size_t b = 0; b < blocks; b++, h += BB) memcpy(hd + 16 * b + i, h, 4);
    }
    __m512 f = _mm512_setzero_ps();
    for (size_t b = 0; b < blocks; b++) {
        const __m512i x = _mm512_broadcast_i64x4(_mm256_loadu_si256((const __m256i *)(qx + 32 * b)));
        const uint8_t *q = g + b * BB + QS;
        size_t r1 = rb;
        __asm__ volatile("" : "+r"(r1));  // keeps the compiler from holding sixteen row pointers (register spills)
        __m512i v[8];
        for (int k = 0; k < 8; k++) {
            const int ra = PAIR_ROW(k, 0), rb_ = PAIR_ROW(k, 1);
            const uint8_t *qa = q + (ra < n ? ra : n - 1) * r1, *qb = q + (rb_ < n ? rb_ : n - 1) * r1;
            _mm_prefetch((const char *)qa + 512, _MM_HINT_T0);  // each row, 512 bytes ahead
            _mm_prefetch((const char *)qb + 512, _MM_HINT_T0);
            v[k] = _mm512_dpbusd_epi32(_mm512_setzero_si512(), values2(kind, qa, qb), x);
        }
        const __m512i sum = lane_sums16(v);
        const __m512i isum = BIAS ? _mm512_add_epi32(sum, _mm512_set1_epi32(start[b])) : sum;
        const __m512i head = _mm512_loadu_si512(hd + 16 * b);
        const __m512 scale = _mm512_cvtph_ps(_mm512_cvtepi32_epi16(head));
        f = _mm512_fmadd_ps(_mm512_cvtepi32_ps(isum), _mm512_mul_ps(scale, _mm512_set1_ps(dx[b])), f);
        if (OFF) {
            const __m512 m = _mm512_cvtph_ps(_mm512_cvtepi32_epi16(_mm512_srli_epi32(head, 16)));
            f = _mm512_fnmadd_ps(_mm512_xor_ps(m, _mm512_set1_ps(-0.0f)), _mm512_set1_ps(sx[b]), f);
        }
    }
    _mm512_mask_storeu_ps(y, (__mmask16)((1u << n) - 1), f);
}

// Rows [row_begin, row_end) in groups of sixteen.
static inline __attribute__((always_inline)) void rows16(const int kind, const size_t BB, const size_t QS,
                                                        const int BIAS, const int OFF, const void *w, size_t cols,
                                                        size_t row_begin, size_t row_end, const int8_t *qx,
                                                        const float *dx, const float *sx, float *y) {
    const size_t blocks = cols / 32, row_bytes = blocks * BB;
    int32_t start[MAX_BLOCKS];  // −BIAS · Σ qx of each block
    if (BIAS) pg_q8_block_starts(qx, blocks, BIAS, start);
    uint32_t local[16 * 256], *hd = blocks <= 256 ? local : malloc(64 * blocks);
    if (!hd) abort();
    prefetch_start((const uint8_t *)w + row_begin * row_bytes, (const uint8_t *)w + row_end * row_bytes);
    size_t r = row_begin;
    for (; r + 16 <= row_end; r += 16)
        group16(kind, BB, QS, BIAS, OFF, (const uint8_t *)w + r * row_bytes, 16, row_bytes, blocks, qx, dx, sx, start,
                hd, y + r);
    if (r < row_end)
        group16(kind, BB, QS, BIAS, OFF, (const uint8_t *)w + r * row_bytes, (int)(row_end - r), row_bytes, blocks, qx,
                dx, sx, start, hd, y + r);
    if (hd != local) free(hd);
}

// Block b of sixteen rows (p[i]: row i, rb bytes each) in the GEMM tile's layout: the rows' 32 value bytes as eight
// vectors of one four-byte group of every row (values2 of rows r and r + 8, then an 8 × 8 dword transpose in each
// 256-bit half). The sixteen rows are contiguous, and so are the next sixteen: while block b is read, the b-th
// sixteenth-of-a-group slice of the next group is prefetched as one linear stream (prefetch_next16, as for the
// K-quants). Until 2026-12-07 each row was prefetched 512 bytes ahead, and block b of each of the next group's
// rows in narrow matrices: sixteen streams a row apart. Decode, 3 and 2 alternating rounds on a 2,596 MHz AVX-512
// EPYC: SmolLM2 (Q4_1) 160.5–168.4 → 219.5–236.7 tok/s default and 195.5–199.5 → 224.6–234.5 int8; Gemma 3 270M
// 60.2 / 64.0 → 96.3 / 89.0 default, 85.9 / 92.3 → 94.6 / 105.2 int8; the 0.5B 40.9 / 42.6 → 50.3 / 51.0 default,
// 53.9 / 54.6 → 49.7 / 52.7 int8.
static inline __attribute__((always_inline)) void block16(const int kind, const size_t BB, const size_t QS, size_t rb,
                                                         const uint8_t *const p[16], size_t b, __m512i o[8]) {
    __m512i z[8];
    prefetch_next16(p[0], 16 * rb, 16 * b * BB, 16 * BB);
    for (int r = 0; r < 8; r++) {
        z[r] = values2(kind, p[r] + b * BB + QS, p[r + 8] + b * BB + QS);
    }
    transpose_groups(z, o);
}

// One activation row's three 24-bit digit rows (pg_quantize_q24: qx [3, cols], dx and sx [3, cols / 32]) against
// rows [row_begin, row_end), sixteen at a time: the values of each block in the GEMM tile's layout (as pack16 makes
// them), so that the three digit rows share one transpose instead of three lane-sum trees, and per block the tile's
// integer sums and its float steps for digit rows (q24_combine, then one scale and offset step), so bit for bit as
// pg_matmat_q24.
static inline __attribute__((always_inline)) void rows16_q24(const int kind, const size_t BB, const size_t QS,
                                                            const int BIAS, const int OFF, const void *w,
                                                            size_t cols, size_t row_begin, size_t row_end,
                                                            const int8_t *qx, const float *dx, const float *sx,
                                                            float *y) {
    const size_t blocks = cols / 32;
    int32_t local[3 * 256], *start = blocks <= 256 ? local : malloc(3 * blocks * sizeof(int32_t));
    if (!start) abort();
    if (BIAS)  // −BIAS · Σ qx of each block, per digit row
        for (int d = 0; d < 3; d++) pg_q8_block_starts(qx + d * cols, blocks, BIAS, start + d * blocks);
    for (size_t r = row_begin; r < row_end; r += 16) {
        const uint8_t *p[16];
        const __m512i offs = rows16_at(w, blocks * BB, r, row_end, p);
        __m512 f = _mm512_setzero_ps();
        for (size_t b = 0; b < blocks; b++) {
            __m512i o[8];
            block16(kind, BB, QS, blocks * BB, p, b, o);
            const __m512i head = _mm512_i32gather_epi32(offs, p[0] + b * BB, 1);  // f16 d (| f16 m << 16)
            const __m512 scale = _mm512_cvtph_ps(_mm512_cvtepi32_epi16(head));
            __m512i acc[3];
            for (int d = 0; d < 3; d++) acc[d] = _mm512_set1_epi32(BIAS ? start[d * blocks + b] : 0);
            for (int g = 0; g < 8; g++) rows_dot(acc, 3, o[g], qx, cols, 32 * b + 4 * g);
            f = _mm512_fmadd_ps(sub_block_sum(acc, 3), _mm512_mul_ps(scale, _mm512_set1_ps(dx[2 * blocks + b])), f);
            if (OFF) {
                const __m512 m = _mm512_cvtph_ps(_mm512_cvtepi32_epi16(_mm512_srli_epi32(head, 16)));
                f = _mm512_fnmadd_ps(_mm512_xor_ps(m, _mm512_set1_ps(-0.0f)),
                                     _mm512_set1_ps(q24_offset_sum(sx, blocks, b)), f);
            }
        }
        store_rows16(y + r, row_end - r, f);
    }
    if (start != local) free(start);
}

// Sixteen rows from `row` of a 32-value format packed for the GEMM tile (pg_pack_group32; rows past `rows` repeat
// the last one): per block, the rows' 32 value bytes as eight vectors of one four-byte group of every row (an 8 × 8
// dword transpose in each 256-bit half, rows r and r + 8 sharing a vector), then d and, for Q4_1, −m per row. The
// 4-bit formats keep half the bytes: vectors 2j and 2j + 1 of a block share one, as its low and high nibbles, and
// each block's d (and −m) follow its values, so that a group is one stream (a batched decode step streams the
// packed matrix from memory: 0.75 instead of 1.25 bytes per Q4_1 weight, and the prefetcher follows one stream
// better than several).
static inline __attribute__((always_inline)) void pack16(const int kind, const size_t BB, const size_t QS,
                                                        const int OFF, const void *w, size_t cols, size_t row,
                                                        size_t rows, uint8_t *out, float *sc, float *of) {
    const size_t blocks = cols / 32, rb = blocks * BB;
    const uint8_t *p[16];
    for (int i = 0; i < 16; i++) p[i] = (const uint8_t *)w + (row + i < rows ? row + i : rows - 1) * rb;
    for (size_t b = 0; b < blocks; b++) {
        uint32_t head[16];
        for (int i = 0; i < 16; i++) memcpy(head + i, p[i] + b * BB, 4);
        __m512i o[8];
        block16(kind, BB, QS, rb, p, b, o);
        float *bs = sc + 16 * b, *bo = of + 16 * b;
        if (kind == KIND_NIBBLE) {  // values < 16: the shift carries nothing into the next byte
            uint8_t *block = out + nibble_block_bytes(OFF) * b;
            for (int j = 0; j < 4; j++)
                _mm512_store_si512(block + 64 * j, _mm512_or_si512(o[2 * j], _mm512_slli_epi16(o[2 * j + 1], 4)));
            bs = (float *)(block + 256); bo = bs + 16;
        } else {
            __m512i *q = (__m512i *)(out + 512 * b);
            for (int k = 0; k < 8; k++) _mm512_store_si512(q + k, o[k]);
        }
        const __m512i hv = _mm512_loadu_si512(head);
        _mm512_storeu_ps(bs, _mm512_cvtph_ps(_mm512_cvtepi32_epi16(hv)));
        if (OFF)
            _mm512_storeu_ps(bo, _mm512_xor_ps(_mm512_cvtph_ps(_mm512_cvtepi32_epi16(_mm512_srli_epi32(hv, 16))),
                                               _mm512_set1_ps(-0.0f)));
    }
}

#define VNNI_Q8(SUFFIX, TYPE, KIND, BB, QS, BIAS, OFF)                                                     \
    static void pack_##SUFFIX(const void *w, size_t cols, size_t row, size_t rows, uint8_t *q, float *sc,    \
                              float *of) {                                                                \
        pack16(KIND, BB, QS, OFF, w, cols, row, rows, q, sc, of);                                         \
    }                                                                                                     \
    PG_MATVEC_Q8_VNNI(pg_matvec_##SUFFIX##_q8_vnni) {                                                     \
        rows16(KIND, BB, QS, BIAS, OFF, w, cols, row_begin, row_end, qx, dx, sx, y);                      \
    }                                                                                                     \
    PG_MATVEC_Q8_VNNI(pg_matvec_##SUFFIX##_q24_vnni) {                                                    \
        rows16_q24(KIND, BB, QS, BIAS, OFF, w, cols, row_begin, row_end, qx, dx, sx, y);                  \
    }                                                                                                     \
    PG_MATMAT_Q8_VNNI(pg_matmat_##SUFFIX##_q8_vnni) {                                                     \
        if (nx > 1) return pg_gemm_q8_rows(TYPE, w, cols, row_begin, row_end, qx, dx, sx, nx, y, ldy);     \
        const size_t blocks = cols / 32;                                                                  \
        for (size_t t = 0; t < nx; t++)                                                                   \
            rows16(KIND, BB, QS, BIAS, OFF, w, cols, row_begin, row_end, qx + t * cols, dx + t * blocks,  \
                   sx + t * blocks, y + t * ldy);                                                         \
        return nx;                                                                                        \
    }

VNNI_Q8(q4_1, PG_BLOCK_Q4_1, KIND_NIBBLE, 20, 4, 0, 1)
VNNI_Q8(q4_0, PG_BLOCK_Q4_0, KIND_NIBBLE, 18, 2, 8, 0)
VNNI_Q8(q5_0, PG_BLOCK_Q5_0, KIND_FIVEBIT, 22, 2, 16, 0)
VNNI_Q8(q5_1, PG_BLOCK_Q5_1, KIND_FIVEBIT, 24, 4, 0, 1)
VNNI_Q8(q8_0, PG_BLOCK_Q8_0, KIND_Q8, 34, 2, 128, 0)

#pragma clang attribute pop

static pg_pack_group32 pack_for(int type) {
    switch (type) {
    case PG_BLOCK_Q4_1: return pack_q4_1;
    case PG_BLOCK_Q4_0: return pack_q4_0;
    case PG_BLOCK_Q5_0: return pack_q5_0;
    case PG_BLOCK_Q5_1: return pack_q5_1;
    case PG_BLOCK_Q8_0: return pack_q8_0;
    default: return NULL;
    }
}

pg_pack_group32 pg_q8_group_packer(int type) {
    switch (type) {
    case PG_BLOCK_Q4_K: return pg_pack_q4_k;
    case PG_BLOCK_Q5_K: return pg_pack_q5_k;
    case PG_BLOCK_Q6_K: return pg_pack_q6_k;
    default: return pack_for(type);
    }
}

int pg_q8_packs_nibbles(int type) { return type == PG_BLOCK_Q4_0 || type == PG_BLOCK_Q4_1 || type == PG_BLOCK_Q4_K; }

// The formats with an offset per block besides the scale (weight = d · u + m): their packed groups keep −m too.
static int has_offsets(int type) { return type == PG_BLOCK_Q4_1 || type == PG_BLOCK_Q5_1; }

static size_t packed_value_bytes(int type, size_t cols) { return (pg_q8_packs_nibbles(type) ? 8 : 16) * cols; }

size_t pg_q8_packed_group_bytes(int type, size_t cols) {
    return packed_value_bytes(type, cols) + (has_offsets(type) ? 2 : 1) * 16 * (cols / 32) * sizeof(float);
}

size_t pg_q8_packed_bytes(int type, size_t rows, size_t cols) {
    if (!pack_for(type) || !pg_have_q8_vnni() || cols == 0 || cols % 32 || cols > 131072 || rows == 0) return 0;
    return (rows + 15) / 16 * pg_q8_packed_group_bytes(type, cols);
}

typedef struct {
    pg_pack_group32 pack;
    const void *w;
    size_t rows, cols, group_bytes, value_bytes;
    uint8_t *out;
    int offsets;
} pack_job;

// Group c: rows [16c, 16c + 16) (the last row repeated past the end), as pack_and_run packs it in gemm_vnni.c.
static void pack_chunk(void *context, size_t c) {
    const pack_job *j = context;
    uint8_t *q = j->out + c * j->group_bytes;
    float *sc = (float *)(q + j->value_bytes), *of = j->offsets ? sc + 16 * (j->cols / 32) : sc;
    j->pack(j->w, j->cols, 16 * c, j->rows, q, sc, of);
}

int pg_q8_pack_matrix(int type, const void *w, size_t rows, size_t cols, void *out, int threads) {
    if (pg_q8_packed_bytes(type, rows, cols) == 0) return 0;
    pack_job j = {.pack = pack_for(type), .w = w, .rows = rows, .cols = cols,
                  .group_bytes = pg_q8_packed_group_bytes(type, cols),
                  .value_bytes = packed_value_bytes(type, cols), .out = out, .offsets = has_offsets(type)};
    pg_parallel_for(pack_chunk, &j, (rows + 15) / 16, threads);
    return 1;
}
