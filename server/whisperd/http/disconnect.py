"""Stopping work the moment its client goes away.

Starlette notices a disconnect only when it next writes, and a transcription may write
nothing for seconds (queued, or decoding a window). :func:`until_disconnected` runs the work
while listening for ``http.disconnect`` and cancels the work when it comes, which cancels
the inference behind it. Plain answers and event streams both go through it.
"""

from __future__ import annotations

import asyncio
import contextlib
import typing as t
from collections.abc import Awaitable

from starlette.types import Receive

T = t.TypeVar("T")


# nginx's code for "the client closed the connection before the answer": never sent, logged.
CLIENT_CLOSED_REQUEST = 499


class ClientGone:
    """The client disconnected before the work finished."""


CLIENT_GONE = ClientGone()


async def wait_for_disconnect(receive: Receive) -> None:
    """Completes when the client closes the connection (the request body is already read)."""
    while (await receive())["type"] != "http.disconnect":
        pass


async def until_disconnected(work: Awaitable[T], receive: Receive) -> T | ClientGone:
    """The result of ``work``, or :data:`CLIENT_GONE` if the client left first (``work`` is
    then cancelled)."""
    task = asyncio.ensure_future(work)
    watcher = asyncio.ensure_future(wait_for_disconnect(receive))
    try:
        await asyncio.wait({task, watcher}, return_when=asyncio.FIRST_COMPLETED)
    finally:
        for pending in (task, watcher):
            if not pending.done():
                pending.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await pending
    if task.cancelled():
        return CLIENT_GONE
    return task.result()
