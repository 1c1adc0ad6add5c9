"""Long audio decoded in batches: the whole timeline cut at pauses into pieces of at most 30 s.

faster-whisper's ``BatchedInferencePipeline`` decodes only the speech Silero VAD finds, so
speech the VAD misses (a quiet speaker) is never decoded, and it decodes without timestamp
tokens, so a chunk whose decoding stops early loses the rest unseen (bench/README.md,
"Batched long audio: where words were lost"). Here nothing is discarded: every second of
the audio belongs to one piece, each cut placed in a pause (the quietest point of a gap
between the words VAD finds, or else the quietest point near the limit), so no word is
split and no chunk boundary falls inside speech. The pieces are encoded and decoded
``batch_size`` at a time, each on its own, without timestamp tokens: one segment per piece.
A piece whose decoding fails faster-whisper's checks (compression ratio, average log
probability) is decoded again by faster-whisper's own loop, conditioned on the text before
it, with the temperature fallback. A piece that is silence (too quiet to hold anything, or
silent to both the model and VAD) says nothing.
"""

from __future__ import annotations

import itertools
import typing as t
from collections.abc import Iterator
from dataclasses import dataclass, replace

import ctranslate2
import numpy as np
from faster_whisper.audio import pad_or_trim
from faster_whisper.tokenizer import Tokenizer
from faster_whisper.transcribe import Segment as RawSegment
from faster_whisper.transcribe import Word as RawWord
from faster_whisper.transcribe import get_compression_ratio, get_suppressed_tokens
from faster_whisper.vad import VadOptions

from whisperd.engine.audio import SAMPLE_RATE
from whisperd.engine.pauses import CLEAR_PAUSE_SECONDS, speech_spans
from whisperd.engine.whisper import Whisper

PIECE_SECONDS = 30.0
# A cut is looked for this late into a piece at the earliest, so pieces stay long (fewer
# encoder passes) unless the audio has no pause near the limit.
MIN_PIECE_SECONDS = 15.0
# The gaps between words: Silero VAD, sensitive, without padding.
_WORDS = VadOptions(threshold=0.5, min_silence_duration_ms=100, speech_pad_ms=0)
# Without a gap, the cut goes to the quietest point of the last seconds before the limit.
SEARCH_SECONDS = 5.0
_FRAME = SAMPLE_RATE // 100  # energy in 10 ms frames, averaged over 100 ms
_SMOOTH_FRAMES = 10
# Frames this close to the quietest (dB) count as a quiet place to cut.
_QUIET_DB = 3.0
_BEFORE_END_FRAMES = 50
# A piece never louder than this (dBFS over 100 ms) holds nothing to decode.
SILENCE_DB = -55.0
# faster-whisper's thresholds (transcribe()'s defaults).
COMPRESSION_RATIO_THRESHOLD = 2.4
LOG_PROB_THRESHOLD = -1.0
NO_SPEECH_THRESHOLD = 0.6
# A decoding whose last word ends this long before the piece's last speech stopped early.
UNDECODED_SECONDS = 2.0


@dataclass(frozen=True)
class Piece:
    start: float  # seconds
    end: float
    speech: bool  # Silero VAD found words in it
    sound: bool  # louder than silence somewhere
    last_speech: float  # where the last words VAD found in it end (its end if none)

    @property
    def seconds(self) -> float:
        return self.end - self.start


@dataclass(frozen=True)
class PiecesInfo:
    """What ``start_transcription`` reads of faster-whisper's TranscriptionInfo."""

    language: str
    language_probability: float
    duration_after_vad: float  # nothing is left out: the whole audio


def cut_pieces(audio: np.ndarray, max_seconds: float = PIECE_SECONDS) -> list[Piece]:
    """The whole of ``audio`` as consecutive pieces of at most ``max_seconds``, each cut in a
    pause."""
    duration = len(audio) / SAMPLE_RATE
    speech = speech_spans(audio, _WORDS)
    loudness = _loudness(audio)
    gaps = _gaps(speech, duration)
    cuts = [0.0]
    while duration - cuts[-1] > max_seconds:
        start = cuts[-1]
        earliest = start + min(MIN_PIECE_SECONDS, max_seconds / 2)
        cuts.append(_cut(gaps, loudness, earliest, start + max_seconds))
    cuts.append(duration)
    return [
        Piece(
            start,
            end,
            speech=any(s < end and e > start for s, e in speech),
            sound=_loudest(loudness, start, end) > SILENCE_DB,
            last_speech=max([min(e, end) for s, e in speech if s < end and e > start] or [end]),
        )
        for start, end in itertools.pairwise(cuts)
        if end > start
    ]


def _gaps(speech: list[tuple[float, float]], duration: float) -> list[tuple[float, float]]:
    edges = [0.0, *[time for chunk in speech for time in chunk], duration]
    return [(a, b) for a, b in zip(edges[::2], edges[1::2], strict=True) if b > a]


def _cut(
    gaps: list[tuple[float, float]], loudness: np.ndarray, earliest: float, latest: float
) -> float:
    """Where a piece reaching at most ``latest`` ends: the quietest point of the latest clear
    gap between ``earliest`` and ``latest`` (else of the longest gap, else of the last
    seconds)."""
    reach = [(max(a, earliest), min(b, latest)) for a, b in gaps if b > earliest and a < latest]
    clear = [gap for gap in reach if gap[1] - gap[0] >= CLEAR_PAUSE_SECONDS]
    if clear:
        low, high = clear[-1]
    elif reach:
        low, high = max(reach, key=lambda gap: gap[1] - gap[0])
    else:
        low, high = max(earliest, latest - SEARCH_SECONDS), latest
    return _quietest(loudness, low, high)


def _loudness(audio: np.ndarray) -> np.ndarray:
    """dBFS of each 10 ms frame, averaged over the 100 ms around it."""
    frames = len(audio) // _FRAME
    if frames == 0:
        return np.full(1, -120.0)
    power = np.mean(np.square(audio[: frames * _FRAME].reshape(frames, _FRAME)), axis=1)
    smooth = np.convolve(power, np.ones(_SMOOTH_FRAMES) / _SMOOTH_FRAMES, mode="same")
    loudness: np.ndarray = 10 * np.log10(smooth + 1e-12)
    return loudness


def _quietest(loudness: np.ndarray, low: float, high: float) -> float:
    """In the latest run of frames between ``low`` and ``high`` about as quiet as the
    quietest (the latest keeps pieces long): its middle, or in a long run half a second
    before its end, so the next piece starts shortly before what follows."""
    first = int(low * 100)
    window = loudness[first : max(first + 1, int(high * 100))]
    if len(window) == 0:
        return high
    quiet = np.flatnonzero(window <= window.min() + _QUIET_DB)
    runs = np.split(quiet, np.flatnonzero(np.diff(quiet) > 1) + 1)
    run = runs[-1]
    cut = max(float(np.median(run)), float(run[-1]) - _BEFORE_END_FRAMES)
    return min(high, max(low, (first + round(cut)) / 100))


def _loudest(loudness: np.ndarray, start: float, end: float) -> float:
    window = loudness[int(start * 100) : max(int(start * 100) + 1, int(end * 100))]
    return float(window.max()) if len(window) else -120.0


class PieceDecoder:
    """Decodes pieces in batches and yields faster-whisper segments in time order, one per
    piece that says something."""

    def __init__(
        self,
        whisper: Whisper,
        tokenizer: Tokenizer,
        *,
        beam_size: int,
        fallback: bool,
        prompt: str | None,
        hotwords: str | None,
        word_timestamps: bool,
        sequential: SequentialDecode,
    ) -> None:
        self.whisper = whisper
        self.tokenizer = tokenizer
        self.word_timestamps = word_timestamps
        self.hotwords = hotwords
        self.said = tokenizer.encode(" " + prompt.strip()) if prompt else []
        self.prompt = whisper.get_prompt(
            tokenizer, list(self.said), without_timestamps=True, hotwords=hotwords
        )
        self.beam_size = beam_size
        self.fallback = fallback
        self.sequential = sequential
        self.suppress_tokens = get_suppressed_tokens(tokenizer, [-1])
        self.last_speech = 0.0  # for word timestamps, as faster-whisper carries it
        self.fallbacks = 0  # pieces decoded again
        self.rests = 0  # pieces whose decoding stopped early, the rest decoded again

    def segments(
        self, audio: np.ndarray, batches: list[list[Piece]], first: t.Any = None
    ) -> Iterator[RawSegment]:
        """The segments of the pieces of ``batches``; ``first`` is the first batch's
        encoder output when it is already encoded (:func:`encode`)."""
        for index, batch in enumerate(batches):
            encoded = (
                first if index == 0 and first is not None else encode(self.whisper, audio, batch)
            )
            decoded = self._decode(batch, encoded)
            for piece, result in zip(batch, decoded, strict=True):
                if result is _AGAIN:
                    self.fallbacks += 1
                    yield from self._said(self._sequential(audio, piece.start, piece.end))
                elif isinstance(result, _Decoded):
                    yield from self._said([self._segment(piece, result)])
                    if result.stopped_at is not None:  # the rest, as faster-whisper would
                        self.rests += 1
                        yield from self._said(self._sequential(audio, result.stopped_at, piece.end))

    def _said(self, segments: t.Iterable[RawSegment]) -> Iterator[RawSegment]:
        for segment in segments:
            self.said += _text_tokens(list(segment.tokens), self.tokenizer)
            yield segment

    def _decode(self, batch: list[Piece], encoder_output: t.Any) -> list[_Decoded | object | None]:
        """Each piece's decoding, None for silence, or :data:`_AGAIN` where the decoding
        fails faster-whisper's checks."""
        whisper = self.whisper
        results = whisper.model.generate(
            encoder_output,
            [list(self.prompt) for _ in batch],
            beam_size=self.beam_size,
            patience=1.0,
            length_penalty=1.0,
            repetition_penalty=1.0,
            no_repeat_ngram_size=0,
            max_length=whisper.max_length,
            return_scores=True,
            return_no_speech_prob=True,
            suppress_blank=True,
            suppress_tokens=self.suppress_tokens,
        )
        decoded: list[_Decoded | object | None] = []
        for piece, result in zip(batch, results, strict=True):
            attempt = _Decoded.of(result, self.tokenizer)
            if attempt.silent(piece.speech):
                decoded.append(None)
            else:
                decoded.append(_AGAIN if attempt.failed and self.fallback else attempt)
        self._check_ends(batch, decoded, encoder_output)
        return decoded

    def _sequential(self, audio: np.ndarray, start: float, end: float) -> Iterator[RawSegment]:
        """``start`` to ``end`` decoded by faster-whisper's own loop, conditioned on the text
        said before it (its windows' timestamps, previous text and temperature fallback
        decode what a batch, which has none of them, decoded badly: a stutter that loops)."""
        offset, frames = start, round(start * 100)
        stretch = audio[round(start * SAMPLE_RATE) : round(end * SAMPLE_RATE)]
        for raw in self.sequential(stretch, list(self.said)):
            words = raw.words
            if words is not None:
                words = [
                    replace(word, start=word.start + offset, end=word.end + offset)
                    for word in words
                ]
            yield replace(
                raw,
                seek=raw.seek + frames,
                start=round(raw.start + offset, 3),
                end=round(min(raw.end + offset, end), 3),
                words=words,
            )

    def _check_ends(
        self, batch: list[Piece], decoded: list[_Decoded | object | None], encoder_output: t.Any
    ) -> None:
        """Align each decoding's words to its piece (word timestamps, when asked for, come
        from this), and mark where one stopped while the piece's speech went on: without
        timestamp tokens nothing else shows that the model ended a piece early (a change of
        recording did it to tiny.en, 32 words lost: bench/README.md)."""
        rows = [index for index, item in enumerate(decoded) if isinstance(item, _Decoded)]
        if not rows:
            return
        output = encoder_output
        if len(rows) < len(decoded):  # only the pieces that said something
            stacked = np.ascontiguousarray(np.asarray(encoder_output)[rows])
            output = ctranslate2.StorageView.from_array(stacked)
        items = [t.cast(_Decoded, decoded[index]) for index in rows]
        pieces = [batch[index] for index in rows]
        frames = [round(piece.seconds * 100) for piece in pieces]
        ends: list[float | None]
        if self.word_timestamps:
            segments: list[dict[str, t.Any]] = [
                dict(
                    seek=round(piece.start * 100),
                    start=piece.start,
                    end=piece.last_speech,
                    tokens=item.tokens,
                )
                for item, piece in zip(items, pieces, strict=True)
            ]
            self.last_speech = self.whisper.add_word_timestamps(
                [[segment] for segment in segments],
                self.tokenizer,
                output,
                frames,
                _PREPEND_PUNCTUATIONS,
                _APPEND_PUNCTUATIONS,
                self.last_speech,
            )
            for item, segment in zip(items, segments, strict=True):
                item.segment = segment
            ends = [
                float(segment["words"][-1]["end"]) if segment.get("words") else None
                for segment in segments
            ]
        else:
            tokens = [_text_tokens(item.tokens, self.tokenizer) for item in items]
            alignments = self.whisper.find_alignment(self.tokenizer, tokens, output, frames)
            ends = [
                piece.start + float(words[-1]["end"]) if words else None
                for piece, words in zip(pieces, alignments, strict=True)
            ]
        for item, piece, end in zip(items, pieces, ends, strict=True):
            if end is not None and piece.last_speech - end > UNDECODED_SECONDS:
                item.stopped_at = end

    def _segment(self, piece: Piece, decoded: _Decoded) -> RawSegment:
        start, end, words = piece.start, decoded.stopped_at or piece.last_speech, None
        if decoded.segment is not None:  # word timestamps: the words' span
            start = float(decoded.segment["start"])
            end = float(decoded.segment["end"])
            words = [RawWord(**word) for word in decoded.segment.get("words", ())]
        return RawSegment(
            id=0,
            seek=round(piece.start * 100),
            start=round(start, 3),
            end=round(min(end, piece.end), 3),
            text=self.tokenizer.decode(_text_tokens(decoded.tokens, self.tokenizer)),
            tokens=decoded.tokens,
            avg_logprob=decoded.avg_logprob,
            compression_ratio=decoded.compression_ratio,
            no_speech_prob=decoded.no_speech_prob,
            words=words,
            temperature=0.0,
        )


def batches(pieces: list[Piece], batch_size: int) -> list[list[Piece]]:
    """The pieces with something to decode, ``batch_size`` at a time."""
    audible = [piece for piece in pieces if piece.sound]
    return [audible[i : i + batch_size] for i in range(0, len(audible), batch_size)]


def encode(whisper: Whisper, audio: np.ndarray, batch: list[Piece]) -> t.Any:
    """The encoder output of a batch of pieces, on the host, where a piece aligned alone
    takes its row of it."""
    features = np.stack(
        [
            pad_or_trim(whisper.feature_extractor(_samples(audio, piece))[..., :-1])
            for piece in batch
        ]
    )
    storage = ctranslate2.StorageView.from_array(np.ascontiguousarray(features))
    return whisper.model.encode(storage, to_cpu=True)


def detect_language(whisper: Whisper, encoder_output: t.Any) -> tuple[str, float]:
    """The language of the first piece of an encoded batch, with its probability, as
    faster-whisper detects it on the first window (the encoding then serves decoding too)."""
    token, probability = whisper.model.detect_language(encoder_output)[0][0]
    return str(token)[2:-2], float(probability)


# faster-whisper's window-after-window loop over a stretch of audio, given the text tokens
# said before it as the previous-text prompt.
SequentialDecode = t.Callable[[np.ndarray, list[int]], t.Iterable[t.Any]]
_AGAIN = object()  # a piece to decode again sequentially


@dataclass
class _Decoded:
    """A piece's decoding, judged as faster-whisper judges a window's."""

    tokens: list[int]
    text: str
    avg_logprob: float
    compression_ratio: float
    no_speech_prob: float
    segment: dict[str, t.Any] | None = None  # with word timestamps: faster-whisper's segment
    stopped_at: float | None = None  # where its words end, when speech follows

    @classmethod
    def of(cls, result: t.Any, tokenizer: Tokenizer) -> _Decoded:
        tokens = [int(token) for token in result.sequences_ids[0]]
        avg_logprob = result.scores[0] * len(tokens) / (len(tokens) + 1)
        text = tokenizer.decode(_text_tokens(tokens, tokenizer)).strip()
        ratio = get_compression_ratio(text) if text else 0.0
        return cls(tokens, text, avg_logprob, ratio, float(result.no_speech_prob))

    @property
    def failed(self) -> bool:
        """Too repetitive or too improbable (asked of a decoding that is not silent)."""
        return (
            self.compression_ratio > COMPRESSION_RATIO_THRESHOLD
            or self.avg_logprob < LOG_PROB_THRESHOLD
        )

    def silent(self, speech: bool) -> bool:
        """Nothing said: faster-whisper's no-speech rule, or else the model's no-speech
        probability over its threshold where VAD found no speech either (a few words
        made up of noise, such as "you", have a high log probability)."""
        if not self.text:
            return True
        if self.no_speech_prob <= NO_SPEECH_THRESHOLD:
            return False
        return self.avg_logprob < LOG_PROB_THRESHOLD or not speech


# faster-whisper's defaults: punctuation joined to the word after or before it.
_PREPEND_PUNCTUATIONS = "\"'“¿([{-"
_APPEND_PUNCTUATIONS = "\"'.。,，!！?？:：”)]}、"


def _samples(audio: np.ndarray, piece: Piece) -> np.ndarray:
    return audio[round(piece.start * SAMPLE_RATE) : round(piece.end * SAMPLE_RATE)]


def _text_tokens(tokens: list[int], tokenizer: Tokenizer) -> list[int]:
    return [token for token in tokens if token < tokenizer.eot]
