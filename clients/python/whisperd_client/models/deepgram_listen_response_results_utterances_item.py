from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, TypeVar

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..types import UNSET, Unset

if TYPE_CHECKING:
    from ..models.deepgram_word import DeepgramWord


T = TypeVar("T", bound="DeepgramListenResponseResultsUtterancesItem")


@_attrs_define
class DeepgramListenResponseResultsUtterancesItem:
    """
    Attributes:
        start (float):
        end (float):
        confidence (float):
        channel (int):
        transcript (str):
        words (list[DeepgramWord]):
        id (str):
        speaker (int | Unset):
    """

    start: float
    end: float
    confidence: float
    channel: int
    transcript: str
    words: list[DeepgramWord]
    id: str
    speaker: int | Unset = UNSET
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        start = self.start

        end = self.end

        confidence = self.confidence

        channel = self.channel

        transcript = self.transcript

        words = []
        for words_item_data in self.words:
            words_item = words_item_data.to_dict()
            words.append(words_item)

        id = self.id

        speaker = self.speaker

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "start": start,
                "end": end,
                "confidence": confidence,
                "channel": channel,
                "transcript": transcript,
                "words": words,
                "id": id,
            }
        )
        if speaker is not UNSET:
            field_dict["speaker"] = speaker

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        from ..models.deepgram_word import DeepgramWord  # noqa: PLC0415

        d = dict(src_dict)
        start = d.pop("start")

        end = d.pop("end")

        confidence = d.pop("confidence")

        channel = d.pop("channel")

        transcript = d.pop("transcript")

        words = []
        _words = d.pop("words")
        for words_item_data in _words:
            words_item = DeepgramWord.from_dict(words_item_data)

            words.append(words_item)

        id = d.pop("id")

        speaker = d.pop("speaker", UNSET)

        deepgram_listen_response_results_utterances_item = cls(
            start=start,
            end=end,
            confidence=confidence,
            channel=channel,
            transcript=transcript,
            words=words,
            id=id,
            speaker=speaker,
        )

        deepgram_listen_response_results_utterances_item.additional_properties = d
        return deepgram_listen_response_results_utterances_item

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
