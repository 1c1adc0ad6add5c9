from __future__ import annotations

import datetime
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, TypeVar, cast

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..types import UNSET, Unset

if TYPE_CHECKING:
    from ..models.deepgram_listen_response_metadata_model_info import DeepgramListenResponseMetadataModelInfo


T = TypeVar("T", bound="DeepgramListenResponseMetadata")


@_attrs_define
class DeepgramListenResponseMetadata:
    """
    Attributes:
        request_id (str):
        created (datetime.datetime):
        duration (float):
        channels (int):
        models (list[str]):
        model_info (DeepgramListenResponseMetadataModelInfo):
        transaction_key (str | Unset):
        sha256 (str | Unset):
    """

    request_id: str
    created: datetime.datetime
    duration: float
    channels: int
    models: list[str]
    model_info: DeepgramListenResponseMetadataModelInfo
    transaction_key: str | Unset = UNSET
    sha256: str | Unset = UNSET
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        request_id = self.request_id

        created = self.created.isoformat()

        duration = self.duration

        channels = self.channels

        models = self.models

        model_info = self.model_info.to_dict()

        transaction_key = self.transaction_key

        sha256 = self.sha256

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "request_id": request_id,
                "created": created,
                "duration": duration,
                "channels": channels,
                "models": models,
                "model_info": model_info,
            }
        )
        if transaction_key is not UNSET:
            field_dict["transaction_key"] = transaction_key
        if sha256 is not UNSET:
            field_dict["sha256"] = sha256

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        from ..models.deepgram_listen_response_metadata_model_info import DeepgramListenResponseMetadataModelInfo  # noqa: PLC0415

        d = dict(src_dict)
        request_id = d.pop("request_id")

        created = datetime.datetime.fromisoformat(d.pop("created"))

        duration = d.pop("duration")

        channels = d.pop("channels")

        models = cast(list[str], d.pop("models"))

        model_info = DeepgramListenResponseMetadataModelInfo.from_dict(d.pop("model_info"))

        transaction_key = d.pop("transaction_key", UNSET)

        sha256 = d.pop("sha256", UNSET)

        deepgram_listen_response_metadata = cls(
            request_id=request_id,
            created=created,
            duration=duration,
            channels=channels,
            models=models,
            model_info=model_info,
            transaction_key=transaction_key,
            sha256=sha256,
        )

        deepgram_listen_response_metadata.additional_properties = d
        return deepgram_listen_response_metadata

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
