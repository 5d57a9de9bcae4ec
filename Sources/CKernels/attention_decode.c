// Decode attention for one query token, one head per pool chunk (see include/decode_pool.h).
#include "decode_pool.h"
#include "block_common.h"
#include <math.h>
#include <stdlib.h>

typedef struct {
    const float *q, *keys, *values;
    size_t kv_stride, n_keys;
    int group, head_dim;
    float scale;
    float *out;
} attention_args;


// out[base, base + 8n) = inv · Σ_j p_j V_j[base, base + 8n): n (≤ 8) vectors of 8 dimensions. Inlined with n = 8 (a
// constant) the accumulators stay in registers; with a variable n the compiler kept them on the stack, a store and
// a reload per FMA (1.25–1.3× slower).
static inline __attribute__((always_inline)) void weighted_values(const attention_args *a, const float *v,
                                                                  const float *scores, int base, const int n,
                                                                  __m256 inv, float *out) {
    __m256 acc[8];
    for (int i = 0; i < n; i++) acc[i] = _mm256_setzero_ps();
    for (size_t j = 0; j < a->n_keys; j++) {
        const __m256 p = _mm256_set1_ps(scores[j]);
        const float *vj = v + j * a->kv_stride + base;
        for (int i = 0; i < n; i++) acc[i] = _mm256_fmadd_ps(p, _mm256_loadu_ps(vj + 8 * i), acc[i]);
    }
    for (int i = 0; i < n; i++) _mm256_storeu_ps(out + base + 8 * i, _mm256_mul_ps(acc[i], inv));
}

// scores [n_keys] for one head, then softmax weights (max-subtracted, as Kernels.softmax), then out = P · V.
static void attend_head(const attention_args *a, size_t h, float *scores) {
    const int hd = a->head_dim;
    const size_t kv = h / (size_t)a->group;
    const float *q = a->q + h * hd, *k = a->keys + kv * hd, *v = a->values + kv * hd;
    float *out = a->out + h * hd;
    float m = -INFINITY;
    // Four keys at a time (independent FMA chains; each key's sum keeps its own order, so results are unchanged).
    size_t j0 = 0;
    for (; j0 + 4 <= a->n_keys; j0 += 4) {
        const float *k0 = k + j0 * a->kv_stride, *k1 = k0 + a->kv_stride, *k2 = k1 + a->kv_stride, *k3 = k2 + a->kv_stride;
        __m256 c0 = _mm256_setzero_ps(), c1 = c0, c2 = c0, c3 = c0;
        for (int i = 0; i < hd; i += 8) {
            const __m256 qi = _mm256_loadu_ps(q + i);
            c0 = _mm256_fmadd_ps(qi, _mm256_loadu_ps(k0 + i), c0);
            c1 = _mm256_fmadd_ps(qi, _mm256_loadu_ps(k1 + i), c1);
            c2 = _mm256_fmadd_ps(qi, _mm256_loadu_ps(k2 + i), c2);
            c3 = _mm256_fmadd_ps(qi, _mm256_loadu_ps(k3 + i), c3);
        }
        const float s0 = a->scale * hsum(c0), s1 = a->scale * hsum(c1), s2 = a->scale * hsum(c2), s3 = a->scale * hsum(c3);
        scores[j0] = s0; scores[j0 + 1] = s1; scores[j0 + 2] = s2; scores[j0 + 3] = s3;
        if (s0 > m) m = s0;
        if (s1 > m) m = s1;
        if (s2 > m) m = s2;
        if (s3 > m) m = s3;
    }
    for (size_t j = j0; j < a->n_keys; j++) {
        const float *kj = k + j * a->kv_stride;
        __m256 acc = _mm256_setzero_ps();
        for (int i = 0; i < hd; i += 8) acc = _mm256_fmadd_ps(_mm256_loadu_ps(q + i), _mm256_loadu_ps(kj + i), acc);
        float s = a->scale * hsum(acc);
        scores[j] = s;
        if (s > m) m = s;
    }
    // Softmax weights e^(s − max), normalised at the end (out is scaled once by 1 / Σ).
    const __m256 mv = _mm256_set1_ps(m);
    __m256 sums = _mm256_setzero_ps();
    size_t j = 0;
    for (; j + 8 <= a->n_keys; j += 8) {
        __m256 e = exp_nonpositive(_mm256_sub_ps(_mm256_loadu_ps(scores + j), mv));
        _mm256_storeu_ps(scores + j, e);
        sums = _mm256_add_ps(sums, e);
    }
    float sum = hsum(sums);
    for (; j < a->n_keys; j++) {
        float e = expf(scores[j] - m);
        scores[j] = e;
        sum += e;
    }
    const __m256 inv = _mm256_set1_ps(1 / sum);
    // out = Σ_j p_j V_j, 64 dimensions (8 registers) per pass so each value row is read once per pass.
    for (int base = 0; base < hd; base += 64) {
        if (hd - base >= 64) weighted_values(a, v, scores, base, 8, inv, out);
        else weighted_values(a, v, scores, base, (hd - base) / 8, inv, out);
    }
}

// Chunk c of a step over several sequences: head c mod n_heads of sequence c / n_heads.
typedef struct {
    const attention_args *sequences;
    size_t n_heads;
} attention_batch;

static void attention_task(void *context, size_t c) {
    const attention_batch *b = context;
    const attention_args *a = &b->sequences[c / b->n_heads];
    float local[4096];
    float *scores = a->n_keys <= 4096 ? local : malloc(a->n_keys * sizeof(float));
    if (scores == NULL) abort();  // out of memory for a context longer than 4096 keys
    attend_head(a, c % b->n_heads, scores);
    if (scores != local) free(scores);
}

void pg_attention_decode(const float *q, const float *keys, const float *values, size_t kv_stride, size_t n_keys,
                         int n_heads, int n_kv_heads, int head_dim, float scale, float *out, int threads) {
    pg_attention_decode_batch(&q, &keys, &values, &n_keys, &out, 1, kv_stride, n_heads, n_kv_heads, head_dim, scale,
                              threads);
}

void pg_attention_decode_batch(const float *const *q, const float *const *keys, const float *const *values,
                               const size_t *n_keys, float *const *out, int sequences, size_t kv_stride, int n_heads,
                               int n_kv_heads, int head_dim, float scale, int threads) {
    attention_args local[16];
    attention_args *args = sequences <= 16 ? local : malloc((size_t)sequences * sizeof(attention_args));
    if (args == NULL) abort();
    for (int i = 0; i < sequences; i++) {
        args[i] = (attention_args){.q = q[i], .keys = keys[i], .values = values[i], .kv_stride = kv_stride,
                                   .n_keys = n_keys[i], .group = n_heads / n_kv_heads, .head_dim = head_dim,
                                   .scale = scale, .out = out[i]};
    }
    attention_batch b = {.sequences = args, .n_heads = (size_t)n_heads};
    pg_parallel_for(attention_task, &b, (size_t)sequences * (size_t)n_heads, threads);
    if (args != local) free(args);
}
