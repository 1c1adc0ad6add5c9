from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, TypeVar

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..models.transcript_text_usage_tokens_type import TranscriptTextUsageTokensType
from ..types import UNSET, Unset

if TYPE_CHECKING:
    from ..models.transcript_text_usage_tokens_input_token_details import TranscriptTextUsageTokensInputTokenDetails


T = TypeVar("T", bound="TranscriptTextUsageTokens")


@_attrs_define
class TranscriptTextUsageTokens:
    """Usage in tokens, counted as OpenAI counts it for its gpt-4o models: 10
    audio tokens per second of audio (rounded down), the prompt's text tokens, and
    the decoded text tokens as output.

        Attributes:
            type_ (TranscriptTextUsageTokensType):
            input_tokens (int):
            output_tokens (int):
            total_tokens (int):
            input_token_details (TranscriptTextUsageTokensInputTokenDetails | Unset):
    """

    type_: TranscriptTextUsageTokensType
    input_tokens: int
    output_tokens: int
    total_tokens: int
    input_token_details: TranscriptTextUsageTokensInputTokenDetails | Unset = UNSET
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        type_ = self.type_.value

        input_tokens = self.input_tokens

        output_tokens = self.output_tokens

        total_tokens = self.total_tokens

        input_token_details: dict[str, Any] | Unset = UNSET
        if not isinstance(self.input_token_details, Unset):
            input_token_details = self.input_token_details.to_dict()

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "type": type_,
                "input_tokens": input_tokens,
                "output_tokens": output_tokens,
                "total_tokens": total_tokens,
            }
        )
        if input_token_details is not UNSET:
            field_dict["input_token_details"] = input_token_details

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        from ..models.transcript_text_usage_tokens_input_token_details import TranscriptTextUsageTokensInputTokenDetails  # noqa: PLC0415

        d = dict(src_dict)
        type_ = TranscriptTextUsageTokensType(d.pop("type"))

        input_tokens = d.pop("input_tokens")

        output_tokens = d.pop("output_tokens")

        total_tokens = d.pop("total_tokens")

        _input_token_details = d.pop("input_token_details", UNSET)
        input_token_details: TranscriptTextUsageTokensInputTokenDetails | Unset
        if isinstance(_input_token_details, Unset):
            input_token_details = UNSET
        else:
            input_token_details = TranscriptTextUsageTokensInputTokenDetails.from_dict(_input_token_details)

        transcript_text_usage_tokens = cls(
            type_=type_,
            input_tokens=input_tokens,
            output_tokens=output_tokens,
            total_tokens=total_tokens,
            input_token_details=input_token_details,
        )

        transcript_text_usage_tokens.additional_properties = d
        return transcript_text_usage_tokens

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
