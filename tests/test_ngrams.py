"""textkern.ngrams: word, char, char_wb and grapheme analyzers."""
import itertools
import os
import re
import unicodedata

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from textkern import map_text, tokenize
from textkern._counting import ngrams

sklearn_text = pytest.importorskip("sklearn.feature_extraction.text")


OWN_SENTENCES = [
    "The heat wave pushed the grid to its limits; operators asked homes to save power.",
    "Die Hitzewelle belastet das Stromnetz. Straßenbahnen fuhren langsamer als üblich.",
    "Жара побила рекорд: энергосистема работала на пределе, а метро — без перебоев.",
    "폭염으로 전력 수요가 급증했다. 19일 서울의 기온은 38도까지 올랐다.",
    "猛暑で電力需要が急増した。東京では気温が三十八度に達した。",
    "热浪导致用电需求激增，电网承受巨大压力。",
    "गर्मी की लहर से बिजली की मांग बढ़ गई। दिल्ली में तापमान 46 डिग्री रहा।",
    "ارتفعت درجات الحرارة وزاد الطلب على الكهرباء في المدينة.",
    "Emoji 👩‍👩‍👧 and flags 🇰🇷🇯🇵, café vs cafe\u0301, 3.14 and 1,000 items.",
]


@pytest.fixture(scope="module")
def sample_docs():
    try:
        from textkern._samples import sample_texts
        texts = list(sample_texts())
    except Exception:  # the samples module is optional for these tests
        texts = []
    return texts + OWN_SENTENCES


def sk_analyzer(analyzer, lo, hi, strip_accents=None):
    return sklearn_text.CountVectorizer(analyzer=analyzer, ngram_range=(lo, hi),
                                        strip_accents=strip_accents).build_analyzer()


# ------------------------------------------------------------------ word
def test_word_order_all_unigrams_then_bigrams():
    assert ngrams("The cat sat on the mat", (1, 2)) == [
        "the", "cat", "sat", "on", "the", "mat",
        "the cat", "cat sat", "sat on", "on the", "the mat"]


def test_word_default_is_bigrams_and_uses_tokenize_options():
    assert ngrams("Straße  Nummer 1") == ["strasse nummer", "nummer 1"]
    assert ngrams("Straße Nummer 1", 1, case=None, kinds=("word",)) == ["Straße", "Nummer"]


def test_word_stopwords_removed_before_joining():
    assert ngrams("the cat and the hat", 2, stopwords=["the", "and"]) == ["cat hat"]
    assert ngrams("the cat and the hat", 1, stopwords="english") == ["cat", "hat"]


def test_word_range_longer_than_text():
    assert ngrams("a b", (3, 4)) == []
    assert ngrams("", (1, 3)) == []


def test_word_matches_python_reference():
    from textkern import tokenize
    text = "Don't panic: 3.14 is π, 1,000 words; 19일 서울에서 만나요 🙂"
    tokens = tokenize(text)
    want = [" ".join(tokens[i:i + n]) for n in (1, 2, 3) for i in range(len(tokens) - n + 1)]
    assert ngrams(text, (1, 3)) == want


# ------------------------------------------------------------------ char
def test_char_whitespace_runs_collapse_single_whitespace_kept():
    # A single newline stays as it is; a run of two or more becomes one space.
    assert ngrams("ab\ncd  e", 2, analyzer="char", case=None) == [
        "ab", "b\n", "\nc", "cd", "d ", " e"]


def test_char_wb_padding_and_short_words():
    assert ngrams("ab  c", (2, 3), analyzer="char_wb", case=None) == [
        " a", "ab", "b ", " ab", "ab ", " c", "c ", " c "]
    assert ngrams("hi", (5, 6), analyzer="char_wb") == [" hi "]


@pytest.mark.parametrize("analyzer", ["char", "char_wb"])
@pytest.mark.parametrize("rng", [(1, 1), (1, 3), (2, 4), (3, 5)])
def test_char_analyzers_equal_sklearn_on_real_text(analyzer, rng, sample_docs):
    sk = sk_analyzer(analyzer, *rng)
    for doc in sample_docs:
        doc = unicodedata.normalize("NFC", doc)
        assert ngrams(doc, rng, analyzer=analyzer, case="lower", normalize=None) == sk(doc)


# Python's str.lower() beyond per-character lowercase: U+0130 -> "i" U+0307,
# and the final sigma, whose context needs the Cased and Case_Ignorable
# characters around it (' . : soft hyphen, modifier letters, marks).
_ALPHABET = list(
    "aAbBzZéÉßẞİıΣΣΣσςΑαДдЖжЁё한국어日本語中文हिन्दीअर्बيةعربي"
    "0123456789.,;:!?'\"-_()[]{}@#%&*/\\ \t\n\r\x0b\x0c\x1c\x85\xa0\u2000\u3000"
    "\u0301\u0308\u0345\u00ad\u02b0\u02c6^`\u200d\U0001F600\U0001F468\U0001F469\U0001F3FD")


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet=st.sampled_from(_ALPHABET), max_size=60),
       st.sampled_from(["char", "char_wb"]),
       st.integers(1, 4), st.integers(0, 3), st.sampled_from([None, "unicode", "ascii"]))
def test_char_analyzers_equal_sklearn_property(text, analyzer, lo, extra, strip):
    text = unicodedata.normalize("NFC", text)
    got = ngrams(text, (lo, lo + extra), analyzer=analyzer, case="lower", normalize=None,
                 strip_accents=strip)
    assert got == sk_analyzer(analyzer, lo, lo + extra, strip)(text)


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet=st.sampled_from(_ALPHABET), max_size=60),
       st.sampled_from([None, "fold", "lower"]), st.sampled_from([None, "NFC", "NFKC"]),
       st.sampled_from([None, True, "unicode", "ascii"]))
def test_map_text_is_the_python_mapping_of_the_whole_text(text, case, normalize, strip):
    got = map_text(text, case=case, normalize=normalize, strip_accents=strip or False)
    assert got == _python_mapping(normalize, case, strip)(text)
    # ... and exactly what the char analyzer cuts, once whitespace collapses.
    assert "".join(ngrams(text, 1, analyzer="char", case=case, normalize=normalize,
                          strip_accents=strip or False)) == re.sub(r"\s\s+", " ", got)


@pytest.mark.parametrize("strip", [None, True, "unicode"])
@pytest.mark.parametrize("case, normalize", [("fold", "NFKC"), ("lower", "NFC"), (None, "NFC"),
                                             ("lower", None)])
def test_map_text_ascii_runs_of_every_length_before_other_text(case, normalize, strip):
    # Whole texts take ASCII 8 bytes at a time: what follows a run of any
    # length must still see its last character (a mark composes with it, a
    # capital sigma after it is not final).
    reference = _python_mapping(normalize, case, strip)
    for n in range(0, 20):
        run = "AZ@[`{azQrStUvWxYz09"[:n]   # the bytes around A-Z too
        for tail in ["\u0301", "e\u0301x", "\u0308\u0301", "\u03a3a", "\u03a3", "\u03a3 ",
                     "\u0130", "\u1100\u1161", "\uff21", "\u00e9 ok"]:
            for text in (run + tail, run + tail + run):
                got = map_text(text, case=case, normalize=normalize, strip_accents=strip or False)
                assert got == reference(text), (n, tail, text)


@pytest.mark.parametrize("repeats", [1, 40, 400])
def test_map_text_of_long_texts(sample_docs, repeats):
    # Texts over 64 KiB map in pieces, and from 1 MiB up as an
    # interruptible job: neither may change the result.  The unit ends in
    # a line break, which no mapping reaches across, so the reference is
    # the unit's mapping repeated (Python's unicodedata grows its buffer 10
    # characters at a time: under ASan, normalizing the 9 MB text itself
    # took many minutes).
    unit = "\n".join(sample_docs) + "\n"
    text = unit * repeats
    for case in ("fold", "lower"):
        assert map_text(text, case=case) == _python_mapping("NFKC", case)(unit) * repeats
    assert map_text(text.encode()) == map_text(text)


def test_map_text_keeps_everything_but_maps_it():
    assert map_text("Die STRASSE, Größe ①\n\tok!") == "die strasse, grösse 1\n\tok!"
    assert map_text("ΟΔΟΣ ΣΑΣ.", case="lower") == "οδος σας."
    assert map_text("Café", case=None, normalize=None, strip_accents=True) == "Cafe"
    assert map_text("") == ""
    assert map_text(b"ab\xffc", errors="replace") == "ab\ufffdc"
    assert map_text("a\ud800b", errors="ignore") == "ab"
    with pytest.raises(ValueError, match="byte offset 2"):
        map_text(b"ab\xffc")
    with pytest.raises(ValueError, match="lone surrogate"):
        map_text("a\ud800b")
    with pytest.raises(TypeError, match="str or bytes"):
        map_text(5)
    with pytest.raises(ValueError, match="case"):
        map_text("x", case="upper")
    with pytest.raises(TypeError):
        map_text("x", min_len=2)


def test_lower_applies_python_special_casing():
    # Regression: "lower" was utf8proc's per-character mapping, so a word-final
    # capital sigma became "σ" where Python (and scikit-learn) give "ς", and
    # U+0130 became "i" where they give "i" + U+0307.
    for text in ["ΟΔΟΣ", "ΟΔΟΣ ΣΑΣ", "Σ", "ΣΑ", "ΑΣ.", "ΑΣ'Α", "ΑΣ\u0301", "ΑΣ\u00adΑ", "ΑΣΣ",
                 "İstanbul", "Iİi", "ΣΊΣΥΦΟΣ"]:
        assert "".join(ngrams(text, 1, analyzer="char", case="lower", normalize=None)) \
            == text.lower(), text
    assert ngrams("ΟΔΟΣ", 4, analyzer="char", case="lower", normalize=None) == ["οδος"]
    assert tokenize("ΟΔΟΣ ΣΑΣ Σ İstanbul", case="lower") == ["οδος", "σας", "σ", "i\u0307stanbul"]
    # Full case folding has no final form: both sigmas fold to "σ".
    assert tokenize("ΟΔΟΣ", case="fold") == ["οδοσ"]


def _python_mapping(normalize, case, strip=None):
    """What the options promise, in Python: normalize, then map case (and
    normalize again, since a case mapping can undo a normal form), then
    strip accents: True drops nonspacing marks and recomposes, "unicode"
    and "ascii" are scikit-learn's functions."""
    def norm(text):
        return unicodedata.normalize(normalize, text) if normalize else text
    mapped = {None: str, "fold": str.casefold, "lower": str.lower}[case]

    def stripped(text):
        if strip is True:
            form = "NFKD" if normalize == "NFKC" else "NFD"
            kept = (c for c in unicodedata.normalize(form, text)
                    if unicodedata.category(c) != "Mn")
            return unicodedata.normalize(normalize or "NFC", "".join(kept))
        kept = (c for c in unicodedata.normalize("NFKD", text)
                if (ord(c) < 128 if strip == "ascii" else not unicodedata.combining(c)))
        return norm("".join(kept))
    if strip is None:
        return lambda text: norm(mapped(norm(text)))
    return lambda text: stripped(norm(mapped(norm(text))))


# Every character Python knows: alone, between letters, at the end of a word
# (NFKC makes capital sigmas of some), and next to a capital sigma that
# follows a letter (the sigma is final unless the character is cased, or
# case-ignorable and followed by a cased letter), in one text per context:
# "\n" is neither cased nor case-ignorable and composes with nothing.
_EVERY_CHARACTER = [chr(cp) for cp in range(1, 0x110000)
                    if not 0xD800 <= cp < 0xE000 and not chr(cp).isspace()
                    and unicodedata.category(chr(cp)) != "Cn"]
# Under ASan and UBSan (make test-asan sets this) every character of 36
# option sets took a quarter of an hour: there a sample looks for memory
# errors, and the normal run checks every character.
if os.environ.get("TEXTKERN_SANITIZED"):
    _EVERY_CHARACTER = _EVERY_CHARACTER[::97] + [
        "\u0130", "\u03a3", "\u03f9", "\u037a", "\u2adc", "\ufdfa", "\U0001d6ba", "\U0001d15e"]
_CONTEXTS = ["a{}a", "AΣ{}", "AΣ{}b", "A{}Σ", "A{}", "{}"]


@pytest.mark.parametrize("strip", [None, True, "unicode", "ascii"])
@pytest.mark.parametrize("normalize", [None, "NFC", "NFKC"])
@pytest.mark.parametrize("case", [None, "fold", "lower"])
def test_mapping_equals_python_for_every_character(normalize, case, strip):
    # Regressions: "lower" lowercased before a compatibility decomposition
    # (NFKC left U+03D2 as a capital); NFC/NFKC composed into the
    # characters excluded from composition (U+2ADC, U+1D15E); strip_accents
    # dropped spacing vowel signs (Mc), and "unicode" was not
    # scikit-learn's.  (Accent stripping has nothing to do with sigmas.)
    reference = _python_mapping(normalize, case, strip)
    for context in _CONTEXTS if strip is None else ["a{}a", "{}"]:
        text = "\n".join(context.format(c) for c in _EVERY_CHARACTER)
        got = "".join(ngrams(text, 1, analyzer="char", case=case, normalize=normalize,
                             strip_accents=strip))
        want = re.sub(r"\s\s+", " ", reference(text))
        if got != want:
            for c in _EVERY_CHARACTER:
                piece = context.format(c)
                got = "".join(ngrams(piece, 1, analyzer="char", case=case, normalize=normalize,
                                     strip_accents=strip))
                assert got == re.sub(r"\s\s+", " ", reference(piece)), (hex(ord(c)), piece)
            raise AssertionError(f"{context}: the joined text differs, no single piece does")


# U+0345 COMBINING GREEK YPOGEGRAMMENI (class 240) folds to U+03B9, a
# starter; these are the characters that hold it, and marks that canonical
# ordering moves ahead of it, with bases they compose with.
_IOTA_SUBSCRIPT_PIECES = (["\u0345", "\u037a", "\u1fb3", "\u1fbc", "\u1f80", "\u1ff7",
                           "\u1fb2", "\u03b1", "\u0391", "\u03c9", "a", " "]
                          + ["\u0301", "\u0300", "\u0313", "\u0314", "\u0342", "\u0307",
                             "\u032c", "\u0316"])


@pytest.mark.parametrize("strip", [None, True, "unicode", "ascii"])
@pytest.mark.parametrize("normalize", [None, "NFC", "NFKC"])
@pytest.mark.parametrize("case", [None, "fold", "lower"])
def test_mapping_equals_python_around_ypogegrammeni(normalize, case, strip):
    # Regression: case folding with NFC/NFKC folded U+0345 to iota before
    # canonical ordering, so "\u1fb3\u0301" (alpha with ypogegrammeni, then
    # an acute) gave "\u03b1\u03af" where Python's N(casefold(N(text)))
    # gives "\u03ac\u03b9": the acute belongs to the alpha.  Every
    # sequence of up to three pieces, in one text per option set.
    reference = _python_mapping(normalize, case, strip)
    pieces = _IOTA_SUBSCRIPT_PIECES
    texts = ["".join(p) for n in (1, 2, 3) for p in itertools.product(pieces, repeat=n)]
    got = "".join(ngrams("\n".join(texts), 1, analyzer="char", case=case, normalize=normalize,
                         strip_accents=strip))
    if got != re.sub(r"\s\s+", " ", reference("\n".join(texts))):
        for text in texts:
            assert map_text(text, case=case, normalize=normalize, strip_accents=strip) \
                == reference(text), [hex(ord(c)) for c in text]
        raise AssertionError("the joined text differs, no single piece does")


# Marks that keep a combining class > 0 through strip_accents=True (spacing
# and enclosing ones), around a class-0 nonspacing mark that it drops.
_REORDERED_BY_STRIPPING = [
    "a\U0001D16D\u0941\U000111C0",      # augmentation dot, vowel sign U, Sharada virama
    "\U0001D1BC\U0001DA75\U000111C0",    # a musical minima decomposes to a class-216 mark
    "x\u302F\u0941\u302E!",              # Hangul tone marks (224, 224) stay in order
    "b\U000111C0\u0941\U0001D16D",       # already in order
]


@pytest.mark.parametrize("normalize", [None, "NFC", "NFKC"])
@pytest.mark.parametrize("case", [None, "fold", "lower"])
def test_strip_accents_reorders_marks_it_brings_together(normalize, case):
    # Regression: dropping the nonspacing mark left the two marks around it
    # out of canonical order ("a\U0001D16D\U000111C0", not NFC), because
    # composition does not reorder.
    reference = _python_mapping(normalize, case, True)
    for text in _REORDERED_BY_STRIPPING:
        want = reference(text)
        assert map_text(text, case=case, normalize=normalize, strip_accents=True) == want
        assert "".join(tokenize(text, case=case, normalize=normalize, strip_accents=True,
                                kinds=("word", "number", "punct", "emoji"))) \
            == "".join(want.split())


def test_strip_accents_keeps_spacing_vowel_signs_and_unicode_is_sklearns():
    # Regression: True dropped every mark, spacing vowel signs (Mc) too, so
    # "हिन्दी" became "हनद"; it drops the nonspacing ones (Mn) only, as
    # documented.  "unicode" is scikit-learn's function, per token.
    strip_unicode = pytest.importorskip("sklearn.feature_extraction.text").strip_accents_unicode
    assert tokenize("हिन्दी தமிழ் café Ångström", strip_accents=True) == [
        "हिनदी", "தமிழ", "cafe", "angstrom"]
    text = "हिन्दी தமிழ் café 한국 ภาษาไทย ᾳ ﬁne"
    assert tokenize(text, strip_accents="unicode", case="lower", normalize=None) == [
        strip_unicode(t.lower()) for t in tokenize(text, case=None, normalize=None)]


def test_nfkc_sigma_sources_are_all_known():
    # The C core's list of characters that NFKC turns into a capital sigma.
    sources = [hex(cp) for cp in range(0x110000) if not 0xD800 <= cp < 0xE000
               and cp != 0x3A3 and "Σ" in unicodedata.normalize("NFKC", chr(cp))]
    assert sources == ["0x3f9", "0x1d6ba", "0x1d6f4", "0x1d72e", "0x1d768", "0x1d7a2"]


@settings(max_examples=200, deadline=None)
@given(st.text(alphabet=st.sampled_from(_ALPHABET), max_size=40))
def test_tokenize_lower_is_python_lower_of_each_token(text):
    # Each token is mapped on its own, so the final-sigma context is its segment.
    tokens = tokenize(text, case=None, normalize=None)
    for normalize in (None, "NFC", "NFKC"):
        reference = _python_mapping(normalize, "lower")
        assert tokenize(text, case="lower", normalize=normalize) == [
            t for t in map(reference, tokens) if t]


# -------------------------------------------------------------- grapheme
GRAPHEME_BREAK_TEST = "/usr/share/unicode/auxiliary/GraphemeBreakTest.txt"


def test_grapheme_clusters_pass_graphemebreaktest():
    # Unicode's conformance file for extended grapheme clusters (Debian's
    # unicode-data, required by the tests like WordBreakTest.txt).  The
    # grapheme analyzer collapses whitespace as the char analyzers do, so
    # the cases with whitespace (CR LF, spaces, other separators) are
    # left out: 413 of 602 in Unicode 15.0.
    if not os.path.exists(GRAPHEME_BREAK_TEST):
        pytest.fail(f"{GRAPHEME_BREAK_TEST} is missing; install it with: "
                    "apt-get install unicode-data")
    checked = 0
    with open(GRAPHEME_BREAK_TEST, encoding="utf-8") as f:
        for line in f:
            fields = line.split("#", 1)[0].split()
            if not fields:
                continue
            clusters, current = [], ""
            for field in fields[1:]:
                if field == "\u00f7":
                    clusters.append(current)
                    current = ""
                elif field != "\u00d7":
                    current += chr(int(field, 16))
            text = "".join(clusters)
            if any(c.isspace() for c in text):
                continue
            assert ngrams(text, 1, analyzer="grapheme", case=None, normalize=None) == clusters, \
                line
            checked += 1
    assert checked == 413   # Unicode 15.0.0; update together with unicode-data
def test_grapheme_keeps_clusters_whole():
    family = "\U0001F468\u200D\U0001F469\u200D\U0001F467"
    assert ngrams("a" + family + "b", 1, analyzer="grapheme") == ["a", family, "b"]
    assert ngrams("e\u0301x", 2, analyzer="grapheme", normalize=None) == ["e\u0301x"]
    assert ngrams("नमस्ते", 1, analyzer="grapheme") == ["न", "म", "स्", "ते"]
    flags = "\U0001F1F0\U0001F1F7\U0001F1EF\U0001F1F5"
    assert ngrams(flags, 1, analyzer="grapheme") == [flags[:2], flags[2:]]


@settings(max_examples=100, deadline=None)
@given(st.text(alphabet=st.sampled_from(_ALPHABET), max_size=40))
def test_grapheme_unigrams_concatenate_to_collapsed_text(text):
    grams = ngrams(text, 1, analyzer="grapheme", case=None, normalize=None)
    assert "".join(grams) == re.sub(r"\s\s+", " ", text)
    assert len(grams) <= len(re.sub(r"\s\s+", " ", text))


# ------------------------------------------------------------- bad input
@pytest.mark.parametrize("n", [0, (0, 1), (2, 1), (-1, 2)])
def test_invalid_range_is_value_error(n):
    with pytest.raises(ValueError):
        ngrams("a b c", n)


@pytest.mark.parametrize("n", [True, "2", (1, 2, 3), (1.0, 2), None])
def test_invalid_range_type(n):
    with pytest.raises(TypeError):
        ngrams("a b c", n)


def test_bad_analyzer_and_options():
    with pytest.raises(ValueError):
        ngrams("abc", 2, analyzer="chars")
    with pytest.raises(TypeError):
        ngrams("abc", 2, offsets=True)
    with pytest.raises(TypeError):
        ngrams(123, 2)


def test_bytes_and_invalid_utf8():
    assert ngrams("héllo wörld".encode(), 2) == ["héllo wörld"]
    with pytest.raises(ValueError, match="offset"):
        ngrams(b"ab\xffcd", 1)
    assert ngrams(b"ab\xff cd", 1, errors="ignore") == ["ab", "cd"]


def test_nul_and_huge_runs_do_not_crash():
    assert ngrams("a\x00b", 1, analyzer="char", case=None) == ["a", "\x00", "b"]
    text = "x" + "\u0301" * 10000
    assert len(ngrams(text, 1, analyzer="grapheme", normalize=None)) == 1


def test_long_documents_are_mapped_in_pieces_without_changing_results(sample_docs):
    # Texts over 64 KiB are tokenized and mapped piece by piece; the cut
    # points must not change anything.
    text = (" ".join(sample_docs) + " ΟΔΟΣ ΣΑΣ İstanbul") * 12
    text = unicodedata.normalize("NFC", text)
    assert len(text.encode()) > 200_000
    tokens = tokenize(text)
    assert ngrams(text, 1) == tokens
    assert ngrams(text, 2)[:1000] == [" ".join(tokens[i:i + 2]) for i in range(1000)]
    sk = sk_analyzer("char", 3, 3)
    assert ngrams(text, 3, analyzer="char", case="lower", normalize=None) == sk(text)
    folded = ngrams(text, 1, analyzer="char")
    assert len(folded) == len(re.sub(r"\s\s+", " ", unicodedata.normalize("NFKC", text).casefold()))
