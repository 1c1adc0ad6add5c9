# The web page's tests (server/whisperd/ui/, tests/test_ui_*.py): its routes in process, and
# the page itself in headless Debian chromium driven by Playwright for Python, against a
# served whisperd. Needs ../shared for the speech clips (the browser tests skip without).

.PHONY: test-ui ui-deps ui-screenshots

UI_STAMP := $(VENV)/.ui-deps
UI_APT_PACKAGES := chromium

TEST_TARGETS += test-ui

# Playwright's Python package only: it drives Debian's chromium, never a downloaded browser.
$(UI_STAMP): pyproject.toml $(VENV)/.installed
	flock /tmp/whisperd-pip.lock $(BIN)/python -m pip install -q -c constraints.txt -e ".[ui-test]"
	@touch $@

ui-deps: install $(UI_STAMP)
	@scripts/ensure-apt.sh $(UI_APT_PACKAGES)

test-ui: ui-deps
	@$(call run_pytest,tests/test_ui_routes.py tests/test_ui_browser.py)

# The same tests, with the screenshots written to docs/images/ (the README shows them).
ui-screenshots: ui-deps
	@WHISPERD_UI_SCREENSHOTS=$(CURDIR)/docs/images $(call run_pytest,tests/test_ui_browser.py)
