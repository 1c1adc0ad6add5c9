"""Turning a validated form into an :class:`AudioRequest`, with the checks a schema cannot
express (combinations of fields, language codes), answered as OpenAI answers them."""

from __future__ import annotations

import typing as t
from dataclasses import dataclass, field

from whisperd.engine.languages import is_language_code, to_whisper_code
from whisperd.engine.transcribe import VadSettings
from whisperd.errors import bad_request

TEXT_FORMATS = frozenset({"text", "srt", "vtt"})
JSON_FORMATS = frozenset({"json", "verbose_json"})


@dataclass(frozen=True)
class AudioRequest:
    """What a transcription or translation request asks for, independent of the wire."""

    task: str  # "transcribe" | "translate"
    model: str
    response_format: str = "json"
    stream: bool = False
    include_logprobs: bool = False
    word_timestamps: bool = False
    segment_timestamps: bool = True
    language: str | None = None
    candidate_languages: tuple[str, ...] = ()
    prompt: str | None = None
    temperature: float = 0.0
    beam_size: int | None = None
    vad: VadSettings | None = None
    hotwords: str | None = None
    condition_on_previous_text: bool = True
    extras: dict[str, t.Any] = field(default_factory=dict)

    @property
    def token_usage(self) -> bool:
        """OpenAI reports the usage of its gpt-4o transcription models in tokens (whisper-1's
        in seconds); a request naming one gets the same shape."""
        return self.model.startswith("gpt-")


def parse_audio_request(values: dict[str, t.Any], *, task: str, default_vad: bool) -> AudioRequest:
    response_format = str(values.get("response_format", "json"))
    model = str(values["model"])
    if response_format == "diarized_json":
        raise bad_request(
            f"response_format 'diarized_json' is not compatible with model '{model}': "
            "this server has no diarization model. Use 'json', 'text', 'srt', "
            "'verbose_json' or 'vtt' instead.",
            param="response_format",
            code="unsupported_value",
        )
    stream = bool(values.get("stream") or False)

    granularities = values.get("timestamp_granularities[]")
    if granularities is not None and response_format != "verbose_json":
        raise bad_request(
            "`response_format` must be `verbose_json` if `timestamp_granularities[]` is provided.",
            param="timestamp_granularities[]",
            code="unsupported_value",
        )
    chosen = set(granularities or ["segment"])

    include = set(values.get("include[]") or [])
    include_logprobs = "logprobs" in include
    if include_logprobs and not stream and response_format != "json":
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

    return AudioRequest(
        task=task,
        model=model,
        response_format=response_format,
        stream=stream,
        include_logprobs=include_logprobs,
        word_timestamps=response_format == "verbose_json" and "word" in chosen,
        segment_timestamps="segment" in chosen,
        language=language,
        candidate_languages=candidates if language is None else (),
        prompt=values.get("prompt"),
        temperature=float(values.get("temperature", 0.0)),
        beam_size=values.get("beam_size"),
        vad=_vad(values, default_vad),
        hotwords=", ".join(hotword_parts) or None,
        condition_on_previous_text=bool(values.get("condition_on_previous_text", True)),
    )


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
