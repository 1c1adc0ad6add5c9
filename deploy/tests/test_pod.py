"""The pod every overlay runs: probes, security, shutdown timing, CPU threads, volumes,
and agreement with the Dockerfiles it runs."""

from __future__ import annotations

import dataclasses
import re
from pathlib import PurePosixPath

from manifests import (
    REPO,
    Obj,
    byte_quantity,
    container,
    cpu_quantity,
    environment,
    one,
    prestop_seconds,
)
from whisperd.settings import Settings, load_settings


def dockerfile(name: str) -> str:
    return (REPO / name).read_text()


def image_user(text: str) -> int:
    match = re.search(r"^USER (\d+)", text, re.MULTILINE)
    assert match, "the Dockerfile sets no numeric USER"
    return int(match.group(1))


def test_probes_use_health_and_ready_on_the_named_port(overlay: list[Obj]) -> None:
    box = container(one(overlay, "Deployment"))
    probes = {kind: box[kind]["httpGet"] for kind in ("livenessProbe", "readinessProbe")}
    assert probes["livenessProbe"] == {"path": "/health", "port": "http"}
    assert probes["readinessProbe"] == {"path": "/ready", "port": "http"}


def test_startup_probe_waits_for_the_model_on_ready(overlay: list[Obj]) -> None:
    probe = container(one(overlay, "Deployment"))["startupProbe"]
    assert probe["httpGet"] == {"path": "/ready", "port": "http"}
    # Liveness only starts once this passes: it must allow longer than liveness would.
    liveness = container(one(overlay, "Deployment"))["livenessProbe"]
    budget = probe["periodSeconds"] * probe["failureThreshold"]
    assert budget > liveness["periodSeconds"] * liveness["failureThreshold"]


def test_named_port_is_the_servers_port(overlay: list[Obj]) -> None:
    box = container(one(overlay, "Deployment"))
    ports = {p["name"]: p["containerPort"] for p in box["ports"]}
    assert ports["http"] == load_settings(None, environment(overlay)).port
    assert f"EXPOSE {ports['http']}" in dockerfile("Dockerfile")


def test_service_exposes_the_named_port(overlay: list[Obj]) -> None:
    service = one(overlay, "Service")
    assert service["spec"]["type"] == "ClusterIP"
    assert service["spec"]["ports"] == [
        {
            "name": "http",
            "port": 50060,
            "targetPort": "http",
            "protocol": "TCP",
            "appProtocol": "http",
        }
    ]


def test_service_and_budget_select_the_pods(overlay: list[Obj]) -> None:
    labels = one(overlay, "Deployment")["spec"]["template"]["metadata"]["labels"]
    service = one(overlay, "Service")["spec"]["selector"]
    budget = one(overlay, "PodDisruptionBudget")["spec"]["selector"]["matchLabels"]
    assert service and service.items() <= labels.items()
    assert budget and budget.items() <= labels.items()


def test_container_runs_as_the_images_unprivileged_user(overlay: list[Obj]) -> None:
    pod = one(overlay, "Deployment")["spec"]["template"]["spec"]
    box = container(one(overlay, "Deployment"))
    assert pod["securityContext"]["runAsNonRoot"] is True
    assert pod["securityContext"]["runAsUser"] == image_user(dockerfile("Dockerfile"))
    assert pod["securityContext"]["runAsUser"] == image_user(dockerfile("Dockerfile.cuda"))
    assert box["securityContext"]["runAsNonRoot"] is True


def test_container_meets_the_restricted_pod_security_standard(overlay: list[Obj]) -> None:
    pod = one(overlay, "Deployment")["spec"]["template"]["spec"]
    security = container(one(overlay, "Deployment"))["securityContext"]
    assert pod["securityContext"]["seccompProfile"] == {"type": "RuntimeDefault"}
    assert security["allowPrivilegeEscalation"] is False
    assert security["capabilities"] == {"drop": ["ALL"]}
    assert security["readOnlyRootFilesystem"] is True
    assert not any("hostPath" in volume for volume in pod["volumes"])
    namespace = one(overlay, "Namespace")["metadata"]["labels"]
    assert namespace["pod-security.kubernetes.io/enforce"] == "restricted"


def test_every_place_the_server_writes_is_a_volume(overlay: list[Obj]) -> None:
    pod = one(overlay, "Deployment")["spec"]["template"]["spec"]
    box = container(one(overlay, "Deployment"))
    volumes = {v["name"]: v for v in pod["volumes"]}
    mounts = {PurePosixPath(m["mountPath"]): volumes[m["name"]] for m in box["volumeMounts"]}
    env = environment(overlay)
    writable = [env["WHISPERD_CACHE_DIR"], env["TMPDIR"]]
    if "CUDA_CACHE_PATH" in env:
        writable.append(env["CUDA_CACHE_PATH"])
    for path in map(PurePosixPath, writable):
        volume = next((mounts[m] for m in mounts if path.is_relative_to(m)), None)
        assert volume is not None, f"{path} is on the read-only root filesystem"
        assert "emptyDir" in volume or "persistentVolumeClaim" in volume


def test_ephemeral_storage_limit_holds_the_emptydirs(overlay: list[Obj]) -> None:
    # Past the pod's limit the kubelet evicts it, whatever each emptyDir's own sizeLimit.
    pod = one(overlay, "Deployment")["spec"]["template"]["spec"]
    limit = container(one(overlay, "Deployment"))["resources"]["limits"]["ephemeral-storage"]
    sizes = [byte_quantity(v["emptyDir"]["sizeLimit"]) for v in pod["volumes"] if "emptyDir" in v]
    assert sizes and sum(sizes) < byte_quantity(limit)


def test_model_cache_volume_is_the_images_volume(overlay: list[Obj]) -> None:
    box = container(one(overlay, "Deployment"))
    mounted = {m["mountPath"] for m in box["volumeMounts"]}
    for name in ("Dockerfile", "Dockerfile.cuda"):
        match = re.search(r'^VOLUME \["([^"]+)"\]', dockerfile(name), re.MULTILINE)
        assert match and match.group(1) in mounted


def test_grace_period_covers_prestop_and_shutdown_timeout(overlay: list[Obj]) -> None:
    pod = one(overlay, "Deployment")["spec"]["template"]["spec"]
    settings = load_settings(None, environment(overlay))
    sleep = prestop_seconds(container(one(overlay, "Deployment")))
    assert sleep > 0
    assert pod["terminationGracePeriodSeconds"] > settings.shutdown_timeout + sleep


def test_cpu_threads_equal_the_cpu_limit(overlay: list[Obj]) -> None:
    box = container(one(overlay, "Deployment"))
    limit = cpu_quantity(box["resources"]["limits"]["cpu"])
    assert limit == int(limit), "a fractional CPU limit throttles a whole thread"
    assert load_settings(None, environment(overlay)).cpu_threads == int(limit)


def test_resources_are_guaranteed(overlay: list[Obj]) -> None:
    resources = container(one(overlay, "Deployment"))["resources"]
    for name in ("cpu", "memory"):
        assert resources["requests"][name] == resources["limits"][name]


def test_service_account_mounts_no_token(overlay: list[Obj]) -> None:
    pod = one(overlay, "Deployment")["spec"]["template"]["spec"]
    account = one(overlay, "ServiceAccount", pod["serviceAccountName"])
    assert account["automountServiceAccountToken"] is False
    assert pod["automountServiceAccountToken"] is False


def test_api_key_comes_from_an_optional_secret(overlay: list[Obj]) -> None:
    env = {v["name"]: v for v in container(one(overlay, "Deployment"))["env"]}
    reference = env["WHISPERD_API_KEY"]["valueFrom"]["secretKeyRef"]
    assert reference == {"name": "whisperd-api-key", "key": "api-key", "optional": True}
    assert not any(o["kind"] == "Secret" for o in overlay), "no key belongs in the repo"


def test_settings_are_ones_the_server_knows(overlay: list[Obj]) -> None:
    known = {Settings.env_var(f.name) for f in dataclasses.fields(Settings)}
    names = {name for name in environment(overlay) if name.startswith("WHISPERD_")}
    assert names <= known, f"unknown settings: {sorted(names - known)}"
    load_settings(None, environment(overlay))  # values convert and pass the server's checks
