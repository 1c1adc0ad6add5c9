"""whisperd: a local speech-to-text server that speaks the OpenAI Audio API."""

import os

__version__ = "0.1.0"

# whisperd stays local: ONNX Runtime (the VAD) sends usage telemetry to Microsoft from Linux
# too since 1.29 unless this is set before it loads.
os.environ.setdefault("ORT_DISABLE_TELEMETRY", "1")
