"""One typed plan per transcription or translation request, built once from the validated
form: what to decode (:class:`DecodeOptions`, the engine's own type) and what to answer
(:class:`RenderOptions` for a finished transcript, :class:`StreamOptions` for events).

The checks a schema cannot express (combinations of fields, language codes) are made here
and answered as OpenAI answers them. Checks that depend on the model (languages it knows,
translation) are the service's.
"""

from __future__ import annotations

import typing as t
from dataclasses import dataclass

from whisperd.engine.languages import is_language_code, to_whisper_code
from whisperd.engine.transcribe import DecodeOptions, Task, VadSettings
from whisperd.errors import bad_request
from whisperd.settings import Settings

ResponseFormat = t.Literal["json", "verbose_json", "text", "srt", "vtt"]
RESPONSE_FORMATS: tuple[ResponseFormat, ...] = t.get_args(ResponseFormat)


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
    says (each transcript format is a rendering of the finished text)."""

    logprobs: bool = False


@dataclass(frozen=True)
class TranscriptionPlan:
    model: str
    decoding: DecodeOptions
    output: RenderOptions | StreamOptions


@dataclass(frozen=True)
class PlanDefaults:
    """What the server's settings decide for a request that does not."""

    beam_size: int = 5
    vad_filter: bool = False
    batch_size: int = 0
    batch_min_seconds: float = 120.0

    @classmethod
    def from_settings(cls, settings: Settings) -> PlanDefaults:
        return cls(
            beam_size=settings.beam_size,
            vad_filter=settings.vad_filter,
            batch_size=settings.batch_size,
            batch_min_seconds=settings.batch_min_seconds,
        )


def plan_request(
    values: dict[str, t.Any], *, task: Task, defaults: PlanDefaults
) -> TranscriptionPlan:
    model = str(values["model"])
    response_format = _response_format(values.get("response_format", "json"), model)
    stream = bool(values.get("stream") or False)

    granularities = values.get("timestamp_granularities[]")
    if granularities is not None and response_format != "verbose_json":
        raise bad_request(
            "`response_format` must be `verbose_json` if `timestamp_granularities[]` is provided.",
            param="timestamp_granularities[]",
            code="unsupported_value",
        )
    chosen = set(granularities or ["segment"])
    words = response_format == "verbose_json" and "word" in chosen

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
        word_timestamps=words,
        token_logprobs=logprobs,
        vad=_vad(values, defaults.vad_filter),
        hotwords=", ".join(hotword_parts) or None,
        condition_on_previous_text=bool(values.get("condition_on_previous_text", True)),
        # A stream shows text as each window is decoded, which batching would delay.
        batch_size=0 if stream else defaults.batch_size,
        batch_min_seconds=defaults.batch_min_seconds,
    )
    output: RenderOptions | StreamOptions
    if stream:
        output = StreamOptions(logprobs=logprobs)
    else:
        output = RenderOptions(
            format=response_format,
            logprobs=logprobs,
            segments="segment" in chosen,
            words=words,
            token_usage=model.startswith("gpt-"),
        )
    return TranscriptionPlan(model=model, decoding=decoding, output=output)


def _response_format(value: t.Any, model: str) -> ResponseFormat:
    if value == "diarized_json":
        raise bad_request(
            f"response_format 'diarized_json' is not compatible with model '{model}': "
            "this server has no diarization model. Use 'json', 'text', 'srt', "
            "'verbose_json' or 'vtt' instead.",
            param="response_format",
            code="unsupported_value",
        )
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
