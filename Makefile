# textkern developer entry points.  `make demo` and `make test` work on a
# fresh Debian/Ubuntu machine: they install what is missing first.
PY      ?= .venv/bin/python
CC      ?= gcc
CFLAGS  ?= -std=c99 -O2 -g -Wall -Wextra -Werror -D_GNU_SOURCE
CORE    := $(sort $(wildcard csrc/core/*.c))
U8LIBS  := $(shell pkg-config --libs libutf8proc 2>/dev/null || echo -lutf8proc)
LIBS    := $(U8LIBS) -lz -lpthread
CTESTS  := $(patsubst csrc/tests/%.c,csrc/tests/bin/%,$(wildcard csrc/tests/test_*.c))

.PHONY: demo test deps deps-test ctest pytest clean bench

demo: deps
	$(PY) -m textkern demo

deps:
	tools/bootstrap.sh

deps-test:
	tools/bootstrap.sh test

test: deps-test ctest pytest

pytest:
	$(PY) -m pytest -q tests

csrc/tests/bin/%: csrc/tests/%.c $(CORE) csrc/core/*.h csrc/tests/tk_test.h
	@mkdir -p csrc/tests/bin
	$(CC) $(CFLAGS) -DTK_ALLOC_FAULTS -Icsrc/core -o $@ $< $(CORE) $(LIBS)

ctest: $(CTESTS)
	@set -e; for t in $(CTESTS); do echo "== $$t"; $$t; done

bench: deps
	$(PY) -m pip install -q ".[bench]"
	$(PY) benchmarks/bench_tokenize.py

clean:
	rm -rf build dist csrc/tests/bin csrc/fuzz/bin python/*.egg-info
