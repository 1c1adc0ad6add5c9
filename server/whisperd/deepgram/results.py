"""Deepgram's answers, built from the core's words: the pre-recorded response, the live
``Results``, ``Metadata``, ``SpeechStarted`` and ``UtteranceEnd`` messages, and the error
body ``{"err_code", "err_msg", "request_id"}``.

Deepgram's ``word`` is lower case without punctuation; ``punctuated_word`` (sent when
punctuation is asked for) is the word as Whisper wrote it. Whisper always punctuates, so
without ``punctuate``/``smart_format`` the transcript is the plain words, as Deepgram's is.
"""

from __future__ import annotations

import datetime as dt
import typing as t
import unicodedata
import uuid
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace

from whisperd.errors import ApiError

ARCH = "whisper"
VERSION = "whisperd"
SENTENCE_END = (".", "?", "!", "。", "？", "！")
PARAGRAPH_PAUSE_SECONDS = 1.5
# Deepgram's err_code for each status; 400s are "Bad Request" in its documented errors.
ERR_CODES = {
    400: "Bad Request",
    401: "INVALID_AUTH",
    402: "ASR_PAYMENT_REQUIRED",
    403: "INSUFFICIENT_PERMISSIONS",
    404: "Not Found",
    405: "Method Not Allowed",
    408: "REQUEST_TIMEOUT",
    413: "PAYLOAD_TOO_LARGE",
    415: "UNSUPPORTED_MEDIA_TYPE",
    429: "TOO_MANY_REQUESTS",
    500: "INTERNAL_SERVER_ERROR",
    503: "SERVICE_UNAVAILABLE",
}


@dataclass(frozen=True)
class DgWord:
    word: str  # lower case, no punctuation
    punctuated: str  # as written
    start: float  # seconds on the answer's clock
    end: float
    confidence: float
    speaker: int | None = None  # with diarization: 0, 1, ... in order of first appearance


def plain_word(text: str) -> str:
    """Deepgram's ``word``: lower case, without the punctuation around it."""
    stripped = text.strip()
    start, end = 0, len(stripped)
    while start < end and unicodedata.category(stripped[start]).startswith("P"):
        start += 1
    while end > start and unicodedata.category(stripped[end - 1]).startswith("P"):
        end -= 1
    return stripped[start:end].lower()


def dg_words(
    words: Iterable[t.Any], offset: float = 0.0, *, written: t.Callable[[t.Any], str]
) -> list[DgWord]:
    """Words of the core (engine ``Word`` or live ``TimedWord``), shifted by ``offset``."""
    out: list[DgWord] = []
    for word in words:
        raw = written(word)
        text = raw.strip()
        start, end = round(word.start + offset, 3), round(word.end + offset, 3)
        if out and _continues(out[-1].punctuated, raw):  # "flower" "-fattened": one word
            last = out[-1]
            glued = last.punctuated + text
            out[-1] = replace(
                last,
                word=plain_word(glued),
                punctuated=glued,
                end=max(end, last.end),
                confidence=round(min(last.confidence, word.probability), 4),
            )
            continue
        plain = plain_word(text)
        if not plain:
            continue
        out.append(DgWord(plain, text, start, max(end, start), round(word.probability, 4)))
    return out


def _continues(previous: str, raw: str) -> bool:
    """Whisper splits some words into pieces without a space between them; a piece that
    joins a hyphen or an apostrophe is the same written word."""
    if not raw or raw[0].isspace():
        return False
    return raw[0] in "-'\u2019" or previous.endswith("-")


def transcript(words: Sequence[DgWord], punctuated: bool) -> str:
    return " ".join(w.punctuated if punctuated else w.word for w in words)


def confidence(words: Sequence[DgWord]) -> float:
    return round(sum(w.confidence for w in words) / len(words), 4) if words else 0.0


def word_json(word: DgWord, punctuated: bool) -> dict[str, t.Any]:
    body: dict[str, t.Any] = {
        "word": word.word,
        "start": word.start,
        "end": word.end,
        "confidence": word.confidence,
    }
    if punctuated:
        body["punctuated_word"] = word.punctuated
    if word.speaker is not None:
        body["speaker"] = word.speaker
    return body


def with_speakers(
    words: Sequence[DgWord],
    speaker_of: t.Callable[[float, float], str | None],
    numbers: dict[str, int] | None = None,
) -> list[DgWord]:
    """Each word with the number of its speaker (``speaker_of`` names it for a time span),
    numbered in order of first appearance, as Deepgram numbers them; a live session passes
    its ``numbers`` so that a voice keeps its number from one result to the next."""
    numbers = {} if numbers is None else numbers
    out = []
    for word in words:
        label = speaker_of(word.start, word.end) or ""
        number = numbers.setdefault(label, len(numbers))
        out.append(replace(word, speaker=number))
    return out


def split_on_speakers(groups: list[list[DgWord]]) -> list[list[DgWord]]:
    """Each group cut where the speaker changes (words without a speaker never cut)."""
    out: list[list[DgWord]] = []
    for group in groups:
        out.append([])
        for word in group:
            if out[-1] and word.speaker != out[-1][-1].speaker:
                out.append([])
            out[-1].append(word)
    return [group for group in out if group]


def _speaker_field(words: Sequence[DgWord]) -> dict[str, int]:
    speaker = words[0].speaker if words else None
    return {} if speaker is None else {"speaker": speaker}


def alternative(words: Sequence[DgWord], punctuated: bool) -> dict[str, t.Any]:
    return {
        "transcript": transcript(words, punctuated),
        "confidence": confidence(words),
        "words": [word_json(w, punctuated) for w in words],
    }


def model_uuid(model_id: str) -> str:
    return str(uuid.uuid5(uuid.NAMESPACE_URL, f"whisperd:{model_id}"))


def model_info(model_id: str) -> dict[str, str]:
    return {"name": model_id, "version": VERSION, "arch": ARCH}


def created_now() -> str:
    now = dt.datetime.now(dt.timezone.utc)
    return now.isoformat(timespec="milliseconds").replace("+00:00", "Z")


def split_on_pauses(words: Sequence[DgWord], pause: float) -> list[list[DgWord]]:
    """Runs of words between pauses of at least ``pause`` seconds."""
    groups: list[list[DgWord]] = []
    for word in words:
        if groups and word.start - groups[-1][-1].end < pause:
            groups[-1].append(word)
        else:
            groups.append([word])
    return groups


def sentences(words: Sequence[DgWord]) -> list[list[DgWord]]:
    groups: list[list[DgWord]] = [[]]
    for word in words:
        groups[-1].append(word)
        if word.punctuated.endswith(SENTENCE_END):
            groups.append([])
    return [group for group in groups if group]


def paragraphs(words: Sequence[DgWord]) -> dict[str, t.Any]:
    """Deepgram's paragraphs: sentences as Whisper punctuated them, a new paragraph after a
    pause of :data:`PARAGRAPH_PAUSE_SECONDS` between sentences or a change of speaker."""
    blocks: list[list[list[DgWord]]] = []
    for sentence in split_on_speakers(sentences(words)):
        previous = blocks[-1][-1][-1] if blocks else None
        if (
            previous is not None
            and sentence[0].start - previous.end < PARAGRAPH_PAUSE_SECONDS
            and sentence[0].speaker == previous.speaker
        ):
            blocks[-1].append(sentence)
        else:
            blocks.append([sentence])
    items = []
    for block in blocks:
        items.append(
            {
                "sentences": [
                    {"text": transcript(s, True), "start": s[0].start, "end": s[-1].end}
                    for s in block
                ],
                "num_words": sum(len(s) for s in block),
                "start": block[0][0].start,
                "end": block[-1][-1].end,
                **_speaker_field(block[0]),
            }
        )
    text = "".join("\n" + " ".join(transcript(s, True) for s in block) + "\n" for block in blocks)
    return {"transcript": text, "paragraphs": items}


def utterances(words: Sequence[DgWord], pause: float, punctuated: bool) -> list[dict[str, t.Any]]:
    return [
        {
            "start": group[0].start,
            "end": group[-1].end,
            "confidence": confidence(group),
            "channel": 0,
            "transcript": transcript(group, punctuated),
            "words": [word_json(w, punctuated) for w in group],
            "id": str(uuid.uuid4()),
            **_speaker_field(group),
        }
        for group in split_on_speakers(split_on_pauses(words, pause))
    ]


def prerecorded(
    *,
    request_id: str,
    model_id: str,
    duration: float,
    words: Sequence[DgWord],
    punctuated: bool,
    with_paragraphs: bool,
    with_utterances: bool,
    utt_split: float,
    detected_language: str | None,
    language_confidence: float | None,
    sha256: str,
) -> dict[str, t.Any]:
    uid = model_uuid(model_id)
    alt = alternative(words, punctuated)
    if with_paragraphs:
        alt["paragraphs"] = paragraphs(words)
    channel: dict[str, t.Any] = {"alternatives": [alt]}
    if detected_language is not None:
        channel["detected_language"] = detected_language
        channel["language_confidence"] = round(language_confidence or 0.0, 4)
    results: dict[str, t.Any] = {"channels": [channel]}
    if with_utterances:
        results["utterances"] = utterances(words, utt_split, punctuated)
    return {
        "metadata": {
            "transaction_key": "deprecated",
            "request_id": request_id,
            "sha256": sha256,
            "created": created_now(),
            "duration": round(duration, 3),
            "channels": 1,
            "models": [uid],
            "model_info": {uid: model_info(model_id)},
        },
        "results": results,
    }


def live_results(
    *,
    request_id: str,
    model_id: str,
    start: float,
    duration: float,
    words: Sequence[DgWord],
    punctuated: bool,
    is_final: bool,
    speech_final: bool,
    from_finalize: bool,
) -> dict[str, t.Any]:
    return {
        "type": "Results",
        "channel_index": [0, 1],
        "duration": round(duration, 3),
        "start": round(start, 3),
        "is_final": is_final,
        "speech_final": speech_final,
        "from_finalize": from_finalize,
        "channel": {"alternatives": [alternative(words, punctuated)]},
        "metadata": {
            "request_id": request_id,
            "model_info": model_info(model_id),
            "model_uuid": model_uuid(model_id),
        },
    }


def live_metadata(
    *, request_id: str, model_id: str, duration: float, sha256: str
) -> dict[str, t.Any]:
    uid = model_uuid(model_id)
    return {
        "type": "Metadata",
        "transaction_key": "deprecated",
        "request_id": request_id,
        "sha256": sha256,
        "created": created_now(),
        "duration": round(duration, 3),
        "channels": 1,
        "models": [uid],
        "model_info": {uid: model_info(model_id)},
    }


def speech_started(timestamp: float) -> dict[str, t.Any]:
    return {"type": "SpeechStarted", "channel": [0], "timestamp": round(timestamp, 3)}


def utterance_end(last_word_end: float) -> dict[str, t.Any]:
    return {"type": "UtteranceEnd", "channel": [0], "last_word_end": round(last_word_end, 3)}


def error_message(description: str, variant: str = "invalid_message") -> dict[str, t.Any]:
    """Deepgram's ``Error`` message on a live socket."""
    return {"type": "Error", "variant": variant, "description": description, "message": description}


def error_body(error: ApiError, request_id: str) -> dict[str, str]:
    code = ERR_CODES.get(error.status, "Bad Request" if error.status < 500 else "INTERNAL")
    return {"err_code": code, "err_msg": error.message, "request_id": request_id}


def error_headers(error: ApiError, request_id: str) -> dict[str, str]:
    """The headers Deepgram sends with an error answer."""
    return {"dg-error": error.message[:500], "dg-request-id": request_id}
