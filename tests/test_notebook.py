"""examples/quickstart.ipynb: committed without outputs, runs top to bottom in a real kernel."""
import json
import pathlib

import pytest

NOTEBOOK = pathlib.Path(__file__).resolve().parent.parent / "examples" / "quickstart.ipynb"


def load_raw():
    return json.loads(NOTEBOOK.read_text(encoding="utf-8"))


def test_committed_without_outputs():
    notebook = load_raw()
    code_cells = [cell for cell in notebook["cells"] if cell["cell_type"] == "code"]
    assert code_cells
    for index, cell in enumerate(code_cells):
        assert cell.get("outputs") == [], f"code cell {index} has stored outputs"
        assert cell.get("execution_count") is None, f"code cell {index} has an execution count"


def test_tells_the_whole_story():
    source = "\n".join("".join(cell["source"]) for cell in load_raw()["cells"])
    for needle in ("sample_articles()", "tokenize(", "offsets=True", "count(", "ngram_range",
                   "TfidfVectorizer", "compare(", "plot.similarity", "nearest(",
                   "CompressionKNN", "plot.top_terms"):
        assert needle in source, needle


def test_runs_in_a_real_kernel(tmp_path):
    nbformat = pytest.importorskip("nbformat")
    nbclient = pytest.importorskip("nbclient")
    pytest.importorskip("ipykernel")
    for module in ("pandas", "matplotlib", "scipy", "sklearn", "dask"):
        pytest.importorskip(module)
    import textkern
    if not hasattr(textkern, "compare"):
        pytest.skip("textkern/__init__.py does not export compare/SimilarityResult yet")
    notebook = nbformat.read(NOTEBOOK, as_version=4)
    client = nbclient.NotebookClient(
        notebook, timeout=600, kernel_name="python3", allow_errors=False,
        resources={"metadata": {"path": str(tmp_path)}})
    client.execute()     # raises CellExecutionError on the first failing cell

    outputs = [output for cell in notebook.cells if cell.cell_type == "code"
               for output in cell.outputs]
    assert not [o for o in outputs if o.output_type == "error"]
    images = [o for o in outputs if "image/png" in o.get("data", {})]
    assert len(images) >= 3                      # top terms, heatmap, dendrogram
    html = [o["data"]["text/html"] for o in outputs if "text/html" in o.get("data", {})]
    assert any("Counts:" in page for page in html)          # Counts._repr_html_
    assert any("NCD between 10 texts" in page for page in html)   # SimilarityResult
    text = "\n".join(o.get("text", "") for o in outputs if o.output_type == "stream")
    assert "'19일'" in text                       # Korean tokens with their offsets
    assert "accuracy" in text
