"""Fuzz the public Python API: random arguments, only documented exceptions.

The driver lives in ``fuzz_api_atheris.py`` (also runnable under atheris for
long sessions); here hypothesis and a seeded pseudo-random sweep feed it.
Every public function is called with random types, random option values,
random str (lone surrogates, NULs, combining marks, emoji) and bytes
(invalid UTF-8), huge and negative ints, NaN, nested lists and generators.
Allowed outcomes: a result that passes the driver's invariants, or one of
TypeError, ValueError (NotFittedError and UnicodeError included),
OverflowError, KeyError for Mapping lookups, the exception of a callback
we passed in, and re.error for a random ``token_pattern``
(see docs/bad_input.md).
"""
from __future__ import annotations

import collections
import random
import sys
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

sys.path.insert(0, str(Path(__file__).resolve().parent))
import fuzz_api_atheris as driver  # noqa: E402

import textkern  # noqa: E402

FUZZ_SETTINGS = settings(
    max_examples=120,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large,
                           HealthCheck.filter_too_much],
    database=None,
)


@pytest.mark.parametrize("target", driver.TARGETS, ids=lambda t: t.__name__[2:])
@FUZZ_SETTINGS
@given(data=st.data())
def test_random_arguments_raise_only_documented_exceptions(target, data):
    driver.run_one(driver.HypothesisSource(data), target)


class RandomSource(driver.Source):
    """Plain pseudo-random choices: many cheap executions, reproducible by seed."""

    def __init__(self, seed: int):
        self.rng = random.Random(seed)

    def int(self, lo, hi):
        return self.rng.randint(lo, hi)

    def bytes(self, max_len):
        return self.rng.randbytes(self.rng.randint(0, max_len))


def test_seeded_sweep_raises_only_documented_exceptions():
    outcomes = collections.Counter()
    for seed in range(6000):
        try:
            outcomes[driver.run_one(RandomSource(seed))] += 1
        except AssertionError as exc:
            raise AssertionError(f"seed {seed}: {exc}") from exc
    # The sweep reaches both the happy paths and the error paths.
    assert outcomes["ok"] > 1000
    assert outcomes["TypeError"] > 500 and outcomes["ValueError"] > 500


def test_driver_tolerates_nothing_but_listed_bugs(monkeypatch):
    # Keeps KNOWN_BUGS honest: an unlisted exception always fails, a listed
    # one is excused only outside strict mode.
    def bad_target(src):
        raise AttributeError("'int' object has no attribute 'lower'")

    bad_target.__name__ = "t_vectorizer"
    with pytest.raises(driver.UndocumentedException):
        driver.run_one(RandomSource(0), bad_target)
    monkeypatch.setattr(driver, "KNOWN_BUGS",
                        (("t_vectorizer", AttributeError, "has no attribute 'lower'"),))
    assert driver.run_one(RandomSource(0), bad_target) == "known bug"
    with pytest.raises(driver.UndocumentedException):
        driver.run_one(RandomSource(0), bad_target, strict=True)


# Regression tests for bugs the fuzzer found (fixed ones are plain tests).
@pytest.mark.parametrize("params", [{"token_pattern": r"\w+"}, {"tokenizer": str.split},
                                    {"analyzer": lambda doc: doc.split()}])
def test_vectorizer_python_path_rejects_non_text_with_type_error(params):
    with pytest.raises(TypeError, match="item 1"):
        textkern.CountVectorizer(**params).fit(["a b", None])


@pytest.mark.parametrize("call", [
    lambda mv: textkern.tokenize(mv),
    lambda mv: textkern.segment(mv),
    lambda mv: textkern.Tokenizer().batch([mv]),
    lambda mv: textkern.count([mv]),
    lambda mv: textkern.ngrams(mv),
    lambda mv: textkern.compressed_size(mv),
    lambda mv: textkern.ncd(mv, b"x"),
    lambda mv: textkern.ncd_matrix([mv]),
    lambda mv: textkern.nearest([mv], [b"x"], 1),
], ids=["tokenize", "segment", "batch", "count", "ngrams", "compressed_size", "ncd", "ncd_matrix",
        "nearest"])
def test_non_contiguous_buffers_raise_type_error(call):
    with pytest.raises(TypeError, match="contiguous"):
        call(memoryview(b"a b c d")[::2])


@FUZZ_SETTINGS
@given(data=st.data())
def test_huge_counts_never_wrap(data):
    big = data.draw(st.integers(2**62, 2**63 - 1))
    try:
        counts = textkern.Counts({"a": big, "b": big})   # the total may not fit either
    except OverflowError:
        counts = textkern.Counts({"a": big})
    other = textkern.Counts({"a": data.draw(st.integers(1, 2**63 - 1))})
    expected = counts["a"] + other["a"]

    def updated():
        copy = counts.copy()
        copy.update(other)
        return copy

    for compute in (lambda: counts + other, updated):
        try:
            merged = compute()
        except OverflowError:
            # Only when a count or the total really passes 2**63 - 1.
            assert counts.total() + other.total() > 2**63 - 1
            continue
        assert merged["a"] == expected, f"wrapped to {merged['a']}"
        assert merged.total() == counts.total() + other.total()
