# textkern developer entry points.  `make demo` and `make test` work on a
# fresh Debian/Ubuntu machine: they install what is missing first.
PY      ?= .venv/bin/python
CC      ?= gcc
CFLAGS  ?= -std=c99 -O2 -g -Wall -Wextra -Werror -D_GNU_SOURCE
CORE    := $(sort $(wildcard csrc/core/*.c))
U8LIBS  := $(shell pkg-config --libs libutf8proc 2>/dev/null || echo -lutf8proc)
LIBS    := $(U8LIBS) -lz -lpthread -lm
CTESTS  := $(patsubst csrc/tests/%.c,csrc/tests/bin/%,$(wildcard csrc/tests/test_*.c))
# The stand-alone C benchmarks are built (not run) with the tests, so that
# they keep compiling as the core changes; their headers say how to run them.
CBENCH  := $(patsubst csrc/tests/%.c,csrc/tests/bin/%,$(wildcard csrc/tests/bench_*.c))

.PHONY: demo test deps deps-test ctest pytest clean bench

demo: deps
	$(PY) -m textkern demo

deps:
	tools/bootstrap.sh

deps-test:
	tools/bootstrap.sh test,dev

test: deps-test ctest pytest

pytest:
	$(PY) -m pytest -q tests

csrc/tests/bin/%: csrc/tests/%.c $(CORE) csrc/core/*.h csrc/tests/tk_test.h csrc/tests/bench_util.h
	@mkdir -p csrc/tests/bin
	$(CC) $(CFLAGS) -DTK_ALLOC_FAULTS -Icsrc/core -o $@ $< $(CORE) $(LIBS)

ctest: $(CTESTS) $(CBENCH)
	@set -e; for t in $(CTESTS); do echo "== $$t"; $$t; done

bench: deps
	$(PY) -m pip install -q ".[bench]"
	$(PY) benchmarks/bench_tokenize.py
	$(PY) benchmarks/bench_count.py
	$(PY) benchmarks/bench_ncd.py
	$(PY) benchmarks/bench_progress.py
	$(PY) benchmarks/bench_small.py

clean:
	rm -rf build dist csrc/tests/bin csrc/fuzz/bin python/*.egg-info

# ------------------------------------------------------------ hardening
# Fuzzing, sanitizers, valgrind and allocation-failure injection
# (docs/hardening.md).  `make fuzz` first replays the committed corpora
# with gcc (ASan+UBSan), then runs each libFuzzer harness FUZZ_SECONDS.
FUZZ_SECONDS  ?= 60
FUZZ_MAX_LEN  ?= 4096
FUZZ_NCD_MAX_LEN ?= 20000
FUZZ_JOBS_ARGS ?=
FUZZ_CC       ?= clang
REPLAY_CC     ?= gcc
FUZZ_NAMES    := tokenize ngram ncd csr
FUZZ_DIR      := csrc/fuzz
FUZZ_BIN      := $(FUZZ_DIR)/bin
FUZZ_WORK     ?= $(FUZZ_BIN)/work
FUZZ_DEFS     ?=
FUZZ_CFLAGS   := $(FUZZ_DEFS) -std=c99 -g -O1 -Wall -Wextra -D_GNU_SOURCE -Icsrc/core -fno-omit-frame-pointer
FUZZ_SAN      := -fsanitize=address,undefined -fno-sanitize-recover=undefined
FUZZ_DEPS     := $(CORE) csrc/core/*.h $(FUZZ_DIR)/fuzz_common.h
ASAN_VENV     ?= .venv-asan
FAULTS_VENV   ?= .venv-faults
HOST_PY       ?= python3
# test_leaks.py measures RSS, which ASan's quarantine and shadow memory
# make meaningless; it runs in the normal suite.  --capture=sys: a
# sanitizer report written to fd 2 just before the process dies must not
# vanish into pytest's capture file.
ASAN_PYTEST_ARGS ?= -q -p no:cacheprovider --capture=sys --ignore=tests/test_leaks.py tests
# allocator_may_return_null: tests of huge inputs expect MemoryError, not
# an ASan abort.  TEST_UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=0
# lists every UBSan finding of a run instead of stopping at the first.
TEST_ASAN_OPTIONS  ?= detect_leaks=0:halt_on_error=1:allocator_may_return_null=1
TEST_UBSAN_OPTIONS ?= print_stacktrace=1:halt_on_error=1
VALGRIND      ?= valgrind
# --max-threads: test_parallel asks for more than the core's 1024-thread cap.
VALGRIND_ARGS ?= --error-exitcode=1 --leak-check=full --errors-for-leak-kinds=definite,indirect,possible --show-leak-kinds=definite,indirect,possible --quiet --max-threads=1100

.PHONY: fuzz fuzz-build fuzz-replay test-asan valgrind test-alloc-faults test-other-pythons

# libFuzzer binaries (clang).
$(FUZZ_BIN)/fuzz_%: $(FUZZ_DIR)/fuzz_%.c $(FUZZ_DEPS)
	@mkdir -p $(FUZZ_BIN)
	$(FUZZ_CC) $(FUZZ_CFLAGS) -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=undefined -o $@ $< $(CORE) $(LIBS) -lm

# Corpus replayers (gcc + ASan/UBSan, no libFuzzer).
$(FUZZ_BIN)/replay_%: $(FUZZ_DIR)/fuzz_%.c $(FUZZ_DIR)/replay_main.c $(FUZZ_DEPS)
	@mkdir -p $(FUZZ_BIN)
	$(REPLAY_CC) $(FUZZ_CFLAGS) -Werror $(FUZZ_SAN) -o $@ $< $(FUZZ_DIR)/replay_main.c $(CORE) $(LIBS) -lm

fuzz-build: $(addprefix $(FUZZ_BIN)/fuzz_,$(FUZZ_NAMES)) $(addprefix $(FUZZ_BIN)/replay_,$(FUZZ_NAMES))

fuzz-replay: $(addprefix $(FUZZ_BIN)/replay_,$(FUZZ_NAMES))
	@set -e; for n in $(FUZZ_NAMES); do \
	  dirs="$(FUZZ_DIR)/corpus/$$n"; \
	  [ -d $(FUZZ_DIR)/regressions/$$n ] && dirs="$$dirs $(FUZZ_DIR)/regressions/$$n"; \
	  $(FUZZ_BIN)/replay_$$n $$dirs; done

# New inputs go to $(FUZZ_WORK)/NAME (ignored by git); crashes to
# $(FUZZ_BIN)/artifacts: copy a crash into csrc/fuzz/regressions/NAME/.
fuzz: fuzz-build fuzz-replay
	@set -e; mkdir -p $(FUZZ_BIN)/artifacts; for n in $(FUZZ_NAMES); do \
	  mkdir -p $(FUZZ_WORK)/$$n; echo "== fuzz_$$n for $(FUZZ_SECONDS) s"; \
	  dirs="$(FUZZ_WORK)/$$n $(FUZZ_DIR)/corpus/$$n"; \
	  [ -d $(FUZZ_DIR)/regressions/$$n ] && dirs="$$dirs $(FUZZ_DIR)/regressions/$$n"; \
	  len=$(FUZZ_MAX_LEN); [ $$n = ncd ] && len=$(FUZZ_NCD_MAX_LEN); \
	  $(FUZZ_BIN)/fuzz_$$n -max_total_time=$(FUZZ_SECONDS) -max_len=$$len \
	    -print_final_stats=1 -artifact_prefix=$(FUZZ_BIN)/artifacts/$$n- $(FUZZ_JOBS_ARGS) $$dirs; \
	done

# Install the extension into venv $(1) from a private copy of the tree
# with the variables $(2) set.  setuptools skips compiling when build/
# looks up to date, so building in the shared tree would mix sanitized,
# fault-injecting and normal objects (and leave them for the next install).
define tk_install_variant
	@[ -x $(1)/bin/python ] || $(HOST_PY) -m venv $(1)
	rm -rf $(1)/src && mkdir -p $(1)/src
	tar -cf - --exclude=./build --exclude='./.venv*' --exclude=./.git --exclude=./csrc/fuzz/bin \
	  --exclude=./csrc/tests/bin . | tar -xf - -C $(1)/src
	cd $(1)/src && $(abspath $(1))/bin/python -m pip install -q ".[test]" && rm -rf build \
	  && $(2) $(abspath $(1))/bin/python -m pip install -q --force-reinstall --no-deps .
endef

# The whole pytest suite on an ASan+UBSan build of the extension.  Any
# ASan report or UBSan runtime error aborts the run.  Leak detection is
# off: CPython does not free everything at exit.
test-asan:
	$(call tk_install_variant,$(ASAN_VENV),TEXTKERN_SANITIZE=1 CC=gcc)
	@nm -D $(ASAN_VENV)/lib/python3*/site-packages/textkern/_core*.so | grep -q __asan_init \
	  || { echo "test-asan: the extension is not instrumented"; exit 1; }
	LD_PRELOAD="$$(gcc -print-file-name=libasan.so) $$(gcc -print-file-name=libubsan.so)" \
	  PYTHONMALLOC=malloc TEXTKERN_SANITIZED=1 \
	  ASAN_OPTIONS=$(TEST_ASAN_OPTIONS) UBSAN_OPTIONS=$(TEST_UBSAN_OPTIONS) \
	  $(ASAN_VENV)/bin/python -m pytest $(ASAN_PYTEST_ARGS)

# Corpus replayers without sanitizers, for valgrind.
$(FUZZ_BIN)/vgreplay_%: $(FUZZ_DIR)/fuzz_%.c $(FUZZ_DIR)/replay_main.c $(FUZZ_DEPS)
	@mkdir -p $(FUZZ_BIN)
	$(REPLAY_CC) $(FUZZ_CFLAGS) -Werror -o $@ $< $(FUZZ_DIR)/replay_main.c $(CORE) $(LIBS) -lm

# memcheck over every C unit test binary, then over the fuzz corpora.
valgrind: $(CTESTS) $(addprefix $(FUZZ_BIN)/vgreplay_,$(FUZZ_NAMES))
	@set -e; for t in $(CTESTS); do echo "== valgrind $$t"; \
	  $(VALGRIND) $(VALGRIND_ARGS) $$t; done; \
	for n in $(FUZZ_NAMES); do echo "== valgrind fuzz corpus $$n"; \
	  $(VALGRIND) $(VALGRIND_ARGS) $(FUZZ_BIN)/vgreplay_$$n $(FUZZ_DIR)/corpus/$$n; done

# The suites whose code paths depend on the CPython version (the buffer
# protocol, str internals, the C API) on each newer CPython this machine
# has: pyenv's, if any (Python classes export buffers only from 3.12, and
# tests/test_ncd.py checks that such a buffer cannot crash ncd_matrix).
OTHER_PYS      ?= $(wildcard $(HOME)/.pyenv/versions/3.1[2-9].*/bin/python3)
OTHER_PY_TESTS ?= tests/test_ncd.py tests/test_tokenize.py tests/test_count.py \
                  tests/test_thread_safety.py tests/test_bad_input_contract.py
test-other-pythons:
	@set -e; [ -n "$(strip $(OTHER_PYS))" ] || echo "test-other-pythons: no other CPython found"; \
	for py in $(OTHER_PYS); do \
	  v=$$($$py -c 'import sys; print("%d.%d" % sys.version_info[:2])'); \
	  venv=.venv-py$$v; echo "== CPython $$v ($$py)"; \
	  [ -x $$venv/bin/python ] || $$py -m venv $$venv; \
	  rm -rf $$venv/src && mkdir -p $$venv/src; \
	  tar -cf - --exclude=./build --exclude='./.venv*' --exclude=./.git \
	    --exclude=./csrc/fuzz/bin --exclude=./csrc/tests/bin . | tar -xf - -C $$venv/src; \
	  (cd $$venv/src && ../bin/python -m pip install -q ".[test]"); \
	  $$venv/bin/python -m pytest -q -p no:cacheprovider $(OTHER_PY_TESTS); \
	done

# Allocation-failure injection: _core._fail_alloc_after exists only here.
test-alloc-faults:
	$(call tk_install_variant,$(FAULTS_VENV),TEXTKERN_ALLOC_FAULTS=1)
	$(FAULTS_VENV)/bin/python -m pytest -q -p no:cacheprovider tests/test_alloc_failures.py
