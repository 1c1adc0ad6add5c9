from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, TypeVar

from attrs import define as _attrs_define
from attrs import field as _attrs_field

if TYPE_CHECKING:
    from ..models.deepgram_listen_response_metadata import DeepgramListenResponseMetadata
    from ..models.deepgram_listen_response_results import DeepgramListenResponseResults


T = TypeVar("T", bound="DeepgramListenResponse")


@_attrs_define
class DeepgramListenResponse:
    """
    Attributes:
        metadata (DeepgramListenResponseMetadata):
        results (DeepgramListenResponseResults):
    """

    metadata: DeepgramListenResponseMetadata
    results: DeepgramListenResponseResults
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        metadata = self.metadata.to_dict()

        results = self.results.to_dict()

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "metadata": metadata,
                "results": results,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        from ..models.deepgram_listen_response_metadata import DeepgramListenResponseMetadata  # noqa: PLC0415
        from ..models.deepgram_listen_response_results import DeepgramListenResponseResults  # noqa: PLC0415

        d = dict(src_dict)
        metadata = DeepgramListenResponseMetadata.from_dict(d.pop("metadata"))

        results = DeepgramListenResponseResults.from_dict(d.pop("results"))

        deepgram_listen_response = cls(
            metadata=metadata,
            results=results,
        )

        deepgram_listen_response.additional_properties = d
        return deepgram_listen_response

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
