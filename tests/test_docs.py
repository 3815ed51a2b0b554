"""The examples users read run and print what they show.

* Every ``>>>`` example in the package's docstrings is run with doctest.
* The README's API tour is executed block by block. Where a line shows
  its result (a comment holding a Python literal, on the same line or the
  next, or ``# == expression``), the result must equal it. Lines that use
  placeholders the tour never defines (``docs``, ``labels``...) are skipped;
  any other failure means the tour is out of date.
"""
import ast
import doctest
import gzip
import importlib
import io
import pathlib
import re
import tokenize
import zlib

import pytest

import textkern

ROOT = pathlib.Path(__file__).resolve().parent.parent
README = ROOT / "README.md"

DOCTEST_MODULES = ["_compare", "_counting", "_progress", "_samples", "_similarity", "_tokens",
                   "vectorizers", "dask", "plot"]
OPTIONAL = {"dask": "dask.bag", "plot": "matplotlib"}


@pytest.mark.parametrize("name", DOCTEST_MODULES)
def test_docstring_examples_run(name):
    if name in OPTIONAL:
        pytest.importorskip(OPTIONAL[name])
    if name == "plot":
        import matplotlib
        matplotlib.use("Agg")
    module = importlib.import_module("textkern." + name)
    finder = doctest.DocTestFinder()
    runner = doctest.DocTestRunner(optionflags=doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE)
    out = io.StringIO()
    examples = 0
    for test in finder.find(module, "textkern." + name, extraglobs={"tk": textkern}):
        examples += len(test.examples)
        runner.run(test, out=out.write)
    failed, _ = runner.summarize(verbose=False)
    assert failed == 0, out.getvalue()
    assert examples > 0, f"textkern.{name} has no examples left to run"


def test_every_module_with_examples_is_checked():
    # A new module's examples would otherwise never run.
    with_examples = {p.stem for p in (ROOT / "python" / "textkern").glob("*.py")
                     if ">>> " in p.read_text(encoding="utf-8")}
    assert with_examples <= set(DOCTEST_MODULES), with_examples - set(DOCTEST_MODULES)


# ------------------------------------------------------------ README tour
_LITERAL_END = re.compile(r"\s{2,}|:\s")


def _shown_value(comment):
    """The result a README comment shows, as (kind, text), or None.

    A comment may hold a literal followed by prose after two spaces or a
    colon ("['a', 'b']   why"), or "== expression".  Bare numbers are
    not taken: "3 C threads ..." is prose.
    """
    if comment.startswith("=="):
        return "expression", comment[2:].strip()
    cuts = [comment] + [comment[:m.start()] for m in _LITERAL_END.finditer(comment)]
    for text in cuts:
        try:
            value = ast.literal_eval(text.strip())
        except (ValueError, SyntaxError):
            continue
        if isinstance(value, (str, list, tuple, dict)):
            return "literal", text.strip()
    return None


def _comments(source):
    """Line number -> (column, text) of every comment in source."""
    found = {}
    for tok in tokenize.generate_tokens(io.StringIO(source).readline):
        if tok.type == tokenize.COMMENT:
            found[tok.start[0]] = (tok.start[1], tok.string[1:].strip())
    return found


def _python_blocks():
    text = README.read_text(encoding="utf-8")
    start = text.index("## API tour")
    end = text.index("\n## ", start + 1)
    return re.findall(r"```python\n(.*?)```", text[start:end], re.S)


def _placeholders():
    """Real values for the names the tour leaves to the reader."""
    articles = textkern.sample_articles()
    docs = [text for _, _, text in articles]
    # The articles' names start with a number and a language code.
    labels = [name.split("_")[1] for name, _, _ in articles]
    return {"docs": docs, "titles": [title for _, title, _ in articles], "labels": labels,
            "more_docs": docs[:3], "list_of_texts": docs, "x": docs[0], "y": docs[1],
            "queries": docs[:2], "corpus": docs, "train_texts": docs, "train_labels": labels,
            "test_texts": docs[:4], "test_labels": labels[:4]}


def test_readme_api_tour_runs_and_shows_true_results(tmp_path, monkeypatch):
    pytest.importorskip("sklearn")
    pytest.importorskip("pandas")
    pytest.importorskip("dask.bag")
    plt = pytest.importorskip("matplotlib.pyplot")
    plt.switch_backend("Agg")
    monkeypatch.chdir(tmp_path)
    namespace = _placeholders()
    checked, failures = [], []
    try:
        for block in _python_blocks():
            comments = _comments(block)
            for stmt in ast.parse(block).body:
                source = ast.get_source_segment(block, stmt)
                last = stmt.end_lineno
                shown = None
                if last in comments and comments[last][0] > 0:
                    shown = _shown_value(comments[last][1])
                if shown is None and last + 1 in comments and comments[last + 1][0] == 0:
                    shown = _shown_value(comments[last + 1][1])
                try:
                    if isinstance(stmt, ast.Expr):
                        code = compile(ast.Expression(stmt.value), "README", "eval")
                        result = eval(code, namespace)
                    else:
                        exec(compile(ast.Module([stmt], []), "README", "exec"), namespace)
                except Exception as exc:  # the tour is out of date
                    failures.append(f"{source}\n    raised {type(exc).__name__}: {exc}")
                    continue
                if shown is None or not isinstance(stmt, ast.Expr):
                    continue
                kind, text = shown
                expected = (ast.literal_eval(text) if kind == "literal"
                            else eval(text, {"gzip": gzip, "zlib": zlib}))
                checked.append(source)
                if result != expected:
                    failures.append(f"{source}\n    shows {text}\n    gives {result!r}")
    finally:
        plt.close("all")
    assert not failures, "README API tour:\n" + "\n".join(failures)
    # Guards against a parser change that silently checks nothing.
    assert len(checked) >= 12, checked


def test_the_package_works_without_docstrings():
    # python -OO strips docstrings; the vectorizers' shared parameter
    # documentation was inserted with str.replace on None.
    import subprocess
    import sys
    code = ("import textkern, textkern.vectorizers as v; "
            "assert v.TfidfVectorizer.__doc__ is None; "
            "print(textkern.TfidfVectorizer().fit_transform(['a b', 'b c']).shape)")
    out = subprocess.run([sys.executable, "-OO", "-c", code], capture_output=True, text=True,
                         cwd=str(ROOT / "tests"))
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == "(2, 3)"
