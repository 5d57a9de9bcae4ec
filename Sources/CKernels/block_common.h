// Helpers shared by the decode kernels (private to CKernels).
#ifndef POLYGRAPH_BLOCK_COMMON_H
#define POLYGRAPH_BLOCK_COMMON_H
#include <immintrin.h>
#include <stddef.h>
#include <stdint.h>

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

static inline float lane(__m128 v, int k) {
    float f[4];
    _mm_storeu_ps(f, v);
    return f[k];
}

#endif
