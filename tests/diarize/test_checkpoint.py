from __future__ import annotations

import pickle
from pathlib import Path

import numpy as np
import pytest
from whisperd.diarize.checkpoint import (
    MAGIC_NUMBER,
    PROTOCOL_VERSION,
    CheckpointError,
    load_legacy_checkpoint,
)
from whisperd.diarize.embedding import EMBEDDING_SIZE, SpeakerEncoder, find_weights


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


def test_resemblyzer_weights_have_the_ge2e_shapes() -> None:
    try:
        path = find_weights()
    except Exception as exc:  # WeightsNotFoundError
        pytest.skip(str(exc))
    state = load_legacy_checkpoint(path)["model_state"]
    assert state["lstm.weight_ih_l0"].shape == (1024, 40)
    for layer in (1, 2):
        assert state[f"lstm.weight_ih_l{layer}"].shape == (1024, 256)
    assert state["linear.weight"].shape == (EMBEDDING_SIZE, 256)
    assert all(np.isfinite(v).all() for v in state.values())


def test_an_npz_export_loads_to_the_same_encoder(encoder: SpeakerEncoder, tmp_path: Path) -> None:
    state = load_legacy_checkpoint(find_weights())["model_state"]
    np.savez(tmp_path / "ge2e.npz", **state)
    other = SpeakerEncoder.load(tmp_path / "ge2e.npz")
    x = np.random.default_rng(0).normal(scale=0.05, size=32000).astype(np.float32)
    np.testing.assert_allclose(other.embed(x), encoder.embed(x), rtol=1e-6, atol=1e-6)
