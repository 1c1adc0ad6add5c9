from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, TypeVar

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..types import UNSET, Unset

if TYPE_CHECKING:
    from ..models.deepgram_alternative_paragraphs_paragraphs_item_sentences_item import (
        DeepgramAlternativeParagraphsParagraphsItemSentencesItem,
    )


T = TypeVar("T", bound="DeepgramAlternativeParagraphsParagraphsItem")


@_attrs_define
class DeepgramAlternativeParagraphsParagraphsItem:
    """
    Attributes:
        sentences (list[DeepgramAlternativeParagraphsParagraphsItemSentencesItem]):
        num_words (int):
        start (float):
        end (float):
        speaker (int | Unset):
    """

    sentences: list[DeepgramAlternativeParagraphsParagraphsItemSentencesItem]
    num_words: int
    start: float
    end: float
    speaker: int | Unset = UNSET
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        sentences = []
        for sentences_item_data in self.sentences:
            sentences_item = sentences_item_data.to_dict()
            sentences.append(sentences_item)

        num_words = self.num_words

        start = self.start

        end = self.end

        speaker = self.speaker

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "sentences": sentences,
                "num_words": num_words,
                "start": start,
                "end": end,
            }
        )
        if speaker is not UNSET:
            field_dict["speaker"] = speaker

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        from ..models.deepgram_alternative_paragraphs_paragraphs_item_sentences_item import (
            DeepgramAlternativeParagraphsParagraphsItemSentencesItem,  # noqa: PLC0415
        )

        d = dict(src_dict)
        sentences = []
        _sentences = d.pop("sentences")
        for sentences_item_data in _sentences:
            sentences_item = DeepgramAlternativeParagraphsParagraphsItemSentencesItem.from_dict(sentences_item_data)

            sentences.append(sentences_item)

        num_words = d.pop("num_words")

        start = d.pop("start")

        end = d.pop("end")

        speaker = d.pop("speaker", UNSET)

        deepgram_alternative_paragraphs_paragraphs_item = cls(
            sentences=sentences,
            num_words=num_words,
            start=start,
            end=end,
            speaker=speaker,
        )

        deepgram_alternative_paragraphs_paragraphs_item.additional_properties = d
        return deepgram_alternative_paragraphs_paragraphs_item

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
