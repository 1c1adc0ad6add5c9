from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..types import UNSET, Unset

T = TypeVar("T", bound="TranscriptTextUsageTokensInputTokenDetails")


@_attrs_define
class TranscriptTextUsageTokensInputTokenDetails:
    """
    Attributes:
        text_tokens (int | Unset):
        audio_tokens (int | Unset):
    """

    text_tokens: int | Unset = UNSET
    audio_tokens: int | Unset = UNSET
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        text_tokens = self.text_tokens

        audio_tokens = self.audio_tokens

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update({})
        if text_tokens is not UNSET:
            field_dict["text_tokens"] = text_tokens
        if audio_tokens is not UNSET:
            field_dict["audio_tokens"] = audio_tokens

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)
        text_tokens = d.pop("text_tokens", UNSET)

        audio_tokens = d.pop("audio_tokens", UNSET)

        transcript_text_usage_tokens_input_token_details = cls(
            text_tokens=text_tokens,
            audio_tokens=audio_tokens,
        )

        transcript_text_usage_tokens_input_token_details.additional_properties = d
        return transcript_text_usage_tokens_input_token_details

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
