"""Server settings: one dataclass, filled from defaults, a config file, ``WHISPERD_*``
environment variables and command-line flags, later sources winning.

Every field declares its environment variable and flag here, so the CLI, the environment
and the README's configuration table (``whisperd settings --markdown``) come from one place.
"""

from __future__ import annotations

import argparse
import dataclasses
import ipaddress
import os
import sys
import typing as t
from dataclasses import dataclass, field
from pathlib import Path

if sys.version_info >= (3, 11):
    import tomllib
else:  # Python 3.10: the same parser, packaged
    import tomli as tomllib


def _default_cache_dir() -> str:
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return str(Path(base) / "whisperd" / "models")


def setting(default: t.Any, help: str, *, choices: tuple[str, ...] = ()) -> t.Any:
    return field(default=default, metadata={"help": help, "choices": choices})


def is_loopback_host(host: str) -> bool:
    """Whether ``host`` (an address or ``localhost``) is reachable from this machine only."""
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return host == "localhost"


@dataclass(frozen=True)
class Settings:
    host: str = setting("127.0.0.1", "Address to listen on. Loopback by default.")
    port: int = setting(50060, "Port to listen on.")
    model: str = setting(
        "base", "Default model: a model id (tiny.en, base, small...) or a model directory."
    )
    device: str = setting("auto", "Where to run models.", choices=("auto", "cpu", "cuda"))
    compute_type: str = setting(
        "default", "CTranslate2 compute type; default is int8 on CPU and float16 on CUDA."
    )
    cpu_threads: int = setting(0, "CPU threads per inference; 0 divides the cores among workers.")
    workers: int = setting(
        1,
        "Inferences that run at the same time; 0: one single-threaded inference per core "
        "(at most 4) on CPU, for many concurrent short requests.",
    )
    batch_requests: int = setting(
        0,
        "Concurrent requests decoded together in one model call (their windows stacked in a "
        "batch), side by side on one single-threaded model replica per core while more than "
        "one runs (CPU); 1 decodes each alone, 0 picks for the device (8 on CPU, 1 on CUDA).",
    )
    batch_wait_ms: float = setting(
        20.0, "How long a batch waits for the other running requests' next call, in ms."
    )
    max_queue: int = setting(16, "Requests that may wait for a worker before 429 answers.")
    max_upload_bytes: int = setting(25 * 1024 * 1024, "Largest request body, in bytes (413 above).")
    max_audio_seconds: float = setting(7200.0, "Longest audio accepted, in seconds (400 above).")
    beam_size: int = setting(5, "Default beam width for deterministic decoding.")
    sampling_seed: int = setting(
        0,
        "Seed of sampled decoding (a temperature above 0, or the temperature fallback), so "
        "the same audio and settings give the same text; -1: unseeded, no spare model copy.",
    )
    stream_first_window_seconds: float = setting(
        10.0,
        "A stream of audio over 30 s decodes its first seconds (up to this many into the "
        "speech, ending in a pause) as a window of their own, so its first words come "
        "sooner; 0 keeps whole windows.",
    )
    batch_size: int = setting(
        4,
        "Decode long audio as pieces of at most 30 s cut at pauses, this many at a time, "
        "for answers without segment timestamps (json, text, verbose_json with words "
        "alone, Deepgram's REST); 0 or 1 decodes window after window.",
    )
    batch_min_seconds: float = setting(
        120.0, "Audio at least this long is decoded in batches when batch_size is over 1."
    )
    vad_filter: bool = setting(
        False, "Drop non-speech with Silero VAD unless a request says not to."
    )
    cache_dir: str = setting(_default_cache_dir(), "Where models are assembled and downloaded.")
    allow_local_model_paths: bool = setting(
        False, "Let requests name a model by its directory path."
    )
    max_loaded_models: int = setting(2, "Models kept in memory at once (least recently used go).")
    model_idle_ttl: float = setting(
        0.0, "Unload a non-default model idle this many seconds; 0 never."
    )
    api_key: str = setting(
        "", "API keys clients must send as Bearer tokens (comma-separated); empty: open."
    )
    api_keys_file: str = setting("", "A file of API keys, one per line (# starts a comment).")
    upload_stall_timeout: float = setting(
        30.0, "Drop an upload that sends no bytes for this many seconds (408); 0 never."
    )
    max_live_sessions: int = setting(
        8, "Live (WebSocket) sessions open at once; one more gets an error and is closed."
    )
    live_session_seconds: float = setting(
        3600.0, "Longest live session, in seconds (OpenAI: 60 minutes)."
    )
    live_max_append_bytes: int = setting(
        15 * 1024 * 1024, "Largest audio chunk of one live append, in bytes (OpenAI: 15 MiB)."
    )
    live_max_buffer_seconds: float = setting(
        600.0, "Longest uncommitted audio a live session may hold, in seconds."
    )
    live_idle_timeout: float = setting(
        300.0, "Close a live session whose client sends nothing for this many seconds."
    )
    deepgram_idle_timeout: float = setting(
        10.0, "Close a Deepgram live socket silent for this many seconds (Deepgram: 10)."
    )
    tls_cert: str = setting("", "TLS certificate file (PEM): serve https:// and wss://.")
    tls_key: str = setting("", "TLS private key file (PEM) of the certificate.")
    shutdown_timeout: float = setting(
        30.0,
        "On SIGTERM, seconds to let live sessions and running requests finish before "
        "cancelling them.",
    )
    ray_min_replicas: int = setting(1, "Ray Serve: fewest replicas (autoscaling floor).")
    ray_max_replicas: int = setting(
        1, "Ray Serve: most replicas, reached as ongoing requests grow."
    )
    ray_replica_cpus: float = setting(
        1.0, "Ray Serve: CPUs each replica reserves (its inference threads on CPU)."
    )
    ray_replica_gpus: float = setting(0.0, "Ray Serve: GPUs each replica reserves (0: none).")
    log_level: str = setting("info", "Log level.", choices=("debug", "info", "warning", "error"))
    log_format: str = setting(
        "json", "Log lines as JSON objects or plain text.", choices=("json", "text")
    )
    no_ui: bool = setting(False, "Do not serve the web page at / (it then answers 404).")

    @property
    def seed(self) -> int | None:
        """The sampling seed, None when sampling is unseeded."""
        return None if self.sampling_seed < 0 else self.sampling_seed

    @property
    def is_loopback(self) -> bool:
        return is_loopback_host(self.host)

    @staticmethod
    def env_var(name: str) -> str:
        return f"WHISPERD_{name.upper()}"

    @staticmethod
    def flag(name: str) -> str:
        return "--" + name.replace("_", "-")


def _fields() -> list[dataclasses.Field[t.Any]]:
    return list(dataclasses.fields(Settings))


def _convert(kind: t.Any, raw: t.Any, name: str) -> t.Any:
    if kind in (bool, "bool"):
        if isinstance(raw, bool):
            return raw
        lowered = str(raw).strip().lower()
        if lowered in ("1", "true", "yes", "on"):
            return True
        if lowered in ("0", "false", "no", "off", ""):
            return False
        raise ValueError(f"{name}: expected a boolean, got {raw!r}")
    if kind in (int, "int"):
        return int(raw)
    if kind in (float, "float"):
        return float(raw)
    return str(raw)


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """One flag per setting; unset flags stay None so lower-priority sources show through."""
    parser.add_argument("--config", help="A TOML file of settings (keys as in the table).")
    for f in _fields():
        kind = f.type
        help_text = f"{f.metadata['help']} [env {Settings.env_var(f.name)}]"
        if kind in (bool, "bool"):
            parser.add_argument(
                Settings.flag(f.name), dest=f.name, action=argparse.BooleanOptionalAction,
                default=None, help=help_text,
            )  # fmt: skip
        else:
            parser.add_argument(
                Settings.flag(f.name), dest=f.name, default=None, help=help_text,
                choices=f.metadata["choices"] or None,
            )  # fmt: skip


def load_settings(
    args: argparse.Namespace | None = None, environ: t.Mapping[str, str] | None = None
) -> Settings:
    environ = os.environ if environ is None else environ
    values: dict[str, t.Any] = {}
    config_path = getattr(args, "config", None) or environ.get("WHISPERD_CONFIG")
    if config_path:
        with open(config_path, "rb") as handle:
            config = tomllib.load(handle)
        known = {f.name for f in _fields()}
        unknown = sorted(set(config) - known)
        if unknown:
            raise ValueError(f"{config_path}: unknown settings {', '.join(unknown)}")
        values.update(config)
    for f in _fields():
        raw = environ.get(Settings.env_var(f.name))
        if raw is not None:
            values[f.name] = raw
        flag_value = getattr(args, f.name, None) if args is not None else None
        if flag_value is not None:
            values[f.name] = flag_value
    typed = {
        f.name: _convert(f.type, values[f.name], f.name) for f in _fields() if f.name in values
    }
    settings = Settings(**typed)
    _check(settings)
    return settings


def _check(settings: Settings) -> None:
    for f in _fields():
        choices = f.metadata["choices"]
        if choices and getattr(settings, f.name) not in choices:
            raise ValueError(f"{f.name} must be one of {', '.join(choices)}")
    if not 0 < settings.port < 65536:
        raise ValueError("port must be between 1 and 65535")
    if settings.workers < 0:
        raise ValueError("workers must be 0 (automatic) or more")
    if not -1 <= settings.sampling_seed < 2**32:
        raise ValueError("sampling_seed must be -1 (unseeded) or from 0 to 4294967295")
    if settings.max_upload_bytes < 1:
        raise ValueError("max_upload_bytes must be positive")
    if bool(settings.tls_cert) != bool(settings.tls_key):
        raise ValueError("tls_cert and tls_key go together")
    for name in ("tls_cert", "tls_key"):
        path = getattr(settings, name)
        if path and not Path(path).is_file():
            raise ValueError(f"{name}: {path} is not a file")
    if settings.max_live_sessions < 0:
        raise ValueError("max_live_sessions must be 0 (no live sessions) or more")
    if settings.ray_min_replicas < 0 or settings.ray_max_replicas < 1:
        raise ValueError("ray_min_replicas must be 0 or more, ray_max_replicas 1 or more")
    if settings.ray_replica_cpus < 0 or settings.ray_replica_gpus < 0:
        raise ValueError("ray_replica_cpus and ray_replica_gpus cannot be negative")
    if settings.api_keys_file and not Path(settings.api_keys_file).is_file():
        raise ValueError(f"api_keys_file: {settings.api_keys_file} is not a file")


def markdown_table() -> str:
    """The configuration table of the README."""
    lines = [
        "| Setting | Flag | Environment variable | Default | Meaning |",
        "|---|---|---|---|---|",
    ]
    for f in _fields():
        default = f.default if f.name != "cache_dir" else "~/.cache/whisperd/models"
        lines.append(
            f"| `{f.name}` | `{Settings.flag(f.name)}` | `{Settings.env_var(f.name)}` "
            f"| `{default}` | {f.metadata['help']} |"
        )
    return "\n".join(lines)
