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
    tk_free(buf->clusters);
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
TK_ALWAYS_INLINE int push_token(tk_ngram_buf *buf, const uint8_t *tok, size_t len)
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
    tk_copy_short(buf->text + buf->text_len, tok, len);
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

/* Bytes of the UTF-8 character whose lead byte is c. */
TK_ALWAYS_INLINE size_t utf8_step(uint8_t c)
{
    return c < 0xC0 ? 1 : c < 0xE0 ? 2 : c < 0xF0 ? 3 : 4;
}

/* The next character's offset after the one at t[i].  ASCII takes a
 * branch that the CPU predicts, so the next offset does not wait for the
 * load of t[i]: emission steps two offsets per gram. */
TK_ALWAYS_INLINE size_t utf8_next(const uint8_t *t, size_t i)
{
    if (__builtin_expect(t[i] < 0x80, 1))
        return i + 1;
    return i + utf8_step(t[i]);
}

/* What the char analyzers' text carries from one mapped piece to the next. */
typedef struct char_state {
    size_t ws_start;   /* char, grapheme: where the current whitespace run's unit starts */
    size_t ws_run;     /* whitespace characters in that run (at most 2), 0 outside one */
    int in_word;       /* char_wb: the last character belonged to a word */
} char_state;

/*
 * char, grapheme: append mapped text to buf->text, replacing each run of
 * two or more whitespace characters by one space (a single whitespace
 * character is kept as it is, as scikit-learn's r"\s\s+" does).  A run
 * goes on across calls: its first character is rewritten in place.
 */
static int append_collapsed(tk_ngram_buf *buf, char_state *st, const uint8_t *s, size_t len,
                            const int *cancel)
{
    size_t i = 0, o, units = 0, next_check = CANCEL_CHECK_BYTES;
    uint8_t *t;
    int rc;
    if (len > SIZE_MAX - TK_VOCAB_PAD - buf->text_len)
        return TK_EOVERFLOW;
    if ((rc = tk_reserve_append((void **)&buf->text, &buf->text_cap,
                                buf->text_len + len + TK_VOCAB_PAD, 1)) < 0)
        return rc;
    t = buf->text;
    o = buf->text_len;
    while (i < len) {
        uint32_t cp;
        size_t n;
        if (s[i] > 0x20 && s[i] < 0x80) {     /* ASCII, not whitespace */
            t[o++] = s[i++];
            units++;
            st->ws_run = 0;
            continue;
        }
        if (stop_at(i, &next_check, cancel))
            return TK_ECANCELLED;
        n = tk_utf8_decode_valid(s + i, len - i, &cp);
        if (!tk_is_py_space(cp)) {
            memcpy(t + o, s + i, n);
            o += n;
            units++;
            st->ws_run = 0;
        } else if (st->ws_run == 0) {
            st->ws_start = o;
            memcpy(t + o, s + i, n);
            o += n;
            units++;
            st->ws_run = 1;
        } else if (st->ws_run == 1) {
            o = st->ws_start;
            t[o++] = ' ';
            st->ws_run = 2;
        }
        i += n;
    }
    buf->text_len = o;
    buf->n_units += units;
    return TK_OK;
}

/*
 * char_wb: append mapped text to buf->text as " w1 w2 ... wk ": every
 * word padded by the spaces it shares with its neighbours, so each padded
 * word is a substring.  The last word's trailing pad is added by
 * finish_words.
 */
static int append_words(tk_ngram_buf *buf, char_state *st, const uint8_t *s, size_t len,
                        const int *cancel)
{
    size_t i = 0, o, units = 0, next_check = CANCEL_CHECK_BYTES;
    uint8_t *t;
    int rc;
    /* Every pad but the first replaces whitespace of at least a byte. */
    if (len > SIZE_MAX - 1 - TK_VOCAB_PAD - buf->text_len)
        return TK_EOVERFLOW;
    if ((rc = tk_reserve_append((void **)&buf->text, &buf->text_cap,
                                buf->text_len + len + 1 + TK_VOCAB_PAD, 1)) < 0)
        return rc;
    t = buf->text;
    o = buf->text_len;
    while (i < len) {
        uint32_t cp;
        size_t n;
        if (stop_at(i, &next_check, cancel))
            return TK_ECANCELLED;
        if (s[i] > 0x20 && s[i] < 0x80) {
            cp = s[i];
            n = 1;
        } else {
            n = tk_utf8_decode_valid(s + i, len - i, &cp);
            if (tk_is_py_space(cp)) {
                if (st->in_word) {
                    t[o++] = ' ';
                    units++;
                    buf->n_words++;
                    st->in_word = 0;
                }
                i += n;
                continue;
            }
        }
        if (!st->in_word) {
            if (buf->n_words == 0) {
                t[o++] = ' ';
                units++;
            }
            st->in_word = 1;
        }
        memcpy(t + o, s + i, n);
        o += n;
        i += n;
        units++;
    }
    buf->text_len = o;
    buf->n_units += units;
    return TK_OK;
}

static int finish_words(tk_ngram_buf *buf, char_state *st)
{
    int rc;
    if (!st->in_word)
        return TK_OK;
    if ((rc = tk_reserve_append((void **)&buf->text, &buf->text_cap,
                                buf->text_len + 1 + TK_VOCAB_PAD, 1)) < 0)
        return rc;
    buf->text[buf->text_len++] = ' ';
    buf->n_units++;
    buf->n_words++;
    st->in_word = 0;
    return TK_OK;
}

/* grapheme: mark where the extended grapheme clusters of buf->text start. */
static int mark_clusters(tk_ngram_buf *buf, const int *cancel)
{
    size_t words = buf->text_len / 64 + 1, i = 0, kept = 0, next_check = CANCEL_CHECK_BYTES;
    uint64_t *marks;
    int32_t state = 0;
    utf8proc_int32_t prev = -1;
    int rc;
    if ((rc = tk_grow((void **)&buf->clusters, &buf->clusters_cap, words,
                      sizeof *buf->clusters)) < 0)
        return rc;
    marks = buf->clusters;
    memset(marks, 0, words * sizeof *marks);
    while (i < buf->text_len) {
        uint32_t cp;
        size_t n;
        if (stop_at(i, &next_check, cancel))
            return TK_ECANCELLED;
        n = tk_utf8_decode_valid(buf->text + i, buf->text_len - i, &cp);
        if (i == 0 || utf8proc_grapheme_break_stateful(prev, (utf8proc_int32_t)cp, &state)) {
            marks[i >> 6] |= UINT64_C(1) << (i & 63);
            kept++;
        }
        prev = (utf8proc_int32_t)cp;
        i += n;
    }
    marks[i >> 6] |= UINT64_C(1) << (i & 63);
    buf->n_units = kept;
    return TK_OK;
}

/* grapheme: walks the cluster starts in order.  The bits left of the
 * current word stay in a register, so a step is a few register operations
 * and a load every 64 bytes. */
typedef struct cluster_walk {
    const uint64_t *marks;
    size_t word;
    uint64_t bits;     /* set bits of marks[word] from the current one on */
} cluster_walk;

/* Start at the cluster that starts at p; returns p. */
TK_ALWAYS_INLINE size_t walk_start(cluster_walk *c, const uint64_t *marks, size_t p)
{
    c->marks = marks;
    c->word = p >> 6;
    c->bits = marks[c->word] & (~UINT64_C(0) << (p & 63));
    return p;
}

/* The start of the next cluster (the current one must end before text_len). */
TK_ALWAYS_INLINE size_t walk_next(cluster_walk *c)
{
    c->bits &= c->bits - 1;
    while (!c->bits)
        c->bits = c->marks[++c->word];
    return (c->word << 6) + (size_t)__builtin_ctzll(c->bits);
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

/* tk_map_can_cut_before for ASCII: anything but letters and the
 * case-ignorable ' . : ^ ` (csrc/tests/test_ngram.c checks the two agree). */
TK_ALWAYS_INLINE int ascii_cut_ok(uint8_t c)
{
    uint8_t l = c | 0x20;
    return !(l >= 'a' && l <= 'z') && c != '\'' && c != '.' && c != ':' && c != '^' && c != '`';
}

/* End of the char analyzers' piece that starts at start: the first
 * character at or past start + PIECE_BYTES before which the mapping may
 * be cut, or len. */
static size_t char_piece_end(const tk_tokenizer_opts *opts, const uint8_t *text, size_t len,
                             size_t start, tk_scratch *scratch)
{
    size_t p;
    if (len - start <= PIECE_BYTES)
        return len;
    p = start + PIECE_BYTES;
    while (p < len && (text[p] & 0xC0) == 0x80)
        p++;
    while (p < len) {
        uint32_t cp;
        size_t n;
        if (text[p] < 0x80) {
            if (ascii_cut_ok(text[p]))
                return p;
            p++;
            continue;
        }
        n = tk_utf8_decode_valid(text + p, len - p, &cp);
        if (tk_map_can_cut_before(opts, cp, scratch))
            return p;
        p += n;
    }
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

/*
 * Before appending a mapped piece that does not fit (done of len input
 * bytes mapped so far): grow the text to what the rest will need at the
 * expansion so far, plus a sixteenth.  Growing by doubling instead copied
 * the text at every step: realloc cannot move a block that tk_advise_huge
 * split into several mappings, so a text that NFKC made 11 times longer
 * peaked at 1.6 times its size.
 */
static int reserve_for_rest(tk_ngram_buf *buf, size_t piece_len, size_t done, size_t len)
{
    size_t need;
    double guess;
    if (piece_len > SIZE_MAX / 4 || buf->text_len > SIZE_MAX / 4)
        return TK_EOVERFLOW;
    need = buf->text_len + piece_len + 2 + TK_VOCAB_PAD;
    if (need <= buf->text_cap)
        return TK_OK;
    guess = (double)(buf->text_len + piece_len) / (double)done * (double)len * 1.0625
            + (double)(2 + TK_VOCAB_PAD);
    if (guess > (double)need && guess < (double)(SIZE_MAX / 4))
        need = (size_t)guess;
    return tk_reserve_append((void **)&buf->text, &buf->text_cap, need, 1);
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
    char_state st;
    size_t start, end;
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
    if (ng->analyzer != TK_ANALYZER_CHAR && ng->analyzer != TK_ANALYZER_CHAR_WB
        && ng->analyzer != TK_ANALYZER_GRAPHEME)
        return TK_EINVAL;
    /* Char analyzers see the document mapped as a whole (as scikit-learn
     * lowercases the whole document before cutting it): pieces cut where
     * that changes nothing are mapped and appended one by one, so nothing
     * but the text grows with the document.  The text starts with room
     * for a mapping that keeps the size; pages stay untouched until used. */
    if (len > SIZE_MAX - 2 - TK_VOCAB_PAD)
        return TK_EOVERFLOW;
    if ((rc = tk_reserve_append((void **)&buf->text, &buf->text_cap, len + 2 + TK_VOCAB_PAD,
                                1)) < 0)
        return rc;
    memset(&st, 0, sizeof st);
    for (start = 0; start < len; start = end) {
        const uint8_t *piece;
        size_t piece_len, piece_cps;
        if (cancelled(cancel))
            return TK_ECANCELLED;
        end = char_piece_end(opts, text, len, start, &buf->scratch);
        rc = tk_map_segment(opts, text + start, end - start, &buf->scratch, &piece, &piece_len,
                            &piece_cps);
        if (rc < 0)
            return rc;
        if ((rc = reserve_for_rest(buf, piece_len, end, len)) < 0)
            return rc;
        rc = ng->analyzer == TK_ANALYZER_CHAR_WB
                 ? append_words(buf, &st, piece, piece_len, cancel)
                 : append_collapsed(buf, &st, piece, piece_len, cancel);
        if (rc < 0)
            return rc;
    }
    if (ng->analyzer == TK_ANALYZER_CHAR_WB && (rc = finish_words(buf, &st)) < 0)
        return rc;
    if (ng->analyzer == TK_ANALYZER_GRAPHEME && (rc = mark_clusters(buf, cancel)) < 0)
        return rc;
    return cancelled(cancel) ? TK_ECANCELLED : TK_OK;
}

/* ------------------------------------------------------------- emission */
/* char_wb: the padded word that starts (with its leading pad) at t[first]:
 * its end (past the trailing pad) and its length in code points. */
static size_t padded_word(const uint8_t *t, size_t first, size_t *w_len)
{
    size_t end = first + 1, n = 2;
    while (t[end] != ' ') {
        end += utf8_step(t[end]);
        n++;
    }
    *w_len = n;
    return end + 1;
}

int tk_ngram_emit(const tk_ngram_opts *ng, const tk_ngram_buf *buf, tk_ngram_sink sink,
                  void *ctx)
{
    const uint8_t *text = buf->text;
    const size_t len = buf->text_len;
    size_t n, i, k, p, q;
    int rc;

    if (ng->analyzer == TK_ANALYZER_WORD) {
        const size_t *st = buf->starts, *en = buf->ends;
        for (n = ng->lo; n <= ng->hi && n <= buf->n_units; n++)
            for (i = 0; i + n <= buf->n_units; i++)
                if ((rc = sink(ctx, text + st[i], en[i + n - 1] - st[i])) < 0)
                    return rc;
        return TK_OK;
    }
    if (ng->analyzer == TK_ANALYZER_CHAR) {
        /* Each pass slides a window of n code points over the text. */
        for (n = ng->lo; n <= ng->hi && n <= buf->n_units; n++) {
            for (p = 0, q = 0, k = 0; k < n; k++)
                q += utf8_step(text[q]);
            for (;;) {
                if ((rc = sink(ctx, text + p, q - p)) < 0)
                    return rc;
                if (q >= len)
                    break;
                p = utf8_next(text, p);
                q = utf8_next(text, q);
            }
        }
        return TK_OK;
    }
    if (ng->analyzer == TK_ANALYZER_GRAPHEME) {
        for (n = ng->lo; n <= ng->hi && n <= buf->n_units; n++) {
            cluster_walk from, to;
            p = walk_start(&from, buf->clusters, 0);
            q = walk_start(&to, buf->clusters, 0);
            for (k = 0; k < n; k++)
                q = walk_next(&to);
            for (;;) {
                if ((rc = sink(ctx, text + p, q - p)) < 0)
                    return rc;
                if (q >= len)
                    break;
                p = walk_next(&from);
                q = walk_next(&to);
            }
        }
        return TK_OK;
    }
    for (k = 0, i = 0; k < buf->n_words; k++) {
        size_t w_len, end = padded_word(text, i, &w_len);
        for (n = ng->lo; n <= ng->hi; n++) {
            size_t m, stop = n < w_len ? n : w_len;
            for (p = i, q = i, m = 0; m < stop; m++)
                q += utf8_step(text[q]);
            if ((rc = sink(ctx, text + p, q - p)) < 0)
                return rc;
            if (n >= w_len)   /* a short padded word counts once */
                break;
            while (q < end) {
                p = utf8_next(text, p);
                q = utf8_next(text, q);
                if ((rc = sink(ctx, text + p, q - p)) < 0)
                    return rc;
            }
        }
        i = end - 1;   /* the trailing pad leads the next word */
    }
    return TK_OK;
}

int tk_ngram_nests(const tk_ngram_opts *ng)
{
    return ng->analyzer == TK_ANALYZER_CHAR && ng->hi > ng->lo;
}

int tk_ngram_emit_nested(const tk_ngram_opts *ng, const tk_ngram_buf *buf, tk_ngram_sink top,
                         tk_ngram_sink rest, void *ctx)
{
    const uint8_t *text = buf->text;
    const size_t len = buf->text_len, hi = ng->hi;
    /* the first code point with fewer than hi from it to the end */
    const size_t first_short = buf->n_units >= hi ? buf->n_units - hi + 1 : 0;
    size_t i, k, n, p = 0, q;
    int rc;

    if (!tk_ngram_nests(ng))
        return TK_EINVAL;
    if (first_short > 0) {
        for (q = 0, k = 0; k < hi; k++)
            q += utf8_step(text[q]);
        for (;;) {
            if ((rc = top(ctx, text + p, q - p)) < 0)
                return rc;
            p = utf8_next(text, p);
            if (q >= len)
                break;
            q = utf8_next(text, q);
        }
    }
    /* p is at code point first_short */
    for (i = first_short; i + ng->lo <= buf->n_units; i++, p = utf8_next(text, p)) {
        for (q = p, k = 0; k < ng->lo; k++)
            q += utf8_step(text[q]);
        for (n = ng->lo;; n++) {
            if ((rc = rest(ctx, text + p, q - p)) < 0)
                return rc;
            if (i + n == buf->n_units)
                break;
            q += utf8_step(text[q]);
        }
    }
    return TK_OK;
}

size_t tk_ngram_prefix_len(const uint8_t *gram, size_t n)
{
    size_t q = 0, k;
    for (k = 0; k < n; k++)
        q += utf8_step(gram[q]);
    return q;
}

size_t tk_ngram_count(const tk_ngram_opts *ng, const tk_ngram_buf *buf)
{
    size_t n, k, i, total = 0;
    if (ng->analyzer != TK_ANALYZER_CHAR_WB) {
        for (n = ng->lo; n <= ng->hi && n <= buf->n_units; n++)
            total += buf->n_units - n + 1;
        return total;
    }
    for (k = 0, i = 0; k < buf->n_words; k++) {
        size_t w_len;
        i = padded_word(buf->text, i, &w_len) - 1;
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
