"""Loading models on demand and keeping a bounded set of them in memory.

A model is loaded the first time a request names it, once even when many requests ask at
the same moment, and kept while it is used. At most ``max_loaded`` models stay in memory
(the least recently used is dropped first, never the default model), and a model idle for
longer than ``idle_ttl`` seconds is unloaded.
"""

from __future__ import annotations

import logging
import threading
import time
from collections import OrderedDict
from dataclasses import dataclass, field
from pathlib import Path

from whisperd.engine.device import Device
from whisperd.engine.whisper import Whisper
from whisperd.store.catalog import (
    KNOWN_MODELS,
    OPENAI_MODEL_ALIASES,
    InstalledModel,
    ModelNotFoundError,
    ModelUnavailableError,
    describe_directory,
    installed_models,
    is_model_directory,
    locate,
)

logger = logging.getLogger("whisperd.models")


@dataclass(frozen=True)
class RuntimeOptions:
    """How models are run (resolved, see :mod:`whisperd.core.sizing`): these apply to every
    model the manager loads."""

    device: Device = "cpu"
    compute_type: str = "int8"
    cpu_threads: int = 0  # per inference; 0: CTranslate2's default
    workers: int = 1  # inferences that may run at once on one model
    batch_requests: int = 1  # concurrent requests each worker decodes together
    batch_gather_seconds: float = 0.02


@dataclass
class LoadedModel:
    id: str
    path: Path
    whisper: Whisper
    loaded_at: float = field(default_factory=time.monotonic)
    last_used: float = field(default_factory=time.monotonic)

    @property
    def multilingual(self) -> bool:
        return self.whisper.multilingual

    @property
    def supported_languages(self) -> list[str]:
        return list(self.whisper.supported_languages)


@dataclass(frozen=True)
class ModelStatus:
    """An installed model as the server sees it now."""

    id: str
    installed_at: int
    size_bytes: int | None
    default: bool
    loaded: bool
    multilingual: bool
    languages: list[str]


class ModelManager:
    def __init__(
        self,
        *,
        default_model: str,
        cache_dir: Path,
        runtime: RuntimeOptions,
        allow_local_paths: bool = False,
        max_loaded: int = 2,
        idle_ttl: float | None = None,
    ) -> None:
        self.cache_dir = cache_dir
        self.runtime = runtime
        self.allow_local_paths = allow_local_paths
        self.max_loaded = max(1, max_loaded)
        self.idle_ttl = idle_ttl
        self.device = runtime.device
        self.compute_type = runtime.compute_type
        self.default_model = self._canonical_default(default_model)
        self._loaded: OrderedDict[str, LoadedModel] = OrderedDict()
        self._lock = threading.Lock()
        self._loading: dict[str, threading.Lock] = {}

    def _canonical_default(self, name: str) -> str:
        """The operator's ``--model``: a known id, or any model directory."""
        if name in KNOWN_MODELS:
            return name
        path = Path(name).expanduser()
        if is_model_directory(path):
            return str(path.resolve())
        raise ModelNotFoundError(name, hint="It is neither a known model id nor a model directory.")

    def resolve(self, requested: str) -> str:
        """The model id a request's ``model`` field refers to."""
        if requested in OPENAI_MODEL_ALIASES:
            return self.default_model
        if requested in KNOWN_MODELS or requested == self.default_model:
            return requested
        if _looks_like_path(requested):
            if not self.allow_local_paths:
                raise ModelNotFoundError(
                    requested, hint="Loading models from paths is disabled on this server."
                )
            path = Path(requested).expanduser().resolve()
            if not is_model_directory(path):
                raise ModelNotFoundError(requested, hint="No CTranslate2 model is at that path.")
            return str(path)
        raise ModelNotFoundError(requested)

    def get(self, model_id: str) -> LoadedModel:
        """The loaded model, loading it first if needed. Blocks: call it off the event loop."""
        with self._lock:
            loaded = self._loaded.get(model_id)
            if loaded is not None:
                self._loaded.move_to_end(model_id)
                loaded.last_used = time.monotonic()
                return loaded
            load_lock = self._loading.setdefault(model_id, threading.Lock())
        with load_lock:
            with self._lock:
                loaded = self._loaded.get(model_id)
                if loaded is not None:
                    return loaded
            loaded = self._load(model_id)
            with self._lock:
                self._loaded[model_id] = loaded
                self._evict_over_limit()
            return loaded

    def peek(self, model_id: str) -> LoadedModel | None:
        """The model if it is loaded, without loading it or touching its LRU position."""
        with self._lock:
            return self._loaded.get(model_id)

    def loaded_ids(self) -> list[str]:
        with self._lock:
            return list(self._loaded)

    def statuses(self) -> list[ModelStatus]:
        """Every installed model (and a default or loaded one given by its directory)."""
        return [self._status(model) for model in self._installed()]

    def _installed(self) -> list[InstalledModel]:
        installed = installed_models(self.cache_dir)
        ids = {model.id for model in installed}
        for model_id in [self.default_model, *self.loaded_ids()]:
            if model_id not in ids and model_id not in KNOWN_MODELS:
                loaded = self.peek(model_id)
                multilingual = loaded.multilingual if loaded else True
                installed.append(describe_directory(Path(model_id), multilingual))
                ids.add(model_id)
        return installed

    def _status(self, model: InstalledModel) -> ModelStatus:
        loaded = self.peek(model.id)
        return ModelStatus(
            id=model.id,
            installed_at=model.installed_at,
            size_bytes=model.size_bytes,
            default=model.id == self.default_model,
            loaded=loaded is not None,
            multilingual=loaded.multilingual if loaded else model.multilingual,
            languages=loaded.supported_languages if loaded else model.languages,
        )

    def unload_idle(self, now: float | None = None) -> list[str]:
        """Unload the models (but the default) not used for ``idle_ttl`` seconds."""
        if self.idle_ttl is None:
            return []
        now = time.monotonic() if now is None else now
        with self._lock:
            idle = [
                model_id
                for model_id, model in self._loaded.items()
                if model_id != self.default_model and now - model.last_used > self.idle_ttl
            ]
            for model_id in idle:
                del self._loaded[model_id]
        for model_id in idle:
            logger.info("unloaded idle model %s", model_id)
        return idle

    def _evict_over_limit(self) -> None:
        while len(self._loaded) > self.max_loaded:
            victim = next((m for m in self._loaded if m != self.default_model), None)
            if victim is None:
                return
            del self._loaded[victim]
            logger.info("unloaded model %s (more than %d loaded)", victim, self.max_loaded)

    def _load(self, model_id: str) -> LoadedModel:
        path = Path(model_id) if model_id not in KNOWN_MODELS else locate(model_id, self.cache_dir)
        started = time.monotonic()
        try:
            whisper = Whisper(
                str(path),
                device=self.device,
                compute_type=self.compute_type,
                cpu_threads=self.runtime.cpu_threads,
                num_workers=self.runtime.workers,
                batch_requests=self.runtime.batch_requests,
                batch_gather_seconds=self.runtime.batch_gather_seconds,
                local_files_only=True,
            )
        except (RuntimeError, ValueError, OSError) as exc:
            raise ModelUnavailableError(
                f"the model '{model_id}' could not be loaded: {exc}"
            ) from exc
        logger.info(
            "loaded model %s from %s on %s/%s in %.2f s",
            model_id, path, self.device, self.compute_type, time.monotonic() - started,
        )  # fmt: skip
        return LoadedModel(id=model_id, path=path, whisper=whisper)


def _looks_like_path(name: str) -> bool:
    return name.startswith(("/", "./", "../", "~")) or "/" in name or "\\" in name
