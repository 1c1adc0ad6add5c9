"""Tests of the transport-neutral live-transcription core (whisperd.live)."""
