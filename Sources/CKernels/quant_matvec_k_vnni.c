// AVX-512 VNNI form of the single-row Q6_K × int8 decode kernel, chosen at run time (pg_have_avx512): the same
// integer lane sums and float operations as quant_matvec_k_q8.c in the same order, so every result is bit for bit
// what the AVX2 kernel (and so the batched pg_matmat_q6_k_q8) gives. (Tried and left out, no faster here: VNNI for
// Q4_K × int8, and 512-bit or table look-up forms of the float-activation Q4_K kernel that still widen every quant
// to float; the AVX512_BF16 form in quant_matvec_k_bf16.c, which does not, is ~15-40% faster.)
// Formats: ggml-common.h block_q4_K / block_q6_K; VNNI vpdpbusd is the Intel SDM's unsigned×signed byte dot
// product into int32 lanes (bytes 4i..4i+3 into lane i, as maddubs then madd with ones, without saturation).
#include "ckernels.h"
#include "block_common.h"
#include <immintrin.h>
#include <stdint.h>
#include <stdlib.h>

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

#pragma clang attribute push(__attribute__((target("avx512f,avx512bw,avx512vl,avx512vnni"))), apply_to = function)

// q6k_q8_block with vpdpbusd: Σ (q − 32)·x per lane starts from −32·Σx of the lane's four activations (nbias,
// one vector per 32-value activation block, made once per call), then adds Σ q·x: the same integers.
static inline void q6k_q8_block_vnni(const uint8_t *pb, const int8_t *qx, const float *dx, const __m256i *nbias,
                                     __m256 *acc) {
    __m256 s[2];
    q6k_scales_times_d(pb, s);
    for (int n = 0; n < 2; n++) {
        const __m256 sh = s[n];
        __m256i q[4];
        q6k_unpack_half(pb, n, q);
        for (int k = 0; k < 4; k++) {
            const int m = 4 * n + k;
            __m256i x = _mm256_loadu_si256((const __m256i *)(qx + 32 * m));
            __m256 sum = _mm256_cvtepi32_ps(_mm256_dpbusd_epi32(nbias[m], q[k], x));
            __m256i pick = _mm256_setr_epi32(2 * k, 2 * k, 2 * k, 2 * k, 2 * k + 1, 2 * k + 1, 2 * k + 1, 2 * k + 1);
            __m256 scale = _mm256_mul_ps(_mm256_permutevar8x32_ps(sh, pick), _mm256_broadcast_ss(dx + m));
            *acc = _mm256_fmadd_ps(scale, sum, *acc);
        }
    }
}

void pg_matvec_q6_k_q8_vnni(const void *w, size_t cols, size_t row_begin, size_t row_end, const int8_t *qx,
                            const float *dx, float *y) {
    __m256i nbias[cols / 32];  // −32 · (Σ of each lane's 4 activations) per 32-value activation block
    for (size_t j = 0; j < cols / 32; j++) {
        __m256i sum = _mm256_dpbusd_epi32(_mm256_setzero_si256(), _mm256_set1_epi8(32),
                                          _mm256_loadu_si256((const __m256i *)(qx + 32 * j)));
        nbias[j] = _mm256_sub_epi32(_mm256_setzero_si256(), sum);
    }
#define Q6K_VNNI_BLOCK(pb, b, acc, off) q6k_q8_block_vnni(pb, qx + 256 * (b), dx + 8 * (b), nbias + 8 * (b), &(acc))
    K_ROWS4_KERNEL(210, Q6K_VNNI_BLOCK)
#undef Q6K_VNNI_BLOCK
}

#pragma clang attribute pop
