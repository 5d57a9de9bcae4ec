// Helpers shared by the decode kernels (private to CKernels).
#ifndef POLYGRAPH_BLOCK_COMMON_H
#define POLYGRAPH_BLOCK_COMMON_H
#include <immintrin.h>
#include <stdlib.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#define MAX_BLOCKS 4096  /* cols up to 131072 */

// Software prefetch for the four-row kernels: a group of 4 consecutive rows is one contiguous span walked in
// `blocks` steps of 4 blocks each; at step b, touch the lines PG_PREFETCH_BYTES ahead of that position, never past
// `end` (the caller's rows end there; another thread reads what follows). PREFETCH_START warms the first
// PG_PREFETCH_BYTES of a row range. Without prefetch one thread streams at ~4 GB/s on this machine kind.
#ifndef PG_PREFETCH_BYTES
#define PG_PREFETCH_BYTES 4096
#endif
#define PREFETCH_GROUP(group, b, block_bytes, end)                                                        \
    do {                                                                                                  \
        const char *ahead_ = (const char *)(group) + PG_PREFETCH_BYTES + (b) * 4 * (block_bytes);         \
        if (ahead_ < (const char *)(end)) {                                                               \
            _mm_prefetch(ahead_, _MM_HINT_T0);                                                            \
            _mm_prefetch(ahead_ + 64, _MM_HINT_T0);                                                       \
            if (4 * (block_bytes) > 128) _mm_prefetch(ahead_ + 128, _MM_HINT_T0);                         \
        }                                                                                                 \
    } while (0)

static inline void prefetch_start(const uint8_t *begin, const uint8_t *end) {
    for (const uint8_t *p = begin; p < end && p < begin + PG_PREFETCH_BYTES; p += 64) _mm_prefetch((const char *)p, _MM_HINT_T0);
}

// Whether the environment variable `name` turns a CPU feature off (set, non-empty and not "0"): the kill switches
// POLYGRAPH_NO_AVX512 and POLYGRAPH_NO_SHA_NI.
static inline int pg_env_disables(const char *name) {
    const char *off = getenv(name);
    return off && off[0] && off[0] != '0';
}

static inline float hsum(__m256 v) {
    __m128 s = _mm_add_ps(_mm256_castps256_ps128(v), _mm256_extractf128_ps(v, 1));
    s = _mm_add_ps(s, _mm_movehl_ps(s, s));
    s = _mm_add_ss(s, _mm_movehdup_ps(s));
    return _mm_cvtss_f32(s);
}

// A block's leading f16 pair (d, m) as floats in lanes 0 and 1: one vcvtph2ps straight from memory, cheaper on
// the shuffle port than two scalar conversions and a broadcast. Lanes 2 and 3 hold quant bytes read as f16 and
// are never used.
static inline __m128 block_scales(const uint8_t *pb) { return _mm_cvtph_ps(_mm_loadl_epi64((const __m128i *)pb)); }

// The 32-value formats' block arithmetic on unpacked values (f: values 0-7, 8-15, 16-23, 24-31 as floats) against
// x[0..32): (f0·x0 + f2·x2) + (f1·x1 + f3·x3), as 8 lanes; the DOT functions of quant_matvec.c do the same.
static inline __m256 unpacked_dot(const __m256 f[4], const float *x) {
    __m256 a = _mm256_mul_ps(f[0], _mm256_loadu_ps(x));
    __m256 b = _mm256_mul_ps(f[1], _mm256_loadu_ps(x + 8));
    a = _mm256_fmadd_ps(f[2], _mm256_loadu_ps(x + 16), a);
    b = _mm256_fmadd_ps(f[3], _mm256_loadu_ps(x + 24), b);
    return _mm256_add_ps(a, b);
}

static inline float lane(__m128 v, int k) {
    float f[4];
    _mm_storeu_ps(f, v);
    return f[k];
}


// The 32 values of a 4-bit block (16 bytes: value j in the low nibble of byte j, value j + 16 in the high) as
// unsigned bytes in value order.
static inline __m256i nibble_bytes(const uint8_t *qs) {
    const __m128i mask = _mm_set1_epi8(0x0F);
    __m128i q = _mm_loadu_si128((const __m128i *)qs);
    return _mm256_set_m128i(_mm_and_si128(_mm_srli_epi16(q, 4), mask), _mm_and_si128(q, mask));
}

// The 32 five-bit values of a Q5_0 block (p: u32 qh, then 16 nibble bytes) as unsigned bytes. The fifth bits
// become bytes: every byte takes its byte of qh (shuffle), keeps its own bit (and), 0x10 where set (compare).
static inline __m256i fivebit_bytes(const uint8_t *p) {
    const __m256i which = _mm256_setr_epi8(0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 1, 1, 1, 1,
                                           2, 2, 2, 2, 2, 2, 2, 2, 3, 3, 3, 3, 3, 3, 3, 3);
    const __m256i bit = _mm256_set1_epi64x((long long)0x8040201008040201ull);
    uint32_t qh;
    memcpy(&qh, p, 4);
    __m256i own = _mm256_and_si256(_mm256_shuffle_epi8(_mm256_set1_epi32((int)qh), which), bit);
    __m256i fifth = _mm256_and_si256(_mm256_cmpeq_epi8(own, bit), _mm256_set1_epi8(0x10));
    return _mm256_or_si256(nibble_bytes(p + 4), fifth);
}

// K-quant super-blocks (256 values; ggml-common.h block_q4_K / block_q6_K) are walked one super-block per step of
// the four-row loop, so a step covers 4 · block_bytes (576 or 840 bytes): touch every line of that stretch ahead.
#define PREFETCH_GROUP_K(group, b, block_bytes, end)                                                      \
    do {                                                                                                  \
        const char *ahead_ = (const char *)(group) + PG_PREFETCH_BYTES + (b) * 4 * (block_bytes);         \
        for (int o_ = 0; o_ < 4 * (block_bytes); o_ += 64)                                                \
            if (ahead_ + o_ < (const char *)(end)) _mm_prefetch(ahead_ + o_, _MM_HINT_T0);                \
    } while (0)

// Rows of K_LONG_ROW_BLOCKS super-blocks or more (ffn_down: 35) are walked one at a time, each a single stream:
// four rows read side by side are four streams, which this machine kind's prefetchers serve at about half the
// speed of one (a plain read of 4 interleaved 5 KB rows: 19 GB/s against 33.5 linear; Q4_K × int8 on 1536×8960,
// one thread, 64-row calls: 10.2 → 15.3 GB/s one row at a time, Q6_K 8.4 → 19.0). The arithmetic of a row is the
// same either way.
#define K_LONG_ROW_BLOCKS 16

// Rows [row_begin, row_end) of a K-quant matrix, four at a time: BLOCK(pb, b, acc, off) adds super-block b of the
// row at pb into the __m256 accumulators; y[r] = Σ acc − Σ off (off carries the formats' subtracted min terms).
#define K_ROWS4_KERNEL(BLOCK_BYTES, BLOCK)                                                                \
    const size_t blocks = cols / 256, row_bytes = blocks * (BLOCK_BYTES);                                 \
    const uint8_t *end_ = (const uint8_t *)w + row_end * row_bytes;                                       \
    prefetch_start((const uint8_t *)w + row_begin * row_bytes, end_);                                     \
    size_t r = row_begin;                                                                                 \
    for (; blocks < K_LONG_ROW_BLOCKS && r + 4 <= row_end; r += 4) {                                      \
        const uint8_t *p = (const uint8_t *)w + r * row_bytes;                                            \
        __m256 a0 = _mm256_setzero_ps(), a1 = a0, a2 = a0, a3 = a0, o0 = a0, o1 = a0, o2 = a0, o3 = a0;   \
        for (size_t b = 0; b < blocks; b++) {                                                             \
            PREFETCH_GROUP_K(p, b, BLOCK_BYTES, end_);                                                    \
            const uint8_t *p0 = p + b * (BLOCK_BYTES);                                                    \
            BLOCK(p0, b, a0, o0);                                                                         \
            BLOCK(p0 + row_bytes, b, a1, o1);                                                             \
            BLOCK(p0 + 2 * row_bytes, b, a2, o2);                                                         \
            BLOCK(p0 + 3 * row_bytes, b, a3, o3);                                                         \
        }                                                                                                 \
        y[r] = hsum(a0) - hsum(o0); y[r + 1] = hsum(a1) - hsum(o1);                                       \
        y[r + 2] = hsum(a2) - hsum(o2); y[r + 3] = hsum(a3) - hsum(o3);                                   \
    }                                                                                                     \
    for (; r < row_end; r++) {                                                                            \
        const uint8_t *p = (const uint8_t *)w + r * row_bytes;                                            \
        __m256 acc = _mm256_setzero_ps(), off = acc;                                                      \
        for (size_t b = 0; b < blocks; b++) BLOCK(p + b * (BLOCK_BYTES), b, acc, off);                    \
        y[r] = hsum(acc) - hsum(off);                                                                     \
    }

// The eight 6-bit scales and eight 6-bit mins of a Q4_K super-block from its 12 packed bytes (ggml's
// get_scale_min_k4, four bytes at a time): scales 0-3 and mins 0-3 are the low 6 bits of bytes 0-3 and 4-7;
// scales 4-7 (mins 4-7) take their low 4 bits from the low (high) nibbles of bytes 8-11 and their top 2 bits from
// the top 2 bits of bytes 0-3 (4-7). Returned as eight floats each.
static inline void q4k_scales_mins(const uint8_t *packed, __m256 *scales, __m256 *mins) {
    uint32_t w[3];
    memcpy(w, packed, 12);
    const uint32_t low6 = 0x3F3F3F3Fu, low4 = 0x0F0F0F0Fu, top2 = 0x03030303u;
    uint32_t s_lo = w[0] & low6, m_lo = w[1] & low6;
    uint32_t s_hi = (w[2] & low4) | (((w[0] >> 6) & top2) << 4);
    uint32_t m_hi = ((w[2] >> 4) & low4) | (((w[1] >> 6) & top2) << 4);
    *scales = _mm256_cvtepi32_ps(_mm256_cvtepu8_epi32(_mm_set_epi32(0, 0, (int)s_hi, (int)s_lo)));
    *mins = _mm256_cvtepi32_ps(_mm256_cvtepu8_epi32(_mm_set_epi32(0, 0, (int)m_hi, (int)m_lo)));
}

// Activation row k (0-3) of the tile starting at row t of nx: t + k, or the last row when that is past the end.
#define TILE_ROW(t, k, nx) ((t) + (k) < (nx) ? (t) + (k) : (nx) - 1)

// Batched decode on K-quant super-blocks: rows [row_begin, row_end) against nx activation rows, four at a time
// while each super-block is in L1 (read from memory once for the four). BLOCK(pb, b, acc, off, t) adds super-block
// b for activation row t of the tile with K_ROWS4_KERNEL's operations in its order, so every result equals the
// matvec kernel's for that row alone, bit for bit. PREPARE(t) runs once per tile; a last tile of 3 rows
// repeats its last row (TILE_ROW; results dropped); SINGLE(t) computes each of the last 1 or 2 rows.
#define K_TILE_KERNEL(BLOCK_BYTES, PREPARE, BLOCK, SINGLE)                                                \
    const size_t blocks = cols / 256, row_bytes = blocks * (BLOCK_BYTES);                                 \
    const uint8_t *end_ = (const uint8_t *)w + row_end * row_bytes;                                       \
    size_t t = 0;                                                                                         \
    for (; t + 2 < nx; t += 4) {                                                                          \
        PREPARE(t);                                                                                       \
        prefetch_start((const uint8_t *)w + row_begin * row_bytes, end_);                                 \
        for (size_t r = row_begin; r < row_end; r++) {                                                    \
            const uint8_t *p = (const uint8_t *)w + r * row_bytes;                                        \
            __m256 a0 = _mm256_setzero_ps(), a1 = a0, a2 = a0, a3 = a0;                                   \
            __m256 o0 = _mm256_setzero_ps(), o1 = o0, o2 = o0, o3 = o0;                                   \
            for (size_t b = 0; b < blocks; b++) {                                                         \
                const uint8_t *pb = p + b * (BLOCK_BYTES);                                                \
                for (int o_ = 0; o_ < (BLOCK_BYTES); o_ += 64)                                            \
                    if (pb + PG_PREFETCH_BYTES + o_ < end_) _mm_prefetch((const char *)pb + PG_PREFETCH_BYTES + o_, _MM_HINT_T0); \
                BLOCK(pb, b, a0, o0, 0); BLOCK(pb, b, a1, o1, 1); BLOCK(pb, b, a2, o2, 2); BLOCK(pb, b, a3, o3, 3); \
            }                                                                                             \
            y[t * ldy + r] = hsum(a0) - hsum(o0); y[(t + 1) * ldy + r] = hsum(a1) - hsum(o1);             \
            if (t + 2 < nx) y[(t + 2) * ldy + r] = hsum(a2) - hsum(o2);                                   \
            if (t + 3 < nx) y[(t + 3) * ldy + r] = hsum(a3) - hsum(o3);                                   \
        }                                                                                                 \
    }                                                                                                     \
    for (; t < nx; t++) SINGLE(t);
// 1 when the CPU has AVX-512 F/BW/VL and VNNI and POLYGRAPH_NO_AVX512 is unset (quant_matvec_q8_vnni.c).
int pg_have_avx512(void);

// AVX-512 VNNI int8 kernels for 32-value blocks (quant_matvec_q8_vnni.c), used when pg_have_q8_vnni() (AVX-512
// VNNI and DQ, POLYGRAPH_NO_AVX512 unset): the single-row ones, and the batched ones, which do all nx activation
// rows (returning nx), bit for bit as the single-row ones per row.
#define PG_MATMAT_Q8_VNNI(NAME)                                                                           \
    size_t NAME(const void *w, size_t cols, size_t row_begin, size_t row_end, const int8_t *qx,          \
                const float *dx, const float *sx, size_t nx, float *y, size_t ldy)
PG_MATMAT_Q8_VNNI(pg_matmat_q4_1_q8_vnni); PG_MATMAT_Q8_VNNI(pg_matmat_q4_0_q8_vnni);
PG_MATMAT_Q8_VNNI(pg_matmat_q5_0_q8_vnni); PG_MATMAT_Q8_VNNI(pg_matmat_q8_0_q8_vnni);
PG_MATMAT_Q8_VNNI(pg_matmat_q5_1_q8_vnni);
int pg_have_q8_vnni(void);
void pg_q8_block_starts(const int8_t *qx, size_t blocks, int bias, int32_t *start);
void pg_q8_half_block_starts(const int8_t *qx, size_t blocks, int bias, int32_t *start);
// Packing of sixteen rows from `row` (those below `rows`) of a 32-value format for the int8 GEMM tile (gemm_vnni.c):
// q interleaved four values per row, sc and of [16 · cols / 32] (weight = sc · u − of).
typedef void (*pg_pack_group32)(const void *w, size_t cols, size_t row, size_t rows, uint8_t *q, float *sc, float *of);
// The 4-bit formats (Q4_0, Q4_1) pack two vectors of four-value groups into one, as nibbles (half a byte per value,
// as in the GGUF), and per block of 32 values keep 256 value bytes, 16 d and for Q4_1 16 −m together
// (nibble_block_bytes); q then holds the whole group and sc, of are not used. The others one byte per value
// (16 · cols), sc and of apart.
int pg_q8_packs_nibbles(int type);
void pg_matvec_q4_k_q8_tile(const void *w, size_t cols, size_t row_begin, size_t row_end, const int8_t *qx,
                            const float *dx, const float *sx, float *y);
void pg_matvec_q5_k_q8_tile(const void *w, size_t cols, size_t row_begin, size_t row_end, const int8_t *qx,
                            const float *dx, const float *sx, float *y);
void pg_matvec_q6_k_q8_tile(const void *w, size_t cols, size_t row_begin, size_t row_end, const int8_t *qx,
                            const float *dx, float *y);
static inline size_t nibble_block_bytes(int offsets) { return 256 + 64 + (offsets ? 64 : 0); }
size_t pg_gemm_q8_rows(int type, const void *w, size_t cols, size_t row_begin, size_t row_end, const int8_t *qx,
                       const float *dx, const float *sx, size_t nx, float *y, size_t ldy);
// The same on nx sequences of three 24-bit digit rows (pg_quantize_q24), and on a packed copy (pg_q8_pack_matrix).
size_t pg_gemm_q24_rows(int type, const void *w, size_t cols, size_t row_begin, size_t row_end, const int8_t *qx,
                        const float *dx, const float *sx, size_t nx, float *y, size_t ldy);
size_t pg_gemm_q24_packed(int type, const void *packed, size_t rows, size_t cols, size_t row_begin, size_t row_end,
                          const int8_t *qx, const float *dx, const float *sx, size_t nx, float *y, size_t ldy);
// The packer of a format's groups of sixteen rows for the tile (every format pg_gemm_sub_block knows).
pg_pack_group32 pg_q8_group_packer(int type);
void pg_pack_q4_k(const void *w, size_t cols, size_t row, size_t rows, uint8_t *out, float *sc, float *of);
void pg_pack_q5_k(const void *w, size_t cols, size_t row, size_t rows, uint8_t *out, float *sc, float *of);
void pg_pack_q6_k(const void *w, size_t cols, size_t row, size_t rows, uint8_t *out, float *sc, float *of);
int pg_gemm_sub_block(int type);
int pg_gemm_bias(int type);
#define PG_MATVEC_Q8_VNNI(NAME)                                                                           \
    void NAME(const void *w, size_t cols, size_t row_begin, size_t row_end, const int8_t *qx, const float *dx, \
              const float *sx, float *y)
PG_MATVEC_Q8_VNNI(pg_matvec_q4_1_q8_vnni); PG_MATVEC_Q8_VNNI(pg_matvec_q4_0_q8_vnni);
PG_MATVEC_Q8_VNNI(pg_matvec_q5_0_q8_vnni); PG_MATVEC_Q8_VNNI(pg_matvec_q8_0_q8_vnni);
PG_MATVEC_Q8_VNNI(pg_matvec_q5_1_q8_vnni);
// The same on the three digit rows of pg_quantize_q24 (qx [3, cols], dx and sx [3, cols / 32]), in one pass.
PG_MATVEC_Q8_VNNI(pg_matvec_q4_1_q24_vnni); PG_MATVEC_Q8_VNNI(pg_matvec_q4_0_q24_vnni);
PG_MATVEC_Q8_VNNI(pg_matvec_q5_0_q24_vnni); PG_MATVEC_Q8_VNNI(pg_matvec_q8_0_q24_vnni);
PG_MATVEC_Q8_VNNI(pg_matvec_q5_1_q24_vnni);
PG_MATVEC_Q8_VNNI(pg_matvec_q4_k_q24); PG_MATVEC_Q8_VNNI(pg_matvec_q5_k_q24); PG_MATVEC_Q8_VNNI(pg_matvec_q6_k_q24);

static inline float half_at(const uint8_t *p) {
    uint16_t h;
    memcpy(&h, p, 2);
    return _cvtsh_ss(h);
}

// The sixteen 8-bit scales of a Q6_K super-block times its d, as two vectors: scales 0-7 in s[0], 8-15 in s[1].
static inline void q6k_scales_times_d(const uint8_t *pb, __m256 s[2]) {
    const __m256 d = _mm256_set1_ps(half_at(pb + 208));
    s[0] = _mm256_mul_ps(d, _mm256_cvtepi32_ps(_mm256_cvtepi8_epi32(_mm_loadl_epi64((const __m128i *)(pb + 192)))));
    s[1] = _mm256_mul_ps(d, _mm256_cvtepi32_ps(_mm256_cvtepi8_epi32(_mm_loadl_epi64((const __m128i *)(pb + 200)))));
}

// The unbiased 6-bit values (0..63) of half n (0 or 1) of a Q6_K super-block (ggml-common.h block_q6_K: low nibbles in
// ql, top two bits in qh), 32 per vector: q[k] holds the 32 values of chunk 4n + k.
static inline void q6k_unpack_half(const uint8_t *pb, int n, __m256i q[4]) {
    const __m256i nibble = _mm256_set1_epi8(0x0F), top = _mm256_set1_epi8(0x30);
    const uint8_t *ql = pb + 64 * n, *qh = pb + 128 + 32 * n;
    const __m256i a = _mm256_loadu_si256((const __m256i *)ql), b = _mm256_loadu_si256((const __m256i *)(ql + 32));
    const __m256i h = _mm256_loadu_si256((const __m256i *)qh);
    q[0] = _mm256_or_si256(_mm256_and_si256(a, nibble), _mm256_and_si256(_mm256_slli_epi16(h, 4), top));
    q[1] = _mm256_or_si256(_mm256_and_si256(b, nibble), _mm256_and_si256(_mm256_slli_epi16(h, 2), top));
    q[2] = _mm256_or_si256(_mm256_and_si256(_mm256_srli_epi16(a, 4), nibble), _mm256_and_si256(h, top));
    q[3] = _mm256_or_si256(_mm256_and_si256(_mm256_srli_epi16(b, 4), nibble),
                           _mm256_and_si256(_mm256_srli_epi16(h, 2), top));
}

// e^x for 8 lanes with x ≤ 0 (softmax arguments): x = n·ln2 + r with n = round(x / ln2) and r from a two-part
// ln2 (Cody & Waite 1980), |r| ≤ ln2/2; e^r by its degree-7 Taylor polynomial (truncation < 1e-8 relative, so
// within ~2 ulp of expf); 2^n built in the exponent bits. Lanes below −87 (e^x under FLT_MIN) give 0.
static inline __m256 exp_nonpositive(__m256 x) {
    const __m256 low = _mm256_set1_ps(-87.0f);
    const __m256 keep = _mm256_cmp_ps(x, low, _CMP_GE_OQ);
    x = _mm256_max_ps(x, low);
    const __m256 n = _mm256_round_ps(_mm256_mul_ps(x, _mm256_set1_ps(1.44269504088896341f)),
                                     _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC);
    __m256 r = _mm256_fnmadd_ps(n, _mm256_set1_ps(0.693359375f), x);
    r = _mm256_fnmadd_ps(n, _mm256_set1_ps(-2.12194440e-4f), r);
    __m256 p = _mm256_set1_ps(1.0f / 5040);
    p = _mm256_fmadd_ps(p, r, _mm256_set1_ps(1.0f / 720));
    p = _mm256_fmadd_ps(p, r, _mm256_set1_ps(1.0f / 120));
    p = _mm256_fmadd_ps(p, r, _mm256_set1_ps(1.0f / 24));
    p = _mm256_fmadd_ps(p, r, _mm256_set1_ps(1.0f / 6));
    p = _mm256_fmadd_ps(p, r, _mm256_set1_ps(0.5f));
    p = _mm256_fmadd_ps(p, r, _mm256_set1_ps(1.0f));
    p = _mm256_fmadd_ps(p, r, _mm256_set1_ps(1.0f));
    const __m256i bits = _mm256_slli_epi32(_mm256_add_epi32(_mm256_cvtps_epi32(n), _mm256_set1_epi32(127)), 23);
    return _mm256_and_ps(_mm256_mul_ps(p, _mm256_castsi256_ps(bits)), keep);
}

#endif
