"""Inputs above 2 GiB go through the size_t paths and give exact results."""
import os
import zlib

import pytest

import textkern as tk

pytestmark = pytest.mark.skipif(
    "libasan" in os.environ.get("LD_PRELOAD", ""),
    reason="4 GB of traffic under ASan is slow; the normal suite runs this")

OVER_2_GIB = 2**31 + 4099


@pytest.fixture(scope="module")
def huge():
    # "ab " repeated: about 715 million two-letter words, past every 32-bit size.
    return (b"ab " * (OVER_2_GIB // 3 + 1))[:OVER_2_GIB]


def test_tokenize_and_count_over_2_gib(huge):
    assert tk.tokenize(huge, kinds=("emoji",)) == []
    counts = tk.count(huge, n_threads=1)
    words = OVER_2_GIB // 3 + (1 if OVER_2_GIB % 3 == 2 else 0)
    expected = {"ab": words}
    if OVER_2_GIB % 3 == 1:      # the text ends in a lone "a"
        expected["a"] = 1
    assert counts.to_dict() == expected


def test_compressed_size_over_2_gib_equals_zlib(huge):
    assert tk.compressed_size(huge, level=1) == len(zlib.compress(huge, 1))
