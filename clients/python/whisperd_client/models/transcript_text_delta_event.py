from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, TypeVar

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..models.transcript_text_delta_event_type import TranscriptTextDeltaEventType
from ..types import UNSET, Unset

if TYPE_CHECKING:
    from ..models.token_logprob import TokenLogprob


T = TypeVar("T", bound="TranscriptTextDeltaEvent")


@_attrs_define
class TranscriptTextDeltaEvent:
    """A new piece of the transcript. Concatenated, the deltas equal the final text.

    Attributes:
        type_ (TranscriptTextDeltaEventType):
        delta (str):
        logprobs (list[TokenLogprob] | Unset):
    """

    type_: TranscriptTextDeltaEventType
    delta: str
    logprobs: list[TokenLogprob] | Unset = UNSET
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        type_ = self.type_.value

        delta = self.delta

        logprobs: list[dict[str, Any]] | Unset = UNSET
        if not isinstance(self.logprobs, Unset):
            logprobs = []
            for logprobs_item_data in self.logprobs:
                logprobs_item = logprobs_item_data.to_dict()
                logprobs.append(logprobs_item)

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "type": type_,
                "delta": delta,
            }
        )
        if logprobs is not UNSET:
            field_dict["logprobs"] = logprobs

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        from ..models.token_logprob import TokenLogprob  # noqa: PLC0415

        d = dict(src_dict)
        type_ = TranscriptTextDeltaEventType(d.pop("type"))

        delta = d.pop("delta")

        _logprobs = d.pop("logprobs", UNSET)
        logprobs: list[TokenLogprob] | Unset = UNSET
        if _logprobs is not UNSET:
            logprobs = []
            for logprobs_item_data in _logprobs:
                logprobs_item = TokenLogprob.from_dict(logprobs_item_data)

                logprobs.append(logprobs_item)

        transcript_text_delta_event = cls(
            type_=type_,
            delta=delta,
            logprobs=logprobs,
        )

        transcript_text_delta_event.additional_properties = d
        return transcript_text_delta_event

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
