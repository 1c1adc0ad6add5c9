from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, TypeVar

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..models.create_transcription_response_verbose_json_task import CreateTranscriptionResponseVerboseJsonTask
from ..types import UNSET, Unset

if TYPE_CHECKING:
    from ..models.transcript_text_usage_duration import TranscriptTextUsageDuration
    from ..models.transcription_segment import TranscriptionSegment
    from ..models.transcription_word import TranscriptionWord


T = TypeVar("T", bound="CreateTranscriptionResponseVerboseJson")


@_attrs_define
class CreateTranscriptionResponseVerboseJson:
    """The transcript with its language, duration and timestamps, for
    `response_format=verbose_json`. `segments` is present when segment
    timestamps were asked for (the default), `words` when word timestamps were.

        Attributes:
            task (CreateTranscriptionResponseVerboseJsonTask):
            language (str): The language of the audio, as a lower-case English name (`english`, `german`...).
            duration (float): The duration of the audio in seconds.
            text (str):
            segments (list[TranscriptionSegment] | Unset):
            words (list[TranscriptionWord] | Unset):
            usage (TranscriptTextUsageDuration | Unset): Usage, in seconds of input audio (rounded up).
    """

    task: CreateTranscriptionResponseVerboseJsonTask
    language: str
    duration: float
    text: str
    segments: list[TranscriptionSegment] | Unset = UNSET
    words: list[TranscriptionWord] | Unset = UNSET
    usage: TranscriptTextUsageDuration | Unset = UNSET
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        task = self.task.value

        language = self.language

        duration = self.duration

        text = self.text

        segments: list[dict[str, Any]] | Unset = UNSET
        if not isinstance(self.segments, Unset):
            segments = []
            for segments_item_data in self.segments:
                segments_item = segments_item_data.to_dict()
                segments.append(segments_item)

        words: list[dict[str, Any]] | Unset = UNSET
        if not isinstance(self.words, Unset):
            words = []
            for words_item_data in self.words:
                words_item = words_item_data.to_dict()
                words.append(words_item)

        usage: dict[str, Any] | Unset = UNSET
        if not isinstance(self.usage, Unset):
            usage = self.usage.to_dict()

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "task": task,
                "language": language,
                "duration": duration,
                "text": text,
            }
        )
        if segments is not UNSET:
            field_dict["segments"] = segments
        if words is not UNSET:
            field_dict["words"] = words
        if usage is not UNSET:
            field_dict["usage"] = usage

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        from ..models.transcript_text_usage_duration import TranscriptTextUsageDuration  # noqa: PLC0415
        from ..models.transcription_segment import TranscriptionSegment  # noqa: PLC0415
        from ..models.transcription_word import TranscriptionWord  # noqa: PLC0415

        d = dict(src_dict)
        task = CreateTranscriptionResponseVerboseJsonTask(d.pop("task"))

        language = d.pop("language")

        duration = d.pop("duration")

        text = d.pop("text")

        _segments = d.pop("segments", UNSET)
        segments: list[TranscriptionSegment] | Unset = UNSET
        if _segments is not UNSET:
            segments = []
            for segments_item_data in _segments:
                segments_item = TranscriptionSegment.from_dict(segments_item_data)

                segments.append(segments_item)

        _words = d.pop("words", UNSET)
        words: list[TranscriptionWord] | Unset = UNSET
        if _words is not UNSET:
            words = []
            for words_item_data in _words:
                words_item = TranscriptionWord.from_dict(words_item_data)

                words.append(words_item)

        _usage = d.pop("usage", UNSET)
        usage: TranscriptTextUsageDuration | Unset
        if isinstance(_usage, Unset):
            usage = UNSET
        else:
            usage = TranscriptTextUsageDuration.from_dict(_usage)

        create_transcription_response_verbose_json = cls(
            task=task,
            language=language,
            duration=duration,
            text=text,
            segments=segments,
            words=words,
            usage=usage,
        )

        create_transcription_response_verbose_json.additional_properties = d
        return create_transcription_response_verbose_json

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
