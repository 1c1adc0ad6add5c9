"""Live transcription of a stream of turns, for any socket protocol.

Audio goes in as 16 kHz samples (transports decode their own formats with
:mod:`whisperd.live.pcm`). The turn detector (:mod:`whisperd.live.turns`) finds the turns,
or the caller commits them. While a turn grows, its audio so far is decoded again whenever
enough new audio has come, and LocalAgreement (:mod:`whisperd.live.agreement`) confirms the
words that consecutive hypotheses agree on: each newly confirmed piece is a
:class:`TextConfirmed`. When the turn ends only the audio after the confirmed words is
decoded again, and :class:`TurnCompleted` carries the rest, so the deltas of a turn join
exactly to its transcript.

Every decode goes through the service's queue, shared with HTTP requests. A partial runs
only on an idle worker (otherwise it is skipped: the next one hears more audio anyway), so
partials never delay a final or a request; a final decode always gets a place. Closing the
transcriber cancels its decodes, which frees their workers.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
import typing as t
from collections.abc import Callable
from dataclasses import dataclass, field, replace

import numpy as np

from whisperd.core.scheduler import QueueStats
from whisperd.core.service import Service
from whisperd.diarize import SessionSpeakers, SpeakerSegment
from whisperd.diarize.assign import Word as PlainWord
from whisperd.engine.audio import SAMPLE_RATE
from whisperd.engine.transcribe import DecodeOptions, Transcript, Word
from whisperd.errors import ApiError
from whisperd.live.agreement import LocalAgreement, TimedWord, join_words
from whisperd.live.endings import without_invented_ending
from whisperd.live.skips import skipped_speech
from whisperd.live.turns import IdleTimeout, ServerVad, SpeechStarted, SpeechStopped, TurnDetector
from whisperd.store.manager import LoadedModel

logger = logging.getLogger("whisperd.live")

MIN_COMMIT_MS = 100
# Audio re-decoded before the first unconfirmed word, so a word cut by the boundary is
# heard whole; the agreement drops what overlaps the confirmed words.
FINAL_OVERLAP_SECONDS = 0.3
# Past this, partials decode only what follows the confirmed words (with them as the
# prompt), so a long turn costs no more per partial than a short one.
LONG_TURN_SECONDS = 20.0
LONG_TURN_SAMPLES = int(LONG_TURN_SECONDS * SAMPLE_RATE)


@dataclass(frozen=True)
class LiveSettings:
    """What a live session decodes with; the choices behind the defaults are measured in
    bench/README.md ("Live")."""

    model: str = "whisper-1"
    language: str | None = None
    prompt: str | None = None
    logprobs: bool = False
    diarize: bool = False  # each completed turn also gets its speaker segments
    partial_every_seconds: float = 0.5  # new audio between two partial decodes
    partial_beam_size: int = 1
    final_beam_size: int = 5


# What a live session reports, in the order it happens; transports translate these.


@dataclass(frozen=True)
class SpeechBegan:
    item_id: str
    audio_start_ms: int


@dataclass(frozen=True)
class SpeechEnded:
    item_id: str
    audio_end_ms: int


@dataclass(frozen=True)
class IdleTimedOut:
    item_id: str
    audio_start_ms: int
    audio_end_ms: int


@dataclass(frozen=True)
class TurnCommitted:
    item_id: str
    previous_item_id: str | None
    audio_start_ms: int
    audio_end_ms: int


@dataclass(frozen=True)
class TextConfirmed:
    item_id: str
    delta: str
    audio_ms: int  # how much of the turn the hypothesis that confirmed it had heard


@dataclass(frozen=True)
class TurnCompleted:
    item_id: str
    delta: str  # the text after the last TextConfirmed ('' when all was confirmed)
    transcript: str
    duration_seconds: float
    language: str
    logprobs: list[t.Any] | None = None
    words: tuple[TimedWord, ...] = ()  # every word of the turn, times from the turn's start
    # With diarization on: the turn's text by speaker, times from the turn's start, labels
    # shared by all the session's turns.
    speakers: tuple[SpeakerSegment, ...] = ()


@dataclass(frozen=True)
class HypothesisUpdated:
    """After every partial decode: the turn's best text so far, confirmed words first, then
    the newest hypothesis's unconfirmed ones (which may still change); word times are
    seconds from the turn's start."""

    item_id: str
    text: str
    words: tuple[TimedWord, ...]
    audio_ms: int


@dataclass(frozen=True)
class TurnFailed:
    item_id: str
    error: ApiError


LiveEvent = (
    (SpeechBegan | SpeechEnded | IdleTimedOut | TurnCommitted | TextConfirmed | TurnCompleted)
    | TurnFailed
    | HypothesisUpdated
)


@dataclass
class _OpenTurn:
    item_id: str
    agreement: LocalAgreement = field(default_factory=LocalAgreement)
    decoded_samples: int = 0  # length of the audio the last partial heard
    language: str | None = None


@dataclass(frozen=True)
class _ClosedTurn:
    turn: _OpenTurn
    samples: np.ndarray
    previous_item_id: str | None


def partial_may_run(queue: QueueStats, workers: int, *, finals_pending: bool) -> bool:
    """Partials only use an idle worker, so they never delay anything: none of the session's
    own committed turns awaits its final, nothing is queued, and fewer requests run than
    there are workers (``queue.workers`` counts batch slots, and a partial batched with
    another request slows that request down)."""
    return not finals_pending and queue.waiting == 0 and queue.running < workers


class LiveTranscriber:
    def __init__(
        self,
        service: Service,
        settings: LiveSettings,
        turn_detection: ServerVad | None,
        emit: Callable[[LiveEvent], None],
        new_item_id: Callable[[], str],
    ) -> None:
        self.service = service
        self.settings = settings
        self._emit = emit
        self._new_item_id = new_item_id
        self._detector = TurnDetector(turn_detection)
        self._clock_offset_ms = 0  # audio received under earlier turn-detection settings
        self._model: LoadedModel | None = None
        self._open: _OpenTurn | None = None
        self._last_item_id: str | None = None
        self._finals: asyncio.Queue[_ClosedTurn] = asyncio.Queue()
        self._wake = asyncio.Event()
        self._tasks: list[asyncio.Task[None]] = []
        self._partial: asyncio.Future[Transcript | None] | None = None
        self._finals_running = False
        self._speakers: SessionSpeakers | None = None  # the voices heard, when diarizing

    # Lifecycle

    async def start(self) -> None:
        """Load the model (an :class:`ApiError` if it cannot be had) and start decoding."""
        self._model = await self.service.model(self.settings.model)
        await self._check_model(self._model, self.settings)
        self._tasks = [
            asyncio.create_task(self._run_partials()),
            asyncio.create_task(self._run_finals()),
        ]

    async def reconfigure(self, settings: LiveSettings, turn_detection: ServerVad | None) -> None:
        """New settings for what comes next; a new turn detector keeps the session's clock."""
        model = await self.service.model(settings.model)
        await self._check_model(model, settings)
        self._model = model
        self.settings = settings
        if turn_detection != self._detector.config:
            self._clock_offset_ms = self.audio_ms
            self._detector = TurnDetector(turn_detection)
            self._open = None

    async def _check_model(self, model: LoadedModel, settings: LiveSettings) -> None:
        self.service.check(self._options(final=True), model)
        if settings.diarize:  # a server without the encoder's weights says so now
            diarizer = await asyncio.to_thread(self.service.diarizer)
            if self._speakers is None:
                self._speakers = SessionSpeakers(diarizer.options.session_threshold)

    async def close(self) -> None:
        for task in self._tasks:
            task.cancel()
        for task in self._tasks:
            with contextlib.suppress(asyncio.CancelledError):
                await task
        self._tasks = []

    @property
    def audio_ms(self) -> int:
        """The session's audio clock: milliseconds received since it started."""
        return self._clock_offset_ms + self._detector.audio_ms

    @property
    def buffered_seconds(self) -> float:
        """Uncommitted audio the session holds."""
        return self._detector.retained_samples / SAMPLE_RATE

    @property
    def in_turn(self) -> bool:
        """Whether a turn is open (speech heard and not yet committed)."""
        return self._open is not None

    @property
    def busy(self) -> bool:
        """Whether committed turns are still being transcribed."""
        return not self._finals.empty() or self._finals_running

    async def settle(self, timeout: float) -> None:
        """Wait, up to ``timeout``, until the committed turns are transcribed."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while self.busy and loop.time() < deadline:
            await asyncio.sleep(0.02)

    # Audio and commands

    def append(self, samples: np.ndarray) -> None:
        events = self._detector.push(samples)
        if self._detector.config is None and self._open is None and len(samples):
            self._open = _OpenTurn(self._new_item_id())
        for event in events:
            if isinstance(event, SpeechStarted):
                self._open = _OpenTurn(self._new_item_id())
                self._emit(SpeechBegan(self._open.item_id, self._ms(event.audio_start_ms)))
            elif isinstance(event, SpeechStopped):
                turn = self._open or _OpenTurn(self._new_item_id())
                self._emit(SpeechEnded(turn.item_id, self._ms(event.audio_end_ms)))
                self._close_turn(turn, event.turn.samples, event.turn.audio_start_ms)
            elif isinstance(event, IdleTimeout):
                item_id = self._new_item_id()
                start, end = self._ms(event.audio_start_ms), self._ms(event.audio_end_ms)
                self._emit(IdleTimedOut(item_id, start, end))
        self._wake.set()

    def commit(self) -> None:
        """Commit what is buffered as a turn (manual commits, or ahead of the VAD)."""
        buffered_ms = self._detector.retained_samples * 1000 / SAMPLE_RATE
        if buffered_ms < MIN_COMMIT_MS:
            raise ApiError(
                400,
                "Error committing input audio buffer: buffer too small. Expected at least "
                f"{MIN_COMMIT_MS}ms of audio, but buffer only has {buffered_ms:.2f}ms of audio.",
                code="input_audio_buffer_commit_empty",
            )
        committed = self._detector.commit()
        self._close_turn(
            self._open or _OpenTurn(self._new_item_id()),
            committed.samples,
            committed.audio_start_ms,
        )

    def clear(self) -> None:
        self._detector.clear()
        self._open = None

    def _ms(self, detector_ms: int) -> int:
        return self._clock_offset_ms + detector_ms

    def _close_turn(self, turn: _OpenTurn, samples: np.ndarray, start_ms: int) -> None:
        if self._open is turn:
            self._open = None
        if self._partial is not None:
            self._partial.cancel()  # the final decode needs the worker more
        previous, self._last_item_id = self._last_item_id, turn.item_id
        end_ms = start_ms + len(samples) * 1000 // SAMPLE_RATE
        self._emit(TurnCommitted(turn.item_id, previous, self._ms(start_ms), self._ms(end_ms)))
        self._finals.put_nowait(_ClosedTurn(turn, samples, previous))

    # Decoding

    def _options(self, *, final: bool, language: str | None = None) -> DecodeOptions:
        settings = self.settings
        return DecodeOptions(
            language=language or settings.language,
            prompt=settings.prompt,
            beam_size=settings.final_beam_size if final else settings.partial_beam_size,
            word_timestamps=True,
            token_logprobs=final and settings.logprobs,
            condition_on_previous_text=False,
            # No temperature fallback: on a short turn it mostly samples an invented ending
            # after the real text, and costs up to six more decodes (bench/README.md, "Live").
            fallback=False,
        )

    async def _decode(
        self, samples: np.ndarray, options: DecodeOptions, *, final: bool
    ) -> Transcript | None:
        assert self._model is not None
        if not final and not partial_may_run(
            self.service.queue(), self.service.sizing.workers, finals_pending=self.busy
        ):
            return None
        try:
            job = self.service.job(self._model, samples, options, beyond_limit=final)
        except ApiError as exc:
            if exc.status == 429 and not final:
                return None  # busy: the next partial hears more anyway
            raise
        return await self.service.transcribe(job)

    async def _run_partials(self) -> None:
        step = int(self.settings.partial_every_seconds * SAMPLE_RATE)
        while True:
            await self._wake.wait()
            self._wake.clear()
            turn = self._open
            audio = self._detector.current_turn()
            if turn is None or audio is None or len(audio.samples) - turn.decoded_samples < step:
                continue
            turn.decoded_samples = len(audio.samples)
            started = time.monotonic()
            offset, samples, options = self._unconfirmed_audio(
                turn, audio.samples, final=False, trim=len(audio.samples) > LONG_TURN_SAMPLES
            )
            partial = asyncio.ensure_future(self._decode(samples, options, final=False))
            self._partial = partial
            try:
                await asyncio.wait({partial})  # the turn's end may cancel it, not this task
            finally:
                self._partial = None
                partial.cancel()
            if partial.cancelled() or self._open is not turn:
                continue  # the turn ended: its final decode took over
            if partial.exception() is not None:
                logger.warning("a partial decode failed: %s", partial.exception())
                continue
            transcript = partial.result()
            if transcript is None:
                continue
            self.service.metrics.record_live_partial(time.monotonic() - started)
            turn.language = turn.language or transcript.info.language
            delta = turn.agreement.update(_timed_words(transcript.words, offset))
            heard_ms = len(audio.samples) * 1000 // SAMPLE_RATE
            if delta:
                self._emit(TextConfirmed(turn.item_id, delta, heard_ms))
            self._emit(_hypothesis(turn, heard_ms))
            self._wake.set()  # audio that came during the decode may be enough already

    async def _run_finals(self) -> None:
        while True:
            closed = await self._finals.get()
            self._finals_running = True
            started = time.monotonic()
            try:
                self._emit(await self._finish(closed))
            except ApiError as exc:
                self._emit(TurnFailed(closed.turn.item_id, exc))
            except Exception:
                logger.exception("a live turn could not be transcribed")
                self._emit(
                    TurnFailed(
                        closed.turn.item_id,
                        ApiError(500, "The transcription failed inside the server.",
                                 type="server_error"),
                    )
                )  # fmt: skip
            finally:
                self._finals_running = False
            self.service.metrics.record_live_final(time.monotonic() - started)

    def _unconfirmed_audio(
        self, turn: _OpenTurn, samples: np.ndarray, *, final: bool, trim: bool = True
    ) -> tuple[float, np.ndarray, DecodeOptions]:
        """The audio from just before the first unconfirmed word (all of it when nothing is
        confirmed, or ``trim`` is off), its offset in the turn, and the options to decode it
        with: the confirmed text is the prompt it follows."""
        options = self._options(final=final, language=turn.language)
        confirmed = turn.agreement.confirmed
        if not confirmed or not trim:
            return 0.0, samples, options
        offset = max(0.0, confirmed[-1].end - FINAL_OVERLAP_SECONDS)
        options = self._after(options, turn.agreement.confirmed_text)
        return offset, samples[int(offset * SAMPLE_RATE) :], options

    def _after(self, options: DecodeOptions, said: str) -> DecodeOptions:
        """``options`` for audio that follows ``said``: the session's prompt, then ``said``."""
        prompt = f"{self.settings.prompt} {said}" if self.settings.prompt else said
        return replace(options, prompt=prompt)

    async def _decode_again(
        self, turn: _OpenTurn, samples: np.ndarray, words: list[TimedWord], index: int
    ) -> list[TimedWord]:
        """The turn from ``words[index]`` on, decoded again after the text before it (see
        :mod:`whisperd.live.skips`)."""
        start = words[index].start
        agreement = turn.agreement
        before = agreement.confirmed_text + join_words(words[:index], first=not agreement.confirmed)
        options = self._after(self._options(final=True, language=turn.language), before)
        transcript = await self._decode(samples[int(start * SAMPLE_RATE) :], options, final=True)
        return _timed_words(transcript.words, start) if transcript is not None else []

    async def _finish(self, closed: _ClosedTurn) -> TurnCompleted:
        turn, samples = closed.turn, closed.samples
        agreement = turn.agreement
        offset, tail, options = self._unconfirmed_audio(turn, samples, final=True)
        duration = len(samples) / SAMPLE_RATE
        language = turn.language or self.settings.language or ""
        logprobs: list[t.Any] | None = None
        words: list[TimedWord] = []
        if len(tail) >= MIN_COMMIT_MS * SAMPLE_RATE // 1000:
            transcript = await self._decode(tail, options, final=True)
            assert transcript is not None
            language = transcript.info.language
            words = _timed_words(transcript.words, offset)
            # Off the event loop: with a stretched word it runs Silero VAD over the turn.
            skipped = await asyncio.to_thread(skipped_speech, words, samples)
            if skipped is not None:
                words = words[:skipped] + await self._decode_again(turn, samples, words, skipped)
            if self.settings.logprobs:
                logprobs = [
                    {"token": lp.token, "logprob": lp.logprob, "bytes": list(lp.bytes)}
                    for lp in transcript.logprobs
                ]
        rest = agreement.finish(words)
        speakers: list[SpeakerSegment] = []
        if self.settings.diarize and self._speakers is not None:
            plain = [PlainWord(w.start, w.end, w.word) for w in agreement.confirmed]
            speakers = await self.service.diarize_turn(samples, plain, self._speakers)
        return TurnCompleted(
            turn.item_id,
            rest,
            agreement.confirmed_text,
            duration,
            language,
            logprobs,
            tuple(agreement.confirmed),
            tuple(speakers),
        )


def _timed_words(words: list[Word], offset: float) -> list[TimedWord]:
    return [TimedWord(word.text or f" {word.word}", word.start + offset, word.end + offset,
                      word.probability)
            for word in without_invented_ending(words)]  # fmt: skip


def _hypothesis(turn: _OpenTurn, heard_ms: int) -> HypothesisUpdated:
    agreement = turn.agreement
    confirmed, unconfirmed = agreement.confirmed, agreement.unconfirmed()
    text = agreement.confirmed_text + join_words(unconfirmed, first=not confirmed)
    return HypothesisUpdated(turn.item_id, text, (*confirmed, *unconfirmed), heard_ms)
