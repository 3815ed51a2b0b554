"""Warnings that point at the user's line, not at textkern's internals."""
from __future__ import annotations

import os
import sys
import warnings

_PACKAGE_DIR = os.path.dirname(os.path.abspath(__file__)) + os.sep


def warn_user(message: str, category: type = UserWarning) -> None:
    """``warnings.warn`` at the innermost frame outside the textkern package.

    A fixed ``stacklevel`` is right for one call path only: the same
    warning reached through ``CompressionKNN.predict``, ``compare`` or a
    vectorizer's ``fit`` would name a line inside textkern, and the default
    warning filter would then show it once per textkern line instead of
    once per line of the user's code.
    """
    level = 1
    frame = sys._getframe(0)
    while frame is not None and os.path.abspath(frame.f_code.co_filename).startswith(_PACKAGE_DIR):
        frame = frame.f_back
        level += 1
    warnings.warn(message, category, stacklevel=level)
