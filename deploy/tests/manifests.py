"""Rendering the kustomize overlays and reading what the tests check out of them.

Rendering uses a real kustomize: ``$KUSTOMIZE``, a ``kustomize`` beside the venv's Python
(deploy/deploy.mk builds one there when the machine has no kubectl), one on PATH, or
``kubectl kustomize``. Schemas: kubernetes-validate's copies of the Kubernetes OpenAPI
schemas, and the CRDs vendored in schemas/ (see schemas/README.md).
"""

from __future__ import annotations

import copy
import os
import re
import shutil
import subprocess
import sys
import typing as t
from pathlib import Path

import jsonschema
import yaml

HERE = Path(__file__).resolve().parent
REPO = HERE.parent.parent
K8S = REPO / "deploy" / "k8s"
SCHEMAS = HERE / "schemas"
OVERLAYS = ("cpu", "gpu", "keda", "hpa")
AUTOSCALED = ("keda", "hpa")

Obj = dict[str, t.Any]


def kustomize_command() -> list[str]:
    explicit = os.environ.get("KUSTOMIZE")
    if explicit:
        return [explicit, "build"]
    beside_python = Path(sys.executable).parent / "kustomize"
    if beside_python.is_file():
        return [str(beside_python), "build"]
    if found := shutil.which("kustomize"):
        return [found, "build"]
    if found := shutil.which("kubectl"):
        return [found, "kustomize"]
    raise RuntimeError(
        "no kustomize: install kubectl, or run `make deploy-deps`, which builds kustomize "
        "from its Go module into the venv"
    )


def render(directory: Path) -> list[Obj]:
    done = subprocess.run(
        [*kustomize_command(), str(directory)],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    if done.returncode != 0:
        raise RuntimeError(f"kustomize failed on {directory}:\n{done.stderr}")
    return [doc for doc in yaml.safe_load_all(done.stdout) if doc]


def render_combination(resources: list[str], components: list[str], scratch: Path) -> list[Obj]:
    """Render a kustomization made on the fly from directories under deploy/k8s (kustomize
    wants them relative)."""

    def relative(name: str) -> str:
        return os.path.relpath(K8S / name, scratch)

    kustomization = {
        "apiVersion": "kustomize.config.k8s.io/v1beta1",
        "kind": "Kustomization",
        "resources": [relative(name) for name in resources],
        "components": [relative(name) for name in components],
    }
    (scratch / "kustomization.yaml").write_text(yaml.safe_dump(kustomization))
    return render(scratch)


def one(objects: list[Obj], kind: str, name: str | None = None) -> Obj:
    found = [
        o for o in objects if o["kind"] == kind and (name is None or o["metadata"]["name"] == name)
    ]
    assert len(found) == 1, f"expected one {kind} {name or ''}, found {len(found)}"
    return found[0]


def kinds(objects: list[Obj]) -> list[str]:
    return sorted(o["kind"] for o in objects)


def container(deployment: Obj) -> Obj:
    containers = deployment["spec"]["template"]["spec"]["containers"]
    found: list[Obj] = [c for c in containers if c["name"] == "whisperd"]
    assert len(found) == 1
    return found[0]


def environment(objects: list[Obj]) -> dict[str, str]:
    """The variables the container starts with: its ConfigMaps, then its literal env
    (later wins, as in Kubernetes). Values from Secrets are left out."""
    box = container(one(objects, "Deployment"))
    env: dict[str, str] = {}
    for source in box.get("envFrom", []):
        name = source["configMapRef"]["name"]
        env.update(one(objects, "ConfigMap", name)["data"])
    for var in box.get("env", []):
        if "value" in var:
            env[var["name"]] = var["value"]
    return env


def cpu_quantity(value: str | int | float) -> float:
    """A Kubernetes CPU quantity in cores: "2", 2, "1500m"."""
    text = str(value)
    if text.endswith("m"):
        return int(text[:-1]) / 1000
    return float(text)


BYTE_UNITS = {
    "Ki": 2**10,
    "Mi": 2**20,
    "Gi": 2**30,
    "Ti": 2**40,
    "k": 10**3,
    "M": 10**6,
    "G": 10**9,
}


def byte_quantity(value: str | int) -> int:
    """A Kubernetes byte quantity: "256Mi", "2Gi", "1G", 1024."""
    text = str(value)
    for unit, factor in BYTE_UNITS.items():
        if text.endswith(unit):
            return int(float(text[: -len(unit)]) * factor)
    return int(text)


def prestop_seconds(box: Obj) -> int:
    """Seconds the preStop hook waits: a ``sleep N`` exec or the native sleep action."""
    hook = box["lifecycle"]["preStop"]
    if "sleep" in hook:
        return int(hook["sleep"]["seconds"])
    command = hook["exec"]["command"]
    assert command[0] in ("sleep", "/bin/sleep"), f"preStop is not a sleep: {command}"
    return int(command[1])


def metric_names(promql: str) -> set[str]:
    return set(re.findall(r"\bwhisperd_[a-z_]+\b", promql))


def crd_validator(filename: str, version: str) -> jsonschema.protocols.Validator:
    """A validator for one version of a vendored CRD, strict about unknown fields as the
    API server is with ``kubectl apply --validate=strict``."""
    crd = yaml.safe_load((SCHEMAS / filename).read_text())
    for entry in crd["spec"]["versions"]:
        if entry["name"] == version:
            schema = strict(entry["schema"]["openAPIV3Schema"])
            return jsonschema.Draft202012Validator(schema)
    raise KeyError(f"{filename} has no version {version}")


def strict(schema: Obj) -> Obj:
    """Forbid properties a structural schema does not declare (the API server prunes or,
    in strict mode, rejects them)."""
    schema = copy.deepcopy(schema)

    def walk(node: t.Any) -> None:
        if isinstance(node, dict):
            if (
                "properties" in node
                and "additionalProperties" not in node
                and not node.get("x-kubernetes-preserve-unknown-fields")
            ):
                node["additionalProperties"] = False
            for value in node.values():
                walk(value)
        elif isinstance(node, list):
            for value in node:
                walk(value)

    walk(schema)
    # metadata is ObjectMeta, checked by the API server itself, not by the CRD.
    schema["properties"]["metadata"] = {"type": "object"}
    return schema
