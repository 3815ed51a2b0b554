"""The textkern command line: tokens, demo, and the entry points."""
import argparse
import json
import os
import subprocess
import sys

from textkern import cli


def run_cli(*args, stdin=None):
    return subprocess.run([sys.executable, "-m", "textkern", *args], input=stdin,
                          capture_output=True, check=False)


def test_tokens_from_file_and_stdin(tmp_path, capsys):
    path = tmp_path / "a.txt"
    path.write_text("Straße, 서울 19일!", encoding="utf-8")
    assert cli.main(["tokens", str(path)]) == 0
    assert capsys.readouterr().out.split("\n")[:-1] == ["strasse", "서울", "19일"]
    done = run_cli("tokens", "-", "--offsets", stdin="Don't panic".encode())
    assert done.returncode == 0
    assert done.stdout.decode().splitlines() == ["don't\t0\t5", "panic\t6\t11"]


def test_tokens_json_and_options(tmp_path, capsys):
    path = tmp_path / "b.txt"
    path.write_text("Hello, World!", encoding="utf-8")
    cli.main(["tokens", "--json", "--case", "none", "--kinds", "word,punct", str(path)])
    record = json.loads(capsys.readouterr().out)
    assert record == {"file": str(path), "tokens": ["Hello", ",", "World", "!"]}


def test_missing_file_is_a_clear_error(tmp_path):
    done = run_cli("tokens", str(tmp_path / "nope.txt"))
    assert done.returncode == 2
    assert b"No such file" in done.stderr


def test_bad_option_value_is_rejected():
    done = run_cli("tokens", "--kinds", "words", "-", stdin=b"x")
    assert done.returncode == 2 and b"unknown token kind" in done.stderr


def test_demo_runs_on_the_sample_articles():
    done = run_cli("demo")
    assert done.returncode == 0, done.stderr.decode()
    out = done.stdout.decode()
    assert "10 sample articles" in out or "sample articles" in out
    from textkern import sample_articles

    for name, _, _ in sample_articles():
        assert f"[{name}]" in out
    assert any("\uac00" <= ch <= "\ud7a3" for ch in out), "Korean tokens missing from the demo"
    assert "Most similar" in out


def test_console_script_is_installed():
    import os

    exe = os.path.join(os.path.dirname(sys.executable), "textkern")
    assert os.path.exists(exe), "pip install should put the textkern script beside python"
    done = subprocess.run([exe, "--version"], capture_output=True, check=True)
    assert done.stdout.decode().startswith("textkern ")


def _write_articles(tmp_path):
    texts = {"en.txt": "The rain fell. The river rose, and the rain fell again.",
             "ko.txt": "서울 19일 비가 내렸다. 서울 강물이 불었다.",
             "de.txt": "Der Regen fiel, der Fluss stieg. Straße und STRASSE."}
    paths = []
    for name, text in texts.items():
        path = tmp_path / name
        path.write_text(text, encoding="utf-8")
        paths.append(str(path))
    return paths, list(texts.values())


def test_terms_per_file_and_overall_equal_count(tmp_path, capsys):
    from textkern import count
    paths, texts = _write_articles(tmp_path)
    assert cli.main(["terms", "--json", "--ngram", "1-2", "--top", "1000", *paths]) == 0
    records = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert [r["file"] for r in records] == paths + [None]
    for record, text in zip(records, texts):
        want = count(text, ngram_range=(1, 2))
        assert record["top"] == [list(pair) for pair in want.most_common()]
        assert (record["n_terms"], record["total"]) == (len(want), want.total())
    overall = count(texts, ngram_range=(1, 2))
    assert records[-1]["all_files"] and records[-1]["top"] == [list(p) for p in overall.most_common()]


def test_terms_threads_give_the_same_output(tmp_path, capsys):
    # --threads was accepted and ignored; files are now counted on that many
    # threads at once, and the output must not depend on how many.
    paths, _ = _write_articles(tmp_path)
    outputs = []
    for threads in ("1", "2", "3"):
        assert cli.main(["terms", "--csv", "--threads", threads, *paths * 3]) == 0
        outputs.append(capsys.readouterr().out)
    assert outputs[0] == outputs[1] == outputs[2]
    assert outputs[0].startswith("file,rank,term,count\n")
    done = run_cli("terms", "--analyzer", "char", "--ngram", "2", "--top", "3", "-",
                   stdin="ab ab".encode())
    assert done.returncode == 0 and done.stdout.decode().splitlines()[1:] == ["2  ab", "1  b ", "1   a"]


def test_terms_bad_ngram_is_rejected():
    done = run_cli("terms", "--ngram", "3-1", "-", stdin=b"x")
    assert done.returncode == 2 and b"invalid n-gram range" in done.stderr


def test_closed_stdin_and_bad_preview_are_usage_errors():
    # Regressions: with stdin closed, "-" gave an AttributeError traceback;
    # --preview -1 was accepted and showed all tokens but the last.
    done = subprocess.run([sys.executable, "-m", "textkern", "tokens", "-"],
                          stdin=subprocess.DEVNULL, capture_output=True, close_fds=True,
                          preexec_fn=lambda: __import__("os").close(0))
    assert done.returncode == 2 and b"standard input is closed" in done.stderr, done.stderr
    done = run_cli("demo", "--preview", "-1")
    assert done.returncode == 2 and b"expected an integer >= 0" in done.stderr


# ---------------------------------------------------------------- session 20 review
def test_closed_stdout_and_ctrl_c_are_one_line(monkeypatch, capsys):
    done = subprocess.run([sys.executable, "-m", "textkern", "demo"], capture_output=False,
                          stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, close_fds=True,
                          preexec_fn=lambda: __import__("os").close(1))
    assert done.returncode == 2 and done.stderr == b"textkern: error: standard output is closed\n"

    def interrupted(args):
        raise KeyboardInterrupt
    parser = cli.build_parser()
    args = parser.parse_args(["demo"])
    monkeypatch.setattr(cli, "build_parser", lambda: parser)
    monkeypatch.setattr(parser, "parse_args", lambda argv: argparse.Namespace(
        **{**vars(args), "func": interrupted}))
    assert cli.main(["demo"]) == 130
    assert capsys.readouterr().err == "textkern: interrupted\n"


def test_non_utf8_file_names_print_as_valid_utf8(tmp_path):
    name = os.fsencode(str(tmp_path)) + b"/caf\xe9.txt"
    with open(name, "wb") as handle:
        handle.write(b"hi there")
    path = os.fsdecode(name)
    env = dict(os.environ, PYTHONIOENCODING="utf-8:strict")
    for args in (["tokens", "--json", path], ["terms", "--json", path, path],
                 ["terms", "--csv", path], ["similar", path, path]):
        done = subprocess.run([sys.executable, "-m", "textkern", *args], capture_output=True,
                              env=env, check=False)
        assert done.returncode == 0, (args, done.stderr)
        assert "caf\ufffd.txt" in done.stdout.decode("utf-8")


def test_terms_prints_warnings_as_one_line(tmp_path):
    path = tmp_path / "a.txt"
    path.write_text("the cat sat")
    done = run_cli("terms", "--analyzer", "char", "--stopwords", "english", str(path))
    assert done.returncode == 0
    assert done.stderr == (b"textkern: warning: stopwords are not used because "
                           b"analyzer='char' is not 'word'\n")
