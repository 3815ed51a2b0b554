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

/* How many terms ahead tk_term_run_pack prefetches a record. */
#define PACK_AHEAD 16

/* Write a term of up to 8 bytes from its key (tk_term_prefix) as one
 * 8-byte store; the bytes past the term are overwritten by the next. */
static inline void store_key_bytes(uint8_t *dst, uint64_t key)
{
#if defined(__GNUC__) && defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
    key = __builtin_bswap64(key);
    memcpy(dst, &key, 8);
#else
    int i;
    for (i = 0; i < 8; i++)
        dst[i] = (uint8_t)(key >> (56 - 8 * i));
#endif
}

int tk_term_run_pack(const tk_vocab *v, int want_stats, tk_term_run *run, uint32_t *rank)
{
    tk_sorted_term *sorted = NULL;
    size_t i, at = 0, n = v->n ? v->n : 1;
    int rc;

    memset(run, 0, sizeof *run);
    if ((rc = tk_vocab_sorted_terms(v, &sorted)) < 0)
        return rc;
    /* store_key_bytes writes 8 bytes; the merge reads TK_RUN_PAD past the end */
    run->bytes = tk_malloc(v->arena_len + TK_RUN_PAD);
    run->lens = tk_malloc(n * sizeof *run->lens);
    /* Without pruning nobody reads the frequencies: at 8 bytes per term
     * of every chunk they were a large part of a fit's peak. */
    if (want_stats) {
        run->counts = tk_malloc(n * sizeof *run->counts);
        run->df = tk_calloc(n, sizeof *run->df);
    }
    run->samples = tk_malloc((n / TK_RUN_SAMPLE + 1) * sizeof *run->samples);
    if (run->bytes)
        memset(run->bytes + v->arena_len, 0, TK_RUN_PAD);   /* read, never compared */
    if (!run->bytes || !run->lens || !run->samples
        || (want_stats && (!run->counts || !run->df))) {
        rc = TK_ENOMEM;
        goto cleanup;
    }
    for (i = 0; i < v->n; i++) {
        size_t len = sorted[i].len;
        /* The records are visited in term order, so at random: fetch the
         * ones needed ahead.  A term of up to 8 bytes is whole in its
         * key, and only frequencies send us to its record; a longer one
         * is whole in the record's head up to TK_TERM_HEAD bytes, and
         * the arena is only read past that. */
        if (i + PACK_AHEAD < v->n && (want_stats || sorted[i + PACK_AHEAD].len > 8))
            tk_prefetch(&v->terms[sorted[i + PACK_AHEAD].id]);
        if (i % TK_RUN_SAMPLE == 0)
            run->samples[i / TK_RUN_SAMPLE] = at;
        if (len <= 8) {
            store_key_bytes(run->bytes + at, sorted[i].key);
        } else {
            const tk_term *term = &v->terms[sorted[i].id];
            /* a fixed-size copy of the whole head where it holds the term */
            if (len <= TK_TERM_HEAD)
                memcpy(run->bytes + at, term->head, TK_TERM_HEAD);
            else
                memcpy(run->bytes + at, v->arena + term->off, len);
        }
        at += len;
        run->lens[i] = (uint32_t)len;
        if (run->counts) {
            int64_t count = v->terms[sorted[i].id].count;
            if (count > UINT32_MAX) {
                rc = TK_EOVERFLOW;
                goto cleanup;
            }
            run->counts[i] = (uint32_t)count;
        }
        rank[sorted[i].id] = (uint32_t)i;
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
/* Where the merge stands in one run. */
typedef struct run_cursor {
    size_t pos;            /* current term */
    size_t off;            /* its byte offset */
    uint64_t key;          /* first 8 bytes of the current term, big-endian */
    uint64_t key2;         /* the next 8: word bigrams often share the first */
    uint32_t len;          /* its length, here so that a tie reads no run array */
    int done;              /* the run's part of the range is used up */
} run_cursor;

/* The first 8 bytes of a term in a run as an integer that orders like
 * the bytes: one word read (TK_RUN_PAD makes it readable), the bytes past
 * the term masked off. */
static inline uint64_t term_key(const uint8_t *t, size_t len)
{
    uint64_t k = tk_term_prefix8(t);
    if (len >= 8)
        return k;
    return len ? k & ~(UINT64_MAX >> (8 * len)) : 0;
}

/* Point c at the term at its pos and off in run. */
static inline void cursor_load(run_cursor *c, const tk_term_run *run)
{
    const uint8_t *t = run->bytes + c->off;
    /* The merge reads a dozen runs at once, each a step at a time: more
     * streams than the hardware prefetcher follows. */
    tk_prefetch_ahead(run->lens + c->pos, 64 * sizeof *run->lens);
    tk_prefetch_ahead(t, 384);
    c->len = run->lens[c->pos];
    c->key = term_key(t, c->len);
    c->key2 = c->len > 8 ? term_key(t + 8, c->len - 8) : 0;
}

/* Is run a's current term before run b's?  A used-up run comes last. */
static inline int cursor_before(tk_term_run *const *runs, const run_cursor *cur, uint32_t a,
                                uint32_t b)
{
    const run_cursor *x = &cur[a], *y = &cur[b];
    size_t la, lb;
    /* A used-up run's key is the largest, so only a tie asks about it. */
    if (x->key != y->key)
        return x->key < y->key;
    if (x->done || y->done)
        return !x->done;
    if (x->key2 != y->key2)
        return x->key2 < y->key2;
    /* Equal keys: the first 16 bytes agree (zero-padded), so a term that
     * ends within them is a prefix of the other, and only the bytes past
     * them are left to compare. */
    la = x->len;
    lb = y->len;
    if (la <= 16 || lb <= 16)
        return la < lb;
    return tk_bytes_cmp(runs[a]->bytes + x->off + 16, la - 16, runs[b]->bytes + y->off + 16,
                        lb - 16) < 0;
}

/*
 * A tournament ("loser") tree over the runs: leaf s (at node ns + s) is
 * run s, inner node i (1 <= i < ns) keeps the loser of the match between
 * its two subtrees, and tree[0] the overall winner.  Replacing the
 * winner's term costs one comparison per level on the way back up, where
 * a binary heap's sift-down needs two.
 */
static uint32_t tree_build(uint32_t *tree, size_t ns, size_t node, tk_term_run *const *runs,
                           const run_cursor *cur)
{
    uint32_t a, b;
    if (node >= ns)
        return (uint32_t)(node - ns);
    a = tree_build(tree, ns, 2 * node, runs, cur);
    b = tree_build(tree, ns, 2 * node + 1, runs, cur);
    if (cursor_before(runs, cur, b, a)) {
        tree[node] = a;
        return b;
    }
    tree[node] = b;
    return a;
}

/* Run w's term changed: play its matches from its leaf to the root.
 * Which term wins a match is as good as random, so a branch on it would
 * mispredict half the time: unless the first 16 bytes tie, masks pick the
 * winner, and the winner's keys ride along instead of being loaded again.
 * (A used-up run has both keys at UINT64_MAX, so a live term ties with it
 * only if its first 16 bytes are all 0xFF, and cursor_before settles it.) */
static inline void tree_replay(uint32_t *tree, size_t ns, uint32_t w, tk_term_run *const *runs,
                               const run_cursor *cur)
{
    size_t node;
    uint64_t kw = cur[w].key, kw2 = cur[w].key2;
    for (node = (ns + w) / 2; node > 0; node /= 2) {
        uint32_t t = tree[node];
        uint64_t kt = cur[t].key, kt2 = cur[t].key2, t_wins;
        int t_first = (kt < kw) | ((kt == kw) & (kt2 < kw2));
        if (TK_UNLIKELY((kt == kw) & (kt2 == kw2)))
            t_first = cursor_before(runs, cur, t, w);
        t_wins = 0 - (uint64_t)t_first;   /* all ones when t goes on up */
        tree[node] = (uint32_t)((w & t_wins) | (t & ~t_wins));
        w = (uint32_t)((t & t_wins) | (w & ~t_wins));
        kw = (kt & t_wins) | (kw & ~t_wins);
        kw2 = (kt2 & t_wins) | (kw2 & ~t_wins);
    }
    tree[0] = w;
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
    /* With no runs there is nothing to cut (the pivots read runs[0]). */
    if (n_ranges == 0 || n_runs == 0)
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
    size_t ns = m->n_runs, s, g = 0, bound_n = 0, bound_bytes = 0;
    const size_t *p0 = m->pos + r * ns, *p1 = m->pos + (r + 1) * ns;
    const size_t *o0 = m->off + r * ns, *o1 = m->off + (r + 1) * ns;
    tk_merged_terms *out = &m->parts[r];
    uint32_t *tree = tk_malloc((ns ? ns : 1) * sizeof *tree);
    run_cursor *cur = tk_calloc(ns ? ns : 1, sizeof *cur);
    int rc = TK_OK;

    if (!tree || !cur) {
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
    out->bytes = tk_malloc(bound_bytes + TK_RUN_PAD);
    if (!out->ends || !out->bytes || (m->want_stats && (!out->tf || !out->df))) {
        rc = TK_ENOMEM;
        goto cleanup;
    }
    if (ns == 0)
        goto cleanup;
    if (ns == 1) {
        /* One run (a fit on one thread): its terms are distinct and
         * sorted already, so the range is a copy. */
        const tk_term_run *run = m->runs[0];
        size_t i;
        if (bound_bytes)
            memcpy(out->bytes, run->bytes + o0[0], bound_bytes);
        for (i = p0[0]; i < p1[0]; i++, g++) {
            out->bytes_len += run->lens[i];
            out->ends[g] = out->bytes_len;
            m->maps[0][i] = (uint32_t)g;
            if (out->tf) {
                out->tf[g] = run->counts[i];
                out->df[g] = run->df[i];
            }
        }
        out->n = g;
        goto cleanup;
    }
    for (s = 0; s < ns; s++) {
        const tk_term_run *run = m->runs[s];
        cur[s].pos = p0[s];
        cur[s].off = o0[s];
        cur[s].done = p0[s] >= p1[s];
        cur[s].key = cur[s].key2 = UINT64_MAX;
        if (!cur[s].done)
            cursor_load(&cur[s], run);
    }
    tree[0] = tree_build(tree, ns, 1, m->runs, cur);
    while (!cur[tree[0]].done) {
        uint32_t w = tree[0];
        const tk_term_run *first = m->runs[w];
        size_t tlen = cur[w].len;
        uint64_t tkey = cur[w].key, tkey2 = cur[w].key2;
        const uint8_t *t;
        /* a short term in one fixed-size copy (both buffers have room) */
        if (tlen <= TK_RUN_PAD)
            memcpy(out->bytes + out->bytes_len, first->bytes + cur[w].off, TK_RUN_PAD);
        else
            memcpy(out->bytes + out->bytes_len, first->bytes + cur[w].off, tlen);
        out->bytes_len += tlen;
        out->ends[g] = out->bytes_len;
        if (out->tf) {
            out->tf[g] = 0;
            out->df[g] = 0;
        }
        t = out->bytes + out->bytes_len - tlen;   /* stable copy to compare with */
        /* Every run whose current term is this one: map it, step on. */
        do {
            const tk_term_run *run = m->runs[w];
            run_cursor *c = &cur[w];
            tk_prefetch_ahead(m->maps[w] + c->pos, 64 * sizeof **m->maps);
            m->maps[w][c->pos] = (uint32_t)g;
            if (out->tf) {
                out->tf[g] += run->counts[c->pos];
                out->df[g] += run->df[c->pos];
            }
            c->off += c->len;
            if (++c->pos < p1[w]) {
                cursor_load(c, run);
            } else {
                c->done = 1;
                c->key = c->key2 = UINT64_MAX;
            }
            tree_replay(tree, ns, w, m->runs, cur);
            w = tree[0];
            /* The same term again?  Up to 16 bytes the keys and the
             * length decide; past them only the rest is left to compare. */
        } while (!cur[w].done && cur[w].key == tkey && cur[w].key2 == tkey2 && cur[w].len == tlen
                 && (tlen <= 16
                     || memcmp(m->runs[w]->bytes + cur[w].off + 16, t + 16, tlen - 16) == 0));
        g++;
    }
    out->n = g;
cleanup:
    tk_free(tree);
    tk_free(cur);
    return rc;
}

/* The merged index of part r's first term. */
static size_t part_first(const tk_run_merge *m, size_t r)
{
    size_t g = 0, q;
    for (q = 0; q < r; q++)
        g += m->parts[q].n;
    return g;
}

size_t tk_run_merge_finish(const tk_run_merge *m)
{
    return part_first(m, m->n_ranges);
}

void tk_run_merge_globalize(const tk_run_merge *m, size_t r)
{
    size_t ns = m->n_runs, s, k, base = part_first(m, r);
    if (base == 0)
        return;
    for (s = 0; s < ns; s++)
        for (k = m->pos[r * ns + s]; k < m->pos[(r + 1) * ns + s]; k++)
            m->maps[s][k] += (uint32_t)base;
}

void tk_run_merge_kept(const tk_run_merge *m, size_t r, const uint32_t *keep,
                       size_t *n_terms, size_t *n_bytes)
{
    const tk_merged_terms *part = &m->parts[r];
    size_t i, g = part_first(m, r), terms = 0, bytes = 0, start = 0;
    if (!keep) {
        *n_terms = part->n;
        *n_bytes = part->bytes_len;
        return;
    }
    for (i = 0; i < part->n; start = part->ends[i], i++)
        if (keep[g + i] != UINT32_MAX) {
            terms++;
            bytes += part->ends[i] - start;
        }
    *n_terms = terms;
    *n_bytes = bytes;
}

void tk_run_merge_copy(const tk_run_merge *m, size_t r, const uint32_t *keep, uint8_t *bytes,
                       size_t byte0, size_t *ends, size_t term0)
{
    const tk_merged_terms *part = &m->parts[r];
    size_t i, g = part_first(m, r), at = byte0, start = 0;
    if (!keep) {
        /* The common case, every term kept: one copy, shifted ends. */
        if (part->bytes_len)
            memcpy(bytes + byte0, part->bytes, part->bytes_len);
        for (i = 0; i < part->n; i++)
            ends[term0 + i] = byte0 + part->ends[i];
        return;
    }
    for (i = 0; i < part->n; start = part->ends[i], i++)
        if (keep[g + i] != UINT32_MAX) {
            size_t len = part->ends[i] - start;
            if (len)
                memcpy(bytes + at, part->bytes + start, len);
            at += len;
            ends[term0++] = at;
        }
}
