"""Run numpy's matrix products on one OpenBLAS thread in the calling thread.

The encoder multiplies small matrices thousands of times; OpenBLAS's worker threads then cost
far more than they save, above all when the cores are busy with transcription. OpenBLAS's
thread-local setting leaves every other thread of the process alone. Without a matching
OpenBLAS this is a no-op.
"""

from __future__ import annotations

import ctypes
import functools
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import numpy as np


@functools.cache
def _set_threads_local() -> Callable[[int], int] | None:
    libs = Path(np.__file__).resolve().parent.parent / "numpy.libs"
    for path in sorted(libs.glob("*openblas*.so*")):
        try:
            lib = ctypes.CDLL(str(path))
            fn = lib.openblas_set_num_threads_local
        except (OSError, AttributeError):
            continue
        fn.argtypes = [ctypes.c_int]
        fn.restype = ctypes.c_int
        return fn
    return None


@contextmanager
def one_blas_thread() -> Iterator[None]:
    fn = _set_threads_local()
    if fn is None:
        yield
        return
    previous = fn(1)
    try:
        yield
    finally:
        fn(max(1, previous))
