#define _POSIX_C_SOURCE 200809L
#include <errno.h>
#include <pthread.h>
#include <time.h>
#include <unistd.h>

#include "tk_core.h"

/* glibc answers _SC_NPROCESSORS_ONLN by opening and reading a sysfs
 * file, which cost more than counting a short text does (every call
 * resolves its thread count), so the answer is reused for a second.
 * Racing threads at worst both read it. */
#define CPU_COUNT_TTL_NS 1000000000LL

int tk_cpu_count(void)
{
    static int cached;
    static long long cached_at;
    struct timespec ts;
    long long now;
    long n;
    int c = __atomic_load_n(&cached, __ATOMIC_RELAXED);

    clock_gettime(CLOCK_MONOTONIC, &ts);
    now = (long long)ts.tv_sec * 1000000000LL + ts.tv_nsec;
    if (c && now - __atomic_load_n(&cached_at, __ATOMIC_RELAXED) < CPU_COUNT_TTL_NS)
        return c;
    n = sysconf(_SC_NPROCESSORS_ONLN);
    c = n >= 1 ? (int)(n > TK_MAX_THREADS ? TK_MAX_THREADS : n) : 1;
    __atomic_store_n(&cached_at, now, __ATOMIC_RELAXED);
    __atomic_store_n(&cached, c, __ATOMIC_RELAXED);
    return c;
}

/* Read by tests (tk_threads_started) to see whether a job started threads. */
static size_t threads_started;

size_t tk_threads_started(void)
{
    return __atomic_load_n(&threads_started, __ATOMIC_RELAXED);
}

#ifdef TK_ALLOC_FAULTS
static int lock_inits_left = -1;

void tk_lock_init_fail_after(int n) { __atomic_store_n(&lock_inits_left, n, __ATOMIC_RELAXED); }

/* Whether this lock initialization is one the test asked to fail. */
static int lock_init_fails(void)
{
    int left = __atomic_load_n(&lock_inits_left, __ATOMIC_RELAXED);
    while (left > 0) {
        if (__atomic_compare_exchange_n(&lock_inits_left, &left, left - 1, 0, __ATOMIC_RELAXED,
                                        __ATOMIC_RELAXED))
            return 0;
    }
    return left == 0;
}
#else
#define lock_init_fails() 0
#endif

int tk_mutex_init(pthread_mutex_t *mutex)
{
    if (lock_init_fails() || pthread_mutex_init(mutex, NULL) != 0)
        return TK_ETHREAD;
    return TK_OK;
}

int tk_cond_init(pthread_cond_t *cond)
{
    if (lock_init_fails() || pthread_cond_init(cond, NULL) != 0)
        return TK_ETHREAD;
    return TK_OK;
}

#ifdef TK_ALLOC_FAULTS
static int thread_fail_after = -1;

void tk_thread_fail_after(int n) { __atomic_store_n(&thread_fail_after, n, __ATOMIC_RELAXED); }

static int start_thread(pthread_t *thread, void *(*main)(void *), void *arg, int started)
{
    int limit = __atomic_load_n(&thread_fail_after, __ATOMIC_RELAXED);
    if (limit >= 0 && started >= limit)
        return EAGAIN;
    return pthread_create(thread, NULL, main, arg);
}
#else
static int start_thread(pthread_t *thread, void *(*main)(void *), void *arg, int started)
{
    (void)started;
    return pthread_create(thread, NULL, main, arg);
}
#endif

int tk_resolve_threads(int requested, size_t n_items)
{
    int n = requested > 0 ? requested : tk_cpu_count();
    if (n > TK_MAX_THREADS)
        n = TK_MAX_THREADS;
    if (n_items < (size_t)n)
        n = n_items ? (int)n_items : 1;
    return n;
}

typedef struct shared_state {
    const tk_job *job;
    size_t chunk;
    size_t next;          /* next unclaimed item; atomic */
    size_t done;          /* items finished; atomic */
    int error;            /* first error; atomic */
    int running;          /* workers still running; under lock */
    pthread_mutex_t lock;
    pthread_cond_t finished;
} shared_state;

typedef struct worker_arg {
    shared_state *shared;
    int index;
} worker_arg;

static void record_error(shared_state *st, int rc)
{
    int expected = 0;
    __atomic_compare_exchange_n(&st->error, &expected, rc, 0, __ATOMIC_SEQ_CST,
                                __ATOMIC_SEQ_CST);
    if (st->job->cancel)
        __atomic_store_n(st->job->cancel, 1, __ATOMIC_SEQ_CST);
}

/* Claim and run the next chunk: 1 if one ran, 0 if none was left or the
 * job has failed (the failure is recorded). */
static int run_next_chunk(shared_state *st, int worker)
{
    const tk_job *job = st->job;
    size_t begin, end;
    int rc;
    if (__atomic_load_n(&st->error, __ATOMIC_RELAXED))
        return 0;
    if (job->bounds) {
        /* st->next counts chunks here */
        size_t k = __atomic_fetch_add(&st->next, 1, __ATOMIC_RELAXED);
        if (k >= job->n_chunks)
            return 0;
        begin = job->bounds[k];
        end = job->bounds[k + 1];
    } else {
        begin = __atomic_fetch_add(&st->next, st->chunk, __ATOMIC_RELAXED);
        if (begin >= job->n_items)
            return 0;
        end = job->n_items - begin < st->chunk ? job->n_items : begin + st->chunk;
    }
    rc = job->run(job->ctx, begin, end, worker);
    if (rc < 0) {
        record_error(st, rc);
        return 0;
    }
    __atomic_fetch_add(&st->done, end - begin, __ATOMIC_RELAXED);
    return 1;
}

static void run_chunks(shared_state *st, int worker)
{
    while (run_next_chunk(st, worker))
        ;
}

static void *worker_main(void *arg)
{
    worker_arg *wa = arg;
    shared_state *st = wa->shared;
    run_chunks(st, wa->index);
    pthread_mutex_lock(&st->lock);
    st->running--;
    pthread_cond_signal(&st->finished);
    pthread_mutex_unlock(&st->lock);
    return NULL;
}

static void deadline_after(struct timespec *ts, unsigned ms)
{
    clock_gettime(CLOCK_REALTIME, ts);
    ts->tv_sec += ms / 1000;
    ts->tv_nsec += (long)(ms % 1000) * 1000000L;
    if (ts->tv_nsec >= 1000000000L) {
        ts->tv_sec++;
        ts->tv_nsec -= 1000000000L;
    }
}

int tk_parallel_run(const tk_job *job, int n_threads)
{
    shared_state st;
    pthread_t threads[TK_MAX_THREADS];
    worker_arg args[TK_MAX_THREADS];
    int started = 0, i, rc = TK_OK, helped = 0;
    unsigned poll_ms = job->poll_ms ? job->poll_ms : 100;
    pid_t pid = getpid();

    if (job->n_items == 0)
        return TK_OK;
    /* The cleanup after a job that a fork cut short is over by now. */
    tk_alloc_keep_freed(0);
    n_threads = tk_resolve_threads(n_threads, job->bounds ? job->n_chunks : job->n_items);
    if (job->max_threads > 0 && n_threads > job->max_threads)
        n_threads = job->max_threads;
    st.job = job;
    st.chunk = job->chunk;
    if (st.chunk == 0) {
        /* Several chunks per thread balance uneven documents. */
        st.chunk = job->n_items / ((size_t)n_threads * 16);
        if (st.chunk == 0)
            st.chunk = 1;
    }
    st.next = 0;
    st.done = 0;
    st.error = 0;

    if (n_threads <= 1 && !job->poll) {
        run_chunks(&st, 0);
        return st.error;
    }

    if ((rc = tk_mutex_init(&st.lock)) < 0)
        return rc;
    if ((rc = tk_cond_init(&st.finished)) < 0) {
        pthread_mutex_destroy(&st.lock);
        return rc;
    }
    st.running = 0;
    pthread_mutex_lock(&st.lock);
    for (i = 0; i < n_threads; i++) {
        args[i].shared = &st;
        args[i].index = i;
        /* Out of threads (a process limit, memory): the ones started so
         * far do the work, the same work in the same chunks. */
        if (start_thread(&threads[i], worker_main, &args[i], started) != 0)
            break;
        st.running++;
        started++;
        __atomic_fetch_add(&threads_started, 1, __ATOMIC_RELAXED);
    }
    while (st.running > 0) {
        /* Right after running a chunk of its own, poll again at once. */
        if (!helped) {
            struct timespec ts;
            deadline_after(&ts, poll_ms);
            pthread_cond_timedwait(&st.finished, &st.lock, &ts);
        }
        if (job->poll && st.running > 0) {
            int stop;
            helped = 0;
            pthread_mutex_unlock(&st.lock);
            size_t done = __atomic_load_n(job->items_done ? job->items_done : &st.done,
                                          __ATOMIC_RELAXED);
            stop = job->poll(job->poll_ctx, done, job->n_items);
            if (getpid() != pid) {
                /* poll forked (a callback called fork()) and this is the
                 * child: the workers stayed in the parent, so st.running
                 * never falls.  They may have been half-way through
                 * handing a block from one structure to another, so the
                 * caller's cleanup must not free anything. */
                record_error(&st, TK_EFORKED);
                tk_alloc_keep_freed(1);
                return TK_EFORKED;
            }
            /* The next poll (a Ctrl-C check, say) comes at most one chunk
             * late: callers that help keep their chunks short. */
            if (!stop && job->caller_helps)
                helped = run_next_chunk(&st, n_threads);
            pthread_mutex_lock(&st.lock);
            if (stop)
                record_error(&st, TK_ECANCELLED);
        }
    }
    pthread_mutex_unlock(&st.lock);
    if (started == 0) {
        /* No thread could start: the calling thread does the work. */
        run_chunks(&st, 0);
    }
    for (i = 0; i < started; i++)
        pthread_join(threads[i], NULL);
    if (job->poll && !st.error)
        job->poll(job->poll_ctx, job->n_items, job->n_items);
    rc = st.error;
    pthread_mutex_destroy(&st.lock);
    pthread_cond_destroy(&st.finished);
    return rc;
}
