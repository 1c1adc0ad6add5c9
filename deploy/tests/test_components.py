"""The optional components that no overlay uses still render, validate and do their job."""

from __future__ import annotations

from pathlib import Path

from manifests import Obj, container, one, render_combination
from test_schemas import validate


def test_shared_model_cache_replaces_the_emptydir(tmp_path: Path) -> None:
    objects = render_combination(["overlays/cpu"], ["components/model-cache-pvc"], tmp_path)
    for obj in objects:
        validate(obj)
    deployment = one(objects, "Deployment")
    volumes = {v["name"]: v for v in deployment["spec"]["template"]["spec"]["volumes"]}
    claim = one(objects, "PersistentVolumeClaim")
    assert volumes["model-cache"] == {
        "name": "model-cache",
        "persistentVolumeClaim": {"claimName": claim["metadata"]["name"]},
    }
    assert claim["spec"]["accessModes"] == ["ReadWriteMany"], "every replica mounts it"
    mounts = {m["name"] for m in container(deployment)["volumeMounts"]}
    assert "model-cache" in mounts


def test_gpu_pods_can_autoscale_with_keda(tmp_path: Path) -> None:
    objects: list[Obj] = render_combination(["overlays/gpu"], ["components/keda"], tmp_path)
    for obj in objects:
        validate(obj)
    assert "replicas" not in one(objects, "Deployment")["spec"]
    assert container(one(objects, "Deployment"))["resources"]["limits"]["nvidia.com/gpu"] == 1
