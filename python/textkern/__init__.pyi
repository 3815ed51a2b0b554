# Type stubs for the textkern package: the whole public API in one place.
#
# The runtime modules keep their documentation; this file gives type
# checkers precise signatures (overloads for offsets= and for str versus
# bytes, numpy.typing arrays).  tests/test_typing.py checks a usage file
# against it with mypy --strict and compares it with the runtime.
from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import Any, Literal, Self, TypeAlias, overload

import numpy as np
import numpy.typing as npt
from _typeshed import ReadableBuffer

from . import dask as dask
from . import plot as plot
from ._compare import SimilarityResult as SimilarityResult
from ._compare import compare as compare
from ._core import Counts as Counts
from ._core import Tokenizer as Tokenizer

__version__: str
unicode_version: str

__all__ = [
    "__version__",
    "unicode_version",
    "segment",
    "tokenize",
    "map_text",
    "Tokenizer",
    "DEFAULT_KINDS",
    "ngrams",
    "count",
    "Counts",
    "ANALYZERS",
    "CountVectorizer",
    "TfidfVectorizer",
    "HashingVectorizer",
    "NotFittedError",
    "compressed_size",
    "ncd",
    "ncd_matrix",
    "nearest",
    "CompressionKNN",
    "LongTextWarning",
    "compare",
    "SimilarityResult",
    "sample_articles",
    "sample_texts",
]

_Text: TypeAlias = str | ReadableBuffer
_Errors: TypeAlias = Literal["strict", "replace", "ignore"]
_Case: TypeAlias = Literal["fold", "lower"] | None
_Normalize: TypeAlias = Literal["NFKC", "NFC"] | None
_Kind: TypeAlias = Literal["word", "number", "emoji", "punct"]
_Analyzer: TypeAlias = Literal["word", "char", "char_wb", "grapheme"]
_Format: TypeAlias = Literal["zlib", "gzip", "deflate"]
_Metric: TypeAlias = Literal["ncd", "cdm"]
_NGram: TypeAlias = int | tuple[int, int]
_Stopwords: TypeAlias = Iterable[str] | Literal["english"] | None
_Progress: TypeAlias = bool | Literal["auto"] | Callable[[int, int], object]
_TokenOffsets: TypeAlias = tuple[str, int, int]
_FloatArray: TypeAlias = npt.NDArray[np.float64]
_IntArray: TypeAlias = npt.NDArray[np.int64]
# scipy.sparse.csr_matrix; scipy is optional and ships no type information.
_SparseMatrix: TypeAlias = Any

DEFAULT_KINDS: tuple[str, ...]
ANALYZERS: tuple[str, ...]

# ------------------------------------------------------------ tokenization
def segment(text: _Text, *, errors: _Errors = "strict") -> list[str]: ...
@overload
def tokenize(
    text: _Text,
    *,
    case: _Case = "fold",
    normalize: _Normalize = "NFKC",
    strip_accents: bool | Literal["unicode", "ascii"] = False,
    kinds: Iterable[_Kind] = ...,
    min_len: int = 1,
    stopwords: _Stopwords = None,
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
    kinds: Iterable[_Kind] = ...,
    min_len: int = 1,
    stopwords: _Stopwords = None,
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
    kinds: Iterable[_Kind] = ...,
    min_len: int = 1,
    stopwords: _Stopwords = None,
    offsets: bool,
    errors: _Errors = "strict",
) -> list[str] | list[_TokenOffsets]: ...

def map_text(
    text: _Text,
    *,
    case: _Case = "fold",
    normalize: _Normalize = "NFKC",
    strip_accents: bool | Literal["unicode", "ascii"] = False,
    errors: _Errors = "strict",
) -> str: ...

# ----------------------------------------------------------------- counting
def ngrams(
    text: _Text,
    n: _NGram = 2,
    *,
    analyzer: _Analyzer = "word",
    case: _Case = ...,
    normalize: _Normalize = ...,
    strip_accents: bool | Literal["unicode", "ascii"] = ...,
    kinds: Iterable[_Kind] = ...,
    min_len: int = ...,
    stopwords: Iterable[str] | Literal["english"] | None = ...,
    errors: _Errors = ...,
) -> list[str]: ...
def count(
    text_or_iterable: _Text | Iterable[_Text],
    *,
    ngram_range: _NGram = (1, 1),
    analyzer: _Analyzer = "word",
    n_threads: int | None = None,
    progress: _Progress = "auto",
    case: _Case = ...,
    normalize: _Normalize = ...,
    strip_accents: bool | Literal["unicode", "ascii"] = ...,
    kinds: Iterable[_Kind] = ...,
    min_len: int = ...,
    stopwords: Iterable[str] | Literal["english"] | None = ...,
    errors: _Errors = ...,
) -> Counts: ...

class NotFittedError(ValueError, AttributeError): ...

class _VectorizerBase:
    input: str
    encoding: str
    decode_error: _Errors
    strip_accents: str | bool | Callable[[str], str] | None
    lowercase: bool
    preprocessor: Callable[[str], str] | None
    tokenizer: Callable[[str], list[str]] | None
    stop_words: str | Iterable[str] | None
    token_pattern: str | None
    ngram_range: tuple[int, int]
    analyzer: _Analyzer | Callable[[str], list[str]]
    binary: bool
    dtype: Any
    case: _Case
    normalize: _Normalize
    kinds: tuple[str, ...]
    min_len: int
    n_threads: int | None
    progress: _Progress
    def get_params(self, deep: bool = True) -> dict[str, Any]: ...
    def set_params(self, **params: Any) -> Self: ...
    def build_analyzer(self) -> Callable[[Any], list[str]]: ...
    def build_preprocessor(self) -> Callable[[str], str]: ...
    def build_tokenizer(self) -> Callable[[str], list[str]]: ...
    def decode(self, doc: Any) -> str: ...
    def get_stop_words(self) -> frozenset[str] | None: ...
    def fit(self, raw_documents: Iterable[Any], y: object = None) -> Self: ...
    def fit_transform(self, raw_documents: Iterable[Any], y: object = None) -> _SparseMatrix: ...
    def transform(self, raw_documents: Iterable[Any]) -> _SparseMatrix: ...

class CountVectorizer(_VectorizerBase):
    max_df: float | int
    min_df: float | int
    max_features: int | None
    vocabulary: Mapping[str, int] | Iterable[str] | None
    fixed_vocabulary_: bool
    def __init__(
        self,
        *,
        input: Literal["content", "filename", "file"] = "content",
        encoding: str = "utf-8",
        decode_error: _Errors = "strict",
        strip_accents: Literal["unicode", "ascii"] | bool | Callable[[str], str] | None = None,
        lowercase: bool = True,
        preprocessor: Callable[[str], str] | None = None,
        tokenizer: Callable[[str], list[str]] | None = None,
        stop_words: Literal["english"] | Iterable[str] | None = None,
        token_pattern: str | None = None,
        ngram_range: tuple[int, int] = (1, 1),
        analyzer: _Analyzer | Callable[[str], list[str]] = "word",
        max_df: float | int = 1.0,
        min_df: float | int = 1,
        max_features: int | None = None,
        vocabulary: Mapping[str, int] | Iterable[str] | None = None,
        binary: bool = False,
        dtype: Any = ...,
        case: _Case = "fold",
        normalize: _Normalize = "NFKC",
        kinds: tuple[str, ...] = ("word", "number"),
        min_len: int = 1,
        n_threads: int | None = None,
        progress: _Progress = "auto",
    ) -> None: ...
    @property
    def vocabulary_(self) -> dict[str, int]: ...
    @vocabulary_.setter
    def vocabulary_(self, value: Mapping[str, int]) -> None: ...
    def to_pandas(self, X: Any, index: Sequence[Any] | None = None) -> Any: ...
    def get_feature_names_out(self, input_features: object = None) -> npt.NDArray[np.object_]: ...
    def inverse_transform(self, X: Any) -> list[npt.NDArray[np.str_]]: ...

class TfidfVectorizer(CountVectorizer):
    norm: Literal["l1", "l2"] | None
    use_idf: bool
    smooth_idf: bool
    sublinear_tf: bool
    def __init__(
        self,
        *,
        input: Literal["content", "filename", "file"] = "content",
        encoding: str = "utf-8",
        decode_error: _Errors = "strict",
        strip_accents: Literal["unicode", "ascii"] | bool | Callable[[str], str] | None = None,
        lowercase: bool = True,
        preprocessor: Callable[[str], str] | None = None,
        tokenizer: Callable[[str], list[str]] | None = None,
        stop_words: Literal["english"] | Iterable[str] | None = None,
        token_pattern: str | None = None,
        ngram_range: tuple[int, int] = (1, 1),
        analyzer: _Analyzer | Callable[[str], list[str]] = "word",
        max_df: float | int = 1.0,
        min_df: float | int = 1,
        max_features: int | None = None,
        vocabulary: Mapping[str, int] | Iterable[str] | None = None,
        binary: bool = False,
        dtype: Any = ...,
        norm: Literal["l1", "l2"] | None = "l2",
        use_idf: bool = True,
        smooth_idf: bool = True,
        sublinear_tf: bool = False,
        case: _Case = "fold",
        normalize: _Normalize = "NFKC",
        kinds: tuple[str, ...] = ("word", "number"),
        min_len: int = 1,
        n_threads: int | None = None,
        progress: _Progress = "auto",
    ) -> None: ...
    @property
    def idf_(self) -> _FloatArray: ...
    @idf_.setter
    def idf_(self, value: npt.ArrayLike) -> None: ...

class HashingVectorizer(_VectorizerBase):
    n_features: int
    norm: Literal["l1", "l2"] | None
    alternate_sign: bool
    def __init__(
        self,
        *,
        input: Literal["content", "filename", "file"] = "content",
        encoding: str = "utf-8",
        decode_error: _Errors = "strict",
        strip_accents: Literal["unicode", "ascii"] | bool | Callable[[str], str] | None = None,
        lowercase: bool = True,
        preprocessor: Callable[[str], str] | None = None,
        tokenizer: Callable[[str], list[str]] | None = None,
        stop_words: Literal["english"] | Iterable[str] | None = None,
        token_pattern: str | None = None,
        ngram_range: tuple[int, int] = (1, 1),
        analyzer: _Analyzer | Callable[[str], list[str]] = "word",
        n_features: int = 1048576,
        binary: bool = False,
        norm: Literal["l1", "l2"] | None = "l2",
        alternate_sign: bool = True,
        dtype: Any = ...,
        case: _Case = "fold",
        normalize: _Normalize = "NFKC",
        kinds: tuple[str, ...] = ("word", "number"),
        min_len: int = 1,
        n_threads: int | None = None,
        progress: _Progress = "auto",
    ) -> None: ...
    def partial_fit(self, X: Iterable[Any], y: object = None) -> Self: ...
    def fit(self, X: Iterable[Any], y: object = None) -> Self: ...
    def fit_transform(self, X: Iterable[Any], y: object = None) -> _SparseMatrix: ...
    def transform(self, X: Iterable[Any]) -> _SparseMatrix: ...

# --------------------------------------------------------------- similarity
class LongTextWarning(UserWarning): ...

def compressed_size(data: _Text, *, level: int = 6, format: _Format = "zlib") -> int: ...
@overload
def ncd(
    x: str, y: str, *, level: int = 6, format: _Format = "zlib", sep: _Text = "",
    metric: _Metric = "ncd",
) -> float: ...
@overload
def ncd(
    x: ReadableBuffer, y: ReadableBuffer, *, level: int = 6, format: _Format = "zlib",
    sep: _Text = "", metric: _Metric = "ncd",
) -> float: ...
@overload
def ncd_matrix(
    xs: Sequence[str], ys: Sequence[str] | None = None, *, level: int = 6,
    format: _Format = "zlib", sep: _Text = "", metric: _Metric = "ncd",
    symmetric: bool = False, n_threads: int | None = None, progress: _Progress = ...,
) -> _FloatArray: ...
@overload
def ncd_matrix(
    xs: Sequence[ReadableBuffer], ys: Sequence[ReadableBuffer] | None = None, *,
    level: int = 6, format: _Format = "zlib", sep: _Text = "", metric: _Metric = "ncd",
    symmetric: bool = False, n_threads: int | None = None, progress: _Progress = ...,
) -> _FloatArray: ...
@overload
def nearest(
    queries: Sequence[str], corpus: Sequence[str], k: int = 5, *, level: int = 6,
    format: _Format = "zlib", sep: _Text = "", metric: _Metric = "ncd",
    n_threads: int | None = None, progress: _Progress = ...,
) -> tuple[_IntArray, _FloatArray]: ...
@overload
def nearest(
    queries: Sequence[ReadableBuffer], corpus: Sequence[ReadableBuffer], k: int = 5, *,
    level: int = 6, format: _Format = "zlib", sep: _Text = "", metric: _Metric = "ncd",
    n_threads: int | None = None, progress: _Progress = ...,
) -> tuple[_IntArray, _FloatArray]: ...

class CompressionKNN:
    k: int
    level: int
    format: _Format
    sep: _Text
    metric: _Metric
    n_threads: int | None
    progress: _Progress
    classes_: npt.NDArray[Any]
    train_texts_: list[_Text]
    n_features_in_: int
    def __init__(
        self, k: int = 2, *, level: int = 9, format: _Format = "gzip", sep: _Text = " ",
        metric: _Metric = "ncd", n_threads: int | None = None, progress: _Progress = "auto",
    ) -> None: ...
    @classmethod
    def paper(
        cls, k: int = 2, *, n_threads: int | None = None, progress: _Progress = "auto"
    ) -> Self: ...
    def get_params(self, deep: bool = True) -> dict[str, Any]: ...
    def set_params(self, **params: Any) -> Self: ...
    def __sklearn_tags__(self) -> Any: ...
    def fit(self, X: Sequence[_Text], y: Sequence[Any] | npt.ArrayLike) -> Self: ...
    @overload
    def kneighbors(
        self, X: Sequence[_Text], n_neighbors: int | None = None,
        return_distance: Literal[True] = True,
    ) -> tuple[_FloatArray, _IntArray]: ...
    @overload
    def kneighbors(
        self, X: Sequence[_Text], n_neighbors: int | None, return_distance: Literal[False],
    ) -> _IntArray: ...
    @overload
    def kneighbors(
        self, X: Sequence[_Text], n_neighbors: int | None = None, *,
        return_distance: Literal[False],
    ) -> _IntArray: ...
    def predict(self, X: Sequence[_Text]) -> npt.NDArray[Any]: ...
    def predict_proba(self, X: Sequence[_Text]) -> _FloatArray: ...
    def score(
        self, X: Sequence[_Text], y: Sequence[Any] | npt.ArrayLike,
        sample_weight: npt.ArrayLike | None = None,
    ) -> float: ...
    def get_metadata_routing(self) -> Any: ...
    def set_score_request(self, *, sample_weight: bool | str | None = None) -> Self: ...

# -------------------------------------------------------------- sample data
def sample_articles() -> list[tuple[str, str, str]]: ...
def sample_texts() -> list[str]: ...
