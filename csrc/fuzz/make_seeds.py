"""Write the seed corpora of the fuzz harnesses (csrc/fuzz/corpus/NAME/).

Deterministic: rerunning rewrites the same files.  Each seed is an option
header (see the layout comment at the top of each harness) followed by a
text: multilingual snippets from the bundled sample articles, plus edge
cases for UAX #29, normalization, and malformed UTF-8.

    python3 csrc/fuzz/make_seeds.py
"""
import hashlib
import pathlib
import struct

HERE = pathlib.Path(__file__).resolve().parent
ARTICLES = HERE.parents[1] / "python" / "textkern" / "data" / "articles"

EDGE_TEXTS = [
    b"",
    b" ",
    b"a",
    b"The quick brown fox can't jump 32.3 feet, right?",
    b"don't e.g. 1,000.5 3.14 U.S.A. a_b __init__ foo--bar",
    "naïve café RÉSUMÉ Straße ǅemal ﬁle ＡＢＣ１２３ Ⅻ ㎞".encode(),
    "נתן \"ה\"א ש'\"ב".encode(),                      # Hebrew quote rules
    "カタカナ ｶﾀｶﾅ ひらがな 漢字かな混じり文".encode(),
    "한국어 문장입니다. 19일 서울".encode(),
    "Привет, мир! Ёжик ёлка".encode(),
    "مرحبا بالعالم ١٢٣".encode(),
    "नमस्ते दुनिया क्षत्रिय".encode(),
    "ภาษาไทยไม่มีช่องว่าง".encode(),
    "👍🏽 👨‍👩‍👧‍👦 🇰🇷🇺🇸🇩 ❤️ #️⃣ a\u200db".encode(),
    "e\u0301\u0302 \u0301start x\u00ad\u200by".encode(),  # marks, soft hyphen, ZWSP
    b"\r\n\r\n\n\r\t\x0b\x0c\x1c\x1d \xc2\x85 \xc2\xa0 \xe3\x80\x80 \xe2\x80\xa8",
    b"a\x00b\x00\x00c",                              # NULs
    b"\xff\xfe\xfd",                                 # never valid
    b"abc\xc3(def",                                  # truncated 2-byte
    b"\xed\xa0\x80\xed\xb2\xa9 surrogates",          # encoded surrogates
    b"\xf4\x90\x80\x80 above U+10FFFF \xf0\x8f\xbf\xbf overlong",
    b"\xe2\x82 \xf0\x9f\x98 cut sequences \xe2",
    b"\xc0\xaf \xe0\x80\xaf overlong slash",
    "\ufdfa \u0390 \u1e9e \ufb03 \u2126 expansions".encode(),  # NFKC / casefold grow
    ("a" * 300 + " " + "\u0301" * 200).encode(),
    ("1" + ".1" * 100 + " " + "a'" * 100).encode(),
    ("\U0001F1F0" * 9).encode(),                     # odd run of regional indicators
    ("\ufdfa" * 4 + " " + "\u3392\u3392" + " " + "\u1f82" * 8).encode(),  # one segment, big NFKC growth
    "\u3000\u3000 \u2003\u2003x".encode(),
]


def article_snippets():
    out = []
    for path in sorted(ARTICLES.glob("*.txt")):
        data = path.read_bytes()
        out.append(data[:400])
        out.append(data[400:1200])
    return out


def as_str_units(text, i):
    """fuzz_tokenize's str input: a width byte, then the code units of the
    text as a CPython str of that width (some with a lone surrogate)."""
    chars = text.decode("utf-8", "replace")
    if i % 5 == 1:
        chars = chars[:3] + "\ud800" + chars[3:]
    top = max(map(ord, chars), default=0)
    width = 1 if top < 0x100 else 2 if top < 0x10000 else 4
    return bytes([{1: 0, 2: 1, 4: 2}[width]]) + b"".join(
        ord(c).to_bytes(width, "little") for c in chars)


def write(name, seeds):
    folder = HERE / "corpus" / name
    folder.mkdir(parents=True, exist_ok=True)
    for old in folder.iterdir():
        old.unlink()
    for seed in seeds:
        digest = hashlib.sha1(seed).hexdigest()[:16]
        (folder / digest).write_bytes(seed)
    print(f"{name}: {len(set(seeds))} seeds")


def main():
    texts = EDGE_TEXTS + article_snippets()
    tokenize, ngram, ncd = [], [], []
    for i, text in enumerate(texts):
        # tokenize: b0 case/norm/strip, b1 kinds/errors/str input/reuse, b2 min_len,
        # b3 stopwords
        b0 = (i * 7) % 256
        b1 = (0x0F if i % 3 else 0x01) | ((i % 3) << 4) | ((i & 1) << 6) | ((i & 2) << 6)
        stop = b"\x01\x03the" if i % 4 == 0 else b"\x00"
        if i % 9 == 5:   # 33 stopwords: the set grows past its first table
            stop = b"\x81" + b"".join(bytes([2]) + b"w" + bytes([65 + k]) for k in range(33))
        tokenize.append(bytes([b0, b1, i % 3]) + stop
                        + (as_str_units(text, i) if b1 & 0x40 else text))
        # ngram: b0 analyzer/case/norm, b1 lo/hi/strip, b2 kinds/min_len/stopword
        b0 = i % 36
        b1 = (i % 4) | (((i // 4) % 4) << 2) | (0x10 if i % 11 == 0 else 0) | ((i & 1) << 7)
        b2 = 0x0F | ((i % 2) << 4) | (0x40 if i % 5 == 0 else 0)
        ngram.append(bytes([b0, b1, b2]) + text)
        if i % 7 == 3:   # the same text repeated past 64 KiB
            ngram.append(bytes([b0, b1 & 0x83, b2 | 0x80]) + text)
    # ncd: b0 level/format, b1 metric/prefix/threads/k, sep length + sep, texts split by 0xFF
    clean = [t for t in texts if b"\xff" not in t]
    for i in range(0, len(clean), 2):
        group = clean[i:i + 3]
        b0 = (i * 5) % 33
        b1 = (i % 2) | (((i // 2) % 3) << 1) | (8 if i % 4 == 0 else 0) | ((i % 16) << 4)
        sep = [b"\x00", b"\x01 ", b"\x02\n\n", b"\x03 | "][i % 4]
        ncd.append(bytes([b0, b1]) + sep + b"\xff".join(group))
    # Pairs whose concatenation lands on each side of a window-size step
    # (2**w - 262 bytes, zlib's MIN_LOOKAHEAD), at levels 1, 6 and 9.
    prose = b" ".join(article_snippets()).replace(b"\xff", b"")
    for w, level in ((9, 1), (10, 6), (12, 9), (14, 6)):
        for total in ((1 << w) - 263, (1 << w) - 262, (1 << w) - 261):
            x = prose[:total // 2]
            y = prose[500:500 + total - len(x) - 1]
            ncd.append(bytes([level + 1, 2 | 8, 1, 32]) + x + b"\xff" + y)
    ncd.append(bytes([0, 0, 0]))                             # one empty text, level -1
    ncd.append(bytes([1, 6, 1, 32]) + b"\xff" * 4)           # five empty texts, level 0
    ncd.append(bytes([10, 0, 0]) + (b"abc" * 5000))          # past one stored block
    # csr: b0 float32/l2/broken indptr, b1 rows, row lengths, raw values
    csr = []
    for flags in range(4):
        single = flags & 1
        pack = "<f" if single else "<d"
        values = [0.1, 0.7, 1.3, -2.5, 3.0, 4.0, 1e-40, 1e30, 0.0, 0.0, 5.5, 6.25]
        body = b"".join(struct.pack(pack, v) for v in values)
        csr.append(bytes([flags, 5, 3, 0, 2, 4, 3]) + body)          # an empty row
        csr.append(bytes([flags, 2, 2, 2]) + b"".join(
            struct.pack(pack, v) for v in (0.0, 0.0, 1.0, float("nan"))))  # NaN: untouched
        csr.append(bytes([flags, 1, 1]) + struct.pack(pack, float("inf")))
        for k in range(4):                                             # broken indptr
            csr.append(bytes([flags | 4 | (k << 3), 3, 2, 2, 2]) + body)
    write("tokenize", tokenize)
    write("ngram", ngram)
    write("ncd", ncd)
    write("csr", csr)


if __name__ == "__main__":
    main()
