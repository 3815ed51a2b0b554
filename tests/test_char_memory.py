"""The char analyzers and char hashing on one huge document: memory and exactness.

Regression: the char, char_wb and grapheme analyzers held about 11 bytes
per code point of the mapped text (an 8-byte offset per code point, the
mapped text twice, and the mapping's scratch when no ASCII space let the
text be cut), and HashingVectorizer(analyzer="char") held a (column, sign)
value per gram plus its sort buffer.  Now the text is mapped in pieces
appended to one buffer, grams are cut by stepping through its UTF-8, and
a long hashed row is summed every 2**20 grams.  Extra peak RSS measured
here, before -> after:

  20 MB of ASCII words    count +208 -> +29 MB, fit +209 -> +31 MB,
                          char_wb +254 -> +20 MB, grapheme +210 -> +32 MB,
                          hashing +1160 -> +40 MB
  2.7 MB of U+FDFA        count and fit +294 -> +37 MB, hashing +1091 -> +53 MB
  (30 MB once mapped)
"""
from __future__ import annotations

import collections
import json
import os
import random
import subprocess
import sys

import numpy as np
import pytest

import textkern
from textkern import CountVectorizer, HashingVectorizer, _core

# A fresh process per case, so that the high-water mark is this call's.
# The baseline is taken once the document exists; VmHWM is reset to it
# where the kernel allows (ru_maxrss otherwise, which can only be higher
# before the call and so only under-reports the growth).
MEMORY_SCRIPT = r"""
import json, random, resource, sys
import numpy, scipy.sparse
import textkern
from textkern import CountVectorizer, HashingVectorizer

call, kind, size = sys.argv[1], sys.argv[2], int(sys.argv[3])
if kind == "ascii":
    r = random.Random(1)
    words = ["".join(r.choice("abcdefghijklmnopqrstuvwxyz") for _ in range(r.randint(2, 9)))
             for _ in range(300)]
    block = " ".join(r.choice(words) for _ in range(100_000)) + " "
    doc = block * (size // len(block))
else:
    doc = "\ufdfa" * size

def status(key):
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith(key + ":"):
                return int(line.split()[1]) * 1024

try:
    with open("/proc/self/clear_refs", "w") as f:
        f.write("5")
    reset = True
except OSError:
    reset = False
before = status("VmRSS")
if call == "count":
    out = textkern.count(doc, analyzer="char", ngram_range=(3, 5))
elif call == "count_wb":
    out = textkern.count(doc, analyzer="char_wb", ngram_range=(3, 5))
elif call == "count_grapheme":
    out = textkern.count(doc, analyzer="grapheme", ngram_range=(3, 5))
elif call == "fit":
    out = CountVectorizer(analyzer="char", ngram_range=(3, 5)).fit_transform([doc])
elif call == "hashing":
    out = HashingVectorizer(analyzer="char", ngram_range=(3, 5)).transform([doc])
peak = status("VmHWM") if reset else resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024
print(json.dumps({"extra": peak - before, "bytes": len(doc.encode()),
                  "terms": out.nnz if hasattr(out, "nnz") else len(out)}))
"""


def extra_in_subprocess(call, kind, size):
    done = subprocess.run([sys.executable, "-c", MEMORY_SCRIPT, call, kind, str(size)],
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr[-2000:]
    return json.loads(done.stdout)


needs_proc = pytest.mark.skipif(not os.path.exists("/proc/self/status"),
                                reason="reads /proc/self/status")
not_sanitized = pytest.mark.skipif(bool(os.environ.get("TEXTKERN_SANITIZED")),
                                   reason="ASan's allocator changes the peaks measured")


# 20 MB of ASCII words (300 distinct, so the vocabulary stays small):
# 10.6-13.0 times the input before (hashing 59), 1.0-2.0 now.
@needs_proc
@not_sanitized
@pytest.mark.parametrize("call", ["count", "fit", "count_wb", "count_grapheme", "hashing"])
def test_huge_char_document_extra_memory_is_a_few_times_its_size(call):
    report = extra_in_subprocess(call, "ascii", 20_000_000)
    assert report["terms"] > 1000
    ratio = report["extra"] / report["bytes"]
    assert ratio < 4.0, f"{call}: +{report['extra'] / 1e6:.0f} MB for {report['bytes']} bytes"


# 900,000 U+FDFA (2.7 MB) are 30 MB, 16.2 million code points, once NFKC
# maps them: 9.9 times that before (hashing 37), 1.2-1.8 now.
@needs_proc
@not_sanitized
@pytest.mark.parametrize("call", ["count", "fit", "hashing"])
def test_nfkc_expanding_document_extra_memory_is_a_few_times_its_mapped_size(call):
    n = 900_000
    report = extra_in_subprocess(call, "fdfa", n)
    mapped = n * len(textkern.map_text("\ufdfa").encode())
    assert mapped > 25_000_000
    ratio = report["extra"] / mapped
    assert ratio < 3.0, f"{call}: +{report['extra'] / 1e6:.0f} MB for {mapped / 1e6:.0f} MB mapped"


# ------------------------------------------------------------- exactness
# The char analyzers map a document in pieces of about 64 KiB, cut before a
# character that neither case mapping nor normalization reaches across;
# whitespace runs and char_wb words go on across the cuts.  A hashed row
# is summed every 2**20 grams.  The references below are the whole text
# mapped at once (map_text cuts only before an ASCII space followed by
# ASCII, so a text with none is mapped in one piece) and n-grams in Python.
PIECE = 1 << 16


def collapse(text):
    out, run = [], 0
    for ch in text:
        if ch.isspace():
            run += 1
            if run == 1:
                out.append(ch)
            elif run == 2:
                out[-1] = " "
        else:
            run = 0
            out.append(ch)
    return "".join(out)


def char_grams(text, lo, hi):
    text = collapse(text)
    return [text[i:i + n] for n in range(lo, hi + 1) for i in range(len(text) - n + 1)]


def char_wb_grams(text, lo, hi):
    # scikit-learn's _char_wb_ngrams
    grams = []
    for word in text.split():
        word = " " + word + " "
        for n in range(lo, hi + 1):
            offset = 0
            grams.append(word[offset:offset + n])
            while offset + n < len(word):
                offset += 1
                grams.append(word[offset:offset + n])
            if offset == 0:
                break
    return grams


# Never an ASCII space followed by ASCII: map_text maps these whole.
UNITS = ["b", "Q", "\u3000", "\u3000\u3000", "\u0085", "\u03a3", "\u0130", "\u0301", "\u0323",
         "\ufdfa", "\uac00", "\u1100", "\u1161", "\u4e2d", "'", ".", "1", "-", "\u00df",
         "\U0001f468\u200d\U0001f469", "\u0345", "\u2460", "\ufb01", "e\u0301", "\u3392",
         "\u00c5", "\u212b", "\u05d0", "\u03c2", "\u00ad", "\t\u2003", "\n\u00a0"]


def piece_crossing_texts():
    # Lengths around one and two pieces, with the cut landing on each unit.
    r = random.Random(7)
    for target in (PIECE - 3, PIECE + 5, 2 * PIECE + 1):
        for unit in ("\u3000\u3000", "1\u0301", "\ufdfa", "\u03a3'\u0301b", "\t\u2003x"):
            head = "a" * (target - 8) + "\u03a3"
            yield head + unit + "".join(r.choice(UNITS) for _ in range(40))
    for seed in range(2):
        r = random.Random(seed)
        yield "".join(r.choice(UNITS + ["a"] * 8) for _ in range(60_000))


@pytest.mark.parametrize("case", ["fold", "lower"])
def test_char_grams_across_pieces_equal_the_whole_text(case):
    for text in piece_crossing_texts():
        assert len(text.encode()) > PIECE - 100
        mapped = textkern.map_text(text, case=case)
        for analyzer, reference in (("char", char_grams), ("char_wb", char_wb_grams)):
            want = collections.Counter(reference(mapped, 2, 4))
            got = textkern.count(text, analyzer=analyzer, ngram_range=(2, 4), case=case)
            assert dict(got) == dict(want), (analyzer, case, len(text))
            # the same first-appearance order
            assert list(got) == list(want), (analyzer, case, len(text))
        assert textkern.ngrams(text, 2, analyzer="char", case=case) == char_grams(mapped, 2, 2)


def test_fit_and_transform_across_pieces_equal_counting():
    texts = list(piece_crossing_texts())[:6]
    for analyzer in ("char", "char_wb", "grapheme"):
        vec = CountVectorizer(analyzer=analyzer, ngram_range=(1, 3))
        X = vec.fit_transform(texts)
        for row, text in zip(X.toarray(), texts):
            want = textkern.count(text, analyzer=analyzer, ngram_range=(1, 3))
            got = {term: row[col] for term, col in vec.vocabulary_.items() if row[col]}
            assert got == dict(want)
        assert (vec.transform(texts) != X).nnz == 0


def hashed_reference(grams, n_features, alternate_sign):
    cols = collections.Counter()
    for gram, count in collections.Counter(grams).items():
        h = _core.hash_term(gram)
        sign = -1 if alternate_sign and h >> 63 else 1
        cols[(h & (2 ** 63 - 1)) % n_features] += sign * count
    return {c: v for c, v in cols.items() if v}


@pytest.mark.parametrize("n_features, alternate_sign",
                         [(2 ** 20, True), (2 ** 20, False), (1000, True)])
def test_long_hashed_row_equals_summing_every_gram(n_features, alternate_sign):
    # 400,000 code points: 1.2 million (3, 5)-grams, past the 2**20 at which
    # the pending grams are summed; few columns (1000) make sums of 0.
    r = random.Random(3)
    doc = "".join(r.choice("abcdefgh \u03a3\u00e9") for _ in range(400_000))
    docs = [doc, doc[:50_000], "short one"]
    X = HashingVectorizer(analyzer="char", ngram_range=(3, 5), n_features=n_features,
                          alternate_sign=alternate_sign, norm=None, dtype=np.int64).transform(docs)
    for i, text in enumerate(docs):
        row = X.getrow(i)
        got = {int(c): int(v) for c, v in zip(row.indices, row.data)}
        want = hashed_reference(char_grams(textkern.map_text(text), 3, 5), n_features,
                                alternate_sign)
        assert got == want
        assert list(row.indices) == sorted(row.indices)
        assert 0 not in row.data
