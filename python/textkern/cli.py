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
import sys
from typing import Optional, Sequence

from . import _tokens
from ._cli_common import display_path, non_negative_int, read_input

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
    out = sys.stdout
    for path in args.files:
        text = read_input(path)
        if args.json:
            tokens = tokenizer(text, offsets=args.offsets)
            out.write(json.dumps({"file": display_path(path), "tokens": tokens},
                                 ensure_ascii=False) + "\n")
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


def main(argv: Optional[Sequence[str]] = None) -> int:
    """Entry point of the ``textkern`` console script."""
    parser = build_parser()
    args = parser.parse_args(argv)
    if sys.stdout is None:
        # Started with stdout closed (`textkern tokens a.txt >&-`).
        parser.exit(2, "textkern: error: standard output is closed\n")
    try:
        return int(args.func(args) or 0)
    except BrokenPipeError:  # e.g. `textkern tokens big.txt | head`
        return 0
    except KeyboardInterrupt:
        # Ctrl-C: one line, and the shell's status for SIGINT.
        if sys.stderr is not None:
            sys.stderr.write("textkern: interrupted\n")
        return 130
    except (OSError, ValueError, TypeError) as exc:
        parser.exit(2, f"textkern: error: {exc}\n")


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
