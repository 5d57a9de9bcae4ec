// AVX-512 BF16 forms of the float-activation Q4_K / Q6_K decode kernels, chosen at run time (pg_have_avx512_bf16).
// Each activation x is split once per call into three bfloat16 parts, x = h + m + l (h = bf16(x), m = bf16(x − h),
// l = bf16(x − h − m), each difference exact in float), so that with the quant values (small integers, exact in
// bf16) every product q·part is exact in float; VDPBF16PS (Intel SDM, AVX512_BF16: pairwise bf16 products added
// into float lanes) then sums them 32 values per instruction instead of widening every quant to float. The result
// differs from the AVX2 kernel only in the order and rounding of the float sums (relative ~1e-7, well inside the
// quantized mode's 1e-5 contract); the batched pg_matmat_* forms use the same block code and so equal the single
// row bit for bit. Formats: ggml-common.h block_q4_K {f16 d, dmin; u8 scales[12]; u8 qs[128]} and
// block_q6_K {u8 ql[128]; u8 qh[64]; i8 scales[16]; f16 d}.
#include "ckernels.h"
#include "block_common.h"
#include <immintrin.h>
#include <stdint.h>
#include <stdlib.h>

int pg_have_avx512_bf16(void) {
    static int have = -1;
    if (have < 0) {
        __builtin_cpu_init();
        have = pg_have_avx512() && __builtin_cpu_supports("avx512bf16") && __builtin_cpu_supports("avx512dq");
    }
    return have;
}

#pragma clang attribute push(__attribute__((target("avx512f,avx512bw,avx512vl,avx512dq,avx512bf16"))), apply_to = function)

// A per-thread scratch of at least `bytes` (64-byte aligned), kept for the thread's life: the split activations
// of a call (6 bytes per value and activation row) without an allocation per token.
static void *scratch(size_t bytes) {
    static _Thread_local void *buf = NULL;
    static _Thread_local size_t cap = 0;
    if (bytes > cap) {
        free(buf);
        cap = (bytes + 65535) & ~(size_t)65535;
        buf = aligned_alloc(64, cap);
    }
    return buf;
}

static inline __m512 bf16_to_f32(__m256i h) { return _mm512_castsi512_ps(_mm512_slli_epi32(_mm512_cvtepu16_epi32(h), 16)); }

// x[0..cols) → parts[3c + k] (k = 0: h, 1: m, 2: l) for each 32-value chunk c, values in x order.
static void split_x(const float *x, size_t cols, __m512bh *parts) {
    for (size_t c = 0; c < cols / 32; c++) {
        __m512 a = _mm512_loadu_ps(x + 32 * c), b = _mm512_loadu_ps(x + 32 * c + 16);
        __m512bh h = _mm512_cvtne2ps_pbh(b, a);  // a → lanes 0-15, b → lanes 16-31
        __m512i hi = (__m512i)h;
        a = _mm512_sub_ps(a, bf16_to_f32(_mm512_castsi512_si256(hi)));
        b = _mm512_sub_ps(b, bf16_to_f32(_mm512_extracti64x4_epi64(hi, 1)));
        __m512bh m = _mm512_cvtne2ps_pbh(b, a);
        __m512i mi = (__m512i)m;
        a = _mm512_sub_ps(a, bf16_to_f32(_mm512_castsi512_si256(mi)));
        b = _mm512_sub_ps(b, bf16_to_f32(_mm512_extracti64x4_epi64(mi, 1)));
        parts[3 * c] = h;
        parts[3 * c + 1] = m;
        parts[3 * c + 2] = _mm512_cvtne2ps_pbh(b, a);
    }
}

// Σ over one 32-value chunk of q·x (q as 32 bf16 integers) in 16 lanes: smallest part first.
static inline __m512 dot3(__m512bh q, const __m512bh *p) {
    __m512 t = _mm512_dpbf16_ps(_mm512_setzero_ps(), q, p[2]);
    t = _mm512_dpbf16_ps(t, q, p[1]);
    return _mm512_dpbf16_ps(t, q, p[0]);
}

static inline float hsum512(__m512 v) {
    __m256 s = _mm256_add_ps(_mm512_castps512_ps256(v), _mm512_extractf32x8_ps(v, 1));
    return hsum(s);
}

// bf16 bit patterns of 0..15, twice (VPERMW reads the low 5 bits of each index word).
static inline __m512i q4_table(void) {
    return _mm512_set_epi16(0x4170, 0x4160, 0x4150, 0x4140, 0x4130, 0x4120, 0x4110, 0x4100, 0x40E0, 0x40C0, 0x40A0,
                            0x4080, 0x4040, 0x4000, 0x3F80, 0x0000, 0x4170, 0x4160, 0x4150, 0x4140, 0x4130, 0x4120,
                            0x4110, 0x4100, 0x40E0, 0x40C0, 0x40A0, 0x4080, 0x4040, 0x4000, 0x3F80, 0x0000);
}

// One Q4_K super-block of one row (see q4k_block in quant_matvec_k.c for the layout): sub-block j is chunk j of
// the super-block; acc += d·scale_j·Σ q·x per chunk, off += dmin·min_j·xs_j.
static inline void q4k_block_bf16(const uint8_t *pb, const __m512bh *xp, const float *xs, __m512 *acc, __m256 *off) {
    const __m512i table = q4_table();
    __m256 scales, mins;
    q4k_scales_mins(pb + 4, &scales, &mins);
    *off = _mm256_fmadd_ps(_mm256_mul_ps(_mm256_set1_ps(half_at(pb + 2)), mins), _mm256_loadu_ps(xs), *off);
    float s[8];
    _mm256_storeu_ps(s, _mm256_mul_ps(_mm256_set1_ps(half_at(pb)), scales));
    const uint8_t *q = pb + 16;
    for (int pair = 0; pair < 4; pair++) {
        __m512i w = _mm512_cvtepu8_epi16(_mm256_loadu_si256((const __m256i *)(q + 32 * pair)));
        __m512bh lo = (__m512bh)_mm512_permutexvar_epi16(w, table);
        __m512bh hi = (__m512bh)_mm512_permutexvar_epi16(_mm512_srli_epi16(w, 4), table);
        *acc = _mm512_fmadd_ps(_mm512_set1_ps(s[2 * pair]), dot3(lo, xp + 6 * pair), *acc);
        *acc = _mm512_fmadd_ps(_mm512_set1_ps(s[2 * pair + 1]), dot3(hi, xp + 6 * pair + 3), *acc);
    }
}

// Four rows at once (rows p0 + k·rb): each chunk's three activation parts are loaded once for the four rows; every
// row's operations and their order are q4k_block_bf16's, so its sums are the same bit for bit.
static inline void q4k_block4_bf16(const uint8_t *p0, size_t rb, const __m512bh *xp, const float *xs, __m512 *acc,
                                   __m256 *off) {
    const __m512i table = q4_table();
    float s[4][8];
    for (int k = 0; k < 4; k++) {
        const uint8_t *pb = p0 + k * rb;
        __m256 scales, mins;
        q4k_scales_mins(pb + 4, &scales, &mins);
        off[k] = _mm256_fmadd_ps(_mm256_mul_ps(_mm256_set1_ps(half_at(pb + 2)), mins), _mm256_loadu_ps(xs), off[k]);
        _mm256_storeu_ps(s[k], _mm256_mul_ps(_mm256_set1_ps(half_at(pb)), scales));
    }
    for (int pair = 0; pair < 4; pair++) {
        const __m512bh lx[3] = {xp[6 * pair], xp[6 * pair + 1], xp[6 * pair + 2]};
        const __m512bh hx[3] = {xp[6 * pair + 3], xp[6 * pair + 4], xp[6 * pair + 5]};
        for (int k = 0; k < 4; k++) {
            __m512i w = _mm512_cvtepu8_epi16(_mm256_loadu_si256((const __m256i *)(p0 + k * rb + 16 + 32 * pair)));
            __m512bh lo = (__m512bh)_mm512_permutexvar_epi16(w, table);
            __m512bh hi = (__m512bh)_mm512_permutexvar_epi16(_mm512_srli_epi16(w, 4), table);
            acc[k] = _mm512_fmadd_ps(_mm512_set1_ps(s[k][2 * pair]), dot3(lo, lx), acc[k]);
            acc[k] = _mm512_fmadd_ps(_mm512_set1_ps(s[k][2 * pair + 1]), dot3(hi, hx), acc[k]);
        }
    }
}

// bf16(i − 32) for i = 0..63 (i − 32 as float, converted: exact), as the two halves of a 64-entry
// _mm512_permutex2var_epi16 table.
static inline void q6k_bf16_table(__m512i *lo_t, __m512i *hi_t) {
    *lo_t = (__m512i)_mm512_cvtne2ps_pbh(
        _mm512_setr_ps(-16, -15, -14, -13, -12, -11, -10, -9, -8, -7, -6, -5, -4, -3, -2, -1),
        _mm512_setr_ps(-32, -31, -30, -29, -28, -27, -26, -25, -24, -23, -22, -21, -20, -19, -18, -17));
    *hi_t = (__m512i)_mm512_cvtne2ps_pbh(
        _mm512_setr_ps(16, 17, 18, 19, 20, 21, 22, 23, 24, 25, 26, 27, 28, 29, 30, 31),
        _mm512_setr_ps(0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15));
}

// One Q6_K super-block of one row (layout: q6k_block in quant_matvec_k.c): the unbiased 6-bit values of chunk
// 4n + k are built 32 at a time, mapped to bf16(q − 32) by a 64-entry table; the chunk's 16 lane sums carry
// scale 2c in lanes 0-7 (values 0-15) and 2c + 1 in lanes 8-15.
static inline void q6k_block_bf16(const uint8_t *pb, const __m512bh *xp, __m512 *acc) {
    __m512i lo_t, hi_t;
    q6k_bf16_table(&lo_t, &hi_t);
    const __m512 sf = _mm512_mul_ps(_mm512_set1_ps(half_at(pb + 208)),
                                    _mm512_cvtepi32_ps(_mm512_cvtepi8_epi32(_mm_loadu_si128((const __m128i *)(pb + 192)))));
    for (int n = 0; n < 2; n++) {
        __m256i q[4];
        q6k_unpack_half(pb, n, q);
        for (int k = 0; k < 4; k++) {
            const int c = 4 * n + k;
            __m512bh v = (__m512bh)_mm512_permutex2var_epi16(lo_t, _mm512_cvtepu8_epi16(q[k]), hi_t);
            __m512i pick = _mm512_set_epi32(2 * c + 1, 2 * c + 1, 2 * c + 1, 2 * c + 1, 2 * c + 1, 2 * c + 1,
                                            2 * c + 1, 2 * c + 1, 2 * c, 2 * c, 2 * c, 2 * c, 2 * c, 2 * c, 2 * c, 2 * c);
            *acc = _mm512_fmadd_ps(_mm512_permutexvar_ps(pick, sf), dot3(v, xp + 3 * c), *acc);
        }
    }
}

// Four rows at once, as q4k_block4_bf16: the same per-row operations in q6k_block_bf16's order.
static inline void q6k_block4_bf16(const uint8_t *p0, size_t rb, const __m512bh *xp, __m512 *acc) {
    const __m256i nibble = _mm256_set1_epi8(0x0F), top = _mm256_set1_epi8(0x30);
    __m512i lo_t, hi_t;
    q6k_bf16_table(&lo_t, &hi_t);
    __m512 sf[4];
    for (int k = 0; k < 4; k++)
        sf[k] = _mm512_mul_ps(_mm512_set1_ps(half_at(p0 + k * rb + 208)),
                              _mm512_cvtepi32_ps(_mm512_cvtepi8_epi32(_mm_loadu_si128((const __m128i *)(p0 + k * rb + 192)))));
    for (int n = 0; n < 2; n++) {
        for (int j = 0; j < 4; j++) {
            const int c = 4 * n + j;
            const __m512bh x3[3] = {xp[3 * c], xp[3 * c + 1], xp[3 * c + 2]};
            __m512i pick = _mm512_set_epi32(2 * c + 1, 2 * c + 1, 2 * c + 1, 2 * c + 1, 2 * c + 1, 2 * c + 1,
                                            2 * c + 1, 2 * c + 1, 2 * c, 2 * c, 2 * c, 2 * c, 2 * c, 2 * c, 2 * c, 2 * c);
            for (int k = 0; k < 4; k++) {
                const uint8_t *ql = p0 + k * rb + 64 * n, *qh = p0 + k * rb + 128 + 32 * n;
                __m256i a = _mm256_loadu_si256((const __m256i *)(ql + 32 * (j & 1)));
                __m256i h = _mm256_loadu_si256((const __m256i *)qh);
                __m256i q;
                if (j == 0) q = _mm256_or_si256(_mm256_and_si256(a, nibble), _mm256_and_si256(_mm256_slli_epi16(h, 4), top));
                else if (j == 1) q = _mm256_or_si256(_mm256_and_si256(a, nibble), _mm256_and_si256(_mm256_slli_epi16(h, 2), top));
                else if (j == 2) q = _mm256_or_si256(_mm256_and_si256(_mm256_srli_epi16(a, 4), nibble), _mm256_and_si256(h, top));
                else q = _mm256_or_si256(_mm256_and_si256(_mm256_srli_epi16(a, 4), nibble), _mm256_and_si256(_mm256_srli_epi16(h, 2), top));
                __m512bh v = (__m512bh)_mm512_permutex2var_epi16(lo_t, _mm512_cvtepu8_epi16(q), hi_t);
                acc[k] = _mm512_fmadd_ps(_mm512_permutexvar_ps(pick, sf[k]), dot3(v, x3), acc[k]);
            }
        }
    }
}

// Software prefetch for long rows (16 or more super-blocks, e.g. ffn_down's 35): PREFETCH_GROUP_K walks the four
// rows' span linearly and so runs ahead of row 0 only; this touches each of the four rows PF_BLOCKS super-blocks
// ahead of where it is read (measured on ffn_down 1536×8960 Q6_K: 6.8 → 8.6 GB/s on one thread; worse for short
// rows, whose next super-blocks are the next row's, already fetched by the linear walk).
#ifndef PF_BLOCKS
#define PF_BLOCKS 3
#endif
#define PREFETCH_ROWS4(p, rb, b, BLOCK_BYTES, end)                                                        \
    do {                                                                                                  \
        for (int k_ = 0; k_ < 4; k_++) {                                                                  \
            const char *ahead_ = (const char *)(p) + k_ * (rb) + ((b) + PF_BLOCKS) * (BLOCK_BYTES);       \
            for (int o_ = 0; o_ < (BLOCK_BYTES); o_ += 64)                                                \
                if (ahead_ + o_ < (const char *)(end)) _mm_prefetch(ahead_ + o_, _MM_HINT_T0);            \
        }                                                                                                 \
    } while (0)
// K_ROWS4_KERNEL with 512-bit accumulators; BLOCK4(pb, row_bytes, b, acc, off) does four rows' super-block b.
#define K_ROWS4_KERNEL_512(BLOCK_BYTES, BLOCK, BLOCK4)                                                            \
    const size_t blocks = cols / 256, row_bytes = blocks * (BLOCK_BYTES);                                 \
    const uint8_t *end_ = (const uint8_t *)w + row_end * row_bytes;                                       \
    prefetch_start((const uint8_t *)w + row_begin * row_bytes, end_);                                     \
    size_t r = row_begin;                                                                                 \
    for (; r + 4 <= row_end; r += 4) {                                                                    \
        const uint8_t *p = (const uint8_t *)w + r * row_bytes;                                            \
        __m512 a[4] = {_mm512_setzero_ps(), _mm512_setzero_ps(), _mm512_setzero_ps(), _mm512_setzero_ps()}; \
        __m256 o[4] = {_mm256_setzero_ps(), _mm256_setzero_ps(), _mm256_setzero_ps(), _mm256_setzero_ps()}; \
        for (size_t b = 0; b < blocks; b++) {                                                             \
            if (blocks >= 16)                                                                             \
                PREFETCH_ROWS4(p, row_bytes, b, BLOCK_BYTES, end_);                                       \
            else                                                                                          \
                PREFETCH_GROUP_K(p, b, BLOCK_BYTES, end_);                                                \
            BLOCK4(p + b * (BLOCK_BYTES), row_bytes, b, a, o);                                            \
        }                                                                                                 \
        for (int k = 0; k < 4; k++) y[r + k] = hsum512(a[k]) - hsum(o[k]);                                \
    }                                                                                                     \
    for (; r < row_end; r++) {                                                                            \
        const uint8_t *p = (const uint8_t *)w + r * row_bytes;                                            \
        __m512 acc = _mm512_setzero_ps();                                                                 \
        __m256 off = _mm256_setzero_ps();                                                                 \
        for (size_t b = 0; b < blocks; b++) BLOCK(p + b * (BLOCK_BYTES), b, acc, off);                    \
        y[r] = hsum512(acc) - hsum(off);                                                                  \
    }

// K_TILE_KERNEL with 512-bit accumulators (same structure and order: see block_common.h).
#define K_TILE_KERNEL_512(BLOCK_BYTES, PREPARE, BLOCK, SINGLE)                                            \
    K_TILE_KERNEL_ACC(BLOCK_BYTES, PREPARE, BLOCK, SINGLE, _mm512_setzero_ps(), hsum512)

static void q4k_sums(const float *x, size_t cols, float *xs) {  // Σx over each 32 values, as the AVX2 kernel
    for (size_t j = 0; j < cols / 32; j++) {
        const float *p = x + 32 * j;
        xs[j] = hsum(_mm256_add_ps(_mm256_add_ps(_mm256_loadu_ps(p), _mm256_loadu_ps(p + 8)),
                                   _mm256_add_ps(_mm256_loadu_ps(p + 16), _mm256_loadu_ps(p + 24))));
    }
}

void pg_matvec_q4_k_bf16(const void *w, size_t cols, size_t row_begin, size_t row_end, const float *x, float *y) {
    __m512bh *xp = scratch(cols / 32 * 3 * sizeof(__m512bh) + cols / 32 * sizeof(float));
    float *xs = (float *)(xp + cols / 32 * 3);
    split_x(x, cols, xp);
    q4k_sums(x, cols, xs);
#define Q4K_BF16_BLOCK(pb, b, acc, off) q4k_block_bf16(pb, xp + 24 * (b), xs + 8 * (b), &(acc), &(off))
#define Q4K_BF16_BLOCK4(pb, rb, b, acc, off) q4k_block4_bf16(pb, rb, xp + 24 * (b), xs + 8 * (b), acc, off)
    K_ROWS4_KERNEL_512(144, Q4K_BF16_BLOCK, Q4K_BF16_BLOCK4)
#undef Q4K_BF16_BLOCK4
#undef Q4K_BF16_BLOCK
}

void pg_matvec_q6_k_bf16(const void *w, size_t cols, size_t row_begin, size_t row_end, const float *x, float *y) {
    __m512bh *xp = scratch(cols / 32 * 3 * sizeof(__m512bh));
    split_x(x, cols, xp);
#define Q6K_BF16_BLOCK(pb, b, acc, off) q6k_block_bf16(pb, xp + 24 * (b), &(acc))
#define Q6K_BF16_BLOCK4(pb, rb, b, acc, off) q6k_block4_bf16(pb, rb, xp + 24 * (b), acc)
    K_ROWS4_KERNEL_512(210, Q6K_BF16_BLOCK, Q6K_BF16_BLOCK4)
#undef Q6K_BF16_BLOCK4
#undef Q6K_BF16_BLOCK
}

// Batched forms: per tile of four activation rows, the four split rows (and Σx rows) side by side in the scratch.
void pg_matmat_q4_k_bf16(const void *w, size_t cols, size_t row_begin, size_t row_end, const float *x, size_t nx,
                         float *y, size_t ldy) {
    const size_t parts = cols / 32 * 3;
    __m512bh *xp = scratch(4 * parts * sizeof(__m512bh) + 4 * cols / 32 * sizeof(float));
    float *xs = (float *)(xp + 4 * parts);
#define Q4K_PREPARE(t0)                                                                                   \
    for (int u = 0; u < 4; u++) {                                                                         \
        split_x(x + TILE_ROW(t0, u, nx) * cols, cols, xp + u * parts);                                    \
        q4k_sums(x + TILE_ROW(t0, u, nx) * cols, cols, xs + u * (cols / 32));                             \
    }
#define Q4K_TILE_BLOCK(pb, b, acc, off, u)                                                                \
    q4k_block_bf16(pb, xp + (u) * parts + 24 * (b), xs + (u) * (cols / 32) + 8 * (b), &(acc), &(off))
#define Q4K_SINGLE(t0) pg_matvec_q4_k_bf16(w, cols, row_begin, row_end, x + (t0) * cols, y + (t0) * ldy)
    K_TILE_KERNEL_512(144, Q4K_PREPARE, Q4K_TILE_BLOCK, Q4K_SINGLE)
#undef Q4K_PREPARE
#undef Q4K_TILE_BLOCK
#undef Q4K_SINGLE
}

void pg_matmat_q6_k_bf16(const void *w, size_t cols, size_t row_begin, size_t row_end, const float *x, size_t nx,
                         float *y, size_t ldy) {
    const size_t parts = cols / 32 * 3;
    __m512bh *xp = scratch(4 * parts * sizeof(__m512bh));
#define Q6K_PREPARE(t0)                                                                                   \
    for (int u = 0; u < 4; u++) split_x(x + TILE_ROW(t0, u, nx) * cols, cols, xp + u * parts);
#define Q6K_TILE_BLOCK(pb, b, acc, off, u) q6k_block_bf16(pb, xp + (u) * parts + 24 * (b), &(acc))
#define Q6K_SINGLE(t0) pg_matvec_q6_k_bf16(w, cols, row_begin, row_end, x + (t0) * cols, y + (t0) * ldy)
    K_TILE_KERNEL_512(210, Q6K_PREPARE, Q6K_TILE_BLOCK, Q6K_SINGLE)
#undef Q6K_PREPARE
#undef Q6K_TILE_BLOCK
#undef Q6K_SINGLE
}

#pragma clang attribute pop
