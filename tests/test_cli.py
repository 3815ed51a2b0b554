"""The textkern command line: tokens, demo, and the entry points."""
import argparse
import json
import os
import subprocess
import sys

import pytest

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


# ---------------------------------------------------------------- session 22 hunt
def _quiet_env(**more):
    # Buffered stdout, as in a user's shell: the failures at the interpreter's
    # exit flush only show then.
    env = {k: v for k, v in os.environ.items() if k != "PYTHONUNBUFFERED"}
    env.update(more)
    return env


def test_terms_csv_quotes_a_lone_carriage_return(tmp_path):
    # Regression: before Python 3.13 the csv module quotes only fields with
    # the line terminator, so a char term holding "\r" split its row in two.
    import csv
    path = tmp_path / "cr.txt"
    path.write_bytes(b"old\rmac\rfile\r")
    for analyzer in ("char", "grapheme"):
        done = run_cli("terms", str(path), "--analyzer", analyzer, "--csv", "--top", "50")
        assert done.returncode == 0, done.stderr
        rows = list(csv.reader(done.stdout.decode().splitlines(keepends=True)))
        assert rows[0] == ["file", "rank", "term", "count"]
        assert all(len(row) == 4 for row in rows), rows
        assert [row[3] for row in rows[1:] if row[2] == "\r"] == ["3"]


def test_terms_csv_marks_the_whole_set_with_an_empty_file(tmp_path):
    # Regression: the whole set's rows were labelled "*", like a file named "*".
    import csv
    star, other = tmp_path / "*", tmp_path / "b.txt"
    star.write_text("hello world")
    other.write_text("hello there")
    done = run_cli("terms", str(star), str(other), "--csv")
    rows = list(csv.reader(done.stdout.decode().splitlines()))[1:]
    assert {r[0] for r in rows} == {str(star), str(other), ""}
    assert [r[2:] for r in rows if r[0] == ""][0] == ["hello", "2"]


def test_output_failures_at_exit_are_handled(tmp_path):
    # Regression: output still buffered at exit was flushed by the
    # interpreter, outside main's handlers: a closed pipe printed
    # "Exception ignored ... BrokenPipeError" and exited 120, and a full
    # disk the same with OSError.
    path = tmp_path / "a.txt"
    path.write_text("hello world")
    for args in (["demo"], ["terms", str(path), str(path), "--json"], ["--version"]):
        proc = subprocess.Popen([sys.executable, "-m", "textkern", *args],
                                stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                env=_quiet_env())
        proc.stdout.close()                # the reader is gone before anything is written
        err = proc.stderr.read()
        assert proc.wait() == 0 and err == b"", (args, err)
    if os.path.exists("/dev/full"):
        with open("/dev/full", "w") as full:
            done = subprocess.run([sys.executable, "-m", "textkern", "tokens", str(path)],
                                  stdout=full, stderr=subprocess.PIPE, env=_quiet_env())
        assert done.returncode == 2
        assert done.stderr.startswith(b"textkern: error: ") and b"No space" in done.stderr
        assert b"Exception ignored" not in done.stderr


def test_stdin_given_twice_is_refused(tmp_path):
    # Regression: the second "-" read an empty stdin, silently.
    for command in ("tokens", "terms", "similar"):
        done = run_cli(command, "-", "-", stdin=b"hello")
        assert done.returncode == 2 and b"can be given only once" in done.stderr, command


def test_ascii_stdout_escapes_instead_of_failing(tmp_path):
    # Regression: with an ASCII stdout, the commands failed part-way with
    # "'ascii' codec can't encode".
    import json
    path = tmp_path / "u.txt"
    path.write_text("Straße café 서울", encoding="utf-8")
    env = _quiet_env(PYTHONIOENCODING="ascii")
    for args, check in ((["tokens", "--json", str(path)], "json"),
                        (["terms", "--json", str(path)], "json"),
                        (["tokens", str(path)], "text"), (["demo"], "text")):
        done = subprocess.run([sys.executable, "-m", "textkern", *args], capture_output=True,
                              env=env)
        assert done.returncode == 0, (args, done.stderr)
        out = done.stdout.decode("ascii")
        if check == "json":
            record = json.loads(out.splitlines()[0])
            words = record.get("tokens") or [t for t, _ in record["top"]]
            assert "café" in words and "서울" in words
    assert "caf\\xe9" in subprocess.run([sys.executable, "-m", "textkern", "tokens", str(path)],
                                        capture_output=True, env=env).stdout.decode()


def test_byte_order_marks_are_read_not_counted(tmp_path):
    # Regression: a UTF-8 BOM became a term of the char analyzers, and a
    # UTF-16 file (with its BOM) was read as UTF-8: "hello wörld" gave
    # h, e, l, l, o, w, r, l, d.
    import json
    plain, bom, u16 = tmp_path / "plain.txt", tmp_path / "bom.txt", tmp_path / "u16.txt"
    plain.write_text("hi wörld", encoding="utf-8")
    bom.write_text("hi wörld", encoding="utf-8-sig")
    u16.write_text("hi wörld", encoding="utf-16")
    outs = []
    for path in (plain, bom, u16):
        done = run_cli("terms", str(path), "--analyzer", "char", "--ngram", "1-2", "--json",
                       "--top", "100")
        outs.append(json.loads(done.stdout)["top"])
    assert outs[0] == outs[1] == outs[2]
    done = run_cli("tokens", str(u16))
    assert done.stdout.decode().split() == ["hi", "wörld"]


def test_terms_warns_once_for_many_files(tmp_path):
    # Regression: each file's count() gave the same warning, printed once per file.
    paths = []
    for name in "abc":
        (tmp_path / name).write_text("the cat")
        paths.append(str(tmp_path / name))
    done = run_cli("terms", *paths, "--analyzer", "char", "--stopwords", "english")
    assert done.returncode == 0 and done.stderr.count(b"warning") == 1, done.stderr


def test_huge_numbers_are_usage_errors_or_work(tmp_path):
    # Regression: --ngram 1-99999999999999999999 and --threads of the same
    # size gave OverflowError tracebacks.
    path = tmp_path / "a.txt"
    path.write_text("hello world")
    done = run_cli("terms", str(path), "--ngram", "1-99999999999999999999")
    assert done.returncode == 0 and b"hello world" in done.stdout
    for command in (["similar", str(path), str(path)], ["similar", str(path), str(path),
                                                        "--matrix"]):
        done = run_cli(*command, "--threads", "99999999999999999999")
        assert done.returncode == 2 and done.stderr.startswith(b"textkern: error: ")
        assert b"Traceback" not in done.stderr


@pytest.mark.usefixtures("default_sigint")
def test_ctrl_c_stops_terms_counting_several_files_on_threads():
    # Regression: with several files (a pool of threads), Ctrl-C waited for
    # every file being counted (10-17 s for two 158 MB files), and a second
    # Ctrl-C printed a traceback from the thread pool.  The counting
    # threads now stop through their progress callback, which count() calls
    # about ten times a second.  Here each "file" counts until stopped (or
    # gives up after 20 s, which the test reports as not stopped).
    import signal
    import threading
    import time
    from textkern import _cli_terms

    ended, winding_down = [], threading.Event()

    def count_file(path, progress):
        deadline = time.monotonic() + 20
        try:
            while time.monotonic() < deadline:
                progress(0, 1)
                time.sleep(0.05)
        except _cli_terms._Stopped:
            winding_down.set()
            time.sleep(0.4)               # a C call takes a moment to wind down
            ended.append((path, "stopped"))
            raise
        ended.append((path, "ran to the end"))

    main = threading.get_ident()

    def press_ctrl_c_twice():
        time.sleep(0.3)
        signal.pthread_kill(main, signal.SIGINT)
        # the second while the threads wind down, so within the call
        if winding_down.wait(20):
            signal.pthread_kill(main, signal.SIGINT)
    presser = threading.Thread(target=press_ctrl_c_twice)
    presser.start()
    with pytest.raises(KeyboardInterrupt):
        _cli_terms._count_files_on_threads(["a", "b", "c"], count_file, 2)
    presser.join()
    # The two files being counted stopped; the third never started.
    assert sorted(ended) == [("a", "stopped"), ("b", "stopped")]


def test_terms_on_threads_reports_a_failing_file_not_a_stopped_one(tmp_path):
    missing = str(tmp_path / "missing.txt")
    present = tmp_path / "a.txt"
    present.write_text("hello " * 1000)
    done = run_cli("terms", str(present), missing, str(present), "--threads", "2")
    assert done.returncode == 2 and b"missing.txt" in done.stderr, done.stderr


def test_subcommands_run_from_parsed_args_without_main(tmp_path, capsys):
    # Regression (review): tokens --json read args.ascii_only, which only
    # main() sets, so calling args.func(args) raised AttributeError.
    path = tmp_path / "a.txt"
    path.write_text("hello world")
    args = cli.build_parser().parse_args(["tokens", "--json", str(path)])
    assert args.func(args) == 0
    assert json.loads(capsys.readouterr().out)["tokens"] == ["hello", "world"]
