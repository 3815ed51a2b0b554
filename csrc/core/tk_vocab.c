#include <string.h>

#include "tk_tokenize.h"
#include "tk_vocab.h"

void tk_vocab_init(tk_vocab *v) { memset(v, 0, sizeof *v); }

void tk_vocab_free(tk_vocab *v)
{
    tk_free(v->arena);
    tk_free(v->offs);
    tk_free(v->hashes);
    tk_free(v->counts);
    tk_free(v->slots);
    memset(v, 0, sizeof *v);
}

void tk_vocab_clear(tk_vocab *v)
{
    if (v->slots)
        memset(v->slots, 0, (v->mask + 1) * sizeof *v->slots);
    v->arena_len = 0;
    v->n = 0;
    v->total = 0;
    if (v->offs)
        v->offs[0] = 0;
}

static int rehash(tk_vocab *v, size_t n_slots)
{
    tk_vocab_slot *slots = tk_calloc(n_slots, sizeof *slots);
    size_t mask = n_slots - 1, i;
    if (!slots)
        return TK_ENOMEM;
    for (i = 0; i < v->n; i++) {
        uint64_t h = v->hashes[i];
        size_t s = (size_t)h & mask;
        while (slots[s].id1)
            s = (s + 1) & mask;
        slots[s].id1 = (uint32_t)(i + 1);
        slots[s].tag = (uint32_t)(h >> 32);
    }
    tk_free(v->slots);
    v->slots = slots;
    v->mask = mask;
    return TK_OK;
}

long long tk_vocab_find_hashed(const tk_vocab *v, const uint8_t *term, size_t len,
                               uint64_t hash)
{
    size_t s;
    uint32_t tag = (uint32_t)(hash >> 32);
    if (!v->slots)
        return -1;
    for (s = (size_t)hash & v->mask; v->slots[s].id1; s = (s + 1) & v->mask) {
        if (v->slots[s].tag == tag) {
            size_t id = v->slots[s].id1 - 1;
            size_t off = v->offs[id];
            if (v->offs[id + 1] - off == len && memcmp(v->arena + off, term, len) == 0)
                return (long long)id;
        }
    }
    return -1;
}

long long tk_vocab_find(const tk_vocab *v, const uint8_t *term, size_t len)
{
    return tk_vocab_find_hashed(v, term, len, tk_hash_bytes(term, len));
}

int tk_vocab_add_hashed(tk_vocab *v, const uint8_t *term, size_t len, uint64_t hash,
                        int64_t count, uint32_t *id)
{
    size_t s, new_id;
    uint32_t tag = (uint32_t)(hash >> 32);
    int rc;

    if (v->slots) {
        for (s = (size_t)hash & v->mask; v->slots[s].id1; s = (s + 1) & v->mask) {
            if (v->slots[s].tag == tag) {
                size_t found = v->slots[s].id1 - 1;
                size_t off = v->offs[found];
                if (v->offs[found + 1] - off == len
                    && memcmp(v->arena + off, term, len) == 0) {
                    v->counts[found] += count;
                    v->total += count;
                    if (id)
                        *id = (uint32_t)found;
                    return TK_OK;
                }
            }
        }
    }
    if (v->n >= TK_VOCAB_MAX_TERMS)
        return TK_EOVERFLOW;
    if (len > SIZE_MAX - v->arena_len)
        return TK_EOVERFLOW;
    /* Grow everything first so that a failure leaves v unchanged. */
    if ((rc = tk_grow((void **)&v->arena, &v->arena_cap, v->arena_len + len, 1)) < 0
        || (rc = tk_grow((void **)&v->offs, &v->offs_cap, v->n + 2, sizeof *v->offs)) < 0
        || (rc = tk_grow((void **)&v->hashes, &v->hashes_cap, v->n + 1,
                         sizeof *v->hashes)) < 0
        || (rc = tk_grow((void **)&v->counts, &v->counts_cap, v->n + 1,
                         sizeof *v->counts)) < 0)
        return rc;
    if (!v->slots || (v->n + 1) * 2 > v->mask + 1) {
        size_t n_slots = v->slots ? (v->mask + 1) * 2 : 64;
        if ((rc = rehash(v, n_slots)) < 0)
            return rc;
    }
    new_id = v->n;
    if (new_id == 0)
        v->offs[0] = 0;
    memcpy(v->arena + v->arena_len, term, len);
    v->arena_len += len;
    v->offs[new_id + 1] = v->arena_len;
    v->hashes[new_id] = hash;
    v->counts[new_id] = count;
    v->total += count;
    v->n++;
    for (s = (size_t)hash & v->mask; v->slots[s].id1; s = (s + 1) & v->mask)
        ;
    v->slots[s].id1 = (uint32_t)(new_id + 1);
    v->slots[s].tag = tag;
    if (id)
        *id = (uint32_t)new_id;
    return TK_OK;
}

int tk_vocab_add(tk_vocab *v, const uint8_t *term, size_t len, int64_t count, uint32_t *id)
{
    return tk_vocab_add_hashed(v, term, len, tk_hash_bytes(term, len), count, id);
}

int tk_vocab_merge(tk_vocab *dst, const tk_vocab *src, uint32_t *map)
{
    size_t i;
    for (i = 0; i < src->n; i++) {
        size_t len;
        const uint8_t *t = tk_vocab_term(src, i, &len);
        uint32_t id;
        int rc = tk_vocab_add_hashed(dst, t, len, src->hashes[i], src->counts[i], &id);
        if (rc < 0)
            return rc;
        if (map)
            map[i] = id;
    }
    return TK_OK;
}

int tk_bytes_cmp(const uint8_t *a, size_t alen, const uint8_t *b, size_t blen)
{
    int c = memcmp(a, b, alen < blen ? alen : blen);
    if (c)
        return c;
    return alen < blen ? -1 : alen > blen;
}

static int id_less(const tk_vocab *v, uint32_t a, uint32_t b)
{
    size_t la, lb;
    const uint8_t *ta = tk_vocab_term(v, a, &la), *tb = tk_vocab_term(v, b, &lb);
    return tk_bytes_cmp(ta, la, tb, lb) < 0;
}

/* Bottom-up merge sort: no recursion, no qsort_r portability issues. */
static void merge_sort_ids(const tk_vocab *v, uint32_t *ids, uint32_t *tmp, size_t n)
{
    size_t width, i;
    uint32_t *from = ids, *to = tmp;
    /* Short runs with insertion sort first. */
    const size_t run = 16;
    for (i = 0; i < n; i += run) {
        size_t end = i + run < n ? i + run : n, j;
        for (j = i + 1; j < end; j++) {
            uint32_t x = ids[j];
            size_t k = j;
            while (k > i && id_less(v, x, ids[k - 1])) {
                ids[k] = ids[k - 1];
                k--;
            }
            ids[k] = x;
        }
    }
    for (width = run; width < n; width *= 2) {
        for (i = 0; i < n; i += 2 * width) {
            size_t mid = i + width < n ? i + width : n;
            size_t end = i + 2 * width < n ? i + 2 * width : n;
            size_t a = i, b = mid, k = i;
            while (a < mid && b < end)
                to[k++] = id_less(v, from[b], from[a]) ? from[b++] : from[a++];
            while (a < mid)
                to[k++] = from[a++];
            while (b < end)
                to[k++] = from[b++];
        }
        {
            uint32_t *swap = from;
            from = to;
            to = swap;
        }
    }
    if (from != ids)
        memcpy(ids, from, n * sizeof *ids);
}

int tk_vocab_sorted_ids(const tk_vocab *v, uint32_t **ids_out)
{
    uint32_t *ids = NULL, *tmp = NULL;
    size_t i;
    int rc = TK_OK;

    *ids_out = NULL;
    ids = tk_malloc((v->n ? v->n : 1) * sizeof *ids);
    tmp = tk_malloc((v->n ? v->n : 1) * sizeof *tmp);
    if (!ids || !tmp) {
        rc = TK_ENOMEM;
        goto cleanup;
    }
    for (i = 0; i < v->n; i++)
        ids[i] = (uint32_t)i;
    merge_sort_ids(v, ids, tmp, v->n);
    *ids_out = ids;
    ids = NULL;
cleanup:
    tk_free(ids);
    tk_free(tmp);
    return rc;
}
