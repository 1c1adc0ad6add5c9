from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, TypeVar

from attrs import define as _attrs_define
from attrs import field as _attrs_field

if TYPE_CHECKING:
    from ..models.deepgram_alternative_paragraphs_paragraphs_item import DeepgramAlternativeParagraphsParagraphsItem


T = TypeVar("T", bound="DeepgramAlternativeParagraphs")


@_attrs_define
class DeepgramAlternativeParagraphs:
    """
    Attributes:
        transcript (str):
        paragraphs (list[DeepgramAlternativeParagraphsParagraphsItem]):
    """

    transcript: str
    paragraphs: list[DeepgramAlternativeParagraphsParagraphsItem]
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        transcript = self.transcript

        paragraphs = []
        for paragraphs_item_data in self.paragraphs:
            paragraphs_item = paragraphs_item_data.to_dict()
            paragraphs.append(paragraphs_item)

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "transcript": transcript,
                "paragraphs": paragraphs,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        from ..models.deepgram_alternative_paragraphs_paragraphs_item import DeepgramAlternativeParagraphsParagraphsItem  # noqa: PLC0415

        d = dict(src_dict)
        transcript = d.pop("transcript")

        paragraphs = []
        _paragraphs = d.pop("paragraphs")
        for paragraphs_item_data in _paragraphs:
            paragraphs_item = DeepgramAlternativeParagraphsParagraphsItem.from_dict(paragraphs_item_data)

            paragraphs.append(paragraphs_item)

        deepgram_alternative_paragraphs = cls(
            transcript=transcript,
            paragraphs=paragraphs,
        )

        deepgram_alternative_paragraphs.additional_properties = d
        return deepgram_alternative_paragraphs

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
