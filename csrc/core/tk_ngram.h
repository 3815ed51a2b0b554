/*
 * N-gram generation over one document.
 *
 * Analyzers (scikit-learn's semantics for word, char and char_wb):
 *   word      n-grams of tokens joined by one space; all lo-grams first,
 *             then (lo+1)-grams, ..., each in text order;
 *   char      code-point n-grams of the mapped text after every run of
 *             two or more whitespace characters became one space;
 *   char_wb   code-point n-grams inside each whitespace-separated word
 *             padded with one space on each side; a padded word shorter
 *             than n is emitted whole, once;
 *   grapheme  like char, but over extended grapheme clusters, so a
 *             cluster (emoji ZWJ sequence, letter + combining marks) is
 *             never cut.
 * "Whitespace" is exactly Python's str.isspace(), which is what
 * scikit-learn's regular expression and str.split() use.
 *
 * Every n-gram is a contiguous substring of one prepared buffer, so
 * emitting one costs no copy.
 */
#ifndef TK_NGRAM_H
#define TK_NGRAM_H

#include "tk_tokenize.h"

#ifdef __cplusplus
extern "C" {
#endif

enum tk_analyzer {
    TK_ANALYZER_WORD = 0,
    TK_ANALYZER_CHAR = 1,
    TK_ANALYZER_CHAR_WB = 2,
    TK_ANALYZER_GRAPHEME = 3
};

typedef struct tk_ngram_opts {
    int analyzer;            /* enum tk_analyzer */
    size_t lo, hi;           /* inclusive n range, 1 <= lo <= hi */
} tk_ngram_opts;

/* Called once per n-gram, in output order; gram is valid during the call. */
typedef int (*tk_ngram_sink)(void *ctx, const uint8_t *gram, size_t len);

/* Per-thread reusable buffers; zero-initialize, then tk_ngram_buf_free. */
/*
 * The char analyzers keep nothing per code point but the text itself (a
 * huge document costs about its mapped size once): grams are cut by
 * stepping through the UTF-8, clusters are marked in a bitmap of one bit
 * per byte, and char_wb finds its words by their pad spaces (a word holds
 * no whitespace, so every ' ' in its text is a pad).
 */
typedef struct tk_ngram_buf {
    tk_scratch scratch;      /* tokenizer / mapping buffers */
    uint8_t *text;           /* joined tokens, or the whitespace-collapsed text;
                                text_cap >= text_len + TK_VOCAB_PAD once
                                prepared, so every gram is padded (tk_vocab.h) */
    size_t text_len, text_cap;
    size_t *starts;          /* word: token starts */
    size_t starts_cap;
    size_t *ends;            /* word: token ends */
    size_t ends_cap;
    size_t n_units;          /* tokens, code points (char_wb: pads included) or clusters */
    size_t n_words;          /* char_wb: number of words */
    uint64_t *clusters;      /* grapheme: bit b set where a cluster starts at text[b],
                                and at text_len */
    size_t clusters_cap;
    uint8_t *mapped;         /* tk_ngram_map_text: the mapped document */
    size_t mapped_len, mapped_cap;
} tk_ngram_buf;

void tk_ngram_buf_free(tk_ngram_buf *buf);

/* Nonzero if cp is whitespace for Python's str.isspace(). */
int tk_is_py_space(uint32_t cp);

/* Validate an n range: TK_OK or TK_EINVAL. */
int tk_ngram_check(const tk_ngram_opts *ng);

/*
 * Prepare buf for text (valid UTF-8) under the analyzer in ng.  Long
 * texts are tokenized / mapped in pieces of about 64 KiB, so scratch
 * memory stays bounded: the word analyzer cuts before an ASCII space that
 * precedes an ASCII character (where no mapping, normalization or word
 * boundary rule reaches across), the char analyzers before any character
 * that tk_map_can_cut_before allows (whitespace runs and words that span
 * a cut are joined as if there were none).
 */
int tk_ngram_prepare(const tk_ngram_opts *ng, const tk_tokenizer_opts *opts,
                     const tk_stopwords *stopwords, const uint8_t *text, size_t len,
                     tk_ngram_buf *buf);
/* The same; a nonzero *cancel (read atomically; cancel may be NULL) stops
 * it between pieces with TK_ECANCELLED. */
int tk_ngram_prepare_cancellable(const tk_ngram_opts *ng, const tk_tokenizer_opts *opts,
                                 const tk_stopwords *stopwords, const uint8_t *text,
                                 size_t len, tk_ngram_buf *buf, const int *cancel);

/*
 * Map a whole text (valid UTF-8) with the case, normalization and accent
 * options of opts, as the char analyzers see it before whitespace
 * collapsing, in the same pieces as tk_ngram_prepare.  *out (*out_len
 * bytes, *out_cps code points) lives in buf until its next use.  A nonzero
 * *cancel (cancel may be NULL) stops it with TK_ECANCELLED.
 */
int tk_ngram_map_text(const tk_tokenizer_opts *opts, const uint8_t *text, size_t len,
                      tk_ngram_buf *buf, const uint8_t **out, size_t *out_len,
                      size_t *out_cps, const int *cancel);

/*
 * Prepare buf for word n-grams over a given token list: tokens back to
 * back in `bytes`, token i ending at ends[i].
 */
int tk_ngram_prepare_tokens(tk_ngram_buf *buf, const uint8_t *bytes, const size_t *ends,
                            size_t n_tokens);

/* Emit the n-grams of a prepared buffer. */
int tk_ngram_emit(const tk_ngram_opts *ng, const tk_ngram_buf *buf, tk_ngram_sink sink,
                  void *ctx);

/*
 * Nested emission, for counting that derives short grams from long ones:
 * a char gram of n code points is a prefix of the hi-gram that starts
 * where it does, unless fewer than hi code points follow its start.  So
 * `top` gets every hi-gram, in text order, each standing for itself and
 * its prefixes of lo..hi-1 code points, and then `rest` gets the grams
 * whose start has fewer than hi code points left (at most (hi - 1)^2 of
 * them).  Together they stand for exactly the grams of tk_ngram_emit.
 * Only where tk_ngram_nests(ng): char, hi > lo (char_wb's padded words and
 * short-word rule break the nesting; a word or grapheme gram's unit count
 * cannot be read back from its bytes, since a token may hold a space);
 * TK_EINVAL elsewhere.
 */
int tk_ngram_nests(const tk_ngram_opts *ng);
int tk_ngram_emit_nested(const tk_ngram_opts *ng, const tk_ngram_buf *buf, tk_ngram_sink top,
                         tk_ngram_sink rest, void *ctx);
/* The byte length of the first n code points of valid UTF-8 (n at most
 * its code points). */
size_t tk_ngram_prefix_len(const uint8_t *gram, size_t n);

/* Number of n-grams tk_ngram_emit would produce (for sizing outputs). */
size_t tk_ngram_count(const tk_ngram_opts *ng, const tk_ngram_buf *buf);

/* prepare + emit. */
int tk_ngrams(const tk_ngram_opts *ng, const tk_tokenizer_opts *opts,
              const tk_stopwords *stopwords, const uint8_t *text, size_t len,
              tk_ngram_buf *buf, tk_ngram_sink sink, void *ctx);

#ifdef __cplusplus
}
#endif
#endif /* TK_NGRAM_H */
