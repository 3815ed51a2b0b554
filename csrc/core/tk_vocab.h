/*
 * Vocabulary: a set of byte strings (terms) with a 64-bit count each.
 *
 * Terms live back to back in one arena; an open-addressing table maps a
 * term to its id.  Ids are dense and given in order of first insertion,
 * which is what makes "first appearance" orderings and chunk-ordered
 * merges possible.  Lookups (tk_vocab_find) never write, so a vocabulary
 * that is no longer modified can be shared by many threads.
 */
#ifndef TK_VOCAB_H
#define TK_VOCAB_H

#include "tk_core.h"

#ifdef __cplusplus
extern "C" {
#endif

/* One table slot: id + 1 (0 = empty) and the high half of the hash, so
 * that most mismatches are rejected without touching the arena. */
typedef struct tk_vocab_slot {
    uint32_t id1;
    uint32_t tag;
} tk_vocab_slot;

#ifndef TK_TERM_HEAD
#define TK_TERM_HEAD 12
#endif

/* tk_vocab_sorted_terms reads a term's 8-byte sort key from its head. */
typedef char tk_term_head_holds_prefix[TK_TERM_HEAD >= 8 ? 1 : -1];

/* Per-term record: everything a lookup hit touches sits in one place. */
typedef struct tk_term {
    size_t off;              /* start in the arena */
    int64_t count;
    uint64_t hash;           /* tk_hash_bytes of the term */
    uint32_t len;            /* a 4 GiB term is TK_EOVERFLOW */
    uint32_t mark, aux;      /* free for the owner (0 for a new term); sit in
                                the record a lookup has just brought in */
    /* The term's first bytes, zero-padded.  A lookup hit on a term this
     * short compares it here and never touches the arena, whose line was
     * the hit's last cache miss (over half of a char n-gram fit's lookup
     * time); longer terms compare the rest there. */
    uint8_t head[TK_TERM_HEAD];
} tk_term;

typedef struct tk_vocab {
    uint8_t *arena;          /* term bytes, back to back */
    size_t arena_len, arena_cap;
    tk_term *terms;          /* indexed by id */
    size_t terms_cap;
    tk_vocab_slot *slots;
    size_t mask;             /* n_slots - 1 (n_slots is a power of two), or 0 */
    size_t n;                /* number of terms */
    int64_t total;           /* sum of counts */
} tk_vocab;

/* The largest number of terms a vocabulary holds (ids fit in uint32_t). */
#define TK_VOCAB_MAX_TERMS ((size_t)UINT32_MAX - 1)

void tk_vocab_init(tk_vocab *v);
void tk_vocab_free(tk_vocab *v);
/* Forget every term but keep the buffers for reuse. */
void tk_vocab_clear(tk_vocab *v);

/*
 * Add `count` (>= 0) occurrences of term (hash = tk_hash_bytes(term, len)),
 * inserting it if new.  *id receives its id (may be NULL).  TK_EOVERFLOW,
 * with v unchanged, if the term's count or the total would pass INT64_MAX.
 */
int tk_vocab_add_hashed(tk_vocab *v, const uint8_t *term, size_t len, uint64_t hash,
                        int64_t count, uint32_t *id);
int tk_vocab_add(tk_vocab *v, const uint8_t *term, size_t len, int64_t count,
                 uint32_t *id);
/*
 * tk_vocab_add_hashed for a term followed by at least TK_VOCAB_PAD
 * readable bytes (their values do not matter): the term's head is then
 * read as two words and masked, without a branch on its length, which
 * mispredicted for most terms of varying length.  The n-gram buffers
 * (tk_ngram_buf) keep that much spare capacity for this.
 */
#define TK_VOCAB_PAD 16
int tk_vocab_add_padded(tk_vocab *v, const uint8_t *term, size_t len, uint64_t hash,
                        int64_t count, uint32_t *id);

/* Id of term, or -1 if absent (or if v has no index).  Read-only: safe
 * to call concurrently. */
long long tk_vocab_find_hashed(const tk_vocab *v, const uint8_t *term, size_t len,
                               uint64_t hash);
long long tk_vocab_find(const tk_vocab *v, const uint8_t *term, size_t len);

static inline const uint8_t *tk_vocab_term(const tk_vocab *v, size_t id, size_t *len)
{
    *len = v->terms[id].len;
    /* Only empty terms so far: the arena is still NULL, and NULL + 0 is
     * undefined in C. */
    return v->arena ? v->arena + v->terms[id].off : (const uint8_t *)"";
}

/* Hints that a lookup of hash is coming (no effect on results): first
 * the slot, later (once the slot is likely cached) the term record. */
TK_PREFETCH_HELPER void tk_vocab_prefetch(const tk_vocab *v, uint64_t hash)
{
    if (v->slots)
        tk_prefetch(&v->slots[(size_t)hash & v->mask]);
}

/* For the hints below: the record of the first slot, within a few of
 * the probe sequence (the lines a lookup would read anyway), whose tag
 * matches hash; NULL if none.  Only a hint: a tag can match another term. */
#define TK_PREFETCH_PROBES 4
TK_PREFETCH_HELPER const tk_term *tk_vocab_probe_hint(const tk_vocab *v, uint64_t hash)
{
    if (v->slots) {
        size_t s = (size_t)hash & v->mask;
        uint32_t tag = (uint32_t)(hash >> 32);
        int probe;
        for (probe = 0; probe < TK_PREFETCH_PROBES && v->slots[s].id1; probe++) {
            if (v->slots[s].tag == tag)
                return &v->terms[v->slots[s].id1 - 1];
            s = (s + 1) & v->mask;
        }
    }
    return NULL;
}

/* Fetches both ends of the record: a 48-byte record straddles two cache
 * lines every other time, and a lookup reads len and head on both sides
 * of the boundary. */
TK_PREFETCH_HELPER void tk_vocab_prefetch_term(const tk_vocab *v, uint64_t hash)
{
    const char *rec = (const char *)tk_vocab_probe_hint(v, hash);
    if (rec) {
        tk_prefetch(rec);
        tk_prefetch(rec + sizeof(tk_term) - 1);
    }
}

/* The third hint, once the term record is likely cached: the arena bytes
 * past the head, which a lookup of a term longer than TK_TERM_HEAD
 * compares. */
TK_PREFETCH_HELPER void tk_vocab_prefetch_tail(const tk_vocab *v, uint64_t hash)
{
    const tk_term *t = tk_vocab_probe_hint(v, hash);
    if (t && t->len > TK_TERM_HEAD)
        tk_prefetch(v->arena + t->off + TK_TERM_HEAD);
}

/*
 * Add every term of src (in src id order) with its count to dst.  If
 * map is not NULL it receives dst's id for each src id (src->n entries).
 */
int tk_vocab_merge(tk_vocab *dst, const tk_vocab *src, uint32_t *map);

/* A term's first 8 bytes as a big-endian integer (zero-padded): comparing
 * two of these orders terms as tk_bytes_cmp does, up to their 8th byte. */
static inline uint64_t tk_term_prefix(const uint8_t *t, size_t len)
{
    uint64_t k = 0;
    size_t i;
    for (i = 0; i < 8; i++)
        k = (k << 8) | (i < len ? t[i] : 0);
    return k;
}

/* tk_term_prefix of 8 readable bytes, zero past the term's end (a record's
 * head): one word load where the compiler allows it. */
static inline uint64_t tk_term_prefix8(const uint8_t *t)
{
#if defined(__GNUC__) && defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
    uint64_t k;
    memcpy(&k, t, 8);
    return __builtin_bswap64(k);
#else
    return tk_term_prefix(t, 8);
#endif
}

/* A term in sorted order: its id, its length and tk_term_prefix of it.
 * A term of up to 8 bytes is whole in the key, so a caller that walks
 * the terms in order need not read its record (at random) for them. */
typedef struct tk_sorted_term {
    uint64_t key;
    uint32_t id;
    uint32_t len;
} tk_sorted_term;

/* v's terms sorted by their bytes (code point order for UTF-8), v->n of
 * them; caller frees. */
int tk_vocab_sorted_terms(const tk_vocab *v, tk_sorted_term **out);
/* The same order as ids only; caller frees. */
int tk_vocab_sorted_ids(const tk_vocab *v, uint32_t **ids_out);

/*
 * Build-once use: append a term known to be new without indexing it
 * (only while no index exists), then tk_vocab_index before any lookup.
 * tk_vocab_drop_index frees the table of a vocabulary that will only be
 * read by id.
 */
int tk_vocab_append_unindexed(tk_vocab *v, const uint8_t *term, size_t len, uint64_t hash,
                              int64_t count);
int tk_vocab_index(tk_vocab *v);
/* Make room for n_terms terms and n_bytes of term bytes, exactly. */
int tk_vocab_reserve(tk_vocab *v, size_t n_terms, size_t n_bytes);
void tk_vocab_drop_index(tk_vocab *v);

/* Compare two byte strings the way Python compares str (for UTF-8). */
int tk_bytes_cmp(const uint8_t *a, size_t alen, const uint8_t *b, size_t blen);

#ifdef __cplusplus
}
#endif
#endif /* TK_VOCAB_H */
