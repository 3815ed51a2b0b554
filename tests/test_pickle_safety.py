"""Pickle safety: round trips are exact; malformed pickles fail cleanly, never crash.

1. Round trips: Tokenizer, Counts, the fitted vectorizers and CompressionKNN
   come back equal and behave the same.
2. Crafted states: the C rebuilders (``_counts_from_state``,
   ``_vocabulary_from_state``, the Tokenizer constructor) get wrong types,
   wrong versions, lengths pointing past the buffer, inconsistent arrays,
   negative counts, invalid or split UTF-8 and duplicates, and must raise
   ``ValueError`` (or ``TypeError``/``OverflowError`` for a wrong type).
3. Mutated pickles: bytes of real pickles are flipped, truncated, extended
   and spliced.  Loading may fail with any Python exception (the pickle
   machinery raises many kinds for garbage), but must never crash, and an
   object that does load is exercised and checked for internal consistency
   (so that a state which slipped through validation cannot read out of
   bounds later).  These loops run in a subprocess, so that a crash is a
   test failure naming the reproducing seed rather than a dead pytest.
"""
from __future__ import annotations

import pickle
import random
import subprocess
import sys
import warnings

import numpy as np
import pytest

import textkern
from textkern import _core

DOCS = [p for t in textkern.sample_texts() for p in t.split("\n") if p.strip()]
LABELS = [i % 3 for i in range(len(DOCS))]


def le64(*values):
    return b"".join(int(v).to_bytes(8, "little", signed=False) for v in values)


def make_objects():
    """Name -> a representative object of each picklable public type."""
    return {
        "Tokenizer": textkern.Tokenizer(case="lower", kinds=("word", "emoji"), min_len=2,
                                        stopwords=["the", "und", "및"], errors="replace"),
        "Counts": textkern.count(DOCS, ngram_range=(1, 2)),
        "CountVectorizer": textkern.CountVectorizer(ngram_range=(1, 2), min_df=1).fit(DOCS),
        "TfidfVectorizer": textkern.TfidfVectorizer(sublinear_tf=True).fit(DOCS),
        "HashingVectorizer": textkern.HashingVectorizer(n_features=256),
        "CompressionKNN": textkern.CompressionKNN(k=3, level=1).fit(DOCS, LABELS),
    }


def behaviour(name, obj):
    """What an object computes: equal before and after a round trip."""
    probe = DOCS[:4] + ["", "İstanbul ΣΊΣΥΦΟΣ 👩‍👩‍👧", b"bytes \xff input"]
    if name == "Tokenizer":
        return obj.options, [obj(p) for p in probe], obj.batch(probe)
    if name == "Counts":
        return obj.to_dict(), obj.most_common(20), obj.total(), len(obj)
    if name in ("CountVectorizer", "TfidfVectorizer", "HashingVectorizer"):
        text_probe = [p for p in probe if isinstance(p, str)]
        out = [obj.transform(text_probe).toarray().tolist()]
        if name != "HashingVectorizer":
            out += [list(obj.get_feature_names_out()), obj.vocabulary_]
        if name == "TfidfVectorizer":
            out.append(obj.idf_.tolist())
        return out
    if name == "CompressionKNN":
        queries = [p for p in probe if isinstance(p, str)]
        return (obj.predict(queries).tolist(), obj.predict_proba(queries).tolist(),
                obj.kneighbors(queries)[1].tolist())
    raise AssertionError(name)


# -------------------------------------------------------------- round trips
@pytest.mark.parametrize("protocol", [2, 4, pickle.HIGHEST_PROTOCOL])
@pytest.mark.parametrize("name", list(make_objects()))
def test_round_trip(name, protocol):
    obj = make_objects()[name]
    clone = pickle.loads(pickle.dumps(obj, protocol=protocol))
    assert type(clone) is type(obj)
    if name in ("Tokenizer", "Counts"):
        assert clone == obj
    assert behaviour(name, clone) == behaviour(name, obj)
    # A clone of a clone pickles to the same bytes (the state is canonical).
    if name in ("Tokenizer", "Counts"):
        assert pickle.dumps(clone, protocol=protocol) == pickle.dumps(obj, protocol=protocol)


def test_round_trip_edge_cases():
    for counts in (textkern.Counts(), textkern.Counts({"": 3}), textkern.Counts({"a": 2**63 - 1}),
                   textkern.count("ß 𝔘𝔫𝔦𝔠𝔬𝔡𝔢 \u0301 👩‍👩‍👧", analyzer="char")):
        clone = pickle.loads(pickle.dumps(counts))
        assert clone == counts and clone.to_dict() == counts.to_dict()
    for tok in (textkern.Tokenizer(), textkern.Tokenizer(case=None, normalize=None,
                                                         stopwords=set(), kinds="punct")):
        assert pickle.loads(pickle.dumps(tok)) == tok


# ---------------------------------------------------------- crafted states
GOOD_TERMS = "ab".encode() + "é".encode()          # "a", "b", "é"
GOOD_LENS = le64(1, 1, 2)
GOOD_COUNTS = le64(3, 2, 1)

BAD_COUNTS_STATES = {
    "not a tuple": [1, GOOD_TERMS, GOOD_LENS, GOOD_COUNTS],
    "None": None,
    "empty tuple": (),
    "short tuple": (1, GOOD_TERMS, GOOD_LENS),
    "long tuple": (1, GOOD_TERMS, GOOD_LENS, GOOD_COUNTS, b""),
    "version 0": (0, GOOD_TERMS, GOOD_LENS, GOOD_COUNTS),
    "version 2": (2, GOOD_TERMS, GOOD_LENS, GOOD_COUNTS),
    "version -1": (-1, GOOD_TERMS, GOOD_LENS, GOOD_COUNTS),
    "version str": ("1", GOOD_TERMS, GOOD_LENS, GOOD_COUNTS),
    "terms str": (1, "abé", GOOD_LENS, GOOD_COUNTS),
    "terms bytearray": (1, bytearray(GOOD_TERMS), GOOD_LENS, GOOD_COUNTS),
    "lens list": (1, GOOD_TERMS, [1, 1, 2], GOOD_COUNTS),
    "counts None": (1, GOOD_TERMS, GOOD_LENS, None),
    "lens not a multiple of 8": (1, GOOD_TERMS, GOOD_LENS[:-1], GOOD_COUNTS),
    "counts shorter than lens": (1, GOOD_TERMS, GOOD_LENS, GOOD_COUNTS[:-8]),
    "counts longer than lens": (1, GOOD_TERMS, GOOD_LENS, GOOD_COUNTS + le64(1)),
    "length past the buffer": (1, GOOD_TERMS, le64(1, 1, 3), GOOD_COUNTS),
    "length 2**64 - 1": (1, GOOD_TERMS, le64(1, 2**64 - 1, 2), GOOD_COUNTS),
    "lengths wrapping to the buffer size": (1, GOOD_TERMS, le64(2**63, 2**63, 4), GOOD_COUNTS),
    "lengths shorter than the buffer": (1, GOOD_TERMS, le64(1, 1, 1), GOOD_COUNTS),
    "more lengths than terms": (1, GOOD_TERMS, le64(1, 1, 2, 1), le64(1, 1, 1, 1)),
    "no lengths, some bytes": (1, GOOD_TERMS, b"", b""),
    "negative count": (1, GOOD_TERMS, GOOD_LENS, le64(3, 2**63, 1)),
    "count -1": (1, GOOD_TERMS, GOOD_LENS, le64(3, 2**64 - 1, 1)),
    "invalid UTF-8": (1, b"a\xffb", le64(1, 1, 1), GOOD_COUNTS),
    "code point split across terms": (1, GOOD_TERMS, le64(1, 2, 1), GOOD_COUNTS),
    "surrogate in UTF-8": (1, b"\xed\xa0\x80", le64(3), le64(1)),
    "overlong UTF-8": (1, b"\xc0\xaf", le64(2), le64(1)),
    "duplicate terms": (1, b"aa", le64(1, 1), le64(1, 1)),
    "duplicate empty terms": (1, b"", le64(0, 0), le64(1, 1)),
    "many duplicates": (1, b"", le64(*[0] * 1000), le64(*[1] * 1000)),
}


@pytest.mark.parametrize("label", list(BAD_COUNTS_STATES))
def test_malformed_counts_state_raises(label):
    state = BAD_COUNTS_STATES[label]
    with pytest.raises((ValueError, TypeError, OverflowError)):
        _core._counts_from_state(state)


ONLY_ABOUT_COUNTS = ("short tuple", "counts shorter than lens", "counts longer than lens",
                     "negative count", "count -1", "counts None")


@pytest.mark.parametrize("label", [k for k in BAD_COUNTS_STATES if k not in ONLY_ABOUT_COUNTS])
def test_malformed_vocabulary_state_raises(label):
    state = BAD_COUNTS_STATES[label]
    if isinstance(state, tuple) and len(state) == 4:
        state = state[:3]          # the vocabulary's state has no counts
    with pytest.raises((ValueError, TypeError, OverflowError)):
        _core._vocabulary_from_state(state)


def test_valid_crafted_states_load():
    counts = _core._counts_from_state((1, GOOD_TERMS, GOOD_LENS, GOOD_COUNTS))
    assert counts.to_dict() == {"a": 3, "b": 2, "é": 1}
    vocab = _core._vocabulary_from_state((1, GOOD_TERMS, GOOD_LENS))
    assert vocab.terms() == ["a", "b", "é"] and vocab["é"] == 2


class _Evil:
    """Pickles as a call of a textkern rebuilder with an arbitrary state."""

    def __init__(self, func, state):
        self.func, self.state = func, state

    def __reduce__(self):
        return self.func, (self.state,)


@pytest.mark.parametrize("label", ["length past the buffer", "negative count",
                                   "code point split across terms", "duplicate terms"])
def test_malformed_state_through_pickle_raises_value_error(label):
    data = pickle.dumps(_Evil(_core._counts_from_state, BAD_COUNTS_STATES[label]))
    with pytest.raises(ValueError):
        pickle.loads(data)


# A Tokenizer pickles as its constructor's positional arguments (case,
# normalize, strip_accents, kinds, min_len, stopwords, errors), so unpickling
# runs the constructor's validation; there is no __setstate__ to feed.
GOOD_TOKENIZER_ARGS = textkern.Tokenizer().__reduce__()[1]
BAD_TOKENIZER_ARGS = [
    (5,), ("upper",), ("fold", "NFD"), ("fold", "NFKC", False, 5), ("fold", "NFKC", False, []),
    ("fold", "NFKC", False, ["word", 5]), ("fold", "NFKC", False, ("word",), -1),
    ("fold", "NFKC", False, ("word",), "1"), ("fold", "NFKC", False, ("word",), 2**80),
    ("fold", "NFKC", False, ("word",), 1, "the"), ("fold", "NFKC", False, ("word",), 1, 5),
    ("fold", "NFKC", False, ("word",), 1, [b"the"]),
    ("fold", "NFKC", False, ("word",), 1, ["\ud800"]),
    ("fold", "NFKC", False, ("word",), 1, None, "surrogateescape"),
    GOOD_TOKENIZER_ARGS + ("extra",),
    ("fold", "NFKC", np.array([1, 2])),
]


class _Reduce:
    """Pickles as a call of func(*args)."""

    def __init__(self, func, args):
        self.func, self.args = func, args

    def __reduce__(self):
        return self.func, self.args


def test_tokenizer_pickles_as_validated_constructor_arguments():
    tok = textkern.Tokenizer(case=None, stopwords=["b", "a"])
    func, args = tok.__reduce__()[:2]
    assert func is textkern.Tokenizer and func(*args) == tok
    # No way to reconfigure a live Tokenizer in place (see test_thread_safety).
    assert not hasattr(tok, "__setstate__") or tok.__setstate__ is object.__setstate__


@pytest.mark.parametrize("args", BAD_TOKENIZER_ARGS, ids=repr)
def test_malformed_tokenizer_arguments_raise(args):
    with pytest.raises((ValueError, TypeError, OverflowError)):
        pickle.loads(pickle.dumps(_Reduce(textkern.Tokenizer, args)))


@pytest.mark.parametrize("case", ["idf too short", "idf too long", "knn labels too short",
                                  "knn label out of range"])
def test_inconsistent_estimator_state_raises_value_error(case):
    if case.startswith("idf"):
        obj = textkern.TfidfVectorizer().fit(DOCS)
        state = obj.__getstate__()
        n = len(state["_idf"])
        state["_idf"] = state["_idf"][: n // 2] if "short" in case else np.ones(n * 2)
        use = lambda o: o.transform(DOCS)  # noqa: E731
    else:
        obj = textkern.CompressionKNN(k=1, level=1).fit(DOCS, LABELS)
        state = dict(obj.__dict__)
        if "short" in case:
            state["_encoded"] = state["_encoded"][:2]
        else:
            state["_encoded"] = state["_encoded"] + 10
        use = lambda o: o.predict(DOCS)  # noqa: E731
    data = pickle.dumps(_Evil(_restore, (type(obj), state)))
    with pytest.raises(ValueError):
        use(pickle.loads(data))


def _restore(args):
    cls, state = args
    obj = cls.__new__(cls)
    obj.__setstate__(state)
    return obj


# --------------------------------------------------------- mutated pickles
def exercise(name, obj):
    """Use a loaded object; a state that slipped through must still be consistent."""
    if isinstance(obj, textkern.Counts):
        keys = list(obj)
        assert len(keys) == len(obj) == len(set(keys))
        items = obj.items()
        assert [k for k, _ in items] == keys and all(v >= 0 for _, v in items)
        assert all(obj[k] == v for k, v in items)
        assert obj.total() == sum(v for _, v in items)
        obj.most_common(5)
        assert pickle.loads(pickle.dumps(obj)) == obj
    elif isinstance(obj, textkern.Tokenizer):
        obj("Hello wörld 19일 👩‍👩‍👧")
        obj.batch(DOCS[:3] + [b"x\xffy"])
        assert pickle.loads(pickle.dumps(obj)) == obj
    elif isinstance(obj, _core.Vocabulary):
        terms = obj.terms()
        assert len(terms) == len(obj) == len(set(terms))
        assert all(obj[t] == i for i, t in enumerate(terms))
    elif isinstance(obj, (textkern.CountVectorizer, textkern.TfidfVectorizer,
                          textkern.HashingVectorizer)):
        X = obj.transform(DOCS[:3])
        if not isinstance(obj, textkern.HashingVectorizer):
            names = list(obj.get_feature_names_out())
            assert X.shape[1] == len(names) == len(set(names))
            assert obj.vocabulary_ == {t: i for i, t in enumerate(names)}
    elif isinstance(obj, textkern.CompressionKNN):
        obj.predict(DOCS[:2])
        obj.predict_proba(DOCS[:2])
    else:
        repr(obj)


def mutate(rng: random.Random, data: bytes) -> bytes:
    buf = bytearray(data)
    if not buf:
        return bytes(rng.randrange(256) for _ in range(rng.randint(1, 8)))
    how = rng.randrange(6)
    if how == 0:                                 # flip bits
        for _ in range(rng.randint(1, 4)):
            buf[rng.randrange(len(buf))] ^= 1 << rng.randrange(8)
    elif how == 1:                               # random bytes
        for _ in range(rng.randint(1, 4)):
            buf[rng.randrange(len(buf))] = rng.randrange(256)
    elif how == 2:                               # truncate
        del buf[rng.randrange(len(buf)):]
    elif how == 3:                               # extend
        buf += bytes(rng.randrange(256) for _ in range(rng.randint(1, 16)))
    elif how == 4:                               # splice a chunk elsewhere
        a = rng.randrange(len(buf))
        b = min(len(buf), a + rng.randint(1, 32))
        chunk = bytes(buf[a:b])
        at = rng.randrange(len(buf))
        buf[at:at] = chunk
    else:                                        # poke interesting 8-byte integers
        at = rng.randrange(max(1, len(buf) - 8))
        value = rng.choice([0, 1, 2**31, 2**32 - 1, 2**63 - 1, 2**63, 2**64 - 1])
        buf[at:at + 8] = value.to_bytes(8, "little")
    return bytes(buf)


def mutation_main(name: str, seed: int, rounds: int) -> None:
    """Child process: load mutated pickles of one object type; print each seed first."""
    import os
    import resource
    # A mutated length field makes pickle itself allocate gigabytes, which
    # the OOM killer answers with SIGKILL; with a cap it is a MemoryError.
    # AddressSanitizer reserves terabytes of shadow address space, so a cap
    # would break the sanitized run (make test-asan); there, ASan itself
    # turns such a huge allocation into a report.
    if "libasan" not in os.environ.get("LD_PRELOAD", ""):
        resource.setrlimit(resource.RLIMIT_AS, (4 << 30, 4 << 30))
    obj = make_objects()[name]
    originals = [pickle.dumps(obj, protocol=p) for p in (2, 4, pickle.HIGHEST_PROTOCOL)]
    if name in ("CountVectorizer", "TfidfVectorizer"):
        originals.append(pickle.dumps(obj._vocab, protocol=pickle.HIGHEST_PROTOCOL))
    loaded = failed = 0
    warnings.simplefilter("ignore")
    for i in range(rounds):
        case_seed = seed * 1_000_003 + i
        print(case_seed, flush=True)
        rng = random.Random(case_seed)
        data = rng.choice(originals)
        for _ in range(rng.randint(1, 3)):
            data = mutate(rng, data)
        try:
            clone = pickle.loads(data)
        except Exception:   # noqa: BLE001 - any clean error is acceptable for garbage
            failed += 1
            continue
        loaded += 1
        try:
            exercise(name, clone)
        except AssertionError:
            raise
        except Exception:   # noqa: BLE001 - a loaded object may refuse to work, cleanly
            pass
    print(f"done loaded={loaded} failed={failed}", flush=True)


ROUNDS = 1500


@pytest.mark.skipif("libasan" in __import__("os").environ.get("LD_PRELOAD", ""),
                    reason="a mutated length makes pickle ask for gigabytes; without the "
                           "address-space cap (impossible under ASan) the OOM killer ends the "
                           "child. The normal suite runs this test.")
@pytest.mark.parametrize("name", list(make_objects()))
def test_mutated_pickles_never_crash(name):
    proc = subprocess.run([sys.executable, __file__, "mutate", name, "1", str(ROUNDS)],
                          capture_output=True, text=True, timeout=600)
    lines = proc.stdout.strip().splitlines()
    assert proc.returncode == 0, (
        f"mutated {name} pickle: exit code {proc.returncode} at seed "
        f"{lines[-1] if lines else '?'} (reproduce with: python {__file__} mutate {name} ...)\n"
        f"{proc.stderr[-3000:]}")
    assert lines and lines[-1].startswith("done"), proc.stdout[-500:]
    loaded = int(lines[-1].split("loaded=")[1].split()[0])
    assert 0 < loaded < ROUNDS     # both outcomes were exercised


if __name__ == "__main__":
    if sys.argv[1:2] == ["mutate"]:
        mutation_main(sys.argv[2], int(sys.argv[3]), int(sys.argv[4]))
