// Packing of quantised weight rows for the int8 prefill GEMM (gemm_vnni.c): each row is unpacked to one unsigned
// byte per weight plus, per sub-block of S values, a float scale and a float offset with
// weight = scale · u − offset; sixteen rows are then interleaved four bytes at a time (group layout below), so a
// 64-byte vector holds four consecutive inputs of each of the sixteen rows, as VPDPBUSD reads them.
// Block layouts follow ggml (ggml/src/ggml-common.h); see include/ckernels.h and quant_matvec_k.c.
#include "ckernels.h"
#include "block_common.h"
#include "decode_pool.h"
#include <immintrin.h>
#include <stdint.h>
#include <string.h>

int pg_gemm_sub_block(int type) {
    switch (type) {
    case PG_BLOCK_Q4_0: case PG_BLOCK_Q4_1: case PG_BLOCK_Q5_0: case PG_BLOCK_Q8_0: case PG_BLOCK_Q4_K: return 32;
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

// 16 nibble bytes (value j low nibble, value j + 16 high nibble) to 32 bytes in value order.
static inline void nibbles32(const uint8_t *qs, uint8_t *u) {
    const __m128i mask = _mm_set1_epi8(0x0F), q = _mm_loadu_si128((const __m128i *)qs);
    _mm_storeu_si128((__m128i *)u, _mm_and_si128(q, mask));
    _mm_storeu_si128((__m128i *)(u + 16), _mm_and_si128(_mm_srli_epi16(q, 4), mask));
}

// One row of `cols` values: u[cols] bytes, sc and of [cols / S] (S = pg_gemm_sub_block(type)).
static void unpack_row(int type, const uint8_t *p, size_t cols, uint8_t *u, float *sc, float *of) {
    switch (type) {
    case PG_BLOCK_Q4_0:  // {f16 d; u8 qs[16]}: d·(q − 8)
        for (size_t b = 0; b < cols / 32; b++, p += 18) {
            const float d = half_at(p);
            nibbles32(p + 2, u + 32 * b); sc[b] = d; of[b] = 8 * d;
        }
        break;
    case PG_BLOCK_Q4_1:  // {f16 d, m; u8 qs[16]}: d·q + m
        for (size_t b = 0; b < cols / 32; b++, p += 20) {
            nibbles32(p + 4, u + 32 * b); sc[b] = half_at(p); of[b] = -half_at(p + 2);
        }
        break;
    case PG_BLOCK_Q5_0:  // {f16 d; u32 qh; u8 qs[16]}: d·(q − 16), bit j of qh the fifth bit of value j
        for (size_t b = 0; b < cols / 32; b++, p += 22) {
            const float d = half_at(p);
            uint32_t qh;
            memcpy(&qh, p + 2, 4);
            nibbles32(p + 6, u + 32 * b);
            for (int j = 0; j < 32; j++) u[32 * b + j] |= (uint8_t)(((qh >> j) & 1) << 4);
            sc[b] = d; of[b] = 16 * d;
        }
        break;
    case PG_BLOCK_Q8_0: {  // {f16 d; i8 qs[32]}: d·q = d·((q + 128) − 128)
        const __m256i flip = _mm256_set1_epi8((char)0x80);
        for (size_t b = 0; b < cols / 32; b++, p += 34) {
            const float d = half_at(p);
            _mm256_storeu_si256((__m256i *)(u + 32 * b),
                                _mm256_xor_si256(_mm256_loadu_si256((const __m256i *)(p + 2)), flip));
            sc[b] = d; of[b] = 128 * d;
        }
        break;
    }
    case PG_BLOCK_Q4_K:  // d·scale_j·q − dmin·min_j over 32-value sub-blocks j; qs pair k: sub-blocks 2k, 2k + 1
        for (size_t b = 0; b < cols / 256; b++, p += 144) {
            __m256 scales, mins;
            q4k_scales_mins(p + 4, &scales, &mins);
            _mm256_storeu_ps(sc + 8 * b, _mm256_mul_ps(_mm256_set1_ps(half_at(p)), scales));
            _mm256_storeu_ps(of + 8 * b, _mm256_mul_ps(_mm256_set1_ps(half_at(p + 2)), mins));
            const __m256i nibble = _mm256_set1_epi8(0x0F);
            for (int k = 0; k < 4; k++) {
                const __m256i q = _mm256_loadu_si256((const __m256i *)(p + 16 + 32 * k));
                uint8_t *o = u + 256 * b + 64 * k;
                _mm256_storeu_si256((__m256i *)o, _mm256_and_si256(q, nibble));
                _mm256_storeu_si256((__m256i *)(o + 32), _mm256_and_si256(_mm256_srli_epi16(q, 4), nibble));
            }
        }
        break;
    case PG_BLOCK_Q6_K:  // d·scale_i·(q − 32) over 16-value sub-blocks i
        for (size_t b = 0; b < cols / 256; b++, p += 210) {
            __m256 s[2];
            q6k_scales_times_d(p, s);
            for (int n = 0; n < 2; n++) {
                _mm256_storeu_ps(sc + 16 * b + 8 * n, s[n]);
                _mm256_storeu_ps(of + 16 * b + 8 * n, _mm256_mul_ps(_mm256_set1_ps(32), s[n]));
                __m256i q[4];
                q6k_unpack_half(p, n, q);
                for (int k = 0; k < 4; k++) _mm256_storeu_si256((__m256i *)(u + 256 * b + 32 * (4 * n + k)), q[k]);
            }
        }
        break;
    default: break;
    }
}

void pg_gemm_pack_group(int type, const void *w, size_t cols, size_t row, size_t rows, uint8_t *q, float *sc,
                        float *of, uint8_t *u, float *rsc, float *rof) {
    const int S = pg_gemm_sub_block(type);
    const size_t nsub = cols / S, row_bytes = pg_row_bytes(type, cols);
    for (int lane = 0; lane < 16; lane++) {
        uint8_t *ul = u + lane * cols;
        if (row + lane < rows) {
            unpack_row(type, (const uint8_t *)w + (row + lane) * row_bytes, cols, ul, rsc, rof);
        } else {
            memset(ul, 0, cols); memset(rsc, 0, nsub * sizeof(float)); memset(rof, 0, nsub * sizeof(float));
        }
        for (size_t s = 0; s < nsub; s++) { sc[16 * s + lane] = rsc[s]; of[16 * s + lane] = rof[s]; }
    }
    // Four rows × four groups of four bytes at a time: a 4 × 4 transpose of 32-bit words.
    for (int r = 0; r < 16; r += 4) {
        for (size_t g = 0; g < cols / 4; g += 4) {
            __m128 a = _mm_castsi128_ps(_mm_loadu_si128((const __m128i *)(u + r * cols + 4 * g)));
            __m128 b = _mm_castsi128_ps(_mm_loadu_si128((const __m128i *)(u + (r + 1) * cols + 4 * g)));
            __m128 c = _mm_castsi128_ps(_mm_loadu_si128((const __m128i *)(u + (r + 2) * cols + 4 * g)));
            __m128 d = _mm_castsi128_ps(_mm_loadu_si128((const __m128i *)(u + (r + 3) * cols + 4 * g)));
            _MM_TRANSPOSE4_PS(a, b, c, d);
            _mm_store_ps((float *)(q + 64 * g + 4 * r), a);
            _mm_store_ps((float *)(q + 64 * (g + 1) + 4 * r), b);
            _mm_store_ps((float *)(q + 64 * (g + 2) + 4 * r), c);
            _mm_store_ps((float *)(q + 64 * (g + 3) + 4 * r), d);
        }
    }
}
