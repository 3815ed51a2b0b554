"""Sample news articles shipped with textkern.

The articles are short, fictional news stories written for this project in
English, Korean, German, Russian, Japanese, Chinese, Hindi and Arabic. Their
topics overlap on purpose (one heat wave and its strain on power grids, one
AI chip launch, a marathon run in the heat) so that term frequencies and
compression distances have something to find across languages. They are the
default input of ``textkern demo`` and of the examples in the documentation.
"""
from __future__ import annotations

from importlib import resources

__all__ = ["sample_articles", "sample_texts"]

_ARTICLE_PACKAGE = "textkern"
_ARTICLE_DIR = ("data", "articles")


def _article_files():
    folder = resources.files(_ARTICLE_PACKAGE)
    for part in _ARTICLE_DIR:
        folder = folder.joinpath(part)
    return sorted((entry for entry in folder.iterdir()
                   if entry.is_file() and entry.name.endswith(".txt")),
                  key=lambda entry: entry.name)


def sample_articles() -> list[tuple[str, str, str]]:
    """Return the sample articles shipped inside the package.

    Returns
    -------
    list of tuple of (str, str, str)
        One ``(name, title, text)`` tuple per article, sorted by file name.
        ``name`` is the file name without ``.txt`` and says the language and
        topic, e.g. ``"02_ko_heatwave_power_demand"``. ``title`` is the
        headline (the file's first line). ``text`` is the whole article,
        headline included, with surrounding whitespace stripped.

    Raises
    ------
    FileNotFoundError
        If the package data was not installed (a broken installation).

    Examples
    --------
    >>> from textkern import sample_articles
    >>> name, title, text = sample_articles()[1]
    >>> name
    '02_ko_heatwave_power_demand'
    """
    articles = []
    for entry in _article_files():
        text = entry.read_bytes().decode("utf-8").strip()
        title = text.split("\n", 1)[0].strip()
        articles.append((entry.name[: -len(".txt")], title, text))
    if not articles:
        raise FileNotFoundError(
            "textkern's sample articles (textkern/data/articles/*.txt) are missing; "
            "reinstall the package with 'pip install --force-reinstall textkern'")
    return articles


def sample_texts() -> list[str]:
    """Return the texts of the sample articles, in the order of ``sample_articles()``.

    Returns
    -------
    list of str
        The full text of each article, headline included.

    Examples
    --------
    >>> from textkern import sample_texts
    >>> len(sample_texts()) >= 8
    True
    """
    return [text for _name, _title, text in sample_articles()]
