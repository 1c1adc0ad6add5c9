from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, TypeVar

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..models.create_transcription_response_diarized_json_task import CreateTranscriptionResponseDiarizedJsonTask
from ..types import UNSET, Unset

if TYPE_CHECKING:
    from ..models.transcript_text_usage_duration import TranscriptTextUsageDuration
    from ..models.transcript_text_usage_tokens import TranscriptTextUsageTokens
    from ..models.transcription_diarized_segment import TranscriptionDiarizedSegment


T = TypeVar("T", bound="CreateTranscriptionResponseDiarizedJson")


@_attrs_define
class CreateTranscriptionResponseDiarizedJson:
    """The transcript in speaker-labelled segments, for
    `response_format=diarized_json` (OpenAI's shape: `text`, `task`, `duration`,
    `segments`, `usage`).

        Attributes:
            text (str): The whole transcript.
            task (CreateTranscriptionResponseDiarizedJsonTask):
            duration (float): The duration of the audio in seconds.
            segments (list[TranscriptionDiarizedSegment]):
            usage (TranscriptTextUsageDuration | TranscriptTextUsageTokens | Unset): In tokens for the `gpt-*` model names,
                else in seconds of audio.
    """

    text: str
    task: CreateTranscriptionResponseDiarizedJsonTask
    duration: float
    segments: list[TranscriptionDiarizedSegment]
    usage: TranscriptTextUsageDuration | TranscriptTextUsageTokens | Unset = UNSET
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        from ..models.transcript_text_usage_duration import TranscriptTextUsageDuration  # noqa: PLC0415

        text = self.text

        task = self.task.value

        duration = self.duration

        segments = []
        for segments_item_data in self.segments:
            segments_item = segments_item_data.to_dict()
            segments.append(segments_item)

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
                "task": task,
                "duration": duration,
                "segments": segments,
            }
        )
        if usage is not UNSET:
            field_dict["usage"] = usage

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        from ..models.transcript_text_usage_duration import TranscriptTextUsageDuration  # noqa: PLC0415
        from ..models.transcript_text_usage_tokens import TranscriptTextUsageTokens  # noqa: PLC0415
        from ..models.transcription_diarized_segment import TranscriptionDiarizedSegment  # noqa: PLC0415

        d = dict(src_dict)
        text = d.pop("text")

        task = CreateTranscriptionResponseDiarizedJsonTask(d.pop("task"))

        duration = d.pop("duration")

        segments = []
        _segments = d.pop("segments")
        for segments_item_data in _segments:
            segments_item = TranscriptionDiarizedSegment.from_dict(segments_item_data)

            segments.append(segments_item)

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

        create_transcription_response_diarized_json = cls(
            text=text,
            task=task,
            duration=duration,
            segments=segments,
            usage=usage,
        )

        create_transcription_response_diarized_json.additional_properties = d
        return create_transcription_response_diarized_json

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
