"""Read a PyTorch checkpoint into numpy arrays, without torch.

Two formats: the legacy one is a run of pickles (magic number, protocol version, system info,
the object tree, the list of storage keys) followed by each storage as an 8-byte element count
and its raw little-endian bytes; the zip one (``torch.save`` since 1.6) holds the object tree in
``<root>/data.pkl`` and each storage's raw bytes in ``<root>/data/<key>``. Only the handful of
globals a state dict needs are allowed, so a crafted file cannot run code.
"""

from __future__ import annotations

import collections
import pickle
import struct
import zipfile
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

import numpy as np

MAGIC_NUMBER = 0x1950A86A20F9469CFC6C
PROTOCOL_VERSION = 1001

_STORAGE_DTYPES: dict[str, np.dtype[Any]] = {
    "FloatStorage": np.dtype("<f4"),
    "DoubleStorage": np.dtype("<f8"),
    "HalfStorage": np.dtype("<f2"),
    "LongStorage": np.dtype("<i8"),
    "IntStorage": np.dtype("<i4"),
    "ShortStorage": np.dtype("<i2"),
    "CharStorage": np.dtype("i1"),
    "ByteStorage": np.dtype("u1"),
    "BoolStorage": np.dtype("?"),
}


class CheckpointError(Exception):
    """The file is not a legacy PyTorch checkpoint this reader understands."""


@dataclass(frozen=True)
class _StorageType:
    dtype: np.dtype[Any]


class _Storage:
    def __init__(self, dtype: np.dtype[Any], size: int) -> None:
        self.dtype = dtype
        self.size = size
        self.data: np.ndarray | None = None


@dataclass(frozen=True)
class _TensorRef:
    storage: _Storage
    offset: int
    shape: tuple[int, ...]
    stride: tuple[int, ...]

    def materialise(self) -> np.ndarray:
        if self.storage.data is None:
            raise CheckpointError("a tensor refers to a storage the file does not hold")
        base = self.storage.data
        if not self.shape:
            return np.array(base[self.offset])
        end = self.offset + sum((n - 1) * s for n, s in zip(self.shape, self.stride, strict=True))
        if end >= base.size:
            raise CheckpointError("a tensor reaches past the end of its storage")
        view = np.lib.stride_tricks.as_strided(
            base[self.offset :],
            shape=self.shape,
            strides=tuple(s * base.itemsize for s in self.stride),
            writeable=False,
        )
        return np.array(view)


def _rebuild_tensor(storage: _Storage, offset: int, shape: Any, stride: Any, *_: Any) -> _TensorRef:
    return _TensorRef(storage, int(offset), tuple(shape), tuple(stride))


class _Unpickler(pickle.Unpickler):
    def __init__(self, file: IO[bytes]) -> None:
        super().__init__(file)
        self.storages: dict[str, _Storage] = {}

    def find_class(self, module: str, name: str) -> Any:
        if (module, name) == ("collections", "OrderedDict"):
            return collections.OrderedDict
        if (module, name) == ("torch._utils", "_rebuild_tensor_v2"):
            return _rebuild_tensor
        if module == "torch" and name in _STORAGE_DTYPES:
            return _StorageType(_STORAGE_DTYPES[name])
        raise pickle.UnpicklingError(f"global {module}.{name} is not allowed in a checkpoint")

    def persistent_load(self, pid: Any) -> Any:
        if not (isinstance(pid, tuple) and len(pid) >= 5 and pid[0] == "storage"):
            raise pickle.UnpicklingError("unknown persistent id")
        storage_type, key, _location, size = pid[1:5]
        if not isinstance(storage_type, _StorageType):
            raise pickle.UnpicklingError("unknown storage type")
        storage = self.storages.get(key)
        if storage is None:
            storage = self.storages[key] = _Storage(storage_type.dtype, int(size))
        return storage


def _safe_load(file: IO[bytes]) -> Any:
    return _Unpickler(file).load()


def _to_arrays(obj: Any) -> Any:
    if isinstance(obj, _TensorRef):
        return obj.materialise()
    if isinstance(obj, dict):
        return {k: _to_arrays(v) for k, v in obj.items()}
    if isinstance(obj, list):
        return [_to_arrays(v) for v in obj]
    if isinstance(obj, tuple):
        return tuple(_to_arrays(v) for v in obj)
    return obj


def load_legacy_checkpoint(path: Path) -> Any:
    """Return the checkpoint's object tree with every tensor as a numpy array."""
    with path.open("rb") as f:
        try:
            magic = _safe_load(f)
            if magic != MAGIC_NUMBER:
                raise CheckpointError(f"{path} is not a legacy PyTorch checkpoint")
            if _safe_load(f) != PROTOCOL_VERSION:
                raise CheckpointError(f"{path} has an unsupported protocol version")
            sys_info = _safe_load(f)
            if not (isinstance(sys_info, dict) and sys_info.get("little_endian", False)):
                raise CheckpointError(f"{path} was not written on a little-endian machine")
            unpickler = _Unpickler(f)
            tree = unpickler.load()
            keys = _safe_load(f)
        except (pickle.UnpicklingError, EOFError, ValueError, TypeError) as exc:
            raise CheckpointError(f"{path}: {exc}") from exc
        for key in keys:
            storage = unpickler.storages.get(key)
            if storage is None:
                raise CheckpointError(f"{path}: storage {key!r} is listed but unused")
            header = f.read(8)
            if len(header) != 8:
                raise CheckpointError(f"{path} is truncated")
            (count,) = struct.unpack("<q", header)
            raw = f.read(count * storage.dtype.itemsize)
            if count != storage.size or len(raw) != count * storage.dtype.itemsize:
                raise CheckpointError(f"{path}: storage {key!r} is truncated or mis-sized")
            storage.data = np.frombuffer(raw, dtype=storage.dtype)
    return _to_arrays(tree)


def load_zip_checkpoint(path: Path) -> Any:
    """Return a zip-format checkpoint's object tree with every tensor as a numpy array."""
    try:
        with zipfile.ZipFile(path) as archive:
            pickles = [n for n in archive.namelist() if n.endswith("/data.pkl")]
            if len(pickles) != 1:
                raise CheckpointError(f"{path} holds no single data.pkl")
            root = pickles[0][: -len("data.pkl")]
            with archive.open(pickles[0]) as f:
                unpickler = _Unpickler(f)
                tree = unpickler.load()
            for key, storage in unpickler.storages.items():
                try:
                    raw = archive.read(f"{root}data/{key}")
                except KeyError as exc:
                    raise CheckpointError(f"{path}: storage {key!r} is missing") from exc
                if len(raw) != storage.size * storage.dtype.itemsize:
                    raise CheckpointError(f"{path}: storage {key!r} is mis-sized")
                storage.data = np.frombuffer(raw, dtype=storage.dtype)
    except (pickle.UnpicklingError, EOFError, ValueError, TypeError, zipfile.BadZipFile) as exc:
        raise CheckpointError(f"{path}: {exc}") from exc
    return _to_arrays(tree)


def load_checkpoint(path: Path) -> Any:
    """Either format, told apart by the file's first bytes."""
    if zipfile.is_zipfile(path):
        return load_zip_checkpoint(path)
    return load_legacy_checkpoint(path)
