/* UAX #29 word segmentation over valid UTF-8 (tables: tk_wordbreak_data.c). */
#ifndef TK_SEGMENT_H
#define TK_SEGMENT_H

#include "tk_core.h"

#ifdef __cplusplus
extern "C" {
#endif

/* ----------------------------------------------------- word segmentation */
/* Word_Break property values (UAX #29), plus our Extended_Pictographic bit. */
enum tk_wb {
    TK_WB_OTHER = 0, TK_WB_CR, TK_WB_LF, TK_WB_NEWLINE, TK_WB_EXTEND, TK_WB_ZWJ,
    TK_WB_REGIONAL_INDICATOR, TK_WB_FORMAT, TK_WB_KATAKANA, TK_WB_HEBREW_LETTER,
    TK_WB_ALETTER, TK_WB_SINGLE_QUOTE, TK_WB_DOUBLE_QUOTE, TK_WB_MIDNUMLET,
    TK_WB_MIDLETTER, TK_WB_MIDNUM, TK_WB_NUMERIC, TK_WB_EXTENDNUMLET,
    TK_WB_WSEGSPACE, TK_WB_COUNT
};
/* Word_Break value of cp (TK_WB_OTHER for unlisted or out-of-range). */
int tk_wordbreak_property(uint32_t cp);
/* Nonzero if cp has Extended_Pictographic=Yes. */
int tk_is_extended_pictographic(uint32_t cp);
/* Unicode version the generated tables come from, e.g. "15.0.0". */
const char *tk_wordbreak_unicode_version(void);

typedef struct tk_span {
    size_t start, end;        /* byte offsets, [start, end) */
    size_t cp_start, cp_end;  /* code point offsets (Python str indices) */
} tk_span;

/* Iterator over UAX #29 default word-boundary segments of valid UTF-8. */
typedef struct tk_wordseg {
    const uint8_t *text;
    size_t len;
    size_t pos;       /* byte offset of the next segment start */
    size_t cp_pos;    /* code point offset of the next segment start */
} tk_wordseg;
void tk_wordseg_init(tk_wordseg *it, const uint8_t *text, size_t len);
/* Fill *span with the next segment; returns 1, or 0 when the text is done. */
int tk_wordseg_next(tk_wordseg *it, tk_span *span);

#ifdef __cplusplus
}
#endif
#endif /* TK_SEGMENT_H */
