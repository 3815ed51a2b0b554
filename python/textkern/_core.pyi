# Type stubs for textkern._core, the C extension.
#
# The public wrappers in textkern (tokenize, count, ncd_matrix...) are the
# documented API; these stubs describe the C functions they call, with the
# exact argument names and defaults of the C argument parsers.
from collections.abc import Callable, ItemsView, Iterable, Iterator, KeysView, Mapping, ValuesView
from typing import Any, Final, Literal, Self, TypeAlias, final, overload

import numpy as np
import numpy.typing as npt
from _typeshed import ReadableBuffer

_Text: TypeAlias = str | ReadableBuffer
_Errors: TypeAlias = Literal["strict", "replace", "ignore"]
_Case: TypeAlias = Literal["fold", "lower"] | None
_Normalize: TypeAlias = Literal["NFKC", "NFC"] | None
_Kind: TypeAlias = Literal["word", "number", "emoji", "punct"]
_Analyzer: TypeAlias = Literal["word", "char", "char_wb", "grapheme"]
_Format: TypeAlias = Literal["zlib", "gzip", "deflate"]
_Metric: TypeAlias = Literal["ncd", "cdm"]
_Progress: TypeAlias = Callable[[int, int], object] | None
_TokenOffsets: TypeAlias = tuple[str, int, int]
# (data, indices, indptr, n_rows, n_cols, index_size): int64 values,
# int32 (index_size 4) or int64 (8) indices, as raw bytes.
_CSRParts: TypeAlias = tuple[bytearray, bytearray, bytearray, int, int, int]
# A prune callback gets (document frequencies, term frequencies) as int64
# bytes in first-appearance order and the number of documents; it returns
# a keep mask (one byte per term) or None.
_Prune: TypeAlias = Callable[[bytes, bytes, int], ReadableBuffer | None] | None

unicode_version: Final[str]
utf8proc_version: Final[str]
zlib_version: Final[str]
cpu_count: Final[int]
NCD_WINDOW: Final[int]

# For the tests: threads the C core has started in this process so far.
def _threads_started() -> int: ...

# ------------------------------------------------------------ tokenization
def segment(text: _Text, *, errors: _Errors = "strict") -> list[str]: ...
@overload
def tokenize(
    text: _Text,
    *,
    case: _Case = "fold",
    normalize: _Normalize = "NFKC",
    strip_accents: bool | Literal["unicode", "ascii"] = False,
    kinds: Iterable[_Kind] = ("word", "number"),
    min_len: int = 1,
    stopwords: Iterable[str] | None = None,
    offsets: Literal[False] = False,
    errors: _Errors = "strict",
) -> list[str]: ...
@overload
def tokenize(
    text: _Text,
    *,
    case: _Case = "fold",
    normalize: _Normalize = "NFKC",
    strip_accents: bool | Literal["unicode", "ascii"] = False,
    kinds: Iterable[_Kind] = ("word", "number"),
    min_len: int = 1,
    stopwords: Iterable[str] | None = None,
    offsets: Literal[True],
    errors: _Errors = "strict",
) -> list[_TokenOffsets]: ...
@overload
def tokenize(
    text: _Text,
    *,
    case: _Case = "fold",
    normalize: _Normalize = "NFKC",
    strip_accents: bool | Literal["unicode", "ascii"] = False,
    kinds: Iterable[_Kind] = ("word", "number"),
    min_len: int = 1,
    stopwords: Iterable[str] | None = None,
    offsets: bool,
    errors: _Errors = "strict",
) -> list[str] | list[_TokenOffsets]: ...

@final
class Tokenizer:
    """A reusable, picklable tokenizer with fixed options; see textkern.tokenize."""

    def __new__(
        cls,
        case: _Case = "fold",
        normalize: _Normalize = "NFKC",
        strip_accents: bool | Literal["unicode", "ascii"] = False,
        kinds: Iterable[_Kind] = ("word", "number"),
        min_len: int = 1,
        stopwords: Iterable[str] | None = None,
        errors: _Errors = "strict",
    ) -> Self: ...
    @property
    def options(self) -> dict[str, Any]: ...
    @overload
    def __call__(self, text: _Text, *, offsets: Literal[False] = False) -> list[str]: ...
    @overload
    def __call__(self, text: _Text, *, offsets: Literal[True]) -> list[_TokenOffsets]: ...
    @overload
    def __call__(self, text: _Text, *, offsets: bool) -> list[str] | list[_TokenOffsets]: ...
    @overload
    def batch(
        self,
        texts: Iterable[_Text],
        n_threads: int | None = None,
        *,
        offsets: Literal[False] = False,
        progress: _Progress = None,
    ) -> list[list[str]]: ...
    @overload
    def batch(
        self,
        texts: Iterable[_Text],
        n_threads: int | None = None,
        *,
        offsets: Literal[True],
        progress: _Progress = None,
    ) -> list[list[_TokenOffsets]]: ...
    @overload
    def batch(
        self,
        texts: Iterable[_Text],
        n_threads: int | None = None,
        *,
        offsets: bool,
        progress: _Progress = None,
    ) -> list[list[str]] | list[list[_TokenOffsets]]: ...
    def __eq__(self, other: object, /) -> bool: ...
    def __reduce__(self) -> tuple[Any, ...]: ...
    __hash__: None  # type: ignore[assignment]

# ----------------------------------------------------------------- counting
@final
class Counts(Mapping[str, int]):
    """Term counts stored in C, in order of first appearance."""

    def __new__(
        cls, counts: "Counts | Mapping[str, int] | Iterable[str] | None" = None
    ) -> Self: ...
    def __getitem__(self, key: str, /) -> int: ...
    def __contains__(self, key: object, /) -> bool: ...
    def __iter__(self) -> Iterator[str]: ...
    def __len__(self) -> int: ...
    def __eq__(self, other: object, /) -> bool: ...
    def __add__(self, other: "Counts", /) -> "Counts": ...
    def __radd__(self, other: "Counts", /) -> "Counts": ...
    def keys(self) -> KeysView[str]: ...
    def values(self) -> ValuesView[int]: ...
    def items(self) -> ItemsView[str, int]: ...
    def _keys_list(self) -> list[str]: ...
    def _values_list(self) -> list[int]: ...
    def _items_list(self) -> list[tuple[str, int]]: ...
    @overload  # type: ignore[override]
    def get(self, term: str, /) -> int | None: ...
    @overload
    def get(self, term: str, default: int, /) -> int: ...
    @overload
    def get(self, term: str, default: object, /) -> int | object: ...
    def total(self) -> int: ...
    def most_common(self, k: int | None = None) -> list[tuple[str, int]]: ...
    def to_dict(self) -> dict[str, int]: ...
    def to_pandas(self) -> Any: ...
    def _repr_html_(self) -> str: ...
    def copy(self) -> "Counts": ...
    def update(self, *others: "Counts | Mapping[str, int] | Iterable[str]") -> None: ...
    def __reduce__(self) -> tuple[Any, ...]: ...
    __hash__: None  # type: ignore[assignment]

@final
class Vocabulary:
    """A fixed term -> column table kept in C (the vectorizers' vocabulary)."""

    def __new__(cls, terms: Iterable[str]) -> Self: ...
    def __getitem__(self, key: str, /) -> int: ...
    def __contains__(self, key: object, /) -> bool: ...
    def __iter__(self) -> Iterator[str]: ...
    def __len__(self) -> int: ...
    def terms(self) -> list[str]: ...
    def to_dict(self) -> dict[str, int]: ...
    def __reduce__(self) -> tuple[Any, ...]: ...

def ngrams(text: _Text, tokenizer: Tokenizer, analyzer: _Analyzer, lo: int, hi: int) -> list[str]: ...
def map_text(text: _Text, tokenizer: Tokenizer) -> str: ...
def count(
    docs: _Text | Iterable[_Text] | Iterable[list[str]],
    tokenizer: Tokenizer,
    analyzer: _Analyzer,
    lo: int,
    hi: int,
    n_threads: int | None = None,
    input: int = 0,
    progress: _Progress = None,
) -> Counts: ...
def fit_matrix(
    docs: Iterable[Any],
    tokenizer: Tokenizer,
    analyzer: _Analyzer,
    lo: int,
    hi: int,
    n_threads: int | None = None,
    input: int = 0,
    prune: _Prune = None,
    binary: bool = False,
    progress: _Progress = None,
) -> tuple[Vocabulary, _CSRParts]: ...
def transform_matrix(
    docs: Iterable[Any],
    vocab: Vocabulary,
    tokenizer: Tokenizer,
    analyzer: _Analyzer,
    lo: int,
    hi: int,
    n_threads: int | None = None,
    input: int = 0,
    binary: bool = False,
    progress: _Progress = None,
) -> _CSRParts: ...
def hash_matrix(
    docs: Iterable[Any],
    tokenizer: Tokenizer,
    analyzer: _Analyzer,
    lo: int,
    hi: int,
    n_features: int,
    alternate_sign: bool,
    n_threads: int | None = None,
    input: int = 0,
    binary: bool = False,
    progress: _Progress = None,
) -> _CSRParts: ...
def hash_term(term: str, /) -> int: ...
def normalize_rows(data: Any, indptr: Any, l2: bool, /) -> bool: ...
def _counts_from_state(state: tuple[Any, ...], /) -> Counts: ...
def _vocabulary_from_state(state: tuple[Any, ...], /) -> Vocabulary: ...

# --------------------------------------------------------------- similarity
def compressed_size(data: _Text, level: int = 6, format: _Format = "zlib") -> int: ...
@overload
def ncd(
    x: str, y: str, level: int = 6, format: _Format = "zlib", sep: _Text = "",
    metric: _Metric = "ncd",
) -> float: ...
@overload
def ncd(
    x: ReadableBuffer, y: ReadableBuffer, level: int = 6, format: _Format = "zlib",
    sep: _Text = "", metric: _Metric = "ncd",
) -> float: ...
def ncd_matrix(
    xs: Iterable[_Text],
    ys: Iterable[_Text] | None,
    out: npt.NDArray[np.float64],
    level: int = 6,
    format: _Format = "zlib",
    sep: _Text = "",
    metric: _Metric = "ncd",
    symmetric: bool = False,
    n_threads: int | None = None,
    progress: _Progress = None,
    prefix: int = 0,
) -> tuple[int, int]: ...
def nearest(
    queries: Iterable[_Text],
    corpus: Iterable[_Text],
    k: int,
    out_index: npt.NDArray[np.int64],
    out_dist: npt.NDArray[np.float64],
    level: int = 6,
    format: _Format = "zlib",
    sep: _Text = "",
    metric: _Metric = "ncd",
    n_threads: int | None = None,
    progress: _Progress = None,
    prefix: int = 0,
) -> tuple[int, int]: ...
def _ncd_bare(
    xs: Iterable[_Text], ys: Iterable[_Text], level: int = 6, sep: _Text = "",
    n_threads: int | None = None,
) -> int: ...
def _ncd_calibrate(level: int, data: ReadableBuffer, reps: int, /) -> tuple[float, float]: ...
def _ncd_prefix_pays(level: int, x_len: int, n_cols: int, /) -> bool: ...
