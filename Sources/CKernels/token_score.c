// The model's own confidence in one token from the logits that predicted it (TokenScore in Swift): log-softmax of
// the token, entropy of the distribution (nats) and the top-1 − top-2 logit margin, in two vector passes over the
// vocabulary. e^(z − max) by exp_nonpositive (within ~2 ulp of expf), the sums in double precision. The vocabulary
// can also come in bands (teacher forcing reads the LM head a band at a time): each band's sums are taken against the
// largest logit so far and rescaled when a later band raises it (the online softmax of Milakov & Gimelshein 2018);
// in one band the result is the two-pass one exactly.
#include "ckernels.h"
#include "block_common.h"
#include <immintrin.h>
#include <math.h>

// The two largest values seen, counting repeats (v equal to the first makes it the second too).
static inline void keep_top2(float v, float *top1, float *top2) {
    if (v > *top1) {
        *top2 = *top1;
        *top1 = v;
    } else if (v > *top2) {
        *top2 = v;
    }
}

static inline __m256d low_pd(__m256 v) { return _mm256_cvtps_pd(_mm256_castps256_ps128(v)); }
static inline __m256d high_pd(__m256 v) { return _mm256_cvtps_pd(_mm256_extractf128_ps(v, 1)); }

void pg_score_begin(pg_score_state *state) {
    state->top1 = -INFINITY;
    state->top2 = -INFINITY;
    state->target = 0;
    state->has_target = 0;
    state->sum = 0;
    state->weighted = 0;
}

void pg_score_band(const float *logits, size_t n, int64_t target, pg_score_state *state) {
    if (target >= 0 && (size_t)target < n) {
        state->target = logits[target];
        state->has_target = 1;
    }
    // Pass 1: per lane the two largest (t2 takes min(t1, v): a repeat of the maximum becomes the second), then the
    // sixteen lane values and the tail through the same rule.
    __m256 t1 = _mm256_set1_ps(-INFINITY), t2 = t1;
    size_t i = 0;
    for (; i + 8 <= n; i += 8) {
        const __m256 v = _mm256_loadu_ps(logits + i);
        t2 = _mm256_max_ps(t2, _mm256_min_ps(t1, v));
        t1 = _mm256_max_ps(t1, v);
    }
    const float before = state->top1;
    float a[8], b[8];
    _mm256_storeu_ps(a, t1);
    _mm256_storeu_ps(b, t2);
    for (int k = 0; k < 8; k++) {
        keep_top2(a[k], &state->top1, &state->top2);
        keep_top2(b[k], &state->top1, &state->top2);
    }
    for (size_t j = i; j < n; j++) keep_top2(logits[j], &state->top1, &state->top2);
    const float top1 = state->top1;
    // A larger maximum than the earlier bands': their sums move to it (z' = z − δ, so Σe^z' = e^−δ Σe^z and
    // Σe^z'·z' = e^−δ (Σe^z·z − δ Σe^z)).
    if (top1 > before && state->sum > 0) {
        const double delta = (double)top1 - (double)before, f = exp(-delta);
        state->weighted = f * (state->weighted - delta * state->sum);
        state->sum *= f;
    }
    // Pass 2: Σ e^z and Σ e^z · z with z = logit − max ≤ 0 (z clamped at −87, where e^z is 0: no 0 · −∞).
    const __m256 mv = _mm256_set1_ps(top1), low = _mm256_set1_ps(-87.0f);
    __m256d s0 = _mm256_setzero_pd(), s1 = s0, w0 = s0, w1 = s0;
    for (i = 0; i + 8 <= n; i += 8) {
        const __m256 z = _mm256_max_ps(_mm256_sub_ps(_mm256_loadu_ps(logits + i), mv), low);
        const __m256 e = exp_nonpositive(z);
        const __m256d e0 = low_pd(e), e1 = high_pd(e);
        s0 = _mm256_add_pd(s0, e0);
        s1 = _mm256_add_pd(s1, e1);
        w0 = _mm256_fmadd_pd(e0, low_pd(z), w0);
        w1 = _mm256_fmadd_pd(e1, high_pd(z), w1);
    }
    double sums[4], weights[4], sum = 0, weighted = 0;
    _mm256_storeu_pd(sums, _mm256_add_pd(s0, s1));
    _mm256_storeu_pd(weights, _mm256_add_pd(w0, w1));
    for (int k = 0; k < 4; k++) {
        sum += sums[k];
        weighted += weights[k];
    }
    for (; i < n; i++) {
        const float z = fmaxf(logits[i] - top1, -87.0f);
        const double e = z > -87.0f ? (double)expf(z) : 0;
        sum += e;
        weighted += e * z;
    }
    state->sum += sum;
    state->weighted += weighted;
}

void pg_score_end(const pg_score_state *state, float *logprob, float *entropy, float *margin) {
    const double log_z = log(state->sum);  // log Σ e^z
    const double h = log_z - state->weighted / state->sum;  // H = −Σ p ln p = log Z − Σ p·z
    *logprob = !state->has_target ? -INFINITY : (float)((double)(state->target - state->top1) - log_z);
    *entropy = h > 0 ? (float)h : 0;
    *margin = isfinite(state->top2) ? state->top1 - state->top2 : 0;
}

void pg_score_rows(const float *logits, size_t rows, size_t n, const int64_t *targets, pg_score_state *states) {
    for (size_t r = 0; r < rows; r++) pg_score_band(logits + r * n, n, targets[r], states + r);
}

void pg_token_score(const float *logits, size_t vocab, int64_t token, float *logprob, float *entropy, float *margin) {
    pg_score_state state;
    pg_score_begin(&state);
    pg_score_band(logits, vocab, token, &state);
    pg_score_end(&state, logprob, entropy, margin);
}

int64_t pg_argmax(const float *x, size_t n) {
    // The largest value, NaN skipped (max_ps returns its second operand when either is NaN), then its first index.
    __m256 t = _mm256_set1_ps(-INFINITY);
    size_t i = 0;
    for (; i + 8 <= n; i += 8) t = _mm256_max_ps(_mm256_loadu_ps(x + i), t);
    float lanes[8], best = -INFINITY;
    _mm256_storeu_ps(lanes, t);
    for (int k = 0; k < 8; k++) best = lanes[k] > best ? lanes[k] : best;
    for (size_t j = i; j < n; j++) best = x[j] > best ? x[j] : best;
    if (!(best > -INFINITY)) return 0;  // nothing above −∞: the first index, as a scan with ">" leaves it
    const __m256 m = _mm256_set1_ps(best);
    for (i = 0; i + 8 <= n; i += 8) {
        const int hit = _mm256_movemask_ps(_mm256_cmp_ps(_mm256_loadu_ps(x + i), m, _CMP_EQ_OQ));
        if (hit) return (int64_t)(i + (size_t)__builtin_ctz((unsigned)hit));
    }
    for (; i < n; i++)
        if (x[i] == best) return (int64_t)i;
    return 0;
}
