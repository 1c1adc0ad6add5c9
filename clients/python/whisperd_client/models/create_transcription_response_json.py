from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, TypeVar

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..types import UNSET, Unset

if TYPE_CHECKING:
    from ..models.token_logprob import TokenLogprob
    from ..models.transcript_text_usage_duration import TranscriptTextUsageDuration
    from ..models.transcript_text_usage_tokens import TranscriptTextUsageTokens


T = TypeVar("T", bound="CreateTranscriptionResponseJson")


@_attrs_define
class CreateTranscriptionResponseJson:
    """The transcript, for `response_format=json`.

    Attributes:
        text (str): The whole transcript.
        logprobs (list[TokenLogprob] | Unset): Every token of the transcript with its log probability, when
            `include[]=logprobs`.
        usage (TranscriptTextUsageDuration | TranscriptTextUsageTokens | Unset): In seconds of audio for `whisper-1` and
            the installed model ids, in tokens for
            the `gpt-*` model names, as OpenAI reports each.
    """

    text: str
    logprobs: list[TokenLogprob] | Unset = UNSET
    usage: TranscriptTextUsageDuration | TranscriptTextUsageTokens | Unset = UNSET
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        from ..models.transcript_text_usage_duration import TranscriptTextUsageDuration  # noqa: PLC0415

        text = self.text

        logprobs: list[dict[str, Any]] | Unset = UNSET
        if not isinstance(self.logprobs, Unset):
            logprobs = []
            for logprobs_item_data in self.logprobs:
                logprobs_item = logprobs_item_data.to_dict()
                logprobs.append(logprobs_item)

        usage: dict[str, Any] | Unset
        if isinstance(self.usage, Unset):
            usage = UNSET
        elif isinstance(self.usage, TranscriptTextUsageDuration):
            usage = self.usage.to_dict()
        else:
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
        from ..models.transcript_text_usage_tokens import TranscriptTextUsageTokens  # noqa: PLC0415

        d = dict(src_dict)
        text = d.pop("text")

        _logprobs = d.pop("logprobs", UNSET)
        logprobs: list[TokenLogprob] | Unset = UNSET
        if _logprobs is not UNSET:
            logprobs = []
            for logprobs_item_data in _logprobs:
                logprobs_item = TokenLogprob.from_dict(logprobs_item_data)

                logprobs.append(logprobs_item)

        def _parse_usage(data: object) -> TranscriptTextUsageDuration | TranscriptTextUsageTokens | Unset:
            if isinstance(data, Unset):
                return data
            try:
                if not isinstance(data, dict):
                    raise TypeError()
                usage_type_0 = TranscriptTextUsageDuration.from_dict(data)

                return usage_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            if not isinstance(data, dict):
                raise TypeError()
            usage_type_1 = TranscriptTextUsageTokens.from_dict(data)

            return usage_type_1

        usage = _parse_usage(d.pop("usage", UNSET))

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
