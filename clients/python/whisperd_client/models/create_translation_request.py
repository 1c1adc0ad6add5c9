from __future__ import annotations

from collections.abc import Mapping
from io import BytesIO
from typing import Any, TypeVar, cast

from attrs import define as _attrs_define

from .. import types
from ..models.translation_response_format import TranslationResponseFormat
from ..types import UNSET, File, Unset

T = TypeVar("T", bound="CreateTranslationRequest")


@_attrs_define
class CreateTranslationRequest:
    """
    Attributes:
        file (File): The audio file to translate. Any container and codec FFmpeg decodes
            is accepted; the file name and part content type are not trusted.
        model (str): The model to use. It must be multilingual (`base`, `small`...).
            `whisper-1` and the other OpenAI model names are aliases of the
            server's default model.
             Example: whisper-1.
        prompt (str | Unset): Text to guide the style of the translation or continue a previous
            segment. It should be in English.
        response_format (TranslationResponseFormat | Unset): The format of the answer.
        temperature (float | Unset): The sampling temperature, between 0 and 1, as for transcriptions.
             Default: 0.0.
        stream (bool | None | Unset): When true, the translation is sent as server-sent events, exactly as
            for transcriptions. (An extension: OpenAI does not stream translations.)
             Default: False.
        vad_filter (bool | Unset): Drop non-speech with Silero VAD before decoding.
        beam_size (int | Unset): Beam width for deterministic decoding (1 is greedy search).
        hotwords (str | Unset): Words or phrases to favour while decoding.
        condition_on_previous_text (bool | Unset): Feed the text of each window as the prompt of the next one. Default:
            True.
    """

    file: File
    model: str
    prompt: str | Unset = UNSET
    response_format: TranslationResponseFormat | Unset = UNSET
    temperature: float | Unset = 0.0
    stream: bool | None | Unset = False
    vad_filter: bool | Unset = UNSET
    beam_size: int | Unset = UNSET
    hotwords: str | Unset = UNSET
    condition_on_previous_text: bool | Unset = True

    def to_dict(self) -> dict[str, Any]:
        file = self.file.to_tuple()

        model = self.model

        prompt = self.prompt

        response_format: str | Unset = UNSET
        if not isinstance(self.response_format, Unset):
            response_format = self.response_format.value

        temperature = self.temperature

        stream: bool | None | Unset
        if isinstance(self.stream, Unset):
            stream = UNSET
        else:
            stream = self.stream

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
        if prompt is not UNSET:
            field_dict["prompt"] = prompt
        if response_format is not UNSET:
            field_dict["response_format"] = response_format
        if temperature is not UNSET:
            field_dict["temperature"] = temperature
        if stream is not UNSET:
            field_dict["stream"] = stream
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
        files: types.RequestFiles = []

        files.append(("file", self.file.to_tuple()))

        files.append(("model", (None, str(self.model).encode(), "text/plain")))

        if not isinstance(self.prompt, Unset):
            files.append(("prompt", (None, str(self.prompt).encode(), "text/plain")))

        if not isinstance(self.response_format, Unset):
            files.append(("response_format", (None, str(self.response_format.value).encode(), "text/plain")))

        if not isinstance(self.temperature, Unset):
            files.append(("temperature", (None, str(self.temperature).encode(), "text/plain")))

        if not isinstance(self.stream, Unset):
            if isinstance(self.stream, bool):
                files.append(("stream", (None, str(self.stream).encode(), "text/plain")))
            else:
                files.append(("stream", (None, str(self.stream).encode(), "text/plain")))

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
        d = dict(src_dict)
        file = File(payload=BytesIO(d.pop("file")))

        model = d.pop("model")

        prompt = d.pop("prompt", UNSET)

        _response_format = d.pop("response_format", UNSET)
        response_format: TranslationResponseFormat | Unset
        if isinstance(_response_format, Unset):
            response_format = UNSET
        else:
            response_format = TranslationResponseFormat(_response_format)

        temperature = d.pop("temperature", UNSET)

        def _parse_stream(data: object) -> bool | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(bool | None | Unset, data)

        stream = _parse_stream(d.pop("stream", UNSET))

        vad_filter = d.pop("vad_filter", UNSET)

        beam_size = d.pop("beam_size", UNSET)

        hotwords = d.pop("hotwords", UNSET)

        condition_on_previous_text = d.pop("condition_on_previous_text", UNSET)

        create_translation_request = cls(
            file=file,
            model=model,
            prompt=prompt,
            response_format=response_format,
            temperature=temperature,
            stream=stream,
            vad_filter=vad_filter,
            beam_size=beam_size,
            hotwords=hotwords,
            condition_on_previous_text=condition_on_previous_text,
        )

        return create_translation_request
