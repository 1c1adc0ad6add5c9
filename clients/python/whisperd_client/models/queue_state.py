from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar

from attrs import define as _attrs_define
from attrs import field as _attrs_field

T = TypeVar("T", bound="QueueState")


@_attrs_define
class QueueState:
    """The inference queue, for load balancers and dashboards.

    Attributes:
        workers (int): Inferences that may run at once.
        running (int): Inferences running now.
        waiting (int): Requests waiting for a worker.
        max_queue (int): Requests that may wait before new ones are answered 429.
    """

    workers: int
    running: int
    waiting: int
    max_queue: int
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        workers = self.workers

        running = self.running

        waiting = self.waiting

        max_queue = self.max_queue

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "workers": workers,
                "running": running,
                "waiting": waiting,
                "max_queue": max_queue,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)
        workers = d.pop("workers")

        running = d.pop("running")

        waiting = d.pop("waiting")

        max_queue = d.pop("max_queue")

        queue_state = cls(
            workers=workers,
            running=running,
            waiting=waiting,
            max_queue=max_queue,
        )

        queue_state.additional_properties = d
        return queue_state

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
