"""One Deepgram live session: binary audio and control messages in, Deepgram's messages out,
as thin glue over :class:`~whisperd.live.transcriber.LiveTranscriber`.

Each turn the turn detector finds is one Deepgram segment: ``interim_results`` are the
turn's hypotheses as they are re-decoded (``is_final: false``), and its final decode is the
``is_final: true`` result, with ``speech_final: true`` when endpointing (the detector's
silence) ended it and ``from_finalize: true`` when ``Finalize`` did. Times are seconds of
audio since the session started. With ``diarize``, each final's words carry the number of
their speaker, kept by a voice for the whole session (interim words have none yet: a turn's
speakers are found when it completes).
"""

from __future__ import annotations

import asyncio
import hashlib
import json
import logging
import typing as t
import uuid
from collections.abc import Callable

import numpy as np

from whisperd.core.service import Service
from whisperd.deepgram import results
from whisperd.deepgram.container import ContainerDecoder
from whisperd.deepgram.options import ListenOptions, LiveOptions, load_model
from whisperd.diarize.assign import speaker_of
from whisperd.diarize.diarizer import Turn
from whisperd.engine.audio import SAMPLE_RATE
from whisperd.errors import ApiError
from whisperd.live.pcm import PcmDecoder, PcmFormat
from whisperd.live.transcriber import (
    HypothesisUpdated,
    LiveEvent,
    LiveSettings,
    LiveTranscriber,
    SpeechBegan,
    TurnCommitted,
    TurnCompleted,
    TurnFailed,
)
from whisperd.live.turns import ServerVad

logger = logging.getLogger("whisperd.deepgram")

PROTOCOL = "deepgram"
MIN_ENDPOINTING_MS = 100  # shorter silences would cut Whisper's turns inside words
DEFAULT_SILENCE_MS = 500  # turns still end on silence with endpointing=false
DRAIN_SECONDS = 120.0
Send = Callable[[dict[str, t.Any]], None]


class StreamEnded(Exception):
    """The client asked to close (CloseStream): the finals and Metadata have been sent."""


class DeepgramSession:
    def __init__(
        self,
        service: Service,
        options: ListenOptions,
        live: LiveOptions,
        send: Send,
        request_id: str,
    ) -> None:
        self.service = service
        self.options = options
        self.live_options = live
        self._send = send
        self.request_id = request_id
        self._transcriber: LiveTranscriber | None = None
        self._model_id = ""
        self._pcm: PcmDecoder | None = None
        self._container: ContainerDecoder | None = None
        self._sha = hashlib.sha256()
        self._samples = 0
        self._starts: dict[str, float] = {}  # item id -> start, seconds on the session clock
        self._open_start: float | None = None  # the open turn's start
        self._finalizing = False
        self._from_finalize: set[str] = set()
        self._last_word_end: float | None = None  # pending an UtteranceEnd
        self._speaker_numbers: dict[str, int] = {}  # the session's speaker labels -> 0, 1, ...
        self.bad_audio: asyncio.Future[str] | None = None

    # Lifecycle

    async def open(self) -> None:
        """Load the model and start transcribing (an :class:`ApiError` if it cannot)."""
        model = await load_model(self.service, self.options.model)
        self._model_id = model.id
        settings = LiveSettings(
            model=model.id,
            language=self.options.language,
            prompt=self.options.hotwords,
            diarize=self.options.diarize,
        )
        transcriber = LiveTranscriber(
            self.service, settings, self._turn_detection(), self._on_event, _new_id
        )
        await transcriber.start()
        self._transcriber = transcriber
        loop = asyncio.get_running_loop()
        self.bad_audio = loop.create_future()
        opts = self.options
        if opts.encoding is not None:
            assert opts.sample_rate is not None
            self._pcm = PcmDecoder(PcmFormat(opts.encoding, opts.sample_rate, opts.channels))
        else:
            self._container = ContainerDecoder(self._append)
            self._container.done.add_done_callback(self._on_container_done)

    async def close(self) -> None:
        if self._container is not None:
            self._container.stop()
        if self._transcriber is not None:
            await self._transcriber.close()

    def _turn_detection(self) -> ServerVad:
        endpointing = self.live_options.endpointing_ms
        silence = DEFAULT_SILENCE_MS if endpointing is None else endpointing
        return ServerVad(silence_duration_ms=max(silence, MIN_ENDPOINTING_MS))

    @property
    def _live(self) -> LiveTranscriber:
        assert self._transcriber is not None, "the session is open"
        return self._transcriber

    @property
    def audio_seconds(self) -> float:
        return self._samples / SAMPLE_RATE

    # Client frames

    def handle_binary(self, data: bytes) -> None:
        self._sha.update(data)
        if self._pcm is not None:
            self._append(self._pcm.push(data))
        elif self._container is not None:
            self._container.push(data)

    async def handle_text(self, text: str) -> None:
        """A control message; raises :class:`StreamEnded` once CloseStream is done."""
        try:
            message = json.loads(text)
        except ValueError:
            expected = "Expected a JSON control message (KeepAlive, Finalize, CloseStream)"
            self._send(results.error_message(f"{expected} or binary audio."))
            return
        kind = message.get("type") if isinstance(message, dict) else None
        if kind == "KeepAlive":
            return
        if kind == "Finalize":
            await self.finalize()
        elif kind == "CloseStream":
            await self.close_stream()
            raise StreamEnded
        else:
            expected = "expected KeepAlive, Finalize or CloseStream"
            self._send(results.error_message(f"Unknown message type {kind!r}: {expected}."))

    async def finalize(self) -> None:
        """Flush: what is buffered of the open turn is transcribed now (``from_finalize``).

        With no turn open, the empty ``from_finalize`` result waits for the turns still
        being transcribed: it tells the client all the audio sent before has been."""
        if self._pcm is not None:
            self._append(self._pcm.flush())
        if not self._commit(from_finalize=True):
            await self._drain()
            now = self.audio_seconds
            self._send(self._results(now, 0.0, [], is_final=True, speech_final=False,
                                     from_finalize=True))  # fmt: skip

    @property
    def undecodable(self) -> bool:
        return self.bad_audio is not None and self.bad_audio.done()

    async def close_stream(self) -> None:
        """The final results of what was sent, then ``Metadata``."""
        if self._container is not None:
            self._container.close()
            if await self._container.done is not None:
                return  # undecodable: the socket closes with DATA-0000
        elif self._pcm is not None:
            self._append(self._pcm.flush())
        self._commit(from_finalize=False)
        await self._drain()
        self._send(
            results.live_metadata(
                request_id=self.request_id,
                model_id=self._model_id,
                duration=self.audio_seconds,
                sha256=self._sha.hexdigest(),
            )
        )

    async def _drain(self) -> None:
        await self._live.settle(DRAIN_SECONDS)

    def _commit(self, *, from_finalize: bool) -> bool:
        if not self._live.in_turn:
            return False
        self._finalizing = from_finalize
        try:
            self._live.commit()
        except ApiError:
            return False  # less than a commit's worth of audio
        finally:
            self._finalizing = False
        return True

    def _append(self, samples: np.ndarray) -> None:
        if not len(samples):
            return
        self._samples += len(samples)
        self._live.append(samples)
        self._check_utterance_end()

    def _on_container_done(self, done: asyncio.Future[str | None]) -> None:
        error = None if done.cancelled() else done.result()
        if error is not None and self.bad_audio is not None and not self.bad_audio.done():
            self.bad_audio.set_result(error)

    # Live events to Deepgram's messages

    def _on_event(self, event: LiveEvent) -> None:
        live = self.live_options
        if isinstance(event, SpeechBegan):
            start = event.audio_start_ms / 1000
            self._starts[event.item_id] = start
            self._open_start = start
            if live.vad_events:
                self._send(results.speech_started(start))
        elif isinstance(event, HypothesisUpdated) and live.interim_results:
            start = self._starts.get(event.item_id, 0.0)
            words = results.dg_words(event.words, start, written=lambda w: w.word)
            self._send(self._results(start, event.audio_ms / 1000, words, is_final=False,
                                     speech_final=False, from_finalize=False))  # fmt: skip
        elif isinstance(event, TurnCommitted):
            self._starts[event.item_id] = event.audio_start_ms / 1000
            self._open_start = None
            if self._finalizing:
                self._from_finalize.add(event.item_id)
        elif isinstance(event, TurnCompleted):
            self._on_final(event)
        elif isinstance(event, TurnFailed):
            self._send(results.error_message(event.error.message, "transcription_failed"))

    def _on_final(self, event: TurnCompleted) -> None:
        start = self._starts.pop(event.item_id, 0.0)
        from_finalize = event.item_id in self._from_finalize
        self._from_finalize.discard(event.item_id)
        words = results.dg_words(event.words, start, written=lambda w: w.word)
        if self.options.diarize:
            words = self._with_speakers(words, event, start)
        speech_final = self.live_options.endpointing_ms is not None and not from_finalize
        final = self._results(start, event.duration_seconds, words, is_final=True,
                              speech_final=speech_final, from_finalize=from_finalize)  # fmt: skip
        self._send(final)
        if words:
            self._last_word_end = words[-1].end
        self._check_utterance_end()

    def _with_speakers(
        self, words: list[results.DgWord], event: TurnCompleted, start: float
    ) -> list[results.DgWord]:
        turns = [Turn(start + s.start, start + s.end, s.speaker) for s in event.speakers]
        if not turns:
            return words
        return results.with_speakers(
            words, lambda a, b: speaker_of(turns, a, b), self._speaker_numbers
        )

    def _check_utterance_end(self) -> None:
        gap_ms = self.live_options.utterance_end_ms
        if gap_ms is None or self._last_word_end is None:
            return
        due = self._last_word_end + gap_ms / 1000
        reached = self._open_start if self._open_start is not None else self.audio_seconds
        if reached >= due:
            self._send(results.utterance_end(self._last_word_end))
            self._last_word_end = None

    def _results(
        self,
        start: float,
        duration: float,
        words: list[results.DgWord],
        *,
        is_final: bool,
        speech_final: bool,
        from_finalize: bool,
    ) -> dict[str, t.Any]:
        return results.live_results(
            request_id=self.request_id,
            model_id=self._model_id,
            start=start,
            duration=duration,
            words=words,
            punctuated=self.options.punctuated,
            is_final=is_final,
            speech_final=speech_final,
            from_finalize=from_finalize,
        )


def _new_id() -> str:
    return uuid.uuid4().hex
