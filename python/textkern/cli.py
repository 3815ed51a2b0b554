"""The ``textkern`` command line (also ``python -m textkern``).

Subcommands:
  tokens FILE...   print the tokens of each file ("-" reads stdin)
  terms FILE...    term frequencies per file and for the whole set
  similar FILE...  nearest neighbours by compression distance
  demo             tokens, top terms and similar pairs of the sample articles
"""
from __future__ import annotations

import argparse
import json
import os
import sys
from typing import Optional, Sequence

from . import _tokens
from ._cli_common import (display_path, non_negative_int, read_input, stdin_at_most_once,
                          writes_unicode)

#: Modules that add a subcommand through register(subparsers) and may
#: contribute a section to the demo through demo_section(titles, texts, out).
_AREA_MODULES = ("_cli_terms", "_cli_similar")


def _area_modules():
    import importlib

    return [importlib.import_module(f"{__package__}.{name}") for name in _AREA_MODULES]


def _add_tokenizer_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--case", choices=["fold", "lower", "none"], default="fold")
    parser.add_argument("--normalize", choices=["NFKC", "NFC", "none"], default="NFKC")
    parser.add_argument("--strip-accents", action="store_true")
    parser.add_argument("--kinds", default="word,number",
                        help="comma-separated subset of word,number,emoji,punct")


def tokenizer_from_args(args: argparse.Namespace) -> _tokens.Tokenizer:
    """Build a Tokenizer from the shared command-line options."""
    return _tokens.Tokenizer(
        case=None if args.case == "none" else args.case,
        normalize=None if args.normalize == "none" else args.normalize,
        strip_accents=args.strip_accents,
        kinds=tuple(k for k in args.kinds.split(",") if k),
    )


def _run_tokens(args: argparse.Namespace) -> int:
    tokenizer = tokenizer_from_args(args)
    stdin_at_most_once(args.files)
    out = sys.stdout
    for path in args.files:
        text = read_input(path)
        if args.json:
            tokens = tokenizer(text, offsets=args.offsets)
            out.write(json.dumps({"file": display_path(path), "tokens": tokens},
                                 ensure_ascii=getattr(args, "ascii_only", False)) + "\n")
            continue
        if len(args.files) > 1:
            out.write(f"==> {display_path(path)} <==\n")
        for item in tokenizer(text, offsets=args.offsets):
            out.write(("%s\t%d\t%d" % item if args.offsets else item) + "\n")
    return 0


def _run_demo(args: argparse.Namespace) -> int:
    from ._samples import sample_articles

    out = sys.stdout
    articles = sample_articles()
    tokenizer = _tokens.Tokenizer()
    out.write(f"textkern demo: {len(articles)} sample articles "
              f"(Unicode {_tokens._core.unicode_version})\n\n")
    for name, title, text in articles:
        tokens = tokenizer(text)
        preview = " | ".join(tokens[: args.preview])
        out.write(f"[{name}] {title}\n  {len(tokens)} tokens: {preview} ...\n")
    titles = [title for _, title, _ in articles]
    texts = [text for _, _, text in articles]
    for module in _area_modules():
        section = getattr(module, "demo_section", None)
        if section is not None:
            out.write("\n")
            section(titles, texts, out)
    return 0


def _version() -> str:
    from . import __version__

    return __version__


def build_parser() -> argparse.ArgumentParser:
    """The argparse parser for every subcommand."""
    parser = argparse.ArgumentParser(
        prog="textkern", description="Fast, exact text analytics: tokens, terms, similarity.")
    parser.add_argument("--version", action="version",
                        version="textkern " + _version())
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    sub.required = True

    tokens = sub.add_parser("tokens", help="print the tokens of each file ('-' for stdin)")
    tokens.add_argument("files", nargs="+", metavar="FILE")
    tokens.add_argument("--offsets", action="store_true", help="also print start and end")
    tokens.add_argument("--json", action="store_true", help="one JSON object per file")
    _add_tokenizer_options(tokens)
    tokens.set_defaults(func=_run_tokens)

    demo = sub.add_parser("demo", help="analyse the sample articles shipped with textkern")
    demo.add_argument("--preview", type=non_negative_int, default=12,
                      help="tokens shown per article")
    demo.set_defaults(func=_run_demo)

    for module in _area_modules():
        module.register(sub)
    return parser


def _silence_stdout() -> None:
    """Point stdout at /dev/null, so that output still buffered cannot fail again.

    Without this, the interpreter's own flush at exit meets the closed pipe
    or full disk once more, prints "Exception ignored ... BrokenPipeError"
    and exits with status 120.
    """
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        try:
            os.dup2(devnull, sys.stdout.fileno())
        finally:
            os.close(devnull)
    except (OSError, ValueError, AttributeError):
        pass


def _flush_or_silence() -> None:
    """Write out what stdout still holds; if that fails, silence it."""
    try:
        if sys.stdout is not None:
            sys.stdout.flush()
    except (OSError, ValueError):
        _silence_stdout()


def _error(message: str) -> int:
    if sys.stderr is not None:
        sys.stderr.write(f"textkern: error: {message}\n")
    return 2


def _run(argv: Optional[Sequence[str]]) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if sys.stdout is None:
        # Started with stdout closed (`textkern tokens a.txt >&-`).
        return _error("standard output is closed")
    args.ascii_only = not writes_unicode(sys.stdout)
    if args.ascii_only and hasattr(sys.stdout, "reconfigure"):
        # LANG=C or PYTHONIOENCODING=ascii: JSON escapes what the encoding
        # lacks, other output shows it as \x.. escapes instead of failing
        # half-way.
        sys.stdout.reconfigure(errors="backslashreplace")
    status = int(args.func(args) or 0)
    # Write what is still buffered here, where a closed pipe or a full
    # disk is handled, not in the interpreter's flush at exit.
    sys.stdout.flush()
    return status


def main(argv: Optional[Sequence[str]] = None) -> int:
    """Entry point of the ``textkern`` console script."""
    try:
        return _run(argv)
    except SystemExit:
        # --help, --version or a usage error: flush their output here too.
        _flush_or_silence()
        raise
    except BrokenPipeError:  # e.g. `textkern tokens big.txt | head`
        _silence_stdout()
        return 0
    except KeyboardInterrupt:
        # Ctrl-C: one line, and the shell's status for SIGINT.
        if sys.stderr is not None:
            sys.stderr.write("textkern: interrupted\n")
        _flush_or_silence()
        return 130
    except (OSError, ValueError, TypeError, OverflowError) as exc:
        status = _error(str(exc))
        # Keep the output of the files before the failure; a full disk
        # (`> /dev/full`) fails this flush too, and is silenced.
        _flush_or_silence()
        return status


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
