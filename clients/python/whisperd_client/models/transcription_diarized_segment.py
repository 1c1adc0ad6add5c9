from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..models.transcription_diarized_segment_type import TranscriptionDiarizedSegmentType

T = TypeVar("T", bound="TranscriptionDiarizedSegment")


@_attrs_define
class TranscriptionDiarizedSegment:
    """A stretch of the transcript said by one speaker: a known speaker's name, or
    a capital letter (`A`, `B`...) by first appearance.

        Attributes:
            type_ (TranscriptionDiarizedSegmentType):
            text (str):
            speaker (str):
            start (float):
            end (float):
            id (str): `seg_0`, `seg_1`... in order.
    """

    type_: TranscriptionDiarizedSegmentType
    text: str
    speaker: str
    start: float
    end: float
    id: str
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        type_ = self.type_.value

        text = self.text

        speaker = self.speaker

        start = self.start

        end = self.end

        id = self.id

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "type": type_,
                "text": text,
                "speaker": speaker,
                "start": start,
                "end": end,
                "id": id,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)
        type_ = TranscriptionDiarizedSegmentType(d.pop("type"))

        text = d.pop("text")

        speaker = d.pop("speaker")

        start = d.pop("start")

        end = d.pop("end")

        id = d.pop("id")

        transcription_diarized_segment = cls(
            type_=type_,
            text=text,
            speaker=speaker,
            start=start,
            end=end,
            id=id,
        )

        transcription_diarized_segment.additional_properties = d
        return transcription_diarized_segment

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
