from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, TypeVar

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..types import UNSET, Unset

if TYPE_CHECKING:
    from ..models.deepgram_alternative_paragraphs import DeepgramAlternativeParagraphs
    from ..models.deepgram_word import DeepgramWord


T = TypeVar("T", bound="DeepgramAlternative")


@_attrs_define
class DeepgramAlternative:
    """
    Attributes:
        transcript (str):
        confidence (float):
        words (list[DeepgramWord]):
        paragraphs (DeepgramAlternativeParagraphs | Unset):
    """

    transcript: str
    confidence: float
    words: list[DeepgramWord]
    paragraphs: DeepgramAlternativeParagraphs | Unset = UNSET
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        transcript = self.transcript

        confidence = self.confidence

        words = []
        for words_item_data in self.words:
            words_item = words_item_data.to_dict()
            words.append(words_item)

        paragraphs: dict[str, Any] | Unset = UNSET
        if not isinstance(self.paragraphs, Unset):
            paragraphs = self.paragraphs.to_dict()

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "transcript": transcript,
                "confidence": confidence,
                "words": words,
            }
        )
        if paragraphs is not UNSET:
            field_dict["paragraphs"] = paragraphs

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        from ..models.deepgram_alternative_paragraphs import DeepgramAlternativeParagraphs  # noqa: PLC0415
        from ..models.deepgram_word import DeepgramWord  # noqa: PLC0415

        d = dict(src_dict)
        transcript = d.pop("transcript")

        confidence = d.pop("confidence")

        words = []
        _words = d.pop("words")
        for words_item_data in _words:
            words_item = DeepgramWord.from_dict(words_item_data)

            words.append(words_item)

        _paragraphs = d.pop("paragraphs", UNSET)
        paragraphs: DeepgramAlternativeParagraphs | Unset
        if isinstance(_paragraphs, Unset):
            paragraphs = UNSET
        else:
            paragraphs = DeepgramAlternativeParagraphs.from_dict(_paragraphs)

        deepgram_alternative = cls(
            transcript=transcript,
            confidence=confidence,
            words=words,
            paragraphs=paragraphs,
        )

        deepgram_alternative.additional_properties = d
        return deepgram_alternative

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
