"""textkern.segment against the Unicode word-break conformance file.

WordBreakTest.txt lists strings with the break opportunities marked; every
case must give exactly those pieces.  The file comes from Debian's
unicode-data package, which the project requires for its tests, so a missing
file is a failure rather than a skip.
"""
import os
import re

import pytest

import textkern

WORDBREAK_TEST = "/usr/share/unicode/auxiliary/WordBreakTest.txt"
EXPECTED_CASES = 1823  # Unicode 15.0.0; update together with the tables
BREAK = "\u00f7"
NO_BREAK = "\u00d7"


def load_cases():
    if not os.path.exists(WORDBREAK_TEST):
        pytest.fail(f"{WORDBREAK_TEST} is missing; install it with: apt-get install unicode-data")
    version = None
    cases = []
    with open(WORDBREAK_TEST, encoding="utf-8") as f:
        for line_no, line in enumerate(f, 1):
            if version is None:
                m = re.match(r"#\s*WordBreakTest-(\d+\.\d+\.\d+)\.txt", line)
                if m:
                    version = m.group(1)
            data = line.split("#", 1)[0].split()
            if not data:
                continue
            pieces, current = [], []
            for item in data:
                if item == BREAK:
                    if current:
                        pieces.append("".join(current))
                        current = []
                elif item == NO_BREAK:
                    pass
                else:
                    current.append(chr(int(item, 16)))
            assert data[0] == BREAK and data[-1] == BREAK and not current, line
            cases.append((line_no, "".join(pieces), pieces))
    return version, cases


def test_file_is_the_expected_one():
    version, cases = load_cases()
    assert version is not None, "no 'WordBreakTest-X.Y.Z.txt' header line"
    assert len(cases) == EXPECTED_CASES


def test_unicode_version_matches_file():
    version, _ = load_cases()
    assert textkern.unicode_version.startswith(version), (
        f"textkern.unicode_version is {textkern.unicode_version!r}, test file is {version}")


def test_every_case_gives_the_expected_pieces():
    _, cases = load_cases()
    failures = []
    passed = 0
    for line_no, text, expected in cases:
        got = textkern.segment(text)
        assert "".join(got) == text
        if got == expected:
            passed += 1
        else:
            failures.append(f"line {line_no}: {[hex(ord(c)) for c in text]} "
                            f"gave {got!r}, expected {expected!r}")
    assert not failures, f"{len(failures)} of {len(cases)} cases differ:\n" + "\n".join(failures[:20])
    assert passed == EXPECTED_CASES


def test_cases_also_hold_inside_longer_text():
    # A case must segment the same way when it is not at the start of the
    # input.  U+000B (Newline) breaks on both sides (WB3a, WB3b) and, unlike
    # LF, never joins a case that ends in CR, so the pieces of the whole
    # stream are the separators and the pieces of each case in turn.
    _, cases = load_cases()
    text = "".join("\x0b" + t for _, t, _ in cases)
    expected = []
    for _, _, pieces in cases:
        expected.append("\x0b")
        expected.extend(pieces)
    assert textkern.segment(text) == expected
