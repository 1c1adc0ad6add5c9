from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar, cast

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..models.model_object import ModelObject
from ..types import UNSET, Unset

T = TypeVar("T", bound="Model")


@_attrs_define
class Model:
    """A model, in OpenAI's shape (`id`, `object`, `created`, `owned_by`) with whisperd
    extension fields.

        Attributes:
            id (str):
            object_ (ModelObject):
            created (int): When the model's files were installed, as a Unix time.
            owned_by (str):
            alias_of (None | str | Unset): For OpenAI model names, the model they stand for.
            default (bool | Unset): Whether this is the server's default model.
            loaded (bool | Unset): Whether the model is in memory now.
            multilingual (bool | Unset): Whether the model knows many languages (and can translate).
            languages (list[str] | Unset): The ISO-639-1 (or Whisper) codes of the languages it transcribes.
            size_bytes (int | None | Unset): The size of its weights on disk.
    """

    id: str
    object_: ModelObject
    created: int
    owned_by: str
    alias_of: None | str | Unset = UNSET
    default: bool | Unset = UNSET
    loaded: bool | Unset = UNSET
    multilingual: bool | Unset = UNSET
    languages: list[str] | Unset = UNSET
    size_bytes: int | None | Unset = UNSET
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        id = self.id

        object_ = self.object_.value

        created = self.created

        owned_by = self.owned_by

        alias_of: None | str | Unset
        if isinstance(self.alias_of, Unset):
            alias_of = UNSET
        else:
            alias_of = self.alias_of

        default = self.default

        loaded = self.loaded

        multilingual = self.multilingual

        languages: list[str] | Unset = UNSET
        if not isinstance(self.languages, Unset):
            languages = self.languages

        size_bytes: int | None | Unset
        if isinstance(self.size_bytes, Unset):
            size_bytes = UNSET
        else:
            size_bytes = self.size_bytes

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "id": id,
                "object": object_,
                "created": created,
                "owned_by": owned_by,
            }
        )
        if alias_of is not UNSET:
            field_dict["alias_of"] = alias_of
        if default is not UNSET:
            field_dict["default"] = default
        if loaded is not UNSET:
            field_dict["loaded"] = loaded
        if multilingual is not UNSET:
            field_dict["multilingual"] = multilingual
        if languages is not UNSET:
            field_dict["languages"] = languages
        if size_bytes is not UNSET:
            field_dict["size_bytes"] = size_bytes

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)
        id = d.pop("id")

        object_ = ModelObject(d.pop("object"))

        created = d.pop("created")

        owned_by = d.pop("owned_by")

        def _parse_alias_of(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        alias_of = _parse_alias_of(d.pop("alias_of", UNSET))

        default = d.pop("default", UNSET)

        loaded = d.pop("loaded", UNSET)

        multilingual = d.pop("multilingual", UNSET)

        languages = cast(list[str], d.pop("languages", UNSET))

        def _parse_size_bytes(data: object) -> int | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(int | None | Unset, data)

        size_bytes = _parse_size_bytes(d.pop("size_bytes", UNSET))

        model = cls(
            id=id,
            object_=object_,
            created=created,
            owned_by=owned_by,
            alias_of=alias_of,
            default=default,
            loaded=loaded,
            multilingual=multilingual,
            languages=languages,
            size_bytes=size_bytes,
        )

        model.additional_properties = d
        return model

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
