# The other supported Pythons (scripts/check-python-versions.py), included by the Makefile.
#   make test-pythons     3.10, 3.12 and 3.13 each in a light venv .venv-pyXY (the project
#                         without extras): import, `whisperd --version`, a real server that
#                         transcribes one sentence and stops on SIGTERM (part of make test)
#   make test-pythons PYTHONS="3.12"   only some of them
#   make clean-pythons    remove the .venv-pyXY venvs
# The main Python (the venv .venv) is what the rest of the suite runs on. A promised version
# with no interpreter fails under CI=true and is skipped elsewhere.
.PHONY: test-pythons clean-pythons

PYTHONS ?= 3.10 3.12 3.13

TEST_TARGETS += test-pythons

# The main venv provides the tiny.en model directory the light venvs' servers load.
test-pythons: install system-deps
	$(BIN)/python scripts/check-python-versions.py --main-bin $(BIN) $(PYTHONS)

clean-pythons:
	rm -rf $(foreach v,$(PYTHONS),.venv-py$(subst .,,$(v)))

clean: clean-pythons
