from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, TypeVar

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..models.transcript_text_done_event_type import TranscriptTextDoneEventType
from ..types import UNSET, Unset

if TYPE_CHECKING:
    from ..models.token_logprob import TokenLogprob
    from ..models.transcript_text_usage_tokens import TranscriptTextUsageTokens


T = TypeVar("T", bound="TranscriptTextDoneEvent")


@_attrs_define
class TranscriptTextDoneEvent:
    """The end of the transcript, with the whole text.

    Attributes:
        type_ (TranscriptTextDoneEventType):
        text (str):
        logprobs (list[TokenLogprob] | Unset):
        usage (TranscriptTextUsageTokens | Unset): Usage in tokens, counted as OpenAI counts it for its gpt-4o models:
            10
            audio tokens per second of audio (rounded down), the prompt's text tokens, and
            the decoded text tokens as output.
    """

    type_: TranscriptTextDoneEventType
    text: str
    logprobs: list[TokenLogprob] | Unset = UNSET
    usage: TranscriptTextUsageTokens | Unset = UNSET
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        type_ = self.type_.value

        text = self.text

        logprobs: list[dict[str, Any]] | Unset = UNSET
        if not isinstance(self.logprobs, Unset):
            logprobs = []
            for logprobs_item_data in self.logprobs:
                logprobs_item = logprobs_item_data.to_dict()
                logprobs.append(logprobs_item)

        usage: dict[str, Any] | Unset = UNSET
        if not isinstance(self.usage, Unset):
            usage = self.usage.to_dict()

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "type": type_,
                "text": text,
            }
        )
        if logprobs is not UNSET:
            field_dict["logprobs"] = logprobs
        if usage is not UNSET:
            field_dict["usage"] = usage

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        from ..models.token_logprob import TokenLogprob  # noqa: PLC0415
        from ..models.transcript_text_usage_tokens import TranscriptTextUsageTokens  # noqa: PLC0415

        d = dict(src_dict)
        type_ = TranscriptTextDoneEventType(d.pop("type"))

        text = d.pop("text")

        _logprobs = d.pop("logprobs", UNSET)
        logprobs: list[TokenLogprob] | Unset = UNSET
        if _logprobs is not UNSET:
            logprobs = []
            for logprobs_item_data in _logprobs:
                logprobs_item = TokenLogprob.from_dict(logprobs_item_data)

                logprobs.append(logprobs_item)

        _usage = d.pop("usage", UNSET)
        usage: TranscriptTextUsageTokens | Unset
        if isinstance(_usage, Unset):
            usage = UNSET
        else:
            usage = TranscriptTextUsageTokens.from_dict(_usage)

        transcript_text_done_event = cls(
            type_=type_,
            text=text,
            logprobs=logprobs,
            usage=usage,
        )

        transcript_text_done_event.additional_properties = d
        return transcript_text_done_event

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
