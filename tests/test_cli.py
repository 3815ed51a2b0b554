"""The textkern command line: tokens, demo, and the entry points."""
import json
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
