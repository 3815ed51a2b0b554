/* UAX #29 word segmenter: the full Unicode conformance file plus hand cases. */
#include <ctype.h>
#include <stdint.h>

#include "tk_segment.h"
#include "tk_test.h"
#include "tk_tokenize.h"

#define WORDBREAK_TEST "/usr/share/unicode/auxiliary/WordBreakTest.txt"
#define EXPECTED_CASES 1823

/* Segment text and write the pieces joined by '|' into out (for messages and
 * comparisons); also checks that spans tile the text in bytes and code points. */
static void pieces(const char *text, size_t len, char *out, size_t cap)
{
    tk_wordseg it;
    tk_span span;
    size_t used = 0, expect_start = 0, expect_cp = 0, i;
    tk_wordseg_init(&it, (const uint8_t *)text, len);
    out[0] = '\0';
    while (tk_wordseg_next(&it, &span)) {
        size_t cps = 0;
        CHECK_EQ_INT(span.start, expect_start);
        CHECK_EQ_INT(span.cp_start, expect_cp);
        CHECK(span.end > span.start);
        for (i = span.start; i < span.end; i++)
            cps += ((uint8_t)text[i] & 0xC0) != 0x80;
        CHECK_EQ_INT(span.cp_end - span.cp_start, cps);
        expect_start = span.end;
        expect_cp = span.cp_end;
        if (used && used + 1 < cap)
            out[used++] = '|';
        for (i = span.start; i < span.end && used + 1 < cap; i++)
            out[used++] = text[i];
        out[used] = '\0';
    }
    CHECK_EQ_INT(expect_start, len);
}

static void check_pieces(const char *text, const char *expected)
{
    char got[512];
    pieces(text, strlen(text), got, sizeof got);
    if (strcmp(got, expected) != 0) {
        fprintf(stderr, "segment(\"%s\") gave \"%s\", expected \"%s\"\n", text, got, expected);
        tk_test_failures++;
    }
}

/* Parse one data line of WordBreakTest.txt into UTF-8 plus the expected
 * break positions (in code points).  Returns 0 for comment/blank lines. */
static int parse_case(const char *line, uint8_t *text, size_t *text_len,
                      size_t *breaks, size_t *n_breaks, size_t *n_cp)
{
    const char *p = line;
    *text_len = 0;
    *n_breaks = 0;
    *n_cp = 0;
    while (*p && *p != '#') {
        if ((uint8_t)p[0] == 0xC3 && (uint8_t)p[1] == 0xB7) {        /* U+00F7 break */
            breaks[(*n_breaks)++] = *n_cp;
            p += 2;
        } else if ((uint8_t)p[0] == 0xC3 && (uint8_t)p[1] == 0x97) { /* U+00D7 no break */
            p += 2;
        } else if (isxdigit((unsigned char)*p)) {
            char *end;
            unsigned long cp = strtoul(p, &end, 16);
            *text_len += tk_utf8_encode((uint32_t)cp, text + *text_len);
            (*n_cp)++;
            p = end;
        } else {
            p++;
        }
    }
    return *n_cp > 0;
}

/* All cases joined with U+000B, which breaks on both sides (WB3a/WB3b) and
 * never joins a trailing CR, so each case must segment the same way in the
 * middle of a long stream as on its own. */
static uint8_t stream_text[1 << 18];
static size_t stream_breaks[1 << 16];
static size_t stream_len, stream_n_breaks, stream_n_cp;

static void stream_append(const uint8_t *text, size_t text_len, const size_t *breaks,
                          size_t n_breaks, size_t n_cp)
{
    size_t i;
    if (stream_len + text_len + 1 > sizeof stream_text
        || stream_n_breaks + n_breaks + 1 > sizeof stream_breaks / sizeof stream_breaks[0]) {
        CHECK(!"stream buffers too small");
        return;
    }
    stream_text[stream_len++] = 0x0B;
    stream_breaks[stream_n_breaks++] = ++stream_n_cp;
    memcpy(stream_text + stream_len, text, text_len);
    stream_len += text_len;
    for (i = 1; i < n_breaks; i++)   /* breaks[0] == 0 is the one just after U+000B */
        stream_breaks[stream_n_breaks++] = stream_n_cp + breaks[i];
    stream_n_cp += n_cp;
}

/* tk_wordseg_skip_space may step over only what tk_wordseg_next would
 * return as a segment of ASCII spaces. */
static int skip_space_agrees(const tk_wordseg *it, const tk_span *next_span)
{
    tk_wordseg probe = *it;
    size_t i;
    tk_wordseg_skip_space(&probe);
    if (probe.pos == it->pos)
        return 1;
    if (next_span->start != it->pos || probe.pos != next_span->end
        || probe.cp_pos != next_span->cp_end)
        return 0;
    for (i = next_span->start; i < next_span->end; i++)
        if (it->text[i] != ' ')
            return 0;
    return 1;
}

static void check_stream(void)
{
    tk_wordseg it, before;
    tk_span span;
    size_t i = 0, mismatches = 0, skip_errors = 0;
    tk_wordseg_init(&it, stream_text, stream_len);
    for (before = it; tk_wordseg_next(&it, &span); before = it) {
        if (i >= stream_n_breaks || span.cp_end != stream_breaks[i])
            mismatches++;
        if (!skip_space_agrees(&before, &span))
            skip_errors++;
        i++;
    }
    CHECK_EQ_INT(i, stream_n_breaks);
    CHECK_EQ_INT(mismatches, 0);
    CHECK_EQ_INT(skip_errors, 0);
}

static void test_skip_space(void)
{
    static const char *const texts[] = {
        "a b", "a  b", "a \xcc\x81" "b", "a \xe2\x80\x8d\xf0\x9f\x98\x80", " ", "  ", " \t", "x ",
        " x", "a b c", "1 2", ". ,", " \xc2\xad", "a \n b",
        /* before non-ASCII: letters, an ideograph, a vowel sign (Extend),
         * ZWJ, a format character, ideographic and other spaces (WB3d) */
        "a \xd0\x9f", "a   \xd0\x9f", "\xe4\xb8\xad \xe4\xb8\xad", "a  \xe0\xa4\xbe",
        "a \xe0\xa4\x95\xe0\xa4\xbe", "  \xe2\x80\x8d", "   \xe2\x81\xa0x", " \xe3\x80\x80",
        "  \xe2\x80\x83 ", "a   ", "   ", " \xf0\x9f\x98\x80", " \xef\xbc\xa1",
    };
    size_t t;
    for (t = 0; t < sizeof texts / sizeof texts[0]; t++) {
        tk_wordseg it, before;
        tk_span span;
        tk_wordseg_init(&it, (const uint8_t *)texts[t], strlen(texts[t]));
        for (before = it; tk_wordseg_next(&it, &span); before = it)
            CHECK(skip_space_agrees(&before, &span));
    }
    {
        /* Taken (not merely allowed) where promised: before a non-ASCII
         * letter, over a run, at the end; not before a vowel sign. */
        static const struct { const char *text; size_t from, to; } steps[] = {
            {"a \xd0\x9f", 1, 2}, {"a   \xd0\x9f", 1, 4}, {"a   ", 1, 4}, {"a b", 1, 2},
            {"\xe4\xb8\xad \xe4\xb8\xad", 3, 4}, {"a  \xe0\xa4\xbe", 1, 1},
            {" \xe3\x80\x80", 0, 0}, {"a", 1, 1}};
        for (t = 0; t < sizeof steps / sizeof steps[0]; t++) {
            tk_wordseg it;
            tk_wordseg_init(&it, (const uint8_t *)steps[t].text, strlen(steps[t].text));
            it.pos = it.cp_pos = steps[t].from;   /* ASCII before "from" in each */
            tk_wordseg_skip_space(&it);
            CHECK_EQ_INT(it.pos, steps[t].to);
        }
    }
}

/*
 * tk_wordseg_skip_ascii_punct against tk_wordseg_next: each ASCII byte at
 * a segment boundary (after a word, a space, or at the start), followed by
 * each ASCII byte, the end, or non-ASCII characters that attach (a mark,
 * ZWJ, a format character) or not.  A step must cover exactly the
 * segmenter's segment, or the first of its run of spaces or CR LF, and
 * must be taken wherever the next byte is ASCII or the text ends.
 */
static void test_skip_ascii_punct(void)
{
    static const char *const befores[] = {"", "word ", "a", "7"};
    static const char *const afters[] = {"\xcc\x81", "\xe2\x80\x8d", "\xc2\xad", "\xd0\x9f",
                                         "\xe4\xb8\xad", ""};
    size_t b, f, k, n_after = sizeof afters / sizeof afters[0];
    for (b = 0; b < sizeof befores / sizeof befores[0]; b++)
        for (k = 1; k < 128; k++)
            for (f = 0; f < 128 + n_after; f++) {
                char text[32];
                size_t len, at;
                tk_wordseg it, seg_it;
                tk_span span;
                int stepped, joins_next;
                strcpy(text, befores[b]);
                at = strlen(text);
                text[at] = (char)k;
                text[at + 1] = '\0';
                if (f < 128) {
                    text[at + 1] = (char)f;
                    text[at + 2] = '\0';
                } else {
                    strcat(text, afters[f - 128]);
                }
                len = f == 0 ? at + 1 : strlen(text);
                /* The tokenizer only asks at a boundary: find the one at "at". */
                tk_wordseg_init(&seg_it, (const uint8_t *)text, len);
                while (seg_it.pos < at && tk_wordseg_next(&seg_it, &span))
                    ;
                if (seg_it.pos != at)
                    continue;
                it = seg_it;
                stepped = tk_wordseg_skip_ascii_punct(&it);
                CHECK(tk_wordseg_next(&seg_it, &span));
                if (!stepped) {
                    CHECK_EQ_INT(it.pos, at);
                    /* Declined only for letters, digits, "_" or before non-ASCII. */
                    CHECK(((1u << tk_wb_ascii[k]) & (TK_WB_ASCII_RUN | 1u << TK_WB_EXTENDNUMLET))
                          || (at + 1 < len && (uint8_t)text[at + 1] >= 0x80));
                    continue;
                }
                CHECK_EQ_INT(it.pos, at + 1);
                CHECK_EQ_INT(it.cp_pos, at + 1);
                joins_next = (k == ' ' && f == ' ') || (k == '\r' && f == '\n');
                CHECK_EQ_INT(span.end, joins_next ? at + 2 : at + 1);
            }
}

/*
 * tk_wordseg_ascii_run against tk_wordseg_next: every run of a few shapes
 * followed by every ASCII byte, some non-ASCII characters that join or
 * break, or the end of the text.  Where the helper takes a segment it must
 * be the segmenter's, with its kind; where it declines, the iterator must
 * not move.  It must also take the plain cases, or the tokenizer would
 * have lost its fast path without any test noticing.
 */
static void test_ascii_run(void)
{
    static const char *const runs[] = {"a", "Zq", "don", "x9", "2024", "7", "HeLLo1"};
    static const char *const tails[] = {"\xcc\x81", "\xc3\xa9", "\xe2\x80\x8d", "\xef\xbc\xa1",
                                        "\xe3\x81\x82", "\xd7\x90"};
    const size_t n_runs = sizeof runs / sizeof runs[0], n_tails = sizeof tails / sizeof tails[0];
    size_t r, t, taken = 0;
    for (r = 0; r < n_runs; r++)
        for (t = 0; t < 128 + n_tails + 1; t++) {
            uint8_t text[32];
            size_t len = strlen(runs[r]), got;
            tk_wordseg it, ref;
            tk_span span, want;
            int has_letter = -1, before_non_ascii = -1;
            memcpy(text, runs[r], len);
            if (t < 128)
                text[len++] = (uint8_t)t;
            else if (t < 128 + n_tails) {
                memcpy(text + len, tails[t - 128], strlen(tails[t - 128]));
                len += strlen(tails[t - 128]);
            }
            text[len] = 'b';   /* a letter after the tail, for WB6/WB12 lookahead */
            len += t < 128 + n_tails;
            tk_wordseg_init(&it, text, len);
            ref = it;
            CHECK(tk_wordseg_next(&ref, &want));
            got = tk_wordseg_ascii_run(&it, &span, &has_letter, &before_non_ascii);
            /* Set exactly when the run ran into a non-ASCII tail. */
            CHECK_EQ_INT(before_non_ascii, t >= 128 && t < 128 + n_tails);
            if (got == 0) {
                CHECK(it.pos == 0 && it.cp_pos == 0);
                continue;
            }
            taken++;
            CHECK_EQ_INT(got, want.end);
            CHECK(span.start == want.start && span.end == want.end
                  && span.cp_start == want.cp_start && span.cp_end == want.cp_end);
            CHECK(it.pos == ref.pos && it.cp_pos == ref.cp_pos);
            {
                size_t i, letters = 0;   /* the tail may be part of the run */
                for (i = 0; i < got; i++)
                    letters += (text[i] | 0x20) >= 'a' && (text[i] | 0x20) <= 'z';
                CHECK_EQ_INT(has_letter, letters != 0);
            }
        }
    /* Each run before a space, '!', '-', '\n', CR, '$' and at the end. */
    CHECK(taken >= n_runs * 7);
    {
        tk_wordseg it;
        tk_span span;
        int has_letter, before_non_ascii;
        tk_wordseg_init(&it, (const uint8_t *)"Word! 42", 8);
        CHECK_EQ_INT(tk_wordseg_ascii_run(&it, &span, &has_letter, &before_non_ascii), 4);
        CHECK(has_letter == 1 && it.pos == 4);
        it.pos = it.cp_pos = 6;
        CHECK_EQ_INT(tk_wordseg_ascii_run(&it, &span, &has_letter, &before_non_ascii), 2);
        CHECK(has_letter == 0 && span.cp_start == 6 && span.cp_end == 8);
        tk_wordseg_init(&it, (const uint8_t *)"3.14 x_y", 8);
        CHECK_EQ_INT(tk_wordseg_ascii_run(&it, &span, &has_letter, &before_non_ascii), 0);
        it.pos = it.cp_pos = 5;
        CHECK_EQ_INT(tk_wordseg_ascii_run(&it, &span, &has_letter, &before_non_ascii), 0);
        CHECK_EQ_INT(before_non_ascii, 0);
        /* Nothing scanned: a non-ASCII start is not a run that stopped. */
        tk_wordseg_init(&it, (const uint8_t *)"\xc3\xa9t\xc3\xa9", 6);
        CHECK_EQ_INT(tk_wordseg_ascii_run(&it, &span, &has_letter, &before_non_ascii), 0);
        CHECK_EQ_INT(before_non_ascii, 0);
    }
}

/* Compare tk_wordseg_ascii_run with tk_wordseg_next at the start of text:
 * where the helper takes a segment it must be tk_wordseg_next's.  Returns
 * whether the helper took it. */
static int ascii_run_agrees(const uint8_t *text, size_t len)
{
    tk_wordseg it, ref;
    tk_span span, want;
    int has_letter = -1, before_non_ascii = -1;
    size_t got, i, letters = 0;
    tk_wordseg_init(&it, text, len);
    ref = it;
    CHECK(tk_wordseg_next(&ref, &want));
    got = tk_wordseg_ascii_run(&it, &span, &has_letter, &before_non_ascii);
    if (got == 0) {
        CHECK(it.pos == 0 && it.cp_pos == 0);
        return 0;
    }
    CHECK_EQ_INT(got, want.end);
    CHECK(span.start == want.start && span.end == want.end && span.cp_start == want.cp_start
          && span.cp_end == want.cp_end);
    CHECK(it.pos == ref.pos && it.cp_pos == ref.cp_pos);
    for (i = 0; i < got; i++)
        letters += (text[i] | 0x20) >= 'a' && (text[i] | 0x20) <= 'z';
    CHECK_EQ_INT(has_letter, letters != 0);
    return 1;
}

/*
 * A run before punctuation that WB6/WB7, WB7a-c, WB11/WB12 or WB13a may
 * join to it, then every ASCII character, several non-ASCII ones (a
 * combining mark, a letter, ZWJ, a format character, Hebrew, a fullwidth
 * digit) and the end of the text.  The helper takes the run before an
 * ASCII character that is not a letter or digit, and at the end, except
 * before "_".
 */
static void test_ascii_run_before_joining_punctuation(void)
{
    static const char *const runs[] = {"a", "Zq", "don", "x9", "2024", "7", "HeLLo1"};
    static const char joiners[] = "'.:,;\"_";
    static const char *const tails[] = {"\xcc\x81", "\xc3\xa9", "\xe2\x80\x8d",
                                        "\xc2\xad", "\xd7\x90", "\xef\xbc\x91"};
    const size_t n_runs = sizeof runs / sizeof runs[0], n_tails = sizeof tails / sizeof tails[0];
    size_t r, j, t, taken = 0, expected = 0;
    for (r = 0; r < n_runs; r++)
        for (j = 0; joiners[j]; j++)
            for (t = 0; t < 128 + n_tails + 1; t++) {
                uint8_t text[32];
                size_t len = strlen(runs[r]);
                int took;
                memcpy(text, runs[r], len);
                text[len++] = (uint8_t)joiners[j];
                if (t < 128) {
                    text[len++] = (uint8_t)t;
                } else if (t < 128 + n_tails) {
                    memcpy(text + len, tails[t - 128], strlen(tails[t - 128]));
                    len += strlen(tails[t - 128]);
                }
                text[len++] = 'b';   /* WB6/WB12 look one further */
                if (t == 128 + n_tails)
                    len--;           /* the joiner ends the text */
                took = ascii_run_agrees(text, len);
                /* Taken exactly where promised (not just allowed). */
                if (joiners[j] != '_'
                    && (t == 128 + n_tails
                        || (t < 128 && !((t | 0x20) >= 'a' && (t | 0x20) <= 'z')
                            && !(t >= '0' && t <= '9')))) {
                    expected++;
                    CHECK(took);
                }
                taken += (size_t)took;
            }
    CHECK_EQ_INT(taken, expected);
}

static void test_conformance_file(void)
{
    FILE *f = fopen(WORDBREAK_TEST, "r");
    char line[4096], version[32] = "";
    size_t n_cases = 0, n_passed = 0;
    if (!f) {
        fprintf(stderr, "%s missing: apt-get install unicode-data\n", WORDBREAK_TEST);
        tk_test_failures++;
        return;
    }
    while (fgets(line, sizeof line, f)) {
        uint8_t text[1024];
        size_t breaks[256], got[256], n_breaks, n_got = 0, n_cp, text_len;
        tk_wordseg it;
        tk_span span;
        int ok;
        if (!version[0] && sscanf(line, "# WordBreakTest-%31[0-9.].txt", version) == 1) {
            size_t vlen = strlen(version);
            if (vlen && version[vlen - 1] == '.')
                version[vlen - 1] = '\0';
        }
        if (!parse_case(line, text, &text_len, breaks, &n_breaks, &n_cp))
            continue;
        n_cases++;
        got[n_got++] = 0;   /* WB1: break at start of text */
        tk_wordseg_init(&it, text, text_len);
        while (tk_wordseg_next(&it, &span) && n_got < 256)
            got[n_got++] = span.cp_end;
        ok = n_got == n_breaks && memcmp(got, breaks, n_got * sizeof got[0]) == 0;
        if (ok)
            n_passed++;
        else
            fprintf(stderr, "WordBreakTest mismatch: %s", line);
        stream_append(text, text_len, breaks, n_breaks, n_cp);
    }
    fclose(f);
    check_stream();
    printf("WordBreakTest.txt (Unicode %s): %zu/%zu cases passed\n", version, n_passed, n_cases);
    CHECK_EQ_INT(n_cases, EXPECTED_CASES);
    CHECK_EQ_INT(n_passed, n_cases);
    CHECK(strcmp(version, tk_wordbreak_unicode_version()) == 0);
}

static void test_properties(void)
{
    CHECK_EQ_INT(tk_wordbreak_property('a'), TK_WB_ALETTER);
    CHECK_EQ_INT(tk_wordbreak_property('7'), TK_WB_NUMERIC);
    CHECK_EQ_INT(tk_wordbreak_property('\''), TK_WB_SINGLE_QUOTE);
    CHECK_EQ_INT(tk_wordbreak_property(0x05D0), TK_WB_HEBREW_LETTER);
    CHECK_EQ_INT(tk_wordbreak_property(0x30A2), TK_WB_KATAKANA);
    CHECK_EQ_INT(tk_wordbreak_property(0x200D), TK_WB_ZWJ);
    CHECK_EQ_INT(tk_wordbreak_property(0x1F1E6), TK_WB_REGIONAL_INDICATOR);
    CHECK_EQ_INT(tk_wordbreak_property(0xE0001), TK_WB_FORMAT);
    CHECK_EQ_INT(tk_wordbreak_property(0x4E2D), TK_WB_OTHER);
    CHECK_EQ_INT(tk_wordbreak_property(0x110000), TK_WB_OTHER);
    CHECK_EQ_INT(tk_wordbreak_property(0xFFFFFFFFu), TK_WB_OTHER);
    CHECK(tk_is_extended_pictographic(0x1F600));
    CHECK(tk_is_extended_pictographic(0x2764));
    CHECK(!tk_is_extended_pictographic('a'));
    CHECK(!tk_is_extended_pictographic(0x1F1E6));
    CHECK(!tk_is_extended_pictographic(0x110000));
}

static void test_hand_cases(void)
{
    check_pieces("don't stop", "don't| |stop");
    check_pieces("3.14 1,000 $5", "3.14| |1,000| |$|5");
    check_pieces("19\xEC\x9D\xBC \xED\x95\x9C\xEA\xB5\xAD\xEC\x96\xB4",   /* 19일 한국어 */
                 "19\xEC\x9D\xBC| |\xED\x95\x9C\xEA\xB5\xAD\xEC\x96\xB4");
    /* woman, ZWJ, heart, VS16, ZWJ, man: one piece by WB3c and WB4 */
    check_pieces("\xF0\x9F\x91\xA9\xE2\x80\x8D\xE2\x9D\xA4\xEF\xB8\x8F\xE2\x80\x8D\xF0\x9F\x91\xA8!",
                 "\xF0\x9F\x91\xA9\xE2\x80\x8D\xE2\x9D\xA4\xEF\xB8\x8F\xE2\x80\x8D\xF0\x9F\x91\xA8|!");
    /* नमस्ते दुनिया: vowel signs and virama are Extend and stay in the word */
    check_pieces("\xE0\xA4\xA8\xE0\xA4\xAE\xE0\xA4\xB8\xE0\xA5\x8D\xE0\xA4\xA4\xE0\xA5\x87 "
                 "\xE0\xA4\xA6\xE0\xA5\x81\xE0\xA4\xA8\xE0\xA4\xBF\xE0\xA4\xAF\xE0\xA4\xBE",
                 "\xE0\xA4\xA8\xE0\xA4\xAE\xE0\xA4\xB8\xE0\xA5\x8D\xE0\xA4\xA4\xE0\xA5\x87| |"
                 "\xE0\xA4\xA6\xE0\xA5\x81\xE0\xA4\xA8\xE0\xA4\xBF\xE0\xA4\xAF\xE0\xA4\xBE");
    /* 中文字 and ひらがな: each character alone; カタカナ: one run */
    check_pieces("\xE4\xB8\xAD\xE6\x96\x87\xE5\xAD\x97", "\xE4\xB8\xAD|\xE6\x96\x87|\xE5\xAD\x97");
    check_pieces("\xE3\x81\xB2\xE3\x82\x89\xE3\x81\x8C\xE3\x81\xAA",
                 "\xE3\x81\xB2|\xE3\x82\x89|\xE3\x81\x8C|\xE3\x81\xAA");
    check_pieces("\xE3\x82\xAB\xE3\x82\xBF\xE3\x82\xAB\xE3\x83\x8A\xE3\x81\xAE",
                 "\xE3\x82\xAB\xE3\x82\xBF\xE3\x82\xAB\xE3\x83\x8A|\xE3\x81\xAE");
    check_pieces("a  b\r\n\r\nc", "a|  |b|\r\n|\r\n|c");
    check_pieces("e.g. U.S.A. foo_bar", "e.g|.| |U.S.A|.| |foo_bar");
    check_pieces("can't've 'quoted'", "can't've| |'|quoted|'");
    /* flags: two regional-indicator pairs, then a lone one */
    check_pieces("\xF0\x9F\x87\xAF\xF0\x9F\x87\xB5\xF0\x9F\x87\xBA\xF0\x9F\x87\xB8\xF0\x9F\x87\xA6",
                 "\xF0\x9F\x87\xAF\xF0\x9F\x87\xB5|\xF0\x9F\x87\xBA\xF0\x9F\x87\xB8|\xF0\x9F\x87\xA6");
}

static void test_empty_and_nul(void)
{
    tk_wordseg it;
    tk_span span;
    char got[64];
    tk_wordseg_init(&it, (const uint8_t *)"", 0);
    CHECK_EQ_INT(tk_wordseg_next(&it, &span), 0);
    CHECK_EQ_INT(tk_wordseg_next(&it, &span), 0);
    tk_wordseg_init(&it, NULL, 0);
    CHECK_EQ_INT(tk_wordseg_next(&it, &span), 0);

    pieces("a\0b\0\0", 5, got, sizeof got);
    CHECK(memcmp(got, "a|\0|b|\0|\0", 9) == 0);
}

/* Repeat unit n times after prefix; caller frees. */
static uint8_t *repeat(const char *prefix, const char *unit, size_t n, const char *suffix,
                       size_t *len)
{
    size_t lp = strlen(prefix), lu = strlen(unit), ls = strlen(suffix), i;
    uint8_t *buf = malloc(lp + lu * n + ls + 1);
    if (!buf)
        abort();
    memcpy(buf, prefix, lp);
    for (i = 0; i < n; i++)
        memcpy(buf + lp + i * lu, unit, lu);
    memcpy(buf + lp + lu * n, suffix, ls);
    *len = lp + lu * n + ls;
    return buf;
}

/* Count segments and check they tile the text; returns the count. */
static size_t count_segments(const uint8_t *text, size_t len, size_t *first_cp_len)
{
    tk_wordseg it;
    tk_span span;
    size_t count = 0, end = 0;
    tk_wordseg_init(&it, text, len);
    while (tk_wordseg_next(&it, &span)) {
        if (count == 0)
            *first_cp_len = span.cp_end - span.cp_start;
        CHECK(span.start == end);
        end = span.end;
        count++;
    }
    CHECK_EQ_INT(end, len);
    return count;
}

/* Quadratic behaviour would make these take minutes instead of milliseconds. */
static void test_pathological_runs(void)
{
    const size_t n = 100000;
    size_t len, first;
    uint8_t *buf;

    buf = repeat("a", "\xCC\x88", n, "", &len);                    /* a + diaereses */
    CHECK_EQ_INT(count_segments(buf, len, &first), 1);
    CHECK_EQ_INT(first, n + 1);
    free(buf);

    buf = repeat("", "\xE2\x80\x8D", n, "", &len);                 /* ZWJ only */
    CHECK_EQ_INT(count_segments(buf, len, &first), 1);
    free(buf);

    buf = repeat("", "\xE2\x80\x8D\xF0\x9F\x98\x80", n, "", &len); /* (ZWJ emoji)* */
    CHECK_EQ_INT(count_segments(buf, len, &first), 1);
    free(buf);

    buf = repeat("a", ":\xCC\x88", n, "", &len);                   /* a (: mark)*, no letter after */
    CHECK_EQ_INT(count_segments(buf, len, &first), 1 + n);
    CHECK_EQ_INT(first, 1);
    free(buf);

    buf = repeat("a", ":a", n, "", &len);                          /* a:a:a... one word */
    CHECK_EQ_INT(count_segments(buf, len, &first), 1);
    free(buf);

    buf = repeat("a", "::", n, "", &len);                          /* a:: ... */
    CHECK_EQ_INT(count_segments(buf, len, &first), 1 + 2 * n);
    free(buf);

    buf = repeat("1", ",\xCC\x88\xCC\x88", n, "", &len);           /* 1 (, marks)* */
    CHECK_EQ_INT(count_segments(buf, len, &first), 1 + n);
    free(buf);

    buf = repeat("x", "\xCC\x88", n, ":x", &len);                  /* lookahead over a long run */
    CHECK_EQ_INT(count_segments(buf, len, &first), 1);
    free(buf);

    buf = repeat("", "\xF0\x9F\x87\xA6", n + 1, "", &len);         /* odd run of RIs */
    CHECK_EQ_INT(count_segments(buf, len, &first), n / 2 + 1);
    CHECK_EQ_INT(first, 2);
    free(buf);

    buf = repeat("", " ", n, "a", &len);                           /* WSegSpace run */
    CHECK_EQ_INT(count_segments(buf, len, &first), 2);
    CHECK_EQ_INT(first, n);
    free(buf);
}

#ifdef TK_HAVE_ASCII_WINDOW
#define JOINER_WB (1u << TK_WB_SINGLE_QUOTE | 1u << TK_WB_DOUBLE_QUOTE | 1u << TK_WB_MIDNUMLET \
                   | 1u << TK_WB_MIDLETTER | 1u << TK_WB_MIDNUM)
/* The window's masks agree with the Word_Break table for every byte at
 * every position, and the ASCII bytes in no mask are ones that no rule
 * joins to a letter or digit (so the window may step over them). */
static void test_ascii_window_masks(void)
{
    unsigned b, at;
    for (b = 0; b < 256; b++) {
        unsigned wb = b < 0x80 ? tk_wb_ascii[b] : TK_WB_OTHER;
        int word = b < 0x80 && ((1u << wb) & TK_WB_ASCII_RUN);
        int letter = b < 0x80 && wb == TK_WB_ALETTER;
        int joiner = b < 0x80 && ((1u << wb) & JOINER_WB);
        int stop = b >= 0x80 || wb == TK_WB_EXTENDNUMLET;
        if (b < 0x80 && !word && !joiner && !stop)
            CHECK((1u << wb) & TK_WB_ASCII_RUN_END);
        for (at = 0; at < 64; at += 7) {
            uint8_t window[64], lowered[64];
            tk_ascii_window w;
            memset(window, at % 2 ? 'x' : ' ', sizeof window);
            window[at] = (uint8_t)b;
            tk_ascii_window_masks(window, &w);
            CHECK_EQ_INT((w.word >> at) & 1, word);
            CHECK_EQ_INT((w.letter >> at) & 1, letter);
            CHECK_EQ_INT((w.joiner >> at) & 1, joiner);
            CHECK_EQ_INT((w.stop >> at) & 1, stop);
            tk_ascii_window_lower(window, lowered);
            CHECK_EQ_INT(lowered[at], b >= 'A' && b <= 'Z' ? b + 32 : b);
            CHECK_EQ_INT(lowered[(at + 1) % 64], window[(at + 1) % 64]);
        }
    }
}

/* Every run the window reports is a segment of the whole text, and every
 * other segment before the last run's end is neither word nor number:
 * random windows of letters, digits, joining punctuation, "_", spaces,
 * controls and non-ASCII letters, marks and format characters. */
static void test_ascii_window_runs(void)
{
    static const char *const pieces[] = {
        "a", "Z", "q", "7", "0", "ab", "Xy9", "2024", "_", ".", ",", "'", ":", ";", "\"",
        "-", "!", " ", "  ", "\n", "\r\n", "\t", "\x01", "\x7f", "\x0b",
        "\xc3\xa9", "\xcc\x81", "\xc2\xad", "\xe2\x80\x8d", "\xd7\x90", "\xe6\x9d\xb1",
    };
    const size_t n_pieces = sizeof pieces / sizeof pieces[0];
    uint32_t rng = 77;
    size_t round, taken_total = 0;
    for (round = 0; round < 20000; round++) {
        uint8_t text[160];
        size_t len = 0, end, ends_seen = 0;
        tk_ascii_window w;
        uint64_t runs, run_ends;
        tk_wordseg it;
        tk_span span;
        /* Letters and spaces most of the time, as in text. */
        while (len < 100) {
            const char *p;
            rng = rng * 1103515245u + 12345u;
            p = (rng >> 16) % 3 == 0 ? pieces[(rng >> 8) % n_pieces]
                                     : (rng >> 20) % 2 ? "word" : " ";
            memcpy(text + len, p, strlen(p));
            len += strlen(p);
        }
        tk_ascii_window_masks(text, &w);
        tk_ascii_window_runs(&w, &runs, &run_ends);
        CHECK_EQ_INT(__builtin_popcountll(runs), __builtin_popcountll(run_ends));
        end = run_ends ? (size_t)(64 - __builtin_clzll(run_ends)) : 0;
        tk_wordseg_init(&it, text, len);
        while (tk_wordseg_next(&it, &span) && span.start < end) {
            int is_run = span.start < 64 && ((runs >> span.start) & 1);
            if (is_run) {
                /* Its end is the first run end from its start on. */
                CHECK_EQ_INT(__builtin_ctzll(run_ends >> span.start), span.end - 1 - span.start);
                ends_seen++;
            } else {
                CHECK(!(tk_segment_kind(text + span.start, span.end - span.start)
                        & (TK_KIND_WORD | TK_KIND_NUMBER)));
            }
        }
        CHECK_EQ_INT(ends_seen, __builtin_popcountll(run_ends));
        taken_total += ends_seen;
    }
    /* The windows take runs at all (the text is mostly words). */
    CHECK(taken_total > 20000);
}
#endif

int main(void)
{
#ifdef TK_HAVE_ASCII_WINDOW
    test_ascii_window_masks();
    test_ascii_window_runs();
#endif
    test_properties();
    test_skip_space();
    test_skip_ascii_punct();
    test_ascii_run();
    test_ascii_run_before_joining_punctuation();
    test_conformance_file();
    test_hand_cases();
    test_empty_and_nul();
    test_pathological_runs();
    TEST_MAIN_END();
}
