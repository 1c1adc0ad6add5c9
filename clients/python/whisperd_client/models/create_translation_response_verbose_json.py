from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, TypeVar

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..models.create_translation_response_verbose_json_task import CreateTranslationResponseVerboseJsonTask
from ..types import UNSET, Unset

if TYPE_CHECKING:
    from ..models.transcription_segment import TranscriptionSegment


T = TypeVar("T", bound="CreateTranslationResponseVerboseJson")


@_attrs_define
class CreateTranslationResponseVerboseJson:
    """The English translation with segments, for `response_format=verbose_json`.

    Attributes:
        task (CreateTranslationResponseVerboseJsonTask):
        language (str): The language of the output, always `english`.
        duration (float):
        text (str):
        segments (list[TranscriptionSegment] | Unset):
    """

    task: CreateTranslationResponseVerboseJsonTask
    language: str
    duration: float
    text: str
    segments: list[TranscriptionSegment] | Unset = UNSET
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        task = self.task.value

        language = self.language

        duration = self.duration

        text = self.text

        segments: list[dict[str, Any]] | Unset = UNSET
        if not isinstance(self.segments, Unset):
            segments = []
            for segments_item_data in self.segments:
                segments_item = segments_item_data.to_dict()
                segments.append(segments_item)

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "task": task,
                "language": language,
                "duration": duration,
                "text": text,
            }
        )
        if segments is not UNSET:
            field_dict["segments"] = segments

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        from ..models.transcription_segment import TranscriptionSegment  # noqa: PLC0415

        d = dict(src_dict)
        task = CreateTranslationResponseVerboseJsonTask(d.pop("task"))

        language = d.pop("language")

        duration = d.pop("duration")

        text = d.pop("text")

        _segments = d.pop("segments", UNSET)
        segments: list[TranscriptionSegment] | Unset = UNSET
        if _segments is not UNSET:
            segments = []
            for segments_item_data in _segments:
                segments_item = TranscriptionSegment.from_dict(segments_item_data)

                segments.append(segments_item)

        create_translation_response_verbose_json = cls(
            task=task,
            language=language,
            duration=duration,
            text=text,
            segments=segments,
        )

        create_translation_response_verbose_json.additional_properties = d
        return create_translation_response_verbose_json

    @property
    def additional_keys(self) -> list[str]:
        return list(self.additional_properties.keys())

    def __getitem__(self, key: str) -> Any:
        return self.additional_properties[key]

    def __setitem__(self, key: str, value: Any) -> None:
        self.additional_properties[key] = value

    def __delitem__(self, key: str) -> None:
        del self.additional_properties[key]

    def __contains__(self, key: str) -> bool:
        return key in self.additional_properties
