"""Per-token log probabilities of a transcript (``include[]=logprobs``).

Beam search in CTranslate2 returns only a sequence score, so each decoded segment is scored
afterwards: its text tokens are fed to the decoder (teacher forcing) against the encoded
30-second window that produced them, and the decoder's probability of every token is read
back. This is one cheap decoder pass per segment, reusing the window's encoder output, which
:class:`whisperd.engine.whisper.Whisper` keeps (per thread) when faster-whisper encodes it.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

from whisperd.engine.whisper import Whisper


@dataclass(frozen=True)
class TokenLogprob:
    token: str
    logprob: float
    bytes: tuple[int, ...]


def score_tokens(
    whisper: Whisper, tokenizer: Any, text_tokens: list[int], num_frames: int
) -> list[TokenLogprob]:
    """Log probabilities of ``text_tokens`` given the window the calling thread last encoded."""
    encoder_output = whisper.encoder_output
    if encoder_output is None or not text_tokens:
        return []
    result = whisper.model.align(
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
