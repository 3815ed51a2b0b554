"""The sample articles shipped in the package load and cover several scripts."""
import unicodedata

import pytest

from textkern._samples import sample_articles, sample_texts

SCRIPT_RANGES = {
    "hangul": [(0xAC00, 0xD7A3), (0x1100, 0x11FF), (0x3130, 0x318F)],
    "han": [(0x4E00, 0x9FFF), (0x3400, 0x4DBF)],
    "hiragana": [(0x3040, 0x309F)],
    "katakana": [(0x30A0, 0x30FF)],
    "cyrillic": [(0x0400, 0x04FF)],
    "devanagari": [(0x0900, 0x097F)],
    "arabic": [(0x0600, 0x06FF)],
    "latin_extended": [(0x00C0, 0x024F)],
}


def _scripts(text):
    found = set()
    for ch in text:
        code = ord(ch)
        for script, ranges in SCRIPT_RANGES.items():
            if any(lo <= code <= hi for lo, hi in ranges):
                found.add(script)
    return found


@pytest.fixture(scope="module")
def articles():
    return sample_articles()


def test_at_least_eight_articles(articles):
    assert len(articles) >= 8


def test_articles_sorted_by_name_and_unique(articles):
    names = [name for name, _title, _text in articles]
    assert names == sorted(names)
    assert len(set(names)) == len(names)


@pytest.mark.parametrize("index", range(8))
def test_article_fields_are_non_empty(articles, index):
    name, title, text = articles[index]
    assert name and not name.endswith(".txt")
    assert title and "\n" not in title
    assert text.startswith(title)
    assert len(text) > len(title) + 100


def test_texts_are_valid_utf8_and_nfc(articles):
    for name, _title, text in articles:
        # A lone surrogate would make encode() raise.
        assert text.encode("utf-8").decode("utf-8") == text, name
        assert "\ufffd" not in text, name
        assert unicodedata.is_normalized("NFC", text), name


def test_sample_texts_matches_articles(articles):
    assert sample_texts() == [text for _name, _title, text in articles]


def test_korean_articles_present(articles):
    korean = [name for name, _title, text in articles if "hangul" in _scripts(text)]
    assert len(korean) >= 2
    assert any("19일" in text for _name, _title, text in articles)


def test_several_scripts_present(articles):
    found = set()
    for _name, _title, text in articles:
        found |= _scripts(text)
    assert found >= set(SCRIPT_RANGES), set(SCRIPT_RANGES) - found


def test_language_tag_in_name_matches_script(articles):
    expected = {"ko": "hangul", "ja": "hiragana", "zh": "han", "ru": "cyrillic",
                "hi": "devanagari", "ar": "arabic"}
    for name, _title, text in articles:
        lang = name.split("_")[1]
        if lang in expected:
            assert expected[lang] in _scripts(text), name


def test_emoji_present(articles):
    assert any(any(0x1F300 <= ord(ch) <= 0x1FAFF for ch in text)
               for _name, _title, text in articles)
