"""scikit-learn compatible text vectorizers with a C core.

``CountVectorizer``, ``TfidfVectorizer`` and ``HashingVectorizer`` take
scikit-learn's parameter names and semantics, and textkern's tokenize
options (``case``, ``normalize``, ``kinds``, ``min_len``) on top.
Tokenizing, n-gram generation, the vocabulary, document frequencies and
the CSR matrix are built in C on C threads; the fitted vocabulary stays
in C (``vocabulary_`` builds a dict only when you read it).

scikit-learn is optional: with it installed the estimators inherit
``sklearn.base.BaseEstimator`` (so ``clone``, ``Pipeline`` and grid
search work) and follow its ``sparse_interface`` setting (a
``csr_array`` under ``sklearn.config_context(sparse_interface="sparray")``,
else a ``csr_matrix``); without it they provide ``get_params``/
``set_params`` themselves.  scipy is required for the sparse output.
"""
from __future__ import annotations

import contextlib
import copy
import functools
import inspect
import numbers
import re
import unicodedata
from collections.abc import Mapping

import numpy as np

from . import _core
from ._counting import ANALYZERS, _ngram_bounds
from ._progress import corpus_progress
from ._stopwords import ENGLISH_STOP_WORDS
from ._warn import warn_user

__all__ = ["CountVectorizer", "TfidfVectorizer", "HashingVectorizer", "NotFittedError"]

_INPUT_TEXT, _INPUT_FEATURES, _INPUT_TOKENS = 0, 1, 2

try:  # scikit-learn is optional
    from sklearn import get_config as _sklearn_config
    from sklearn.base import BaseEstimator as _EstimatorBase
    from sklearn.exceptions import NotFittedError
except ImportError:  # pragma: no cover - exercised without scikit-learn
    _sklearn_config = None

    class NotFittedError(ValueError, AttributeError):
        """Raised when a vectorizer is used before it is fitted."""

    class _EstimatorBase:
        """Minimal get_params/set_params when scikit-learn is absent."""

        @classmethod
        def _get_param_names(cls):
            sig = inspect.signature(cls.__init__)
            return sorted(p.name for p in sig.parameters.values()
                          if p.name != "self" and p.kind != p.VAR_KEYWORD)

        def get_params(self, deep=True):
            """Return the constructor parameters and their current values.

            Parameters
            ----------
            deep : bool, default True
                Ignored; present for scikit-learn API compatibility.

            Returns
            -------
            dict
                Parameter name -> value.
            """
            return {name: getattr(self, name) for name in self._get_param_names()}

        def set_params(self, **params):
            """Set constructor parameters by name.

            Parameters
            ----------
            **params
                New values, by constructor parameter name.

            Returns
            -------
            object
                This estimator (``self``).

            Raises
            ------
            ValueError
                For a name that is not a constructor parameter.
            """
            valid = self._get_param_names()
            for key, value in params.items():
                if key not in valid:
                    raise ValueError(f"Invalid parameter {key!r} for estimator {self!r}. "
                                     f"Valid parameters are: {valid!r}.")
                setattr(self, key, value)
            return self

        def __repr__(self):
            defaults = {p.name: p.default
                        for p in inspect.signature(type(self).__init__).parameters.values()}
            changed = []
            for name in self._get_param_names():
                value = getattr(self, name)
                default = defaults.get(name, inspect.Parameter.empty)
                try:
                    same = value is default or bool(value == default)
                except Exception:
                    same = False
                if not same:
                    changed.append(f"{name}={value!r}")
            return f"{type(self).__name__}({', '.join(changed)})"


def _scipy_sparse():
    try:
        import scipy.sparse as sp
    except ImportError:
        raise ImportError("textkern vectorizers return scipy sparse matrices: "
                          "pip install textkern[sklearn]") from None
    return sp


def _matrix_dtype(dtype, owner):
    """The numpy dtype of a vectorizer's matrix values, checked before any counting.

    scipy.sparse refuses float16, strings and objects; without this check a
    string dtype gave a matrix that failed only when used, and a bad dtype
    in general failed only after the whole corpus was counted.
    """
    dt = np.dtype(dtype)   # TypeError for unknown names, as in numpy and scikit-learn
    if dt.kind in "biu" or (dt.kind == "f" and dt.itemsize >= 4) or (
            dt.kind == "c" and dt.itemsize >= 8):
        return dt
    raise ValueError(f"{owner}(dtype={dt}) is not supported: scipy.sparse matrices hold bool, "
                     "integer, float32, float64, longdouble or complex values")


def _wants_sparray():
    """True when scikit-learn's config asks for sparse arrays (``sparse_interface="sparray"``).

    scikit-learn's own vectorizers follow that setting; without scikit-learn,
    or with a version that predates it, the output is a ``csr_matrix``.
    """
    if _sklearn_config is None:
        return False
    return _sklearn_config().get("sparse_interface", "spmatrix") == "sparray"


def _csr(parts, dtype):
    """Build a CSR matrix from the (data, indices, indptr, rows, cols, size) of the C core.

    A ``csr_matrix``, or a ``csr_array`` under scikit-learn's
    ``config_context(sparse_interface="sparray")``.
    """
    sp = _scipy_sparse()
    data, indices, indptr, n_rows, n_cols, index_size = parts
    index_dtype = np.int32 if index_size == 4 else np.int64
    data = np.frombuffer(data, dtype=np.int64)
    if np.dtype(dtype) != np.int64:
        data = data.astype(dtype)
    cls = sp.csr_array if _wants_sparray() else sp.csr_matrix
    return cls(
        (data, np.frombuffer(indices, dtype=index_dtype), np.frombuffer(indptr, dtype=index_dtype)),
        shape=(n_rows, n_cols), copy=False)


def _check_finite_weights(data, norm):
    """Raise ValueError when values about to be normalized are NaN or infinite."""
    if np.isnan(data).any():
        what = "NaN"
    elif np.isinf(data).any():
        what = "infinity"
    else:
        return
    raise ValueError(
        f"Input contains {what}: a weight of the matrix is {what}, so norm={norm!r} cannot "
        "scale its row (an idf_ of inf, from smooth_idf=False and a term of a fixed "
        "vocabulary that no training document holds, makes such weights; use "
        "smooth_idf=True or norm=None, which keeps them)")


def _normalize_rows(X, norm):
    """Scale each CSR row to unit l1 or l2 norm in place (zero rows stay zero)."""
    if norm is None:
        return X
    if norm not in ("l1", "l2"):
        raise ValueError(f"norm must be 'l1', 'l2' or None, not {norm!r}")
    if X.nnz == 0:
        return X
    dtype = X.data.dtype
    data = X.data
    if dtype not in (np.float32, np.float64) or not data.flags.c_contiguous \
            or not data.flags.writeable:
        data = np.array(data, dtype=dtype if dtype in (np.float32, np.float64) else np.float64)
    # C, with scikit-learn's own order and precision of sums and divisions
    # (numpy's pairwise sums differed in the last bit of float32 weights).
    if not _core.normalize_rows(data, X.indptr.astype(np.int64, copy=False), norm == "l2"):
        # scikit-learn's normalize refuses NaN and infinity.
        _check_finite_weights(data, norm)
    if data is not X.data:
        X.data = data.astype(dtype, copy=False)
    return X


#: Parameters that scikit-learn takes as bools only.
_FLAG_PARAMETERS = ("lowercase", "binary", "use_idf", "smooth_idf", "sublinear_tf",
                    "alternate_sign")


def _python_preprocess(doc, lowercase, strip_accents):
    """scikit-learn's preprocessing in Python (custom tokenizer / pattern)."""
    if lowercase:
        doc = doc.lower()
    if callable(strip_accents):
        doc = strip_accents(doc)
    elif strip_accents is True:
        # textkern's own: nonspacing marks only, recomposed
        doc = unicodedata.normalize("NFC", "".join(
            c for c in unicodedata.normalize("NFD", doc)
            if unicodedata.category(c) != "Mn"))
    elif strip_accents:
        doc = "".join(c for c in unicodedata.normalize("NFKD", doc)
                      if not unicodedata.combining(c))
        if strip_accents == "ascii":
            doc = doc.encode("ascii", "ignore").decode("ascii")
    return doc


def _accents_then_map(doc, accents, tokenizer):
    """The Python step for a callable ``strip_accents``, then textkern's mapping."""
    return _core.map_text(accents(doc), tokenizer=tokenizer)


class _BuiltAnalyzer:
    """What ``build_analyzer`` returns: a class at module level, so that it pickles."""

    def __init__(self, vectorizer):
        # A shallow copy keeps the options as they are now, as the callable
        # that scikit-learn builds does.
        self._vectorizer = copy.copy(vectorizer)
        self._prepare()

    def _prepare(self):
        v = self._vectorizer
        self._lo, self._hi = v._check_common()
        if callable(v.analyzer):
            v._warn_unused_parameters(self._lo, self._hi)
            return
        if v._python_word_path():
            v._analysis([])          # compiles token_pattern, sets the stop set
        else:
            v._warn_unused_parameters(self._lo, self._hi)
            self._tokenizer = v._tokenizer(word_stopwords=v.analyzer == "word")
            pre = v.preprocessor if v.preprocessor is not None else v._accent_function()
            self._pre = pre

    def __getstate__(self):
        return {"_vectorizer": self._vectorizer}

    def __setstate__(self, state):
        self._vectorizer = state["_vectorizer"]
        self._prepare()

    def __call__(self, doc):
        v = self._vectorizer
        if callable(v.analyzer):
            return v.analyzer(v.decode(doc))
        if v._python_word_path():
            if doc is np.nan:
                v.decode(doc)        # scikit-learn's ValueError for a missing value
            tokens = v._python_tokens(doc)
            out = []
            for n in range(self._lo, self._hi + 1):
                out.extend(" ".join(tokens[i:i + n]) for i in range(len(tokens) - n + 1))
            return out
        if self._pre is not None:
            # Decoded first, as fit does it: the preprocessor gets a str.
            doc = self._pre(v.decode(doc))
        else:
            doc = v._decode(doc)
        return _core.ngrams(doc, self._tokenizer, v.analyzer, self._lo, self._hi)


_TEXT_TYPES = (str, bytes, bytearray, memoryview)


def _failed_on(exc, doc, index):
    """The exception to raise when a user callable failed on document ``index``.

    On a text, the callable's own exception, with a note naming the item.
    A document that is not text (``None``, a number) can only go to a
    callable because lists of tokens may: if the callable could not take
    it, that is the corpus's error, a ``TypeError`` naming the item (its
    cause is the callable's exception).
    """
    if isinstance(doc, _TEXT_TYPES):
        exc.add_note(f"(textkern: raised while analysing item {index} of the corpus)")
        return exc
    error = TypeError(f"item {index}: expected str or bytes, not {type(doc).__name__}, "
                      f"which the callable could not take ({type(exc).__name__}: {exc})")
    error.__cause__ = exc
    return error


class _FeatureFeed:
    """The terms that Python code (an analyzer or tokenizer) makes of each document.

    The C core reads this iterable and encodes each document's terms as soon
    as it has them, so the document that ``index`` names when the core
    raises is the one whose terms it could not take.  ``analyzed`` is False
    while the Python code runs, so that its own exceptions pass unchanged.
    """

    __slots__ = ("_items", "_analyze", "index", "analyzed")

    def __init__(self, items, analyze):
        self._items = items
        self._analyze = analyze
        self.index = -1
        self.analyzed = False

    def __iter__(self):
        for index, doc in enumerate(self._items):
            self.analyzed = False
            try:
                terms = self._analyze(doc)
            except Exception as exc:
                raise _failed_on(exc, doc, index)
            self.index, self.analyzed = index, True
            yield terms
        self.analyzed = False


@contextlib.contextmanager
def _term_errors(docs):
    """Name the document when the C core refuses terms that Python code returned."""
    try:
        yield
    except UnicodeEncodeError as exc:
        if not (isinstance(docs, _FeatureFeed) and docs.analyzed
                and isinstance(exc.object, str)):
            raise
        term = exc.object
        raise ValueError(
            f"item {docs.index}: lone surrogate U+{ord(term[exc.start]):04X} at index "
            f"{exc.start} of the term {term!r} (terms must be valid Unicode: a surrogate "
            "has no UTF-8 form)") from None
    except TypeError as exc:
        if not (isinstance(docs, _FeatureFeed) and docs.analyzed
                and "analyzer output must contain only str" in str(exc)):
            raise
        raise TypeError(
            f"{exc}: textkern's vocabularies hold str terms only, so the analyzer must "
            "return str features; join a tuple of tokens into one str (' '.join(t)) and "
            "turn other values into str (str(n))") from None


class _TextVectorizerBase(_EstimatorBase):
    """Shared analysis setup: maps parameters onto the C core."""

    #: A callable analyzer's str result: characters as features (as
    #: CountVectorizer takes it in scikit-learn), or the ValueError of
    #: scikit-learn's FeatureHasher (HashingVectorizer).
    _refuses_str_features = False

    def _check_common(self):
        lo, hi = _ngram_bounds(self.ngram_range, "ngram_range")
        if not callable(self.analyzer) and self.analyzer not in ANALYZERS:
            raise ValueError(f"{self.analyzer!r} is not a valid tokenization scheme/analyzer; "
                             f"use one of {ANALYZERS} or a callable")
        if self.input not in ("content", "filename", "file"):
            raise ValueError(f"input must be 'content', 'filename' or 'file', not {self.input!r}")
        if self.decode_error not in ("strict", "ignore", "replace"):
            raise ValueError("decode_error must be 'strict', 'ignore' or 'replace', "
                             f"not {self.decode_error!r}")
        if not isinstance(self.encoding, str):
            raise TypeError(f"encoding must be a str such as 'utf-8', not "
                            f"{type(self.encoding).__name__}")
        # Checked at fit time too, so that a bad norm never waits for transform.
        if getattr(self, "norm", None) not in (None, "l1", "l2"):
            raise ValueError(f"norm must be 'l1', 'l2' or None, not {self.norm!r}")
        # scikit-learn refuses other values for its flags ("no" would be true).
        for name in _FLAG_PARAMETERS:
            value = getattr(self, name, False)
            if not isinstance(value, (bool, np.bool_)):
                raise ValueError(f"{name} must be True or False, not {value!r}")
        return lo, hi

    def _stop_word_list(self):
        stop = self.stop_words
        if stop is None:
            return None
        if isinstance(stop, str):
            if stop == "english":
                return sorted(ENGLISH_STOP_WORDS)
            raise ValueError(f"not a built-in stop list: {stop}")
        return list(stop)

    def _accents(self):
        sa = self.strip_accents
        if sa is None or sa is False:
            return False
        if sa is True:
            return True
        if callable(sa) or sa in ("unicode", "ascii"):
            return sa
        raise ValueError(f'Invalid value for "strip_accents": {sa!r}')

    def _accent_function(self):
        """For a callable ``strip_accents``: the Python step the C path runs first, or None.

        scikit-learn's order: ``str.lower`` (under ``lowercase``), then the
        callable; the C mapping follows.  Like scikit-learn's, the step is
        replaced by a ``preprocessor``.
        """
        sa = self.strip_accents
        if not callable(sa) or self.preprocessor is not None:
            return None
        return functools.partial(_python_preprocess, lowercase=self.lowercase, strip_accents=sa)

    def _tokenizer(self, word_stopwords=True):
        case = self.case if self.lowercase else None
        accents = self._accents()
        if callable(accents):
            accents = False       # applied in Python first (_accent_function)
        if self.preprocessor is not None:
            # A custom preprocessor replaces lowercasing and accent stripping,
            # as in scikit-learn's build_preprocessor; normalize still applies.
            case, accents = None, False
        options = dict(case=case, normalize=self.normalize, strip_accents=accents,
                       kinds=self.kinds, min_len=self.min_len, errors=self.decode_error)
        if word_stopwords:
            stop = self._stop_word_list()
            if stop is not None:
                options["stopwords"] = stop
        return _core.Tokenizer(**options)

    def _decode(self, doc):
        if self.input == "filename":
            with open(doc, "rb") as fh:
                doc = fh.read()
        elif self.input == "file":
            doc = doc.read()
        if isinstance(doc, (bytes, bytearray)) and self.encoding.lower().replace("-", "").replace(
                "_", "") not in ("utf8",):
            doc = doc.decode(self.encoding, self.decode_error)
        return doc

    def _decode_str(self, doc):
        doc = self._decode(doc)
        if isinstance(doc, (bytes, bytearray, memoryview)):
            doc = bytes(doc).decode("utf-8", self.decode_error)
        return doc

    def _reads_raw_documents(self):
        """Whether a user callable, not textkern, receives each decoded document.

        Then a document may be anything that callable takes (a list of
        tokens, say), as in scikit-learn; otherwise it must be text.
        """
        if callable(self.analyzer) or self.preprocessor is not None:
            return True
        if self._python_word_path():
            # scikit-learn's preprocessing is the identity then, and the
            # document goes to the tokenizer (or the accent function) as is.
            return not self.lowercase and (self.tokenizer is not None
                                           or callable(self.strip_accents))
        return self._accent_function() is not None

    def _checked(self, raw_documents):
        """Documents for the Python paths, with the C path's type check where it applies."""
        any_type = self._reads_raw_documents()
        for index, doc in enumerate(raw_documents):
            if self.input == "content" and not isinstance(doc, _TEXT_TYPES):
                if doc is np.nan:
                    raise ValueError(f"item {index}: np.nan is an invalid document, expected "
                                     "byte or unicode string.")
                if not any_type:
                    raise TypeError(f"item {index}: expected str or bytes, not "
                                    f"{type(doc).__name__}")
            yield doc

    def _python_tokens(self, doc):
        """scikit-learn's word pipeline in Python (custom tokenizer / pattern)."""
        doc = self._decode_str(doc)
        if self.preprocessor is not None:
            doc = self.preprocessor(doc)
        else:
            doc = _python_preprocess(doc, self.lowercase, self.strip_accents)
        if self.tokenizer is not None:
            tokens = self.tokenizer(doc)
        else:
            tokens = self._token_re.findall(doc)
        stop = self._stop_set
        if stop:
            tokens = [t for t in tokens if t not in stop]
        return tokens

    def _python_word_path(self):
        return self.analyzer == "word" and (self.tokenizer is not None
                                            or self.token_pattern is not None)

    def decode(self, doc):
        """Decode one document into the str that the analyzer receives.

        Follows ``input``: a ``"filename"`` is read, a ``"file"`` object's
        ``read()`` is called, and bytes are decoded with ``encoding`` and
        ``decode_error``, as scikit-learn's ``decode`` does.

        Parameters
        ----------
        doc : str, bytes, file name or file object
            One document, as ``fit`` and ``transform`` take it.

        Returns
        -------
        str
            The decoded document (anything other than bytes after reading
            is returned unchanged).

        Raises
        ------
        ValueError
            If ``doc`` is ``np.nan`` (a missing value in a pandas column,
            say), or bytes cannot be decoded under ``decode_error="strict"``.
        """
        if doc is np.nan:
            raise ValueError("np.nan is an invalid document, expected byte or unicode string.")
        return self._decode_str(doc)

    def get_stop_words(self):
        """Return the stop words in effect, or None.

        Returns
        -------
        frozenset of str or None
            ``stop_words`` as a set; ``"english"`` gives textkern's own
            English list (``textkern._stopwords.ENGLISH_STOP_WORDS``).
            textkern matches stop words after mapping them like the tokens,
            so "The" in the list also removes "the" under case folding.

        Raises
        ------
        ValueError
            If ``stop_words`` is a str other than ``"english"``.
        """
        stop = self._stop_word_list()
        return None if stop is None else frozenset(stop)

    def build_preprocessor(self):
        """Return the function that maps a document's text before tokenization.

        Returns
        -------
        callable
            ``preprocessor`` when one is set. Otherwise, on the C path, the
            whole-text mapping of :func:`textkern.map_text` with this
            vectorizer's ``case`` (``None`` when ``lowercase=False``),
            ``normalize`` and ``strip_accents``: the text the char analyzers
            cut into n-grams, before collapsing whitespace. With a custom
            ``tokenizer`` or ``token_pattern`` (the Python word path),
            scikit-learn's own preprocessing: ``str.lower`` and the accent
            function. The callable takes one str and can be pickled.

        Raises
        ------
        ValueError
            For an invalid ``strip_accents`` or option value.
        """
        if self.preprocessor is not None:
            return self.preprocessor
        if self._python_word_path():
            # The options as they are now, as scikit-learn's partial has them.
            return functools.partial(_python_preprocess, lowercase=self.lowercase,
                                     strip_accents=self._accents())
        accents = self._accents()
        tokenizer = _core.Tokenizer(case=self.case if self.lowercase else None,
                                    normalize=self.normalize,
                                    strip_accents=False if callable(accents) else accents,
                                    errors=self.decode_error)
        if callable(accents):
            return functools.partial(_accents_then_map, accents=self._accent_function(),
                                     tokenizer=tokenizer)
        return functools.partial(_core.map_text, tokenizer=tokenizer)

    def build_tokenizer(self):
        """Return the function that splits a preprocessed str into tokens.

        Returns
        -------
        callable
            ``tokenizer`` when one is set; else ``token_pattern``'s
            ``findall`` when a pattern is set (scikit-learn's semantics);
            else a :class:`textkern.Tokenizer` that returns the UAX #29
            words of ``kinds`` and ``min_len`` without mapping them again
            (the preprocessor maps). Stop words are not removed: the
            analyzer does that, as in scikit-learn.

        Raises
        ------
        ValueError
            If ``token_pattern`` has more than one capturing group.

        Notes
        -----
        The word analyzer finds word boundaries in the original text and
        maps each word, so ``build_tokenizer()(build_preprocessor()(doc))``
        equals its unigrams (before stop words) except where mapping changes
        a boundary: NFKC turns "①" (not a word) into the number "1", for
        example.
        """
        if self.tokenizer is not None:
            return self.tokenizer
        if self.token_pattern is not None:
            pattern = re.compile(self.token_pattern)
            if pattern.groups > 1:
                raise ValueError("More than 1 capturing group in token pattern. "
                                 "Only a single group should be captured.")
            return pattern.findall
        return _core.Tokenizer(case=None, normalize=None, strip_accents=False, kinds=self.kinds,
                               min_len=self.min_len, errors=self.decode_error)

    def _warn_unused_parameters(self, lo, hi):
        """Warn about set parameters that the analysis ignores, as scikit-learn does."""
        analyzer = self.analyzer
        unused = []
        if self.tokenizer is not None and self.token_pattern is not None:
            unused.append(("token_pattern", "tokenizer is set"))
        if callable(analyzer):
            if self.preprocessor is not None:
                unused.append(("preprocessor", "analyzer is a callable"))
            if (lo, hi) != (1, 1):
                unused.append(("ngram_range", "analyzer is a callable"))
        if callable(analyzer) or analyzer != "word":
            reason = "analyzer is not 'word'"
            if self.stop_words is not None:
                unused.append(("stop_words", reason))
            if self.token_pattern is not None:
                unused.append(("token_pattern", reason))
            if self.tokenizer is not None:
                unused.append(("tokenizer", reason))
        for name, reason in unused:
            warn_user(f"{type(self).__name__}: {name} is not used because {reason}",
                      UserWarning)

    def _analysis(self, raw_documents):
        """Return (docs, tokenizer, analyzer name, lo, hi, input kind)."""
        if isinstance(raw_documents, (str, bytes)):
            raise ValueError("Iterable over raw text documents expected, string object received.")
        lo, hi = self._check_common()
        self._warn_unused_parameters(lo, hi)
        analyzer = self.analyzer
        simple_input = self.input == "content" and self.encoding.lower().replace(
            "-", "").replace("_", "") == "utf8"
        if callable(analyzer):
            analyze = lambda d: analyzer(self._decode_str(d))  # noqa: E731
            if self._refuses_str_features:
                def analyze(d, analyze=analyze):
                    features = analyze(d)
                    if isinstance(features, str):
                        raise ValueError(
                            "Samples can not be a single string. The input must be an iterable "
                            "over iterables of strings: the analyzer returned a str "
                            f"({features[:40]!r}) where a list of features was expected")
                    return features
            docs = _FeatureFeed(self._checked(raw_documents), analyze)
            return docs, None, "word", 1, 1, _INPUT_FEATURES
        if self._python_word_path():
            self._token_re = re.compile(self.token_pattern or r"(?u)\b\w\w+\b")
            if self._token_re.groups > 1:
                raise ValueError("More than 1 capturing group in token pattern. "
                                 "Only a single group should be captured.")
            stop = self._stop_word_list()
            self._stop_set = frozenset(stop) if stop else None
            docs = _FeatureFeed(self._checked(raw_documents), self._python_tokens)
            return docs, None, "word", lo, hi, _INPUT_TOKENS
        docs = raw_documents
        pre = self.preprocessor if self.preprocessor is not None else self._accent_function()
        if not simple_input or pre is not None:

            def prepared(items):
                for index, d in enumerate(self._checked(items)):
                    d = self._decode(d)
                    if pre is not None:
                        if isinstance(d, (bytes, bytearray, memoryview)):
                            d = bytes(d).decode("utf-8", self.decode_error)
                        try:
                            d = pre(d)
                        except Exception as exc:
                            raise _failed_on(exc, d, index)
                    yield d
            docs = prepared(raw_documents)
        tokenizer = self._tokenizer(word_stopwords=analyzer == "word")
        return docs, tokenizer, analyzer, lo, hi, _INPUT_TEXT


# The parameters that TfidfVectorizer and HashingVectorizer share with
# CountVectorizer, documented once (the class docstrings hold markers).
_ANALYSIS_PARAMETERS_DOC = """\
    input : {"content", "filename", "file"}, default "content"
        As in :class:`CountVectorizer`.
    encoding : str, default "utf-8"
        As in :class:`CountVectorizer`.
    decode_error : {"strict", "ignore", "replace"}, default "strict"
        As in :class:`CountVectorizer`.
    strip_accents : {None, "unicode", "ascii", True, False} or callable, default None
        As in :class:`CountVectorizer`.
    lowercase : bool, default True
        As in :class:`CountVectorizer`.
    preprocessor : callable or None, default None
        As in :class:`CountVectorizer`.
    tokenizer : callable or None, default None
        As in :class:`CountVectorizer`.
    stop_words : {"english"}, list or None, default None
        As in :class:`CountVectorizer`.
    token_pattern : str or None, default None
        As in :class:`CountVectorizer`.
    ngram_range : (int, int), default (1, 1)
        As in :class:`CountVectorizer`.
    analyzer : {"word", "char", "char_wb", "grapheme"} or callable, default "word"
        As in :class:`CountVectorizer`.
"""


# And those textkern adds, which close their Parameters sections.
_TEXTKERN_PARAMETERS_DOC = """\
    case : {"fold", "lower", None}, default "fold"
        As in :class:`CountVectorizer`.
    normalize : {"NFKC", "NFC", None}, default "NFKC"
        As in :class:`CountVectorizer`.
    kinds : tuple of str, default ("word", "number")
        As in :class:`CountVectorizer`.
    min_len : int, default 1
        As in :class:`CountVectorizer`.
    n_threads : int or None, default None
        As in :class:`CountVectorizer`.
    progress : bool, "auto" or callable, default "auto"
        As in :class:`CountVectorizer`.
"""


def _with_analysis_parameters(cls):
    if not cls.__doc__:      # python -OO strips docstrings
        return cls
    cls.__doc__ = (cls.__doc__
                   .replace("    <analysis parameters of CountVectorizer>\n",
                            _ANALYSIS_PARAMETERS_DOC)
                   .replace("    <textkern parameters of CountVectorizer>\n",
                            _TEXTKERN_PARAMETERS_DOC))
    return cls


class _FittedVocabulary(dict):
    """``vocabulary_``: a dict made from the C vocabulary that notes edits.

    scikit-learn's ``vocabulary_`` is the fitted state itself, so code may
    edit it in place and expect ``transform`` to follow.  Ours is a copy;
    an edit marks it, and the vectorizer installs the edited mapping (as if
    assigned) before it next uses its vocabulary.
    """

    __slots__ = ("edited",)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.edited = False

    def __reduce__(self):
        # pickles (and copies) as the plain dict it stands for
        return dict, (dict(self),)


def _noting_edits(name):
    method = getattr(dict, name)

    @functools.wraps(method)
    def edit(self, *args, **kwargs):
        self.edited = True
        return method(self, *args, **kwargs)
    return edit


for _name in ("__setitem__", "__delitem__", "__ior__", "clear", "pop", "popitem",
              "setdefault", "update"):
    setattr(_FittedVocabulary, _name, _noting_edits(_name))
del _name


def _feature_frame(X, columns):
    """A pandas DataFrame with sparse columns for a scipy sparse matrix X."""
    try:
        import pandas as pd
    except ImportError:
        raise ImportError("to_pandas() needs pandas: pip install textkern[pandas]") from None
    return pd.DataFrame.sparse.from_spmatrix(_scipy_sparse().csr_matrix(X), columns=columns)


class CountVectorizer(_TextVectorizerBase):
    """Convert text documents to a sparse matrix of n-gram counts (C core).

    A drop-in for scikit-learn's ``CountVectorizer``: same parameters,
    attributes and results, with tokenization by Unicode word boundaries
    (UAX #29) instead of a regular expression unless ``token_pattern`` or
    ``tokenizer`` is given.

    Parameters
    ----------
    input : {"content", "filename", "file"}, default "content"
        What the documents are: text, paths to read, or file objects.
    encoding : str, default "utf-8"
        Encoding of bytes input.
    decode_error : {"strict", "ignore", "replace"}, default "strict"
        What to do with undecodable bytes.
    strip_accents : {None, "unicode", "ascii", True, False} or callable, default None
        ``"unicode"`` and ``"ascii"`` are scikit-learn's: NFKD, then every
        character with a nonzero combining class, or every non-ASCII one,
        is dropped (recomposed only under ``normalize``; with
        ``normalize=None`` the result equals scikit-learn's).  ``True`` is
        textkern's own: drop the nonspacing marks (Mn) and recompose, so
        spacing vowel signs of Indic scripts stay.  A callable runs in
        Python, as in scikit-learn: after ``str.lower`` (under
        ``lowercase``) and before textkern's own mapping.
    lowercase : bool, default True
        Apply the ``case`` mapping; ``False`` means ``case=None``.
    preprocessor : callable or None
        Applied to each document in Python first.  As in scikit-learn it
        replaces lowercasing and accent stripping: ``lowercase``, ``case``
        and ``strip_accents`` then have no effect (``normalize`` still
        applies; pass ``normalize=None`` for the preprocessor's text as it is).
    tokenizer : callable or None
        A Python tokenizer (slow path); n-grams and counting stay in C.
    stop_words : {"english"}, list or None
        Words removed after mapping (word analyzer only). ``"english"`` is
        textkern's own list, which differs slightly from scikit-learn's.
    token_pattern : str or None, default None
        If given, tokens are ``re.findall(token_pattern, doc)`` after
        scikit-learn's preprocessing (slow path). ``None`` uses UAX #29.
    ngram_range : (int, int), default (1, 1)
        Inclusive n-gram range.
    analyzer : {"word", "char", "char_wb", "grapheme"} or callable
        See :func:`textkern.ngrams`. A callable receives each decoded
        document and returns its features (slow path; counting and the
        matrix are still built in C).  The features must be str: unlike
        scikit-learn, which takes any hashable, textkern's C vocabulary
        holds str terms only, so a tuple or an int is a ``TypeError``
        (join tuples into one str, convert numbers with ``str``), and a
        str with a lone surrogate is a ``ValueError`` naming the document.
    max_df, min_df : float in [0, 1] or int >= 1
        Document-frequency bounds: a proportion of documents (float) or a
        number of documents (int).
    max_features : int or None
        Keep the most frequent terms, ranked exactly as scikit-learn does.
    vocabulary : mapping or iterable or None
        A fixed vocabulary: a ``collections.abc.Mapping`` of term -> column,
        or any other iterable of terms in column order (a list, a pandas
        Series, ...; a set is sorted).  Upper-case terms warn at fit while
        the documents are lowercased, as in scikit-learn.
    binary : bool, default False
        Record presence (1) instead of counts.
    dtype : numpy dtype, default numpy.int64
        Type of the matrix values: bool, an integer, float32, float64,
        longdouble or complex (what scipy.sparse holds; anything else is a
        ``ValueError`` before counting starts).  ``None`` gives the C
        ``int`` (int32), as in scikit-learn.  As in scikit-learn,
        ``max_features`` ranks terms by the column sums of the matrix in
        this dtype (a bool matrix counts documents, int8 counts wrap).
    case : {"fold", "lower", None}, default "fold"
        Case mapping of textkern (full case folding by default).
    normalize : {"NFKC", "NFC", None}, default "NFKC"
        Unicode normalization.
    kinds : tuple of str, default ("word", "number")
        Token kinds kept by the word analyzer.
    min_len : int, default 1
        Minimum token length in code points.
    n_threads : int or None, default None
        C threads (``None``: all cores, or only the calling thread for an
        input under 32 KiB). Results do not depend on it.
    progress : bool, "auto" or callable, default "auto"
        A tqdm bar over the documents of ``fit``/``transform``, as in
        :func:`textkern.count`: ``True`` always, ``"auto"`` only in a
        notebook or on a terminal for corpora of 1,000 documents or more
        that take over half a second, ``False`` never.

    Attributes
    ----------
    vocabulary_ : dict
        Term -> column, built from the C vocabulary on first access.
    fixed_vocabulary_ : bool
        True when ``vocabulary`` was given.

    Notes
    -----
    Differences from scikit-learn, all deliberate or documented:

    - Words are UAX #29 tokens (:func:`textkern.tokenize`), so one-letter
      words, Korean words with particles ("19일") and Hindi words with vowel
      signs are kept whole; scikit-learn's ``(?u)\\b\\w\\w+\\b`` drops or
      splits them. Pass ``token_pattern`` to get scikit-learn's tokens.
    - ``case="fold"`` (the default) is full Unicode case folding;
      ``case="lower"`` is Python's ``str.lower``, special casing included
      (a word-final "Σ" -> "ς", "İ" -> "i̇"), applied to each token by the
      word analyzer and to the whole document by the char analyzers.  With
      ``case="lower", normalize=None`` the char analyzers equal
      scikit-learn's on NFC text, with either ``strip_accents``.
    - Rows of the returned matrix always have sorted column indices
      (scikit-learn's are unsorted after ``min_df``/``max_df`` pruning); the
      matrices are equal.
    - ``stop_words="english"`` is textkern's own list.
    - A callable ``analyzer`` must return str features (scikit-learn takes
      any hashable, such as tuples): the vocabulary is a C table of str.
      Other features raise a ``TypeError`` that says how to make them str.

    Examples
    --------
    >>> cv = CountVectorizer(ngram_range=(1, 2))
    >>> X = cv.fit_transform(["The cat sat.", "The cat ran."])
    >>> list(cv.get_feature_names_out())
    ['cat', 'cat ran', 'cat sat', 'ran', 'sat', 'the', 'the cat']
    """

    def __init__(self, *, input="content", encoding="utf-8", decode_error="strict",
                 strip_accents=None, lowercase=True, preprocessor=None, tokenizer=None,
                 stop_words=None, token_pattern=None, ngram_range=(1, 1), analyzer="word",
                 max_df=1.0, min_df=1, max_features=None, vocabulary=None, binary=False,
                 dtype=np.int64, case="fold", normalize="NFKC", kinds=("word", "number"),
                 min_len=1, n_threads=None, progress="auto"):
        self.input = input
        self.encoding = encoding
        self.decode_error = decode_error
        self.strip_accents = strip_accents
        self.lowercase = lowercase
        self.preprocessor = preprocessor
        self.tokenizer = tokenizer
        self.stop_words = stop_words
        self.token_pattern = token_pattern
        self.ngram_range = ngram_range
        self.analyzer = analyzer
        self.max_df = max_df
        self.min_df = min_df
        self.max_features = max_features
        self.vocabulary = vocabulary
        self.binary = binary
        self.dtype = dtype
        self.case = case
        self.normalize = normalize
        self.kinds = kinds
        self.min_len = min_len
        self.n_threads = n_threads
        self.progress = progress

    # ------------------------------------------------------------ vocabulary
    def _validate_vocabulary(self):
        vocabulary = self.vocabulary
        if vocabulary is None:
            self.fixed_vocabulary_ = False
            return None
        if isinstance(vocabulary, (set, frozenset)):
            vocabulary = sorted(vocabulary)
        if not isinstance(vocabulary, Mapping):
            # As scikit-learn: only a Mapping maps terms to columns; any other
            # iterable (a list, a pandas Series, ...) lists the terms in order.
            terms = list(vocabulary)
            seen = {}
            for i, t in enumerate(terms):
                if seen.setdefault(t, i) != i:
                    raise ValueError(f"Duplicate term in vocabulary: {t!r}")
        else:
            items = list(vocabulary.items())
            indices = {i for _, i in items}
            if len(indices) != len(items):
                raise ValueError("Vocabulary contains repeated indices.")
            for i in range(len(items)):
                if i not in indices:
                    raise ValueError(f"Vocabulary of size {len(items)} doesn't contain index {i}.")
            terms = [t for t, _ in sorted(items, key=lambda kv: kv[1])]
        if not terms:
            raise ValueError("empty vocabulary passed to fit")
        self.fixed_vocabulary_ = True
        return _core.Vocabulary(terms)

    @property
    def vocabulary_(self):
        """Term -> column mapping (a dict built from the C vocabulary).

        Editing it in place changes the fitted vocabulary, as in
        scikit-learn: the next ``transform`` uses the edited mapping.
        """
        # Edits are installed when the vocabulary is used, not here: a
        # swap of two columns passes through a state with a repeated one.
        table = self.__dict__.get("_vocab")
        if table is None:
            raise AttributeError("vocabulary_ (the vectorizer is not fitted)")
        cached = self.__dict__.get("_vocab_dict")
        if cached is None or cached[0] is not table:
            cached = (table, _FittedVocabulary(table.to_dict()))
            self.__dict__["_vocab_dict"] = cached
        return cached[1]

    @vocabulary_.setter
    def vocabulary_(self, value):
        self._vocab = self._vocabulary_table(value)

    @staticmethod
    def _vocabulary_table(value):
        items = sorted(dict(value).items(), key=lambda kv: kv[1])
        if [i for _, i in items] != list(range(len(items))):
            raise ValueError("vocabulary_ must map terms to 0..n-1")
        return _core.Vocabulary([t for t, _ in items])

    def _apply_vocabulary_edits(self):
        """Install vocabulary_ if it was edited in place since it was made."""
        cached = self.__dict__.get("_vocab_dict")
        if cached is None or not cached[1].edited or cached[0] is not self.__dict__.get("_vocab"):
            return
        edited = cached[1]
        table = self._vocabulary_table(edited)
        edited.edited = False
        # The user's dict stays vocabulary_: later edits are noticed too.
        self.__dict__.update(_vocab=table, _vocab_dict=(table, edited))

    def __sklearn_is_fitted__(self):
        return "_vocab" in self.__dict__

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.string = True
        tags.input_tags.two_d_array = False
        return tags

    def _check_fitted(self):
        self._apply_vocabulary_edits()
        if "_vocab" not in self.__dict__:
            table = self._validate_vocabulary()
            if table is None:
                raise NotFittedError(
                    f"Vocabulary not fitted or provided: call {type(self).__name__}.fit first")
            self._vocab = table
        if len(self._vocab) == 0:
            raise ValueError("Vocabulary is empty")

    def _check_df(self):
        for name in ("max_df", "min_df"):
            v = getattr(self, name)
            if isinstance(v, bool) or not isinstance(v, numbers.Real):
                raise TypeError(f"{name} must be an int or a float, not {v!r}")
            if isinstance(v, numbers.Integral):
                if v < 1:
                    raise ValueError(f"{name}={v!r}: an int must be >= 1 (a document count)")
            elif not 0.0 <= v <= 1.0:
                raise ValueError(f"{name}={v!r}: a float must be in [0.0, 1.0] (a proportion)")
        mf = self.max_features
        if mf is not None and (isinstance(mf, bool) or not isinstance(mf, numbers.Integral)
                               or mf < 1):
            raise ValueError(f"max_features must be None or an int >= 1, not {mf!r}")

    def _df_may_prune(self):
        """False when min_df and max_df keep every term for sure."""
        min_df, max_df = self.min_df, self.max_df
        keeps_low = min_df == 0 or (isinstance(min_df, numbers.Integral) and min_df == 1)
        keeps_high = not isinstance(max_df, numbers.Integral) and max_df == 1.0
        return not (keeps_low and keeps_high)

    def _prune_mask(self, df_bytes, tf_bytes, n_doc, limit, dtype):
        """The keep-mask of scikit-learn's _limit_features, in sorted-term order.

        ``limit`` is ``max_features``, or None to apply only min_df/max_df;
        ``dtype`` (int64 or float64) is the matrix's, in which the totals are
        ranked.
        """
        max_df, min_df = self.max_df, self.min_df
        high = max_df if isinstance(max_df, numbers.Integral) else max_df * n_doc
        low = min_df if isinstance(min_df, numbers.Integral) else min_df * n_doc
        if high < low:
            raise ValueError("max_df corresponds to < documents than min_df")
        dfs = np.frombuffer(df_bytes, dtype=np.int64)
        mask = (dfs <= high) & (dfs >= low)
        if limit is not None and mask.sum() > limit:
            # The int64 totals of the core equal scikit-learn's column sums
            # of an int64 or float64 matrix; the same values, dtype and numpy
            # argsort call make ties at the cut fall the same way.
            tfs = np.frombuffer(tf_bytes, dtype=np.int64).astype(dtype, copy=False)
            mask_inds = (-tfs[mask]).argsort()[:limit]
            new_mask = np.zeros(len(dfs), dtype=bool)
            new_mask[np.where(mask)[0][mask_inds]] = True
            mask = new_mask
        if mask.all():
            return None
        return mask.astype(np.uint8).tobytes()

    @staticmethod
    def _limit_by_matrix(table, X, limit):
        """Keep the ``limit`` columns with the largest sums of X's own values.

        scikit-learn ranks terms for ``max_features`` by summing the count
        matrix in its final dtype: bool counts each document once, int8
        counts have wrapped around, and the sum's dtype (and so the order of
        ties at the cut) follows scipy's rules for that dtype.  This redoes
        that ranking on the matrix itself, for dtypes other than int64 and
        float64 (whose sums are the core's int64 totals).
        """
        if X.shape[1] <= limit:
            return table, X
        tfs = np.asarray(X.sum(axis=0)).ravel()
        keep = np.zeros(X.shape[1], dtype=bool)
        keep[(-tfs).argsort()[:limit]] = True
        kept = np.flatnonzero(keep)
        terms = table.terms()
        return _core.Vocabulary([terms[i] for i in kept]), X[:, kept]

    # -------------------------------------------------------------- fitting
    def _count_dtype(self):
        # dtype=None keeps scikit-learn's own count type, the C int.
        if self.dtype is None:
            return np.dtype(np.intc)
        return _matrix_dtype(self.dtype, type(self).__name__)

    def _warn_upper_case_vocabulary(self, table):
        # scikit-learn warns at fit when lowercasing is on; textkern's case=None
        # turns it off, and then upper-case terms can match.
        if self.lowercase and self.case is not None:
            terms = table.terms()
            if "\n".join(terms).islower():   # the usual case, at C speed
                return
            for term in terms:
                if any(map(str.isupper, term)):
                    warn_user("Upper case characters found in vocabulary while 'lowercase' is "
                              "True: these terms will never match, because the documents are "
                              f"mapped with case={self.case!r} first (an example: {term!r})",
                              UserWarning)
                    break

    def _count_fit(self, raw_documents, dtype=None):
        dtype = self._count_dtype() if dtype is None else dtype
        _scipy_sparse()      # missing: say so before reading (and using up) the corpus
        docs, tok, analyzer, lo, hi, kind = self._analysis(raw_documents)
        # Checked with a fixed vocabulary too, which ignores them, as
        # scikit-learn checks every parameter at fit.
        self._check_df()
        table = self._validate_vocabulary()
        if table is not None:
            self._warn_upper_case_vocabulary(table)
            with corpus_progress(self.progress, raw_documents, "fit") as bar, \
                    _term_errors(docs):
                parts = _core.transform_matrix(docs, table, tok, analyzer, lo, hi, self.n_threads,
                                               kind, bool(self.binary), progress=bar.callback)
            return table, _csr(parts, dtype)
        limit = self.max_features
        # The core's int64 totals rank terms as scikit-learn does for these
        # dtypes; for the others the matrix itself is summed after counting.
        by_totals = dtype in (np.int64, np.float64)
        core_limit = limit if by_totals else None
        # Without pruning the core need not keep any frequencies.
        prune = None
        if self._df_may_prune() or core_limit is not None:
            prune = functools.partial(self._prune_mask, limit=core_limit, dtype=dtype)
        with corpus_progress(self.progress, raw_documents, "fit") as bar, _term_errors(docs):
            table, parts = _core.fit_matrix(docs, tok, analyzer, lo, hi, self.n_threads, kind,
                                            prune, bool(self.binary), progress=bar.callback)
        X = _csr(parts, dtype)
        if limit is not None and not by_totals:
            table, X = self._limit_by_matrix(table, X, limit)
        return table, X

    def _install_fit(self, table, **more_state):
        # One dict.update is one C call under the GIL, so two threads fitting
        # the same estimator leave the state of one fit, never a vocabulary
        # from one and an idf from the other.
        self.__dict__.update(_vocab=table, **more_state)

    def fit(self, raw_documents, y=None):
        """Learn the vocabulary of the documents.

        Parameters
        ----------
        raw_documents : iterable of str or bytes
            The corpus (any iterable, generators included).
        y : None
            Ignored; present for scikit-learn API compatibility.

        Returns
        -------
        CountVectorizer
            This vectorizer (``self``), fitted.
        """
        self.fit_transform(raw_documents)
        return self

    def fit_transform(self, raw_documents, y=None):
        """Learn the vocabulary and return the document-term matrix.

        Parameters
        ----------
        raw_documents : iterable of str or bytes
            The corpus (any iterable, generators included).
        y : None
            Ignored; present for scikit-learn API compatibility.

        Returns
        -------
        scipy.sparse.csr_matrix of shape (n_documents, n_features)
            Counts (or 1s with ``binary=True``), columns sorted by term.

        Raises
        ------
        ValueError
            On invalid parameters, or when no term remains after pruning.
        TypeError
            If a document is not str or bytes (the message names its index).
        """
        table, X = self._count_fit(raw_documents)
        self._install_fit(table)
        return X

    def transform(self, raw_documents):
        """Count the fitted vocabulary's terms in new documents.

        Parameters
        ----------
        raw_documents : iterable of str or bytes
            The documents to count.

        Returns
        -------
        scipy.sparse.csr_matrix of shape (n_documents, n_features)
            Counts (or 1s with ``binary=True``) of the vocabulary's terms,
            one row per document.

        Raises
        ------
        NotFittedError
            If neither ``fit`` was called nor ``vocabulary`` given.
        """
        return self._transform_counts(raw_documents, self._count_dtype())

    def _transform_counts(self, raw_documents, dtype, table=None):
        if isinstance(raw_documents, (str, bytes)):
            raise ValueError("Iterable over raw text documents expected, string object received.")
        if table is None:
            self._check_fitted()
            table = self._vocab
        _scipy_sparse()
        docs, tok, analyzer, lo, hi, kind = self._analysis(raw_documents)
        with corpus_progress(self.progress, raw_documents, "transform") as bar, \
                _term_errors(docs):
            parts = _core.transform_matrix(docs, table, tok, analyzer, lo, hi,
                                           self.n_threads, kind, bool(self.binary),
                                           progress=bar.callback)
        return _csr(parts, dtype)

    def to_pandas(self, X, index=None):
        """Label a document-term matrix from this vectorizer as a DataFrame.

        Parameters
        ----------
        X : scipy.sparse matrix
            Output of :meth:`transform` or :meth:`fit_transform`.
        index : sequence, optional
            Row labels (e.g. document titles).

        Returns
        -------
        pandas.DataFrame
            Sparse columns named by :meth:`get_feature_names_out`.

        Raises
        ------
        ImportError
            If pandas is not installed (``pip install textkern[pandas]``).
        ValueError
            If X does not have one column per feature.
        """
        names = self.get_feature_names_out()
        if not hasattr(X, "shape"):
            X = np.asarray(X)          # a list of rows, say
        if len(X.shape) != 2:
            raise ValueError(f"X must be 2-D (one row per document), not of shape {X.shape}")
        if X.shape[1] != len(names):
            raise ValueError(f"X has {X.shape[1]} columns but the vectorizer has "
                             f"{len(names)} features")
        frame = _feature_frame(X, names)
        if index is not None:
            frame.index = index
        return frame

    def get_feature_names_out(self, input_features=None):
        """Return the feature names (terms) in column order, as an object array.

        Parameters
        ----------
        input_features : None
            Ignored; present for scikit-learn API compatibility.

        Returns
        -------
        numpy.ndarray of object
            The terms, one per column of the document-term matrix.
        """
        self._check_fitted()
        return np.asarray(self._vocab.terms(), dtype=object)

    def inverse_transform(self, X):
        """Return the terms with nonzero entries in each row of X.

        Parameters
        ----------
        X : array-like or scipy sparse matrix of shape (n_documents, n_features)
            A document-term matrix with this vectorizer's columns.

        Returns
        -------
        list of ndarray
            One array of terms per row, of a fixed-width str dtype (``<U``)
            as in scikit-learn (``get_feature_names_out`` gives objects).
        """
        self._check_fitted()
        sp = _scipy_sparse()
        # scikit-learn's check_array rules for this input
        if isinstance(X, np.matrix):
            raise TypeError("np.matrix is not supported; convert it to an array with "
                            "np.asarray(X)")
        if not sp.issparse(X):
            X = np.asarray(X)
            if X.ndim != 2:
                raise ValueError(f"Expected 2D array, got {X.ndim}D array instead: pass one row "
                                 "per document (X.reshape(1, -1) for a single one)")
        X = sp.csr_matrix(X)
        if X.dtype.kind in "fc" and not np.isfinite(X.data).all():
            raise ValueError("Input contains NaN or infinity")
        if X.shape[1] != len(self._vocab):
            raise ValueError(f"X has {X.shape[1]} columns, but this vectorizer has "
                             f"{len(self._vocab)} features")
        names = np.array(self._vocab.terms())
        return [names[X.indices[X.indptr[i]:X.indptr[i + 1]][X.data[X.indptr[i]:X.indptr[i + 1]] != 0]]
                for i in range(X.shape[0])]

    def build_analyzer(self):
        """Return the callable that turns one document into its features.

        Returns
        -------
        callable
            Takes one document, as ``fit`` does (decoded first), and returns
            the list of features that ``fit`` counts for it. It keeps the
            options as they are now (a later ``set_params`` does not change
            it) and pickles whenever this vectorizer's own callables do, so
            that ``multiprocessing`` can send it to other processes.

        Raises
        ------
        ValueError
            For an invalid option value.
        """
        return _BuiltAnalyzer(self)

    def __getstate__(self):
        self._apply_vocabulary_edits()
        parent = getattr(super(), "__getstate__", None)
        state = dict(parent()) if parent is not None else self.__dict__.copy()
        state.pop("_vocab_dict", None)
        state.pop("_token_re", None)
        return state

    def __setstate__(self, state):
        parent = getattr(super(), "__setstate__", None)
        if parent is not None:
            parent(state)
        else:
            self.__dict__.update(state)
        self._check_state()

    def _check_state(self):
        """Reject a fitted state whose parts do not fit together."""
        vocab = self.__dict__.get("_vocab")
        if vocab is not None and not isinstance(vocab, _core.Vocabulary):
            raise ValueError("malformed vectorizer state: _vocab is not a Vocabulary")
        idf = self.__dict__.get("_idf")
        if idf is not None:
            idf = np.asarray(idf)
            # A fit gives idf >= 1, or +inf (smooth_idf=False and a term of
            # a fixed vocabulary that no document holds); NaN and negative
            # values come from no fit and are refused by the idf_ setter.
            # Its length is checked by transform: assigning vocabulary_ to a
            # fitted vectorizer may leave the two apart, and such an object
            # pickles in scikit-learn too.
            if idf.ndim != 1 or idf.dtype.kind != "f" or not _idf_values_ok(idf):
                raise ValueError("malformed vectorizer state: idf_ is not a vector of "
                                 "idf values")
        options = self.__dict__.get("_tfidf_fitted")
        if options is not None and (
                not isinstance(options, dict)
                or set(options) != {"norm", "use_idf", "sublinear_tf"}
                or options["norm"] not in ("l1", "l2", None)):
            raise ValueError("malformed vectorizer state: _tfidf_fitted")


def _idf_values_ok(idf):
    """No NaN and nothing below 0 (+inf is fine: a fit can give it)."""
    with np.errstate(invalid="ignore"):
        return not (np.isnan(idf).any() or (idf < 0).any())


def _checked_idf(value):
    """``value`` as a 1-D float array of idf values (float32 stays float32)."""
    idf = np.asarray(value)
    if idf.dtype.kind in "biu":
        idf = idf.astype(np.float64)
    elif idf.dtype.kind != "f":
        raise TypeError(f"idf_ must hold real numbers, not {idf.dtype}")
    if idf.ndim != 1:
        raise ValueError(f"idf_ must be one-dimensional, not of shape {idf.shape}")
    if not _idf_values_ok(idf):
        raise ValueError("idf_ values must be >= 0 (inf is allowed), not NaN or negative")
    return idf


@_with_analysis_parameters
class TfidfVectorizer(CountVectorizer):
    """Convert text documents to a matrix of tf-idf features (C core).

    Equivalent to :class:`CountVectorizer` followed by scikit-learn's
    ``TfidfTransformer``: ``idf = ln((1 + n) / (1 + df)) + 1`` with
    ``smooth_idf`` (else ``ln(n / df) + 1``), ``sublinear_tf`` uses
    ``1 + ln(tf)``, and rows are scaled to unit ``norm``.

    Parameters
    ----------
    <analysis parameters of CountVectorizer>
    max_df : float in [0, 1] or int >= 1, default 1.0
        As in :class:`CountVectorizer`.
    min_df : float in [0, 1] or int >= 1, default 1
        As in :class:`CountVectorizer`.
    max_features : int or None, default None
        As in :class:`CountVectorizer`.
    vocabulary : mapping or iterable or None, default None
        As in :class:`CountVectorizer`.
    binary : bool, default False
        As in :class:`CountVectorizer`: presence (1) replaces each count
        before the weighting.
    dtype : numpy float dtype, default numpy.float64
        The dtype of the weights: float64 or float32.  Other dtypes that
        scipy.sparse holds give float64 with a ``UserWarning`` at fit, as in
        scikit-learn, but the counts are first made in ``dtype`` (bool
        counts are 1, int8 counts wrap around) and ``max_features`` ranks
        those, as scikit-learn does; complex, float16, string and object
        dtypes are a ``ValueError``.
    norm : {"l2", "l1", None}, default "l2"
        Scale each row to unit l2 or l1 norm; ``None`` leaves the rows as
        they are.
    use_idf : bool, default True
        Multiply the term frequencies by ``idf_``, learned at fit.
    smooth_idf : bool, default True
        Add 1 to every document frequency and to the number of documents
        (the first idf formula above).
    sublinear_tf : bool, default False
        Use ``1 + ln(tf)`` in place of each term frequency ``tf``.
    <textkern parameters of CountVectorizer>

    Attributes
    ----------
    vocabulary_ : dict
    idf_ : ndarray of shape (n_features,)
        Inverse document frequencies (when ``use_idf``).  A fit gives
        values >= 1, or ``inf`` for a term of a fixed vocabulary that no
        document holds under ``smooth_idf=False``; then ``transform`` with
        a ``norm`` raises ``ValueError`` where the term occurs, as in
        scikit-learn (``norm=None`` keeps the ``inf``).  Setting ``idf_``
        checks its length against a fixed ``vocabulary`` even before fit
        and refuses NaN and negative values.

    Notes
    -----
    As in scikit-learn, ``transform`` weights with the ``norm``,
    ``use_idf`` and ``sublinear_tf`` of the last fit (or of the first
    ``idf_`` assignment before any fit): ``set_params`` changes them at the
    next fit.

    The differences from scikit-learn listed for :class:`CountVectorizer`
    apply, including that a callable ``analyzer`` must return str features.
    ``fit`` needs at least one document, as in scikit-learn.

    Examples
    --------
    >>> tv = TfidfVectorizer()
    >>> X = tv.fit_transform(["the cat", "the dog"])
    >>> X.shape
    (2, 3)
    """

    def __init__(self, *, input="content", encoding="utf-8", decode_error="strict",
                 strip_accents=None, lowercase=True, preprocessor=None, tokenizer=None,
                 stop_words=None, token_pattern=None, ngram_range=(1, 1), analyzer="word",
                 max_df=1.0, min_df=1, max_features=None, vocabulary=None, binary=False,
                 dtype=np.float64, norm="l2", use_idf=True, smooth_idf=True,
                 sublinear_tf=False, case="fold", normalize="NFKC", kinds=("word", "number"),
                 min_len=1, n_threads=None, progress="auto"):
        super().__init__(input=input, encoding=encoding, decode_error=decode_error,
                         strip_accents=strip_accents, lowercase=lowercase,
                         preprocessor=preprocessor, tokenizer=tokenizer, stop_words=stop_words,
                         token_pattern=token_pattern, ngram_range=ngram_range,
                         analyzer=analyzer, max_df=max_df, min_df=min_df,
                         max_features=max_features, vocabulary=vocabulary, binary=binary,
                         dtype=dtype, case=case, normalize=normalize, kinds=kinds,
                         min_len=min_len, n_threads=n_threads, progress=progress)
        self.norm = norm
        self.use_idf = use_idf
        self.smooth_idf = smooth_idf
        self.sublinear_tf = sublinear_tf

    def _tfidf_dtypes(self, fitting=False):
        """(count dtype, weight dtype), as scikit-learn has them.

        The counts are made in ``dtype`` itself (so bool counts are 1 and
        int8 counts wrap around, and ``max_features`` ranks those values);
        the weights are float32 or float64, and other dtypes give float64
        with a warning at fit.
        """
        count = self._count_dtype()
        if count.kind == "c":
            raise ValueError(f"TfidfVectorizer(dtype={count}): complex weights are not "
                             "supported; use float64 or float32")
        if count in (np.float64, np.float32):
            return count, count
        if fitting:
            warn_user(f"TfidfVectorizer(dtype={self.dtype!r}): only float64 and float32 are "
                      "kept; the matrix is float64", UserWarning)
        return count, np.dtype(np.float64)

    @property
    def idf_(self):
        """Inverse document frequency of each feature."""
        idf = self.__dict__.get("_idf")
        if idf is None:
            if "_vocab" not in self.__dict__:
                raise NotFittedError(f"{type(self).__name__} is not fitted yet. "
                                     "Call 'fit' with appropriate arguments first.")
            raise AttributeError("idf_ is only defined when use_idf=True")
        return idf

    @idf_.setter
    def idf_(self, value):
        if not self.use_idf:
            raise ValueError("`idf_` cannot be set when `use_idf=False`.")
        value = _checked_idf(value)
        table = self.__dict__.get("_vocab")
        if table is None:
            # A fixed vocabulary is checked (and installed) before any fit,
            # as in scikit-learn: then transform works without fit.
            table = self._validate_vocabulary()
        if table is not None:
            if len(table) != len(value):
                raise ValueError(f"idf length = {len(value)} must be equal to vocabulary size = "
                                 f"{len(table)}")
            more = {"_idf": value}
            if "_tfidf_fitted" not in self.__dict__:
                # As scikit-learn's setter makes its transformer: the weighting
                # options are those of now, and a later fit replaces them.
                more["_tfidf_fitted"] = self._tfidf_options()
            self._install_fit(table, **more)
        else:
            self._idf = value

    def _tfidf_options(self):
        """The weighting options a fit keeps, checked.

        scikit-learn's ``transform`` weights with the options of the last
        fit (its inner ``TfidfTransformer``), so ``set_params(norm=...)``
        on a fitted vectorizer takes effect at the next fit only.
        """
        if self.norm not in ("l1", "l2", None):
            raise ValueError(f"norm must be 'l1', 'l2' or None, not {self.norm!r}")
        return {"norm": self.norm, "use_idf": bool(self.use_idf),
                "sublinear_tf": bool(self.sublinear_tf)}

    def _idf_of(self, X):
        """scikit-learn's idf vector for the counts ``X`` (None without use_idf)."""
        if not self.use_idf:
            return None
        dtype = X.dtype if X.dtype in (np.float64, np.float32) else np.float64
        n_samples = X.shape[0]
        df = np.bincount(X.indices, minlength=X.shape[1]).astype(dtype, copy=False)
        df += float(self.smooth_idf)
        n_samples += int(self.smooth_idf)
        idf = np.full_like(df, fill_value=n_samples, dtype=dtype)
        idf /= df
        np.log(idf, out=idf)
        idf += 1.0
        return idf

    @staticmethod
    def _weight(X, idf, options):
        if options["sublinear_tf"]:
            np.log(X.data, X.data)
            X.data += 1.0
        if options["use_idf"] and idf is not None:
            if len(idf) != X.shape[1]:
                raise ValueError(f"idf_ has {len(idf)} entries for {X.shape[1]} features")
            X.data *= idf[X.indices]
        return _normalize_rows(X, options["norm"])

    def _fit_tfidf(self, raw_documents):
        options = self._tfidf_options()
        count_dtype, weight_dtype = self._tfidf_dtypes(fitting=True)
        table, X = self._count_fit(raw_documents, count_dtype)
        if X.shape[0] == 0:
            # Only a fixed vocabulary gets here (else the vocabulary is empty).
            raise ValueError("TfidfVectorizer.fit needs at least 1 document to learn idf_ "
                             "from; the corpus has 0")
        idf = self._idf_of(X)
        if X.dtype != weight_dtype:
            X = X.astype(weight_dtype)
        self._install_fit(table, _idf=idf, _tfidf_fitted=options)
        return X, idf, options

    def fit(self, raw_documents, y=None):
        """Learn the vocabulary and the idf vector.

        Parameters
        ----------
        raw_documents : iterable of str or bytes
            The corpus (any iterable, generators included).
        y : None
            Ignored; present for scikit-learn API compatibility.

        Returns
        -------
        TfidfVectorizer
            This vectorizer (``self``), fitted.
        """
        self._fit_tfidf(raw_documents)
        return self

    def fit_transform(self, raw_documents, y=None):
        """Learn vocabulary and idf, return the tf-idf matrix.

        Parameters
        ----------
        raw_documents : iterable of str or bytes
            The corpus (any iterable, generators included).
        y : None
            Ignored; present for scikit-learn API compatibility.

        Returns
        -------
        scipy.sparse.csr_matrix of shape (n_documents, n_features)
            The tf-idf weights of the documents.
        """
        X, idf, options = self._fit_tfidf(raw_documents)
        return self._weight(X, idf, options)

    def transform(self, raw_documents):
        """Tf-idf matrix of new documents with the fitted vocabulary and idf.

        Parameters
        ----------
        raw_documents : iterable of str or bytes
            The documents to weight.

        Returns
        -------
        scipy.sparse.csr_matrix of shape (n_documents, n_features)
            The tf-idf weights, with the ``norm``, ``use_idf`` and
            ``sublinear_tf`` of the last fit.
        """
        self._apply_vocabulary_edits()
        # One copy of the instance dict (one C call) gives a vocabulary and
        # an idf from the same fit, even while another thread refits.
        state = self.__dict__.copy()
        table, idf = state.get("_vocab"), state.get("_idf")
        # A state pickled before the options were kept weights as it did then.
        options = state.get("_tfidf_fitted") or self._tfidf_options()
        if table is None or (options["use_idf"] and idf is None):
            raise NotFittedError("The TF-IDF vectorizer is not fitted")
        count_dtype, weight_dtype = self._tfidf_dtypes()
        X = self._transform_counts(raw_documents, count_dtype, table)
        if X.dtype != weight_dtype:
            X = X.astype(weight_dtype)
        return self._weight(X, idf, options)


@_with_analysis_parameters
class HashingVectorizer(_TextVectorizerBase):
    """Stateless vectorizer: n-grams hashed to ``n_features`` columns (C core).

    Suits streaming and distributed use: nothing is learned, so every
    worker maps the same term to the same column.  The hash is textkern's
    own 64-bit hash of the term's UTF-8 (``textkern._core.hash_term``):
    the column is ``(h & (2**63 - 1)) % n_features`` and, with
    ``alternate_sign``, the sign is ``-`` when bit 63 of ``h`` is set.  It
    is *not* scikit-learn's MurmurHash3, so columns differ from
    scikit-learn's.  Entries that cancel to zero are dropped.

    The other parameters are those of :class:`CountVectorizer` (no
    vocabulary, df or max_features).

    Parameters
    ----------
    <analysis parameters of CountVectorizer>
    n_features : int, default 2**20
        Number of columns; a term's column is its hash modulo
        ``n_features`` (see above).
    binary : bool, default False
        Set every nonzero value to 1 (before normalization).
    norm : {"l2", "l1", None}, default "l2"
        Scale each row to unit l2 or l1 norm; ``None`` leaves the rows as
        they are.
    alternate_sign : bool, default True
        Give a term's value the sign ``-`` when bit 63 of its hash is set
        (see above); ``False`` adds every term with ``+``.
    dtype : numpy dtype, default numpy.float64
        As in :class:`CountVectorizer`; with ``norm`` set, integer values
        are normalized as float64.  An unsigned dtype with
        ``alternate_sign=True``, or a complex one with ``norm`` set, is a
        ``ValueError`` (scikit-learn fails on both as well).
    <textkern parameters of CountVectorizer>

    Notes
    -----
    As in :class:`CountVectorizer`, a callable ``analyzer`` must return str
    features (scikit-learn's hashing takes only str features as well).

    Examples
    --------
    >>> hv = HashingVectorizer(n_features=16)
    >>> hv.transform(["the cat sat"]).shape
    (1, 16)
    """

    _refuses_str_features = True

    def __init__(self, *, input="content", encoding="utf-8", decode_error="strict",
                 strip_accents=None, lowercase=True, preprocessor=None, tokenizer=None,
                 stop_words=None, token_pattern=None, ngram_range=(1, 1), analyzer="word",
                 n_features=2 ** 20, binary=False, norm="l2", alternate_sign=True,
                 dtype=np.float64, case="fold", normalize="NFKC", kinds=("word", "number"),
                 min_len=1, n_threads=None, progress="auto"):
        self.input = input
        self.encoding = encoding
        self.decode_error = decode_error
        self.strip_accents = strip_accents
        self.lowercase = lowercase
        self.preprocessor = preprocessor
        self.tokenizer = tokenizer
        self.stop_words = stop_words
        self.token_pattern = token_pattern
        self.ngram_range = ngram_range
        self.analyzer = analyzer
        self.n_features = n_features
        self.binary = binary
        self.norm = norm
        self.alternate_sign = alternate_sign
        self.dtype = dtype
        self.case = case
        self.normalize = normalize
        self.kinds = kinds
        self.min_len = min_len
        self.n_threads = n_threads
        self.progress = progress

    def __sklearn_is_fitted__(self):
        return True

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.requires_fit = False
        tags.input_tags.string = True
        tags.input_tags.two_d_array = False
        if tags.transformer_tags is None:
            # scikit-learn's HashingVectorizer is a TransformerMixin: its
            # tags say it is a transformer of float64 output.
            from sklearn.utils import TransformerTags
            tags.transformer_tags = TransformerTags(preserves_dtype=["float64"])
        return tags

    def _checked_n_features(self):
        nf = self.n_features
        if isinstance(nf, bool) or not isinstance(nf, numbers.Integral):
            raise TypeError(f"n_features must be an int, not {type(nf).__name__} ({nf!r})")
        # scikit-learn's range: column indices are int32
        if not 1 <= nf <= 2 ** 31 - 1:
            raise ValueError(f"n_features must be an int in the range [1, 2147483647], "
                             f"not {nf!r}")
        return nf

    def partial_fit(self, X, y=None):
        """Validate n_features, as scikit-learn does; returns self (nothing is learned).

        Parameters
        ----------
        X : iterable of str or bytes
            Ignored: nothing is learned from the documents.
        y : None
            Ignored; present for scikit-learn API compatibility.

        Returns
        -------
        HashingVectorizer
            This vectorizer (``self``).
        """
        self._checked_n_features()
        return self

    def fit(self, X, y=None):
        """Validate the parameters; returns self (nothing is learned).

        Parameters
        ----------
        X : iterable of str or bytes
            The documents; only checked not to be a single str or bytes.
        y : None
            Ignored; present for scikit-learn API compatibility.

        Returns
        -------
        HashingVectorizer
            This vectorizer (``self``).
        """
        if isinstance(X, (str, bytes)):
            raise ValueError("Iterable over raw text documents expected, string object received.")
        self._check_common()
        self._checked_n_features()
        return self

    def transform(self, X):
        """Hash the documents' n-grams into a sparse matrix.

        Parameters
        ----------
        X : iterable of str or bytes
            The documents to hash.

        Returns
        -------
        scipy.sparse.csr_matrix of shape (n_documents, n_features)
            The documents' n-gram counts by hashed column, with the sign,
            ``binary`` and ``norm`` handling described above.
        """
        nf = self._checked_n_features()
        if self.norm not in ("l1", "l2", None):
            raise ValueError(f"norm must be 'l1', 'l2' or None, not {self.norm!r}")
        dtype = _matrix_dtype(self.dtype, "HashingVectorizer")
        if dtype.kind == "u" and self.alternate_sign:
            # astype would wrap the -1s around to 255 and the like
            raise ValueError(f"HashingVectorizer(dtype={dtype}) cannot hold the negative values "
                             "of alternate_sign=True; use a signed or float dtype, or "
                             "alternate_sign=False")
        if dtype.kind == "c" and self.norm is not None:
            raise ValueError(f"HashingVectorizer(dtype={dtype}, norm={self.norm!r}): complex "
                             "values cannot be normalized; use a float dtype or norm=None")
        _scipy_sparse()
        docs, tok, analyzer, lo, hi, kind = self._analysis(X)
        with corpus_progress(self.progress, X, "hash") as bar, _term_errors(docs):
            parts = _core.hash_matrix(docs, tok, analyzer, lo, hi, int(nf),
                                      bool(self.alternate_sign), self.n_threads, kind,
                                      bool(self.binary), progress=bar.callback)
        X = _csr(parts, dtype)
        if self.norm is not None:
            if not np.issubdtype(X.dtype, np.floating):
                X = X.astype(np.float64)
            X = _normalize_rows(X, self.norm)
        return X

    def fit_transform(self, X, y=None):
        """Same as ``transform`` (stateless).

        Parameters
        ----------
        X : iterable of str or bytes
            The documents to hash.
        y : None
            Ignored; present for scikit-learn API compatibility.

        Returns
        -------
        scipy.sparse.csr_matrix of shape (n_documents, n_features)
            What ``transform(X)`` returns.
        """
        return self.fit(X).transform(X)

    def build_analyzer(self):
        """Return a callable that gives the features of one document.

        Returns
        -------
        callable
            The ``build_analyzer()`` of a :class:`CountVectorizer` with the
            parameters that it shares with this vectorizer.
        """
        return CountVectorizer(**{k: v for k, v in self.get_params().items()
                                  if k in inspect.signature(CountVectorizer).parameters}
                               ).build_analyzer()
