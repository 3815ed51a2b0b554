/* Unit tests for the thread-job runner (tk_parallel_run in tk_core.h). */
#define _POSIX_C_SOURCE 200809L
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "tk_core.h"
#include "tk_test.h"

#define N_ITEMS 600
#define N_THREADS 2

typedef struct job_state {
    int seen[N_ITEMS];        /* how often each item ran */
    int bad_worker;           /* a worker number out of range */
    int max_worker;           /* N_THREADS - 1, or N_THREADS when the caller helps */
    int caller_chunks;        /* chunks run as worker N_THREADS (the caller) */
    int fail_at;              /* item whose chunk fails, or -1 */
    int poll_answer;
    int polls;
} job_state;

static void sleep_ms(long ms)
{
    struct timespec ts;
    ts.tv_sec = 0;
    ts.tv_nsec = ms * 1000000L;
    nanosleep(&ts, NULL);
}

static int run_items(void *ctx, size_t begin, size_t end, int worker)
{
    job_state *js = ctx;
    size_t i;
    if (worker < 0 || worker > js->max_worker)
        __atomic_store_n(&js->bad_worker, 1, __ATOMIC_SEQ_CST);
    if (worker == N_THREADS)
        __atomic_fetch_add(&js->caller_chunks, 1, __ATOMIC_SEQ_CST);
    sleep_ms(1);   /* long enough for the calling thread to poll */
    for (i = begin; i < end; i++) {
        if ((int)i == js->fail_at)
            return TK_EINVAL;
        __atomic_fetch_add(&js->seen[i], 1, __ATOMIC_SEQ_CST);
    }
    return TK_OK;
}

static int poll_answer(void *ctx, size_t done, size_t total)
{
    job_state *js = ctx;
    (void)done;
    (void)total;
    js->polls++;
    return js->poll_answer;
}

static int run_helped(job_state *js, int answer, int fail_at, int *cancel, int caller_helps)
{
    tk_job job;
    memset(js, 0, sizeof *js);
    js->max_worker = caller_helps ? N_THREADS : N_THREADS - 1;
    js->fail_at = fail_at;
    js->poll_answer = answer;
    memset(&job, 0, sizeof job);
    job.n_items = N_ITEMS;
    job.chunk = 5;
    job.run = run_items;
    job.ctx = js;
    job.poll = poll_answer;
    job.poll_ctx = js;
    job.poll_ms = 1;
    job.cancel = cancel;
    job.caller_helps = caller_helps;
    return tk_parallel_run(&job, N_THREADS);
}

static int run(job_state *js, int answer, int fail_at, int *cancel)
{
    return run_helped(js, answer, fail_at, cancel, 0);
}

static void test_every_item_once(void)
{
    static job_state js;
    int i;
    CHECK_EQ_INT(run(&js, 0, -1, NULL), TK_OK);
    for (i = 0; i < N_ITEMS; i++)
        CHECK_EQ_INT(js.seen[i], 1);
    CHECK(!js.bad_worker);
    CHECK(js.polls > 0);
    CHECK_EQ_INT(js.caller_chunks, 0);
}

/* A helping caller runs chunks between polls, as worker N_THREADS, and
 * every item still runs exactly once; a poll that stops the job and a
 * failing chunk (the caller's or a worker's) behave as without help. */
static void test_caller_helps(void)
{
    static job_state js;
    int i, cancel = 0;
    CHECK_EQ_INT(run_helped(&js, 0, -1, NULL, 1), TK_OK);
    for (i = 0; i < N_ITEMS; i++)
        CHECK_EQ_INT(js.seen[i], 1);
    CHECK(!js.bad_worker);
    CHECK(js.caller_chunks > 0);
    CHECK(js.polls >= js.caller_chunks);
    CHECK_EQ_INT(run_helped(&js, 1, -1, &cancel, 1), TK_ECANCELLED);
    CHECK_EQ_INT(cancel, 1);
    /* The stopping poll comes first: the caller never helps after it. */
    CHECK_EQ_INT(js.caller_chunks, 0);
    for (i = 0; i < N_ITEMS; i += N_ITEMS / 6) {
        cancel = 0;
        CHECK_EQ_INT(run_helped(&js, 0, i, &cancel, 1), TK_EINVAL);
        CHECK_EQ_INT(cancel, 1);
    }
}

static void test_stop_and_errors(void)
{
    static job_state js;
    int cancel = 0;
    /* A nonzero poll cancels the job and raises the cancel flag. */
    CHECK_EQ_INT(run(&js, 1, -1, &cancel), TK_ECANCELLED);
    CHECK_EQ_INT(cancel, 1);
    /* A failing chunk stops the job with its code. */
    cancel = 0;
    CHECK_EQ_INT(run(&js, 0, N_ITEMS / 2, &cancel), TK_EINVAL);
    CHECK_EQ_INT(cancel, 1);
}

/* One thread and no poll: the caller runs the job itself, as worker 0,
 * and starts no thread (tk_threads_started counts the ones it does). */
static void test_inline_and_started_threads(void)
{
    static job_state js;
    tk_job job;
    size_t before = tk_threads_started();
    int i;
    memset(&js, 0, sizeof js);
    js.max_worker = 0;
    js.fail_at = -1;
    memset(&job, 0, sizeof job);
    job.n_items = 40;
    job.chunk = 5;
    job.run = run_items;
    job.ctx = &js;
    CHECK_EQ_INT(tk_parallel_run(&job, 1), TK_OK);
    for (i = 0; i < 40; i++)
        CHECK_EQ_INT(js.seen[i], 1);
    CHECK(!js.bad_worker);
    CHECK_EQ_INT(tk_threads_started(), before);
    CHECK_EQ_INT(run(&js, 0, -1, NULL), TK_OK);
    CHECK_EQ_INT(tk_threads_started(), before + N_THREADS);
}

/* Regression: a thread that would not start failed the whole job with
 * TK_ETHREAD, although the others had started.  Now the job runs on the
 * threads that did start, or on the calling thread when none did. */
static void test_threads_that_fail_to_start(void)
{
    static job_state js;
    int limit, helps, i;
    for (limit = 0; limit < N_THREADS; limit++) {
        for (helps = 0; helps <= 1; helps++) {
            size_t before = tk_threads_started();
            tk_thread_fail_after(limit);
            CHECK_EQ_INT(run_helped(&js, 0, -1, NULL, helps), TK_OK);
            tk_thread_fail_after(-1);
            for (i = 0; i < N_ITEMS; i++)
                CHECK_EQ_INT(js.seen[i], 1);
            CHECK(!js.bad_worker);
            CHECK_EQ_INT(tk_threads_started(), before + (size_t)limit);
        }
    }
    /* A poll that stops the job still does with fewer threads. */
    tk_thread_fail_after(1);
    CHECK_EQ_INT(run(&js, 1, -1, NULL), TK_ECANCELLED);
    tk_thread_fail_after(-1);
}

/* A job whose mutex or condition variable cannot be made fails with
 * TK_ETHREAD before it starts anything; a job run inline needs neither. */
static void test_lock_init_failure(void)
{
    static job_state js;
    int n;
    for (n = 0; n <= 1; n++) {
        size_t before = tk_threads_started();
        tk_lock_init_fail_after(n);
        CHECK_EQ_INT(run(&js, 0, -1, NULL), TK_ETHREAD);
        tk_lock_init_fail_after(-1);
        CHECK_EQ_INT(tk_threads_started(), before);
    }
    CHECK_EQ_INT(run(&js, 0, -1, NULL), TK_OK);
}

/* Chunks of chosen sizes (tk_job.bounds): every item runs once, in the
 * chunk the bounds give it, also with more threads than chunks, a chunk of
 * one item, and a failing chunk. */
typedef struct bounds_state {
    int seen[N_ITEMS];
    int chunk_ok;             /* 0 once a chunk was not one of the bounds' */
    int fail_at;
    const size_t *bounds;
    size_t n_chunks;
} bounds_state;

static int run_bounded(void *ctx, size_t begin, size_t end, int worker)
{
    bounds_state *bs = ctx;
    size_t k, i;
    int found = 0;
    (void)worker;
    for (k = 0; k < bs->n_chunks; k++)
        if (bs->bounds[k] == begin && bs->bounds[k + 1] == end)
            found = 1;
    if (!found)
        __atomic_store_n(&bs->chunk_ok, 0, __ATOMIC_SEQ_CST);
    for (i = begin; i < end; i++) {
        if ((int)i == bs->fail_at)
            return TK_EINVAL;
        __atomic_fetch_add(&bs->seen[i], 1, __ATOMIC_SEQ_CST);
    }
    return TK_OK;
}

static void test_chunk_bounds(void)
{
    static const size_t uneven[] = {0, 1, 2, 300, 301, 590, N_ITEMS};
    static const size_t whole[] = {0, N_ITEMS};
    static bounds_state bs;
    static job_state polls;   /* answers 0: go on */
    const size_t *plans[2] = {uneven, whole};
    size_t n_chunks[2] = {6, 1};
    int p, threads, i, helps;
    for (p = 0; p < 2; p++)
        for (threads = 1; threads <= 8; threads *= 2)
            for (helps = 0; helps <= 1; helps++) {
                tk_job job;
                memset(&bs, 0, sizeof bs);
                bs.chunk_ok = 1;
                bs.fail_at = -1;
                bs.bounds = plans[p];
                bs.n_chunks = n_chunks[p];
                memset(&job, 0, sizeof job);
                job.n_items = N_ITEMS;
                job.chunk = 7;   /* ignored: the bounds decide */
                job.bounds = plans[p];
                job.n_chunks = n_chunks[p];
                job.run = run_bounded;
                job.ctx = &bs;
                if (helps) {
                    job.poll = poll_answer;
                    job.poll_ctx = &polls;
                    job.poll_ms = 1;
                    job.caller_helps = 1;
                }
                CHECK_EQ_INT(tk_parallel_run(&job, threads), TK_OK);
                CHECK(bs.chunk_ok);
                for (i = 0; i < N_ITEMS; i++)
                    CHECK_EQ_INT(bs.seen[i], 1);
            }
    {
        tk_job job;
        memset(&bs, 0, sizeof bs);
        bs.chunk_ok = 1;
        bs.fail_at = 300;   /* the first item of a chunk */
        bs.bounds = uneven;
        bs.n_chunks = 6;
        memset(&job, 0, sizeof job);
        job.n_items = N_ITEMS;
        job.bounds = uneven;
        job.n_chunks = 6;
        job.run = run_bounded;
        job.ctx = &bs;
        CHECK_EQ_INT(tk_parallel_run(&job, 2), TK_EINVAL);
        CHECK_EQ_INT(bs.seen[300], 0);
    }
}

/* Records the highest worker number a job's chunks ran on. */
static int note_worker(void *ctx, size_t begin, size_t end, int worker)
{
    int *highest = ctx, seen = __atomic_load_n(highest, __ATOMIC_SEQ_CST);
    (void)begin;
    (void)end;
    while (worker > seen
           && !__atomic_compare_exchange_n(highest, &seen, worker, 0, __ATOMIC_SEQ_CST,
                                           __ATOMIC_SEQ_CST))
        ;
    return TK_OK;
}

/* A C caller may ask for any count: it is clamped to TK_MAX_THREADS (the
 * runner's thread arrays; 1100 used to write past them) and to a job's
 * max_threads (per-worker state sized before "all CPUs" was read again). */
static void test_thread_caps(void)
{
    tk_job job;
    int highest = -1;
    CHECK_EQ_INT(tk_resolve_threads(TK_MAX_THREADS + 76, 5000), TK_MAX_THREADS);
    CHECK_EQ_INT(tk_resolve_threads(TK_MAX_THREADS + 76, 7), 7);
    CHECK_EQ_INT(tk_resolve_threads(3, 5000), 3);
    CHECK(tk_resolve_threads(0, 5000) == tk_cpu_count());
    memset(&job, 0, sizeof job);
    job.n_items = 2000;
    job.chunk = 1;
    job.run = note_worker;
    job.ctx = &highest;
    CHECK_EQ_INT(tk_parallel_run(&job, TK_MAX_THREADS + 76), TK_OK);
    CHECK(highest >= 0 && highest < TK_MAX_THREADS);
    highest = -1;
    job.max_threads = 2;
    CHECK_EQ_INT(tk_parallel_run(&job, 8), TK_OK);
    CHECK(highest >= 0 && highest < 2);
}

int main(void)
{
    test_thread_caps();
    test_inline_and_started_threads();
    test_threads_that_fail_to_start();
    test_lock_init_failure();
    test_every_item_once();
    test_stop_and_errors();
    test_caller_helps();
    test_chunk_bounds();
    TEST_MAIN_END();
}
