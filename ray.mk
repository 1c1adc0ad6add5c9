# whisperd on Ray Serve (the optional extra whisperd[ray]); included by the Makefile.
RAY_VERSION  := 2.60.0
REPLICAS     ?= 2
RAY_MARKER   := $(VENV)/.ray-$(RAY_VERSION)

.PHONY: ray-install serve-ray test-ray bench-ray

$(RAY_MARKER): $(VENV)/.installed
	$(PIP) install --quiet -c constraints.txt "ray[serve]==$(RAY_VERSION)"
	@touch $@

ray-install: $(RAY_MARKER)

# A local Ray head on 127.0.0.1, listening on loopback only (or RAY_ADDRESS's cluster),
# REPLICAS replicas on PORT.
serve-ray: ray-install
	@$(BIN)/whisperd models path $(MODEL) >/dev/null 2>&1 || $(BIN)/whisperd models pull $(MODEL)
	$(BIN)/python -m whisperd.deploy.ray --port $(PORT) --replicas $(REPLICAS) --model $(MODEL)

# A local 2-replica cluster on loopback only (the tests check every Ray process's sockets);
# each test is bounded by pytest-timeout, the cluster is stopped at the end.
test-ray: ray-install
	@$(call run_pytest,tests/test_ray_serve.py)

TEST_TARGETS += test-ray

# Ray Serve against whisperd alone: proxy overhead per file and 1 x 2 threads against 2 x 1
# (bench/rayserve.py; results in bench/results, quoted in bench/README.md). Not in make test.
bench-ray: ray-install bench-deps
	$(BIN)/python -m bench.rayserve $(BENCH_ARGS)
