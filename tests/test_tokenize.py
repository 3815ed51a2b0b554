"""Tokenization: hand-checked examples, properties and bad input."""
import gc
import pickle
import subprocess
import sys
import textwrap

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import textkern as tk


# ----------------------------------------------------------- hand-checked
@pytest.mark.parametrize(
    "text, expected",
    [
        ("The quick brown fox doesn't jump.", ["the", "quick", "brown", "fox", "doesn't", "jump"]),
        ("Pi is 3.14 and 1,000 is a number.", ["pi", "is", "3.14", "and", "1,000", "is", "a", "number"]),
        ("Die Straße in Köln ist GROSS.", ["die", "strasse", "in", "köln", "ist", "gross"]),
        ("Москва — столица России, 2024 год.", ["москва", "столица", "россии", "2024", "год"]),
        ("서울에서 19일 발표된 보고서", ["서울에서", "19일", "발표된", "보고서"]),
        ("東京へ行きました", ["東", "京", "へ", "行", "き", "ま", "し", "た"]),
        ("コンピューターを使う", ["コンピューター", "を", "使", "う"]),
        ("我们在北京学习中文。", ["我", "们", "在", "北", "京", "学", "习", "中", "文"]),
        ("नमस्ते दुनिया, भारत की राजधानी", ["नमस्ते", "दुनिया", "भारत", "की", "राजधानी"]),
        ("مرحبا بالعالم، هذه مدينة القاهرة.", ["مرحبا", "بالعالم", "هذه", "مدينة", "القاهرة"]),
        ("e-mail: a.b@example.com", ["e", "mail", "a.b", "example.com"]),
    ],
)
def test_hand_checked_examples(text, expected):
    assert tk.tokenize(text) == expected


def test_emoji_zwj_sequences_are_never_split():
    family = "\U0001F469\u200D\U0001F469\u200D\U0001F467"
    flag = "\U0001F1F0\U0001F1F7"
    text = f"hi {family} {flag}!"
    segments = tk.segment(text)
    assert family in segments and flag in segments
    assert tk.tokenize(text, kinds=("emoji",)) == [family, flag]


def test_kinds():
    text = "Hello, world! 42 \U0001F600"
    assert tk.tokenize(text, kinds=["punct"]) == [",", "!"]
    assert tk.tokenize(text, kinds="number") == ["42"]
    assert tk.tokenize(text, kinds=("word", "number", "emoji", "punct")) == [
        "hello", ",", "world", "!", "42", "\U0001F600"]


def test_case_and_normalization_options():
    text = "Straße ＡＢＣ Éclair"
    assert tk.tokenize(text) == ["strasse", "abc", "éclair"]
    assert tk.tokenize(text, case="lower") == ["straße", "abc", "éclair"]
    assert tk.tokenize(text, case=None, normalize="NFC") == ["Straße", "ＡＢＣ", "Éclair"]
    assert tk.tokenize(text, strip_accents=True) == ["strasse", "abc", "eclair"]
    # NFC composes a decomposed é; None leaves the code points alone.
    decomposed = "e\u0301t\u00e9"
    assert tk.tokenize(decomposed, normalize="NFC", case=None) == ["\u00e9t\u00e9"]
    assert tk.tokenize(decomposed, normalize=None, case=None) == [decomposed]


def test_strip_accents_modes():
    text = "Café ﬁne naïve Ærø 서울 x²"
    assert tk.tokenize(text, strip_accents=True) == ["cafe", "fine", "naive", "ærø",
                                                           "서울", "x", "2"]
    assert tk.tokenize(text, strip_accents="unicode") == tk.tokenize(
        text, strip_accents=True)
    # scikit-learn's "ascii": NFKD, then every non-ASCII character goes, so
    # the Korean word maps to nothing and is not a token.
    assert tk.tokenize(text, strip_accents="ascii") == ["cafe", "fine", "naive", "r",
                                                              "x", "2"]
    assert tk.tokenize(text, strip_accents="ascii", normalize=None,
                             case=None) == ["Cafe", "fine", "naive", "r", "x", "2"]
    tok = tk.Tokenizer(strip_accents="ascii")
    assert pickle.loads(pickle.dumps(tok)) == tok
    assert "strip_accents='ascii'" in repr(tok)
    with pytest.raises(ValueError, match="strip_accents"):
        tk.tokenize("x", strip_accents="ASCII ")


@settings(max_examples=200, deadline=None)
@given(st.text(max_size=60))
def test_strip_accents_ascii_yields_ascii_only(text):
    for token, start, end in tk.tokenize(text, strip_accents="ascii", offsets=True,
                                               errors="replace"):
        assert token.isascii() and token
        assert 0 <= start < end <= len(text)


def test_min_len_counts_code_points_after_mapping():
    assert tk.tokenize("a ß bb 한", min_len=2) == ["ss", "bb"]


def test_stopwords_are_mapped_like_tokens():
    assert tk.tokenize("The cat and THE dog", stopwords=["the", "AND"]) == ["cat", "dog"]
    assert tk.tokenize("Straße strasse", stopwords={"STRASSE"}) == []


def test_offsets_point_at_original_segments():
    text = "Ｈｅｌｌｏ Straße, 서울 19일"
    result = tk.tokenize(text, offsets=True)
    assert [t for t, _, _ in result] == tk.tokenize(text)
    assert [text[s:e] for _, s, e in result] == ["Ｈｅｌｌｏ", "Straße", "서울", "19일"]


def test_bytes_input_is_utf8():
    assert tk.tokenize("Grüße aus Köln".encode()) == ["grüsse", "aus", "köln"]
    assert tk.tokenize(bytearray(b"abc def")) == ["abc", "def"]
    assert tk.tokenize(memoryview(b"abc def")) == ["abc", "def"]


def test_tokenizer_object_matches_function_and_pickles():
    options = dict(case="lower", normalize="NFC", kinds=("word",), min_len=2, stopwords=["a"])
    tok = tk.Tokenizer(**options)
    text = "A cat, a Hat, 3 dogs"
    assert tok(text) == tk.tokenize(text, **options) == ["cat", "hat", "dogs"]
    clone = pickle.loads(pickle.dumps(tok))
    assert clone == tok and clone(text) == tok(text)
    assert "min_len=2" in repr(tok)
    assert tok.options["stopwords"] == ("a",)


def test_tokenizer_keeps_stopwords_given_as_an_iterator():
    # Regression: the stopwords were read twice, for the C set and for the
    # sorted tuple that options, repr and pickling keep; an iterator was
    # empty the second time, so a pickled copy (sent to Dask, say) silently
    # stopped filtering while comparing equal.
    tok = tk.Tokenizer(stopwords=iter(["the", "a"]))
    assert tok.options["stopwords"] == ("a", "the")
    clone = pickle.loads(pickle.dumps(tok))
    assert clone("the cat a dog") == tok("the cat a dog") == ["cat", "dog"]
    assert tk.tokenize("the cat", stopwords=(w for w in ["the"])) == ["cat"]


def test_default_fast_path_is_the_documented_defaults():
    # tokenize() with default options skips its option cache for a shared
    # Tokenizer(): that one must have exactly tokenize()'s defaults.
    from textkern import _core, _tokens

    explicit = tk.Tokenizer(case="fold", normalize="NFKC", strip_accents=False,
                            kinds=("word", "number"), min_len=1, stopwords=None,
                            errors="strict")
    assert _tokens._default_tokenizer == explicit
    assert _tokens._default_tokenizer.options == explicit.options
    text = "Die Straße, 19일 and 3.14 \u00e9\u0301 \U0001F600 don't"
    assert tk.tokenize(text) == _core.tokenize(text) == explicit(text)
    assert tk.tokenize(text, offsets=True) == _core.tokenize(text, offsets=True)


@settings(max_examples=200, deadline=None)
@given(st.text(max_size=80), st.booleans())
def test_default_fast_path_equals_the_parsed_options(text, offsets):
    def run(**options):
        try:
            return tk.tokenize(text, offsets=offsets, **options)
        except ValueError as error:   # a lone surrogate, under "strict"
            return ("ValueError", str(error))

    # A list for kinds is unhashable: that call parses every option in C.
    assert run() == run(kinds=["word", "number"])


def test_malformed_pickled_state_is_rejected():
    # A Tokenizer pickles as its constructor call, so unpickling re-validates.
    func, args = tk.Tokenizer(min_len=2).__reduce__()
    assert func(*args) == tk.Tokenizer(min_len=2)
    with pytest.raises(ValueError):
        func("upper", *args[1:])
    with pytest.raises(TypeError):
        func(*args[:4], "2", *args[5:])
    with pytest.raises(TypeError):
        func(*args, "extra")


def test_tokenizer_cannot_be_reconfigured_after_construction():
    # Regression: __setstate__ used to free options that batch() threads read.
    tok = tk.Tokenizer(stopwords=["a"])
    assert not hasattr(tok, "__setstate__")
    assert tok("a b") == ["b"]


# -------------------------------------------------------------- properties
texts = st.text(alphabet=st.characters(blacklist_categories=()), max_size=200)


@settings(max_examples=300, deadline=None)
@given(texts)
def test_segment_join_round_trip(text):
    assert "".join(tk.segment(text)) == text


@settings(max_examples=300, deadline=None)
@given(st.text(max_size=200))
def test_offsets_map_back_to_text(text):
    plain = tk.tokenize(text, case=None, normalize=None)
    with_offsets = tk.tokenize(text, case=None, normalize=None, offsets=True)
    assert [t for t, _, _ in with_offsets] == plain
    for token, start, end in with_offsets:
        assert text[start:end] == token
    previous_end = 0
    for _, start, end in with_offsets:
        assert previous_end <= start < end
        previous_end = end


# Characters on both sides of each limit of CPython's str storage kinds
# (ASCII, Latin-1, UCS-2, UCS-4), with letters and spaces between them.
_storage_edges = st.text(
    alphabet=st.sampled_from("\x7f\x80\xff\u0100\u07ff\u0800\ud7ff\ue000\uffff"
                             "\U00010000\U0010ffffaé 한."),
    max_size=40)


@settings(max_examples=300, deadline=None)
@given(_storage_edges | st.text(max_size=80))
def test_str_built_from_utf8_equals_str_sliced_from_text(text):
    # Tokens, and the pieces of bytes input, are built from UTF-8 in one
    # step (tkpy_str_from_valid_utf8).  str equality compares CPython's
    # storage kind first, so a piece stored wider than its largest
    # character needs would compare unequal here.
    assert tk.segment(text.encode()) == tk.segment(text)
    spans = tk.tokenize(text, case=None, normalize=None, offsets=True,
                        kinds=("word", "number", "emoji", "punct"))
    assert [token for token, _, _ in spans] == [text[a:b] for _, a, b in spans]


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet=st.sampled_from("\x7f\x80\xff\u0100\u07ff\u0800\ud7ff\ue000\uffff"
                                        "\U00010000\U0010ffffaZ9 한.\ud800\udbff\udc00\udfff"),
               max_size=60),
       st.sampled_from(["replace", "ignore"]))
def test_str_lone_surrogates_become_replacements_or_nothing(text, errors):
    # A str is encoded to UTF-8 by textkern's own block encoder
    # (tk_utf8_from_ucs), which applies the error mode to each lone
    # surrogate unit; runs of 8 units of every width go through its vector
    # path.  The result must be that of the surrogates replaced with U+FFFD
    # (or removed) first.
    cleaned = "".join(("\ufffd" if errors == "replace" else "")
                      if "\ud800" <= c <= "\udfff" else c for c in text)
    options = dict(case=None, normalize=None, kinds=("word", "number", "emoji", "punct"))
    assert tk.tokenize(text, errors=errors, **options) == tk.tokenize(cleaned, **options)
    assert tk.ngrams(text, 2, analyzer="char", errors=errors) == tk.ngrams(cleaned, 2, analyzer="char")
    if any("\ud800" <= c <= "\udfff" for c in text):
        with pytest.raises(ValueError, match="lone surrogate"):
            tk.tokenize(text)


# Pieces around which the tokenizer's shortcuts (ASCII words; non-ASCII
# words and lone characters) must hand over to the full segmenter:
# punctuation that joins letters or digits (WB6-WB13b, in and out of
# ASCII), spaces and newlines, characters that attach to what precedes
# (a combining mark, ZWJ, format characters, a Thai vowel sign, a skin
# tone) and letters that join or do not (accented, Cyrillic, Hangul,
# Hebrew, katakana, Han, Thai, an Arabic-Indic digit, regional indicators).
_JOINING_PIECES = (
    ["a", "Zq", "9", "2024", "x9y", "'", ".", ":", ",", ";", "_", "-", '"', " ", "  ", "\n",
     "\r\n", "\u0301", "\u200d", "\u00ad", "\u00e9", "\u05d0", "\u30a2", "\U0001F600",
     "\u041f\u0440\u0438", "\ud55c\uad6d", "\u4e2d", "\u0e01", "\u0e34", "\u0661",
     "\U0001F1EF", "\U0001F3FB", "\u2060", "\u00b7", "\u2019", "\u203f", "\u3000", "\u3002"])


def _check_token_spans_are_segments(text):
    bounds, at = set(), 0
    for piece in tk.segment(text):
        bounds.add((at, at + len(piece)))
        at += len(piece)
    every_kind = ("word", "number", "emoji", "punct")
    for options in ({}, {"case": None, "normalize": None}):
        tokens = tk.tokenize(text, kinds=every_kind, offsets=True, **options)
        assert all((start, end) in bounds for _, start, end in tokens)
    kept = [text[start:end] for start, end in sorted(bounds)
            if tk.tokenize(text[start:end], kinds=every_kind, case=None, normalize=None)]
    assert [t for t, _, _ in tk.tokenize(text, kinds=every_kind, case=None, normalize=None,
                                         offsets=True)] == kept


@settings(max_examples=300, deadline=None)
@given(st.lists(st.sampled_from(_JOINING_PIECES), max_size=30).map("".join))
def test_token_spans_are_segments(text):
    """Every token is exactly one UAX #29 segment of the original text."""
    _check_token_spans_are_segments(text)


def test_token_spans_are_segments_for_every_triple_of_pieces():
    # A shortcut decides from a character and the one after it, and WB6/7
    # look one further: every sequence of three pieces covers those cases,
    # which random lists reach only by chance.
    for first in _JOINING_PIECES:
        for second in _JOINING_PIECES:
            for third in _JOINING_PIECES:
                _check_token_spans_are_segments(first + second + third)


@settings(max_examples=50, deadline=None)
@given(st.lists(st.text(max_size=80), max_size=30), st.integers(1, 4))
def test_batch_equals_map_for_any_thread_count(docs, n_threads):
    tok = tk.Tokenizer(kinds=("word", "number", "emoji", "punct"))
    expected = [tok(d) for d in docs]
    assert tok.batch(docs, n_threads=n_threads) == expected
    assert tok.batch(docs, n_threads=1) == tok.batch(docs)


def test_batch_thread_count_independence_on_larger_corpus():
    docs = [f"Document {i}: Straße 서울 {i * 7}东京 don't " * (i % 13 + 1) for i in range(500)]
    tok = tk.Tokenizer()
    one = tok.batch(docs, n_threads=1)
    assert tok.batch(docs, n_threads=2) == one
    assert tok.batch(docs, n_threads=7) == one
    assert tok.batch(docs, offsets=True, n_threads=3) == tok.batch(docs, offsets=True, n_threads=1)


def test_batch_pipeline_survives_garbage_collection_mid_build():
    # With n_threads >= 2 the calling thread fills the result list while C
    # threads still tokenize; a collection at every allocation must find the
    # half-built list consistent (unfilled slots are NULL until converted).
    import gc
    docs = [f"item {i} Straße 서울 东京 " * (i % 9 + 1) for i in range(3000)]
    tok = tk.Tokenizer()
    expected = [tok(d) for d in docs]
    old = gc.get_threshold()
    gc.set_threshold(1)
    try:
        got = tok.batch(docs, n_threads=3)
    finally:
        gc.set_threshold(*old)
    assert got == expected


@pytest.mark.parametrize("n_threads", [1, 2])
def test_batch_lists_are_tracked_by_the_gc_when_returned(n_threads):
    # batch keeps its per-document lists out of the cyclic GC while it
    # builds them (they hold only str); they must be tracked again when
    # returned, so that a cycle made through one of them is collected.
    import gc
    import weakref

    class Node:
        pass

    tok = tk.Tokenizer()
    lists = tok.batch(["alpha beta", "gamma", ""] * 50, n_threads=n_threads)
    assert all(gc.is_tracked(tokens) for tokens in lists)
    node = Node()
    node.tokens = lists[0]
    lists[0].append(node)          # list -> node -> list
    alive = weakref.ref(node)
    del node, lists
    gc.collect()
    assert alive() is None


def test_batch_progress_reaches_the_end_in_order():
    docs = ["ab cd ef " * 200] * 20_000
    seen = []
    out = tk.Tokenizer().batch(docs, n_threads=2, progress=lambda d, t: seen.append((d, t)))
    assert len(out) == len(docs)
    assert seen[-1] == (len(docs), len(docs))
    done = [d for d, _ in seen]
    assert done == sorted(done)


@pytest.mark.parametrize("n_threads", [1, 2])
@pytest.mark.parametrize("input_type", [list, iter])
def test_batch_lists_in_progress_are_out_of_reach_of_gc_get_objects(n_threads, input_type):
    # A progress callback found the batch's own lists (its copy of the
    # input, and the result it fills by index) through gc.get_objects();
    # emptying one crashed the batch.
    texts = ["hello world %d" % i for i in range(4000)]
    given = input_type(texts)
    emptied = []

    def progress(done, total):
        for obj in gc.get_objects():
            # Only the batch's own lists: its copy of the input (first item
            # texts[0]) and its result (lists of tokens); an empty slot in
            # either is what used to crash here.
            if (type(obj) is list and len(obj) == len(texts) and obj is not texts
                    and obj is not given
                    and (obj[0] is texts[0] or type(obj[0]) is list)):
                emptied.append(len(obj))
                obj.clear()

    tok = tk.Tokenizer()
    out = tok.batch(given, n_threads=n_threads, progress=progress)
    assert emptied == []
    assert out == [tok(t) for t in texts]
    assert gc.is_tracked(out)


# -------------------------------------------------------------- bad input
@pytest.mark.parametrize("bad", [None, 42, 3.5, ["a"], object()])
def test_non_text_raises_type_error(bad):
    with pytest.raises(TypeError, match="str or bytes"):
        tk.tokenize(bad)
    with pytest.raises(TypeError):
        tk.segment(bad)


def test_invalid_utf8_strict_gives_offset():
    with pytest.raises(ValueError, match="byte offset 3"):
        tk.tokenize(b"abc\xff def")
    with pytest.raises(ValueError, match="byte offset 1"):
        tk.tokenize(b"a\xed\xa0\x80")   # an encoded surrogate is not UTF-8


def test_lone_surrogate_strict_gives_index():
    with pytest.raises(ValueError, match="index 2"):
        tk.tokenize("ab\ud800cd")


def test_errors_replace_and_ignore():
    raw = b"ab\xffcd ef"
    assert tk.tokenize(raw, errors="replace", case=None) == ["ab", "cd", "ef"]
    assert tk.tokenize(raw, errors="ignore") == ["abcd", "ef"]
    result = tk.tokenize(raw, errors="replace", offsets=True)
    decoded = raw.decode("utf-8", "replace")
    assert [decoded[s:e] for _, s, e in result] == ["ab", "cd", "ef"]
    assert tk.tokenize("ab\ud800cd", errors="ignore") == ["abcd"]
    assert tk.tokenize("x\udfffy", errors="replace", offsets=True)[0][1:] == (0, 1)


@pytest.mark.parametrize("kwargs, exc", [
    (dict(case="upper"), ValueError),
    (dict(normalize="NFD"), ValueError),
    (dict(kinds=("words",)), ValueError),
    (dict(kinds=()), ValueError),
    (dict(kinds=5), TypeError),
    (dict(min_len=-1), ValueError),
    (dict(min_len="2"), TypeError),
    (dict(stopwords="the"), TypeError),
    (dict(stopwords=["ok", 3]), TypeError),
    (dict(errors="surrogateescape"), ValueError),
])
def test_bad_options(kwargs, exc):
    with pytest.raises(exc):
        tk.tokenize("text", **kwargs)
    with pytest.raises(exc):
        tk.Tokenizer(**kwargs)


def test_empty_and_odd_inputs():
    assert tk.tokenize("") == [] and tk.tokenize(b"") == [] and tk.segment("") == []
    assert tk.tokenize("a\x00b\x01c") == ["a", "b", "c"]
    assert tk.tokenize("\x00" * 1000) == []
    marks = "a" + "\u0301" * 100_000
    assert tk.segment(marks) == [marks]
    zwj = "\u200d" * 100_000
    assert "".join(tk.segment(zwj)) == zwj
    assert tk.tokenize("x" + "\u200d" * 10_000 + "y")[0].startswith("x")


@pytest.mark.parametrize("n_threads", [1, 2, 3])
def test_batch_rejects_single_string_and_names_bad_item(n_threads):
    # One thread runs a serial loop, more run C threads: the same errors.
    tok = tk.Tokenizer()
    with pytest.raises(TypeError, match="iterable of texts"):
        tok.batch("abc", n_threads=n_threads)
    with pytest.raises(TypeError, match="item 1"):
        tok.batch(["ok", 3], n_threads=n_threads)
    with pytest.raises(ValueError, match="item 2"):
        tok.batch(["ok", "fine", b"\xff"], n_threads=n_threads)
    with pytest.raises(ValueError, match=r"item 1: lone surrogate U\+D800 at index 0"):
        tok.batch(["é", "\ud800"], n_threads=n_threads)
    with pytest.raises(ValueError):
        tok.batch(["a"], n_threads=0)


def test_huge_single_token_memory_is_bounded():
    # A 50 MB single token in a fresh process: peak RSS stays within a few
    # times the input (the input itself plus its UTF-8 view and the token).
    script = textwrap.dedent("""
        import resource, textkern
        base = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
        text = "a" * (50 * 1024 * 1024)
        tokens = textkern.tokenize(text)
        assert len(tokens) == 1 and len(tokens[0]) == len(text)
        del tokens
        assert len(textkern.segment(text)) == 1
        peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
        print((peak - base) / 1024)
    """)
    out = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, check=True)
    growth_mb = float(out.stdout.strip())
    assert growth_mb < 4 * 50, f"peak RSS grew by {growth_mb:.0f} MB for a 50 MB token"


@pytest.mark.parametrize("char", ["\u00e9", "\uac00"])
def test_huge_non_ascii_token_memory_is_bounded(char):
    # The same for 50 MB of UTF-8 in one non-ASCII token (Latin-1 and UCS-2
    # str layouts), counted from after the str exists: its UTF-8 view, the
    # mapped copy, the token list's copy and the token str.  Mapping it
    # through utf8proc in one piece took 255-310 MB here; the per-code-point
    # cache maps it piece by piece (167-175 MB).
    script = textwrap.dedent(f"""
        import resource, textkern
        text = {char!r} * (50_000_000 // len({char!r}.encode()))
        base = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
        tokens = textkern.tokenize(text)
        assert tokens == [text]
        peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
        print((peak - base) / 1024)
    """)
    out = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, check=True)
    growth_mb = float(out.stdout.strip())
    assert growth_mb < 4 * 50, f"peak RSS grew by {growth_mb:.0f} MB for a 50 MB token"


# ------------------------------------ batch and tokenize() agree on any str
# Lone surrogates, every str storage width, and which item an error names
# whatever thread meets it first.
ENCODER_TEXTS = [
    "café au lait",                      # Latin-1 storage
    "Straße 서울 東京 don't",              # 2 bytes per character
    "emoji 👩‍👩‍👧 and 𝔘𝔫𝔦𝔠𝔬𝔡𝔢",                # 4 bytes per character
    "lone \ud800 surrogate é",            # a lone surrogate in UCS-2 storage
    "pair \ud83d\ude00 split 😀",          # two lone surrogates, UCS-4 storage
    "\udfff",
    "",
]


@pytest.mark.parametrize("errors", ["replace", "ignore"])
@pytest.mark.parametrize("n_threads", [1, 2, 3])
def test_thread_encoder_matches_tokenize(errors, n_threads):
    tok = tk.Tokenizer(errors=errors, kinds=("word", "number", "emoji", "punct"))
    docs = ENCODER_TEXTS * 50
    expected = [tok(d) for d in docs]
    assert tok.batch(docs, n_threads=n_threads) == expected
    assert tok.batch(docs, n_threads=n_threads, offsets=True) == [
        tok(d, offsets=True) for d in docs]


@settings(max_examples=200, deadline=None)
@given(st.lists(st.text(alphabet=st.characters(exclude_categories=()), max_size=40),
                max_size=12),
       st.sampled_from(["replace", "ignore"]))
def test_thread_encoder_matches_tokenize_on_any_str(docs, errors):
    tok = tk.Tokenizer(errors=errors, kinds=("word", "number", "emoji", "punct"))
    assert tok.batch(docs, n_threads=2) == [tok(d) for d in docs]


@pytest.mark.parametrize("n_threads", [1, 2, 4])
def test_strict_surrogate_in_batch_names_the_first_bad_item(n_threads):
    docs = ["Straße 서울"] * 3000
    docs[1234] = "x \ud800 y é"
    docs[17] = "ok é \udc00"
    with pytest.raises(ValueError, match=r"item 17: lone surrogate U\+DC00 at index 5"):
        tk.Tokenizer().batch(docs, n_threads=n_threads)


def test_reused_tokenizer_buffers_never_leak_between_calls():
    # A Tokenizer keeps its token buffers between calls; nothing of one
    # call (tokens, offsets, a huge text's size) may show in the next.
    tok = tk.Tokenizer()
    texts = ["Straße 서울 " * 40_000, "a b", "", "東京 don't 3.14", "x" * 100, "a b"]
    for offsets in (False, True, False):
        for text in texts:
            assert tok(text, offsets=offsets) == tk.Tokenizer()(text, offsets=offsets)


def test_tokenize_takes_the_english_stop_list_by_name():
    # As count() and ngrams() do (session 20 review).
    assert tk.tokenize("The cat and the hat", stopwords="english") == ["cat", "hat"]
