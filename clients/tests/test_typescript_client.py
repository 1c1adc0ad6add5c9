"""The generated TypeScript client builds with tsc, and it and its helpers work end to end.

The suites themselves are TypeScript (clients/ts-helpers/test/, run by node's test
runner); this module builds them and runs them against the live server.
"""

from __future__ import annotations

import re
from pathlib import Path

from clients.tests.conftest import CLIENTS, require_tool, run_tool

GENERATED = CLIENTS / "ts"
HELPERS = CLIENTS / "ts-helpers"


def count(pattern: str, output: str) -> int:
    match = re.search(pattern, output, flags=re.M)
    assert match, f"no {pattern!r} in the test runner's output:\n{output[-4000:]}"
    return int(match.group(1))


def test_generated_package_builds_with_tsc() -> None:
    npm = require_tool("npm")
    assert (GENERATED / "node_modules").is_dir(), "run `make test-clients` (it runs npm ci)"
    run_tool([npm, "run", "build"], cwd=GENERATED)
    assert (GENERATED / "dist" / "index.d.ts").is_file()
    assert (GENERATED / "dist" / "esm" / "index.js").is_file()


def test_typescript_suites_pass_against_the_server(client_env: dict[str, str]) -> None:
    npm = require_tool("npm")
    node = require_tool("node")
    assert (HELPERS / "node_modules").is_dir(), "run `make test-clients` (it runs npm ci)"
    run_tool([npm, "run", "build"], cwd=GENERATED)
    run_tool([npm, "run", "build"], cwd=HELPERS)
    result = run_tool([node, "--test", "dist/test/"], cwd=HELPERS, env=client_env)
    output = result.stdout
    expected = sum(len(re.findall(r"^\s*it\(", path.read_text(), flags=re.M)) for path in
                   Path(HELPERS / "test").glob("*.test.ts"))  # fmt: skip
    assert count(r"^# fail (\d+)", output) == 0
    assert count(r"^# skipped (\d+)", output) == 0, output[-4000:]
    assert count(r"^# pass (\d+)", output) == expected > 10
