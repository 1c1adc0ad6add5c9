"""One Realtime transcription session: client events in, server events out, in the dialect
the client speaks (GA ``session.*`` events, or beta ``transcription_session.*``).

The session turns the protocol into calls on the transport-neutral
:class:`~whisperd.live.transcriber.LiveTranscriber` and its events back into OpenAI's
(``speech_started`` ... ``completed``). Every bad client event is answered with one
``error`` event and the session goes on.
"""

from __future__ import annotations

import base64
import binascii
import contextlib
import logging
import math
import typing as t
from collections.abc import Callable
from dataclasses import dataclass

from whisperd.api.plan import DIARIZE_MODEL
from whisperd.core.service import Service
from whisperd.engine.audio import SAMPLE_RATE
from whisperd.errors import ApiError
from whisperd.live.pcm import PcmDecoder, openai_format
from whisperd.live.transcriber import (
    IdleTimedOut,
    LiveEvent,
    LiveSettings,
    LiveTranscriber,
    SpeechBegan,
    SpeechEnded,
    TextConfirmed,
    TurnCommitted,
    TurnCompleted,
    TurnFailed,
)
from whisperd.live.turns import ServerVad
from whisperd.realtime import config as cfg
from whisperd.realtime.protocol import (
    Dialect,
    check_client_event,
    decode_frame,
    error_event,
    invalid_event,
    new_id,
)

logger = logging.getLogger("whisperd.realtime")

Send = Callable[[dict[str, t.Any]], None]
PROTOCOL = "openai-realtime"


@dataclass(frozen=True)
class SessionLimits:
    max_append_bytes: int
    max_buffer_seconds: float
    session_seconds: float


class RealtimeSession:
    def __init__(
        self,
        service: Service,
        dialect: Dialect,
        send: Send,
        limits: SessionLimits,
        model: str | None = None,
    ) -> None:
        self.service = service
        self.dialect = dialect
        self._send = send
        self.limits = limits
        self.config = cfg.SessionConfig.new(new_id("sess"), model, limits.session_seconds)
        self._decoder = PcmDecoder(openai_format(self.config.format))
        self._live: LiveTranscriber | None = None
        self._transcripts: dict[str, str | None] = {}  # item id -> transcript, for retrieve

    @property
    def id(self) -> str:
        return self.config.id

    async def open(self) -> None:
        """Start the session (its model loads) and send the first event."""
        live = LiveTranscriber(
            self.service,
            self._live_settings(),
            self._turn_detection(),
            self._on_live_event,
            lambda: new_id("item"),
        )
        await live.start()
        self._live = live
        self._send_session("created")

    async def finish(self, timeout: float) -> None:
        """Before the server goes away: the open turn (speech heard, or a manual buffer) is
        committed, and the committed turns transcribed, within ``timeout``."""
        if self._live is None:
            return
        self._live.append(self._decoder.flush())
        if self._live.in_turn:
            with contextlib.suppress(ApiError):  # less than a commit's worth of audio
                self._live.commit()
        await self._live.settle(timeout)

    async def close(self) -> None:
        if self._live is not None:
            await self._live.close()

    # Client events

    async def handle_text(self, text: str) -> None:
        event_id: str | None = None
        try:
            event = decode_frame(text)
            if isinstance(event.get("event_id"), str):
                event_id = event["event_id"]
            check_client_event(event)
            await self._dispatch(event)
        except ApiError as exc:
            self._send(error_event(exc, event_id))

    def handle_binary(self) -> None:
        self._send(
            error_event(
                invalid_event("Expected a text WebSocket message; binary frames are not supported.")
            )
        )

    async def _dispatch(self, event: dict[str, t.Any]) -> None:
        kind = event["type"]
        if kind == "input_audio_buffer.append":
            self._append(event["audio"])
        elif kind == "session.update":
            await self._update(cfg.apply_ga(self.config, event["session"]), "ga")
        elif kind == "transcription_session.update":
            await self._update(cfg.apply_beta(self.config, event["session"]), "beta")
        elif kind == "input_audio_buffer.commit":
            live = self._require_live()
            live.append(self._decoder.flush())  # the resampler's look-ahead belongs in it
            live.commit()
        elif kind == "input_audio_buffer.clear":
            self._require_live().clear()
            self._decoder = PcmDecoder(openai_format(self.config.format))
            self._emit("input_audio_buffer.cleared")
        elif kind == "conversation.item.retrieve":
            self._emit("conversation.item.retrieved", item=self._item(event["item_id"]))
        elif kind == "conversation.item.delete":
            self._item(event["item_id"])
            del self._transcripts[event["item_id"]]
            self._emit("conversation.item.deleted", item_id=event["item_id"])

    def _append(self, encoded: str) -> None:
        limit = self.limits.max_append_bytes
        if len(encoded) > math.ceil(limit / 3) * 4:
            raise invalid_event(
                f"Audio too large: an append may carry at most {limit} bytes of audio.",
                "invalid_value",
                "audio",
            )
        try:
            audio = base64.b64decode(encoded, validate=True)
        except (binascii.Error, ValueError) as exc:
            raise invalid_event(
                "Invalid 'audio': expected base64-encoded audio bytes.", "invalid_value", "audio"
            ) from exc
        live = self._require_live()
        samples = self._decoder.push(audio)
        buffered = live.buffered_seconds + len(samples) / SAMPLE_RATE
        if buffered > self.limits.max_buffer_seconds:
            raise invalid_event(
                f"The input audio buffer is full: it holds at most "
                f"{self.limits.max_buffer_seconds:g} seconds of uncommitted audio. Commit or "
                "clear it.",
                "input_audio_buffer_full",
                "audio",
            )
        live.append(samples)

    async def _update(self, config: cfg.SessionConfig, dialect: Dialect) -> None:
        self.dialect = dialect
        format_changed = config.format != self.config.format
        await self._require_live().reconfigure(
            self._live_settings(config), self._turn_detection(config)
        )
        self.config = config
        if format_changed:
            self._decoder = PcmDecoder(openai_format(config.format))
        self._send_session("updated")

    def _require_live(self) -> LiveTranscriber:
        assert self._live is not None, "the session is open"
        return self._live

    def _item(self, item_id: str) -> dict[str, t.Any]:
        if item_id not in self._transcripts:
            raise invalid_event(
                f"Item with item_id '{item_id}' not found.", "item_not_found", "item_id"
            )
        return _user_item(item_id, self._transcripts[item_id])

    # Settings

    def _live_settings(self, config: cfg.SessionConfig | None = None) -> LiveSettings:
        config = config or self.config
        transcription = config.transcription or cfg.Transcription()
        return LiveSettings(
            model=transcription.model,
            language=transcription.language,
            prompt=transcription.prompt,
            logprobs=config.logprobs,
            diarize=transcription.model == DIARIZE_MODEL,
        )

    def _turn_detection(self, config: cfg.SessionConfig | None = None) -> ServerVad | None:
        turn = (config or self.config).turn_detection
        if turn is None:
            return None
        return ServerVad(
            threshold=turn.threshold,
            prefix_padding_ms=turn.prefix_padding_ms,
            silence_duration_ms=turn.silence_duration_ms,
            idle_timeout_ms=turn.idle_timeout_ms,
        )

    # Server events

    def _emit(self, kind: str, **fields: t.Any) -> None:
        self._send({"type": kind, "event_id": new_id("event"), **fields})

    def _send_session(self, verb: t.Literal["created", "updated"]) -> None:
        if self.dialect == "ga":
            self._emit(f"session.{verb}", session=cfg.ga_session(self.config))
        else:
            self._emit(f"transcription_session.{verb}", session=cfg.beta_session(self.config))

    def _on_live_event(self, event: LiveEvent) -> None:
        transcribing = self.config.transcription is not None
        if isinstance(event, SpeechBegan):
            self._emit(
                "input_audio_buffer.speech_started",
                audio_start_ms=event.audio_start_ms,
                item_id=event.item_id,
            )
        elif isinstance(event, SpeechEnded):
            self._emit(
                "input_audio_buffer.speech_stopped",
                audio_end_ms=event.audio_end_ms,
                item_id=event.item_id,
            )
        elif isinstance(event, IdleTimedOut) and self.dialect == "ga":
            self._emit(
                "input_audio_buffer.timeout_triggered",
                audio_start_ms=event.audio_start_ms,
                audio_end_ms=event.audio_end_ms,
                item_id=event.item_id,
            )
        elif isinstance(event, TurnCommitted):
            self._on_committed(event)
        elif isinstance(event, TextConfirmed) and transcribing:
            self._delta(event.item_id, event.delta)
        elif isinstance(event, TurnCompleted):
            self._on_completed(event)
        elif isinstance(event, TurnFailed):
            self._emit(
                "conversation.item.input_audio_transcription.failed",
                item_id=event.item_id,
                content_index=0,
                error={
                    "type": event.error.type,
                    "code": event.error.code,
                    "message": event.error.message,
                    "param": event.error.param,
                },
            )

    def _on_committed(self, event: TurnCommitted) -> None:
        self._transcripts[event.item_id] = None
        self.service.metrics.live_turns.labels(PROTOCOL).inc()
        previous = event.previous_item_id
        self._emit("input_audio_buffer.committed", previous_item_id=previous, item_id=event.item_id)
        item = _user_item(event.item_id, None)
        if self.dialect == "ga":
            self._emit("conversation.item.added", previous_item_id=previous, item=item)
            self._emit("conversation.item.done", previous_item_id=previous, item=item)
        else:
            self._emit("conversation.item.created", previous_item_id=previous, item=item)

    def _delta(self, item_id: str, delta: str, logprobs: list[t.Any] | None = None) -> None:
        fields: dict[str, t.Any] = {"item_id": item_id, "content_index": 0, "delta": delta}
        if self.config.logprobs:
            fields["logprobs"] = logprobs or []
        self._emit("conversation.item.input_audio_transcription.delta", **fields)

    def _on_completed(self, event: TurnCompleted) -> None:
        if self.config.transcription is None:
            return
        if event.delta:
            self._delta(event.item_id, event.delta, event.logprobs)
        if event.item_id in self._transcripts:
            self._transcripts[event.item_id] = event.transcript
        fields: dict[str, t.Any] = {
            "item_id": event.item_id,
            "content_index": 0,
            "transcript": event.transcript,
            "usage": {"type": "duration", "seconds": math.ceil(event.duration_seconds)},
        }
        if self.config.logprobs:
            fields["logprobs"] = event.logprobs or []
        if self.dialect == "ga":  # the beta protocol has no segment event
            for index, segment in enumerate(event.speakers):
                self._emit(
                    "conversation.item.input_audio_transcription.segment",
                    item_id=event.item_id,
                    content_index=0,
                    id=f"seg_{index}",
                    speaker=segment.speaker,
                    start=round(segment.start, 3),
                    end=round(segment.end, 3),
                    text=segment.text,
                )
        self._emit("conversation.item.input_audio_transcription.completed", **fields)


def _user_item(item_id: str, transcript: str | None) -> dict[str, t.Any]:
    return {
        "id": item_id,
        "object": "realtime.item",
        "type": "message",
        "status": "completed",
        "role": "user",
        "content": [{"type": "input_audio", "transcript": transcript}],
    }
