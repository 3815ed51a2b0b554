"""Fixtures shared by the test files."""
import signal

import pytest


@pytest.fixture
def default_sigint():
    """Make SIGINT raise KeyboardInterrupt for the duration of a test.

    A process started in the background by a non-interactive shell (``cmd &``,
    ``nohup``, some CI runners) inherits SIGINT as ignored, and Python then
    keeps it ignored: the Ctrl-C tests would send a signal that nothing sees.
    """
    previous = signal.signal(signal.SIGINT, signal.default_int_handler)
    try:
        yield
    finally:
        signal.signal(signal.SIGINT, previous)


@pytest.fixture
def uneven_corpora():
    """Corpora whose documents differ wildly in size, by name.

    Threads take chunks of documents cut by size (count() gives the later
    chunks less): a document heavier than a chunk, empty documents and fewer
    documents than chunks must not change any result.
    """
    return {
        "huge first": ["alpha beta " * 5000] + ["beta gamma %d" % i for i in range(40)],
        "huge last": ["beta gamma %d" % i for i in range(40)] + ["alpha beta " * 5000],
        "huge middle": (["x%d y" % i for i in range(30)] + ["z w " * 8000]
                        + ["x%d" % i for i in range(30)]),
        "all empty": [""] * 50,
        "empty and one word": [""] * 25 + ["word"] + [""] * 25,
        "fewer documents than chunks": ["one two", "two three"],
        "one document": ["só um documento, один документ"],
        "ascending sizes": [("w%d " % i) * i for i in range(60)],
    }
