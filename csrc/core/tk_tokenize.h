/*
 * Tokenizer: segments text with UAX #29, keeps the segments whose kind
 * is requested, maps each through utf8proc (normalization, case, accent
 * stripping) and filters by length and stopwords.
 */
#ifndef TK_TOKENIZE_H
#define TK_TOKENIZE_H

#include "tk_segment.h"

#ifdef __cplusplus
extern "C" {
#endif

enum tk_case { TK_CASE_NONE = 0, TK_CASE_FOLD = 1, TK_CASE_LOWER = 2 };
enum tk_norm { TK_NORM_NONE = 0, TK_NORM_NFC = 1, TK_NORM_NFKC = 2 };
/*
 * Accent stripping.  MARKS drops nonspacing marks after decomposition and
 * recomposes.  ASCII is scikit-learn's strip_accents="ascii": compatibility
 * decomposition, then every non-ASCII code point is dropped (so a word in
 * a non-Latin script maps to nothing and is not a token).
 */
enum tk_strip { TK_STRIP_NONE = 0, TK_STRIP_MARKS = 1, TK_STRIP_ASCII = 2 };
enum tk_kind {
    TK_KIND_WORD = 1u << 0,
    TK_KIND_NUMBER = 1u << 1,
    TK_KIND_EMOJI = 1u << 2,
    TK_KIND_PUNCT = 1u << 3
};

/* Classify one segment (valid UTF-8): one tk_kind bit, or 0 (space etc.). */
unsigned tk_segment_kind(const uint8_t *seg, size_t len);

typedef struct tk_stopwords tk_stopwords;   /* opaque hash set of mapped words */

typedef struct tk_tokenizer_opts {
    int case_mode;          /* enum tk_case */
    int norm;               /* enum tk_norm */
    int strip_accents;      /* enum tk_strip */
    unsigned kinds;         /* OR of enum tk_kind */
    size_t min_len;         /* in code points, after mapping */
} tk_tokenizer_opts;

/*
 * Reusable per-thread buffers; zero-initialize, then tk_scratch_free.
 *
 * A scratch also memoizes utf8proc's mapping of the runs of text that
 * the per-code-point cache cannot map (utf8proc is the costliest step and
 * words repeat), so keep one scratch alive across the documents a thread
 * handles.  The memo is dropped automatically when the scratch is used
 * with different options.
 */
typedef struct tk_memo_entry {
    uint64_t hash;
    uint32_t raw_len, out_len, out_cps, offset;   /* offset into memo_bytes */
    uint32_t used;                                /* 0 = empty slot */
} tk_memo_entry;

typedef struct tk_scratch {
    int32_t *cps;  size_t cps_cap;
    uint8_t *bytes; size_t bytes_cap;
    tk_memo_entry *memo;            /* TK_MEMO_SLOTS entries, or NULL */
    uint8_t *memo_bytes; size_t memo_len, memo_cap;
    tk_tokenizer_opts memo_opts;    /* options the memo was filled under */
    /* Optional: when *cancel becomes nonzero (e.g. tk_job.cancel after a
     * Ctrl-C), tk_tokenize stops with TK_ECANCELLED within a few thousand
     * segments, even inside one huge text. */
    const int *cancel;
} tk_scratch;
void tk_scratch_free(tk_scratch *s);

/* Whether this process has set up the per-code-point mapping cache yet
 * (about 3 ms, once): tests check that ASCII text never does. */
int tk_mapping_cache_started(void);

/*
 * Map one segment with opts into scratch; on success *out points into
 * scratch (valid until the next call) and *out_len / *out_cps are set.
 * Characters that map on their own come from a process-wide cache of
 * utf8proc's results; the rest go through utf8proc.
 */
int tk_map_segment(const tk_tokenizer_opts *opts, const uint8_t *seg, size_t len,
                   tk_scratch *scratch, const uint8_t **out, size_t *out_len,
                   size_t *out_cps);
/* The same mapping done by utf8proc alone, segment at a time: the
 * reference that tk_map_segment and tk_tokenize are tested against. */
int tk_map_segment_utf8proc(const tk_tokenizer_opts *opts, const uint8_t *seg, size_t len,
                            tk_scratch *scratch, const uint8_t **out, size_t *out_len,
                            size_t *out_cps);

/* Build a stopword set; words are mapped with opts before insertion. */
int tk_stopwords_new(const tk_tokenizer_opts *opts, tk_stopwords **out);
int tk_stopwords_add(tk_stopwords *sw, const tk_tokenizer_opts *opts,
                     const uint8_t *word, size_t len, tk_scratch *scratch);
int tk_stopwords_contains(const tk_stopwords *sw, const uint8_t *word, size_t len);
void tk_stopwords_free(tk_stopwords *sw);

/*
 * Called once per token, in text order.  tok is the mapped UTF-8 (not
 * NUL-terminated, valid only during the call); span is the original
 * segment.  Return a negative code to stop tokenization with that code.
 */
typedef int (*tk_token_sink)(void *ctx, const uint8_t *tok, size_t tok_len,
                             const tk_span *span);

/* Tokenize valid UTF-8 text.  stopwords may be NULL. */
int tk_tokenize(const tk_tokenizer_opts *opts, const tk_stopwords *stopwords,
                const uint8_t *text, size_t len, tk_scratch *scratch,
                tk_token_sink sink, void *sink_ctx);

/*
 * A growable list of tokens (and their spans), usable directly as a
 * tk_token_sink: tk_tokenize(..., tk_toklist_sink, &list).
 */
typedef struct tk_toklist {
    uint8_t *bytes; size_t bytes_len, bytes_cap;  /* tokens back to back */
    size_t *ends; size_t n, ends_cap;             /* end offset of token i */
    tk_span *spans; size_t spans_cap;             /* only if want_spans */
    int want_spans;
} tk_toklist;
int tk_toklist_sink(void *list, const uint8_t *tok, size_t tok_len, const tk_span *span);
void tk_toklist_clear(tk_toklist *list);   /* keep buffers, drop tokens */
void tk_toklist_free(tk_toklist *list);

/* 64-bit hash used by every hash table in the core (stable across runs). */
uint64_t tk_hash_bytes(const uint8_t *data, size_t len);

/* Its parts, shared with tk_hash_padded. */
#define TK_HASH_K0 UINT64_C(0xa0761d6478bd642f)
#define TK_HASH_K1 UINT64_C(0xe7037ed1a0b428db)
#define TK_HASH_K2 UINT64_C(0x8ebc6af09c88c6e3)
/* 64x64 -> 128-bit multiply folded to 64 bits: one cheap, well-mixing step. */
static inline uint64_t tk_hash_fold(uint64_t a, uint64_t b)
{
    unsigned __int128 product = (unsigned __int128)a * b;
    return (uint64_t)product ^ (uint64_t)(product >> 64);
}
static inline uint64_t tk_hash_finish(uint64_t a, uint64_t b, uint64_t seed, size_t len)
{
    return tk_hash_fold(TK_HASH_K1 ^ (uint64_t)len,
                        tk_hash_fold(a ^ TK_HASH_K1, b ^ seed) ^ TK_HASH_K2);
}

/*
 * tk_hash_bytes of a term followed by at least TK_HASH_PAD readable bytes
 * (the n-gram buffers' TK_VOCAB_PAD), the same value without a branch on the
 * length up to 16 bytes: terms of mixed lengths (1-3, 4-7, 8-16 bytes take
 * different loads) mispredicted that branch.  Every load stays within the
 * term and its padding, and none goes before its start.
 */
#define TK_HASH_PAD 16
static inline uint64_t tk_hash_padded(const uint8_t *data, size_t len)
{
    uint64_t a8, b8, a, b, ge8, ge4, ge1;
    uint32_t a4, b4;
    if (len > 16)
        return tk_hash_bytes(data, len);
    ge8 = (uint64_t)0 - (uint64_t)(len >= 8);
    ge4 = ((uint64_t)0 - (uint64_t)(len >= 4)) & ~ge8;
    ge1 = ((uint64_t)0 - (uint64_t)(len >= 1)) & ~ge8 & ~ge4;
    memcpy(&a8, data, 8);
    memcpy(&b8, data + (len >= 8 ? len - 8 : 0), 8);
    memcpy(&a4, data, 4);
    memcpy(&b4, data + (len >= 4 ? len - 4 : 0), 4);
    a = (a8 & ge8) | ((uint64_t)a4 & ge4)
        | ((((uint64_t)data[0] << 16) | ((uint64_t)data[len / 2] << 8)
            | data[len ? len - 1 : 0]) & ge1);
    b = (b8 & ge8) | ((uint64_t)b4 & ge4);
    return tk_hash_finish(a, b, TK_HASH_K0 ^ (uint64_t)len, len);
}

#ifdef __cplusplus
}
#endif
#endif /* TK_TOKENIZE_H */
