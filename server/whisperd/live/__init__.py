"""Transport-neutral parts of live transcription.

Each module has one job and no I/O: :mod:`.pcm` turns incoming audio bytes into 16 kHz mono
float32, :mod:`.vad` runs Silero VAD frame by frame, :mod:`.turns` detects turns on the
session's audio clock, and :mod:`.agreement` confirms partial transcripts with
LocalAgreement-n. The Realtime and Deepgram sessions wire them together.
"""
