# The benchmark (bench/). `make bench` is the full run (≤ 30 min on 2 cores) and updates
# bench/README.md; `make bench-quick` is a few minutes for working on the harness; `make
# bench-smoke` (part of `make test`) runs the harness end to end on tiny inputs, plus its
# unit tests and lint, so it cannot rot. Runs need ../shared (they skip with a reason without).

.PHONY: bench bench-quick bench-smoke bench-deps

BENCH_ARGS ?=
BENCH_STAMP := $(VENV)/.bench-deps

TEST_TARGETS += bench-smoke

# The benchmark's own tools (matplotlib, psutil), pinned, into the shared venv under its lock.
$(BENCH_STAMP): bench/requirements.txt $(VENV)/.installed
	flock /tmp/whisperd-pip.lock $(BIN)/python -m pip install -q -c constraints.txt -r bench/requirements.txt
	@touch $@

bench-deps: install $(BENCH_STAMP)

bench: bench-deps
	$(BIN)/python -m bench --update-readme $(BENCH_ARGS)

bench-quick: bench-deps
	$(BIN)/python -m bench --quick --out-dir $(or $(BENCH_OUT),/tmp/whisperd-bench) $(BENCH_ARGS)

bench-smoke: bench-deps
	$(BIN)/ruff check bench
	$(BIN)/ruff format --check bench
	$(BIN)/mypy bench
	@$(call run_pytest,bench/tests)
