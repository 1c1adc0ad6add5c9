from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..types import UNSET, Unset

T = TypeVar("T", bound="DeepgramWord")


@_attrs_define
class DeepgramWord:
    """
    Attributes:
        word (str): Lower case, without punctuation.
        start (float):
        end (float):
        confidence (float):
        punctuated_word (str | Unset): The word as written, with `punctuate`, `smart_format` or `paragraphs`.
        speaker (int | Unset): With `diarize=true`, who spoke it (0, 1, ... in order of first appearance).
    """

    word: str
    start: float
    end: float
    confidence: float
    punctuated_word: str | Unset = UNSET
    speaker: int | Unset = UNSET
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        word = self.word

        start = self.start

        end = self.end

        confidence = self.confidence

        punctuated_word = self.punctuated_word

        speaker = self.speaker

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "word": word,
                "start": start,
                "end": end,
                "confidence": confidence,
            }
        )
        if punctuated_word is not UNSET:
            field_dict["punctuated_word"] = punctuated_word
        if speaker is not UNSET:
            field_dict["speaker"] = speaker

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)
        word = d.pop("word")

        start = d.pop("start")

        end = d.pop("end")

        confidence = d.pop("confidence")

        punctuated_word = d.pop("punctuated_word", UNSET)

        speaker = d.pop("speaker", UNSET)

        deepgram_word = cls(
            word=word,
            start=start,
            end=end,
            confidence=confidence,
            punctuated_word=punctuated_word,
            speaker=speaker,
        )

        deepgram_word.additional_properties = d
        return deepgram_word

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
