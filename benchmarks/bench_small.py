"""Notebook-sized calls: the time of one call on one sentence, one article
or ten articles, textkern against its peers in this one process.

The other benchmarks measure throughput on 10 MB corpora; a notebook user
mostly calls textkern on one article or a handful, where a fixed cost per
call (starting threads, building options, allocating tables) matters more
than MB/s.  Text: the ten multilingual sample articles that ship with
textkern (English, Korean, German, Russian, Japanese, Chinese, Hindi and
Arabic; 1.5-3.6 KB of UTF-8 each), written for this project.

    python benchmarks/bench_small.py [--repeat 7]

Every call uses the defaults of both sides (textkern's n_threads=None).
Each figure is the best of --repeat timings of a loop long enough to take
about 0.1 s, in microseconds per call; "ratio" is the peer's time over
textkern's (above 1: textkern is faster).  The compression-distance job
checks that both sides return the same matrix (==).
"""
from __future__ import annotations

import argparse
import collections
import gc
import os
import platform
import re
import sys
import time

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)

import textkern  # noqa: E402
from bench_ncd import FORMAT, LEVEL, SEP, original_style  # noqa: E402
from textkern import _core  # noqa: E402


def per_call_us(fn, repeat):
    """Best time of one call, in microseconds, over repeat timed loops."""
    loops, elapsed = 1, 0.0
    while True:   # calibrate: a loop of about 0.1 s
        start = time.perf_counter()
        for _ in range(loops):
            fn()
        elapsed = time.perf_counter() - start
        if elapsed >= 0.1 or loops >= 1 << 20:
            break
        loops *= 4 if elapsed < 0.02 else 2
    best = elapsed / loops
    for _ in range(repeat - 1):
        gc.collect()
        start = time.perf_counter()
        for _ in range(loops):
            fn()
        best = min(best, (time.perf_counter() - start) / loops)
    return best * 1e6


def regex_counter(text):
    return collections.Counter(re.findall(r"\w+", text.lower()))


def jobs(articles):
    """(job, textkern call, peer name, peer call) rows."""
    from sklearn.feature_extraction.text import CountVectorizer as SkCount
    from sklearn.feature_extraction.text import HashingVectorizer as SkHashing
    from sklearn.feature_extraction.text import TfidfVectorizer as SkTfidf

    from textkern.vectorizers import CountVectorizer, HashingVectorizer, TfidfVectorizer

    sentence = articles[0].split("\n")[0]
    one = articles[1]
    tokenizer = textkern.Tokenizer()
    tk_fitted = CountVectorizer().fit(articles)
    sk_fitted = SkCount().fit(articles)
    return [
        ("tokenize one sentence", lambda: textkern.tokenize(sentence),
         're.findall(r"\\w+", s.lower())', lambda: re.findall(r"\w+", sentence.lower())),
        ("count one sentence", lambda: textkern.count(sentence),
         "Counter(re.findall)", lambda: regex_counter(sentence)),
        ("tokenize one article", lambda: textkern.tokenize(one),
         're.findall(r"\\w+", s.lower())', lambda: re.findall(r"\w+", one.lower())),
        ("count one article", lambda: textkern.count(one),
         "Counter(re.findall)", lambda: regex_counter(one)),
        ("count 10 articles", lambda: textkern.count(articles),
         "Counter(re.findall), summed", lambda: sum(map(regex_counter, articles),
                                                    collections.Counter())),
        ("Tokenizer.batch, 10 articles", lambda: tokenizer.batch(articles),
         "re.findall per article", lambda: [re.findall(r"\w+", a.lower()) for a in articles]),
        ("CountVectorizer fit_transform, 10 articles",
         lambda: CountVectorizer().fit_transform(articles),
         "scikit-learn CountVectorizer", lambda: SkCount().fit_transform(articles)),
        ("TfidfVectorizer fit_transform, 10 articles",
         lambda: TfidfVectorizer().fit_transform(articles),
         "scikit-learn TfidfVectorizer", lambda: SkTfidf().fit_transform(articles)),
        ("HashingVectorizer transform, 10 articles",
         lambda: HashingVectorizer().transform(articles),
         "scikit-learn HashingVectorizer", lambda: SkHashing().transform(articles)),
        ("fitted CountVectorizer transform, one article",
         lambda: tk_fitted.transform([one]),
         "scikit-learn, fitted", lambda: sk_fitted.transform([one])),
        ("ncd_matrix, 10 x 10 articles (gzip 9)",
         lambda: textkern.ncd_matrix(articles, level=LEVEL, format=FORMAT, sep=SEP),
         "gzip per pair (the paper's loop)", lambda: original_style(articles, articles)),
    ]


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=7, help="timed loops per call (best)")
    args = parser.parse_args()

    articles = textkern.sample_texts()
    sizes = [len(a.encode()) for a in articles]
    print(f"textkern {textkern.__version__}, Python {platform.python_version()}, "
          f"{_core.cpu_count} CPUs")
    print(f"text: the {len(articles)} sample articles, {min(sizes)}-{max(sizes)} bytes of "
          f"UTF-8 each, {sum(sizes)} in all\n")

    tk_matrix = textkern.ncd_matrix(articles, level=LEVEL, format=FORMAT, sep=SEP)
    assert np.array_equal(tk_matrix, original_style(articles, articles)), "NCD differs"

    print("| call | textkern (us) | peer | peer (us) | ratio |")
    print("|---|---:|---|---:|---:|")
    for name, ours, peer_name, peer in jobs(articles):
        t_ours = per_call_us(ours, args.repeat)
        t_peer = per_call_us(peer, args.repeat)
        print(f"| {name} | {t_ours:,.1f} | {peer_name} | {t_peer:,.1f} | "
              f"{t_peer / t_ours:.2f}x |", flush=True)
    print("\nidentical results: ncd_matrix == the paper's gzip loop (==)")


if __name__ == "__main__":
    main()
