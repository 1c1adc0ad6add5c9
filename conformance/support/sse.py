"""Server-sent events, parsed the way OpenAI's SDKs read them, keeping the framing.

The parser records what a conformance check needs beyond the events themselves: which line
terminator framed them, whether any non-``data`` field (``event:``, ``id:``) appeared, and
whether the stream ended with ``data: [DONE]``.
"""

from __future__ import annotations

import json
import re
import typing as t
from dataclasses import dataclass, field

DONE = "[DONE]"
_LINE = re.compile(r"\r\n|\r|\n")


@dataclass
class EventStream:
    data: list[str] = field(default_factory=list)  # each event's data, [DONE] included
    other_fields: list[str] = field(default_factory=list)  # e.g. "event", "id"
    terminators: set[str] = field(default_factory=set)

    @property
    def ends_with_done(self) -> bool:
        return bool(self.data) and self.data[-1] == DONE

    @property
    def events(self) -> list[dict[str, t.Any]]:
        """The JSON events, without the closing [DONE]."""
        return [json.loads(item) for item in self.data if item != DONE]

    @property
    def types(self) -> list[str]:
        return [str(event.get("type")) for event in self.events]


def parse(body: bytes) -> EventStream:
    text = body.decode("utf-8")
    stream = EventStream()
    stream.terminators = {match.group(0) for match in _LINE.finditer(text)}
    pending: list[str] = []
    for line in _LINE.split(text):
        if line == "":
            if pending:
                stream.data.append("\n".join(pending))
                pending = []
            continue
        if line.startswith(":"):
            continue
        name, _, value = line.partition(":")
        value = value.removeprefix(" ")
        if name == "data":
            pending.append(value)
        else:
            stream.other_fields.append(name)
    if pending:
        stream.data.append("\n".join(pending))
    return stream
