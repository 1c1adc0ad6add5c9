"""Check 1: our own spec. schemathesis generates positive and negative requests for every
operation of spec/openapi.yaml (examples, coverage and fuzzing phases, fixed seed), sends
them to the live server and runs every built-in check on each answer, plus one of ours.

``test_generated_cases`` sends the cases; ``test_check`` then asserts, per operation and
check, that no answer failed it.
"""

from __future__ import annotations

import contextlib
import os
import typing as t

import pytest
from schemathesis.core.failures import FailureGroup

from conformance.support.own_spec import (
    AUDIO_OPERATIONS,
    CONFIG,
    CUSTOM_CHECK,
    LISTED_CHECKS,
    REAL_AUDIO,
    VERDICTS,
    load_schema,
)
from conformance.support.report import Results
from tests.support.audio import GeneratedAudio

schema = load_schema()
OPERATIONS = (
    "POST /v1/audio/transcriptions",
    "POST /v1/audio/translations",
    "GET /v1/models",
    "GET /v1/models/{model}",
    "GET /health",
    "GET /ready",
    "GET /metrics",
)
# Known server or spec bugs (reported to the lead, /work/briefs/inbox-conformance.md), each
# marked xfail(strict=True) on the one operation and check the fixed seed shows it on.
KNOWN_BUGS: dict[tuple[str, str], str] = {}
# `make fuzz` runs other seeds: a known bug its cases miss is no failure there.
STRICT = os.environ.get("CONFORMANCE_SEED") is None


@pytest.fixture(scope="module", autouse=True)
def speech_for_positive_cases(english_speech: GeneratedAudio) -> None:
    REAL_AUDIO["speech"] = english_speech.path.read_bytes()


@schema.parametrize()
def test_generated_cases(case: t.Any, base_url: str) -> None:
    """Every generated case is answered; the checks' verdicts are recorded, not raised."""
    response = case.call(base_url=base_url)
    mode = case.meta.generation.mode.value if case.meta else "explicit"
    VERDICTS.operations_run.add(case.operation.label)
    VERDICTS.statuses[case.operation.label][f"{mode} {response.status_code}"] += 1
    # Failures are recorded per check by the after_validate hook and asserted in test_check.
    with contextlib.suppress(AssertionError, FailureGroup):
        case.validate_response(response)


# Every 200 shape, sent once each with real speech, so the fixed seed's luck does not decide
# which response formats schemathesis validates: same schema, same checks, same verdicts.
EVERY_FORMAT: list[tuple[str, dict[str, t.Any]]] = [
    *[
        ("/v1/audio/transcriptions", fields)
        for fields in (
            {},
            {"include[]": ["logprobs"]},
            {"response_format": "verbose_json"},
            {"response_format": "verbose_json", "timestamp_granularities[]": ["word"]},
            {"response_format": "verbose_json", "timestamp_granularities[]": ["word", "segment"]},
            {"response_format": "text"},
            {"response_format": "srt"},
            {"response_format": "vtt"},
            {"stream": True},
            {"stream": True, "include[]": ["logprobs"]},
        )
    ],
    *[
        ("/v1/audio/translations", fields)
        for fields in (
            {},
            {"response_format": "verbose_json"},
            {"response_format": "text"},
            {"response_format": "srt"},
            {"response_format": "vtt"},
            {"stream": True},
        )
    ],
]


@pytest.mark.parametrize(
    ("path", "fields"),
    EVERY_FORMAT,
    ids=[f"{path.rsplit('/', 1)[-1]}-{fields or 'json'}" for path, fields in EVERY_FORMAT],
)
def test_every_format(path: str, fields: dict[str, t.Any], base_url: str) -> None:
    """A schema-valid request with real speech for each response format; checked like the
    generated ones (recorded verdicts, asserted in test_check)."""
    body = {"file": REAL_AUDIO["speech"], "model": "whisper-1", **fields}
    case = schema[path]["POST"].Case(body=body, media_type="multipart/form-data")
    response = case.call(base_url=base_url)
    assert response.status_code == 200, response.text[:300]
    VERDICTS.operations_run.add(case.operation.label)
    VERDICTS.statuses[case.operation.label]["explicit 200"] += 1
    with contextlib.suppress(AssertionError, FailureGroup):
        case.validate_response(response)


def _check_items() -> list[t.Any]:
    items = []
    for operation in OPERATIONS:
        checks = [*LISTED_CHECKS, "every other check"]
        if operation in AUDIO_OPERATIONS:
            checks.append(CUSTOM_CHECK)
        for check in checks:
            marks = []
            if (operation, check) in KNOWN_BUGS:
                marks.append(
                    pytest.mark.xfail(strict=STRICT, reason=KNOWN_BUGS[(operation, check)])
                )
            items.append(pytest.param(operation, check, marks=marks, id=f"{operation}-{check}"))
    return items


@pytest.mark.parametrize(("operation", "check"), _check_items())
def test_check(operation: str, check: str, results: Results) -> None:
    if operation not in VERDICTS.operations_run:
        pytest.skip(f"no case of {operation} ran in this session")
    if check == "every other check":
        others = {name for (op, name) in VERDICTS.ran if op == operation} - {
            *LISTED_CHECKS,
            CUSTOM_CHECK,
        }
        failures = [
            f for name in sorted(others) for f in VERDICTS.failures.get((operation, name), [])
        ]
        assert not failures, "\n\n".join(failures)
        return
    if not VERDICTS.ran[(operation, check)]:
        pytest.skip(f"{check} did not apply to any answer of {operation}")
    failures = VERDICTS.failures.get((operation, check), [])
    assert not failures, f"{len(failures)}+ answers failed {check}:\n\n" + "\n\n".join(failures)


def test_statistics(results: Results) -> None:
    """Records, for the report, how many cases ran per operation and what they got."""
    if not VERDICTS.operations_run:
        pytest.skip("no generated case ran in this session")
    seed, examples = CONFIG["seed"], CONFIG["generation"]["max-examples"]
    results.note("schemathesis", operation="run", summary=f"seed {seed}, max-examples {examples}")
    for operation in OPERATIONS:
        counts = VERDICTS.statuses.get(operation)
        if counts:
            summary = ", ".join(f"{key}: {value}" for key, value in sorted(counts.items()))
            results.note(
                "schemathesis",
                operation=operation,
                summary=f"{sum(counts.values())} cases ({summary})",
            )
    audio_ok = sum(
        count
        for operation in AUDIO_OPERATIONS
        for key, count in VERDICTS.statuses.get(operation, {}).items()
        if key.endswith(" 200")
    )
    assert audio_ok, "no generated request reached a 200 on the audio endpoints"
