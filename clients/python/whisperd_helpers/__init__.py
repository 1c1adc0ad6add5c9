"""Hand-written helpers beside the generated ``whisperd_client`` package.

The generated client covers every JSON response. Three things the spec declares are
beyond what openapi-python-client can express, and these helpers add them on top of the
generated request models, so requests are still built from the spec:

- ``text``, ``srt`` and ``vtt`` answers are ``text/plain`` (the generator parses every
  200 as JSON): :func:`transcribe_text`, :func:`translate_text`;
- ``stream=true`` answers server-sent events: :func:`stream_transcription`,
  :func:`stream_translation`;
- errors come back as ``ErrorResponse`` values; :class:`WhisperdError` and
  :func:`unwrap` turn them into an exception for code that prefers one.
"""

from whisperd_helpers.errors import WhisperdError, unwrap
from whisperd_helpers.streaming import StreamEvent, stream_transcription, stream_translation
from whisperd_helpers.text import transcribe_text, translate_text

__all__ = [
    "StreamEvent",
    "WhisperdError",
    "stream_transcription",
    "stream_translation",
    "transcribe_text",
    "translate_text",
    "unwrap",
]
