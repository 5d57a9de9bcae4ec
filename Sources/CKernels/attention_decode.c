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

// scores [n_keys] for one head, then softmax in place (max-subtracted, as Kernels.softmax), then out = P · V.
static void attend_head(const attention_args *a, size_t h, float *scores) {
    const int hd = a->head_dim;
    const size_t kv = h / (size_t)a->group;
    const float *q = a->q + h * hd, *k = a->keys + kv * hd, *v = a->values + kv * hd;
    float *out = a->out + h * hd;
    float m = -INFINITY;
    for (size_t j = 0; j < a->n_keys; j++) {
        const float *kj = k + j * a->kv_stride;
        __m256 acc = _mm256_setzero_ps();
        for (int i = 0; i < hd; i += 8) acc = _mm256_fmadd_ps(_mm256_loadu_ps(q + i), _mm256_loadu_ps(kj + i), acc);
        float s = a->scale * hsum(acc);
        scores[j] = s;
        if (s > m) m = s;
    }
    float sum = 0;
    for (size_t j = 0; j < a->n_keys; j++) {
        float e = expf(scores[j] - m);
        scores[j] = e;
        sum += e;
    }
    const float inv = 1 / sum;
    for (size_t j = 0; j < a->n_keys; j++) scores[j] *= inv;
    // out = Σ_j p_j V_j, 64 dimensions (8 registers) per pass so each value row is read once per pass.
    for (int base = 0; base < hd; base += 64) {
        const int n = hd - base < 64 ? (hd - base) / 8 : 8;
        __m256 acc[8];
        for (int i = 0; i < n; i++) acc[i] = _mm256_setzero_ps();
        for (size_t j = 0; j < a->n_keys; j++) {
            const __m256 p = _mm256_set1_ps(scores[j]);
            const float *vj = v + j * a->kv_stride + base;
            for (int i = 0; i < n; i++) acc[i] = _mm256_fmadd_ps(p, _mm256_loadu_ps(vj + 8 * i), acc[i]);
        }
        for (int i = 0; i < n; i++) _mm256_storeu_ps(out + base + 8 * i, acc[i]);
    }
}

static void attention_task(void *context, size_t h) {
    const attention_args *a = context;
    float local[4096];
    float *scores = a->n_keys <= 4096 ? local : malloc(a->n_keys * sizeof(float));
    if (scores == NULL) abort();  // out of memory for a context longer than 4096 keys
    attend_head(a, h, scores);
    if (scores != local) free(scores);
}

void pg_attention_decode(const float *q, const float *keys, const float *values, size_t kv_stride, size_t n_keys,
                         int n_heads, int n_kv_heads, int head_dim, float scale, float *out, int threads) {
    attention_args a = {.q = q, .keys = keys, .values = values, .kv_stride = kv_stride, .n_keys = n_keys,
                        .group = n_heads / n_kv_heads, .head_dim = head_dim, .scale = scale, .out = out};
    pg_parallel_for(attention_task, &a, (size_t)n_heads, threads);
}
