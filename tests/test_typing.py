"""Type information: mypy --strict over a usage file of the whole public API.

Also checks that the stubs describe the runtime (mypy's stubtest), that
mypy rejects misuse (so the stubs are precise, not Any), and that the
usage file runs.
"""
import importlib.util
import os
import pathlib
import subprocess
import sys
import textwrap

import pytest

import textkern

pytest.importorskip("mypy", reason="mypy is not installed (pip install textkern[dev])")

HERE = pathlib.Path(__file__).resolve().parent
USAGE = HERE / "typing_usage.py"
PACKAGE = pathlib.Path(textkern.__file__).resolve().parent

# textkern's runtime modules are typed inline; stubtest compares only the
# package stub (__init__.pyi) and _core.pyi with what is importable.
STUBTEST_ALLOWLIST = r"""
textkern\.(?!_core\.)[a-z_][a-z0-9_]*\..+
textkern\.__main__
# scikit-learn adds these at run time (metadata routing, tags)
textkern\.\w+Vectorizer\.(set_\w+_request|__sklearn_\w+__)
"""


@pytest.fixture(scope="module")
def mypy_cache(tmp_path_factory):
    return tmp_path_factory.mktemp("mypy-cache")


def run_mypy(args, cache, cwd):
    # Run from a scratch directory so that the installed package (with its
    # stubs and py.typed) is what mypy sees, not a source tree.
    command = [sys.executable, "-m", "mypy", "--cache-dir", str(cache), *args]
    done = subprocess.run(command, cwd=cwd, capture_output=True, text=True, timeout=600)
    return done.returncode, done.stdout + done.stderr


def exported():
    return hasattr(textkern, "compare") and "compare" in getattr(textkern, "__all__", ())


def test_package_ships_type_information():
    for name in ("py.typed", "__init__.pyi", "_core.pyi"):
        assert (PACKAGE / name).is_file(), f"{name} is missing from the installed package"


def test_usage_passes_mypy_strict(mypy_cache, tmp_path):
    code, output = run_mypy(["--strict", str(USAGE)], mypy_cache, tmp_path)
    assert code == 0, output
    assert "Success" in output


def test_own_modules_pass_mypy_strict(mypy_cache, tmp_path):
    # The source tree: mypy would take site-packages itself for a source root.
    source = HERE.parent / "python" / "textkern"
    if not (source / "_core.pyi").is_file():
        pytest.skip("needs the source tree")
    files = [source / name for name in ("__init__.pyi", "_core.pyi", "_compare.py",
                                        "_progress.py", "plot.py", "dask.py")]
    code, output = run_mypy(["--strict", "--follow-imports=silent", *map(str, files)],
                            mypy_cache, tmp_path)
    assert code == 0, output


MISUSE = {
    "offsets_tuple_is_not_str": 'textkern.tokenize("a b", offsets=True)[0].upper()',
    "plain_tokens_are_not_tuples": 'textkern.tokenize("a b")[0][1] + 1',
    "str_and_bytes_do_not_mix": 'textkern.ncd("a", b"b")',
    "unknown_format": 'textkern.ncd("a", "b", format="lzma")',
    "count_is_int": 'textkern.count("a").most_common()[0][1].upper()',
    "matrix_is_an_array": 'm: list[float] = textkern.ncd_matrix(["a"])',
    "indices_are_int64": 'i: "npt.NDArray[np.float64]" = textkern.nearest(["a"], ["b"], 1)[0]',
    "nearest_returns_pair": 'a, b, c = textkern.nearest(["a"], ["b"], 1)',
    "batch_offsets": 'textkern.Tokenizer().batch(["a"], offsets=True)[0][0].upper()',
    "labels_are_str": 'textkern.compare(["a", "b"]).labels[0] + 1',
    "unknown_keyword": 'textkern.tokenize("a", lowercase=True)',
}


def test_mypy_rejects_misuse(mypy_cache, tmp_path):
    lines = ["import numpy as np, numpy.typing as npt, textkern"]
    for name, statement in MISUSE.items():
        lines.append(f"{statement}  # {name}")
    source = tmp_path / "misuse.py"
    source.write_text("\n".join(lines) + "\n")
    code, output = run_mypy(["--strict", str(source)], mypy_cache, tmp_path)
    assert code != 0
    flagged = {int(line.split(":")[1]) for line in output.splitlines()
               if line.startswith(source.name + ":") and ": error:" in line}
    for lineno, name in enumerate(MISUSE, start=2):
        assert lineno in flagged, f"mypy accepted {name}: {MISUSE[name]}\n{output}"


def test_stubs_match_runtime(tmp_path):
    if importlib.util.find_spec("mypy.stubtest") is None:
        pytest.skip("mypy.stubtest is not available")
    if not exported():
        pytest.skip("textkern/__init__.py does not export compare/SimilarityResult yet")
    (tmp_path / "allow.txt").write_text(textwrap.dedent(STUBTEST_ALLOWLIST))
    (tmp_path / "stubtest.ini").write_text(
        "[mypy]\nignore_missing_imports = True\n[mypy-textkern.*]\nignore_errors = True\n")
    done = subprocess.run(
        [sys.executable, "-m", "mypy.stubtest", "textkern", "--mypy-config-file", "stubtest.ini",
         "--allowlist", "allow.txt"],
        cwd=tmp_path, capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stdout + done.stderr


def test_usage_file_runs(tmp_path):
    if not exported():
        pytest.skip("textkern/__init__.py does not export compare/SimilarityResult yet")
    for module in ("matplotlib", "scipy", "sklearn", "pandas", "dask"):
        pytest.importorskip(module)
    env = dict(os.environ, MPLBACKEND="Agg")
    done = subprocess.run([sys.executable, str(USAGE)], cwd=tmp_path, capture_output=True,
                          text=True, timeout=600, env=env)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "typing_usage: ok" in done.stdout
