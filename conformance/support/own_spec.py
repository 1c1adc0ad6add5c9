"""Check 1 machinery: schemathesis on ``spec/openapi.yaml`` against the live server.

Every generated case is answered and every check's verdict recorded (``after_validate``
hook) per operation and check, instead of stopping at the first failure, so the table can
say which check fails for which operation, and a known server bug marks only that one.

Generated uploads are random bytes, which the server must refuse with a clean 400. Half of
the positive fuzzing cases get a real spoken sentence and ``model=whisper-1`` instead, so the
200 paths (every response format, streams, timestamps) are exercised and validated too; in
the same way, some positive ``GET /v1/models/{model}`` cases name a model the server has.
"""

from __future__ import annotations

import functools
import json
import os
import random
import sys
import typing as t
from collections import Counter, defaultdict
from dataclasses import dataclass, field

import schemathesis
import yaml
from hypothesis import strategies as st
from openapi_schema_validator import OAS30Validator
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT4
from schemathesis import GenerationMode

from conformance.support import sse
from conformance.support.paths import CONFORMANCE, SPEC

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - schemathesis brings tomli on 3.10
    import tomli as tomllib

SPEC_URI = "urn:whisperd-spec"
AUDIO_OPERATIONS = ("POST /v1/audio/transcriptions", "POST /v1/audio/translations")
# Checks that apply to a stateless API; any other built-in check that fails is caught by
# the per-operation "every other check" test.
LISTED_CHECKS = (
    "not_a_server_error",
    "status_code_conformance",
    "content_type_conformance",
    "response_schema_conformance",
    "response_headers_conformance",
    "positive_data_acceptance",
    "negative_data_rejection",
    "missing_required_header",
    "unsupported_method",
    "allow_header_conformance",
)
# Model ids the server knows, so GET /v1/models/{model} also answers 200 now and then.
KNOWN_MODELS = ("whisper-1", "base", "tiny.en", "gpt-4o-transcribe")
CUSTOM_CHECK = "positive_rejections_are_about_content"
# 400s a schema-valid request may still get: the bytes are not (long enough) audio, the
# language code is unknown, or a combination OpenAI also refuses.
CONTENT_ERROR_CODES: dict[str, set[str | None]] = {
    "file": {None, "audio_too_short", "audio_too_long"},
    "language": {"invalid_language_format", "unsupported_language"},
    "languages[]": {"invalid_language_format", "unsupported_language"},
    "response_format": {"unsupported_value"},  # gpt-4o-transcribe-diarize: json/text/diarized
    "timestamp_granularities[]": {"unsupported_value", "unsupported_parameter"},
    "include[]": {"unsupported_value", "unsupported_parameter"},  # logprobs: json or a stream
    "prompt": {"unsupported_parameter"},  # not with gpt-4o-transcribe-diarize
    "chunking_strategy": {"missing_required_parameter"},  # diarize model, audio over 30 s
    # diarized_json: names and references that do not pair up, or are not audio data URLs
    "known_speaker_names[]": {"invalid_value"},
    "known_speaker_references[]": {"invalid_value"},
}


def config_values() -> dict[str, t.Any]:
    """schemathesis.toml, with the seed and example count ``make fuzz`` may override."""
    data = tomllib.loads((CONFORMANCE / "schemathesis.toml").read_text(encoding="utf-8"))
    seed = os.environ.get("CONFORMANCE_SEED")
    if seed == "random":
        seed = str(random.SystemRandom().randrange(2**31))
    if seed:
        data["seed"] = int(seed)
    examples = os.environ.get("CONFORMANCE_MAX_EXAMPLES")
    if examples:
        data["generation"]["max-examples"] = int(examples)
    return data


CONFIG = config_values()


@dataclass
class Verdicts:
    """What every check said about every response, per operation."""

    ran: Counter[tuple[str, str]] = field(default_factory=Counter)
    failures: dict[tuple[str, str], list[str]] = field(default_factory=lambda: defaultdict(list))
    statuses: dict[str, Counter[str]] = field(default_factory=lambda: defaultdict(Counter))
    operations_run: set[str] = field(default_factory=set)

    def record(self, operation: str, check: str, failure: str | None) -> None:
        self.ran[(operation, check)] += 1
        if failure is not None and len(self.failures[(operation, check)]) < 3:
            self.failures[(operation, check)].append(failure)

    def failure_count(self, operation: str, check: str) -> int:
        return len(self.failures.get((operation, check), []))


VERDICTS = Verdicts()
REAL_AUDIO: dict[str, bytes] = {}  # "speech": a WAV, set by the test module's fixture


# Deepgram's route answers in Deepgram's shapes, for Deepgram's SDKs; its own tests
# (tests/test_deepgram_*.py) check it, and this check is about the OpenAI-shaped API.
NOT_CHECKED_TAGS = ("Deepgram",)


def load_schema() -> t.Any:
    schema = schemathesis.openapi.from_path(SPEC, config=schemathesis.Config.from_dict(CONFIG))
    for tag in NOT_CHECKED_TAGS:
        schema = schema.exclude(tag=tag)

    @schema.hook("flatmap_case")
    def real_audio_now_and_then(context: t.Any, case: t.Any) -> t.Any:
        if not _positive_upload(case):
            return st.just(case)
        return st.integers(min_value=0, max_value=1).map(lambda roll: _with_speech(case, roll == 0))

    @schema.hook("flatmap_case")
    def known_model_now_and_then(context: t.Any, case: t.Any) -> t.Any:
        if not _positive(case, "GET /v1/models/{model}") or not case.path_parameters:
            return st.just(case)
        return st.integers(min_value=0, max_value=len(KNOWN_MODELS) * 2).map(
            lambda roll: _with_model(case, roll)
        )

    @schema.hook("after_validate")
    def record_verdicts(context: t.Any, case: t.Any, response: t.Any, results: t.Any) -> None:
        for result in results:
            failure = None
            if result.failure is not None:
                failure = f"{result.failure.title}: {result.failure.message}\n{_repro(case)}"
            if result.name == "response_schema_conformance" and _is_event_stream(response):
                failure = _stream_schema_failure(response.content, case)
            VERDICTS.record(case.operation.label, result.name, failure)

    return schema


def _positive(case: t.Any, *operations: str) -> bool:
    return (
        case.operation.label in operations
        and case.meta is not None
        and case.meta.generation.mode == GenerationMode.POSITIVE
    )


def _positive_upload(case: t.Any) -> bool:
    return (
        _positive(case, *AUDIO_OPERATIONS)
        and isinstance(case.body, dict)
        and "speech" in REAL_AUDIO
    )


def _with_model(case: t.Any, roll: int) -> t.Any:
    if roll < len(KNOWN_MODELS):
        case.path_parameters["model"] = KNOWN_MODELS[roll]
        _keep_generated_mode(case)
    return case


def _with_speech(case: t.Any, swap: bool) -> t.Any:
    if swap:
        case.body["file"] = REAL_AUDIO["speech"]
        case.body["model"] = "whisper-1"
        _keep_generated_mode(case)
    return case


def _keep_generated_mode(case: t.Any) -> None:
    """The swapped values are as schema-valid as the generated ones, but schemathesis
    re-labels any body holding raw bytes it did not generate as negative; take the edited
    case as generated (schemathesis' own step for values written after generation)."""
    case._record_starting_state()


def _repro(case: t.Any) -> str:
    body = case.body
    if isinstance(body, dict):
        shown = {
            key: (f"<{len(value)} bytes>" if isinstance(value, bytes) else value)
            for key, value in body.items()
        }
        return f"{case.operation.label} body={json.dumps(shown, default=str)[:600]}"
    return f"{case.operation.label} body={str(body)[:300]!r} headers={case.headers}"


@schemathesis.check
def positive_rejections_are_about_content(ctx: t.Any, response: t.Any, case: t.Any) -> bool | None:
    """A schema-valid request to an audio endpoint may be refused (400) only for its content
    (not audio, unknown language, a combination OpenAI also refuses), never for a field the
    schema allows: that would mean the server and the spec disagree."""
    if case.operation.label not in AUDIO_OPERATIONS or case.meta is None:
        return None
    if case.meta.generation.mode != GenerationMode.POSITIVE or response.status_code != 400:
        return None
    try:
        error = json.loads(response.content)["error"]
    except (ValueError, KeyError, TypeError):
        raise AssertionError("a 400 without OpenAI's error envelope") from None
    param, code = error.get("param"), error.get("code")
    if code not in CONTENT_ERROR_CODES.get(str(param), set()):
        raise AssertionError(
            f"schema-valid request refused with param={param!r} code={code!r}: "
            f"{error.get('message')}"
        )
    return True


# Schema conformance of a stream. In OpenAPI 3.0 (the spec's version) the `schema` of a
# text/event-stream answer describes the whole body, a string; schemathesis reads it as the
# schema of each event (OpenAPI 3.2's `itemSchema`), which would fail every stream of a
# correct 3.0 spec. For streams the verdict is ours instead: every event's data validates
# against the spec's TranscriptionStreamEvent (or TranscriptionStreamError), and the stream
# ends with `[DONE]` (or, after a failure, with the error event).
STREAM_EVENT_SCHEMAS = ("TranscriptionStreamEvent", "TranscriptionStreamError")


def _is_event_stream(response: t.Any) -> bool:
    content_type = (response.headers.get("content-type") or [""])[0]
    return str(content_type).startswith("text/event-stream")


def _stream_schema_failure(body: bytes, case: t.Any) -> str | None:
    problems = stream_schema_problems(body)
    if not problems:
        return None
    return "Stream event violates the spec: " + "; ".join(problems[:3]) + f"\n{_repro(case)}"


def stream_schema_problems(body: bytes) -> list[str]:
    """How a stream departs from the spec's event schemas (empty when it conforms)."""
    stream = sse.parse(body)
    ended_by_error = bool(stream.events) and "error" in stream.events[-1]
    if not stream.ends_with_done and not ended_by_error:
        return ["the stream ends with neither data: [DONE] nor an error event"]
    problems = []
    for index, event in enumerate(stream.events):
        per_schema = [own_schema_errors(name, event) for name in STREAM_EVENT_SCHEMAS]
        if all(per_schema):
            problems.append(f"event #{index} {json.dumps(event)[:200]}: {per_schema[0][:2]}")
    return problems


@functools.cache
def _spec_registry() -> Registry[t.Any]:
    document = yaml.safe_load(SPEC.read_text(encoding="utf-8"))
    resource: Resource[t.Any] = Resource.from_contents(document, default_specification=DRAFT4)
    return Registry().with_resource(SPEC_URI, resource)


def own_schema_errors(name: str, instance: t.Any) -> list[str]:
    """Every way ``instance`` violates the component schema ``name`` of spec/openapi.yaml,
    with OpenAPI 3.0's keywords (nullable, discriminator) understood."""
    validator = OAS30Validator(
        {"$ref": f"{SPEC_URI}#/components/schemas/{name}"}, registry=_spec_registry()
    )
    return [
        f"{'/'.join(str(p) for p in error.absolute_path) or '<root>'}: {error.message}"
        for error in validator.iter_errors(instance)
    ]
