from __future__ import annotations

import json
from collections.abc import Mapping
from io import BytesIO
from typing import TYPE_CHECKING, Any, TypeVar, cast

from attrs import define as _attrs_define

from .. import types
from ..models.create_transcription_request_chunking_strategy_type_0 import (
    CreateTranscriptionRequestChunkingStrategyType0,
)
from ..models.timestamp_granularity import TimestampGranularity
from ..models.transcription_include import TranscriptionInclude
from ..models.transcription_response_format import TranscriptionResponseFormat
from ..types import UNSET, File, Unset

if TYPE_CHECKING:
    from ..models.vad_config import VadConfig


T = TypeVar("T", bound="CreateTranscriptionRequest")


@_attrs_define
class CreateTranscriptionRequest:
    """
    Attributes:
        file (File): The audio file to transcribe. Any container and codec FFmpeg decodes is
            accepted (flac, mp3, mp4, mpeg, mpga, m4a, ogg, oga, opus, wav, webm,
            aac...), at any sample rate and channel count. The file name and part
            content type are not trusted; the bytes decide. Limits (server settings):
            the whole request at most 25 MiB (`max_upload_bytes`, 413 above), the audio
            at least 0.1 s (`audio_too_short`) and at most 2 hours
            (`max_audio_seconds`, `audio_too_long`). Files that are not audio, corrupt
            or truncated are a 400 naming the file.
        model (str): The model to use: an installed model id such as `tiny.en`, `base` or
            `small`. `whisper-1` and the other OpenAI model names
            (`gpt-4o-transcribe`, `gpt-4o-mini-transcribe`, `gpt-transcribe`...)
            are aliases of the server's default model.
             Example: whisper-1.
        language (str | Unset): The language of the audio as an ISO-639-1 code (`en`, `de`, `ja`...).
            Omitted, the language is detected from the first 30 seconds. Giving it
            improves accuracy and latency.
             Example: en.
        languages (list[str] | Unset): Possible languages of the audio, as ISO-639-1 codes. Detection then
            chooses among these only; a single entry works like `language`.
        keywords (list[str] | Unset): Words or phrases that are likely in the audio. They bias decoding
            towards these spellings (faster-whisper hotwords).
        prompt (str | Unset): Text to guide the style or vocabulary of the transcript, or the text
            of the previous audio segment. It should be in the audio's language.
            Only its last 223 tokens are used.
        response_format (TranscriptionResponseFormat | Unset): The format of the answer. `diarized_json` answers the
            transcript in
            segments labelled with their speaker (any model). The model name
            `gpt-4o-transcribe-diarize` accepts `json`, `text` and `diarized_json` only,
            as OpenAI's does.
        temperature (float | Unset): The sampling temperature, between 0 and 1. At 0 the server decodes
            deterministically and raises the temperature step by step (0.2, 0.4...
            1.0) only for windows whose output looks like a failure (too repetitive
            or too improbable). A value above 0 samples at that temperature only.
             Default: 0.0.
        include (list[TranscriptionInclude] | Unset): Extra information to include. `logprobs` adds the log probability
            of
            every token of the transcript: to the `json` response, and to each
            `transcript.text.delta` and the `transcript.text.done` event when
            streaming.
        timestamp_granularities (list[TimestampGranularity] | Unset): Which timestamps to return with `verbose_json`:
            `segment`, `word`, or
            both. Word timestamps cost an extra alignment pass. Only valid with
            `response_format=verbose_json`.
        stream (bool | None | Unset): When true, the transcript is sent as server-sent events while it is
            decoded: `transcript.text.delta` events as soon as each piece of text
            is ready, one `transcript.text.done` with the whole text, then
            `data: [DONE]`.
             Default: False.
        chunking_strategy (CreateTranscriptionRequestChunkingStrategyType0 | None | Unset | VadConfig): How the audio is
            cut into pieces before decoding. `auto` runs voice
            activity detection (Silero VAD) with default settings and drops the
            silence between speech; a `server_vad` object tunes it. Unset, the
            whole audio is decoded in 30-second windows. Sent as the string
            `auto`, as bracket fields (`chunking_strategy[type]=server_vad`,
            `chunking_strategy[threshold]=0.5`...), or as one field holding the
            JSON object.
        known_speaker_names (list[str] | Unset): With `response_format=diarized_json`: the names of up to 4 known
            speakers, one per `known_speaker_references[]` entry, in the same
            order. A voice that matches a reference closely enough is labelled
            with its name; other voices keep letters (`A`, `B`...).
        known_speaker_references (list[str] | Unset): With `response_format=diarized_json`: one audio sample per known
            speaker,
            as a data URL (`data:audio/wav;base64,...`, any format `file` accepts),
            2 to 10 seconds long (from 1.5 s accepted, as OpenAI accepts).
        vad_filter (bool | Unset): Drop non-speech with Silero VAD before decoding, with default settings
            (the same as `chunking_strategy=auto`). Timestamps still refer to the
            original audio.
        beam_size (int | Unset): Beam width for deterministic decoding (1 is greedy search). Defaults
            to the server setting, 5 unless configured.
        hotwords (str | Unset): Words or phrases to favour while decoding, separated by spaces or
            commas (faster-whisper hotwords). Combined with `keywords[]`.
        condition_on_previous_text (bool | Unset): Feed the text of each 30-second window as the prompt of the next one.
            On (the default) gives consistent style; off makes long audio less
            prone to repetition loops.
             Default: True.
    """

    file: File
    model: str
    language: str | Unset = UNSET
    languages: list[str] | Unset = UNSET
    keywords: list[str] | Unset = UNSET
    prompt: str | Unset = UNSET
    response_format: TranscriptionResponseFormat | Unset = UNSET
    temperature: float | Unset = 0.0
    include: list[TranscriptionInclude] | Unset = UNSET
    timestamp_granularities: list[TimestampGranularity] | Unset = UNSET
    stream: bool | None | Unset = False
    chunking_strategy: CreateTranscriptionRequestChunkingStrategyType0 | None | Unset | VadConfig = UNSET
    known_speaker_names: list[str] | Unset = UNSET
    known_speaker_references: list[str] | Unset = UNSET
    vad_filter: bool | Unset = UNSET
    beam_size: int | Unset = UNSET
    hotwords: str | Unset = UNSET
    condition_on_previous_text: bool | Unset = True

    def to_dict(self) -> dict[str, Any]:
        from ..models.vad_config import VadConfig  # noqa: PLC0415

        file = self.file.to_tuple()

        model = self.model

        language = self.language

        languages: list[str] | Unset = UNSET
        if not isinstance(self.languages, Unset):
            languages = self.languages

        keywords: list[str] | Unset = UNSET
        if not isinstance(self.keywords, Unset):
            keywords = self.keywords

        prompt = self.prompt

        response_format: str | Unset = UNSET
        if not isinstance(self.response_format, Unset):
            response_format = self.response_format.value

        temperature = self.temperature

        include: list[str] | Unset = UNSET
        if not isinstance(self.include, Unset):
            include = []
            for include_item_data in self.include:
                include_item = include_item_data.value
                include.append(include_item)

        timestamp_granularities: list[str] | Unset = UNSET
        if not isinstance(self.timestamp_granularities, Unset):
            timestamp_granularities = []
            for timestamp_granularities_item_data in self.timestamp_granularities:
                timestamp_granularities_item = timestamp_granularities_item_data.value
                timestamp_granularities.append(timestamp_granularities_item)

        stream: bool | None | Unset
        if isinstance(self.stream, Unset):
            stream = UNSET
        else:
            stream = self.stream

        chunking_strategy: dict[str, Any] | None | str | Unset
        if isinstance(self.chunking_strategy, Unset):
            chunking_strategy = UNSET
        elif isinstance(self.chunking_strategy, CreateTranscriptionRequestChunkingStrategyType0):
            chunking_strategy = self.chunking_strategy.value
        elif isinstance(self.chunking_strategy, VadConfig):
            chunking_strategy = self.chunking_strategy.to_dict()
        else:
            chunking_strategy = self.chunking_strategy

        known_speaker_names: list[str] | Unset = UNSET
        if not isinstance(self.known_speaker_names, Unset):
            known_speaker_names = self.known_speaker_names

        known_speaker_references: list[str] | Unset = UNSET
        if not isinstance(self.known_speaker_references, Unset):
            known_speaker_references = self.known_speaker_references

        vad_filter = self.vad_filter

        beam_size = self.beam_size

        hotwords = self.hotwords

        condition_on_previous_text = self.condition_on_previous_text

        field_dict: dict[str, Any] = {}

        field_dict.update(
            {
                "file": file,
                "model": model,
            }
        )
        if language is not UNSET:
            field_dict["language"] = language
        if languages is not UNSET:
            field_dict["languages[]"] = languages
        if keywords is not UNSET:
            field_dict["keywords[]"] = keywords
        if prompt is not UNSET:
            field_dict["prompt"] = prompt
        if response_format is not UNSET:
            field_dict["response_format"] = response_format
        if temperature is not UNSET:
            field_dict["temperature"] = temperature
        if include is not UNSET:
            field_dict["include[]"] = include
        if timestamp_granularities is not UNSET:
            field_dict["timestamp_granularities[]"] = timestamp_granularities
        if stream is not UNSET:
            field_dict["stream"] = stream
        if chunking_strategy is not UNSET:
            field_dict["chunking_strategy"] = chunking_strategy
        if known_speaker_names is not UNSET:
            field_dict["known_speaker_names[]"] = known_speaker_names
        if known_speaker_references is not UNSET:
            field_dict["known_speaker_references[]"] = known_speaker_references
        if vad_filter is not UNSET:
            field_dict["vad_filter"] = vad_filter
        if beam_size is not UNSET:
            field_dict["beam_size"] = beam_size
        if hotwords is not UNSET:
            field_dict["hotwords"] = hotwords
        if condition_on_previous_text is not UNSET:
            field_dict["condition_on_previous_text"] = condition_on_previous_text

        return field_dict

    def to_multipart(self) -> types.RequestFiles:
        from ..models.vad_config import VadConfig  # noqa: PLC0415

        files: types.RequestFiles = []

        files.append(("file", self.file.to_tuple()))

        files.append(("model", (None, str(self.model).encode(), "text/plain")))

        if not isinstance(self.language, Unset):
            files.append(("language", (None, str(self.language).encode(), "text/plain")))

        if not isinstance(self.languages, Unset):
            for languages_item_element in self.languages:
                files.append(("languages[]", (None, str(languages_item_element).encode(), "text/plain")))

        if not isinstance(self.keywords, Unset):
            for keywords_item_element in self.keywords:
                files.append(("keywords[]", (None, str(keywords_item_element).encode(), "text/plain")))

        if not isinstance(self.prompt, Unset):
            files.append(("prompt", (None, str(self.prompt).encode(), "text/plain")))

        if not isinstance(self.response_format, Unset):
            files.append(("response_format", (None, str(self.response_format.value).encode(), "text/plain")))

        if not isinstance(self.temperature, Unset):
            files.append(("temperature", (None, str(self.temperature).encode(), "text/plain")))

        if not isinstance(self.include, Unset):
            for include_item_element in self.include:
                files.append(("include[]", (None, str(include_item_element.value).encode(), "text/plain")))

        if not isinstance(self.timestamp_granularities, Unset):
            for timestamp_granularities_item_element in self.timestamp_granularities:
                files.append(
                    (
                        "timestamp_granularities[]",
                        (None, str(timestamp_granularities_item_element.value).encode(), "text/plain"),
                    )
                )

        if not isinstance(self.stream, Unset):
            if isinstance(self.stream, bool):
                files.append(("stream", (None, str(self.stream).encode(), "text/plain")))
            else:
                files.append(("stream", (None, str(self.stream).encode(), "text/plain")))

        if not isinstance(self.chunking_strategy, Unset):
            if isinstance(self.chunking_strategy, CreateTranscriptionRequestChunkingStrategyType0):
                files.append(("chunking_strategy", (None, str(self.chunking_strategy.value).encode(), "text/plain")))
            elif isinstance(self.chunking_strategy, VadConfig):
                files.append(
                    (
                        "chunking_strategy",
                        (None, json.dumps(self.chunking_strategy.to_dict()).encode(), "application/json"),
                    )
                )
            else:
                files.append(("chunking_strategy", (None, str(self.chunking_strategy).encode(), "text/plain")))

        if not isinstance(self.known_speaker_names, Unset):
            for known_speaker_names_item_element in self.known_speaker_names:
                files.append(
                    ("known_speaker_names[]", (None, str(known_speaker_names_item_element).encode(), "text/plain"))
                )

        if not isinstance(self.known_speaker_references, Unset):
            for known_speaker_references_item_element in self.known_speaker_references:
                files.append(
                    (
                        "known_speaker_references[]",
                        (None, str(known_speaker_references_item_element).encode(), "text/plain"),
                    )
                )

        if not isinstance(self.vad_filter, Unset):
            files.append(("vad_filter", (None, str(self.vad_filter).encode(), "text/plain")))

        if not isinstance(self.beam_size, Unset):
            files.append(("beam_size", (None, str(self.beam_size).encode(), "text/plain")))

        if not isinstance(self.hotwords, Unset):
            files.append(("hotwords", (None, str(self.hotwords).encode(), "text/plain")))

        if not isinstance(self.condition_on_previous_text, Unset):
            files.append(
                ("condition_on_previous_text", (None, str(self.condition_on_previous_text).encode(), "text/plain"))
            )

        return files

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        from ..models.vad_config import VadConfig  # noqa: PLC0415

        d = dict(src_dict)
        file = File(payload=BytesIO(d.pop("file")))

        model = d.pop("model")

        language = d.pop("language", UNSET)

        languages = cast(list[str], d.pop("languages[]", UNSET))

        keywords = cast(list[str], d.pop("keywords[]", UNSET))

        prompt = d.pop("prompt", UNSET)

        _response_format = d.pop("response_format", UNSET)
        response_format: TranscriptionResponseFormat | Unset
        if isinstance(_response_format, Unset):
            response_format = UNSET
        else:
            response_format = TranscriptionResponseFormat(_response_format)

        temperature = d.pop("temperature", UNSET)

        _include = d.pop("include[]", UNSET)
        include: list[TranscriptionInclude] | Unset = UNSET
        if _include is not UNSET:
            include = []
            for include_item_data in _include:
                include_item = TranscriptionInclude(include_item_data)

                include.append(include_item)

        _timestamp_granularities = d.pop("timestamp_granularities[]", UNSET)
        timestamp_granularities: list[TimestampGranularity] | Unset = UNSET
        if _timestamp_granularities is not UNSET:
            timestamp_granularities = []
            for timestamp_granularities_item_data in _timestamp_granularities:
                timestamp_granularities_item = TimestampGranularity(timestamp_granularities_item_data)

                timestamp_granularities.append(timestamp_granularities_item)

        def _parse_stream(data: object) -> bool | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(bool | None | Unset, data)

        stream = _parse_stream(d.pop("stream", UNSET))

        def _parse_chunking_strategy(
            data: object,
        ) -> CreateTranscriptionRequestChunkingStrategyType0 | None | Unset | VadConfig:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            try:
                if not isinstance(data, str):
                    raise TypeError()
                chunking_strategy_type_0 = CreateTranscriptionRequestChunkingStrategyType0(data)

                return chunking_strategy_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            try:
                if not isinstance(data, dict):
                    raise TypeError()
                chunking_strategy_type_1 = VadConfig.from_dict(data)

                return chunking_strategy_type_1
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(CreateTranscriptionRequestChunkingStrategyType0 | None | Unset | VadConfig, data)

        chunking_strategy = _parse_chunking_strategy(d.pop("chunking_strategy", UNSET))

        known_speaker_names = cast(list[str], d.pop("known_speaker_names[]", UNSET))

        known_speaker_references = cast(list[str], d.pop("known_speaker_references[]", UNSET))

        vad_filter = d.pop("vad_filter", UNSET)

        beam_size = d.pop("beam_size", UNSET)

        hotwords = d.pop("hotwords", UNSET)

        condition_on_previous_text = d.pop("condition_on_previous_text", UNSET)

        create_transcription_request = cls(
            file=file,
            model=model,
            language=language,
            languages=languages,
            keywords=keywords,
            prompt=prompt,
            response_format=response_format,
            temperature=temperature,
            include=include,
            timestamp_granularities=timestamp_granularities,
            stream=stream,
            chunking_strategy=chunking_strategy,
            known_speaker_names=known_speaker_names,
            known_speaker_references=known_speaker_references,
            vad_filter=vad_filter,
            beam_size=beam_size,
            hotwords=hotwords,
            condition_on_previous_text=condition_on_previous_text,
        )

        return create_transcription_request
