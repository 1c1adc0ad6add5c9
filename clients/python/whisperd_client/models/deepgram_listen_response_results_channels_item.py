from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, TypeVar

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..types import UNSET, Unset

if TYPE_CHECKING:
    from ..models.deepgram_alternative import DeepgramAlternative


T = TypeVar("T", bound="DeepgramListenResponseResultsChannelsItem")


@_attrs_define
class DeepgramListenResponseResultsChannelsItem:
    """
    Attributes:
        alternatives (list[DeepgramAlternative]):
        detected_language (str | Unset):
        language_confidence (float | Unset):
    """

    alternatives: list[DeepgramAlternative]
    detected_language: str | Unset = UNSET
    language_confidence: float | Unset = UNSET
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        alternatives = []
        for alternatives_item_data in self.alternatives:
            alternatives_item = alternatives_item_data.to_dict()
            alternatives.append(alternatives_item)

        detected_language = self.detected_language

        language_confidence = self.language_confidence

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "alternatives": alternatives,
            }
        )
        if detected_language is not UNSET:
            field_dict["detected_language"] = detected_language
        if language_confidence is not UNSET:
            field_dict["language_confidence"] = language_confidence

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        from ..models.deepgram_alternative import DeepgramAlternative  # noqa: PLC0415

        d = dict(src_dict)
        alternatives = []
        _alternatives = d.pop("alternatives")
        for alternatives_item_data in _alternatives:
            alternatives_item = DeepgramAlternative.from_dict(alternatives_item_data)

            alternatives.append(alternatives_item)

        detected_language = d.pop("detected_language", UNSET)

        language_confidence = d.pop("language_confidence", UNSET)

        deepgram_listen_response_results_channels_item = cls(
            alternatives=alternatives,
            detected_language=detected_language,
            language_confidence=language_confidence,
        )

        deepgram_listen_response_results_channels_item.additional_properties = d
        return deepgram_listen_response_results_channels_item

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
