"""Ctrl-C during a long compression job raises KeyboardInterrupt and stops the C threads."""
import signal
import threading

import pytest

from textkern._similarity import ncd_matrix, nearest

pytestmark = [pytest.mark.skipif(not hasattr(signal, "pthread_kill"), reason="needs pthread_kill"),
              pytest.mark.usefixtures("default_sigint")]


def docs(n):
    base = ("Compression distances need many pairs; this sentence repeats with a counter "
            "so that every document differs a little from the others. ")
    return [f"{i} " + base * (8 + i % 9) for i in range(n)]


def interrupt_soon(delay=0.4):
    main = threading.get_ident()
    timer = threading.Timer(delay, signal.pthread_kill, (main, signal.SIGINT))
    timer.start()
    return timer


@pytest.mark.parametrize("n_threads", [1, 2])
def test_ctrl_c_stops_ncd_matrix(n_threads):
    texts = docs(700)                       # ~490k pairs at level 9: far longer than 0.4 s
    seen = []
    timer = interrupt_soon()
    with pytest.raises(KeyboardInterrupt):
        ncd_matrix(texts, level=9, n_threads=n_threads,
                   progress=lambda done, total: seen.append((done, total)))
    timer.join()
    # Stopped part-way: the last progress report was short of the total.
    assert seen and seen[-1][0] < seen[-1][1]
    # The module still works afterwards.
    assert ncd_matrix(texts[:3]).shape == (3, 3)


def test_ctrl_c_stops_nearest():
    texts = docs(700)
    timer = interrupt_soon()
    with pytest.raises(KeyboardInterrupt):
        nearest(texts, texts, 3, level=9)
    timer.join()


@pytest.fixture(scope="module")
def long_text():
    """About 24 MB that compress slowly at level 9, and how long that takes here."""
    import random
    import time
    from textkern import compressed_size
    rng = random.Random(5)
    text = " ".join(f"w{rng.randrange(5000)}" for _ in range(4 * 1024 * 1024)).encode()
    start = time.perf_counter()
    compressed_size(text, level=9)
    return text, time.perf_counter() - start


@pytest.mark.parametrize("call", ["compressed_size", "ncd", "ncd_matrix"])
def test_ctrl_c_stops_one_long_text(call, long_text):
    # Regression: one long text was compressed in a single uninterruptible
    # call (158 MB took 30 s to notice a Ctrl-C); deflate now gets 1 MiB at
    # a time, and between pieces the job's cancel flag is read.  The check
    # is relative to this machine's own time for the whole text.
    import time
    from textkern import compressed_size, ncd
    text, whole = long_text
    run = {"compressed_size": lambda: compressed_size(text, level=9),
           "ncd": lambda: ncd(text, text[:1000], level=9),
           "ncd_matrix": lambda: ncd_matrix([text, text[:1000]], level=9, n_threads=1)}[call]
    delay = whole / 10
    timer = interrupt_soon(delay)
    start = time.perf_counter()
    with pytest.raises(KeyboardInterrupt):
        run()
    stopped = time.perf_counter() - start
    timer.join()
    # Stopped soon after the signal, long before the text's end.
    assert stopped < delay + whole / 3, (stopped, whole)
