"""Real-language multilingual benchmark corpus, built from Debian packages.

No download happens while a benchmark runs: on first use ``ensure_sources()``
fetches a few documentation packages with ``apt-get download``, unpacks them
with ``dpkg-deb -x`` into a temporary directory (nothing is installed
system-wide, so heavy dependencies such as yelp are not pulled in), extracts
plain text and caches it as one gzip'd JSON-lines file under
``benchmarks/.cache/``. Later runs only read that file.

Sources (all genuine running prose written and translated by people):

* ``gnome-user-docs``: the GNOME desktop help in ~40 languages. Paragraphs
  that a translation left in English are dropped by comparing them with
  the original, so each language keeps only its translated prose. This is
  where Korean, Marathi (Devanagari), Gujarati, Tamil, Persian (Arabic
  script), Greek, Serbian, Ukrainian and others come from.
* ``debian-faq`` and its Korean, Japanese, Chinese, Russian, German and
  French translations (DocBook HTML, one document per section).
* ``libreoffice-help-ko`` and ``-hi``: only paragraphs written in Hangul
  or Devanagari (the rest of that help is untranslated English).
* ``manpages`` and the translated manual pages ``manpages-{de,fr,es,pl,ru,
  uk,ja,zh}``; roff macros are stripped with a small converter, one
  document per page (pages over 30 KB are cut between paragraphs).

API: ``documents(min_mb)``, ``ncd_documents(n, lo, hi)``, ``describe(docs)``.
Run ``python benchmarks/corpus.py`` to build the cache and print a summary.
"""
from __future__ import annotations

import gzip
import heapq
import html
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
import unicodedata
from collections import Counter, OrderedDict
from pathlib import Path

__all__ = ["ensure_sources", "documents", "ncd_documents", "describe", "records"]

CACHE_DIR = Path(__file__).resolve().parent / ".cache"
# Bump when extraction changes so stale caches are rebuilt, never reused.
CORPUS_FILE = CACHE_DIR / "corpus-v3.jsonl.gz"

MAN_LANGS = ["de", "fr", "es", "pl", "ru", "uk", "ja", "zh_CN"]
FAQ_LANGS = ["ko", "ja", "zh-cn", "ru", "de", "fr"]
PACKAGES = (
    ["gnome-user-docs", "manpages", "debian-faq"]
    + ["manpages-" + lang.split("_")[0].lower() for lang in MAN_LANGS]
    + ["debian-faq-" + lang for lang in FAQ_LANGS]
    + ["libreoffice-help-ko", "libreoffice-help-hi"]
)

# Major languages, one per script family the tokenizer must handle, get a
# larger share of any prefix than the long tail of Latin-script translations.
LANGUAGE_WEIGHTS = {lang: 3.0 for lang in
                    ("en", "de", "fr", "es", "pl", "ru", "uk", "ja", "zh", "ko", "hi")}

MIN_DOC_BYTES = 300
MAX_DOC_BYTES = 30_000
# Caps each (source, language) bucket so the big man-page sets do not drown
# the rest and the build stays fast.
MAX_BUCKET_BYTES = 2_500_000


# --------------------------------------------------------------------------
# Fetching
# --------------------------------------------------------------------------

def _fetch_and_unpack(workdir: Path, verbose: bool) -> Path:
    """Download the source packages into ``workdir`` and unpack them there."""
    for tool in ("apt-get", "dpkg-deb"):
        if shutil.which(tool) is None:
            raise RuntimeError(
                f"benchmarks/corpus.py needs Debian's {tool} to fetch its text "
                "sources (Debian/Ubuntu only)")
    download_dir = workdir / "download"
    root = workdir / "root"
    download_dir.mkdir(parents=True)
    root.mkdir(parents=True)
    if verbose:
        print(f"corpus: fetching {len(PACKAGES)} Debian packages: {' '.join(PACKAGES)}",
              file=sys.stderr)

    def download() -> subprocess.CompletedProcess:
        return subprocess.run(["apt-get", "download", "-q", *PACKAGES], cwd=download_dir,
                              capture_output=True, text=True)

    result = download()
    if result.returncode != 0 and os.geteuid() == 0:
        # A fresh machine may have empty package lists.
        subprocess.run(["apt-get", "update", "-qq"], check=False)
        result = download()
    if result.returncode != 0:
        raise RuntimeError("apt-get download failed (run 'apt-get update' as root?):\n"
                           + result.stderr.strip())
    for package in PACKAGES:
        debs = sorted(download_dir.glob(package + "_*.deb"))
        if not debs:
            raise RuntimeError(f"apt-get download produced no .deb for {package}")
        subprocess.run(["dpkg-deb", "-x", str(debs[-1]), str(root)], check=True)
    return root


def ensure_sources(verbose: bool = True) -> Path:
    """Make sure the extracted corpus is cached; return the cache file.

    The first call downloads the Debian packages with ``apt-get download``,
    unpacks them into a temporary directory, extracts plain text and writes
    ``benchmarks/.cache/corpus-v3.jsonl.gz``; the unpacked packages are then
    deleted, so the tree stays small. Later calls return at once.
    """
    if CORPUS_FILE.exists():
        return CORPUS_FILE
    started = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix="textkern-corpus-") as tmp:
        root = _fetch_and_unpack(Path(tmp), verbose)
        fetched = time.perf_counter()
        built = _build(root)
    CACHE_DIR.mkdir(parents=True, exist_ok=True)
    partial = CORPUS_FILE.with_name(f"{CORPUS_FILE.name}.{os.getpid()}.tmp")
    with gzip.open(partial, "wt", encoding="utf-8", compresslevel=3) as fh:
        for record in built:
            fh.write(json.dumps(record, ensure_ascii=False) + "\n")
    partial.replace(CORPUS_FILE)
    if verbose:
        print(f"corpus: fetched in {fetched - started:.1f} s, extracted {len(built)} "
              f"documents in {time.perf_counter() - fetched:.1f} s -> {CORPUS_FILE}",
              file=sys.stderr)
    return CORPUS_FILE


# --------------------------------------------------------------------------
# Plain-text helpers
# --------------------------------------------------------------------------

_TAG = re.compile(r"<[^>]+>")
_SPACE = re.compile(r"\s+")
# Removed inline markup leaves doubled blanks behind.
_BLANKS = re.compile(r"[ \t]{2,}")


def _is_cjk(ch: str) -> bool:
    # Hangul is not here: Korean separates words with spaces, so a line break
    # between two syllables is a word break.
    o = ord(ch)
    return 0x3000 <= o <= 0x30FF or 0x3400 <= o <= 0x9FFF or 0xFF00 <= o <= 0xFFEF


def _join_lines(lines) -> str:
    """Join wrapped source lines of one paragraph as a renderer would."""
    out = ""
    for line in lines:
        line = line.strip()
        if not line:
            continue
        if out and not (_is_cjk(out[-1]) and _is_cjk(line[0])):
            out += " "
        out += line
    return out


def _clean(fragment: str) -> str:
    text = html.unescape(_TAG.sub("", fragment))
    return _BLANKS.sub(" ", _join_lines(text.split("\n")))


def _paragraphs_to_text(paragraphs) -> str:
    return "\n\n".join(p for p in paragraphs if p)


# --------------------------------------------------------------------------
# GNOME help (Mallard XML)
# --------------------------------------------------------------------------

_MALLARD_DROP = re.compile(r"<(info|screen|code|media|synopsis)\b[^>]*>.*?</\1>", re.S)
_MALLARD_PARA = re.compile(r"<(p|title)\b[^>]*>(.*?)</\1>", re.S)


def _mallard_paragraphs(path: Path) -> list[str]:
    source = path.read_text(encoding="utf-8")
    source = _MALLARD_DROP.sub(" ", source)
    return [p for p in (_clean(m.group(2)) for m in _MALLARD_PARA.finditer(source)) if p]


def _gnome_help(root: Path):
    help_root = root / "usr/share/help"
    if not help_root.is_dir():
        return
    original = {}
    for path in sorted((help_root / "C").rglob("*.page")):
        rel = path.relative_to(help_root / "C")
        original[rel] = _mallard_paragraphs(path)
    for lang_dir in sorted(p for p in help_root.iterdir() if p.is_dir()):
        lang = lang_dir.name
        for rel, english in original.items():
            if lang == "C":
                paragraphs = english
            else:
                path = lang_dir / rel
                if not path.exists():
                    continue
                # Untranslated paragraphs are English; keep only real translations.
                english_set = set(english)
                paragraphs = [p for p in _mallard_paragraphs(path) if p not in english_set]
            yield ("gnome-help", "en" if lang == "C" else lang,
                   _paragraphs_to_text(paragraphs))


# --------------------------------------------------------------------------
# Debian FAQ (DocBook HTML)
# --------------------------------------------------------------------------

_HTML_DROP = re.compile(
    r"<head\b.*?</head>|<pre\b.*?</pre>|<div class=\"navheader\">.*?</table>"
    r"|<div class=\"navfooter\">.*?</table>|<div class=\"toc\">.*?</dl>", re.S)
_HTML_BLOCK_END = re.compile(r"</(p|li|dt|dd|h[1-6]|tr|table|div|blockquote)>|<br\s*/?>")


def _html_sections(path: Path) -> list[str]:
    source = _HTML_DROP.sub(" ", path.read_text(encoding="utf-8"))
    sections = []
    for part in re.split(r'<div class="section">', source):
        part = _HTML_BLOCK_END.sub("\n\n", part)
        paragraphs = [_clean(p) for p in part.split("\n\n")]
        sections.append(_paragraphs_to_text(p for p in paragraphs if len(p) > 1))
    return sections


def _debian_faq(root: Path):
    faq = root / "usr/share/doc/debian/FAQ"
    if not faq.is_dir():
        return
    for lang in ["en"] + FAQ_LANGS:
        pattern = f"*.{lang}.html"
        folder = faq if lang == "en" else faq / lang
        for path in sorted(folder.glob(pattern)):
            if path.name.startswith("index."):
                continue
            for section in _html_sections(path):
                yield ("debian-faq", lang, section)


# --------------------------------------------------------------------------
# LibreOffice help (HTML), only for languages the other sources lack
# --------------------------------------------------------------------------

# The help is only partly translated; a paragraph counts as translated when
# at least a quarter of its characters are in the language's own script.
LIBREOFFICE_LANGS = {"ko": re.compile("[\uac00-\ud7a3]"), "hi": re.compile("[\u0900-\u097f]")}
_LO_DROP = re.compile(r"<(head|script|style|pre)\b.*?</\1>", re.S)


def _libreoffice_help(root: Path):
    for lang, script in LIBREOFFICE_LANGS.items():
        folder = root / "usr/share/libreoffice/help" / lang / "text"
        for path in sorted(folder.rglob("*.html")):
            source = _HTML_BLOCK_END.sub("\n\n", _LO_DROP.sub(" ", path.read_text(encoding="utf-8")))
            paragraphs = [_clean(p) for p in source.split("\n\n")]
            kept = [p for p in paragraphs if len(script.findall(p)) >= max(3, len(p) // 4)]
            yield ("libreoffice-help", lang, _paragraphs_to_text(kept))


# --------------------------------------------------------------------------
# Manual pages (roff)
# --------------------------------------------------------------------------

_ROFF_GLYPHS = {
    "em": "\u2014", "en": "\u2013", "lq": "\u201c", "rq": "\u201d", "oq": "\u2018",
    "cq": "\u2019", "aq": "'", "dq": '"', "co": "\u00a9", "rg": "\u00ae", "bu": "\u2022",
    "rs": "\\", "mi": "\u2212", "ti": "~", "ha": "^", "hy": "-", "Fo": "\u00ab",
    "Fc": "\u00bb", "fo": "\u2039", "fc": "\u203a", "tm": "\u2122", "de": "\u00b0",
    "mu": "\u00d7", "<=": "\u2264", ">=": "\u2265", "->": "\u2192", "<-": "\u2190",
    "ga": "`", "dg": "\u2020", "sc": "\u00a7", "ua": "\u2191", "da": "\u2193",
}
_ROFF_STRINGS = {"lq": "\u201c", "rq": "\u201d", "R": "\u00ae", "Tm": "\u2122"}
_ROFF_ESCAPE = re.compile(
    r"""\\(?:
        \(([^\s]{2})                 # \(xx glyph
      | \[([^\]]*)\]                 # \[name] glyph
      | \*(?:\(([^\s]{2})|\[([^\]]*)\]|(.))   # \*x string
      | f(?:\(..|\[[^\]]*\]|.)       # font change
      | s[-+]?(?:\d|\(\d\d|\[\d+\])  # size change
      | [hvwlLNbDoXxZ]'[^']*'        # escapes with a quoted argument
      | [kmngY](?:\(..|\[[^\]]*\]|.) # registers, colours
      | (.)                          # everything else: one character
    )""", re.X)
_ROFF_ALTERNATING = {"BR", "RB", "BI", "IB", "IR", "RI"}
_ROFF_TEXT_MACROS = {"B", "I", "SM", "SB", "SH", "SS", "IP", "TQ", "OP", "UR", "MT"}
_MDOC_CALLABLE = re.compile(r"^(?:[A-Z][a-z]{1,2}|Ns|Xo|Xc)$")
_ROFF_PARA_BREAKS = {"PP", "LP", "P", "TP", "IP", "SH", "SS", "sp", "br", "HP",
                     "Pp", "Sh", "Ss", "It", "Bl", "El", "Bd", "Ed", "TQ", "RS", "RE",
                     "EX", "EE", "nf", "fi", "in"}


def _roff_escape(match: re.Match) -> str:
    glyph = match.group(1) or match.group(2)
    if glyph is not None:
        return _ROFF_GLYPHS.get(glyph, "")
    string = match.group(3) or match.group(4) or match.group(5)
    if string is not None:
        return _ROFF_STRINGS.get(string, "")
    other = match.group(6)
    if other is None:
        return ""
    return {"-": "-", "e": "\\", "\\": "\\", " ": " ", "~": " ", "0": " ",
            "'": "\u00b4", "`": "`", ".": ".", '"': ""}.get(other, "")


def _roff_args(rest: str) -> list[str]:
    args, current, quoted, had = [], "", False, False
    i = 0
    while i < len(rest):
        ch = rest[i]
        if ch == '"':
            if quoted and i + 1 < len(rest) and rest[i + 1] == '"':
                current += '"'
                i += 2
                continue
            quoted, had = not quoted, True
        elif ch in " \t" and not quoted:
            if current or had:
                args.append(current)
            current, had = "", False
        else:
            current += ch
        i += 1
    if current or had:
        args.append(current)
    return args


def _man_page_sections(source: str) -> list[str]:
    """Turn roff source into paragraphs grouped by section heading."""
    sections: list[list[str]] = [[]]
    paragraph: list[str] = []
    skipping_table = False

    def flush():
        if paragraph:
            text = _SPACE.sub(" ", _join_lines(paragraph)).strip()
            if text:
                sections[-1].append(text)
            paragraph.clear()

    in_definition = False
    for raw in source.split("\n"):
        line = raw.split('\\"', 1)[0] if '\\"' in raw else raw
        if in_definition:
            # Macro definitions and ignored blocks run to a ".." line.
            in_definition = line.strip() != ".."
            continue
        if line.startswith((".", "'")):
            parts = line[1:].strip().split(None, 1)
            if not parts:
                continue
            macro, rest = parts[0], (parts[1] if len(parts) > 1 else "")
            if macro in ("de", "de1", "am", "ig"):
                in_definition = True
                continue
            if macro == "TS":
                skipping_table = True
            elif macro == "TE":
                skipping_table = False
            if skipping_table or macro in ("TS", "TE"):
                continue
            if macro in _ROFF_PARA_BREAKS:
                flush()
            if macro in ("SH", "Sh") and sections[-1]:
                sections.append([])
            args = _roff_args(rest)
            if macro in _ROFF_ALTERNATING:
                paragraph.append("".join(args))
            elif macro in _ROFF_TEXT_MACROS:
                if macro in ("UR", "MT"):
                    continue
                paragraph.append(" ".join(args))
                if macro in ("SH", "SS"):
                    flush()
            elif len(macro) in (2, 3) and macro[0].isupper() and macro[1:].islower():
                # mdoc: keep words, drop the callable macro names among them.
                words = [a for a in args if not _MDOC_CALLABLE.match(a)]
                if macro in ("Sh", "Ss"):
                    paragraph.append(" ".join(words))
                    flush()
                elif macro not in ("Dd", "Dt", "Os", "Bl", "El", "Bd", "Ed", "Ft", "In"):
                    paragraph.append(" ".join(words))
            continue
        if skipping_table:
            continue
        if not line.strip():
            flush()
            continue
        paragraph.append(line)
    flush()
    out = []
    for section in sections:
        text = _paragraphs_to_text(section)
        text = _ROFF_ESCAPE.sub(_roff_escape, text)
        if text.strip():
            out.append(text)
    return out


def _split_long(text: str) -> list[str]:
    if len(text.encode("utf-8")) <= MAX_DOC_BYTES:
        return [text]
    pieces, current, size = [], [], 0
    for para in text.split("\n\n"):
        n = len(para.encode("utf-8")) + 2
        if current and size + n > MAX_DOC_BYTES // 2:
            pieces.append("\n\n".join(current))
            current, size = [], 0
        # Cut by characters so that even 4-byte characters stay in bounds.
        current.append(para[: MAX_DOC_BYTES // 4])
        size += n
    if current:
        pieces.append("\n\n".join(current))
    return pieces


def _man_pages(root: Path):
    man_root = root / "usr/share/man"
    groups = [("en", sorted(man_root.glob("man[1-8]/*.gz")))]
    for lang in MAN_LANGS:
        groups.append((lang.split("_")[0], sorted((man_root / lang).glob("man*/*.gz"))))
    for lang, paths in groups:
        for path in paths:
            source = gzip.decompress(path.read_bytes()).decode("utf-8", "replace")
            if source.lstrip().startswith(".so "):
                continue
            sections = _man_page_sections(source)
            # One page is one document unless it is too long; then its
            # paragraphs are packed into pieces of at most ~15 KB.
            for text in _split_long("\n\n".join(sections)):
                yield ("man", lang, text)


# --------------------------------------------------------------------------
# Build and cache
# --------------------------------------------------------------------------

def _build(root: Path) -> list[dict]:
    records_out = []
    bucket_bytes: Counter = Counter()
    for generator in (_gnome_help, _debian_faq, _libreoffice_help, _man_pages):
        for source, lang, text in generator(root):
            text = unicodedata.normalize("NFC", text).strip()
            size = len(text.encode("utf-8"))
            if size < MIN_DOC_BYTES or size > MAX_DOC_BYTES:
                continue
            lang = {"zh_CN": "zh", "zh-cn": "zh"}.get(lang, lang)
            key = (source, lang)
            if bucket_bytes[key] >= MAX_BUCKET_BYTES:
                continue
            bucket_bytes[key] += size
            records_out.append({"source": source, "lang": lang, "text": text})
    return records_out


_RECORDS_MEMO: list[dict] | None = None


def records(verbose: bool = True) -> list[dict]:
    """All corpus documents as ``{"source", "lang", "text"}`` dicts, cached."""
    global _RECORDS_MEMO
    if _RECORDS_MEMO is None:
        with gzip.open(ensure_sources(verbose), "rt", encoding="utf-8") as fh:
            _RECORDS_MEMO = [json.loads(line) for line in fh]
    return _RECORDS_MEMO


def _interleaved(recs: list[dict]) -> list[dict]:
    """Order documents so that any prefix mixes languages about evenly by bytes.

    Within one language its sources take turns; across languages the next
    document comes from the language that has contributed the fewest bytes
    so far, relative to its weight (ties broken by name), until it runs out.
    """
    by_lang: "OrderedDict[str, OrderedDict[str, list]]" = OrderedDict()
    for rec in recs:
        by_lang.setdefault(rec["lang"], OrderedDict()).setdefault(rec["source"], []).append(rec)
    streams = {}
    for lang, sources in by_lang.items():
        queues = [sources[name] for name in sorted(sources)]
        stream, i = [], 0
        while any(i < len(q) for q in queues):
            stream.extend(q[i] for q in queues if i < len(q))
            i += 1
        streams[lang] = stream
    heap = [(0.0, lang, 0) for lang in sorted(streams)]
    heapq.heapify(heap)
    out = []
    while heap:
        emitted, lang, index = heapq.heappop(heap)
        rec = streams[lang][index]
        out.append(rec)
        if index + 1 < len(streams[lang]):
            weight = LANGUAGE_WEIGHTS.get(lang, 1.0)
            heapq.heappush(heap, (emitted + len(rec["text"].encode("utf-8")) / weight,
                                  lang, index + 1))
    return out


def documents(min_mb: float = 10.0) -> list[str]:
    """Documents of article size (0.3-30 KB), at least ``min_mb`` MB of UTF-8.

    The order is deterministic and mixes sources and languages from the first
    document on. When the corpus is smaller than ``min_mb`` it is repeated
    (cycled) and a note goes to stderr.
    """
    mixed = _interleaved(records())
    target = int(min_mb * 1e6)
    out, total, rounds = [], 0, 0
    while total < target:
        rounds += 1
        for rec in mixed:
            out.append(rec["text"])
            total += len(rec["text"].encode("utf-8"))
            if total >= target:
                break
    if rounds > 1:
        print(f"corpus: sources hold less than {min_mb} MB; cycled them {rounds} times",
              file=sys.stderr)
    return out


def ncd_documents(n: int = 300, lo: int = 300, hi: int = 3000) -> list[str]:
    """``n`` documents whose UTF-8 size is within ``[lo, hi]`` bytes, deterministic."""
    picked = [rec["text"] for rec in _interleaved(records())
              if lo <= len(rec["text"].encode("utf-8")) <= hi]
    if len(picked) < n:
        raise ValueError(f"corpus has only {len(picked)} documents of {lo}-{hi} bytes")
    return picked[:n]


def describe(docs: list[str]) -> str:
    """One line: document count, MB, non-ASCII share, sources and languages."""
    total_bytes = sum(len(d.encode("utf-8")) for d in docs)
    chars = sum(len(d) for d in docs)
    non_ascii = sum(1 for d in docs for ch in d if ord(ch) > 127)
    by_text = {}
    for rec in records(verbose=False):
        by_text.setdefault(rec["text"], (rec["source"], rec["lang"]))
    langs: Counter = Counter()
    sources: Counter = Counter()
    for d in docs:
        source, lang = by_text.get(d, ("other", "?"))
        langs[lang] += len(d.encode("utf-8"))
        sources[source] += 1
    top = ", ".join(f"{lang} {share / total_bytes:.0%}"
                    for lang, share in langs.most_common(12)) if total_bytes else ""
    return (f"{len(docs)} docs, {total_bytes / 1e6:.1f} MB, "
            f"{non_ascii / max(chars, 1):.0%} non-ASCII chars; sources: "
            + ", ".join(f"{s} ({c})" for s, c in sorted(sources.items()))
            + f"; {len(langs)} languages: {top}{', ...' if len(langs) > 12 else ''}")


if __name__ == "__main__":
    t0 = time.perf_counter()
    all_records = records()
    t1 = time.perf_counter()
    print(f"full corpus ({t1 - t0:.1f} s to load/build): "
          + describe([r["text"] for r in all_records]))
    print("documents(10):    " + describe(documents(10.0)))
    print("ncd_documents():  " + describe(ncd_documents()))
