"""One typed plan per transcription or translation request, built once from the validated
form: what to decode (:class:`DecodeOptions`, the engine's own type) and what to answer
(:class:`RenderOptions` for a finished transcript, :class:`StreamOptions` for events).

The checks a schema cannot express (combinations of fields, language codes) are made here
and answered as OpenAI answers them. Checks that depend on the model (languages it knows,
translation) are the service's.
"""

from __future__ import annotations

import base64
import binascii
import re
import typing as t
from dataclasses import dataclass
from urllib.parse import unquote_to_bytes

from whisperd.engine.languages import is_language_code, to_whisper_code
from whisperd.engine.transcribe import DEFAULT_SEED, DecodeOptions, Task, VadSettings
from whisperd.errors import bad_request
from whisperd.settings import Settings

ResponseFormat = t.Literal["json", "verbose_json", "text", "srt", "vtt", "diarized_json"]
RESPONSE_FORMATS: tuple[ResponseFormat, ...] = t.get_args(ResponseFormat)
# OpenAI's diarization model, and what it accepts.
DIARIZE_MODEL = "gpt-4o-transcribe-diarize"
DIARIZE_MODEL_FORMATS: tuple[ResponseFormat, ...] = ("json", "text", "diarized_json")
# Long audio is decoded in batches of pieces, one segment each, only for answers that show
# no segment timestamps (verbose_json only with word timestamps alone).
BATCHED_FORMATS: tuple[ResponseFormat, ...] = ("json", "text", "verbose_json")
UNCHUNKED_MAX_SECONDS = 30.0  # longer audio needs chunking_strategy with DIARIZE_MODEL
MAX_KNOWN_SPEAKERS = 4
_DATA_URL = re.compile(r"data:([^;,]*)((?:;[^;,]*)*),(.*)", re.DOTALL)


@dataclass(frozen=True)
class RenderOptions:
    """How a finished transcript is written."""

    format: ResponseFormat = "json"
    logprobs: bool = False  # json: each token's log probability
    segments: bool = True  # verbose_json: segment timestamps
    words: bool = False  # verbose_json: word timestamps
    token_usage: bool = False  # json: usage in tokens, as OpenAI reports its gpt-* models


@dataclass(frozen=True)
class StreamOptions:
    """Server-sent events; ``stream=true`` answers events whatever ``response_format``
    says (each transcript format is a rendering of the finished text), but for
    ``diarized_json``, which answers speaker segments."""

    logprobs: bool = False
    speaker_segments: bool = False  # transcript.text.segment events instead of deltas


@dataclass(frozen=True)
class KnownSpeaker:
    """A name and the audio bytes of its reference clip (from its data URL)."""

    name: str
    audio: bytes


@dataclass(frozen=True)
class SpeakerPlan:
    """Diarization: who spoke each segment, naming the voices that match ``known``."""

    known: tuple[KnownSpeaker, ...] = ()


@dataclass(frozen=True)
class TranscriptionPlan:
    model: str
    decoding: DecodeOptions
    output: RenderOptions | StreamOptions
    speakers: SpeakerPlan | None = None  # set for response_format=diarized_json
    # Audio longer than this (seconds) needs a chunking_strategy (OpenAI's diarize model).
    unchunked_max_seconds: float | None = None


@dataclass(frozen=True)
class PlanDefaults:
    """What the server's settings decide for a request that does not."""

    beam_size: int = 5
    vad_filter: bool = False
    batch_size: int = 4
    batch_min_seconds: float = 120.0
    seed: int | None = DEFAULT_SEED
    stream_first_window_seconds: float = 10.0

    @classmethod
    def from_settings(cls, settings: Settings) -> PlanDefaults:
        return cls(
            beam_size=settings.beam_size,
            vad_filter=settings.vad_filter,
            batch_size=settings.batch_size,
            batch_min_seconds=settings.batch_min_seconds,
            seed=settings.seed,
            stream_first_window_seconds=settings.stream_first_window_seconds,
        )


def plan_request(
    values: dict[str, t.Any], *, task: Task, defaults: PlanDefaults
) -> TranscriptionPlan:
    model = str(values["model"])
    response_format = _response_format(values.get("response_format", "json"), model)
    stream = bool(values.get("stream") or False)
    diarize_model = model == DIARIZE_MODEL and task == "transcribe"
    if diarize_model:
        _check_diarize_model(values, response_format)
    diarized = response_format == "diarized_json"
    known = _known_speakers(values) if diarized else ()  # unused by the other formats

    granularities = values.get("timestamp_granularities[]")
    if granularities is not None and response_format != "verbose_json":
        raise bad_request(
            "`response_format` must be `verbose_json` if `timestamp_granularities[]` is provided.",
            param="timestamp_granularities[]",
            code="unsupported_value",
        )
    chosen = set(granularities or ["segment"])
    words = response_format == "verbose_json" and "word" in chosen

    batched = response_format in BATCHED_FORMATS and not stream
    if response_format == "verbose_json" and "segment" in chosen:
        batched = False
    logprobs = "logprobs" in set(values.get("include[]") or [])
    if logprobs and not stream and response_format != "json":
        raise bad_request(
            f"include[]=logprobs is only supported with response_format 'json' or with "
            f"stream=true, not with '{response_format}'.",
            param="include[]",
            code="unsupported_value",
        )

    language = _language(values.get("language"), "language")
    candidates = tuple(
        _language(code, "languages[]") or "" for code in values.get("languages[]") or []
    )
    if language is None and len(candidates) == 1:
        language = candidates[0]

    hotword_parts = [str(values["hotwords"])] if values.get("hotwords") else []
    hotword_parts += [str(keyword) for keyword in values.get("keywords[]") or []]

    decoding = DecodeOptions(
        task=task,
        language=language,
        candidate_languages=candidates if language is None else (),
        prompt=values.get("prompt"),
        temperature=float(values.get("temperature", 0.0)),
        beam_size=int(values.get("beam_size") or defaults.beam_size),
        # Diarized segments are split at the words where the speaker changes.
        word_timestamps=words or diarized,
        token_logprobs=logprobs,
        vad=_vad(values, defaults.vad_filter),
        hotwords=", ".join(hotword_parts) or None,
        condition_on_previous_text=bool(values.get("condition_on_previous_text", True)),
        # A stream shows text as each window is decoded, which batching would delay.
        batch_size=defaults.batch_size if batched else 0,
        batch_min_seconds=defaults.batch_min_seconds,
        seed=defaults.seed,
        first_window_seconds=defaults.stream_first_window_seconds if stream else 0.0,
    )
    output: RenderOptions | StreamOptions
    if stream:
        output = StreamOptions(logprobs=logprobs, speaker_segments=diarized)
    else:
        output = RenderOptions(
            format=response_format,
            logprobs=logprobs,
            segments="segment" in chosen,
            words=words,
            token_usage=model.startswith("gpt-"),
        )
    chunked = values.get("chunking_strategy") is not None
    return TranscriptionPlan(
        model=model,
        decoding=decoding,
        output=output,
        speakers=SpeakerPlan(known=known) if diarized else None,
        unchunked_max_seconds=UNCHUNKED_MAX_SECONDS if diarize_model and not chunked else None,
    )


def _check_diarize_model(values: dict[str, t.Any], response_format: ResponseFormat) -> None:
    """What OpenAI's diarization model refuses: formats other than json, text and
    diarized_json, a prompt, timestamp granularities and logprobs."""
    if response_format not in DIARIZE_MODEL_FORMATS:
        raise bad_request(
            f"response_format '{response_format}' is not compatible with model "
            f"'{DIARIZE_MODEL}'. Use 'json', 'text' or 'diarized_json' instead.",
            param="response_format",
            code="unsupported_value",
        )
    refused = [
        ("prompt", values.get("prompt") is not None),
        ("timestamp_granularities[]", values.get("timestamp_granularities[]") is not None),
        ("include[]", "logprobs" in set(values.get("include[]") or [])),
    ]
    for param, given in refused:
        if given:
            raise bad_request(
                f"{param} is not supported with model '{DIARIZE_MODEL}'.",
                param=param,
                code="unsupported_parameter",
            )


def _known_speakers(values: dict[str, t.Any]) -> tuple[KnownSpeaker, ...]:
    names = [str(name) for name in values.get("known_speaker_names[]") or []]
    references = [str(ref) for ref in values.get("known_speaker_references[]") or []]
    if not names and not references:
        return ()
    if len(names) != len(references):
        raise bad_request(
            "known_speaker_names[] and known_speaker_references[] must have the same "
            f"number of entries; got {len(names)} name(s) and {len(references)} "
            "reference(s).",
            param="known_speaker_references[]" if names else "known_speaker_names[]",
            code="invalid_value",
        )
    if len(names) > MAX_KNOWN_SPEAKERS:  # the schema's maxItems stops this first
        raise bad_request(
            f"At most {MAX_KNOWN_SPEAKERS} known speakers are supported; got {len(names)}.",
            param="known_speaker_names[]",
            code="invalid_value",
        )
    for index, name in enumerate(names):
        if not name.strip():
            raise bad_request(
                f"known_speaker_names[{index}] is empty.",
                param="known_speaker_names[]",
                code="invalid_value",
            )
    if len(set(names)) != len(names):
        raise bad_request(
            "known_speaker_names[] must not repeat a name.",
            param="known_speaker_names[]",
            code="invalid_value",
        )
    return tuple(
        KnownSpeaker(name, reference_audio(ref, index))
        for index, (name, ref) in enumerate(zip(names, references, strict=True))
    )


def reference_audio(url: str, index: int) -> bytes:
    """The bytes of a ``data:audio/...;base64,...`` URL; anything else is a 400."""
    match = _DATA_URL.fullmatch(url.strip())
    media_type = match.group(1).strip().lower() if match else ""
    if match is None or not media_type.startswith("audio/"):
        raise bad_request(
            f"known_speaker_references[{index}] must be a data URL of audio "
            "(data:audio/wav;base64,...).",
            param="known_speaker_references[]",
            code="invalid_value",
        )
    try:
        if ";base64" in match.group(2).lower():
            audio = base64.b64decode(match.group(3), validate=False)
        else:
            audio = unquote_to_bytes(match.group(3))
    except (binascii.Error, ValueError) as exc:
        raise bad_request(
            f"known_speaker_references[{index}] is not valid base64.",
            param="known_speaker_references[]",
            code="invalid_value",
        ) from exc
    return audio


def _response_format(value: t.Any, model: str) -> ResponseFormat:
    if value not in RESPONSE_FORMATS:  # the spec's enum lets nothing else through
        raise bad_request(f"Invalid value: '{value}'.", param="response_format")
    return t.cast(ResponseFormat, value)


def _language(value: t.Any, param: str) -> str | None:
    if value is None:
        return None
    code = str(value).strip().lower()
    if not is_language_code(code):
        raise bad_request(
            f"Invalid language '{value}'. Language parameter must be specified in "
            "ISO-639-1 format.",
            param=param,
            code="invalid_language_format",
        )
    return to_whisper_code(code)


def _vad(values: dict[str, t.Any], default_vad: bool) -> VadSettings | None:
    strategy = values.get("chunking_strategy")
    if isinstance(strategy, dict):  # server_vad, with OpenAI's VadConfig defaults
        return VadSettings(
            threshold=float(strategy.get("threshold", 0.5)),
            min_silence_duration_ms=int(strategy.get("silence_duration_ms", 200)),
            speech_pad_ms=int(strategy.get("prefix_padding_ms", 300)),
        )
    if strategy == "auto":
        return VadSettings()
    enabled = values.get("vad_filter")
    if enabled is None:
        enabled = default_vad
    return VadSettings() if enabled else None
