"""`textkern similar` and the demo's similar-pairs section."""
import argparse
import io

import numpy as np
import pytest

from textkern import _cli_similar
from textkern._similarity import ncd_matrix


def parse(argv):
    parser = argparse.ArgumentParser(prog="textkern")
    _cli_similar.register(parser.add_subparsers(dest="command"))
    return parser.parse_args(argv)


@pytest.fixture
def files(tmp_path):
    texts = {
        "rain_en.txt": "Heavy rain closed the mountain road and the buses stopped running.",
        "rain_en2.txt": "Heavy rain closed the coastal road and the trains stopped running.",
        "market_ko.txt": "비가 그친 뒤 시장 골목에는 다시 사람들이 모여들었다.",
        "bad_utf8.txt": None,
    }
    paths = []
    for name, text in texts.items():
        path = tmp_path / name
        path.write_bytes(text.encode() if text else b"caf\xe9 au lait \xff")
        paths.append(str(path))
    return paths


def test_similar_prints_nearest_neighbours(files):
    args = parse(["similar", *files, "--top", "1"])
    out = io.StringIO()
    assert args.func(args, out=out) == 0
    lines = out.getvalue().splitlines()
    # Each file, then its single nearest other file.
    assert lines[0] == files[0] and lines[1].endswith(files[1])
    assert lines[2] == files[1] and lines[3].endswith(files[0])
    assert len(lines) == 2 * len(files)


def test_similar_matrix_matches_api(files):
    args = parse(["similar", *files[:3], "--matrix", "--level", "6", "--format", "zlib"])
    out = io.StringIO()
    args.func(args, out=out)
    texts = [open(p, "rb").read() for p in files[:3]]
    expected = ncd_matrix(texts, level=6, format="zlib", sep=" ")
    rows = out.getvalue().splitlines()[1:4]
    # Each row: its number, the file's name, then the distances.
    got = np.array([[float(v) for v in row.split()[2:]] for row in rows])
    assert np.allclose(got, np.round(expected, 4), atol=5e-5)


def test_similar_rejects_bad_options(files):
    with pytest.raises(SystemExit):
        parse(["similar", files[0], "--level", "12"])
    with pytest.raises(SystemExit):
        parse(["similar", files[0], "--format", "bz2"])
    with pytest.raises(SystemExit):
        parse(["similar", files[0], "--top", "0"])


def test_single_file_and_demo_section(files):
    args = parse(["similar", files[0]])
    out = io.StringIO()
    args.func(args, out=out)
    assert "nothing to compare" in out.getvalue()

    titles = ["Rain A", "Rain B", "Market"]
    texts = [open(p, encoding="utf-8").read() for p in files[:3]]
    out = io.StringIO()
    _cli_similar.demo_section(titles, texts, out)
    text = out.getvalue()
    assert text.startswith("Most similar article pairs")
    # The two English rain stories are the closest pair.
    first_pair = text.splitlines()[1:3]
    assert "Rain A" in first_pair[0] and "Rain B" in first_pair[1]


def test_similar_compares_the_files_bytes(tmp_path):
    # Regression: files were decoded with U+FFFD for bad bytes, so Latin-1
    # files that differ only in their non-ASCII letters compared as equal.
    first, second = tmp_path / "l1.txt", tmp_path / "l2.txt"
    first.write_bytes("Grüße aus München, schöne Grüße".encode("latin-1"))
    second.write_bytes("Gräße aus Mänchen, schäne Gräße".encode("latin-1"))
    args = parse(["similar", "--matrix", str(first), str(second)])
    out = io.StringIO()
    assert args.func(args, out=out) == 0
    expected = ncd_matrix([first.read_bytes(), second.read_bytes()], level=9, format="gzip",
                          sep=" ")
    rows = [line.split()[2:] for line in out.getvalue().splitlines()[1:3]]
    assert [[float(x) for x in row] for row in rows] == [
        [float(f"{v:.4f}") for v in row] for row in expected]
    assert expected[0, 1] > expected[0, 0]


def test_similar_matrix_rows_are_numbered(tmp_path):
    (tmp_path / "d1").mkdir()
    (tmp_path / "d2").mkdir()
    paths = [tmp_path / "d1" / "x.txt", tmp_path / "d2" / "x.txt"]
    for path, text in zip(paths, ["hello world", "hello there"]):
        path.write_text(text)
    args = parse(["similar", "--matrix", *map(str, paths)])
    out = io.StringIO()
    args.func(args, out=out)
    lines = out.getvalue().splitlines()
    assert lines[1].split()[:2] == ["0", "x.txt"] and lines[2].split()[:2] == ["1", "x.txt"]
