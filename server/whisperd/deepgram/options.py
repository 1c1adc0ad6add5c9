"""Deepgram's query parameters (``/v1/listen``, REST and socket) as typed options.

Deepgram's own model names mean the server's default model, as OpenAI's do; an installed
model id picks that model. Parameters for features the server does not have are either
refused with a 400 that says so (diarization, multichannel, codecs it cannot decode) or
accepted and ignored when ignoring them cannot change the transcript's meaning
(``tag``, ``mip_opt_out``, ``version`` ...).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from whisperd.core.service import Service
from whisperd.engine.languages import is_language_code, to_whisper_code
from whisperd.errors import ApiError
from whisperd.live.pcm import Encoding
from whisperd.store.manager import LoadedModel

DEFAULT_MODEL = "whisper-1"  # an OpenAI alias of the server's default model
# Deepgram's model families and tiers; each means the default model here.
DEEPGRAM_MODEL_PREFIXES = ("nova", "enhanced", "whisper", "flux", "base-", "general")
DEEPGRAM_MODEL_NAMES = frozenset(
    {"base", "general", "meeting", "phonecall", "voicemail", "finance", "video", "conversationalai"}
)
PCM_ENCODINGS: tuple[Encoding, ...] = ("linear16", "mulaw", "alaw")
CONTAINER_ENCODINGS = ("opus", "ogg-opus", "flac")
UNSUPPORTED_ENCODINGS = ("linear32", "amr-nb", "amr-wb", "speex", "g729")
DEFAULT_UTT_SPLIT = 0.8  # Deepgram's default pause between utterances, in seconds
DEFAULT_ENDPOINTING_MS = 500  # a Whisper turn needs more than Deepgram's 10 ms
MAX_ENDPOINTING_MS = 60_000
MAX_UTTERANCE_END_MS = 60_000

Query = Mapping[str, Sequence[str]]  # every value of every parameter, in order


def bad_request(message: str, param: str | None = None) -> ApiError:
    return ApiError(400, message, param=param, code="invalid_value")


@dataclass(frozen=True)
class ListenOptions:
    """What both transports take from the query string."""

    model: str = DEFAULT_MODEL  # as the client named it
    language: str | None = "en"  # Deepgram's default language is English
    detect_language: bool = False
    punctuate: bool = False
    smart_format: bool = False
    numerals: bool = False
    utterances: bool = False
    paragraphs: bool = False
    diarize: bool = False  # who spoke each word (live: each final's words)
    utt_split: float = DEFAULT_UTT_SPLIT
    hotwords: str | None = None
    encoding: Encoding | None = None  # raw audio; None: a container the decoder reads
    sample_rate: int | None = None
    channels: int = 1

    @property
    def punctuated(self) -> bool:
        return self.punctuate or self.smart_format or self.paragraphs


@dataclass(frozen=True)
class LiveOptions:
    """What only the socket takes."""

    interim_results: bool = False
    endpointing_ms: int | None = DEFAULT_ENDPOINTING_MS  # None: endpointing=false
    utterance_end_ms: int | None = None
    vad_events: bool = False


def _last(query: Query, name: str) -> str | None:
    values = query.get(name)
    return values[-1] if values else None


def _flag(query: Query, name: str, default: bool = False) -> bool:
    value = _last(query, name)
    if value is None:
        return default
    lowered = value.strip().lower()
    if lowered in ("true", "1", ""):
        return True
    if lowered in ("false", "0"):
        return False
    raise bad_request(f"Invalid value for '{name}': expected true or false, got {value!r}.", name)


def _int(query: Query, name: str, low: int, high: int) -> int | None:
    value = _last(query, name)
    if value is None:
        return None
    try:
        number = int(value)
    except ValueError:
        raise bad_request(f"Invalid value for '{name}': expected an integer.", name) from None
    if not low <= number <= high:
        raise bad_request(f"Invalid value for '{name}': must be {low} to {high}.", name)
    return number


def is_deepgram_model(name: str) -> bool:
    """Whether ``name`` is one of Deepgram's models (which mean the default model here)."""
    lowered = name.lower()
    return lowered in DEEPGRAM_MODEL_NAMES or lowered.startswith(DEEPGRAM_MODEL_PREFIXES)


async def load_model(service: Service, name: str) -> LoadedModel:
    """The model ``name`` picks: an installed id, else the default for Deepgram's names; a
    400 for any other name, as Deepgram answers an unknown model."""
    try:
        return await service.model(name)
    except ApiError as exc:
        if exc.code != "model_not_found":
            raise
        if is_deepgram_model(name):
            return await service.model(DEFAULT_MODEL)
        raise ApiError(
            400,
            f"No such model: '{name[:120]}' is neither installed on this server nor one of "
            "Deepgram's model names (which mean the server's default model).",
            param="model",
            code="model_not_found",
        ) from exc


def _language(query: Query) -> tuple[str | None, bool]:
    detect = _flag(query, "detect_language")
    value = _last(query, "language")
    if detect:
        return None, True
    if not value:
        return "en", False
    if value.lower() == "multi":
        return None, True
    primary = value.split("-", 1)[0].lower()
    if not is_language_code(primary):
        raise bad_request(f"Invalid value for 'language': unknown language {value!r}.", "language")
    return to_whisper_code(primary), False


def _hotwords(query: Query) -> str | None:
    terms: list[str] = []
    for value in query.get("keyterm", ()):
        if value.strip():
            terms.append(value.strip())
    for value in query.get("keywords", ()):
        # Deepgram's intensifier (``word:2``) has no counterpart: the word itself is kept.
        word, _, _boost = value.partition(":")
        if word.strip():
            terms.append(word.strip())
    return " ".join(terms) or None


# Telephony's 8 kHz is the lowest rate in use; a lower one would make a small body hours
# of audio once resampled to 16 kHz.
MIN_SAMPLE_RATE = 8_000
MAX_SAMPLE_RATE = 384_000


def _encoding(query: Query) -> tuple[Encoding | None, int | None, int]:
    encoding = _last(query, "encoding")
    rate = _int(query, "sample_rate", MIN_SAMPLE_RATE, MAX_SAMPLE_RATE)
    channels = _int(query, "channels", 1, 32) or 1
    if encoding is None or encoding in CONTAINER_ENCODINGS:
        return None, rate, channels
    if encoding in UNSUPPORTED_ENCODINGS:
        raise bad_request(
            f"The encoding '{encoding}' is not supported by this server: send linear16, "
            "mulaw or alaw (with sample_rate), or audio in a container (no encoding).",
            "encoding",
        )
    if encoding not in PCM_ENCODINGS:
        message = f"Invalid value for 'encoding': unknown encoding {encoding!r}."
        raise bad_request(message, "encoding")
    if rate is None:
        raise bad_request(
            f"The sample_rate parameter is required when encoding is '{encoding}'.", "sample_rate"
        )
    return encoding, rate, channels


def listen_options(query: Query) -> ListenOptions:
    """The options of a request; a 400 :class:`ApiError` for what cannot be honoured."""
    if _flag(query, "multichannel"):
        raise bad_request(
            "Multichannel transcription is not available on this server: channels are mixed "
            "to one; remove 'multichannel'.",
            "multichannel",
        )
    language, detect = _language(query)
    encoding, rate, channels = _encoding(query)
    utt_split = _last(query, "utt_split")
    try:
        split = float(utt_split) if utt_split is not None else DEFAULT_UTT_SPLIT
    except ValueError:
        message = "Invalid value for 'utt_split': expected a number."
        raise bad_request(message, "utt_split") from None
    return ListenOptions(
        model=_last(query, "model") or DEFAULT_MODEL,
        language=language,
        detect_language=detect,
        punctuate=_flag(query, "punctuate"),
        smart_format=_flag(query, "smart_format"),
        numerals=_flag(query, "numerals"),
        utterances=_flag(query, "utterances"),
        paragraphs=_flag(query, "paragraphs"),
        diarize=_diarize(query),
        utt_split=max(split, 0.0),
        hotwords=_hotwords(query),
        encoding=encoding,
        sample_rate=rate,
        channels=channels,
    )


def _diarize(query: Query) -> bool:
    return _flag(query, "diarize") or bool(_last(query, "diarize_model"))


def live_options(query: Query) -> LiveOptions:
    endpointing = _last(query, "endpointing")
    endpointing_ms: int | None = DEFAULT_ENDPOINTING_MS
    if endpointing is not None and endpointing.lower() == "false":
        endpointing_ms = None
    elif endpointing is not None and endpointing.lower() != "true":
        endpointing_ms = _int(query, "endpointing", 0, MAX_ENDPOINTING_MS)
    return LiveOptions(
        interim_results=_flag(query, "interim_results"),
        endpointing_ms=endpointing_ms,
        utterance_end_ms=_int(query, "utterance_end_ms", 1, MAX_UTTERANCE_END_MS),
        vad_events=_flag(query, "vad_events"),
    )
