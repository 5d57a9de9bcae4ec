// The decode fork/join pool (see include/decode_pool.h).
//
// Work is cut into chunks of rows (multiples of 4, the kernels' row group). One 64-bit word `state` holds
// generation (24 bits) | chunk count (20 bits) | 0, and announces a job. The chunks are split into one contiguous
// range per thread taking part, each in a word `cursor[s]` = generation | end | next: a thread claims the next
// chunk of its own range with a compare-and-swap on that word, then takes chunks from the back of the others'
// ranges, so a worker that wakes late can never claim a chunk of a finished or future job. Each thread so walks its
// weights as one stream (two threads claiming alternate 55 KB chunks of one matrix read 24 GB/s here; contiguous
// halves 32.6 GB/s). The caller publishes a job by storing the cursors and then `state`, works on chunks itself,
// and waits until `done` equals the chunk count; only then may it reuse the job fields.
#include "decode_pool.h"
#include "ckernels.h"
#include <immintrin.h>
#include <math.h>
#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <time.h>

#define MAX_JOBS 8
#define MAX_WORKERS 63
#define SPIN_NS 2000000  // a worker spins this long after its last job before it blocks
#ifndef PG_CHUNK_BYTES
// Weights per chunk before balancing (smaller: more joins; larger: worse balance). 128 KB rather than 32: SwiGLU's
// chunks read gate rows then up rows, two streams switching at every chunk (1.5B decode, 2 threads: `quantized`
// 14.1 → 16.7–17.0 tok/s, `quantizedInt8` 26.0 → 25.2–27.6).
#define PG_CHUNK_BYTES 131072
#endif
#ifndef YIELD_SPINS
#define YIELD_SPINS 256  // pauses (~10 µs) between sched_yield calls while spinning
#endif

typedef struct {
    pg_matvec_job jobs[MAX_JOBS];
    size_t first_chunk[MAX_JOBS + 1];  // chunks of job j: [first_chunk[j], first_chunk[j + 1])
    size_t chunk_rows[MAX_JOBS];
    int count;
    int swiglu;  // jobs 0 and 1 are gate and up of the same rows, chunked together; then up = silu(gate)·up
    void (*task)(void *context, size_t chunk);  // when set: a plain parallel loop over `chunks` (no products)
    void *context;
    size_t chunks;
    size_t cols;
    size_t nx;  // activation rows (sequences of a batched decode step); job j's y is [nx, rows_j]
    const float *x;
    const int8_t *qx;
    const float *dx, *sx;
    int digits;  // with qx: 1 int8 activations, 3 the 24-bit digit rows of pg_quantize_q24
} batch;

// The words every thread writes (state, done) sit on cache lines of their own, away from the job they read.
static struct {
    _Alignas(64) _Atomic uint64_t state;
    _Alignas(64) _Atomic size_t done;
    _Alignas(64) _Atomic uint64_t cursor[MAX_WORKERS + 1][8];  // [slot][0]; one cache line per slot
    _Alignas(64) _Atomic int sleepers;
    _Atomic int helpers;  // workers that take part in the current job (indices below it), set before `state`
    atomic_flag busy;
    _Alignas(64) batch work;
    int workers;
    pthread_mutex_t mutex;
    pthread_cond_t wake;
} pool = {.busy = ATOMIC_FLAG_INIT, .mutex = PTHREAD_MUTEX_INITIALIZER, .wake = PTHREAD_COND_INITIALIZER};

#ifdef PG_POOL_STATS
size_t pg_pool_stat_chunks[2];  // chunks run by [caller, workers] (benchmarks only; racy counts)
static _Thread_local uint32_t pool_stats_caller_gen = 0xFFFFFFFF;
#endif

static pthread_once_t pool_once = PTHREAD_ONCE_INIT;
static _Atomic int requested_workers;

#define STATE(gen, total, next) (((uint64_t)(gen) << 40) | ((uint64_t)(total) << 20) | (uint64_t)(next))
#define GEN(s) ((uint32_t)((s) >> 40))
#define TOTAL(s) ((size_t)(((s) >> 20) & 0xFFFFF))
#define NEXT(s) ((size_t)((s) & 0xFFFFF))

size_t pg_row_bytes(int type, size_t cols) {
    switch (type) {
    case PG_BLOCK_Q4_0: return cols / 32 * 18;
    case PG_BLOCK_Q4_1: return cols / 32 * 20;
    case PG_BLOCK_Q5_0: return cols / 32 * 22;
    case PG_BLOCK_Q5_1: return cols / 32 * 24;
    case PG_BLOCK_Q8_0: return cols / 32 * 34;
    case PG_BLOCK_Q2_K: return cols / 256 * 84;
    case PG_BLOCK_Q3_K: return cols / 256 * 110;
    case PG_BLOCK_Q4_K: return cols / 256 * 144;
    case PG_BLOCK_Q5_K: return cols / 256 * 176;
    case PG_BLOCK_Q6_K: return cols / 256 * 210;
    case PG_BLOCK_F16: case PG_BLOCK_BF16: return cols * 2;
    case PG_BLOCK_IQ4_NL: return cols / 32 * 18;
    case PG_BLOCK_IQ4_XS: return cols / 256 * 136;
    default: return 0;
    }
}

// Rows [begin, end) of job j against all nx activation rows (batched decode).
static void run_rows_batched(const batch *b, const pg_matvec_job *j, size_t begin, size_t end) {
    const size_t n = b->nx, ld = j->rows;
    if (b->qx != NULL && j->packed != NULL && begin % 16 == 0) {
        pg_gemm_q8_packed(j->type, j->packed, j->rows, b->cols, begin, end, b->qx, b->dx, b->sx, n, j->y, ld);
        return;
    }
    if (b->qx == NULL) {
        switch (j->type) {
        case PG_BLOCK_Q4_1: pg_matmat_q4_1(j->w, b->cols, begin, end, b->x, n, j->y, ld); break;
        case PG_BLOCK_Q4_0: pg_matmat_q4_0(j->w, b->cols, begin, end, b->x, n, j->y, ld); break;
        case PG_BLOCK_Q5_0: pg_matmat_q5_0(j->w, b->cols, begin, end, b->x, n, j->y, ld); break;
        case PG_BLOCK_Q5_1: pg_matmat_q5_1(j->w, b->cols, begin, end, b->x, n, j->y, ld); break;
        case PG_BLOCK_Q4_K: pg_matmat_q4_k(j->w, b->cols, begin, end, b->x, n, j->y, ld); break;
        case PG_BLOCK_Q5_K: pg_matmat_q5_k(j->w, b->cols, begin, end, b->x, n, j->y, ld); break;
        case PG_BLOCK_Q6_K: pg_matmat_q6_k(j->w, b->cols, begin, end, b->x, n, j->y, ld); break;
        default: pg_matmat_q8_0(j->w, b->cols, begin, end, b->x, n, j->y, ld); break;
        }
    } else {
        switch (j->type) {
        case PG_BLOCK_Q4_1: pg_matmat_q4_1_q8(j->w, b->cols, begin, end, b->qx, b->dx, b->sx, n, j->y, ld); break;
        case PG_BLOCK_Q4_0: pg_matmat_q4_0_q8(j->w, b->cols, begin, end, b->qx, b->dx, b->sx, n, j->y, ld); break;
        case PG_BLOCK_Q5_0: pg_matmat_q5_0_q8(j->w, b->cols, begin, end, b->qx, b->dx, b->sx, n, j->y, ld); break;
        case PG_BLOCK_Q5_1: pg_matmat_q5_1_q8(j->w, b->cols, begin, end, b->qx, b->dx, b->sx, n, j->y, ld); break;
        case PG_BLOCK_Q4_K: pg_matmat_q4_k_q8(j->w, b->cols, begin, end, b->qx, b->dx, b->sx, n, j->y, ld); break;
        case PG_BLOCK_Q5_K: pg_matmat_q5_k_q8(j->w, b->cols, begin, end, b->qx, b->dx, b->sx, n, j->y, ld); break;
        case PG_BLOCK_Q6_K: pg_matmat_q6_k_q8(j->w, b->cols, begin, end, b->qx, b->dx, b->sx, n, j->y, ld); break;
        case PG_BLOCK_Q2_K: pg_matmat_q2_k_q8(j->w, b->cols, begin, end, b->qx, b->dx, b->sx, n, j->y, ld); break;
        case PG_BLOCK_Q3_K: pg_matmat_q3_k_q8(j->w, b->cols, begin, end, b->qx, b->dx, b->sx, n, j->y, ld); break;
        case PG_BLOCK_IQ4_NL: pg_matmat_iq4_nl_q8(j->w, b->cols, begin, end, b->qx, b->dx, b->sx, n, j->y, ld); break;
        case PG_BLOCK_IQ4_XS: pg_matmat_iq4_xs_q8(j->w, b->cols, begin, end, b->qx, b->dx, b->sx, n, j->y, ld); break;
        default: pg_matmat_q8_0_q8(j->w, b->cols, begin, end, b->qx, b->dx, b->sx, n, j->y, ld); break;
        }
    }
}

// The formats whose kernels read F32 activations where the batch's other matrices read another form: always for
// F16 and BF16, and for Q2_K, Q3_K, IQ4_NL and IQ4_XS unless the form is int8 (they have no 24-bit kernels). Their
// single-row and batched kernels, or 0.
typedef void (*float_matvec)(const void *, size_t, size_t, size_t, const float *, float *);
typedef void (*float_matmat)(const void *, size_t, size_t, size_t, const float *, size_t, float *, size_t);
static int float_kernels(int type, int int8, float_matvec *one, float_matmat *many) {
    switch (type) {
#define FLOAT_ONLY(TYPE, name) case TYPE: *one = pg_matvec_##name; *many = pg_matmat_##name; return 1;
    FLOAT_ONLY(PG_BLOCK_F16, f16) FLOAT_ONLY(PG_BLOCK_BF16, bf16)
#undef FLOAT_ONLY
#define FLOAT_UNLESS_INT8(TYPE, name) case TYPE: *one = pg_matvec_##name; *many = pg_matmat_##name; return !int8;
    FLOAT_UNLESS_INT8(PG_BLOCK_Q2_K, q2_k) FLOAT_UNLESS_INT8(PG_BLOCK_Q3_K, q3_k)
    FLOAT_UNLESS_INT8(PG_BLOCK_IQ4_NL, iq4_nl) FLOAT_UNLESS_INT8(PG_BLOCK_IQ4_XS, iq4_xs)
#undef FLOAT_UNLESS_INT8
    default: return 0;
    }
}

static void run_rows(const batch *b, const pg_matvec_job *j, size_t begin, size_t end) {
    float_matvec one;
    float_matmat many;
    if (float_kernels(j->type, b->qx != NULL && b->digits == 1, &one, &many)) {
        if (b->nx > 1) many(j->w, b->cols, begin, end, b->x, b->nx, j->y, j->rows);
        else one(j->w, b->cols, begin, end, b->x, j->y);
        return;
    }
    if (b->digits == 3) {  // 24-bit digit rows (pg_quantize_q24)
        if (b->nx > 1)
            pg_matmat_q24(j->type, j->w, j->packed, j->rows, b->cols, begin, end, b->qx, b->dx, b->sx, b->nx, j->y,
                          j->rows);
        else
            pg_matvec_q24(j->type, j->w, b->cols, begin, end, b->qx, b->dx, b->sx, j->y);
        return;
    }
    if (b->nx > 1) {
        run_rows_batched(b, j, begin, end);
        return;
    }
    if (b->qx == NULL) {
        switch (j->type) {
        case PG_BLOCK_Q4_1: pg_matvec_q4_1(j->w, b->cols, begin, end, b->x, j->y); break;
        case PG_BLOCK_Q4_0: pg_matvec_q4_0(j->w, b->cols, begin, end, b->x, j->y); break;
        case PG_BLOCK_Q5_0: pg_matvec_q5_0(j->w, b->cols, begin, end, b->x, j->y); break;
        case PG_BLOCK_Q5_1: pg_matvec_q5_1(j->w, b->cols, begin, end, b->x, j->y); break;
        case PG_BLOCK_Q4_K: pg_matvec_q4_k(j->w, b->cols, begin, end, b->x, j->y); break;
        case PG_BLOCK_Q5_K: pg_matvec_q5_k(j->w, b->cols, begin, end, b->x, j->y); break;
        case PG_BLOCK_Q6_K: pg_matvec_q6_k(j->w, b->cols, begin, end, b->x, j->y); break;
        default: pg_matvec_q8_0(j->w, b->cols, begin, end, b->x, j->y); break;
        }
    } else {
        switch (j->type) {
        case PG_BLOCK_Q4_1: pg_matvec_q4_1_q8(j->w, b->cols, begin, end, b->qx, b->dx, b->sx, j->y); break;
        case PG_BLOCK_Q4_0: pg_matvec_q4_0_q8(j->w, b->cols, begin, end, b->qx, b->dx, b->sx, j->y); break;
        case PG_BLOCK_Q5_0: pg_matvec_q5_0_q8(j->w, b->cols, begin, end, b->qx, b->dx, b->sx, j->y); break;
        case PG_BLOCK_Q5_1: pg_matvec_q5_1_q8(j->w, b->cols, begin, end, b->qx, b->dx, b->sx, j->y); break;
        case PG_BLOCK_Q4_K: pg_matvec_q4_k_q8(j->w, b->cols, begin, end, b->qx, b->dx, b->sx, j->y); break;
        case PG_BLOCK_Q5_K: pg_matvec_q5_k_q8(j->w, b->cols, begin, end, b->qx, b->dx, b->sx, j->y); break;
        case PG_BLOCK_Q6_K: pg_matvec_q6_k_q8(j->w, b->cols, begin, end, b->qx, b->dx, b->sx, j->y); break;
        case PG_BLOCK_Q2_K: pg_matvec_q2_k_q8(j->w, b->cols, begin, end, b->qx, b->dx, b->sx, j->y); break;
        case PG_BLOCK_Q3_K: pg_matvec_q3_k_q8(j->w, b->cols, begin, end, b->qx, b->dx, b->sx, j->y); break;
        case PG_BLOCK_IQ4_NL: pg_matvec_iq4_nl_q8(j->w, b->cols, begin, end, b->qx, b->dx, b->sx, j->y); break;
        case PG_BLOCK_IQ4_XS: pg_matvec_iq4_xs_q8(j->w, b->cols, begin, end, b->qx, b->dx, b->sx, j->y); break;
        default: pg_matvec_q8_0_q8(j->w, b->cols, begin, end, b->qx, b->dx, b->sx, j->y); break;
        }
    }
}

// SwiGLU (Shazeer 2020) on rows [begin, end): up = silu(gate) · up, the same arithmetic as Kernels.swiglu.
static void swiglu_rows(const batch *b, size_t begin, size_t end) {
    const size_t rows = b->jobs[0].rows;
    for (size_t t = 0; t < b->nx; t++) {
        const float *gate = b->jobs[0].y + t * rows;
        float *up = b->jobs[1].y + t * rows;
        for (size_t r = begin; r < end; r++) {
            float g = gate[r];
            up[r] = g / (1.0f + expf(-g)) * up[r];
        }
    }
}

static void run_all(const batch *b) {
    if (b->task) {
        for (size_t c = 0; c < b->chunks; c++) b->task(b->context, c);
        return;
    }
    for (int j = 0; j < b->count; j++) run_rows(b, &b->jobs[j], 0, b->jobs[j].rows);
    if (b->swiglu) swiglu_rows(b, 0, b->jobs[0].rows);
}

static void run_chunk(const batch *b, size_t chunk) {
    if (b->task) {
        b->task(b->context, chunk);
        return;
    }
    if (b->swiglu) {
        size_t begin = chunk * b->chunk_rows[0], end = begin + b->chunk_rows[0];
        if (end > b->jobs[0].rows) end = b->jobs[0].rows;
        run_rows(b, &b->jobs[0], begin, end);
        run_rows(b, &b->jobs[1], begin, end);
        swiglu_rows(b, begin, end);
        return;
    }
    int j = 0;
    while (chunk >= b->first_chunk[j + 1]) j++;
    size_t begin = (chunk - b->first_chunk[j]) * b->chunk_rows[j];
    size_t end = begin + b->chunk_rows[j];
    if (end > b->jobs[j].rows) end = b->jobs[j].rows;
    run_rows(b, &b->jobs[j], begin, end);
}

// Claims one chunk of generation `gen` from cursor word `c`: the front of its range (own) or the back (stolen).
// Returns the chunk, or SIZE_MAX when the range is empty or belongs to another generation.
static size_t claim(_Atomic uint64_t *c, uint32_t gen, int own) {
    uint64_t s = atomic_load_explicit(c, memory_order_acquire);
    while (GEN(s) == gen && NEXT(s) < TOTAL(s)) {
        const uint64_t t = own ? s + 1 : s - ((uint64_t)1 << 20);  // next + 1, or end − 1
        if (atomic_compare_exchange_weak_explicit(c, &s, t, memory_order_acq_rel, memory_order_acquire))
            return own ? NEXT(s) : TOTAL(s) - 1;
    }
    return SIZE_MAX;
}

// Runs chunks of generation `gen` from slot `slot`'s range, then from the other `slots` − 1 ranges, until none is
// left; returns how many it ran.
static size_t work_on(uint32_t gen, int slot, int slots) {
    size_t ran = 0;
    for (int k = 0; k < slots; k++) {
        _Atomic uint64_t *c = &pool.cursor[(slot + k) % slots][0];
        for (size_t chunk; (chunk = claim(c, gen, k == 0)) != SIZE_MAX; ran++) {
            run_chunk(&pool.work, chunk);
#ifdef PG_POOL_STATS
            pg_pool_stat_chunks[gen == pool_stats_caller_gen ? 0 : 1]++;
#endif
            atomic_fetch_add_explicit(&pool.done, 1, memory_order_release);
        }
    }
    return ran;
}

static uint64_t now_ns(void) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (uint64_t)t.tv_sec * 1000000000u + (uint64_t)t.tv_nsec;
}

static void *worker_main(void *arg) {
    const int index = (int)(intptr_t)arg;
    uint32_t seen = GEN(atomic_load(&pool.state));
    for (;;) {
        uint64_t start = now_ns();
        unsigned spins = 0;
        while (GEN(atomic_load_explicit(&pool.state, memory_order_acquire)) == seen) {
            _mm_pause();
            if (++spins % YIELD_SPINS == 0) sched_yield();  // cheap when the core is free; polite when it is not
            if (spins % 64 == 0 && now_ns() - start > SPIN_NS) {
                pthread_mutex_lock(&pool.mutex);
                atomic_fetch_add(&pool.sleepers, 1);
                while (GEN(atomic_load(&pool.state)) == seen) pthread_cond_wait(&pool.wake, &pool.mutex);
                atomic_fetch_sub(&pool.sleepers, 1);
                pthread_mutex_unlock(&pool.mutex);
            }
        }
        seen = GEN(atomic_load_explicit(&pool.state, memory_order_acquire));
        const int helpers = atomic_load(&pool.helpers);
        if (index < helpers) work_on(seen, index + 1, helpers + 1);
    }
    return NULL;
}

static void start_workers(void) {
    int started = 0;
    for (int i = 0; i < requested_workers && i < MAX_WORKERS; i++) {
        pthread_t t;
        pthread_attr_t attr;
        pthread_attr_init(&attr);
        pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
        if (pthread_create(&t, &attr, worker_main, (void *)(intptr_t)i) == 0) started++;
        pthread_attr_destroy(&attr);
    }
    pool.workers = started;
}

// Rows per chunk for a job: multiples of 4 (of 32 from 32 on), about PG_CHUNK_BYTES of weights, at least ~4 chunks per
// thread when possible.
static size_t rows_per_chunk(const pg_matvec_job *j, size_t cols, int threads) {
    size_t row_bytes = pg_row_bytes(j->type, cols);
    if (row_bytes == 0) row_bytes = 4 * cols;  // no kernel for the type (callers check): any positive size will do
    size_t rows = (PG_CHUNK_BYTES / row_bytes + 3) & ~(size_t)3;
    size_t balanced = ((j->rows / (4 * (size_t)threads)) + 3) & ~(size_t)3;
    if (rows > balanced) rows = balanced;
    if (rows < 4) rows = 4;
    if (rows >= 32) rows = (rows + 31) & ~(size_t)31;  // whole groups of the VNNI int8 kernels (16 rows, 32 batched)
    else if (rows >= 16) rows = (rows + 15) & ~(size_t)15;  // chunks that start on a packed group (PackedWeights)
    while ((j->rows + rows - 1) / rows > 0x3FFFF) rows *= 2;  // keep the chunk count well inside 20 bits
    return rows;
}

// Runs `local` on the pool (or on the caller alone when the pool is busy or single-threaded).
static void dispatch(batch *local, int threads) {
    if (threads > 1) {
        requested_workers = threads - 1;  // read once, by the first caller's pthread_once
        pthread_once(&pool_once, start_workers);
    }
    if (threads <= 1 || pool.workers == 0 || atomic_flag_test_and_set_explicit(&pool.busy, memory_order_acquire)) {
        run_all(local);
        return;
    }
    int used = threads < pool.workers + 1 ? threads : pool.workers + 1;
    atomic_store(&pool.helpers, used - 1);
    size_t total = local->task ? local->chunks : 0;
    int chunked = local->task ? 0 : (local->swiglu ? 1 : local->count);
    for (int j = 0; j < chunked; j++) {
        local->first_chunk[j] = total;
        local->chunk_rows[j] = rows_per_chunk(&local->jobs[j], local->cols, used);
        if (local->swiglu && local->chunk_rows[j] >= 64) local->chunk_rows[j] = (local->chunk_rows[j] / 2 + 31) & ~(size_t)31;
        else if (local->swiglu && local->chunk_rows[j] >= 8) local->chunk_rows[j] = (local->chunk_rows[j] / 2 + 3) & ~(size_t)3;
        total += (local->jobs[j].rows + local->chunk_rows[j] - 1) / local->chunk_rows[j];
    }
    local->first_chunk[chunked] = total;
    if (total > 0xFFFFF) {  // cannot happen with the 20-bit bound in rows_per_chunk; stay correct anyway
        run_all(local);
        atomic_flag_clear_explicit(&pool.busy, memory_order_release);
        return;
    }
    pool.work = *local;
    atomic_store_explicit(&pool.done, 0, memory_order_relaxed);
    uint32_t gen = (GEN(atomic_load(&pool.state)) + 1) & 0xFFFFFF;
    for (int s = 0; s < used; s++)
        atomic_store_explicit(&pool.cursor[s][0], STATE(gen, total * (s + 1) / used, total * s / used), memory_order_relaxed);
    atomic_store(&pool.state, STATE(gen, total, 0));  // seq_cst: publishes the cursors; pairs with the sleepers check below
    if (atomic_load(&pool.sleepers) > 0) {
        pthread_mutex_lock(&pool.mutex);
        pthread_cond_broadcast(&pool.wake);
        pthread_mutex_unlock(&pool.mutex);
    }
#ifdef PG_POOL_STATS
    pool_stats_caller_gen = gen;
#endif
    work_on(gen, 0, used);
    for (unsigned spins = 1; atomic_load_explicit(&pool.done, memory_order_acquire) < total; spins++) {
        _mm_pause();
        if (spins % YIELD_SPINS == 0) sched_yield();  // a worker holding a chunk was descheduled
    }
    atomic_flag_clear_explicit(&pool.busy, memory_order_release);
}

void pg_matvec_batch(const pg_matvec_job *jobs, int count, size_t cols, size_t nx, const float *x,
                     const int8_t *qx, const float *dx, const float *sx, int digits, int threads) {
    if (count > MAX_JOBS) {
        for (int i = 0; i < count; i += MAX_JOBS)
            pg_matvec_batch(jobs + i, count - i < MAX_JOBS ? count - i : MAX_JOBS, cols, nx, x, qx, dx, sx, digits,
                            threads);
        return;
    }
    batch local = {.count = count, .cols = cols, .nx = nx, .x = x, .qx = qx, .dx = dx, .sx = sx, .digits = digits};
    for (int j = 0; j < count; j++) local.jobs[j] = jobs[j];
    dispatch(&local, threads);
}

void pg_matvec_swiglu(pg_matvec_job gate, pg_matvec_job up, size_t cols, size_t nx, const float *x,
                      const int8_t *qx, const float *dx, const float *sx, int digits, int threads) {
    batch local = {.count = 2, .swiglu = 1, .cols = cols, .nx = nx, .x = x, .qx = qx, .dx = dx, .sx = sx,
                   .digits = digits};
    local.jobs[0] = gate;
    local.jobs[1] = up;
    dispatch(&local, threads);
}

void pg_parallel_for(void (*task)(void *context, size_t chunk), void *context, size_t chunks, int threads) {
    batch local = {.task = task, .context = context, .chunks = chunks};
    dispatch(&local, chunks > 0xFFFFF ? 1 : threads);
}

// Per-thread scratch (pg_thread_floats): one buffer per thread, found through a pthread key whose destructor frees
// it when the thread ends (decode workers live as long as the process; callers' threads may not).
static pthread_key_t scratch_key;
static pthread_once_t scratch_once = PTHREAD_ONCE_INIT;
typedef struct {
    float *data;
    size_t capacity;
} scratch_buffer;

static void scratch_free(void *p) {
    scratch_buffer *b = p;
    free(b->data);
    free(b);
}

static void scratch_init(void) { pthread_key_create(&scratch_key, scratch_free); }

float *pg_thread_floats(size_t count) {
    pthread_once(&scratch_once, scratch_init);
    scratch_buffer *b = pthread_getspecific(scratch_key);
    if (b == NULL) {
        b = calloc(1, sizeof *b);
        if (b == NULL || pthread_setspecific(scratch_key, b) != 0) {
            free(b);
            return NULL;
        }
    }
    if (b->capacity < count) {
        size_t bytes = ((count > 0 ? count : 1) * sizeof(float) + 63) / 64 * 64;
        float *data = aligned_alloc(64, bytes);
        if (data == NULL) return NULL;
        free(b->data);
        b->data = data;
        b->capacity = bytes / sizeof(float);
    }
    return b->data;
}
