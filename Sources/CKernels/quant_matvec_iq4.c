// AVX2/FMA/F16C decode kernels for the 4-bit non-linear formats: with F32 activations (the `quantized` mode, every
// CPU), and with the int8 activations of pg_quantize_q8 (the `quantizedInt8` mode; 24-bit digit rows have no IQ4
// kernel, so `quantized` on AVX-512 VNNI reads F32 here too). Layouts (ggml-common.h): block_iq4_nl {f16 d;
// u8 qs[16]} (32 values), block_iq4_xs {f16 d; u16 scales_h; u8 scales_l[4]; u8 qs[128]} (256 values in 8
// sub-blocks of 32 with 6-bit scales). Index byte j of a 32-value group holds values j (low nibble) and j + 16 (high
// nibble); each index picks one of kvalues_iq4nl's 16 int8 levels (one byte shuffle per 16 values).
#include "ckernels.h"
#include "block_common.h"
#include <immintrin.h>
#include <stdint.h>

static const int8_t iq4_levels[16] = {-127, -104, -83, -65, -49, -35, -22, -10, 1, 13, 25, 38, 53, 69, 89, 113};

// The 32 levels of one group of 16 index bytes as four vectors of 8 floats (values 0-7, 8-15, 16-23, 24-31).
static inline void iq4_unpack(const uint8_t *qs, __m256 f[4]) {
    const __m128i table = _mm_loadu_si128((const __m128i *)iq4_levels), nibble = _mm_set1_epi8(0x0F);
    const __m128i bytes = _mm_loadu_si128((const __m128i *)qs);
    const __m128i lo = _mm_shuffle_epi8(table, _mm_and_si128(bytes, nibble));
    const __m128i hi = _mm_shuffle_epi8(table, _mm_and_si128(_mm_srli_epi16(bytes, 4), nibble));
    f[0] = _mm256_cvtepi32_ps(_mm256_cvtepi8_epi32(lo));
    f[1] = _mm256_cvtepi32_ps(_mm256_cvtepi8_epi32(_mm_srli_si128(lo, 8)));
    f[2] = _mm256_cvtepi32_ps(_mm256_cvtepi8_epi32(hi));
    f[3] = _mm256_cvtepi32_ps(_mm256_cvtepi8_epi32(_mm_srli_si128(hi, 8)));
}

// One IQ4_NL row (blocks of 18 bytes at p) against NT activation rows x + t·cols: per row of x, two accumulators
// (even and odd blocks) so that consecutive blocks' FMAs do not wait on each other; the single-row kernel is NT = 1,
// so every batched result equals it bit for bit.
static inline __attribute__((always_inline)) void iq4nl_row(const uint8_t *p, size_t cols, const float *x, int nt,
                                                             float *y, size_t ldy) {
    __m256 acc[4][2];
    for (int t = 0; t < nt; t++) acc[t][0] = acc[t][1] = _mm256_setzero_ps();
    for (size_t b = 0; b < cols / 32; b++) {
        const uint8_t *pb = p + 18 * b;
        const __m256 d = _mm256_set1_ps(half_at(pb));
        __m256 f[4];
        iq4_unpack(pb + 2, f);
        for (int t = 0; t < nt; t++) acc[t][b & 1] = _mm256_fmadd_ps(d, unpacked_dot(f, x + t * cols + 32 * b), acc[t][b & 1]);
    }
    for (int t = 0; t < nt; t++) y[t * ldy] = hsum(_mm256_add_ps(acc[t][0], acc[t][1]));
}

void pg_matvec_iq4_nl(const void *w, size_t cols, size_t row_begin, size_t row_end, const float *x, float *y) {
    const size_t row_bytes = cols / 32 * 18;
    for (size_t r = row_begin; r < row_end; r++) iq4nl_row((const uint8_t *)w + r * row_bytes, cols, x, 1, y + r, 1);
}

void pg_matmat_iq4_nl(const void *w, size_t cols, size_t row_begin, size_t row_end, const float *x, size_t nx,
                      float *y, size_t ldy) {
    const size_t row_bytes = cols / 32 * 18;
    for (size_t r = row_begin; r < row_end; r++) {
        const uint8_t *p = (const uint8_t *)w + r * row_bytes;
        size_t t = 0;
        for (; t + 4 <= nx; t += 4) iq4nl_row(p, cols, x + t * cols, 4, y + t * ldy + r, ldy);
        switch (nx - t) {
        case 3: iq4nl_row(p, cols, x + t * cols, 3, y + t * ldy + r, ldy); break;
        case 2: iq4nl_row(p, cols, x + t * cols, 2, y + t * ldy + r, ldy); break;
        case 1: iq4nl_row(p, cols, x + t * cols, 1, y + t * ldy + r, ldy); break;
        default: break;
        }
    }
}

// One IQ4_XS super-block of one row against x[0..256): sub-block j's scale is its nibble of scales_l[j / 2] with
// bits 2j, 2j+1 of scales_h on top; value = d·(scale − 32)·level.
static inline void iq4xs_block(const uint8_t *pb, const float *x, __m256 *acc) {
    const float d = half_at(pb);
    const unsigned high = (unsigned)pb[2] | (unsigned)pb[3] << 8;
    for (int j = 0; j < 8; j++) {
        const int scale = ((pb[4 + j / 2] >> (4 * (j % 2))) & 0x0F) | (int)(((high >> (2 * j)) & 3) << 4);
        __m256 f[4];
        iq4_unpack(pb + 8 + 16 * j, f);
        *acc = _mm256_fmadd_ps(_mm256_set1_ps(d * (float)(scale - 32)), unpacked_dot(f, x + 32 * j), *acc);
    }
}

void pg_matvec_iq4_xs(const void *w, size_t cols, size_t row_begin, size_t row_end, const float *x, float *y) {
#define IQ4XS_ROW_BLOCK(pb, b, acc, off) iq4xs_block(pb, x + 256 * (b), &(acc))
    K_ROWS4_KERNEL(136, IQ4XS_ROW_BLOCK)
#undef IQ4XS_ROW_BLOCK
}

void pg_matmat_iq4_xs(const void *w, size_t cols, size_t row_begin, size_t row_end, const float *x, size_t nx,
                      float *y, size_t ldy) {
#define IQ4XS_PREPARE(t0) (void)(t0)
#define IQ4XS_TILE_BLOCK(pb, b, acc, off, u) iq4xs_block(pb, x + TILE_ROW(t, u, nx) * cols + 256 * (b), &(acc))
#define IQ4XS_SINGLE(t0) pg_matvec_iq4_xs(w, cols, row_begin, row_end, x + (t0) * cols, y + (t0) * ldy)
    K_TILE_KERNEL(136, IQ4XS_PREPARE, IQ4XS_TILE_BLOCK, IQ4XS_SINGLE)
#undef IQ4XS_PREPARE
#undef IQ4XS_TILE_BLOCK
#undef IQ4XS_SINGLE
}

// --- int8 activations (pg_quantize_q8: per 32 values qx, and dx = max|x| / 127): each 32-value group is one integer
// dot product of its 32 levels with qx (llama.cpp's vec_dot_iq4_nl_q8_0 / iq4_xs_q8_K sums, per 32 values here),
// converted to float and scaled by the weight scale × dx.

// The 32 levels of one group of 16 index bytes as int8, in value order (low nibbles then high nibbles).
static inline __m256i iq4_levels32(const uint8_t *qs, __m256i table) {
    const __m128i bytes = _mm_loadu_si128((const __m128i *)qs);
    const __m256i index = _mm256_and_si256(_mm256_set_m128i(_mm_srli_epi16(bytes, 4), bytes), _mm256_set1_epi8(0x0F));
    return _mm256_shuffle_epi8(table, index);
}

// Σ level·qx over 32 values as 8 float lanes: maddubs needs an unsigned left operand, so |level| · (qx with level's
// sign); |level| ≤ 127 and |qx| ≤ 127, so no int16 pair sum saturates (≤ 32258).
static inline __m256 levels_times_q8(__m256i w, const int8_t *qx) {
    const __m256i x = _mm256_loadu_si256((const __m256i *)qx);
    const __m256i pairs = _mm256_maddubs_epi16(_mm256_sign_epi8(w, w), _mm256_sign_epi8(x, w));
    return _mm256_cvtepi32_ps(_mm256_madd_epi16(pairs, _mm256_set1_epi16(1)));
}

static inline __m256i iq4_table(void) {
    return _mm256_broadcastsi128_si256(_mm_loadu_si128((const __m128i *)iq4_levels));
}

// One IQ4_NL row against NT int8 activation rows (qx + t·cols, dx + t·cols/32), as iq4nl_row: the single-row kernel
// is NT = 1, so every batched result equals it bit for bit.
static inline __attribute__((always_inline)) void iq4nl_row_q8(const uint8_t *p, size_t cols, const int8_t *qx,
                                                                const float *dx, int nt, float *y, size_t ldy) {
    const size_t nb = cols / 32;
    const __m256i table = iq4_table();
    __m256 acc[4][2];
    for (int t = 0; t < nt; t++) acc[t][0] = acc[t][1] = _mm256_setzero_ps();
    for (size_t b = 0; b < nb; b++) {
        const uint8_t *pb = p + 18 * b;
        const float d = half_at(pb);
        const __m256i w = iq4_levels32(pb + 2, table);
        for (int t = 0; t < nt; t++)
            acc[t][b & 1] = _mm256_fmadd_ps(_mm256_set1_ps(d * dx[t * nb + b]),
                                            levels_times_q8(w, qx + t * cols + 32 * b), acc[t][b & 1]);
    }
    for (int t = 0; t < nt; t++) y[t * ldy] = hsum(_mm256_add_ps(acc[t][0], acc[t][1]));
}

// Four IQ4_NL rows from p (row_bytes apart) against one int8 activation row: each activation block is loaded once
// for the four, and each row meets iq4nl_row_q8's operations in its order (so equals it bit for bit).
static inline void iq4nl_rows4_q8(const uint8_t *p, size_t row_bytes, size_t cols, const int8_t *qx,
                                  const float *dx, float *y) {
    const __m256i table = iq4_table();
    __m256 acc[4][2];
    for (int i = 0; i < 4; i++) acc[i][0] = acc[i][1] = _mm256_setzero_ps();
    for (size_t b = 0; b < cols / 32; b++) {
        for (int i = 0; i < 4; i++) {
            const uint8_t *pb = p + i * row_bytes + 18 * b;
            const __m256i w = iq4_levels32(pb + 2, table);
            acc[i][b & 1] = _mm256_fmadd_ps(_mm256_set1_ps(half_at(pb) * dx[b]), levels_times_q8(w, qx + 32 * b),
                                            acc[i][b & 1]);
        }
    }
    for (int i = 0; i < 4; i++) y[i] = hsum(_mm256_add_ps(acc[i][0], acc[i][1]));
}

void pg_matvec_iq4_nl_q8(const void *w, size_t cols, size_t row_begin, size_t row_end, const int8_t *qx,
                         const float *dx, const float *sx, float *y) {
    (void)sx;
    const size_t row_bytes = cols / 32 * 18;
    size_t r = row_begin;
    for (; r + 4 <= row_end; r += 4) iq4nl_rows4_q8((const uint8_t *)w + r * row_bytes, row_bytes, cols, qx, dx, y + r);
    for (; r < row_end; r++) iq4nl_row_q8((const uint8_t *)w + r * row_bytes, cols, qx, dx, 1, y + r, 1);
}

void pg_matmat_iq4_nl_q8(const void *w, size_t cols, size_t row_begin, size_t row_end, const int8_t *qx,
                         const float *dx, const float *sx, size_t nx, float *y, size_t ldy) {
    (void)sx;
    const size_t row_bytes = cols / 32 * 18, nb = cols / 32;
    for (size_t r = row_begin; r < row_end; r++) {
        const uint8_t *p = (const uint8_t *)w + r * row_bytes;
        size_t t = 0;
        for (; t + 4 <= nx; t += 4) iq4nl_row_q8(p, cols, qx + t * cols, dx + t * nb, 4, y + t * ldy + r, ldy);
        switch (nx - t) {
        case 3: iq4nl_row_q8(p, cols, qx + t * cols, dx + t * nb, 3, y + t * ldy + r, ldy); break;
        case 2: iq4nl_row_q8(p, cols, qx + t * cols, dx + t * nb, 2, y + t * ldy + r, ldy); break;
        case 1: iq4nl_row_q8(p, cols, qx + t * cols, dx + t * nb, 1, y + t * ldy + r, ldy); break;
        default: break;
        }
    }
}

// One IQ4_XS super-block against qx[0..256), dx[0..8): sub-block j scaled by d·(scale_j − 32)·dx_j (as iq4xs_block).
static inline void iq4xs_q8_block(const uint8_t *pb, const int8_t *qx, const float *dx, __m256 *acc) {
    const float d = half_at(pb);
    const unsigned high = (unsigned)pb[2] | (unsigned)pb[3] << 8;
    const __m256i table = iq4_table();
    for (int j = 0; j < 8; j++) {
        const int scale = ((pb[4 + j / 2] >> (4 * (j % 2))) & 0x0F) | (int)(((high >> (2 * j)) & 3) << 4);
        const __m256i w = iq4_levels32(pb + 8 + 16 * j, table);
        *acc = _mm256_fmadd_ps(_mm256_set1_ps(d * (float)(scale - 32) * dx[j]), levels_times_q8(w, qx + 32 * j),
                               *acc);
    }
}

void pg_matvec_iq4_xs_q8(const void *w, size_t cols, size_t row_begin, size_t row_end, const int8_t *qx,
                         const float *dx, const float *sx, float *y) {
    (void)sx;
#define IQ4XS_Q8_BLOCK(pb, b, acc, off) iq4xs_q8_block(pb, qx + 256 * (b), dx + 8 * (b), &(acc))
    K_ROWS4_KERNEL(136, IQ4XS_Q8_BLOCK)
#undef IQ4XS_Q8_BLOCK
}

void pg_matmat_iq4_xs_q8(const void *w, size_t cols, size_t row_begin, size_t row_end, const int8_t *qx,
                         const float *dx, const float *sx, size_t nx, float *y, size_t ldy) {
    const size_t nb = cols / 32;
#define IQ4XS_PREPARE(t0) (void)(t0)
#define IQ4XS_Q8_TILE(pb, b, acc, off, u)                                                                      \
    iq4xs_q8_block(pb, qx + TILE_ROW(t, u, nx) * cols + 256 * (b), dx + TILE_ROW(t, u, nx) * nb + 8 * (b), &(acc))
#define IQ4XS_Q8_SINGLE(t0)                                                                                    \
    pg_matvec_iq4_xs_q8(w, cols, row_begin, row_end, qx + (t0) * cols, dx + (t0) * nb, sx + (t0) * nb, y + (t0) * ldy)
    K_TILE_KERNEL(136, IQ4XS_PREPARE, IQ4XS_Q8_TILE, IQ4XS_Q8_SINGLE)
#undef IQ4XS_PREPARE
#undef IQ4XS_Q8_TILE
#undef IQ4XS_Q8_SINGLE
}
