"""The generated Go module builds and vets, and it and its helpers work end to end.

The suites themselves are Go (clients/go/whisperdhelpers/*_test.go); this module runs
them against the live server.
"""

from __future__ import annotations

import re

from clients.tests.conftest import CLIENTS, require_tool, run_tool

MODULE = CLIENTS / "go"


def test_generated_module_builds_and_vets() -> None:
    go = require_tool("go")
    run_tool([go, "build", "./..."], cwd=MODULE)
    run_tool([go, "vet", "./..."], cwd=MODULE)


def test_go_suites_pass_against_the_server(client_env: dict[str, str]) -> None:
    go = require_tool("go")
    result = run_tool(
        [go, "test", "-count=1", "-v", "./whisperdhelpers/"], cwd=MODULE, env=client_env
    )
    tests = {
        name
        for path in (MODULE / "whisperdhelpers").glob("*_test.go")
        for name in re.findall(r"^func (Test\w+)\(t \*testing\.T\)", path.read_text(), re.M)
    }
    passed = set(re.findall(r"^--- PASS: (\w+)", result.stdout, flags=re.M))
    assert "--- SKIP" not in result.stdout, result.stdout[-4000:]
    assert len(tests) > 8 and passed == tests, result.stdout[-4000:]
