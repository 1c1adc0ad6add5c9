"""Stopping a diarization: the caller's flag, checked between the diarizer's steps."""

from __future__ import annotations

import threading


class DiarizationCancelled(Exception):
    """The caller's cancel flag was set; the diarizer stopped between two of its steps."""


def check_cancel(cancel: threading.Event | None) -> None:
    if cancel is not None and cancel.is_set():
        raise DiarizationCancelled()
