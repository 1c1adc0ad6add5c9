"""Comparing the shape of our answer with OpenAI's: JSON keys, their order and value types;
SRT/VTT framing; SSE framing and event order. Values (text, times) are not compared here:
the transcript is compared by word error rate, and numbers differ by model.

Each function returns a list of differences, empty when the shapes agree.
"""

from __future__ import annotations

import json
import re
import typing as t

from conformance.support.sse import EventStream

_SRT_CUE = re.compile(
    r"(\d+)\n(\d\d:\d\d:\d\d,\d\d\d) --> (\d\d:\d\d:\d\d,\d\d\d)\n([^\n]+(?:\n[^\n]+)*)\n\n"
)
_VTT_CUE = re.compile(
    r"(\d\d:\d\d:\d\d\.\d\d\d) --> (\d\d:\d\d:\d\d\.\d\d\d)\n([^\n]+(?:\n[^\n]+)*)\n\n"
)


def json_type(value: t.Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int):
        return "integer"
    if isinstance(value, float):
        return "float"
    if isinstance(value, str):
        return "string"
    if isinstance(value, list):
        return "array"
    return "object"


# Keys whose values are names, not measurements: they must be equal, not only typed alike.
SAME_VALUE_KEYS = frozenset({"task", "language", "type", "object"})


def json_differences(expected: t.Any, actual: t.Any, path: str = "") -> list[str]:
    """Keys (and their order) and value types of ``actual`` against ``expected``, and equal
    values for the name-like keys of ``SAME_VALUE_KEYS``.

    Arrays may differ in length (segments, words, tokens follow the audio); every element
    of ours is compared with OpenAI's first element.
    """
    where = path or "/"
    if json_type(expected) != json_type(actual):
        return [f"{where}: OpenAI has {json_type(expected)}, we have {json_type(actual)}"]
    if isinstance(expected, dict):
        differences = []
        if list(expected) != list(actual):
            differences.append(f"{where}: OpenAI's keys {list(expected)}, ours {list(actual)}")
        for key in expected:
            if key not in actual:
                continue
            if (
                key in SAME_VALUE_KEYS
                and isinstance(expected[key], str)
                and expected[key] != actual[key]
            ):
                differences.append(f"{path}/{key}: OpenAI {expected[key]!r}, ours {actual[key]!r}")
            differences += json_differences(expected[key], actual[key], f"{path}/{key}")
        return differences
    if isinstance(expected, list) and expected and actual:
        differences = []
        for index, item in enumerate(actual):
            differences += json_differences(expected[0], item, f"{path}/{index}")
            if differences:
                break  # one element tells the story
        return differences
    return []


def serialisation_differences(expected: bytes, actual: bytes) -> list[str]:
    """For byte-exact recordings: OpenAI writes compact JSON (no spaces after , and :) with
    non-ASCII characters as they are; so must we."""
    differences = []
    for name, body in (("OpenAI", expected), ("ours", actual)):
        text = body.decode("utf-8")
        compact = json.dumps(json.loads(text), separators=(",", ":"), ensure_ascii=False)
        if name == "OpenAI" and compact != text:
            return []  # not compact at OpenAI either: nothing to hold us to
        if name == "ours" and compact != text:
            differences.append(f"our JSON is not written compactly like OpenAI's: {text[:120]!r}")
    return differences


def srt_cues(body: str) -> tuple[list[tuple[str, str, str, str]], str]:
    """(number, start, end, text) cues and whatever follows the last one."""
    cues, position = [], 0
    for match in _SRT_CUE.finditer(body):
        if match.start() != position:
            break
        cues.append((match.group(1), match.group(2), match.group(3), match.group(4)))
        position = match.end()
    return cues, body[position:]


def vtt_cues(body: str) -> tuple[list[tuple[str, str, str]], str, str]:
    """The header, (start, end, text) cues, and whatever follows the last cue."""
    header = body[: len("WEBVTT\n\n")]
    cues, position = [], len(header)
    for match in _VTT_CUE.finditer(body, position):
        if match.start() != position:
            break
        cues.append((match.group(1), match.group(2), match.group(3)))
        position = match.end()
    return cues, header, body[position:]


def srt_differences(expected: str, actual: str) -> list[str]:
    differences = []
    expected_cues, expected_tail = srt_cues(expected)
    cues, tail = srt_cues(actual)
    if not expected_cues:
        return ["OpenAI's body is not SubRip (fixture problem)"]
    if not cues:
        differences.append(f"no SubRip cue at the start of {actual[:80]!r}")
    if [number for number, *_ in cues] != [str(i) for i in range(1, len(cues) + 1)]:
        differences.append("cues are not numbered 1, 2, 3...")
    if tail != expected_tail:
        differences.append(f"after the last cue OpenAI has {expected_tail!r}, we have {tail!r}")
    differences += _times_in_order([(start, end) for _, start, end, _ in cues])
    return differences


def vtt_differences(expected: str, actual: str) -> list[str]:
    differences = []
    expected_cues, expected_header, expected_tail = vtt_cues(expected)
    cues, header, tail = vtt_cues(actual)
    if not expected_cues:
        return ["OpenAI's body is not WebVTT (fixture problem)"]
    if header != expected_header:
        differences.append(f"header {header!r}, OpenAI's {expected_header!r}")
    if not cues:
        differences.append(f"no WebVTT cue after the header in {actual[:80]!r}")
    if tail != expected_tail:
        differences.append(f"after the last cue OpenAI has {expected_tail!r}, we have {tail!r}")
    differences += _times_in_order([(start, end) for start, end, _ in cues])
    return differences


def _times_in_order(spans: list[tuple[str, str]]) -> list[str]:
    seconds = [(_seconds(start), _seconds(end)) for start, end in spans]
    for (start, end), (next_start, _) in zip(
        seconds, [*seconds[1:], (float("inf"), 0.0)], strict=True
    ):
        if end < start or next_start < start:
            return [f"cue times out of order: {spans}"]
    return []


def _seconds(stamp: str) -> float:
    hours, minutes, rest = stamp.replace(",", ".").split(":")
    return int(hours) * 3600 + int(minutes) * 60 + float(rest)


def text_differences(expected: str, actual: str) -> list[str]:
    """``text``: the transcript and exactly one newline."""
    differences = []
    one_newline = expected.endswith("\n") and not expected.endswith("\n\n")
    if one_newline and (not actual.endswith("\n") or actual.endswith("\n\n")):
        differences.append(f"OpenAI ends with one newline, ours ends {actual[-3:]!r}")
    if actual.lstrip().startswith(("{", "[")):
        differences.append("a text response that looks like JSON")
    return differences


def event_pattern(types: list[str]) -> str:
    """``delta+ done`` and the like: the order of event types with repeats collapsed."""
    collapsed: list[str] = []
    for kind in types:
        name = kind.removeprefix("transcript.text.")
        if collapsed and collapsed[-1].rstrip("+") == name:
            collapsed[-1] = name + "+"
        else:
            collapsed.append(name)
    return " ".join(collapsed)


def sse_differences(expected: EventStream, actual: EventStream) -> list[str]:
    """Framing (data-only events, closing [DONE]), event order, and each event's shape
    against OpenAI's first event of the same type."""
    differences = []
    if expected.terminators != actual.terminators:
        differences.append(
            f"SSE lines end with {sorted(expected.terminators)} at OpenAI, "
            f"{sorted(actual.terminators)} here"
        )
    if actual.other_fields and not expected.other_fields:
        differences.append(
            f"non-data fields {sorted(set(actual.other_fields))}; OpenAI sends data only"
        )
    if expected.ends_with_done != actual.ends_with_done:
        differences.append(
            f"stream ends with [DONE]: OpenAI {expected.ends_with_done}, "
            f"ours {actual.ends_with_done}"
        )
    if event_pattern(expected.types) != event_pattern(actual.types):
        differences.append(
            f"event order: OpenAI {event_pattern(expected.types)!r}, "
            f"ours {event_pattern(actual.types)!r}"
        )
    firsts: dict[str, dict[str, t.Any]] = {}
    for event in expected.events:
        firsts.setdefault(str(event.get("type")), event)
    for index, event in enumerate(actual.events):
        model = firsts.get(str(event.get("type")))
        if model is not None:
            found = json_differences(model, event, f"event {index} ({event.get('type')})")
            if found:
                differences += found
                break
    return differences
