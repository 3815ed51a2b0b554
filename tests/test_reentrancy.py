"""User code that runs in the middle of a textkern call sees nothing half-made.

Python code can run inside a C call: a garbage collection (which any new
tuple can start on Python 3.11) runs finalizers and ``gc.callbacks``, a
signal handler runs at ``PyErr_CheckSignals``, and options are iterated.
The lists textkern fills slot by slot must stay out of ``gc.get_objects()``
until they are full (reading an empty slot crashed), and options must be
read once (an iterable may yield other words the next time).

From Python 3.12 a collection no longer starts inside a C call, so the
collection tests bite on 3.11 only (this project's main target).
"""
import gc
import pickle

import pytest

import textkern as tk

N = 40


def run_while_collections_read_every_list(call):
    """Run call() with a collection at every allocation, each reading every
    list of N items (an empty slot would crash it); return the result and
    how many such lists the collections read."""
    read = [0]

    def scan(phase, info):
        if phase != "start":
            return
        for obj in gc.get_objects():
            if type(obj) is list and len(obj) == N:
                read[0] += sum(1 for _ in list(obj))   # touches every slot

    thresholds = gc.get_threshold()
    gc.collect()
    gc.callbacks.append(scan)
    gc.set_threshold(1, 1, 1)
    try:
        result = call()
    finally:
        gc.callbacks.remove(scan)
        gc.set_threshold(*thresholds)
    return result, read[0]


def _counts():
    return tk.Counts({"t%d" % i: i + 1 for i in range(N)})


CALLS = {
    "tokenize offsets": lambda: tk.tokenize(" ".join(["w"] * N), offsets=True),
    "Tokenizer offsets": lambda: tk.Tokenizer()(" ".join(["w"] * N), offsets=True),
    "segment": lambda: tk.segment("w " * (N // 2)),
    "batch 1 thread": lambda: tk.Tokenizer().batch(["a b"] * N, n_threads=1, offsets=True),
    # Over 32 KiB, so that it runs on threads (tokens without offsets make
    # no tuples, so only the N token lists start collections).
    "batch 2 threads": lambda: tk.Tokenizer().batch(["a b " * 250] * N, n_threads=2),
    "Counts items": lambda: list(_counts().items()),
    "Counts most_common": lambda: _counts().most_common(),
    "Counts keys": lambda: list(_counts()),
    "Counts values": lambda: list(_counts().values()),
    "Counts repr": lambda: repr(_counts()),
}


@pytest.mark.parametrize("name", CALLS)
def test_lists_being_filled_are_invisible_to_collections(name):
    expected = CALLS[name]()
    result, _ = run_while_collections_read_every_list(CALLS[name])
    assert result == expected


def test_the_collections_do_read_lists():
    # Guards the test above: its collections run, and find finished lists.
    made = []
    _, read = run_while_collections_read_every_list(
        lambda: made.extend([(i,) for i in range(N)] for _ in range(3)))
    assert read >= N


def test_tokenize_reads_a_stopwords_generator_once():
    # The option cache used to build a Tokenizer from the generator, which
    # raised; the fallback then read the now empty generator and ignored
    # the bad item.
    with pytest.raises(TypeError, match="stopwords item 1"):
        tk.tokenize("a b c", stopwords=(w for w in ["b", 7]))
    assert tk.tokenize("a b c", stopwords=(w for w in ["b"])) == ["a", "c"]


class _Words:
    def __init__(self, words):
        self.words = words

    def __iter__(self):
        return iter(self.words)


def test_tokenize_rereads_an_iterable_of_stopwords_on_every_call():
    # An object hashed by identity keyed the Tokenizer cache, which then
    # answered with the stop words it had yielded the first time.
    words = _Words(["b"])
    assert tk.tokenize("a b c", stopwords=words) == ["a", "c"]
    words.words = ["c"]
    assert tk.tokenize("a b c", stopwords=words) == ["a", "b"]


def test_a_tokenizer_agrees_with_its_pickle_when_stopwords_change_per_pass():
    class Flip:
        passes = 0

        def __iter__(self):
            Flip.passes += 1
            return iter(["b"] if Flip.passes == 1 else ["c"])

    tok = tk.Tokenizer(stopwords=Flip())
    clone = pickle.loads(pickle.dumps(tok))
    assert Flip.passes == 1
    assert tok("a b c") == clone("a b c") == ["a", "c"]
    assert tok.options["stopwords"] == ("b",)


def test_ncd_matrix_sizes_its_output_by_the_items_read():
    class Lying(list):
        def __len__(self):
            return 5

    assert tk.ncd_matrix([], Lying(["a", "b"])).shape == (0, 2)
    assert tk.ncd_matrix(Lying(["a b", "c"]), ["x"]).shape == (2, 1)
