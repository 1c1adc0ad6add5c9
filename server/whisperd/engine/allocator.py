"""glibc's allocator, tuned for a process whose inference threads free and reuse large buffers."""

from __future__ import annotations

import ctypes
import functools
import os

_M_ARENA_MAX = -8  # from glibc's malloc.h


@functools.cache
def _glibc() -> ctypes.CDLL | None:
    try:
        libc = ctypes.CDLL(None)
    except (OSError, TypeError):  # no C library to look in (Windows)
        return None
    return libc if hasattr(libc, "mallopt") and hasattr(libc, "malloc_trim") else None


def trim() -> None:
    """Give what was freed back to the system."""
    libc = _glibc()
    if libc is not None:
        libc.malloc_trim(0)


def limit_arenas(arenas: int = 2) -> bool:
    """Cap glibc's malloc arenas. By default a thread that contends gets its own (up to 8 per
    core), keeps the buffers it freed there, and the process grows with every inference thread
    that has run. ``MALLOC_ARENA_MAX`` set by the user wins. True when the cap was set."""
    libc = _glibc()
    if libc is None or os.environ.get("MALLOC_ARENA_MAX"):
        return False
    return bool(libc.mallopt(_M_ARENA_MAX, arenas) == 1)
