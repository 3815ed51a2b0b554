"""Checks on the machine code of the built extension.

Regression: GCC judged the second-stage prefetch helpers (a load, then
__builtin_prefetch) to be pure functions and deleted the calls it had not
inlined, so the counting pipe and the str cache only ever prefetched their
first step.  The helpers are now forced inline; this test reads the
disassembly of the functions that use them.
"""
import platform
import re
import shutil
import subprocess

import pytest

import textkern._core


def prefetches_by_function(path):
    done = subprocess.run(["objdump", "-d", "--no-show-raw-insn", path],
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    counts, current = {}, None
    for line in done.stdout.splitlines():
        header = re.match(r"^[0-9a-f]+ <([^>]+)>:$", line)
        if header:
            current = header.group(1)
        elif current and re.search(r"\tprefetch", line):
            counts[current] = counts.get(current, 0) + 1
    return counts


@pytest.mark.skipif(platform.machine() not in ("x86_64", "AMD64"),
                    reason="reads x86-64 prefetch instructions")
@pytest.mark.skipif(shutil.which("objdump") is None, reason="objdump is not available")
def test_two_stage_prefetches_survive_compilation():
    counts = prefetches_by_function(textkern._core.__file__)
    if not counts:
        pytest.skip("no symbols or no prefetches: a stripped or non-GCC build")
    # The counting pipe: slot, then term record.
    assert counts.get("sink_gram", 0) >= 2, counts
    # The str cache: entry (warm-up loop and main loop), then the str itself.
    assert counts.get("token_list_to_python", 0) >= 3, counts
