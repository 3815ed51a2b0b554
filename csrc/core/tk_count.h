/*
 * Counting one document's n-grams into a chunk: the inner loop behind
 * count() and the vectorizers.
 *
 * A chunk is a run of consecutive documents counted by one thread.  It has
 * its own vocabulary (terms in order of first appearance) and, except when
 * only totals are wanted, one row of entries per document.  An entry packs
 * a term id or column with its value: TK_ENTRY(id, value).  The caller
 * owns the order of chunks and merges them (tk_vocab_merge, or term runs
 * for a fit: tk_termrun.h), so results do not depend on thread counts.
 */
#ifndef TK_COUNT_H
#define TK_COUNT_H

#include "tk_ngram.h"
#include "tk_termrun.h"
#include "tk_vocab.h"

#ifdef __cplusplus
extern "C" {
#endif

enum tk_count_mode {
    TK_COUNT_TERMS = 0,   /* totals only: chunk vocabulary with counts, no rows */
    TK_COUNT_ROWS = 1,    /* rows of (chunk term id, count): a vectorizer fit */
    TK_COUNT_FIXED = 2,   /* rows of (column of a fixed vocabulary, count), sorted */
    TK_COUNT_HASHED = 3   /* rows of (hashed column, signed count), summed and sorted */
};

#define TK_ENTRY(id, value) (((uint64_t)(id) << 32) | (uint64_t)(uint32_t)(value))
#define TK_ENTRY_ID(e) ((uint32_t)((e) >> 32))
#define TK_ENTRY_VALUE(e) ((uint32_t)(e))

typedef struct tk_count_opts {
    int mode;                          /* enum tk_count_mode */
    tk_ngram_opts ng;
    const tk_tokenizer_opts *tok;      /* text input */
    const tk_stopwords *stopwords;     /* text input; may be NULL */
    const tk_vocab *fixed;             /* TK_COUNT_FIXED: read-only, shared */
    uint64_t n_features;               /* TK_COUNT_HASHED */
    int alternate_sign;                /* TK_COUNT_HASHED */
    const int *cancel;                 /* read atomically; nonzero stops with TK_ECANCELLED */
    int plain;                         /* ROWS: never derive short grams from long ones
                                          (for tests and benchmarks; see tk_count_text) */
} tk_count_opts;

typedef struct tk_count_chunk {
    tk_vocab vocab;                    /* TERMS / ROWS: the chunk's own terms */
    uint64_t *entries;                 /* ROWS / FIXED / HASHED: TK_ENTRY, row after row */
    size_t n_entries, entries_cap;
    size_t nested_tops, nested_new;    /* hi-grams counted nested, and those new to the chunk */
    int nesting_off;                   /* most were new: the chunk's later documents count plain */
} tk_count_chunk;

/*
 * HASHED: a document's (column, sign) pairs wait in tmp; once there are
 * this many, they are sorted and summed into the scratch's sums, so a huge
 * document holds its distinct columns instead of one pair per gram.
 */
#define TK_HASHED_PENDING_MAX ((size_t)1 << 20)
typedef struct tk_hashed_sum {
    uint64_t col;
    int64_t sum;
} tk_hashed_sum;

/* Nested counting keeps hi - lo prefix ids per term: only for ranges up
 * to this wide (wider ones count every gram, as before). */
#define TK_NEST_MAX_PREFIXES 8
/* Deriving pays where hi-grams repeat: in the benchmark corpus's chunks
 * 32-36% of them are new to the chunk, though up to 71% of the first
 * 16,384 were.  Where over 85% of a chunk's first 32,768 or more are new
 * (random strings, hashes), its later documents count plain. */
#define TK_NEST_CHECK_AFTER 32768
#define TK_NEST_MAX_NEW_PERCENT 85

/* A hi-gram first seen in the current document: its prefixes are looked
 * up once, when the document ends. */
typedef struct tk_new_top {
    const uint8_t *gram;               /* in the document's n-gram buffer */
    uint32_t id;
} tk_new_top;
#define TK_NOT_TOP UINT32_MAX

/* Per-thread buffers, reused from document to document. */
typedef struct tk_count_scratch {
    tk_ngram_buf buf;
    size_t *stamp;                     /* FIXED: last document (+1) that had a column */
    uint32_t *pos;                     /* its position in that document's row */
    size_t stamp_cap;
    uint64_t *tmp;                     /* HASHED: one document's (column << 1 | sign) */
    size_t tmp_len, tmp_cap;
    tk_hashed_sum *sums;               /* HASHED: a long document's columns so far, */
    size_t n_sums, sums_cap;           /* summed and sorted (see TK_HASHED_PENDING_MAX) */
    uint64_t *sort_tmp;                /* FIXED / HASHED: tk_sort_row's scratch */
    size_t sort_tmp_cap;
    uint32_t *prefix_ids;              /* ROWS, nested: per chunk term id, (hi - lo) ids of
                                          its prefixes, or TK_NOT_TOP first */
    size_t prefix_cap;
    struct tk_new_top *new_tops;       /* the document's hi-grams new to the chunk */
    size_t n_new_tops, new_tops_cap;
} tk_count_scratch;

void tk_count_chunk_free(tk_count_chunk *chunk);
void tk_count_scratch_free(tk_count_scratch *scratch);

/*
 * Where a document sits: stamp is unique per document among all that use
 * one scratch (for example its corpus index + 1); mark is its position in
 * its chunk + 1.  Both are nonzero.
 */
typedef struct tk_count_doc {
    size_t stamp;
    uint32_t mark;
} tk_count_doc;

/* Count the n-grams of a UTF-8 text (tokenized with opts->tok).  The
 * document's row is chunk->entries from the old n_entries on. */
int tk_count_text(const tk_count_opts *opts, tk_count_scratch *scratch, tk_count_chunk *chunk,
                  tk_count_doc doc, const uint8_t *text, size_t len);

/* Count pre-analyzed terms: term k is data[ends[k-1] .. ends[k]).  With
 * make_grams, word n-grams of them (opts->ng); otherwise each term once. */
int tk_count_terms(const tk_count_opts *opts, tk_count_scratch *scratch, tk_count_chunk *chunk,
                   tk_count_doc doc, const uint8_t *data, const size_t *ends, size_t n_terms,
                   int make_grams);

/*
 * TK_COUNT_ROWS, once the chunk's documents are counted: pack its terms
 * into run (sorted), renumber its row entries by run position, count the
 * document frequencies when want_stats, and empty the chunk's vocabulary
 * (tk_vocab_clear: its buffers stay, so that a worker can count its next
 * chunk into them instead of faulting in fresh pages for every chunk).
 * On error the chunk is unchanged and run is empty.
 */
int tk_count_chunk_pack(tk_count_chunk *chunk, int want_stats, tk_term_run *run);

/* Sort 64-bit values ascending (rows are short: insertion sort below 24). */
void tk_sort_u64(uint64_t *a, size_t n);

/*
 * Sort a row by the key in bits [lo_bit, lo_bit + key_bits) of its values
 * (a column), where every higher bit is zero.  Values with distinct keys
 * end up as tk_sort_u64 would order them; values with equal keys end up
 * next to each other.  Long rows are radix sorted through tmp (room for n
 * values); short ones, up to TK_ROW_RADIX_MIN, by tk_sort_u64.
 */
#define TK_ROW_RADIX_MIN 40
void tk_sort_row(uint64_t *a, uint64_t *tmp, size_t n, unsigned lo_bit, unsigned key_bits);
/* The number of key bits that columns below n_cols need. */
unsigned tk_column_bits(uint64_t n_cols);

#ifdef __cplusplus
}
#endif

#endif
