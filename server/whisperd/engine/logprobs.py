"""Per-token log probabilities of a transcript (``include[]=logprobs``).

Beam search in CTranslate2 returns only a sequence score, so each decoded segment is scored
afterwards: its text tokens are fed to the decoder (teacher forcing) against the encoded
30-second window that produced them, and the decoder's probability of every token is read
back. This is one cheap decoder pass per segment, reusing the window's encoder output; the
model class below keeps that output (per thread) when faster-whisper encodes a window.
"""

from __future__ import annotations

import math
import threading
from dataclasses import dataclass
from typing import Any

from faster_whisper import WhisperModel


@dataclass(frozen=True)
class TokenLogprob:
    token: str
    logprob: float
    bytes: tuple[int, ...]


class ScoringWhisperModel(WhisperModel):  # type: ignore[misc]
    """faster-whisper's model, remembering the last encoder output of the calling thread.

    faster-whisper encodes a window, decodes it, and yields that window's segments before it
    encodes the next one, so while a segment is being consumed the remembered output is the
    one its tokens were decoded from.
    """

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._thread_state = threading.local()

    def encode(self, features: Any) -> Any:
        output = super().encode(features)
        self._thread_state.encoder_output = output
        return output

    def forget_encoder_output(self) -> None:
        self._thread_state.encoder_output = None

    def score_tokens(
        self, tokenizer: Any, text_tokens: list[int], num_frames: int
    ) -> list[TokenLogprob]:
        """Log probabilities of ``text_tokens`` given the current window's audio."""
        encoder_output = getattr(self._thread_state, "encoder_output", None)
        if encoder_output is None or not text_tokens:
            return []
        result = self.model.align(
            encoder_output, tokenizer.sot_sequence, [text_tokens], max(num_frames, 1)
        )[0]
        pieces = token_bytes(tokenizer, text_tokens)
        return [
            TokenLogprob(
                token=piece.decode("utf-8", errors="replace"),
                logprob=math.log(probability) if probability > 0 else -1e4,
                bytes=tuple(piece),
            )
            for piece, probability in zip(pieces, result.text_token_probs, strict=False)
        ]


def token_bytes(tokenizer: Any, tokens: list[int]) -> list[bytes]:
    """The raw UTF-8 bytes of each token (a token may hold part of a multi-byte character)."""
    hf_tokenizer = tokenizer.tokenizer
    return [_byte_level_decode(hf_tokenizer.id_to_token(token) or "") for token in tokens]


def _byte_level_decode(piece: str) -> bytes:
    return bytes(_BYTE_DECODER.get(char, ord(char) & 0xFF) for char in piece)


def _bytes_to_unicode() -> dict[int, str]:
    """GPT-2's reversible byte <-> printable-character table, used by Whisper's BPE."""
    printable = (
        list(range(ord("!"), ord("~") + 1))
        + list(range(ord("¡"), ord("¬") + 1))
        + list(range(ord("®"), ord("ÿ") + 1))
    )
    codes = printable[:]
    extra = 0
    for byte in range(256):
        if byte not in printable:
            printable.append(byte)
            codes.append(256 + extra)
            extra += 1
    return dict(zip(printable, (chr(code) for code in codes), strict=True))


_BYTE_DECODER: dict[str, int] = {char: byte for byte, char in _bytes_to_unicode().items()}
