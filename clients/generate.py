"""Regenerate the client SDKs under clients/ from spec/openapi.yaml (`make clients`).

Each generator writes into an empty temporary directory, and that output is then mirrored
into ``clients/<language>/``: new and changed files are copied, generated files that the
spec no longer produces are deleted, and the hand-written files beside the generated code
(READMEs, helpers, lock files) and build outputs are left alone. Generating into a fresh
directory keeps the output independent of what was there before (so regeneration on a
clean checkout is a no-op, which the drift test checks) and keeps the repository's ruff
configuration away from openapi-python-client's formatting hooks.

The generators are the pinned ones from clients/requirements.txt, run from the virtual
environment this script runs in. They read the spec less the operations of
:data:`NOT_IN_CLIENTS`: Deepgram's route is there for Deepgram's own SDKs.
"""

from __future__ import annotations

import argparse
import fnmatch
import os
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

CLIENTS = Path(__file__).resolve().parent
REPO = CLIENTS.parent
SPEC = REPO / "spec" / "openapi.yaml"
NOT_IN_CLIENTS = frozenset({"Deepgram"})  # operation tags
CONFIG = CLIENTS / "config"
BIN = Path(sys.executable).parent


@dataclass(frozen=True)
class Client:
    """One SDK: where it lives, how it is generated, and which of its files are not."""

    name: str
    directory: Path
    generate: Callable[[Path], None]
    # Relative paths (fnmatch patterns, `*` crosses `/`) that generation never touches.
    keep: tuple[str, ...]

    def kept(self, relative: str) -> bool:
        return any(fnmatch.fnmatch(relative, pattern) for pattern in self.keep)


def run(command: list[str], cwd: Path) -> None:
    """Run a generator quietly; show its output only when it fails."""
    environment = dict(os.environ, PATH=f"{BIN}{os.pathsep}{os.environ.get('PATH', '')}")
    result = subprocess.run(
        command, cwd=cwd, env=environment, capture_output=True, text=True, check=False
    )
    if result.returncode != 0:
        sys.stderr.write(result.stdout + result.stderr)
        raise SystemExit(f"{command[0]} failed with exit code {result.returncode}")


def generate_python(output: Path) -> None:
    run(
        [
            str(BIN / "openapi-python-client"),
            "generate",
            "--path",
            str(SPEC),
            "--config",
            str(CONFIG / "python.yaml"),
            "--meta",
            "pdm",
            "--output-path",
            str(output),
            "--fail-on-warning",
        ],
        cwd=output.parent,
    )


def openapi_generator(config: str, ignore: str) -> Callable[[Path], None]:
    def generate(output: Path) -> None:
        # The generator reads the ignore file from the output directory it writes to.
        output.mkdir(parents=True)
        shutil.copyfile(CONFIG / ignore, output / ".openapi-generator-ignore")
        run(
            [
                str(BIN / "openapi-generator-cli"),
                "generate",
                "--config",
                str(CONFIG / config),
                "--input-spec",
                str(SPEC),
                "--output",
                str(output),
            ],
            cwd=output.parent,
        )

    return generate


CLIENT_SDKS = (
    Client(
        "python",
        CLIENTS / "python",
        generate_python,
        keep=(
            "README.md",
            "whisperd_helpers/*",
            "*__pycache__*",
            "*.egg-info*",
            "build/*",
            "dist/*",
        ),
    ),
    Client(
        "ts",
        CLIENTS / "ts",
        openapi_generator("typescript.yaml", "typescript.ignore"),
        keep=("README.md", "package-lock.json", "node_modules/*", "dist/*"),
    ),
    Client(
        "go",
        CLIENTS / "go",
        openapi_generator("go.yaml", "go.ignore"),
        keep=("README.md", "whisperdhelpers/*"),
    ),
    Client(
        "swift",
        CLIENTS / "swift",
        openapi_generator("swift.yaml", "swift.ignore"),
        keep=("README.md", ".build/*", "Package.resolved"),
    ),
)


def files_under(root: Path) -> set[str]:
    return {path.relative_to(root).as_posix() for path in root.rglob("*") if path.is_file()}


def mirror(client: Client, generated: Path) -> list[str]:
    """Make the generated part of ``client.directory`` equal to ``generated``; list changes."""
    target = client.directory
    target.mkdir(parents=True, exist_ok=True)
    new = {path for path in files_under(generated) if not client.kept(path)}
    old = {path for path in files_under(target) if not client.kept(path)}
    changes: list[str] = []
    for relative in sorted(old - new):
        (target / relative).unlink()
        changes.append(f"deleted {relative}")
    for relative in sorted(new):
        source, destination = generated / relative, target / relative
        content = source.read_bytes()
        if destination.exists() and destination.read_bytes() == content:
            continue
        destination.parent.mkdir(parents=True, exist_ok=True)
        destination.write_bytes(content)
        destination.chmod(0o644)
        changes.append(f"{'updated' if relative in old else 'created'} {relative}")
    for directory in sorted(target.rglob("*"), reverse=True):
        relative = directory.relative_to(target).as_posix()
        if directory.is_dir() and not client.kept(relative) and not any(directory.iterdir()):
            directory.rmdir()
    return changes


def client_spec(directory: Path) -> Path:
    """The spec as the generators read it: without the operations of :data:`NOT_IN_CLIENTS`."""
    import yaml

    document = yaml.safe_load(SPEC.read_text())
    for path in list(document["paths"]):
        item = document["paths"][path]
        for method in [m for m, op in item.items() if isinstance(op, dict) and "tags" in op]:
            if NOT_IN_CLIENTS & set(item[method]["tags"]):
                del item[method]
        if not any(isinstance(op, dict) and "operationId" in op for op in item.values()):
            del document["paths"][path]
    document["tags"] = [tag for tag in document["tags"] if tag["name"] not in NOT_IN_CLIENTS]
    target = directory / "openapi.yaml"
    target.write_text(yaml.safe_dump(document, sort_keys=False, allow_unicode=True))
    return target


def main() -> None:
    global SPEC
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    known = [client.name for client in CLIENT_SDKS]
    parser.add_argument("clients", nargs="*", help=f"SDKs to regenerate, of {known} (default: all)")
    names = parser.parse_args().clients or known
    if unknown := sorted(set(names) - set(known)):
        parser.error(f"unknown SDKs {unknown}; choose from {known}")
    with tempfile.TemporaryDirectory(prefix="whisperd-clients-") as scratch:
        SPEC = client_spec(Path(scratch))
        for client in CLIENT_SDKS:
            if client.name not in names:
                continue
            output = Path(scratch) / client.name
            client.generate(output)
            changes = mirror(client, output)
            summary = f"{len(changes)} files changed" if changes else "unchanged"
            print(f"clients/{client.directory.name}: {summary}")
            for change in changes:
                print(f"  {change}")


if __name__ == "__main__":
    main()
