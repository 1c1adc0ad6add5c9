"""Progress lines on stderr, so a long run shows where it is (stdout stays for the summary)."""

from __future__ import annotations

import sys
import time

_STARTED = time.monotonic()


def log(message: str) -> None:
    elapsed = time.monotonic() - _STARTED
    print(f"[bench {elapsed:7.1f}s] {message}", file=sys.stderr, flush=True)
