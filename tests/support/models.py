"""Models loaded in the test process, as the server loads them (two CPU threads)."""

from __future__ import annotations

from pathlib import Path

from whisperd.store.manager import ModelManager, RuntimeOptions


def model_manager(cache_dir: Path, default_model: str, max_loaded: int = 2) -> ModelManager:
    return ModelManager(
        default_model=default_model,
        cache_dir=cache_dir,
        runtime=RuntimeOptions(cpu_threads=2),
        max_loaded=max_loaded,
    )
