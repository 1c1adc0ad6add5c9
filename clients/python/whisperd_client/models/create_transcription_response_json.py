from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, TypeVar

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..types import UNSET, Unset

if TYPE_CHECKING:
    from ..models.token_logprob import TokenLogprob
    from ..models.transcript_text_usage_duration import TranscriptTextUsageDuration


T = TypeVar("T", bound="CreateTranscriptionResponseJson")


@_attrs_define
class CreateTranscriptionResponseJson:
    """The transcript, for `response_format=json`.

    Attributes:
        text (str): The whole transcript.
        logprobs (list[TokenLogprob] | Unset): Every token of the transcript with its log probability, when
            `include[]=logprobs`.
        usage (TranscriptTextUsageDuration | Unset): Usage, in seconds of input audio (rounded up).
    """

    text: str
    logprobs: list[TokenLogprob] | Unset = UNSET
    usage: TranscriptTextUsageDuration | Unset = UNSET
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
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
        from ..models.transcript_text_usage_duration import TranscriptTextUsageDuration  # noqa: PLC0415

        d = dict(src_dict)
        text = d.pop("text")

        _logprobs = d.pop("logprobs", UNSET)
        logprobs: list[TokenLogprob] | Unset = UNSET
        if _logprobs is not UNSET:
            logprobs = []
            for logprobs_item_data in _logprobs:
                logprobs_item = TokenLogprob.from_dict(logprobs_item_data)

                logprobs.append(logprobs_item)

        _usage = d.pop("usage", UNSET)
        usage: TranscriptTextUsageDuration | Unset
        if isinstance(_usage, Unset):
            usage = UNSET
        else:
            usage = TranscriptTextUsageDuration.from_dict(_usage)

        create_transcription_response_json = cls(
            text=text,
            logprobs=logprobs,
            usage=usage,
        )

        create_transcription_response_json.additional_properties = d
        return create_transcription_response_json

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
