// SIMDe (portable implementations of the x86 intrinsics, no native code) plus the AVX-512 intrinsics SIMDe 0.7.4
// lacks, so that the AVX-512 VNNI kernels run, slowly, on a CPU without AVX-512.
#ifndef PG_SHIM_H
#define PG_SHIM_H
#define SIMDE_NO_NATIVE
#define SIMDE_ENABLE_NATIVE_ALIASES
#include <simde/x86/avx512.h>
#include <simde/x86/f16c.h>
#include <simde/x86/fma.h>
#include <math.h>
#include <stdint.h>
#include <string.h>

typedef simde__mmask16 __mmask16;
#ifndef _MM_FROUND_NO_EXC
#define _MM_FROUND_NO_EXC SIMDE_MM_FROUND_NO_EXC
#endif

static inline __m512i _mm512_srai_epi32(__m512i a, int n) {
    int32_t x[16]; __m512i r;
    memcpy(x, &a, 64);
    for (int i = 0; i < 16; i++) x[i] = n > 31 ? (x[i] < 0 ? -1 : 0) : x[i] >> n;
    memcpy(&r, x, 64); return r;
}

static inline float _cvtsh_ss(uint16_t h) {  // IEEE 754 binary16 -> binary32, exact
    const uint32_t sign = (uint32_t)(h >> 15) << 31, e = (h >> 10) & 31, m = h & 1023;
    float v;
    if (e == 0) v = ldexpf((float)m, -24);
    else if (e == 31) v = m ? NAN : INFINITY;
    else v = ldexpf((float)(m | 1024), (int)e - 25);
    uint32_t bits;
    memcpy(&bits, &v, 4);
    bits |= sign;
    memcpy(&v, &bits, 4);
    return v;
}

#define EMU_I32(name, v) int32_t name[16]; memcpy(name, &(v), 64)
#define EMU_F32(name, v) float name[16]; memcpy(name, &(v), 64)

static inline __m256i _mm512_cvtepi32_epi16(__m512i a) {
    EMU_I32(x, a); int16_t o[16]; __m256i r;
    for (int i = 0; i < 16; i++) o[i] = (int16_t)x[i];
    memcpy(&r, o, 32); return r;
}
static inline __m128i _mm512_cvtepi32_epi8(__m512i a) {  // truncation
    int32_t x[16]; int8_t o[16]; __m128i r;
    memcpy(x, &a, 64);
    for (int i = 0; i < 16; i++) o[i] = (int8_t)x[i];
    memcpy(&r, o, 16); return r;
}
static inline __m512 _mm512_cvtepi32_ps(__m512i a) {
    EMU_I32(x, a); float o[16]; __m512 r;
    for (int i = 0; i < 16; i++) o[i] = (float)x[i];
    memcpy(&r, o, 64); return r;
}
static inline __m512 _mm512_cvtph_ps(__m256i a) {
    uint16_t x[16]; float o[16]; __m512 r;
    memcpy(x, &a, 32);
    for (int i = 0; i < 16; i++) o[i] = _cvtsh_ss(x[i]);
    memcpy(&r, o, 64); return r;
}
static inline __m512i _mm512_cvtps_epi32(__m512 a) {  // round to nearest even; NaN and overflow -> INT32_MIN
    EMU_F32(x, a); int32_t o[16]; __m512i r;
    for (int i = 0; i < 16; i++) {
        const float v = nearbyintf(x[i]);
        o[i] = (v != v || v >= 2147483648.0f || v < -2147483648.0f) ? INT32_MIN : (int32_t)v;
    }
    memcpy(&r, o, 64); return r;
}
static inline __m512i _mm512_i32gather_epi32(__m512i idx, const void *base, int scale) {
    EMU_I32(x, idx); int32_t o[16]; __m512i r;
    for (int i = 0; i < 16; i++) memcpy(o + i, (const char *)base + (int64_t)x[i] * scale, 4);
    memcpy(&r, o, 64); return r;
}
static inline void _mm512_mask_storeu_ps(void *p, __mmask16 m, __m512 a) {
    EMU_F32(x, a);
    for (int i = 0; i < 16; i++) if (m >> i & 1) memcpy((float *)p + i, x + i, 4);
}
static inline int _mm512_reduce_add_epi32(__m512i a) {
    EMU_I32(x, a); uint32_t s = 0;
    for (int i = 0; i < 16; i++) s += (uint32_t)x[i];
    return (int)s;
}
static inline float _mm512_reduce_max_ps(__m512 a) {
    EMU_F32(x, a); float m = x[0];
    for (int i = 1; i < 16; i++) m = m > x[i] ? m : x[i];
    return m;
}
static inline __m512 _mm512_shuffle_f32x4(__m512 a, __m512 b, int imm) {
    float x[16], y[16], o[16]; __m512 r;
    memcpy(x, &a, 64); memcpy(y, &b, 64);
    for (int k = 0; k < 4; k++) memcpy(o + 4 * k, (k < 2 ? x : y) + 4 * ((imm >> (2 * k)) & 3), 16);
    memcpy(&r, o, 64); return r;
}
#endif
