"""Every public callable has a numpy-style docstring that passes numpydoc's core checks.

The public API is collected, not listed: the functions and classes named in
``textkern.__all__`` and in the ``__all__`` of ``textkern.plot`` and
``textkern.dask``, and for each class the public methods and properties that
textkern defines on it or on one of its (private) textkern base classes.  New
API is therefore checked as soon as it is exported.

Skipped on purpose: objects that textkern re-exports from another package
(scikit-learn's ``NotFittedError``), members that scikit-learn adds to the
estimators (``BaseEstimator.get_params``, the generated ``set_*_request``
methods), and plain class attributes (documented under "Attributes").
"""
import importlib
import types

import pytest

numpydoc_validate = pytest.importorskip("numpydoc.validate")
from numpydoc.docscrape import NumpyDocString  # noqa: E402  (numpydoc is optional)

import textkern  # noqa: E402

#: numpydoc codes that must not occur.  SA01 (See Also), EX01 (Examples) and
#: ES01 (extended summary) are optional in this project.
CHECKED_CODES = frozenset({
    "GL02", "GL03", "GL08",
    "SS02", "SS03", "SS05",
    "PR01", "PR02", "PR03", "PR04", "PR07", "PR08", "PR09",
    "RT01", "RT02", "RT03",
})

#: Modules whose ``__all__`` is the public API.
PUBLIC_MODULES = ("textkern", "textkern.plot", "textkern.dask")

# What counts as a method or property in a class's __dict__: Python functions
# and their wrappers, and the descriptors of the C types (Tokenizer, Counts).
_MEMBER_TYPES = (types.FunctionType, classmethod, staticmethod, property,
                 types.MethodDescriptorType, types.ClassMethodDescriptorType,
                 types.GetSetDescriptorType)


def _is_textkern(obj):
    return (getattr(obj, "__module__", None) or "").split(".")[0] == "textkern"


def _member_is_textkern(member, owner):
    """Whether textkern wrote ``member``, found in the ``__dict__`` of ``owner``."""
    if isinstance(member, (classmethod, staticmethod)):
        return _is_textkern(member.__func__)
    if isinstance(member, property):
        return member.fget is not None and _is_textkern(member.fget)
    if isinstance(member, types.FunctionType):
        return _is_textkern(member)
    return _is_textkern(owner)   # a descriptor of a C type


def _class_members(cls):
    """(name, raw member) of the public methods and properties textkern gives ``cls``."""
    seen = set()
    for owner in cls.__mro__:
        if not _is_textkern(owner):
            continue
        for name, member in vars(owner).items():
            if name.startswith("_") or name in seen:
                continue
            seen.add(name)    # an override hides the base's member
            if isinstance(member, _MEMBER_TYPES) and _member_is_textkern(member, owner):
                yield name, member


def public_objects():
    """Dotted names of every public callable, each docstring once."""
    names, done = [], set()
    for module_name in PUBLIC_MODULES:
        module = importlib.import_module(module_name)
        for name in module.__all__:
            obj = getattr(module, name)
            if not callable(obj) or not _is_textkern(obj) or id(obj) in done:
                continue
            done.add(id(obj))
            names.append(f"{module_name}.{name}")
            if isinstance(obj, type):
                for member_name, member in _class_members(obj):
                    # An inherited member is checked once, under the first
                    # public class that has it.
                    if id(member) not in done:
                        done.add(id(member))
                        names.append(f"{module_name}.{name}.{member_name}")
    return names


def _set_typed_parameter_errors(docstring):
    """PR07-PR09 for parameters typed as a set of values (``{"a", "b"}``).

    numpydoc skips its description checks for those, so a bare
    ``format : {"zlib", "gzip"}`` would pass; the same rules apply here.
    """
    errors = []
    try:
        parsed = NumpyDocString(docstring)
    except Exception:        # numpydoc.validate reports malformed docstrings
        return errors
    for param in list(parsed["Parameters"]) + list(parsed["Other Parameters"]):
        if "{" not in param.type:
            continue
        lines = [line for line in param.desc if line.strip()]
        for name in param.name.split(", "):
            if not lines:
                errors.append(("PR07", f'Parameter "{name}" has no description'))
                continue
            if lines[0][0].isalpha() and not lines[0][0].isupper():
                errors.append(("PR08", f'Parameter "{name}" description should start '
                                       "with a capital letter"))
            if not lines[-1].endswith(".") and not lines[-1].startswith((" ", "* ", "- ")):
                errors.append(("PR09", f'Parameter "{name}" description should finish '
                                       'with "."'))
    return errors


def test_public_api_is_collected():
    names = public_objects()
    assert len(names) >= 60, f"only {len(names)} public objects found: {names}"
    for expected in ("textkern.tokenize", "textkern.Tokenizer", "textkern.Tokenizer.batch",
                     "textkern.Counts.most_common", "textkern.CountVectorizer.fit",
                     "textkern.CountVectorizer.decode", "textkern.TfidfVectorizer.idf_",
                     "textkern.CompressionKNN.paper", "textkern.SimilarityResult.plot",
                     "textkern.plot.similarity", "textkern.dask.count_bag"):
        assert expected in names
    assert len(names) == len(set(names))


def test_docstrings_pass_numpydoc():
    failures = []
    for name in public_objects():
        result = numpydoc_validate.validate(name)
        errors = [(code, message) for code, message in result["errors"]
                  if code in CHECKED_CODES]
        if result["docstring"]:
            errors += _set_typed_parameter_errors(result["docstring"])
        failures += [f"{name}: {code} {message}" for code, message in errors]
    assert not failures, (f"{len(failures)} numpydoc problem(s) in public docstrings:\n"
                          + "\n".join(failures))
