"""The conformance table: outcomes aggregated per check, printed at the end of the run,
written to ``conformance/results.json`` and (with ``CONFORMANCE_WRITE_README=1``, as
``make conformance`` sets it) into the results section of ``conformance/README.md``.

The hooks here are imported by ``conformance/conftest.py``. Tests add details (word error
rates, listed differences, schemathesis statistics) through :data:`RESULTS`.
"""

from __future__ import annotations

import json
import os
import re
import time
import typing as t
from collections import Counter, defaultdict
from dataclasses import dataclass, field

import pytest

from conformance.support.paths import README, RESULTS_JSON

CHECKS: dict[str, str] = {
    "test_1_own_spec": "1. Our own spec (schemathesis on spec/openapi.yaml)",
    "test_2_official_contract": "2. The official OpenAI contract (openai-audio-subset.yaml)",
    "test_3_recorded_responses": "3. Recorded real OpenAI responses (replayed fixtures)",
    "test_4_official_sdks": "4. Official SDKs as clients (openai Python + Node)",
    "test_5_realtime_sdks": "5. Official SDKs' Realtime clients (Python GA + beta, Node wss)",
    "test_6_deepgram_sdks": "6. Deepgram's JS SDK live client (@deepgram/sdk over ws://)",
}
OUTCOMES = ("passed", "failed", "xfailed", "xpassed", "skipped", "error")
README_START = "<!-- conformance-results:start -->"
README_END = "<!-- conformance-results:end -->"


@dataclass
class Results:
    outcomes: dict[str, Counter[str]] = field(default_factory=lambda: defaultdict(Counter))
    durations: dict[str, float] = field(default_factory=lambda: defaultdict(float))
    reasons: dict[str, list[dict[str, str]]] = field(default_factory=lambda: defaultdict(list))
    notes: dict[str, list[dict[str, t.Any]]] = field(default_factory=lambda: defaultdict(list))
    started: float = field(default_factory=time.monotonic)

    def note(self, section: str, **row: t.Any) -> None:
        """A detail row for the report (``wer``, ``differences``, ``listed``...)."""
        self.notes[section].append(row)


RESULTS = Results()


def check_of(nodeid: str) -> str | None:
    module = nodeid.split("::", 1)[0].rsplit("/", 1)[-1].removesuffix(".py")
    return CHECKS.get(module)


def pytest_runtest_logreport(report: pytest.TestReport) -> None:
    check = check_of(report.nodeid)
    if check is None:
        return
    RESULTS.durations[check] += report.duration
    outcome = _outcome(report)
    if outcome is None:
        return
    RESULTS.outcomes[check][outcome] += 1
    if outcome in ("skipped", "xfailed", "failed", "error"):
        RESULTS.reasons[check].append(
            {
                "test": report.nodeid.split("::", 1)[-1],
                "outcome": outcome,
                "reason": _reason(report),
            }
        )


def _outcome(report: pytest.TestReport) -> str | None:
    xfail = hasattr(report, "wasxfail")
    if report.when == "call":
        if report.skipped:
            return "xfailed" if xfail else "skipped"
        if report.passed:
            return "xpassed" if xfail else "passed"
        return "failed"
    if report.when == "setup" and report.skipped:
        return "skipped"
    if report.failed:
        return "error"
    return None


def _reason(report: pytest.TestReport) -> str:
    if hasattr(report, "wasxfail"):
        return str(report.wasxfail)
    if report.skipped and isinstance(report.longrepr, tuple):
        return str(report.longrepr[2]).removeprefix("Skipped: ")
    text = str(report.longrepr or "")
    lines = [line for line in text.splitlines() if line.startswith("E ")]
    return (lines[0][2:].strip() if lines else text.splitlines()[-1] if text else "")[:300]


def table_rows() -> list[dict[str, t.Any]]:
    rows = []
    for check in CHECKS.values():
        counts = RESULTS.outcomes.get(check, Counter())
        total = sum(counts.values())
        rows.append(
            {
                "check": check,
                "passed": counts["passed"],
                "total": total,
                **{name: counts[name] for name in OUTCOMES if name != "passed"},
                "seconds": round(RESULTS.durations.get(check, 0.0), 1),
            }
        )
    return rows


def render_table(rows: list[dict[str, t.Any]]) -> str:
    lines = [
        "| Check | passed / total | failed | xfail (known server bugs) | skipped (listed) | time |",
        "|---|---|---|---|---|---|",
    ]
    for row in rows:
        lines.append(
            f"| {row['check']} | **{row['passed']} / {row['total']}** "
            f"| {row['failed'] + row['error']} "
            f"| {row['xfailed'] + row['xpassed']} | {row['skipped']} | {row['seconds']:.0f} s |"
        )
    return "\n".join(lines)


def render_details() -> str:
    """The per-fixture word error rates and every listed difference, as Markdown."""
    out: list[str] = []
    wer = RESULTS.notes.get("wer", [])
    if wer:
        out += [
            "",
            "Word error rate of our transcript against OpenAI's recorded one (normalised with "
            "Whisper's English normaliser):",
            "",
            "| fixture | request | WER | note |",
            "|---|---|---|---|",
        ]
        out += [
            f"| `{row['fixture']}` | {row['request']} | {row['wer']:.1%} | {row.get('note', '')} |"
            for row in sorted(wer, key=lambda row: str(row["fixture"]))
        ]
    listed = RESULTS.notes.get("listed", [])
    if listed:
        out += ["", "Fixtures answered differently on purpose, or not replayable:", ""]
        out += [f"- `{row['fixture']}`: {row['reason']}" for row in sorted(listed, key=str)]
    stats = RESULTS.notes.get("schemathesis", [])
    if stats:
        out += ["", "schemathesis cases per operation (mode: status counts):", ""]
        out += [f"- {row['operation']}: {row['summary']}" for row in stats]
    return "\n".join(out)


def pytest_terminal_summary(terminalreporter: t.Any) -> None:
    rows = table_rows()
    if not any(row["total"] for row in rows):
        return
    elapsed = time.monotonic() - RESULTS.started
    terminalreporter.section("OpenAI conformance")
    terminalreporter.write_line(render_table(rows))
    details = render_details()
    if details:
        terminalreporter.write_line(details)
    terminalreporter.write_line(f"\n(whole run {elapsed:.0f} s)")
    payload = {
        "table": rows,
        "elapsed_seconds": round(elapsed, 1),
        "not_passed": dict(RESULTS.reasons),
        "notes": dict(RESULTS.notes),
    }
    RESULTS_JSON.write_text(json.dumps(payload, indent=2, default=str) + "\n", encoding="utf-8")
    if os.environ.get("CONFORMANCE_WRITE_README") == "1" and all(row["total"] for row in rows):
        _write_readme(render_table(rows) + "\n" + render_details(), elapsed)


def _write_readme(section: str, elapsed: float) -> None:
    if not README.exists():
        return
    text = README.read_text(encoding="utf-8")
    stamp = time.strftime("%Y-%m-%d", time.gmtime())
    heading = f"_Last `make conformance`: {stamp}, {elapsed:.0f} s._"
    block = f"{README_START}\n{heading}\n\n{section}\n{README_END}"
    pattern = re.compile(re.escape(README_START) + r".*?" + re.escape(README_END), re.DOTALL)
    if pattern.search(text):
        README.write_text(pattern.sub(lambda _: block, text), encoding="utf-8")
