"""The committed Unicode tables are exactly what the generators make.

csrc/core/tk_wordbreak_data.c and tk_casing_data.c are generated from
Debian's unicode-data package, which the tests require (a missing file is a
failure, as in the conformance test).  Regenerating them here catches a
hand edit, or a generator changed without rerunning it.
"""
import os
import subprocess
import sys

import pytest

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
SOURCES = {
    "tools/gen_wordbreak.py": ("csrc/core/tk_wordbreak_data.c",
                               ["/usr/share/unicode/auxiliary/WordBreakProperty.txt",
                                "/usr/share/unicode/emoji/emoji-data.txt"]),
    "tools/gen_casing.py": ("csrc/core/tk_casing_data.c",
                            ["/usr/share/unicode/DerivedCoreProperties.txt"]),
}


@pytest.mark.parametrize("script", sorted(SOURCES))
def test_committed_table_equals_generator_output(script, tmp_path):
    committed, inputs = SOURCES[script]
    for path in inputs:
        if not os.path.exists(path):
            pytest.fail(f"{path} is missing; install it with: apt-get install unicode-data")
    if not os.path.exists(os.path.join(ROOT, script)):
        pytest.skip("not run from a source checkout")
    out = tmp_path / "table.c"
    subprocess.run([sys.executable, os.path.join(ROOT, script), "--out", str(out)],
                   check=True, cwd=ROOT, capture_output=True)
    with open(os.path.join(ROOT, committed), encoding="utf-8") as f:
        assert out.read_text(encoding="utf-8") == f.read(), \
            f"{committed} differs from what {script} writes; rerun it"
