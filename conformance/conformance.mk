# OpenAI conformance suite (conformance/README.md), included by the Makefile.
#   make conformance   every check against a live server, fixed seed (part of make test)
#   make conformance-readme   the same, then the results table of conformance/README.md rewritten
#   make fuzz          check 1 only, many more examples and a new seed (SEED=, EXAMPLES=)
.PHONY: conformance conformance-readme conformance-deps fuzz

TEST_TARGETS += conformance

CONFORMANCE_STAMP := $(VENV)/.conformance-installed
CONFORMANCE_NODE_STAMP := conformance/node/node_modules/.installed

# Tools pinned in conformance/requirements.txt, installed into the shared venv under the
# shared pip lock, with the project's constraints so shared packages keep their pins.
$(CONFORMANCE_STAMP): conformance/requirements.txt $(VENV)/.installed
	$(PIP) install --quiet -c constraints.txt -r conformance/requirements.txt
	@touch $@

# The official Node SDKs (openai, @deepgram/sdk), exactly as package-lock.json pins them.
$(CONFORMANCE_NODE_STAMP): conformance/node/package-lock.json conformance/node/package.json
	cd conformance/node && npm ci --no-audit --no-fund --loglevel=error
	@touch $@

conformance-deps: install system-deps $(CONFORMANCE_STAMP) $(CONFORMANCE_NODE_STAMP)

conformance: conformance-deps
	@$(call run_pytest,conformance)

# Not part of make test, so a test run never edits a tracked file.
conformance-readme: conformance-deps
	@CONFORMANCE_WRITE_README=1 $(call run_pytest,conformance)

SEED ?= random
EXAMPLES ?= 400
fuzz: conformance-deps
	@CONFORMANCE_SEED=$(SEED) CONFORMANCE_MAX_EXAMPLES=$(EXAMPLES) $(call run_pytest,conformance/test_1_own_spec.py)
