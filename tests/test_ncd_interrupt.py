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
