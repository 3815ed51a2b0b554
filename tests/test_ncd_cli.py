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
    texts = [open(p, "rb").read().decode("utf-8", "replace") for p in files[:3]]
    expected = ncd_matrix(texts, level=6, format="zlib", sep=" ")
    rows = out.getvalue().splitlines()[1:4]
    got = np.array([[float(v) for v in row.split()[1:]] for row in rows])
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
