"""Packaging: python -m build makes an sdist and a wheel that stands alone.

The wheel is built from the sdist (so the sdist is complete), links
utf8proc statically (no libutf8proc in ldd's output), exports only the
module init function, and installs into a fresh virtual environment where
``import textkern`` works.  Nothing is downloaded: the build runs without
isolation, with the setuptools and wheel of this environment.
"""
import importlib.util
import os
import pathlib
import shutil
import subprocess
import sys
import tarfile
import zipfile

import pytest

ROOT = pathlib.Path(__file__).resolve().parent.parent

pytestmark = pytest.mark.slow

SKIP_DIRS = {".git", "build", "dist", ".venv", "__pycache__", ".pytest_cache", ".mypy_cache",
             ".hypothesis", ".cache", "bin"}


def ignore(directory, names):
    return [n for n in names if n in SKIP_DIRS or n.endswith((".egg-info", ".so", ".o"))]


def run(command, cwd, timeout=900, env=None):
    done = subprocess.run(command, cwd=cwd, capture_output=True, text=True, timeout=timeout,
                          env=env)
    assert done.returncode == 0, f"{command} failed:\n{done.stdout}\n{done.stderr}"
    return done.stdout


@pytest.fixture(scope="module")
def dist(tmp_path_factory):
    if not (ROOT / "setup.py").is_file():
        pytest.skip("needs the source tree")
    for module in ("build", "setuptools", "wheel"):
        if importlib.util.find_spec(module) is None:
            pytest.skip(f"{module} is not installed (pip install textkern[dev])")
    work = tmp_path_factory.mktemp("wheel")
    source = work / "src"
    shutil.copytree(ROOT, source, ignore=ignore)
    out = work / "dist"
    run([sys.executable, "-m", "build", "--no-isolation", "--outdir", str(out), str(source)],
        cwd=work)
    return out


def only(paths, what):
    assert len(paths) == 1, f"expected one {what}, found {paths}"
    return paths[0]


def test_build_makes_sdist_and_wheel(dist):
    sdist = only(sorted(dist.glob("textkern-*.tar.gz")), "sdist")
    wheel = only(sorted(dist.glob("textkern-*.whl")), "wheel")
    with tarfile.open(sdist) as archive:
        names = {name.split("/", 1)[1] for name in archive.getnames() if "/" in name}
    # The tests run from an unpacked sdist too: their fixtures (conftest.py),
    # the typing sample and the notebook were missing.
    for needed in ("setup.py", "pyproject.toml", "README.md", "LICENSE", "csrc/core/tk_core.h",
                   "csrc/binding/module.c", "python/textkern/_core.pyi",
                   "python/textkern/py.typed", "tests/conftest.py", "tests/typing_usage.py",
                   "examples/quickstart.ipynb", "Makefile", "tools/bootstrap.sh"):
        assert needed in names, f"{needed} is missing from the sdist"
    assert not [n for n in names if n.endswith((".so", ".o")) or "/.cache/" in n]
    assert any(n.startswith("python/textkern/data/articles/") for n in names)
    with zipfile.ZipFile(wheel) as archive:
        names = set(archive.namelist())
    for needed in ("textkern/__init__.py", "textkern/__init__.pyi", "textkern/_core.pyi",
                   "textkern/py.typed", "textkern/plot.py", "textkern/dask.py"):
        assert needed in names, f"{needed} is missing from the wheel"
    assert any(n.startswith("textkern/_core.") and n.endswith(".so") for n in names)
    assert any(n.endswith(".dist-info/licenses/LICENSE") for n in names), sorted(names)
    assert sum(n.startswith("textkern/data/articles/") and n.endswith(".txt")
               for n in names) >= 8


@pytest.fixture(scope="module")
def extension(dist, tmp_path_factory):
    wheel = only(sorted(dist.glob("textkern-*.whl")), "wheel")
    target = tmp_path_factory.mktemp("unpacked")
    with zipfile.ZipFile(wheel) as archive:
        archive.extractall(target)
    return only(sorted((target / "textkern").glob("_core.*.so")), "extension")


def test_utf8proc_is_linked_statically(extension):
    ldd = shutil.which("ldd")
    if ldd is None:
        pytest.skip("ldd is not available")
    output = run([ldd, str(extension)], cwd=extension.parent)
    assert "libutf8proc" not in output, output
    assert "libz" in output or "libc" in output      # ldd did list the dependencies


def test_only_the_module_init_is_exported(extension):
    nm = shutil.which("nm")
    if nm is None:
        pytest.skip("nm is not available")
    output = run([nm, "-D", "--defined-only", str(extension)], cwd=extension.parent)
    symbols = {line.split()[-1] for line in output.splitlines() if line.strip()}
    assert "PyInit__core" in symbols
    assert not [s for s in symbols if s.startswith(("utf8proc_", "tk_"))], sorted(symbols)


def numpy_only_path(tmp_path):
    """A directory holding just numpy (links), so that the fresh venv sees nothing else."""
    import numpy
    site = pathlib.Path(numpy.__file__).resolve().parent.parent
    shelf = tmp_path / "numpy-only"
    shelf.mkdir()
    for entry in site.iterdir():
        if entry.name == "numpy" or entry.name.startswith(("numpy.libs", "numpy-")):
            (shelf / entry.name).symlink_to(entry)
    return shelf


def test_wheel_installs_into_a_fresh_venv(dist, tmp_path):
    wheel = only(sorted(dist.glob("textkern-*.whl")), "wheel")
    venv = tmp_path / "fresh"
    run([sys.executable, "-m", "venv", str(venv)], cwd=tmp_path)
    python = venv / "bin" / "python"
    run([str(python), "-m", "pip", "install", "--no-index", "--no-deps", "-q", str(wheel)],
        cwd=tmp_path)
    # numpy is the one required dependency; lend it without a download.
    site = pathlib.Path(run([str(python), "-c", "import sysconfig; print(sysconfig.get_paths()"
                                                "['purelib'])"], cwd=tmp_path).strip())
    (site / "numpy_from_host.pth").write_text(str(numpy_only_path(tmp_path)) + "\n")
    check = (
        "import pathlib, sys, textkern\n"
        "here = pathlib.Path(textkern.__file__).resolve()\n"
        "assert str(here).startswith(sys.prefix), here\n"
        "assert textkern.tokenize('서울 19일 발표') == ['서울', '19일', '발표']\n"
        "assert len(textkern.sample_articles()) >= 8\n"
        "assert 0 < textkern.ncd('the cat sat', 'the cat sat down') < 1\n"
        "assert textkern.count('a b a')['a'] == 2\n"
        "assert (here.parent / 'py.typed').is_file()\n"
        "print('fresh venv ok', textkern.__version__, textkern.unicode_version)\n"
    )
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "PYTHONHOME")}
    output = run([str(python), "-c", check], cwd=tmp_path, env=env)
    assert "fresh venv ok" in output
