"""glibc's allocator, tuned for a process whose inference threads free and reuse large buffers."""

from __future__ import annotations

import ctypes
import functools
import os

_M_ARENA_MAX = -8  # from glibc's malloc.h


class _MallInfo2(ctypes.Structure):
    _fields_ = [  # struct mallinfo2, glibc 2.33 and later
        (name, ctypes.c_size_t)
        for name in (
            "arena",
            "ordblks",
            "smblks",
            "hblks",
            "hblkhd",
            "usmblks",
            "fsmblks",
            "uordblks",
            "fordblks",
            "keepcost",
        )
    ]


@functools.cache
def _glibc() -> ctypes.CDLL | None:
    try:
        libc = ctypes.CDLL(None)
    except (OSError, TypeError):  # no C library to look in (Windows)
        return None
    if not (hasattr(libc, "mallopt") and hasattr(libc, "malloc_trim")):
        return None
    if hasattr(libc, "mallinfo2"):
        libc.mallinfo2.restype = _MallInfo2
    return libc


def trim() -> None:
    """Give what was freed back to the system."""
    libc = _glibc()
    if libc is not None:
        libc.malloc_trim(0)


def in_use() -> int | None:
    """Bytes malloc has handed out and not had back (its arenas' chunks and its mmapped
    ones): what a leak raises, unlike the resident size, which also holds what was freed
    and kept. None without glibc 2.33's ``mallinfo2``."""
    libc = _glibc()
    if libc is None or not hasattr(libc, "mallinfo2"):
        return None
    info = libc.mallinfo2()
    return int(info.uordblks + info.hblkhd)


def limit_arenas(arenas: int = 2) -> bool:
    """Cap glibc's malloc arenas. By default a thread that contends gets its own (up to 8 per
    core), keeps the buffers it freed there, and the process grows with every inference thread
    that has run. ``MALLOC_ARENA_MAX`` set by the user wins. True when the cap was set."""
    libc = _glibc()
    if libc is None or os.environ.get("MALLOC_ARENA_MAX"):
        return False
    return bool(libc.mallopt(_M_ARENA_MAX, arenas) == 1)
