#include <string.h>

#include "tk_termrun.h"

/* ------------------------------------------------------------- packing */
void tk_term_run_free(tk_term_run *run)
{
    tk_free(run->bytes);
    tk_free(run->lens);
    tk_free(run->counts);
    tk_free(run->df);
    tk_free(run->samples);
    memset(run, 0, sizeof *run);
}

int tk_term_run_pack(const tk_vocab *v, int want_stats, tk_term_run *run, uint32_t *rank)
{
    uint32_t *sorted = NULL;
    size_t i, at = 0, n = v->n ? v->n : 1;
    int rc;

    memset(run, 0, sizeof *run);
    if ((rc = tk_vocab_sorted_ids(v, &sorted)) < 0)
        return rc;
    run->bytes = tk_malloc(v->arena_len ? v->arena_len : 1);
    run->lens = tk_malloc(n * sizeof *run->lens);
    /* Without pruning nobody reads the frequencies: at 8 bytes per term
     * of every chunk they were a large part of a fit's peak. */
    if (want_stats) {
        run->counts = tk_malloc(n * sizeof *run->counts);
        run->df = tk_calloc(n, sizeof *run->df);
    }
    run->samples = tk_malloc((n / TK_RUN_SAMPLE + 1) * sizeof *run->samples);
    if (!run->bytes || !run->lens || !run->samples
        || (want_stats && (!run->counts || !run->df))) {
        rc = TK_ENOMEM;
        goto cleanup;
    }
    for (i = 0; i < v->n; i++) {
        size_t len;
        const uint8_t *t = tk_vocab_term(v, sorted[i], &len);   /* <= UINT32_MAX */
        if (i % TK_RUN_SAMPLE == 0)
            run->samples[i / TK_RUN_SAMPLE] = at;
        if (len)
            memcpy(run->bytes + at, t, len);
        at += len;
        run->lens[i] = (uint32_t)len;
        if (run->counts) {
            if (v->terms[sorted[i]].count > UINT32_MAX) {
                rc = TK_EOVERFLOW;
                goto cleanup;
            }
            run->counts[i] = (uint32_t)v->terms[sorted[i]].count;
        }
        rank[sorted[i]] = (uint32_t)i;
    }
    run->n = v->n;
    rc = TK_OK;
cleanup:
    tk_free(sorted);
    if (rc < 0)
        tk_term_run_free(run);
    return rc;
}

/* ------------------------------------------------------------- merging */
typedef struct merge_head {
    uint64_t key;          /* first 8 bytes of the current term, big-endian */
    uint32_t run;
} merge_head;

typedef struct run_cursor {
    size_t pos;            /* current term */
    size_t off;            /* its byte offset */
} run_cursor;

static int head_cmp(tk_term_run *const *runs, const run_cursor *cur, const merge_head *a,
                    const merge_head *b)
{
    const tk_term_run *ra, *rb;
    if (a->key != b->key)
        return a->key < b->key ? -1 : 1;
    ra = runs[a->run];
    rb = runs[b->run];
    return tk_bytes_cmp(ra->bytes + cur[a->run].off, ra->lens[cur[a->run].pos],
                        rb->bytes + cur[b->run].off, rb->lens[cur[b->run].pos]);
}

static void sift_down(merge_head *heap, size_t n, size_t i, tk_term_run *const *runs,
                      const run_cursor *cur)
{
    for (;;) {
        size_t l = 2 * i + 1, r = l + 1, m = i;
        merge_head t;
        if (l < n && head_cmp(runs, cur, &heap[l], &heap[m]) < 0)
            m = l;
        if (r < n && head_cmp(runs, cur, &heap[r], &heap[m]) < 0)
            m = r;
        if (m == i)
            return;
        t = heap[i];
        heap[i] = heap[m];
        heap[m] = t;
        i = m;
    }
}

/* First position in run whose term is >= (p, plen), and its byte offset. */
static void run_lower_bound(const tk_term_run *run, const uint8_t *p, size_t plen,
                            size_t *pos, size_t *off)
{
    size_t lo = 0, hi = (run->n + TK_RUN_SAMPLE - 1) / TK_RUN_SAMPLE, i, at;
    /* binary search over the sampled terms, then a short scan */
    while (lo < hi) {
        size_t mid = (lo + hi) / 2;
        size_t k = mid * TK_RUN_SAMPLE;
        if (tk_bytes_cmp(run->bytes + run->samples[mid], run->lens[k], p, plen) < 0)
            lo = mid + 1;
        else
            hi = mid;
    }
    if (lo == 0) {
        *pos = 0;
        *off = 0;
        return;
    }
    i = (lo - 1) * TK_RUN_SAMPLE;
    at = run->samples[lo - 1];
    while (i < run->n && tk_bytes_cmp(run->bytes + at, run->lens[i], p, plen) < 0) {
        at += run->lens[i];
        i++;
    }
    *pos = i;
    *off = at;
}

void tk_run_merge_free(tk_run_merge *m)
{
    size_t r;
    if (m->parts)
        for (r = 0; r < m->n_ranges; r++) {
            tk_free(m->parts[r].bytes);
            tk_free(m->parts[r].ends);
            tk_free(m->parts[r].tf);
            tk_free(m->parts[r].df);
        }
    tk_free(m->parts);
    tk_free(m->pos);
    tk_free(m->off);
    tk_free(m->runs);
    tk_free(m->maps);
    memset(m, 0, sizeof *m);
}

int tk_run_merge_init(tk_run_merge *m, tk_term_run *const *runs, uint32_t *const *maps,
                      size_t n_runs, size_t n_ranges, int want_stats)
{
    size_t ns = n_runs ? n_runs : 1, s, r, largest = 0;
    int rc = TK_OK;

    memset(m, 0, sizeof *m);
    if (n_ranges == 0)
        n_ranges = 1;
    m->n_runs = n_runs;
    m->n_ranges = n_ranges;
    m->want_stats = want_stats;
    m->runs = tk_malloc(ns * sizeof *m->runs);
    m->maps = tk_malloc(ns * sizeof *m->maps);
    m->pos = tk_malloc((n_ranges + 1) * ns * sizeof *m->pos);
    m->off = tk_malloc((n_ranges + 1) * ns * sizeof *m->off);
    m->parts = tk_calloc(n_ranges, sizeof *m->parts);
    if (!m->runs || !m->maps || !m->pos || !m->off || !m->parts) {
        rc = TK_ENOMEM;
        goto cleanup;
    }
    for (s = 0; s < n_runs; s++) {
        const tk_term_run *run = runs[s];
        size_t bytes = 0, k;
        m->runs[s] = runs[s];
        m->maps[s] = maps[s];
        if (run->n > runs[largest]->n)
            largest = s;
        for (k = 0; k < run->n; k++)
            bytes += run->lens[k];
        m->pos[s] = 0;
        m->off[s] = 0;
        m->pos[n_ranges * n_runs + s] = run->n;
        m->off[n_ranges * n_runs + s] = bytes;
    }
    for (r = 1; r < n_ranges; r++) {
        /* pivot: a term of the largest run, so pivots are sorted (ranges
         * cut at equal pivots are simply empty) */
        const tk_term_run *big = runs[largest];
        size_t pivot_pos = big->n * r / n_ranges, k, poff;
        if (big->n == 0) {
            for (s = 0; s < n_runs; s++) {
                m->pos[r * n_runs + s] = m->pos[n_ranges * n_runs + s];
                m->off[r * n_runs + s] = m->off[n_ranges * n_runs + s];
            }
            continue;
        }
        k = pivot_pos / TK_RUN_SAMPLE * TK_RUN_SAMPLE;
        poff = big->samples[k / TK_RUN_SAMPLE];
        for (; k < pivot_pos; k++)
            poff += big->lens[k];
        for (s = 0; s < n_runs; s++)
            run_lower_bound(runs[s], big->bytes + poff, big->lens[pivot_pos],
                            &m->pos[r * n_runs + s], &m->off[r * n_runs + s]);
    }
cleanup:
    if (rc < 0)
        tk_run_merge_free(m);
    return rc;
}

int tk_run_merge_range(tk_run_merge *m, size_t r)
{
    size_t ns = m->n_runs, hn = 0, s, g = 0, bound_n = 0, bound_bytes = 0;
    const size_t *p0 = m->pos + r * ns, *p1 = m->pos + (r + 1) * ns;
    const size_t *o0 = m->off + r * ns, *o1 = m->off + (r + 1) * ns;
    tk_merged_terms *out = &m->parts[r];
    merge_head *heap = tk_malloc((ns ? ns : 1) * sizeof *heap);
    run_cursor *cur = tk_calloc(ns ? ns : 1, sizeof *cur);
    int rc = TK_OK;

    if (!heap || !cur) {
        rc = TK_ENOMEM;
        goto cleanup;
    }
    for (s = 0; s < ns; s++) {
        bound_n += p1[s] - p0[s];
        bound_bytes += o1[s] - o0[s];
    }
    /* Upper bounds: untouched pages of these blocks cost no memory. */
    out->ends = tk_malloc((bound_n ? bound_n : 1) * sizeof *out->ends);
    if (m->want_stats) {
        out->tf = tk_malloc((bound_n ? bound_n : 1) * sizeof *out->tf);
        out->df = tk_malloc((bound_n ? bound_n : 1) * sizeof *out->df);
    }
    out->bytes = tk_malloc(bound_bytes ? bound_bytes : 1);
    if (!out->ends || !out->bytes || (m->want_stats && (!out->tf || !out->df))) {
        rc = TK_ENOMEM;
        goto cleanup;
    }
    for (s = 0; s < ns; s++) {
        const tk_term_run *run = m->runs[s];
        cur[s].pos = p0[s];
        cur[s].off = o0[s];
        if (p0[s] < p1[s]) {
            heap[hn].key = tk_term_prefix(run->bytes + o0[s], run->lens[p0[s]]);
            heap[hn].run = (uint32_t)s;
            hn++;
        }
    }
    for (s = hn; s-- > 0;)
        sift_down(heap, hn, s, m->runs, cur);
    while (hn) {
        const tk_term_run *first = m->runs[heap[0].run];
        const uint8_t *t = first->bytes + cur[heap[0].run].off;
        size_t tlen = first->lens[cur[heap[0].run].pos];
        uint64_t tkey = heap[0].key;
        if (tlen)
            memcpy(out->bytes + out->bytes_len, t, tlen);
        out->bytes_len += tlen;
        out->ends[g] = out->bytes_len;
        if (out->tf) {
            out->tf[g] = 0;
            out->df[g] = 0;
        }
        t = out->bytes + out->bytes_len - tlen;   /* stable copy to compare with */
        while (hn && heap[0].key == tkey) {
            size_t ridx = heap[0].run;
            const tk_term_run *run = m->runs[ridx];
            run_cursor *c = &cur[ridx];
            size_t len = run->lens[c->pos];
            if (len != tlen || memcmp(run->bytes + c->off, t, len) != 0)
                break;
            m->maps[ridx][c->pos] = (uint32_t)g;
            if (out->tf) {
                out->tf[g] += run->counts[c->pos];
                out->df[g] += run->df[c->pos];
            }
            c->off += len;
            if (++c->pos < p1[ridx])
                heap[0].key = tk_term_prefix(run->bytes + c->off, run->lens[c->pos]);
            else
                heap[0] = heap[--hn];
            if (hn)
                sift_down(heap, hn, 0, m->runs, cur);
        }
        g++;
    }
    out->n = g;
cleanup:
    tk_free(heap);
    tk_free(cur);
    return rc;
}

size_t tk_run_merge_finish(tk_run_merge *m)
{
    size_t ns = m->n_runs, base = 0, r, s, k;
    for (r = 0; r < m->n_ranges; r++) {
        if (base)
            for (s = 0; s < ns; s++)
                for (k = m->pos[r * ns + s]; k < m->pos[(r + 1) * ns + s]; k++)
                    m->maps[s][k] += (uint32_t)base;
        base += m->parts[r].n;
    }
    return base;
}

const uint8_t *tk_merge_walker_next(tk_merge_walker *w, size_t *len, int64_t *tf)
{
    const tk_merged_terms *part;
    size_t start;
    while (w->part < w->merge->n_ranges && w->local >= w->merge->parts[w->part].n) {
        w->part++;
        w->local = 0;
    }
    if (w->part >= w->merge->n_ranges)
        return NULL;
    part = &w->merge->parts[w->part];
    start = w->local ? part->ends[w->local - 1] : 0;
    *len = part->ends[w->local] - start;
    *tf = part->tf ? part->tf[w->local] : 0;
    w->local++;
    return part->bytes + start;
}
