"""textkern.count and the Counts mapping."""
import collections
import copy
import pickle
import struct
from collections.abc import ItemsView, KeysView, Mapping, ValuesView

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from textkern import _core
from textkern._counting import Counts, count, ngrams

DOCS = [
    "The cat sat on the mat. The cat!",
    "Die Katze saß auf der Matte.",
    "고양이가 매트 위에 앉았다. 고양이!",
    "猫がマットの上に座った。",
    "",
    "the the the",
    "Кошка сидела на коврике.",
]


def reference(docs, rng=(1, 1), analyzer="word", **opts):
    """Counter over ngrams() of each document, in first-appearance order."""
    c = collections.Counter()
    for d in docs:
        c.update(ngrams(d, rng, analyzer=analyzer, **opts))
    return c


# ------------------------------------------------------------- counting
@pytest.mark.parametrize("rng", [(1, 1), (1, 2), (2, 3)])
@pytest.mark.parametrize("analyzer", ["word", "char", "char_wb", "grapheme"])
def test_count_equals_counter_of_ngrams(rng, analyzer):
    c = count(DOCS, ngram_range=rng, analyzer=analyzer)
    ref = reference(DOCS, rng, analyzer)
    assert c.to_dict() == dict(ref)
    # first appearance order is the order of the concatenated n-gram streams
    assert list(c) == list(ref)
    assert c.total() == sum(ref.values())


def test_one_text_bytes_generator_and_empty():
    assert count("b a b") == {"b": 2, "a": 1}
    assert count(b"b a b") == {"b": 2, "a": 1}
    assert count(d for d in ["x y", "y"]) == {"x": 1, "y": 2}
    empty = count([])
    assert len(empty) == 0 and empty.total() == 0 and empty.most_common() == []
    assert count("") == {}
    assert count(iter(())) == {}


def test_tokenize_options_pass_through():
    c = count(["Straße STRASSE strasse"], case="lower", normalize=None)
    assert c == {"straße": 1, "strasse": 2}
    assert count(["The cat and the hat"], stopwords="english") == {"cat": 1, "hat": 1}
    with pytest.raises(TypeError):
        count(["x"], offsets=True)
    with pytest.raises(ValueError):
        count(["x"], stopwords="klingon")


@pytest.mark.parametrize("threads", [1, 2, 3, 8])
def test_thread_count_does_not_change_anything(threads, corpus):
    one = count(corpus, ngram_range=(1, 2), n_threads=1)
    many = count(corpus, ngram_range=(1, 2), n_threads=threads)
    assert list(one.items()) == list(many.items())   # same terms, counts and order


@settings(max_examples=40, deadline=None)
@given(st.lists(st.text(alphabet=st.sampled_from("ab cd\nΣσ한국🙂é\u0301"), max_size=30),
                max_size=40),
       st.integers(1, 4))
def test_thread_independence_property(docs, threads):
    a = count(docs, ngram_range=(1, 2), analyzer="char_wb", n_threads=1)
    b = count(docs, ngram_range=(1, 2), analyzer="char_wb", n_threads=threads)
    assert list(a.items()) == list(b.items())
    assert a.to_dict() == dict(reference(docs, (1, 2), "char_wb"))


@pytest.mark.parametrize("threads", [2, 3, 8])
def test_uneven_documents_do_not_change_anything(threads, uneven_corpora):
    for name, docs in uneven_corpora.items():
        one = count(docs, ngram_range=(1, 2), n_threads=1)
        many = count(docs, ngram_range=(1, 2), n_threads=threads)
        want = list(reference(docs, (1, 2)).items())
        assert list(one.items()) == list(many.items()) == want, name


def test_large_generator_is_consumed_in_batches():
    n = 200_000
    c = count(("doc %d common" % (i % 7) for i in range(n)), n_threads=2)
    assert c["common"] == n and c["doc"] == n
    assert c["3"] == len(range(3, n, 7))


# ------------------------------------------------------------- bad input
def test_non_text_item_names_its_index():
    with pytest.raises(TypeError, match="item 2"):
        count(["a", "b", 3, "d"])
    with pytest.raises(TypeError):
        count(42)
    with pytest.raises(ValueError, match="item 1"):
        count(["ok", b"\xff"])
    assert count(["ok", b"a\xffb"], errors="replace") == {"ok": 1, "a": 1, "b": 1}


@pytest.mark.parametrize("rng", [0, (0, 2), (3, 2)])
def test_invalid_ngram_range(rng):
    with pytest.raises(ValueError):
        count(["a b"], ngram_range=rng)


def test_bad_threads():
    with pytest.raises(ValueError):
        count(["a"], n_threads=0)
    with pytest.raises(TypeError):
        count(["a"], n_threads="2")


# --------------------------------------------------------------- Counts
def test_counts_is_a_read_only_mapping():
    c = count(["b a b c"])
    assert isinstance(c, Mapping)
    assert c["b"] == 2 and "a" in c and "zz" not in c and 5 not in c
    with pytest.raises(KeyError):
        c["zz"]
    with pytest.raises(TypeError):
        c["a"] = 3
    assert c.get("zz") is None and c.get("zz", 0) == 0 and c.get("a") == 1
    assert list(c) == ["b", "a", "c"] == list(c.keys())
    assert list(c.values()) == [2, 1, 1]
    assert list(c.items()) == [("b", 2), ("a", 1), ("c", 1)]
    assert dict(c) == {"b": 2, "a": 1, "c": 1}
    assert len(c) == 3


def test_views_behave_like_dict_views():
    c = count("b a b c")
    d = {"b": 2, "a": 1, "c": 1}
    keys, values, items = c.keys(), c.values(), c.items()
    assert isinstance(keys, KeysView) and isinstance(values, ValuesView)
    assert isinstance(items, ItemsView)
    # Regression: keys()/items() used to be lists, which compare by order
    # with lists and never equal a dict's views.
    assert keys == d.keys() and items == d.items()
    assert keys & {"a", "zz"} == {"a"} and keys | {"q"} == {"a", "b", "c", "q"}
    assert "a" in keys and "zz" not in keys and ("b", 2) in items and ("b", 3) not in items
    assert 2 in values and 7 not in values
    assert len(keys) == len(values) == len(items) == 3
    assert list(reversed(list(keys))) == ["c", "a", "b"]
    with pytest.raises(TypeError):
        hash(c)


def test_most_common_ties_by_first_appearance():
    c = count(["z y x y z w"])
    assert c.most_common() == [("z", 2), ("y", 2), ("x", 1), ("w", 1)]
    assert c.most_common(2) == [("z", 2), ("y", 2)]
    assert c.most_common(0) == [] and c.most_common(-1) == []
    assert c.most_common(100) == c.most_common()


def test_add_update_eq_copy():
    a = count(["x y y"])
    b = count(["y z"])
    s = a + b
    assert s == {"x": 1, "y": 3, "z": 1} and list(s) == ["x", "y", "z"]
    assert a == {"x": 1, "y": 2}   # operands unchanged
    a.update(b, {"w": 2}, ["x"])
    assert a == {"x": 2, "y": 3, "z": 1, "w": 2} and a.total() == 8
    assert a != b and not (a == b)
    assert count(["q r"]) == count(["r q"])   # equality ignores order, like dict
    assert (a == 5) is False
    cp = a.copy()
    cp.update(["x"])
    assert cp["x"] == 3 and a["x"] == 2
    with pytest.raises(TypeError):
        a + {"x": 1}
    with pytest.raises(TypeError):
        a.update("not an iterable of terms")
    with pytest.raises(ValueError):
        a.update({"x": -1})


def test_constructor():
    c = Counts({"a": 2, "b": 1})
    assert c == {"a": 2, "b": 1} and c.total() == 3
    assert Counts(["a", "b", "a"]) == {"a": 2, "b": 1}
    assert Counts() == {}
    with pytest.raises(TypeError):
        Counts({1: 2})
    with pytest.raises(TypeError):
        Counts({"a": 1.5})


def test_pickle_and_copy_roundtrip():
    c = count(DOCS, ngram_range=(1, 2))
    for proto in range(pickle.HIGHEST_PROTOCOL + 1):
        d = pickle.loads(pickle.dumps(c, protocol=proto))
        assert type(d) is type(c) and d == c and list(d.items()) == list(c.items())
    assert list(copy.deepcopy(c).items()) == list(c.items())


def _state(c):
    fn, (state,) = c.__reduce__()
    assert fn is _core._counts_from_state
    return state


@pytest.mark.parametrize("mutate", [
    lambda s: (2,) + s[1:],                                        # version
    lambda s: s[:3],                                               # too short
    lambda s: (s[0], s[1][:-1], s[2], s[3]),                       # terms truncated
    lambda s: (s[0], s[1] + b"x", s[2], s[3]),                     # extra bytes
    lambda s: (s[0], s[1], s[2][:-3], s[3]),                       # lengths not 8-aligned
    lambda s: (s[0], s[1], s[2], s[3][:-8]),                       # counts short
    lambda s: (s[0], s[1], struct.pack("<Q", 2**63) + s[2][8:], s[3]),   # huge length
    lambda s: (s[0], s[1], s[2], struct.pack("<q", -1) + s[3][8:]),      # negative count
    lambda s: (s[0], b"\xff" + s[1][1:], s[2], s[3]),              # invalid UTF-8
    lambda s: (s[0], s[1], s[2], "counts"),                        # wrong type
    lambda s: "garbage",
])
def test_malformed_state_is_rejected(mutate):
    state = _state(count(["alpha beta gamma beta"]))
    with pytest.raises(ValueError):
        _core._counts_from_state(mutate(state))


def test_duplicate_terms_in_state_rejected():
    state = (1, b"abab", struct.pack("<QQ", 2, 2), struct.pack("<qq", 1, 1))
    with pytest.raises(ValueError):
        _core._counts_from_state(state)
    # a term split inside a code point
    state = (1, "é".encode(), struct.pack("<QQ", 1, 1), struct.pack("<qq", 1, 1))
    with pytest.raises(ValueError):
        _core._counts_from_state(state)


@settings(max_examples=200, deadline=None)
@given(st.tuples(st.integers(0, 2), st.binary(max_size=40), st.binary(max_size=40),
                 st.binary(max_size=40)))
def test_random_states_never_crash(state):
    try:
        c = _core._counts_from_state(state)
    except ValueError:
        return
    assert c.total() == sum(c.values())


def test_repr_and_html():
    c = count(["alpha beta beta gamma delta epsilon zeta eta"])
    r = repr(c)
    assert r.startswith("Counts({'beta': 2, 'alpha': 1") and "n_terms=7" in r and "..." in r
    assert len(r) < 200
    html = c._repr_html_()
    assert "<table" in html and "beta" in html and "width:" in html
    assert "&lt;b&gt;" in Counts({"<b>": 1})._repr_html_()


def test_to_pandas():
    pd = pytest.importorskip("pandas")
    s = count(["b a b c c c"]).to_pandas()
    assert isinstance(s, pd.Series)
    assert list(s.index) == ["c", "b", "a"] and list(s) == [3, 2, 1]
    assert s.name == "count" and s.index.name == "term"


@pytest.fixture(scope="module")
def corpus():
    try:
        from textkern._samples import sample_texts
        texts = list(sample_texts())
    except Exception:
        texts = []
    return (texts + DOCS) * 30


def test_memoryview_is_one_document():
    assert count(memoryview(b"a b a")) == {"a": 2, "b": 1}
    assert count(bytearray(b"a b")) == {"a": 1, "b": 1}


def test_counts_never_wrap():
    big = 2**63 - 1
    with pytest.raises(OverflowError):
        Counts({"a": big}) + Counts({"a": 1})
    with pytest.raises(OverflowError):
        Counts({"a": big, "b": 1})
    c = Counts({"a": big})
    with pytest.raises(OverflowError):
        c.update({"a": 1})
    assert c["a"] == big and c.total() == big   # unchanged by the failed update


def test_empty_terms():
    assert Counts({"": 2})[""] == 2
    assert Counts(["", "a"]).total() == 2
    from textkern.vectorizers import CountVectorizer
    pytest.importorskip("scipy")
    cv = CountVectorizer(analyzer=lambda d: ["", d])
    X = cv.fit_transform(["a", "b"])
    assert list(cv.get_feature_names_out()) == ["", "a", "b"] and X[:, 0].sum() == 2


def test_count_handles_every_str_width_and_surrogates_like_tokenize():
    from textkern import Tokenizer
    docs = ["café Straße 서울 👩‍👩‍👧", "lone \ud800 x é", "plain ascii", "𝔘𝔫𝔦 \udfff"] * 300
    for errors in ("replace", "ignore"):
        tok = Tokenizer(errors=errors)
        expected = collections.Counter(t for d in docs for t in tok(d))
        for n_threads in (1, 2):
            got = count(docs, errors=errors, n_threads=n_threads)
            assert dict(got) == dict(expected)


@pytest.mark.parametrize("n_threads", [1, 2])
def test_count_strict_surrogate_names_the_first_bad_item(n_threads):
    docs = ["Straße 서울"] * 2000
    docs[1500] = "x \ud800"
    docs[40] = "é \udc01"
    with pytest.raises(ValueError, match=r"item 40: lone surrogate U\+DC01 at index 2"):
        count(docs, n_threads=n_threads)
    with pytest.raises(ValueError, match=r"lone surrogate U\+D800 at index 2"):
        count("x \ud800", n_threads=n_threads)
    with pytest.raises(ValueError, match=r"item 70000: lone surrogate"):
        count(iter(["a"] * 70_000 + ["é \ud800"]), n_threads=n_threads)


@pytest.mark.parametrize("analyzer, n", [("word", (1, 1)), ("word", (1, 2)), ("char", (2, 4))])
def test_first_appearance_order_across_the_small_table_switch(analyzer, n):
    # Counting skips the prefetch pipe while the chunk's hash table is
    # small (under 8192 slots) and queues grams once it is larger: one
    # document whose distinct terms grow past that must keep the order of
    # first appearance and every count, in count() and in a fit's columns.
    words = [f"w{i:05d}" for i in range(9000)]
    text = " ".join(words[i * 7919 % 9000] + " " + words[i % 50] for i in range(9000))
    grams = ngrams(text, n, analyzer=analyzer)
    expected = collections.Counter(grams)
    counts = count(text, ngram_range=n, analyzer=analyzer, n_threads=1)
    assert list(counts) == list(dict.fromkeys(grams))
    assert dict(counts) == expected
    assert count([text] * 3, ngram_range=n, analyzer=analyzer, n_threads=2) == count(
        [text] * 3, ngram_range=n, analyzer=analyzer, n_threads=1)


def test_repr_html_shows_quotes_and_backslashes_as_they_are():
    # Regression: terms went through repr(), so it's "q" showed as it\'s "q"
    # (a backslash the term does not have); invisible characters still show
    # as escapes, so that "a\nb" and "a b" differ.
    page = Counts({'it\'s "q"': 2, "a\\b": 1, "a\nb": 1, "a b": 1})._repr_html_()
    assert "it&#x27;s &quot;q&quot;" in page and "it\\&#x27;s" not in page
    assert "a\\b" in page and "a\\\\b" not in page
    assert "a\\nb" in page and "a b" in page


def test_repr_html_cuts_long_terms():
    # Regression: a 100,000-character term made 100 KB of HTML (50 MB for
    # the 50 MB token the bad-input contract allows).
    page = Counts({"x" * 100_000: 2, "<b>": 1})._repr_html_()
    assert len(page) < 2_000
    assert "x" * 80 + "&hellip; <i>(100,000 characters)</i>" in page
    assert "&lt;b&gt;" in page


# ---------------------------------------------------------------- session 20 review
def test_update_that_overflows_leaves_counts_unchanged():
    c = Counts({"a": 1, "z": 2**62})
    with pytest.raises(OverflowError):
        c.update(Counts({"a": 5, "new": 1, "z": 2**62}))
    assert dict(c) == {"a": 1, "z": 2**62}
    assert c.total() == 2**62 + 1


def test_update_with_a_bad_value_leaves_counts_unchanged():
    c = Counts({"a": 1})
    with pytest.raises(TypeError):
        c.update({"b": 1, "c": "x"})
    with pytest.raises(TypeError):
        c.update(["b", 5])
    assert dict(c) == {"a": 1}
    c.update({"b": 2}, ["a"])
    assert dict(c) == {"a": 2, "b": 2}


def test_update_with_several_arguments_is_all_or_nothing():
    # Regression: each argument was added in turn, so a bad later one left
    # the earlier ones added (the README promises all or nothing).
    c = Counts({"a": 1})
    for bad in (({"b": 1}, {"c": -1}), (Counts({"b": 1}), ["x", 5]),
                ({"b": 1}, Counts({"z": 2**63 - 1}))):
        with pytest.raises((ValueError, TypeError, OverflowError)):
            c.update(*bad)
        assert dict(c) == {"a": 1} and c.total() == 1
    c.update(Counts({"b": 1}), None, ["a", "c"], {"b": 2})
    assert list(c.items()) == [("a", 2), ("b", 3), ("c", 1)]
    c.update(c, c)
    assert dict(c) == {"a": 6, "b": 9, "c": 3}


def test_update_none_adds_nothing_like_counter():
    c = Counts({"a": 1})
    c.update(None)
    assert dict(c) == {"a": 1}


def test_integer_like_values_are_counts_but_bool_and_float_are_not():
    np = pytest.importorskip("numpy")
    assert dict(Counts({"a": np.int64(3), "b": np.uint8(2)})) == {"a": 3, "b": 2}
    for bad in (True, 1.0):
        with pytest.raises(TypeError, match="values must be int"):
            Counts({"a": bad})


class _CountThatEmptiesItsDict:
    """A count whose __index__ deletes every entry of the dict holding it."""

    def __init__(self, owner):
        self.owner = owner

    def __index__(self):
        self.owner.clear()
        # Reuse the memory of the key the clear freed.
        _CountThatEmptiesItsDict.filler = ["Z" * 40 + str(i) for i in range(2000)]
        return 1


@pytest.mark.parametrize("how", ["constructor", "update"])
def test_a_value_that_deletes_its_key_does_not_free_the_term_being_read(how):
    # Counts read the key's UTF-8 before the value's __index__ ran; the dict
    # held the only reference, so the term was copied from freed memory.
    d = {}
    key = "".join(["k"] * 40) + "0"    # built at run time: not interned
    d[key] = _CountThatEmptiesItsDict(d)
    del key
    if how == "constructor":
        c = Counts(d)
    else:
        c = Counts()
        c.update(d)
    assert dict(c) == {"k" * 40 + "0": 1}


def test_most_common_with_a_huge_k_returns_everything():
    c = Counts({"a": 2, "b": 1})
    assert c.most_common(2**70) == [("a", 2), ("b", 1)]
    assert c.most_common(-2**70) == []


def test_a_non_text_item_after_a_surrogate_reports_the_surrogate_first():
    # The earlier document's error comes first, whatever the thread count.
    for n_threads in (1, 2):
        for docs in (["ok", "\ud800x", 5], ["\ud800", b"\xff"]):
            with pytest.raises(ValueError, match="item %d: lone surrogate" % docs.index(
                    next(d for d in docs if isinstance(d, str) and "\ud800" in d))):
                count(docs, n_threads=n_threads)


def test_a_generator_that_fails_after_a_surrogate_reports_the_surrogate():
    def docs():
        yield "ok"
        yield "é\ud800"
        raise RuntimeError("the generator broke")
    with pytest.raises(ValueError, match="item 1: lone surrogate"):
        count(docs())


def test_repr_cuts_long_terms_too():
    # A notebook stores the text repr beside the HTML: a 5 MB term made a
    # 5 MB repr.
    text = repr(Counts({"x" * 5_000_000: 2, "b": 1}))
    assert len(text) < 300
    assert "'" + "x" * 80 + "'... (5000000 characters): 2" in text
    assert "'b': 1" in text


def test_repr_html_shows_whitespace_and_no_bar_for_zero():
    page = count(["an a"], analyzer="char_wb", ngram_range=2)._repr_html_()
    assert "white-space:pre" in page
    for term in (">an<", "> a<", ">n <", ">a <"):
        assert term in page
    page = Counts({"a\nb": 1, "a b": 1})._repr_html_()
    assert ">a\\nb<" in page and ">a b<" in page
    page = Counts({"a": 3, "z": 0})._repr_html_()
    assert page.count("width:0%") == 1 and "width:100%" in page


def test_stopwords_with_a_char_analyzer_warn_that_they_are_unused():
    with pytest.warns(UserWarning, match="stopwords are not used"):
        assert count(["the cat"], analyzer="char", stopwords="english")["t"] == 2
    with pytest.warns(UserWarning, match="stopwords are not used"):
        ngrams("the cat", 2, analyzer="grapheme", stopwords=["the"])


# ------------------------------------------- Counter semantics, zero counts
_small_counts = st.dictionaries(st.sampled_from(["a", "b", "ß", "서울", "", "a b"]),
                                st.integers(0, 3), max_size=6)


@given(_small_counts, _small_counts)
@settings(max_examples=300, deadline=None)
def test_counts_follow_counter_with_zero_counts(a, b):
    # Counter treats a zero count as a missing term in == between Counters,
    # and its + keeps only positive counts; update keeps zeros.
    ca, cb = collections.Counter(a), collections.Counter(b)
    assert (Counts(a) == Counts(b)) == (ca == cb)
    assert (Counts(a) != Counts(b)) == (ca != cb)
    assert (Counts(a) == cb) == (ca == cb)
    assert (cb == Counts(a)) == (cb == ca)
    # A plain dict compares as a dict, for Counter and Counts alike.
    assert (Counts(a) == dict(b)) == (ca == dict(b))
    assert list((Counts(a) + Counts(b)).items()) == list((ca + cb).items())
    updated = Counts(a)
    updated.update(b)
    ca.update(b)
    assert list(updated.items()) == list(ca.items())
    assert updated.most_common() == ca.most_common()
    assert updated.total() == ca.total() and len(updated) == len(ca)


def test_zero_counts_examples():
    zero = Counts({"x": 0, "y": 2})
    assert zero == Counts({"y": 2}) and zero == collections.Counter(y=2)
    assert zero != {"y": 2} and zero == {"x": 0, "y": 2}
    assert dict(zero + Counts({"z": 0})) == {"y": 2}
    assert zero != collections.Counter(y=2, q=-1)


# -------------------------------------- user code running inside a Counts call
class _ListItemsMapping:
    """A mapping whose items() returns a list it keeps (so Python hands the
    binding that very list), and which a value can empty."""

    def __init__(self):
        self.pairs = []

    def __getitem__(self, key):
        return dict(self.pairs)[key]

    def __len__(self):
        return len(self.pairs)

    def __iter__(self):
        return iter([k for k, _ in self.pairs])

    def items(self):
        return self.pairs


@pytest.mark.parametrize("how", ["replace the pair", "clear the list"])
def test_a_value_that_empties_its_mappings_items_list_is_harmless(how):
    # The pair list was read in place: the key's bytes were freed while
    # being copied, and a cleared list was read past its end (a segfault).
    m = _ListItemsMapping()

    class Count:
        def __index__(self):
            if how == "clear the list":
                m.pairs.clear()
            else:
                m.pairs[0] = None
            # Reuse the memory of the key just freed.
            Count.filler = ["Z" * 63 + str(i) for i in range(2000)]
            return 1

    key = "".join(["k"] * 64)    # built at run time: the list holds the only reference
    m.pairs = [(key, Count()), ("b", 2)]
    del key
    assert dict(Counts(m)) == {"k" * 64: 1, "b": 2}


def test_finalizers_that_update_counts_while_their_items_are_listed():
    # Listing the pairs makes tuples, and on 3.11 a tuple can start a
    # collection at once; a finalizer that adds terms used to make the
    # listing write past the end of its list.
    import gc
    c = Counts({"a": 1, "b": 2, "c": 3})
    fired = []

    class Bomb:
        def __init__(self):
            self.me = self

        def __del__(self):
            if len(fired) < 20:
                fired.append(1)
                c.update(["new%d" % len(fired)])
                Bomb()          # garbage for the next collection too

    thresholds = gc.get_threshold()
    Bomb()
    try:
        gc.set_threshold(1, 1, 1)
        pairs = list(c.items())
        keys = list(c.keys())
        values = list(c.values())
        as_dict = c.to_dict()
    finally:
        gc.set_threshold(*thresholds)
        fired.extend([1] * 20)   # disarm
        gc.collect()
    now = c._items_list()
    assert pairs == now[:len(pairs)] and len(pairs) >= 3
    assert keys == [k for k, _ in now[:len(keys)]]
    assert values == [v for _, v in now[:len(values)]]
    assert list(as_dict.items()) == now[:len(as_dict)]
