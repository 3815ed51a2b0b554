"""Tokenization throughput: textkern against common Python tokenizers.

All peers run in this one process on the same real-language multilingual
corpus (see benchmarks/corpus.py), each over the same list of documents.
Prints MB/s (UTF-8 bytes of input per second, best of --repeat runs) and
the ratio of textkern to each peer; then textkern.map_text against the
same whole-text mapping in Python, with identical outputs asserted.

    python benchmarks/bench_tokenize.py [--mb 10] [--repeat 3]
"""
from __future__ import annotations

import argparse
import gc
import os
import re
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import corpus  # noqa: E402

import textkern  # noqa: E402


def best_time(fn, repeat):
    best = float("inf")
    result = None
    for _ in range(repeat):
        # Every run starts from the same heap: the last run's result (a
        # list per document) is freed first, not while the next is built.
        result = None
        gc.collect()
        start = time.perf_counter()
        result = fn()
        best = min(best, time.perf_counter() - start)
    return best, result


def peers(docs):
    """(name, callable over all docs) for every installed peer."""
    word_re = re.compile(r"\w+")
    out = [("re.findall(r'\\w+', d.lower())", lambda: [word_re.findall(d.lower()) for d in docs])]
    try:
        import regex

        wb = regex.compile(r"(?w)\b\w+\b")   # (?w): Unicode default word boundaries
        out.append(("regex (?w) word boundaries", lambda: [wb.findall(d.lower()) for d in docs]))
    except ImportError:
        print("(regex not installed: pip install regex)")
    try:
        from sklearn.feature_extraction.text import CountVectorizer

        analyzer = CountVectorizer().build_analyzer()
        out.append(("scikit-learn build_analyzer()", lambda: [analyzer(d) for d in docs]))
    except ImportError:
        print("(scikit-learn not installed)")
    try:
        from tokenizers.pre_tokenizers import Whitespace

        pre = Whitespace()
        out.append(("HF tokenizers Whitespace pre-tokenizer",
                    lambda: [pre.pre_tokenize_str(d) for d in docs]))
    except ImportError:
        print("(tokenizers not installed: pip install tokenizers)")
    try:
        from nltk.tokenize import wordpunct_tokenize

        out.append(("NLTK wordpunct_tokenize", lambda: [wordpunct_tokenize(d) for d in docs]))
    except ImportError:
        print("(nltk not installed: pip install nltk)")
    return out


def run_suite(title, docs, repeat):
    """Time textkern and every peer on docs; print one table."""
    mb = sum(len(d.encode("utf-8")) for d in docs) / 1e6
    print(f"\n== {title}: {corpus.describe(docs)}")
    tok = textkern.Tokenizer()
    rows = []
    t_single, tokens_single = best_time(lambda: [textkern.tokenize(d) for d in docs], repeat)
    rows.append(("textkern.tokenize (1 thread)", t_single))
    t_b1, batch1 = best_time(lambda: tok.batch(docs, n_threads=1), repeat)
    rows.append(("textkern Tokenizer.batch, 1 thread", t_b1))
    t_b2, batch2 = best_time(lambda: tok.batch(docs, n_threads=2), repeat)
    rows.append(("textkern Tokenizer.batch, 2 threads", t_b2))
    # The batch must give exactly what the single calls give.
    assert batch1 == tokens_single and batch2 == tokens_single
    for name, fn in peers(docs):
        t, _ = best_time(fn, repeat)
        rows.append((name, t))

    print(f"{'tokenizer':42s} {'MB/s':>8s} {'tokenize is':>14s}")
    for name, t in rows:
        print(f"{name:42s} {mb / t:8.1f} {t / t_single:13.2f}x")
    print(f"batch speed-up, 2 threads vs 1: {t_b1 / t_b2:.2f}x; "
          f"{sum(map(len, tokens_single)):,} tokens over {len(docs):,} documents, {mb:.1f} MB")


def mapping_suite(docs, repeat):
    """Whole-text mapping: textkern.map_text against the same mapping in Python."""
    import unicodedata

    mb = sum(len(d.encode("utf-8")) for d in docs) / 1e6
    print(f"\n== whole-text mapping, multilingual ({mb:.1f} MB); outputs asserted identical")
    jobs = [
        ("NFKC + case folding",
         lambda d: textkern.map_text(d),
         "unicodedata NFKC(casefold(NFKC(d)))",
         lambda d: unicodedata.normalize("NFKC", unicodedata.normalize("NFKC", d).casefold())),
        ("lowercase only",
         lambda d: textkern.map_text(d, case="lower", normalize=None),
         "str.lower", str.lower),
    ]
    print(f"{'mapping':22s} {'textkern MB/s':>14s} {'peer':38s} {'MB/s':>8s} {'ratio':>7s}")
    for title, ours, peer_name, peer in jobs:
        t_ours, got = best_time(lambda: [ours(d) for d in docs], repeat)
        t_peer, want = best_time(lambda: [peer(d) for d in docs], repeat)
        assert got == want, f"{title}: map_text differs from {peer_name}"
        print(f"{title:22s} {mb / t_ours:14.1f} {peer_name:38s} {mb / t_peer:8.1f} "
              f"{t_peer / t_ours:6.2f}x")


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--mb", type=float, default=10.0, help="corpus size in MB")
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args(argv)

    print(f"textkern {textkern.__version__}, Unicode {textkern.unicode_version}, "
          f"{os.cpu_count()} CPUs; MB/s of UTF-8 input, best of {args.repeat}")
    docs = corpus.documents(min_mb=args.mb)
    run_suite("multilingual", docs, args.repeat)
    mapping_suite(docs, args.repeat)
    english = [r["text"] for r in corpus.records(verbose=False) if r["lang"] == "en"]
    run_suite("English only", english, args.repeat)


if __name__ == "__main__":
    main()
