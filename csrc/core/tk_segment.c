/* PLACEHOLDER: replaced by the UAX #29 segmenter. Breaks between every code point. */
#include "tk_segment.h"

int tk_wordbreak_property(uint32_t cp) { (void)cp; return TK_WB_OTHER; }
int tk_is_extended_pictographic(uint32_t cp) { (void)cp; return 0; }
const char *tk_wordbreak_unicode_version(void) { return "0.0.0"; }

void tk_wordseg_init(tk_wordseg *it, const uint8_t *text, size_t len)
{
    it->text = text;
    it->len = len;
    it->pos = 0;
    it->cp_pos = 0;
}

int tk_wordseg_next(tk_wordseg *it, tk_span *span)
{
    uint32_t cp;
    size_t n;
    if (it->pos >= it->len)
        return 0;
    n = tk_utf8_decode_valid(it->text + it->pos, it->len - it->pos, &cp);
    span->start = it->pos;
    span->end = it->pos + n;
    span->cp_start = it->cp_pos;
    span->cp_end = it->cp_pos + 1;
    it->pos += n;
    it->cp_pos++;
    return 1;
}
