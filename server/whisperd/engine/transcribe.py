"""Running faster-whisper on decoded audio and describing the result in plain dataclasses.

This module knows nothing of HTTP. It turns :class:`DecodeOptions` into faster-whisper's
arguments, picks the language, and yields :class:`Segment` objects one at a time as the
model decodes them, so a caller can stream them. A cancel flag, checked between segments
and (by :mod:`whisperd.engine.whisper`) before every model call, is how a disconnected
client stops its inference.
"""

from __future__ import annotations

import threading
import typing as t
from collections.abc import Iterator
from dataclasses import dataclass, field, replace

import numpy as np
from faster_whisper.tokenizer import Tokenizer
from faster_whisper.vad import VadOptions

from whisperd.engine import pieces
from whisperd.engine.audio import SAMPLE_RATE
from whisperd.engine.first_window import after_first_window, first_window_end
from whisperd.engine.logprobs import TokenLogprob, score_tokens, token_bytes
from whisperd.engine.whisper import Cancelled as Cancelled  # callers catch it from here
from whisperd.engine.whisper import Whisper

Task = t.Literal["transcribe", "translate"]

TEMPERATURE_LADDER = (0.0, 0.2, 0.4, 0.6, 0.8, 1.0)
DEFAULT_SEED = 0
FRAMES_PER_SECOND = 100
# A short first window is encoded from its first 20 s of mel frames, not a padded 30 s:
# a third of the encoder's time, the same text (bench/README.md, "First streamed words";
# at 15 s or less, tiny.en repeated the window's text in a loop).
FIRST_WINDOW_ENCODER_FRAMES = 2000
WINDOW_FRAMES = 3000
WINDOW_SECONDS = 30
# Punctuation OpenAI leaves out of its word list ("Hello," is the word "Hello").
_WORD_EDGE_PUNCTUATION = "\"'“”‘’«»¿¡([{)]}.,!?:;。，、！？：；…-"


@dataclass(frozen=True)
class VadSettings:
    """Silero VAD settings; the defaults are faster-whisper's."""

    threshold: float = 0.5
    min_silence_duration_ms: int = 2000
    speech_pad_ms: int = 400


@dataclass(frozen=True)
class DecodeOptions:
    task: Task = "transcribe"
    language: str | None = None  # a Whisper code; None detects
    candidate_languages: tuple[str, ...] = ()  # detection picks among these
    prompt: str | None = None
    temperature: float = 0.0  # 0: the fallback ladder, unless fallback is off
    beam_size: int = 5
    word_timestamps: bool = False
    token_logprobs: bool = False
    vad: VadSettings | None = None
    hotwords: str | None = None
    condition_on_previous_text: bool = True
    fallback: bool = True  # retry a failed window at higher temperatures
    seed: int | None = DEFAULT_SEED  # of sampled decodes, so they repeat; None: unseeded
    # Long audio may be decoded in batches of pieces of at most 30 s cut at pauses
    # (:mod:`whisperd.engine.pieces`): ``batch_size`` pieces at once from
    # ``batch_min_seconds`` of audio on; 0 never batches.
    batch_size: int = 0
    batch_min_seconds: float = 0.0
    # Streams: on audio longer than a window, the first window ends at a pause at most this
    # many seconds into the speech, so the first segment comes sooner; 0 keeps whole windows.
    first_window_seconds: float = 0.0

    @property
    def temperatures(self) -> tuple[float, ...]:
        if self.temperature == 0 and self.fallback:
            return TEMPERATURE_LADDER
        return (self.temperature,)

    def batches(self, audio_seconds: float) -> bool:
        """Whether to decode in batches. Token log probabilities need each window's own
        encoder output, which only sequential decoding keeps; a sampled decode (temperature
        above 0) and VAD's dropping of non-speech are sequential decoding's too."""
        return (
            self.batch_size > 1
            and not self.token_logprobs
            and self.temperature == 0
            and self.vad is None
            and audio_seconds >= max(self.batch_min_seconds, WINDOW_SECONDS)
        )


@dataclass(frozen=True)
class Word:
    word: str  # as OpenAI lists it: no surrounding spaces or punctuation
    start: float
    end: float
    probability: float
    text: str = ""  # as the model wrote it, leading space and punctuation kept


@dataclass(frozen=True)
class Segment:
    id: int
    seek: int
    start: float
    end: float
    text: str
    tokens: tuple[int, ...]
    temperature: float
    avg_logprob: float
    compression_ratio: float
    no_speech_prob: float
    words: tuple[Word, ...] = ()
    logprobs: tuple[TokenLogprob, ...] = ()
    # The UTF-8 bytes of each text token (one token may hold part of a character), so a
    # stream can send the text a token at a time, as OpenAI does.
    token_bytes: tuple[bytes, ...] = ()


@dataclass(frozen=True)
class TranscriptInfo:
    task: Task
    language: str
    language_probability: float
    duration: float
    prompt_tokens: int = 0
    eot_token: int = 50257  # tokens below it are text; above are special or timestamps


@dataclass
class Transcript:
    info: TranscriptInfo
    segments: list[Segment] = field(default_factory=list)

    @property
    def text(self) -> str:
        return transcript_text(self.segments)

    @property
    def words(self) -> list[Word]:
        return [word for segment in self.segments for word in segment.words]

    @property
    def logprobs(self) -> list[TokenLogprob]:
        return [logprob for segment in self.segments for logprob in segment.logprobs]

    @property
    def output_tokens(self) -> int:
        eot = self.info.eot_token
        return sum(1 for segment in self.segments for token in segment.tokens if token < eot)


def transcript_text(segments: list[Segment]) -> str:
    """The whole text as OpenAI gives it: the segments joined, outer whitespace stripped."""
    return "".join(segment.text for segment in segments).strip()


@dataclass
class TranscriptionRun:
    """A started transcription: its info is known, its segments are decoded as iterated."""

    info: TranscriptInfo
    segments: Iterator[Segment]


def start_transcription(
    whisper: Whisper,
    audio: np.ndarray,
    options: DecodeOptions,
    cancel: threading.Event | None = None,
) -> TranscriptionRun:
    """Detect the language (encoding the first window) and return the segment iterator.

    The calling thread must also iterate the segments: ``cancel`` and the sampling seed are
    kept per thread."""
    whisper.watch_cancel(cancel if cancel is not None else threading.Event())
    whisper.seed_sampling(options.seed)
    try:
        return _start_transcription(whisper, audio, options, cancel)
    except BaseException:
        whisper.watch_cancel(None)
        whisper.seed_sampling(None)
        whisper.limit_encoder_frames(None)
        raise


def _start_transcription(
    whisper: Whisper,
    audio: np.ndarray,
    options: DecodeOptions,
    cancel: threading.Event | None,
) -> TranscriptionRun:
    first_end = _first_window_end(audio, options)
    # Set for every request, so a run left unread cannot pass a limit on to the thread's
    # next one; a short window's lasts until it is decoded (its language detection too).
    short = (
        first_end is not None and first_end * FRAMES_PER_SECOND < FIRST_WINDOW_ENCODER_FRAMES - 2
    )
    whisper.limit_encoder_frames(FIRST_WINDOW_ENCODER_FRAMES if short else None)
    # Language detection reads the first window: with a short one, exactly that window, so
    # its encoding is shared with its decoding.
    first = audio if first_end is None else audio[: round(first_end * SAMPLE_RATE)]
    language = options.language
    if not whisper.multilingual:
        language = "en"
    elif language is None and len(options.candidate_languages) > 0:
        language = _detect_among(whisper, first, options.candidate_languages)
    if options.batches(len(audio) / SAMPLE_RATE):
        raw_segments, info = _transcribe_batched(whisper, audio, language, options)
    elif first_end is not None:
        raw_segments, info = _transcribe_from_first_window(
            whisper, audio, language, options, first_end
        )
    else:
        raw_segments, info = _transcribe_sequential(whisper, audio, language, options)
    tokenizer = Tokenizer(
        whisper.hf_tokenizer,
        whisper.multilingual,
        task=options.task,
        language=info.language if whisper.multilingual else None,
    )
    prompt_tokens = len(tokenizer.encode(" " + options.prompt.strip())) if options.prompt else 0
    transcript_info = TranscriptInfo(
        task=options.task,
        language=info.language,
        language_probability=float(info.language_probability),
        duration=len(audio) / SAMPLE_RATE,
        prompt_tokens=prompt_tokens,
        eot_token=tokenizer.eot,
    )
    content_frames = round(float(info.duration_after_vad) * FRAMES_PER_SECOND)
    if first_end is not None:  # info describes the short first window's audio alone
        content_frames = round(len(audio) / SAMPLE_RATE * FRAMES_PER_SECOND)
    segments = _segments(whisper, raw_segments, options, tokenizer, content_frames, cancel)
    return TranscriptionRun(info=transcript_info, segments=segments)


def _vad_options(vad: VadSettings) -> VadOptions:
    return VadOptions(
        threshold=vad.threshold,
        min_silence_duration_ms=vad.min_silence_duration_ms,
        speech_pad_ms=vad.speech_pad_ms,
    )


def _shared_arguments(language: str | None, options: DecodeOptions) -> dict[str, t.Any]:
    """The arguments both of faster-whisper's decoding loops take alike."""
    return {
        "language": language,
        "task": options.task,
        "beam_size": options.beam_size,
        "temperature": list(options.temperatures),
        "initial_prompt": options.prompt or None,
        "word_timestamps": options.word_timestamps,
        "hotwords": options.hotwords or None,
        "log_progress": False,
    }


def _transcribe_sequential(
    whisper: Whisper, audio: np.ndarray, language: str | None, options: DecodeOptions
) -> tuple[Iterator[object], t.Any]:
    """faster-whisper's own loop: one 30-second window after another, each conditioned on the
    text before it, with the temperature fallback ladder."""
    return whisper.transcribe(  # type: ignore[no-any-return]
        audio,
        **_shared_arguments(language, options),
        vad_filter=options.vad is not None,
        vad_parameters=_vad_options(options.vad) if options.vad is not None else None,
        condition_on_previous_text=options.condition_on_previous_text,
    )


def _transcribe_from_first_window(
    whisper: Whisper, audio: np.ndarray, language: str | None, options: DecodeOptions, end: float
) -> tuple[Iterator[object], t.Any]:
    """The first ``end`` seconds decoded as audio of their own, so their segments come as
    soon as that short window is decoded, then the whole audio as a plain request decodes
    it, from where the short window ended (:mod:`whisperd.engine.first_window`)."""
    first_segments, info = _transcribe_sequential(
        whisper, audio[: round(end * SAMPLE_RATE)], language, options
    )

    def segments() -> Iterator[t.Any]:
        raw: t.Any
        said = []
        try:
            for raw in first_segments:  # the model may place an end past the short audio's
                said.append(raw.text)
                yield replace(raw, start=min(raw.start, end), end=min(raw.end, end))
        finally:
            whisper.limit_encoder_frames(None)
        whole, _ = _transcribe_sequential(whisper, audio, info.language, options)
        tokenizer = Tokenizer(
            whisper.hf_tokenizer, whisper.multilingual, task=options.task, language=info.language
        )
        frames = round(len(audio) / SAMPLE_RATE * FRAMES_PER_SECOND)
        yield from after_first_window(whisper, tokenizer, whole, "".join(said), end, frames)

    return segments(), info


def _first_window_end(audio: np.ndarray, options: DecodeOptions) -> float | None:
    """Where a stream's short first window ends (see :mod:`whisperd.engine.first_window`);
    None for whole windows. VAD and batched decoding keep their own chunks."""
    seconds = len(audio) / SAMPLE_RATE
    if (
        options.first_window_seconds <= 0
        or seconds <= WINDOW_SECONDS
        or options.vad is not None
        or options.batches(seconds)
    ):
        return None
    return first_window_end(audio, options.first_window_seconds)


def _transcribe_batched(
    whisper: Whisper, audio: np.ndarray, language: str | None, options: DecodeOptions
) -> tuple[Iterator[object], t.Any]:
    """The whole audio cut at pauses into pieces of at most 30 s, decoded ``batch_size`` at a
    time, each on its own (no previous-text prompt, no timestamp tokens: one segment per
    piece), a piece that fails faster-whisper's checks again by its sequential loop
    (:mod:`whisperd.engine.pieces`)."""
    probability = 1.0
    batched = pieces.batches(pieces.cut_pieces(audio), options.batch_size)
    first = pieces.encode(whisper, audio, batched[0]) if batched else None
    if not whisper.multilingual:
        language = "en"
    elif language is None and first is not None:
        language, probability = pieces.detect_language(whisper, first)
    elif language is None:  # nothing to decode
        language, probability, _ = whisper.detect_language(audio[: WINDOW_SECONDS * SAMPLE_RATE])
    tokenizer = Tokenizer(
        whisper.hf_tokenizer, whisper.multilingual, task=options.task, language=language
    )

    def sequential(stretch: np.ndarray, said: list[int]) -> Iterator[object]:
        arguments = {**_shared_arguments(language, options), "initial_prompt": said or None}
        segments, _ = whisper.transcribe(
            stretch, **arguments, condition_on_previous_text=options.condition_on_previous_text
        )
        return segments  # type: ignore[no-any-return]

    decoder = pieces.PieceDecoder(
        whisper,
        tokenizer,
        beam_size=options.beam_size,
        fallback=len(options.temperatures) > 1,
        prompt=options.prompt,
        hotwords=options.hotwords,
        word_timestamps=options.word_timestamps,
        sequential=sequential,
    )
    segments = decoder.segments(audio, batched, first)
    info = pieces.PiecesInfo(str(language), float(probability), len(audio) / SAMPLE_RATE)
    return segments, info


def transcribe(
    whisper: Whisper,
    audio: np.ndarray,
    options: DecodeOptions,
    cancel: threading.Event | None = None,
) -> Transcript:
    """Transcribe the whole audio and return every segment."""
    run = start_transcription(whisper, audio, options, cancel)
    return Transcript(info=run.info, segments=list(run.segments))


def _segments(
    whisper: Whisper,
    raw_segments: Iterator[object],
    options: DecodeOptions,
    tokenizer: Tokenizer,
    content_frames: int,
    cancel: threading.Event | None,
) -> Iterator[Segment]:
    index = 0
    try:
        for raw in raw_segments:
            if cancel is not None and cancel.is_set():
                raise Cancelled()
            tokens = tuple(int(token) for token in raw.tokens)  # type: ignore[attr-defined]
            text_tokens = [token for token in tokens if token < tokenizer.eot]
            logprobs: tuple[TokenLogprob, ...] = ()
            if options.token_logprobs:
                window_frames = min(WINDOW_FRAMES, max(content_frames - raw.seek, 1))  # type: ignore[attr-defined]
                logprobs = tuple(score_tokens(whisper, tokenizer, text_tokens, window_frames))
            yield Segment(
                id=index,
                seek=int(raw.seek),  # type: ignore[attr-defined]
                start=float(raw.start),  # type: ignore[attr-defined]
                end=float(raw.end),  # type: ignore[attr-defined]
                text=str(raw.text),  # type: ignore[attr-defined]
                tokens=tokens,
                temperature=float(raw.temperature or 0.0),  # type: ignore[attr-defined]
                avg_logprob=float(raw.avg_logprob),  # type: ignore[attr-defined]
                compression_ratio=float(raw.compression_ratio),  # type: ignore[attr-defined]
                no_speech_prob=float(raw.no_speech_prob),  # type: ignore[attr-defined]
                words=_words(raw.words or ()),  # type: ignore[attr-defined]
                logprobs=logprobs,
                token_bytes=tuple(token_bytes(tokenizer, text_tokens)),
            )
            index += 1
            if cancel is not None and cancel.is_set():
                raise Cancelled()
    finally:
        close = getattr(raw_segments, "close", None)
        if close is not None:
            close()
        whisper.forget_encoder_output()
        whisper.watch_cancel(None)
        whisper.seed_sampling(None)
        whisper.limit_encoder_frames(None)


def _words(raw_words: object) -> tuple[Word, ...]:
    words = []
    for raw in raw_words:  # type: ignore[attr-defined]
        written = str(raw.word)
        text = written.strip().strip(_WORD_EDGE_PUNCTUATION)
        if text:
            start, end, probability = float(raw.start), float(raw.end), float(raw.probability)
            words.append(Word(text, start, end, probability, written))
        elif words:  # punctuation alone: written after the word before it
            words[-1] = replace(words[-1], text=words[-1].text + written)
    return tuple(words)


def _detect_among(whisper: Whisper, audio: np.ndarray, candidates: tuple[str, ...]) -> str:
    """The most probable language of the first window among ``candidates``."""
    if len(candidates) == 1:
        return candidates[0]
    _, _, probabilities = whisper.detect_language(audio)
    ranked = {code: prob for code, prob in probabilities}
    return max(candidates, key=lambda code: ranked.get(code, 0.0))
