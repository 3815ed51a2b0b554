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
