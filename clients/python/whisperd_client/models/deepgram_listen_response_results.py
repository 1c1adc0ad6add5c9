from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, TypeVar

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..types import UNSET, Unset

if TYPE_CHECKING:
    from ..models.deepgram_listen_response_results_channels_item import DeepgramListenResponseResultsChannelsItem
    from ..models.deepgram_listen_response_results_utterances_item import DeepgramListenResponseResultsUtterancesItem


T = TypeVar("T", bound="DeepgramListenResponseResults")


@_attrs_define
class DeepgramListenResponseResults:
    """
    Attributes:
        channels (list[DeepgramListenResponseResultsChannelsItem]):
        utterances (list[DeepgramListenResponseResultsUtterancesItem] | Unset):
    """

    channels: list[DeepgramListenResponseResultsChannelsItem]
    utterances: list[DeepgramListenResponseResultsUtterancesItem] | Unset = UNSET
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        channels = []
        for channels_item_data in self.channels:
            channels_item = channels_item_data.to_dict()
            channels.append(channels_item)

        utterances: list[dict[str, Any]] | Unset = UNSET
        if not isinstance(self.utterances, Unset):
            utterances = []
            for utterances_item_data in self.utterances:
                utterances_item = utterances_item_data.to_dict()
                utterances.append(utterances_item)

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "channels": channels,
            }
        )
        if utterances is not UNSET:
            field_dict["utterances"] = utterances

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        from ..models.deepgram_listen_response_results_channels_item import DeepgramListenResponseResultsChannelsItem  # noqa: PLC0415
        from ..models.deepgram_listen_response_results_utterances_item import (
            DeepgramListenResponseResultsUtterancesItem,  # noqa: PLC0415
        )

        d = dict(src_dict)
        channels = []
        _channels = d.pop("channels")
        for channels_item_data in _channels:
            channels_item = DeepgramListenResponseResultsChannelsItem.from_dict(channels_item_data)

            channels.append(channels_item)

        _utterances = d.pop("utterances", UNSET)
        utterances: list[DeepgramListenResponseResultsUtterancesItem] | Unset = UNSET
        if _utterances is not UNSET:
            utterances = []
            for utterances_item_data in _utterances:
                utterances_item = DeepgramListenResponseResultsUtterancesItem.from_dict(utterances_item_data)

                utterances.append(utterances_item)

        deepgram_listen_response_results = cls(
            channels=channels,
            utterances=utterances,
        )

        deepgram_listen_response_results.additional_properties = d
        return deepgram_listen_response_results

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
