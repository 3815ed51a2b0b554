#include <string.h>

#include <utf8proc.h>

#include "tk_ngram.h"
#include "tk_vocab.h"   /* TK_VOCAB_PAD */

void tk_ngram_buf_free(tk_ngram_buf *buf)
{
    tk_scratch_free(&buf->scratch);
    tk_free(buf->text);
    tk_free(buf->starts);
    tk_free(buf->ends);
    tk_free(buf->mapped);
    memset(buf, 0, sizeof *buf);
}

int tk_is_py_space(uint32_t cp)
{
    if (cp <= 0x20)
        return cp == 0x20 || (cp >= 0x09 && cp <= 0x0D) || (cp >= 0x1C && cp <= 0x1F);
    if (cp < 0x85)
        return 0;
    switch (cp) {
    case 0x85: case 0xA0: case 0x1680: case 0x2028: case 0x2029: case 0x202F:
    case 0x205F: case 0x3000:
        return 1;
    default:
        return cp >= 0x2000 && cp <= 0x200A;
    }
}

int tk_ngram_check(const tk_ngram_opts *ng)
{
    if (ng->lo < 1 || ng->lo > ng->hi)
        return TK_EINVAL;
    if (ng->analyzer < TK_ANALYZER_WORD || ng->analyzer > TK_ANALYZER_GRAPHEME)
        return TK_EINVAL;
    return TK_OK;
}

/* ---------------------------------------------------------------- word */
static int push_token(tk_ngram_buf *buf, const uint8_t *tok, size_t len)
{
    size_t need;
    int rc;
    if (len > SIZE_MAX - 1 - TK_VOCAB_PAD - buf->text_len)
        return TK_EOVERFLOW;
    need = buf->text_len + len + (buf->n_units ? 1 : 0);
    if ((rc = tk_reserve((void **)&buf->text, &buf->text_cap, need + TK_VOCAB_PAD, 1)) < 0
        || (rc = tk_reserve((void **)&buf->starts, &buf->starts_cap, buf->n_units + 1,
                            sizeof *buf->starts)) < 0
        || (rc = tk_reserve((void **)&buf->ends, &buf->ends_cap, buf->n_units + 1,
                            sizeof *buf->ends)) < 0)
        return rc;
    /* Tokens are stored joined by one space so that a word n-gram is a
     * plain substring of the buffer. */
    if (buf->n_units)
        buf->text[buf->text_len++] = ' ';
    buf->starts[buf->n_units] = buf->text_len;
    if (len)
        memcpy(buf->text + buf->text_len, tok, len);
    buf->text_len += len;
    buf->ends[buf->n_units] = buf->text_len;
    buf->n_units++;
    return TK_OK;
}

static int token_sink(void *ctx, const uint8_t *tok, size_t len, const tk_span *span)
{
    (void)span;
    return push_token(ctx, tok, len);
}

int tk_ngram_prepare_tokens(tk_ngram_buf *buf, const uint8_t *bytes, const size_t *ends,
                            size_t n_tokens)
{
    size_t i, start = 0;
    buf->text_len = 0;
    buf->n_units = 0;
    buf->n_words = 0;
    for (i = 0; i < n_tokens; i++) {
        int rc;
        if (ends[i] < start)
            return TK_EINVAL;
        rc = push_token(buf, bytes + start, ends[i] - start);
        if (rc < 0)
            return rc;
        start = ends[i];
    }
    return TK_OK;
}

/* ------------------------------------------------------ char analyzers */
static int push_unit(tk_ngram_buf *buf, size_t offset)
{
    int rc = tk_grow((void **)&buf->starts, &buf->starts_cap, buf->n_units + 2,
                     sizeof *buf->starts);
    if (rc < 0)
        return rc;
    buf->starts[buf->n_units++] = offset;
    return TK_OK;
}

/* A Ctrl-C (*cancel set) is looked for once per this many bytes or units
 * of the passes over a whole document: the char analyzers' passes over a
 * 375 MB document took over a second, and a signal waited for them. */
#define CANCEL_CHECK_BYTES ((size_t)1 << 20)

static int cancelled(const int *cancel)
{
    return cancel && __atomic_load_n(cancel, __ATOMIC_RELAXED);
}

/* For a pass at position i (a byte or a unit): whether to stop, looking at
 * *cancel only once past *next_check, which then moves on. */
static int stop_at(size_t i, size_t *next_check, const int *cancel)
{
    if (i < *next_check)
        return 0;
    *next_check = i + CANCEL_CHECK_BYTES;
    return cancelled(cancel);
}

/*
 * Copy mapped text into buf->text, replacing each run of two or more
 * whitespace characters by one space (a single whitespace character is
 * kept as it is, as scikit-learn's r"\s\s+" does), and record the start
 * of every code point.
 */
static int collapse_whitespace(tk_ngram_buf *buf, const uint8_t *s, size_t len,
                               const int *cancel)
{
    size_t i = 0, next_check = CANCEL_CHECK_BYTES;
    int rc;
    if (len > SIZE_MAX - TK_VOCAB_PAD)
        return TK_EOVERFLOW;
    if ((rc = tk_grow((void **)&buf->text, &buf->text_cap, len + TK_VOCAB_PAD, 1)) < 0)
        return rc;
    while (i < len) {
        uint32_t cp;
        size_t n;
        if (stop_at(i, &next_check, cancel))
            return TK_ECANCELLED;
        n = tk_utf8_decode_valid(s + i, len - i, &cp);
        if (tk_is_py_space(cp)) {
            size_t j = i + n, run = 1;
            while (j < len) {
                uint32_t cp2;
                size_t n2 = tk_utf8_decode_valid(s + j, len - j, &cp2);
                if (!tk_is_py_space(cp2))
                    break;
                j += n2;
                run++;
            }
            if ((rc = push_unit(buf, buf->text_len)) < 0)
                return rc;
            if (run >= 2) {
                buf->text[buf->text_len++] = ' ';
            } else {
                memcpy(buf->text + buf->text_len, s + i, n);
                buf->text_len += n;
            }
            i = j;
            continue;
        }
        if ((rc = push_unit(buf, buf->text_len)) < 0)
            return rc;
        memcpy(buf->text + buf->text_len, s + i, n);
        buf->text_len += n;
        i += n;
    }
    buf->starts[buf->n_units] = buf->text_len;
    return TK_OK;
}

/* Regroup the code points of buf->text into extended grapheme clusters. */
static int group_graphemes(tk_ngram_buf *buf, const int *cancel)
{
    size_t i, kept = 0, next_check = CANCEL_CHECK_BYTES;
    int32_t state = 0;
    utf8proc_int32_t prev = -1;
    for (i = 0; i < buf->n_units; i++) {
        uint32_t cp;
        if (stop_at(i, &next_check, cancel))
            return TK_ECANCELLED;
        tk_utf8_decode_valid(buf->text + buf->starts[i], buf->text_len - buf->starts[i], &cp);
        if (i == 0 || utf8proc_grapheme_break_stateful(prev, (utf8proc_int32_t)cp, &state))
            buf->starts[kept++] = buf->starts[i];
        prev = (utf8proc_int32_t)cp;
    }
    buf->n_units = kept;
    buf->starts[kept] = buf->text_len;
    return TK_OK;
}

/* " w1 w2 ... wk ": every word padded by the spaces it shares with its
 * neighbours, so each padded word is a substring. */
static int split_words(tk_ngram_buf *buf, const uint8_t *s, size_t len, const int *cancel)
{
    size_t i = 0, next_check = CANCEL_CHECK_BYTES;
    int rc;
    if (len > SIZE_MAX - 2 - TK_VOCAB_PAD)
        return TK_EOVERFLOW;
    if ((rc = tk_grow((void **)&buf->text, &buf->text_cap, len + 2 + TK_VOCAB_PAD, 1)) < 0)
        return rc;
    while (i < len) {
        uint32_t cp;
        size_t n;
        if (stop_at(i, &next_check, cancel))
            return TK_ECANCELLED;
        n = tk_utf8_decode_valid(s + i, len - i, &cp);
        if (tk_is_py_space(cp)) {
            i += n;
            continue;
        }
        if (buf->n_words == 0) {
            if ((rc = push_unit(buf, 0)) < 0)
                return rc;
            buf->text[buf->text_len++] = ' ';
        }
        if ((rc = tk_grow((void **)&buf->ends, &buf->ends_cap, buf->n_words + 2,
                          sizeof *buf->ends)) < 0)
            return rc;
        buf->ends[buf->n_words] = buf->n_units - 1;   /* the leading pad */
        while (i < len) {
            n = tk_utf8_decode_valid(s + i, len - i, &cp);
            if (tk_is_py_space(cp))
                break;
            if ((rc = push_unit(buf, buf->text_len)) < 0)
                return rc;
            memcpy(buf->text + buf->text_len, s + i, n);
            buf->text_len += n;
            i += n;
        }
        if ((rc = push_unit(buf, buf->text_len)) < 0)
            return rc;
        buf->text[buf->text_len++] = ' ';
        buf->n_words++;
        buf->ends[buf->n_words] = buf->n_units - 1;   /* the trailing pad */
    }
    if (buf->n_units)
        buf->starts[buf->n_units] = buf->text_len;
    return TK_OK;
}

#define PIECE_BYTES ((size_t)1 << 16)

/* End of the piece that starts at start (see tk_ngram_prepare). */
static size_t piece_end(const uint8_t *text, size_t len, size_t start)
{
    size_t p;
    if (len - start <= PIECE_BYTES)
        return len;
    for (p = start + PIECE_BYTES; p + 1 < len; p++)
        if ((text[p] == ' ' || text[p] == '\n' || text[p] == '\t') && text[p + 1] < 0x80)
            return p;
    return len;
}

int tk_ngram_map_text(const tk_tokenizer_opts *opts, const uint8_t *text, size_t len,
                      tk_ngram_buf *buf, const uint8_t **out, size_t *out_len,
                      size_t *out_cps, const int *cancel)
{
    size_t start, end, cps = 0;
    int rc;

    if (len <= PIECE_BYTES) {
        if ((rc = tk_map_segment(opts, text, len, &buf->scratch, out, out_len, out_cps)) < 0)
            return rc;
        return cancelled(cancel) ? TK_ECANCELLED : TK_OK;
    }
    buf->mapped_len = 0;
    for (start = 0; start < len; start = end) {
        const uint8_t *piece;
        size_t piece_len, piece_cps;
        if (cancelled(cancel))
            return TK_ECANCELLED;
        end = piece_end(text, len, start);
        rc = tk_map_segment(opts, text + start, end - start, &buf->scratch, &piece, &piece_len,
                            &piece_cps);
        if (rc < 0)
            return rc;
        if (piece_len > SIZE_MAX - buf->mapped_len)
            return TK_EOVERFLOW;
        if ((rc = tk_grow((void **)&buf->mapped, &buf->mapped_cap, buf->mapped_len + piece_len,
                          1)) < 0)
            return rc;
        if (piece_len)
            memcpy(buf->mapped + buf->mapped_len, piece, piece_len);
        buf->mapped_len += piece_len;
        cps += piece_cps;
    }
    *out = buf->mapped;
    *out_len = buf->mapped_len;
    *out_cps = cps;
    return cancelled(cancel) ? TK_ECANCELLED : TK_OK;
}

int tk_ngram_prepare(const tk_ngram_opts *ng, const tk_tokenizer_opts *opts,
                     const tk_stopwords *stopwords, const uint8_t *text, size_t len,
                     tk_ngram_buf *buf)
{
    return tk_ngram_prepare_cancellable(ng, opts, stopwords, text, len, buf, NULL);
}

int tk_ngram_prepare_cancellable(const tk_ngram_opts *ng, const tk_tokenizer_opts *opts,
                                 const tk_stopwords *stopwords, const uint8_t *text,
                                 size_t len, tk_ngram_buf *buf, const int *cancel)
{
    const uint8_t *mapped;
    size_t mapped_len, mapped_cps = 0, start, end;
    int rc;

    buf->text_len = 0;
    buf->n_units = 0;
    buf->n_words = 0;
    if (ng->analyzer == TK_ANALYZER_WORD) {
        for (start = 0; start < len; start = end) {
            if (cancelled(cancel))
                return TK_ECANCELLED;
            end = piece_end(text, len, start);
            rc = tk_tokenize(opts, stopwords, text + start, end - start, &buf->scratch,
                             token_sink, buf);
            if (rc < 0)
                return rc;
        }
        return TK_OK;
    }
    /* Char analyzers map the whole document (as scikit-learn lowercases
     * the whole document before cutting it). */
    if ((rc = tk_ngram_map_text(opts, text, len, buf, &mapped, &mapped_len, &mapped_cps,
                                cancel)) < 0)
        return rc;
    if ((rc = tk_grow((void **)&buf->starts, &buf->starts_cap, mapped_cps + 2,
                      sizeof *buf->starts)) < 0)
        return rc;
    switch (ng->analyzer) {
    case TK_ANALYZER_CHAR:
        return collapse_whitespace(buf, mapped, mapped_len, cancel);
    case TK_ANALYZER_GRAPHEME:
        rc = collapse_whitespace(buf, mapped, mapped_len, cancel);
        if (rc == TK_OK)
            rc = group_graphemes(buf, cancel);
        return rc;
    case TK_ANALYZER_CHAR_WB:
        return split_words(buf, mapped, mapped_len, cancel);
    default:
        return TK_EINVAL;
    }
}

/* ------------------------------------------------------------- emission */
int tk_ngram_emit(const tk_ngram_opts *ng, const tk_ngram_buf *buf, tk_ngram_sink sink,
                  void *ctx)
{
    const uint8_t *text = buf->text;
    const size_t *st = buf->starts;
    size_t n, i, k;
    int rc;

    if (ng->analyzer == TK_ANALYZER_WORD) {
        const size_t *en = buf->ends;
        for (n = ng->lo; n <= ng->hi && n <= buf->n_units; n++)
            for (i = 0; i + n <= buf->n_units; i++)
                if ((rc = sink(ctx, text + st[i], en[i + n - 1] - st[i])) < 0)
                    return rc;
        return TK_OK;
    }
    if (ng->analyzer != TK_ANALYZER_CHAR_WB) {
        for (n = ng->lo; n <= ng->hi && n <= buf->n_units; n++)
            for (i = 0; i + n <= buf->n_units; i++)
                if ((rc = sink(ctx, text + st[i], st[i + n] - st[i])) < 0)
                    return rc;
        return TK_OK;
    }
    for (k = 0; k < buf->n_words; k++) {
        size_t first = buf->ends[k], w_len = buf->ends[k + 1] - first + 1;
        for (n = ng->lo; n <= ng->hi; n++) {
            size_t offset = 0, stop = n < w_len ? n : w_len;
            if ((rc = sink(ctx, text + st[first], st[first + stop] - st[first])) < 0)
                return rc;
            while (offset + n < w_len) {
                offset++;
                if ((rc = sink(ctx, text + st[first + offset],
                               st[first + offset + n] - st[first + offset])) < 0)
                    return rc;
            }
            if (offset == 0)   /* a short padded word counts once */
                break;
        }
    }
    return TK_OK;
}

size_t tk_ngram_count(const tk_ngram_opts *ng, const tk_ngram_buf *buf)
{
    size_t n, k, total = 0;
    if (ng->analyzer != TK_ANALYZER_CHAR_WB) {
        for (n = ng->lo; n <= ng->hi && n <= buf->n_units; n++)
            total += buf->n_units - n + 1;
        return total;
    }
    for (k = 0; k < buf->n_words; k++) {
        size_t w_len = buf->ends[k + 1] - buf->ends[k] + 1;
        for (n = ng->lo; n <= ng->hi; n++) {
            if (n >= w_len) {
                total += 1;
                break;
            }
            total += w_len - n + 1;
        }
    }
    return total;
}

int tk_ngrams(const tk_ngram_opts *ng, const tk_tokenizer_opts *opts,
              const tk_stopwords *stopwords, const uint8_t *text, size_t len,
              tk_ngram_buf *buf, tk_ngram_sink sink, void *ctx)
{
    int rc = tk_ngram_prepare(ng, opts, stopwords, text, len, buf);
    if (rc < 0)
        return rc;
    return tk_ngram_emit(ng, buf, sink, ctx);
}
