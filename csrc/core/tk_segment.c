/*
 * UAX #29 default word boundaries (Unicode 15.0 rules WB1..WB999) over
 * valid UTF-8, one segment per call.
 *
 * The iterator keeps no buffer: a segment is found by walking forward from
 * its start with a handful of state variables.  Rules WB6, WB7b and WB12
 * need the next non-ignorable character after the candidate position; that
 * lookahead scans past Extend/Format/ZWJ only, and the characters it scans
 * lie after the candidate, so every byte is visited at most twice and the
 * walk stays linear even for adversarial runs of marks or punctuation.
 *
 * Segments never need context from before their own start: every rule that
 * looks two characters back (WB7, WB7c, WB11) mirrors a rule that would
 * already have joined those two characters, and the regional-indicator
 * parity restarts correctly after a break between a completed pair.
 */
#include "tk_segment.h"

/* "No effective character yet": matches no property set below. */
#define WB_NONE TK_WB_COUNT

#define BIT(p) (1u << (p))
#define SET_NEWLINE (BIT(TK_WB_CR) | BIT(TK_WB_LF) | BIT(TK_WB_NEWLINE))
#define SET_IGNORED (BIT(TK_WB_EXTEND) | BIT(TK_WB_FORMAT) | BIT(TK_WB_ZWJ))
#define SET_AHLETTER (BIT(TK_WB_ALETTER) | BIT(TK_WB_HEBREW_LETTER))
#define SET_MIDLETTER_Q (BIT(TK_WB_MIDLETTER) | BIT(TK_WB_MIDNUMLET) | BIT(TK_WB_SINGLE_QUOTE))
#define SET_MIDNUM_Q (BIT(TK_WB_MIDNUM) | BIT(TK_WB_MIDNUMLET) | BIT(TK_WB_SINGLE_QUOTE))
#define SET_ALNUM (SET_AHLETTER | BIT(TK_WB_NUMERIC))
#define SET_BEFORE_ENL (SET_ALNUM | BIT(TK_WB_KATAKANA) | BIT(TK_WB_EXTENDNUMLET))
#define SET_AFTER_ENL (SET_ALNUM | BIT(TK_WB_KATAKANA))
/* Left sides that only ever join a WSegSpace (WB3d) or a non-ASCII
 * character (Extend, Format, ZWJ or Hebrew_Letter after a Double_Quote). */
#define SET_ASCII_ALONE (BIT(TK_WB_OTHER) | BIT(TK_WB_WSEGSPACE) | BIT(TK_WB_DOUBLE_QUOTE) \
                         | BIT(TK_WB_SINGLE_QUOTE) | BIT(TK_WB_MIDNUMLET)               \
                         | BIT(TK_WB_MIDLETTER) | BIT(TK_WB_MIDNUM))
/* Right sides that never join an ASCII letter or digit on their left
 * (Double_Quote is left out: it can join a Hebrew letter by WB7b). */
#define SET_BREAK_AFTER_ALNUM TK_WB_ASCII_RUN_END

int tk_wordbreak_property(uint32_t cp)
{
    return (int)(tk_wb_byte(cp) & TK_WB_MASK);
}

int tk_is_extended_pictographic(uint32_t cp)
{
    return (tk_wb_byte(cp) & TK_WB_EXT_PICT) != 0;
}

const char *tk_wordbreak_unicode_version(void)
{
    return tk_wb_unicode_version;
}

/* Decode one code point of valid UTF-8 and return its table byte. */
static inline unsigned next_char(const uint8_t *s, size_t avail, size_t *n)
{
    uint32_t cp;
    if (s[0] < 0x80) {
        *n = 1;
        return tk_wb_ascii[s[0]];
    }
    *n = tk_utf8_decode_valid(s, avail, &cp);
    return tk_wb_byte(cp);
}

/* Property of the first character at or after pos that WB4 does not skip. */
static unsigned next_effective(const uint8_t *s, size_t len, size_t pos)
{
    while (pos < len) {
        size_t n;
        unsigned prop = next_char(s + pos, len - pos, &n) & TK_WB_MASK;
        if (!(BIT(prop) & SET_IGNORED))
            return prop;
        pos += n;
    }
    return WB_NONE;
}

void tk_wordseg_init(tk_wordseg *it, const uint8_t *text, size_t len)
{
    it->text = text;
    it->len = len;
    it->pos = 0;
    it->cp_pos = 0;
}

int tk_wordseg_next(tk_wordseg *it, tk_span *span)
{
    const uint8_t *s = it->text;
    const size_t len = it->len;
    size_t pos = it->pos, n_cp = 1, n;
    unsigned prev_raw, left, left2 = WB_NONE, ri_run;

    if (pos >= len)
        return 0;
    span->start = pos;
    span->cp_start = it->cp_pos;

    if (s[pos] < 0x80) {
        prev_raw = tk_wb_ascii[s[pos]];
        /* Hot path: ASCII space or punctuation followed by more ASCII is a
         * segment of its own unless it is a space before a space (WB3d);
         * every other joining rule needs a letter, digit, underscore or
         * non-ASCII character on one side, or context before the segment
         * that a segment start never has (see the top of this file). */
        if ((BIT(prev_raw) & SET_ASCII_ALONE)
            && (pos + 1 >= len
                || (s[pos + 1] < 0x80 && !(prev_raw == TK_WB_WSEGSPACE && s[pos + 1] == ' ')))) {
            pos++;
            goto done;
        }
        n = 1;
    } else {
        prev_raw = next_char(s + pos, len - pos, &n) & TK_WB_MASK;
    }
    pos += n;
    /* WB4 does not apply at the start of a segment: a leading Extend,
     * Format or ZWJ is its own base character. */
    left = prev_raw;
    ri_run = prev_raw == TK_WB_REGIONAL_INDICATOR;

    if (BIT(prev_raw) & SET_NEWLINE) {
        /* WB3 CR x LF, then WB3a: always break after a newline. */
        if (prev_raw == TK_WB_CR && pos < len && s[pos] == '\n') {
            pos++;
            n_cp++;
        }
        goto done;
    }

    for (;;) {
        unsigned byte, right, right_bit, lookahead;

        /* Hot path: ASCII letters and digits after a letter or digit join
         * by WB5/WB8/WB9/WB10, and no other state matters inside the run. */
        if (BIT(left) & SET_ALNUM) {
            while (pos < len && s[pos] < 0x80) {
                unsigned prop = tk_wb_ascii[s[pos]];
                if (!(BIT(prop) & SET_ALNUM)) {
                    if (BIT(prop) & SET_BREAK_AFTER_ALNUM)
                        goto done;
                    break;
                }
                left2 = left;
                left = prop;
                prev_raw = prop;
                pos++;
                n_cp++;
            }
        }
        if (pos >= len)
            break;

        byte = next_char(s + pos, len - pos, &n);
        right = byte & TK_WB_MASK;
        right_bit = BIT(right);

        /* Letters and digits outside ASCII (Hangul, accented Latin...):
         * WB5/WB8-10 join them, and no earlier rule can break there. */
        if ((BIT(left) & SET_ALNUM) && (right_bit & SET_ALNUM))
            goto join;
        if (right_bit & SET_NEWLINE)                                   /* WB3b */
            break;
        if (prev_raw == TK_WB_ZWJ && (byte & TK_WB_EXT_PICT))          /* WB3c */
            goto join;
        if (prev_raw == TK_WB_WSEGSPACE && right == TK_WB_WSEGSPACE)   /* WB3d */
            goto join;
        if (right_bit & SET_IGNORED) {                                 /* WB4 */
            prev_raw = right;
            pos += n;
            n_cp++;
            continue;
        }

        /* From here on every rule says "no break", so their order does not
         * matter; the ones needing lookahead come last. */
        if ((BIT(left2) & SET_AHLETTER) && (BIT(left) & SET_MIDLETTER_Q)
            && (right_bit & SET_AHLETTER))                             /* WB7 */
            goto join;
        if (left == TK_WB_HEBREW_LETTER && right == TK_WB_SINGLE_QUOTE)  /* WB7a */
            goto join;
        if (left2 == TK_WB_HEBREW_LETTER && left == TK_WB_DOUBLE_QUOTE
            && right == TK_WB_HEBREW_LETTER)                           /* WB7c */
            goto join;
        if (left2 == TK_WB_NUMERIC && (BIT(left) & SET_MIDNUM_Q)
            && right == TK_WB_NUMERIC)                                 /* WB11 */
            goto join;
        if (left == TK_WB_KATAKANA && right == TK_WB_KATAKANA)        /* WB13 */
            goto join;
        if ((BIT(left) & SET_BEFORE_ENL) && right == TK_WB_EXTENDNUMLET) /* WB13a */
            goto join;
        if (left == TK_WB_EXTENDNUMLET && (right_bit & SET_AFTER_ENL))  /* WB13b */
            goto join;
        if (left == TK_WB_REGIONAL_INDICATOR && right == TK_WB_REGIONAL_INDICATOR
            && (ri_run & 1))                                           /* WB15, WB16 */
            goto join;

        if (((BIT(left) & SET_AHLETTER) && (right_bit & SET_MIDLETTER_Q))
            || (left == TK_WB_HEBREW_LETTER && right == TK_WB_DOUBLE_QUOTE)
            || (left == TK_WB_NUMERIC && (right_bit & SET_MIDNUM_Q))) {
            lookahead = next_effective(s, len, pos + n);
            if ((BIT(left) & SET_AHLETTER) && (right_bit & SET_MIDLETTER_Q)
                && (BIT(lookahead) & SET_AHLETTER))                    /* WB6 */
                goto join;
            if (left == TK_WB_HEBREW_LETTER && right == TK_WB_DOUBLE_QUOTE
                && lookahead == TK_WB_HEBREW_LETTER)                   /* WB7b */
                goto join;
            if (left == TK_WB_NUMERIC && (right_bit & SET_MIDNUM_Q)
                && lookahead == TK_WB_NUMERIC)                         /* WB12 */
                goto join;
        }
        break;                                                         /* WB999 */

    join:
        left2 = left;
        left = right;
        ri_run = right == TK_WB_REGIONAL_INDICATOR ? ri_run + 1 : 0;
        prev_raw = right;
        pos += n;
        n_cp++;
    }

done:
    span->end = pos;
    span->cp_end = it->cp_pos + n_cp;
    it->pos = pos;
    it->cp_pos += n_cp;
    return 1;
}
