"""Audio in a container (WebM or Ogg Opus from a browser's ``MediaRecorder``, WAV, FLAC,
MP3 ...) arriving in chunks of any size, decoded as it comes.

PyAV reads the stream through a file-like object whose ``read`` waits for the next chunk,
on a thread of its own, so demuxing and decoding follow the bytes as they arrive; it has no
``seek``, so only formats that can be read front to back work (MP4 with its index at the
end does not). Samples and the end (or a decode error) are handed to the event loop.
"""

from __future__ import annotations

import asyncio
import logging
import queue
import threading
from collections.abc import Callable

import av
import numpy as np

from whisperd.engine.audio import SAMPLE_RATE

logger = logging.getLogger("whisperd.deepgram")

# Small probes: a live stream must start decoding after its first chunks, not after MiBs.
OPEN_OPTIONS = {"probesize": "32768", "analyzeduration": "0", "fflags": "nobuffer"}


class _Pipe:
    """The read end PyAV sees: blocks until bytes arrive; ``b''`` is the end."""

    def __init__(self) -> None:
        self._chunks: queue.Queue[bytes | None] = queue.Queue()
        self._pending = b""
        self._ended = False

    def feed(self, data: bytes | None) -> None:
        self._chunks.put(data)

    def read(self, size: int = -1) -> bytes:
        while not self._pending and not self._ended:
            chunk = self._chunks.get()
            if chunk is None:
                self._ended = True
            else:
                self._pending += chunk
        if size < 0:
            size = len(self._pending)
        out, self._pending = self._pending[:size], self._pending[size:]
        return out


class ContainerDecoder:
    """Feed chunks with :meth:`push`, end with :meth:`close`; ``on_samples`` gets 16 kHz mono
    float32 on the loop; :attr:`done` resolves to None at the end or to the error text."""

    def __init__(self, on_samples: Callable[[np.ndarray], None]) -> None:
        self._loop = asyncio.get_running_loop()
        self._on_samples = on_samples
        self._pipe = _Pipe()
        self.done: asyncio.Future[str | None] = self._loop.create_future()
        self.samples_out = 0
        self._stopped = False
        self._thread = threading.Thread(target=self._run, name="deepgram-decode", daemon=True)
        self._thread.start()

    def push(self, data: bytes) -> None:
        if data:
            self._pipe.feed(data)

    def close(self) -> None:
        """The end of the stream: what remains is decoded, then :attr:`done` resolves."""
        self._pipe.feed(None)

    def stop(self) -> None:
        """Drop what is still undecoded (the session ended)."""
        self._stopped = True
        self._pipe.feed(None)

    def _deliver(self, samples: np.ndarray) -> None:
        if not self._stopped and len(samples):
            self.samples_out += len(samples)
            self._on_samples(samples)

    def _finish(self, error: str | None) -> None:
        if not self.done.done():
            self.done.set_result(error)

    def _run(self) -> None:
        error: str | None = None
        try:
            resampler = av.AudioResampler(format="flt", layout="mono", rate=SAMPLE_RATE)
            with av.open(self._pipe, mode="r", options=OPEN_OPTIONS) as container:
                if not container.streams.audio:
                    raise ValueError("the stream has no audio")
                for frame in container.decode(audio=0):
                    if self._stopped:
                        return
                    self._emit(resampler.resample(frame))
                self._emit(resampler.resample(None))
        except (av.FFmpegError, ValueError, OSError) as exc:
            error = str(exc) or type(exc).__name__
            logger.info("undecodable live audio: %s", error)
        finally:
            self._loop.call_soon_threadsafe(self._finish, error)

    def _emit(self, frames: list[av.AudioFrame]) -> None:
        parts = [frame.to_ndarray().reshape(-1) for frame in frames]
        if parts:
            samples = np.concatenate(parts).astype(np.float32)
            self._loop.call_soon_threadsafe(self._deliver, samples)
