"""Check that whisperd installs, imports and serves on each supported Python besides the main one.

For each version: a light venv ``.venv-pyXY`` with the project alone (no extras, no model
packs), then ``import whisperd.app, whisperd.cli``, ``whisperd --version``, and a real server
configured by a TOML file (a free loopback port, a model directory from the main venv) that
must answer ``/ready``, transcribe one espeak-ng sentence and exit 0 on SIGTERM.

A version with no interpreter fails under CI (``CI=true``) and is skipped elsewhere. Prints one
line per version and ``N passed, M failed`` last; exits 1 if any failed.
"""

from __future__ import annotations

import argparse
import fcntl
import glob
import hashlib
import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import typing as t
import urllib.error
import urllib.request
import uuid
from dataclasses import dataclass, field
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
VERSIONS = ("3.10", "3.12", "3.13")
PIP_LOCK = "/tmp/whisperd-pip.lock"
SENTENCE = "The weather is nice today, and the sun is shining."
READY_TIMEOUT = 60.0
REQUEST_TIMEOUT = 60.0
STOP_TIMEOUT = 30.0
# Installed by venv and pip themselves, so no constraints file pins them.
UNPINNED_OK = {"pip", "setuptools", "wheel"}

Outcome = t.Literal["passed", "failed", "skipped"]


class CheckFailed(Exception):
    """One step of one version's check went wrong; the message says which and why."""


@dataclass
class Result:
    version: str
    outcome: Outcome
    detail: str
    steps: list[str] = field(default_factory=list)


def normalise(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def read_pins(path: Path) -> dict[str, str]:
    """Name -> ``name==version`` line of a constraints file (comments and blanks dropped)."""
    pins: dict[str, str] = {}
    for raw in path.read_text().splitlines():
        line = raw.split("#", 1)[0].strip()
        if line:
            pins[normalise(re.split(r"[=<>!~;\[ ]", line, maxsplit=1)[0])] = line
    return pins


def constraints_for(version: str) -> tuple[dict[str, str], list[Path]]:
    """constraints.txt, with constraints-pyXY.txt's lines replacing the same names' lines."""
    sources = [REPO / "constraints.txt"]
    pins = read_pins(sources[0])
    override = REPO / f"constraints-py{version.replace('.', '')}.txt"
    if override.is_file():
        sources.append(override)
        pins.update(read_pins(override))
    return pins, sources


def interpreter_version(path: str) -> str | None:
    """``3.10.13`` if ``path`` really runs (a pyenv shim for a version not selected does not)."""
    try:
        done = subprocess.run(
            [path, "-c", "import sys; print('%d.%d.%d' % sys.version_info[:3])"],
            capture_output=True,
            text=True,
            timeout=30,
        )
    except (OSError, subprocess.TimeoutExpired):
        return None
    return done.stdout.strip() if done.returncode == 0 else None


def patch_level(path: str) -> int:
    """Patch number of a pyenv path such as ``.../versions/3.10.13/bin/python3.10``; -1 if none."""
    match = re.search(r"/versions/\d+\.\d+\.(\d+)/", path)
    return int(match.group(1)) if match else -1


def find_interpreter(version: str) -> tuple[str, str] | None:
    """(path, full version) of a working ``pythonX.Y``: on PATH first, then pyenv's versions."""
    candidates: list[str] = []
    on_path = shutil.which(f"python{version}")
    if on_path:
        candidates.append(on_path)
    pyenv_root = os.environ.get("PYENV_ROOT", str(Path.home() / ".pyenv"))
    installed = glob.glob(f"{pyenv_root}/versions/{version}.*/bin/python{version}")
    candidates += sorted(installed, key=patch_level, reverse=True)
    for path in candidates:
        full = interpreter_version(path)
        if full and full.startswith(version + "."):
            return path, full
    return None


def run(cmd: list[str], what: str, timeout: float = 900.0, **kwargs: t.Any) -> str:
    try:
        done = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout, **kwargs)
    except subprocess.TimeoutExpired as exc:
        raise CheckFailed(f"{what}: no answer in {timeout:.0f} s") from exc
    if done.returncode != 0:
        tail = "\n".join((done.stdout + done.stderr).strip().splitlines()[-15:])
        raise CheckFailed(f"{what}: exit {done.returncode}\n{tail}")
    return str(done.stdout)


def pip_install(venv: Path, pins: dict[str, str]) -> None:
    """The project alone, editable, under the pip lock the rest of the suite shares."""
    with tempfile.NamedTemporaryFile("w", suffix=".txt", delete=False) as merged:
        merged.write("\n".join(pins.values()) + "\n")
    try:
        with open(PIP_LOCK, "w") as lock:
            fcntl.flock(lock, fcntl.LOCK_EX)
            pip = [str(venv / "bin/python"), "-m", "pip", "install"]
            run([*pip, "-c", merged.name, "-e", str(REPO)], "pip install -e .")
    finally:
        os.unlink(merged.name)


def unpinned_packages(venv: Path, pins: dict[str, str]) -> list[str]:
    """Installed distributions no constraints line pins, as ``name==version``."""
    listed = run([str(venv / "bin/python"), "-m", "pip", "list", "--format=json"], "pip list")
    return sorted(
        f"{p['name']}=={p['version']}"
        for p in json.loads(listed)
        if normalise(p["name"]) not in {*pins, *UNPINNED_OK, "whisperd"}
    )


def ensure_venv(version: str, python: str, full: str, venv: Path) -> str:
    """Create or refresh the light venv; pip runs only when its inputs changed."""
    pins, sources = constraints_for(version)
    digest = hashlib.sha256(full.encode())
    for path in [REPO / "pyproject.toml", *sources]:
        digest.update(path.read_bytes())
    stamp = venv / ".whisperd-check"
    if stamp.is_file() and stamp.read_text() == digest.hexdigest():
        return "venv up to date"
    # A new interpreter gets a new venv; otherwise pip moves the existing one to the new pins,
    # downloading only what changed (this registry's answers never enter pip's own cache). A
    # package left over from the old pins shows as unpinned: then once more in a fresh venv.
    config = venv / "pyvenv.cfg"
    same_python = config.is_file() and f"version = {full}\n" in config.read_text()
    for fresh in [False, True] if same_python else [True]:
        if fresh:
            run([python, "-m", "venv", "--clear", str(venv)], "create venv")
        pip_install(venv, pins)
        unpinned = unpinned_packages(venv, pins)
        if not unpinned:
            break
    else:
        where = " or ".join(s.name for s in sources)
        raise CheckFailed(f"installed without a pin (add to {where}): {', '.join(unpinned)}")
    stamp.write_text(digest.hexdigest())
    return "installed"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def multipart(fields: dict[str, str], file_name: str, data: bytes) -> tuple[bytes, str]:
    boundary = uuid.uuid4().hex
    parts = [
        f'--{boundary}\r\nContent-Disposition: form-data; name="{k}"\r\n\r\n{v}\r\n'.encode()
        for k, v in fields.items()
    ]
    parts.append(
        f'--{boundary}\r\nContent-Disposition: form-data; name="file"; filename="{file_name}"\r\n'
        "Content-Type: audio/wav\r\n\r\n".encode()
        + data
        + f"\r\n--{boundary}--\r\n".encode()
    )
    return b"".join(parts), f"multipart/form-data; boundary={boundary}"


def wait_ready(base: str, server: subprocess.Popen[bytes]) -> None:
    deadline = time.monotonic() + READY_TIMEOUT
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise CheckFailed(f"server exited with {server.returncode} before /ready")
        try:
            with urllib.request.urlopen(f"{base}/ready", timeout=5) as answer:
                if answer.status == 200:
                    return
        except (urllib.error.URLError, ConnectionError, TimeoutError):
            pass
        time.sleep(0.25)
    raise CheckFailed(f"/ready not 200 within {READY_TIMEOUT:.0f} s")


def transcribe(base: str, wav: Path) -> str:
    body, content_type = multipart({"model": "whisper-1"}, wav.name, wav.read_bytes())
    request = urllib.request.Request(
        f"{base}/v1/audio/transcriptions", data=body, headers={"Content-Type": content_type}
    )
    try:
        with urllib.request.urlopen(request, timeout=REQUEST_TIMEOUT) as answer:
            payload = json.loads(answer.read())
    except urllib.error.HTTPError as exc:
        raise CheckFailed(f"transcription: HTTP {exc.code}: {exc.read()[:300]!r}") from exc
    text = payload.get("text") if isinstance(payload, dict) else None
    if not isinstance(text, str) or not text.strip():
        raise CheckFailed(f"transcription: no text in {str(payload)[:300]}")
    heard = set(re.findall(r"[a-z]+", text.lower()))
    said = set(re.findall(r"[a-z]{4,}", SENTENCE.lower()))
    if not heard & said:
        raise CheckFailed(f"transcription {text!r} has none of the words {sorted(said)}")
    return text.strip()


def serve_and_transcribe(venv: Path, model_dir: str, wav: Path, log: Path) -> list[str]:
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    env = {k: v for k, v in os.environ.items() if not k.startswith("WHISPERD_")}
    env["WHISPERD_CACHE_DIR"] = str(log.parent / "cache")
    # Settings from a TOML file, so the server answering on this port shows the file was read
    # (tomli on 3.10, tomllib after).
    config = log.with_suffix(".toml")
    settings = {"host": "127.0.0.1", "port": port, "model": model_dir, "log_format": "text"}
    config.write_text("".join(f"{k} = {json.dumps(v)}\n" for k, v in settings.items()))
    cmd = [str(venv / "bin/whisperd"), "serve", "--config", str(config)]
    steps: list[str] = []
    started = time.monotonic()
    with open(log, "wb") as out:
        server = subprocess.Popen(cmd, stdout=out, stderr=subprocess.STDOUT, env=env)
        try:
            wait_ready(base, server)
            steps.append(f"ready {time.monotonic() - started:.1f} s")
            began = time.monotonic()
            text = transcribe(base, wav)
            steps.append(f"transcribed {text!r} in {time.monotonic() - began:.1f} s")
            server.send_signal(signal.SIGTERM)
            try:
                status = server.wait(timeout=STOP_TIMEOUT)
            except subprocess.TimeoutExpired as exc:
                raise CheckFailed(f"no exit within {STOP_TIMEOUT:.0f} s of SIGTERM") from exc
            if status != 0:
                raise CheckFailed(f"exit status {status} after SIGTERM")
            steps.append("SIGTERM exit 0")
        except CheckFailed as exc:
            tail = "\n".join(log.read_text(errors="replace").strip().splitlines()[-15:])
            raise CheckFailed(f"{exc}\nserver log:\n{tail}") from exc
        finally:
            if server.poll() is None:
                server.kill()
                server.wait()
    return steps


def check(version: str, model_dir: str, wav: Path, work: Path, on_ci: bool) -> Result:
    found = find_interpreter(version)
    if found is None:
        why = f"no working python{version} on PATH or under pyenv"
        return Result(version, "failed" if on_ci else "skipped", why)
    python, full = found
    venv = REPO / f".venv-py{version.replace('.', '')}"
    result = Result(version, "passed", f"{full} at {python}")
    try:
        began = time.monotonic()
        state = ensure_venv(version, python, full, venv)
        result.steps.append(f"{state} {time.monotonic() - began:.1f} s")
        run([str(venv / "bin/python"), "-c", "import whisperd.app, whisperd.cli"], "import")
        shown = run([str(venv / "bin/whisperd"), "--version"], "whisperd --version").strip()
        if not shown.startswith("whisperd "):
            raise CheckFailed(f"whisperd --version printed {shown!r}")
        result.steps.append(f"imports, {shown}")
        log = work / f"server-{version}.log"
        result.steps += serve_and_transcribe(venv, model_dir, wav, log)
    except CheckFailed as exc:
        result.outcome = "failed"
        result.steps.append(f"FAILED: {exc}")
    return result


def model_directory(main_bin: Path, model: str) -> str:
    path = run([str(main_bin / "whisperd"), "models", "path", model], "models path").strip()
    if not Path(path, "model.bin").is_file():
        raise CheckFailed(f"{path} has no model.bin")
    return path


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("versions", nargs="*", default=list(VERSIONS), help="X.Y versions")
    parser.add_argument(
        "--main-bin", type=Path, default=REPO / ".venv/bin", help="main venv's bin/"
    )
    parser.add_argument("--model", default="tiny.en", help="model the main venv has")
    args = parser.parse_args()
    on_ci = os.environ.get("CI", "").lower() == "true"
    with tempfile.TemporaryDirectory(prefix="whisperd-pythons-") as tmp:
        work = Path(tmp)
        try:
            model_dir = model_directory(args.main_bin, args.model)
            wav = work / "speech.wav"
            run(["espeak-ng", "-w", str(wav), SENTENCE], "espeak-ng (make system-deps)")
        except (CheckFailed, OSError) as exc:
            print(f"python versions: cannot start: {exc}")
            print(f"0 passed, {len(args.versions)} failed")
            return 1
        results = []
        for version in args.versions:
            result = check(version, model_dir, wav, work, on_ci)
            results.append(result)
            print(f"python {version}: {result.outcome.upper()} ({result.detail})")
            for step in result.steps:
                print(f"    {step}")
            sys.stdout.flush()
    counts = {o: sum(r.outcome == o for r in results) for o in ("passed", "failed", "skipped")}
    line = f"{counts['passed']} passed, {counts['failed']} failed"
    print(line + (f", {counts['skipped']} skipped" if counts["skipped"] else ""))
    return 1 if counts["failed"] else 0


if __name__ == "__main__":
    raise SystemExit(main())
