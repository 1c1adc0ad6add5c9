"""whisperd sends nothing out of the machine: ONNX Runtime's telemetry is off in every
process that imports whisperd, set before ONNX Runtime loads."""

from __future__ import annotations

import os
import subprocess
import sys

PROBE = """
import os, sys
import whisperd.live.vad
assert "onnxruntime" in sys.modules
print(os.environ.get("ORT_DISABLE_TELEMETRY"))
"""


def test_onnx_runtime_telemetry_is_off_once_whisperd_is_imported() -> None:
    env = {k: v for k, v in os.environ.items() if k != "ORT_DISABLE_TELEMETRY"}
    result = subprocess.run(
        [sys.executable, "-c", PROBE], env=env, capture_output=True, text=True, timeout=60
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "1"
