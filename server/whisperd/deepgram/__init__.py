"""Deepgram's speech-to-text protocol (``/v1/listen``, pre-recorded and live) on the same
core as the OpenAI API: :mod:`.options` reads the query, :mod:`.results` writes the answers,
:mod:`.rest` is ``POST /v1/listen``, :mod:`.socket` the WebSocket and :mod:`.session` the
live session over :class:`whisperd.live.transcriber.LiveTranscriber`."""

# Deepgram's route, for pre-recorded audio (POST) and the live socket (GET, upgraded).
LISTEN_PATH = "/v1/listen"
