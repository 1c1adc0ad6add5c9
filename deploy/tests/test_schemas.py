"""Every rendered object against its schema, offline: Kubernetes' own kinds with
kubernetes-validate (newest Kubernetes it ships, strict about unknown fields), KEDA's
ScaledObject and the Prometheus Operator's ServiceMonitor against their vendored CRDs."""

from __future__ import annotations

import copy

import jsonschema
import kubernetes_validate  # type: ignore[import-untyped]
import pytest
import yaml
from kubernetes_validate.utils import latest_version  # type: ignore[import-untyped]
from manifests import K8S, Obj, container, crd_validator, one

CRD_KINDS = {
    ("keda.sh/v1alpha1", "ScaledObject"): ("keda.sh_scaledobjects.yaml", "v1alpha1"),
    ("monitoring.coreos.com/v1", "ServiceMonitor"): (
        "monitoring.coreos.com_servicemonitors.yaml",
        "v1",
    ),
}
ADAPTER_RULES = K8S / "components" / "hpa" / "prometheus-adapter-rules.yaml"


def validate(obj: Obj) -> None:
    key = (obj["apiVersion"], obj["kind"])
    if key in CRD_KINDS:
        crd_validator(*CRD_KINDS[key]).validate(obj)
    else:
        kubernetes_validate.validate(obj, latest_version(), strict=True)


def test_every_rendered_object_matches_its_schema(overlay: list[Obj]) -> None:
    for obj in overlay:
        validate(obj)


def test_adapter_rules_configmap_matches_its_schema() -> None:
    validate(yaml.safe_load(ADAPTER_RULES.read_text()))


def test_a_misspelt_deployment_field_is_rejected(rendered: dict[str, list[Obj]]) -> None:
    deployment = copy.deepcopy(one(rendered["cpu"], "Deployment"))
    container(deployment)["readinessProbe"]["httpGet"]["paht"] = "/ready"
    with pytest.raises(jsonschema.ValidationError):
        validate(deployment)


def test_a_misspelt_scaledobject_field_is_rejected(rendered: dict[str, list[Obj]]) -> None:
    scaled = copy.deepcopy(one(rendered["keda"], "ScaledObject"))
    scaled["spec"]["cooldownPeriods"] = scaled["spec"].pop("cooldownPeriod")
    with pytest.raises(jsonschema.ValidationError):
        validate(scaled)


def test_a_wrong_keda_fallback_behaviour_is_rejected(rendered: dict[str, list[Obj]]) -> None:
    scaled = copy.deepcopy(one(rendered["keda"], "ScaledObject"))
    scaled["spec"]["fallback"]["behavior"] = "keepCurrent"
    with pytest.raises(jsonschema.ValidationError):
        validate(scaled)


def test_a_misspelt_servicemonitor_field_is_rejected(rendered: dict[str, list[Obj]]) -> None:
    monitor = copy.deepcopy(one(rendered["hpa"], "ServiceMonitor"))
    monitor["spec"]["endpoints"][0]["intervall"] = "15s"
    with pytest.raises(jsonschema.ValidationError):
        validate(monitor)
