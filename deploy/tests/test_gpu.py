"""The GPU overlay runs the CUDA image on one GPU; the CPU overlays ask for none."""

from __future__ import annotations

import re

from manifests import REPO, Obj, container, environment, one
from whisperd.settings import load_settings


def built_tag(dockerfile: str) -> str:
    """The image name the Dockerfile's own build line gives (`docker build ... -t NAME`)."""
    match = re.search(r"docker build .*?-t (\S+)", (REPO / dockerfile).read_text())
    assert match, f"{dockerfile} names no image"
    name = match.group(1)
    return name if ":" in name else f"{name}:latest"


def test_gpu_overlay_requests_one_gpu(rendered: dict[str, list[Obj]]) -> None:
    resources = container(one(rendered["gpu"], "Deployment"))["resources"]
    assert resources["limits"]["nvidia.com/gpu"] == 1


def test_gpu_overlay_runs_the_cuda_image(rendered: dict[str, list[Obj]]) -> None:
    box = container(one(rendered["gpu"], "Deployment"))
    assert box["image"] == built_tag("Dockerfile.cuda")


def test_gpu_overlay_runs_models_on_cuda_in_float16(rendered: dict[str, list[Obj]]) -> None:
    settings = load_settings(None, environment(rendered["gpu"]))
    assert (settings.device, settings.compute_type) == ("cuda", "float16")


def test_gpu_overlay_is_scheduled_on_gpu_nodes(rendered: dict[str, list[Obj]]) -> None:
    pod = one(rendered["gpu"], "Deployment")["spec"]["template"]["spec"]
    assert any(key.startswith("nvidia.com/") for key in pod["nodeSelector"])
    assert any(t["key"] == "nvidia.com/gpu" for t in pod["tolerations"])


def test_cpu_overlays_run_the_cpu_image_without_a_gpu(rendered: dict[str, list[Obj]]) -> None:
    for name in ("cpu", "keda", "hpa"):
        box = container(one(rendered[name], "Deployment"))
        assert box["image"] == built_tag("Dockerfile"), name
        assert "nvidia.com/gpu" not in box["resources"]["limits"], name
        assert load_settings(None, environment(rendered[name])).device == "cpu", name
