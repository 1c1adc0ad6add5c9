"""whisperd: a local speech-to-text server that speaks the OpenAI Audio API."""

__version__ = "0.1.0"
