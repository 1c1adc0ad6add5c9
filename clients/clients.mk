# Client SDKs generated from spec/openapi.yaml (issue 3); included by the Makefile.
#   make clients        regenerate clients/python, ts, go and swift with the pinned generators
#   make test-clients   lint the hand-written code, then test every SDK against a live server
.PHONY: clients test-clients clients-lint clients-node-deps clients-go-deps

TEST_TARGETS += test-clients

# Debian packages: espeak-ng speaks the test audio, shellcheck lints the curl scripts.
CLIENTS_APT_PACKAGES := espeak-ng shellcheck
CLIENTS_PYTHON := clients/__init__.py clients/generate.py clients/tests clients/python/whisperd_helpers
CLIENTS_TOOLS := $(VENV)/.clients-tools
CLIENTS_PYTHON_SDK := $(VENV)/.clients-python-sdk
CLIENTS_NPM_CI := npm ci --no-audit --no-fund --ignore-scripts --loglevel=error

# The generators (openapi-python-client, openapi-generator-cli with its jar) into the venv.
$(CLIENTS_TOOLS): clients/requirements.txt $(VENV)/.installed
	$(PIP) install --quiet -c constraints.txt -r clients/requirements.txt
	@touch $@

clients: install $(CLIENTS_TOOLS)
	$(BIN)/python clients/generate.py

# The generated Python SDK, installed editable so a regeneration needs no reinstall.
$(CLIENTS_PYTHON_SDK): clients/python/pyproject.toml $(VENV)/.installed
	$(PIP) install --quiet -c constraints.txt -e clients/python
	@touch $@

clients/ts/node_modules/.ci-done: clients/ts/package.json clients/ts/package-lock.json
	cd clients/ts && $(CLIENTS_NPM_CI)
	@touch $@

clients/ts-helpers/node_modules/.ci-done: clients/ts-helpers/package.json clients/ts-helpers/package-lock.json
	cd clients/ts-helpers && $(CLIENTS_NPM_CI)
	@touch $@

# Without node or go the matching tests skip and say so; with them, their packages install.
clients-node-deps:
	@if command -v npm >/dev/null; then \
	  $(MAKE) --no-print-directory clients/ts/node_modules/.ci-done clients/ts-helpers/node_modules/.ci-done; \
	else echo "npm is not installed: the TypeScript client tests will skip"; fi

clients-go-deps:
	@if command -v go >/dev/null; then cd clients/go && go mod download; \
	else echo "go is not installed: the Go client tests will skip"; fi

clients-lint: install $(CLIENTS_PYTHON_SDK)
	$(BIN)/ruff check --config clients/ruff.toml $(CLIENTS_PYTHON)
	$(BIN)/ruff format --check --config clients/ruff.toml $(CLIENTS_PYTHON)
	cd clients/python && MYPYPATH=. ../../$(BIN)/mypy --strict --python-version 3.11 \
	  --cache-dir=/dev/null -p whisperd_helpers
	@if command -v gofmt >/dev/null; then \
	  unformatted=$$(gofmt -l clients/go/whisperdhelpers); \
	  if [ -n "$$unformatted" ]; then echo "gofmt: $$unformatted"; exit 1; fi; fi

test-clients: install $(CLIENTS_TOOLS) $(CLIENTS_PYTHON_SDK) clients-node-deps clients-go-deps clients-lint
	@scripts/ensure-apt.sh $(CLIENTS_APT_PACKAGES)
	@$(call run_pytest,clients/tests)
