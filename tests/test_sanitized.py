"""Checks that only mean something on a sanitized build (make test-asan).

UndefinedBehaviorSanitizer reports on stderr and lets the process go on,
so these tests run each snippet in a child interpreter (which inherits
LD_PRELOAD and the sanitizer options) and fail on any sanitizer report.
On a normal build they are skipped: the bugs they cover cause no visible
misbehaviour there.
"""
import os
import subprocess
import sys
import textwrap

import pytest



def _sanitized() -> bool:
    # A sanitized _core only imports with libasan preloaded (make test-asan).
    try:
        with open("/proc/self/maps") as maps:
            return "libasan" in maps.read()
    except OSError:
        return False


pytestmark = pytest.mark.skipif(not _sanitized(), reason="needs the ASan/UBSan build (make test-asan)")

REPORT_MARKERS = ("runtime error:", "ERROR: AddressSanitizer", "ERROR: LeakSanitizer")


def run_snippet(code: str) -> str:
    env = dict(os.environ)
    # Report and continue, so that one finding does not hide the others.
    env["UBSAN_OPTIONS"] = "print_stacktrace=1:halt_on_error=0"
    proc = subprocess.run([sys.executable, "-c", textwrap.dedent(code)], env=env,
                          capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stderr[-4000:]
    return proc.stderr


def assert_clean(stderr: str) -> None:
    found = [line for line in stderr.splitlines() if any(m in line for m in REPORT_MARKERS)]
    assert not found, "\n".join(found[:20])


def test_stopword_that_maps_to_nothing():
    # Regression: tk_stopwords_add copied into a NULL arena (fixed in 350690e).
    assert_clean(run_snippet("""
        import textkern
        assert textkern.tokenize("a b", stopwords=[""]) == ["a", "b"]
        assert textkern.tokenize("a \\u0301 b", stopwords=["\\u0301"], strip_accents=True) == ["a", "b"]
    """))


def test_empty_term_first():
    # Regression: tk_vocab_add_hashed copied into a NULL arena (fixed in 5aae9db).
    assert_clean(run_snippet("""
        import textkern
        assert textkern.Counts({"": 2})[""] == 2
        assert textkern.Counts(["", "a"]).total() == 2
    """))


def test_edge_inputs_are_clean():
    # A sweep over the bad-input classes in one child, so that a report
    # names the snippet's line.
    assert_clean(run_snippet("""
        import textkern
        texts = ["", " ", "\\x00", "a\\x00b", "\\u0301", "👨‍👩‍👧‍👦" * 50, "ﷺ" * 100,
                 "x" * 100000, "e\\u0301" * 1000, "1.1.1.1", "a'b'c'd", "🇰🇷🇺🇸🇩"]
        blobs = [b"", b"\\xff", b"\\xed\\xa0\\x80", b"abc\\xc3", b"\\xf4\\x90\\x80\\x80"]
        for t in texts:
            for case in ("fold", "lower", None):
                for norm in ("NFKC", "NFC", None):
                    textkern.tokenize(t, case=case, normalize=norm, strip_accents=True,
                                      kinds=("word", "number", "emoji", "punct"))
            for analyzer in ("word", "char", "char_wb", "grapheme"):
                textkern.ngrams(t, (1, 4), analyzer=analyzer)
            textkern.segment(t)
        for b in blobs:
            for errors in ("replace", "ignore"):
                textkern.tokenize(b, errors=errors)
                textkern.count([b, b], errors=errors, n_threads=2)
            textkern.compressed_size(b, level=0)
        for level in (-1, 0, 1, 9):
            for fmt in ("zlib", "gzip", "deflate"):
                textkern.ncd_matrix(texts[:6], level=level, format=fmt, n_threads=2)
                textkern.nearest(texts[:3], texts, k=2, level=level, format=fmt, n_threads=2)
    """))
