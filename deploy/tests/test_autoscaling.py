"""KEDA and the HPA scale the Deployment on the server's own queue gauges."""

from __future__ import annotations

import re

import yaml
from manifests import AUTOSCALED, K8S, Obj, metric_names, one

QUEUE_GAUGES = {"whisperd_queue_waiting", "whisperd_inference_running"}


def adapter_rules() -> list[Obj]:
    configmap = yaml.safe_load((K8S / "components/hpa/prometheus-adapter-rules.yaml").read_text())
    rules: list[Obj] = yaml.safe_load(configmap["data"]["config.yaml"])["rules"]
    return rules


def test_autoscalers_target_the_deployment(rendered: dict[str, list[Obj]]) -> None:
    targets = {
        "keda": one(rendered["keda"], "ScaledObject")["spec"]["scaleTargetRef"],
        "hpa": one(rendered["hpa"], "HorizontalPodAutoscaler")["spec"]["scaleTargetRef"],
    }
    for name, target in targets.items():
        deployment = one(rendered[name], "Deployment")
        assert target["kind"] == "Deployment"
        assert target["name"] == deployment["metadata"]["name"]


def test_autoscaled_deployments_leave_the_count_to_the_autoscaler(
    rendered: dict[str, list[Obj]],
) -> None:
    for name in AUTOSCALED:
        assert "replicas" not in one(rendered[name], "Deployment")["spec"], name
    assert one(rendered["cpu"], "Deployment")["spec"]["replicas"] >= 2


def test_only_one_autoscaler_per_overlay(rendered: dict[str, list[Obj]]) -> None:
    for name, objects in rendered.items():
        scalers = [o for o in objects if o["kind"] in ("ScaledObject", "HorizontalPodAutoscaler")]
        assert len(scalers) == (1 if name in AUTOSCALED else 0), name


def test_keda_scales_on_the_queue_per_replica(rendered: dict[str, list[Obj]]) -> None:
    spec = one(rendered["keda"], "ScaledObject")["spec"]
    (trigger,) = spec["triggers"]
    assert trigger["type"] == "prometheus"
    assert trigger.get("metricType", "AverageValue") == "AverageValue"
    assert metric_names(trigger["metadata"]["query"]) == QUEUE_GAUGES
    assert float(trigger["metadata"]["threshold"]) > 0
    assert 1 <= spec["minReplicaCount"] < spec["maxReplicaCount"]


def test_keda_query_selects_the_rendered_pods(rendered: dict[str, list[Obj]]) -> None:
    objects = rendered["keda"]
    query = one(objects, "ScaledObject")["spec"]["triggers"][0]["metadata"]["query"]
    deployment = one(objects, "Deployment")
    namespaces = set(re.findall(r'namespace="([^"]+)"', query))
    pods = set(re.findall(r'pod=~"([^"]+)"', query))
    assert namespaces == {deployment["metadata"]["namespace"]}
    # Pods of a Deployment are named <deployment>-<replicaset hash>-<suffix>.
    example = f"{deployment['metadata']['name']}-5d9c7b8f4-x2k7q"
    assert pods and all(re.fullmatch(p, example) for p in pods)


def test_keda_does_not_read_an_empty_answer_as_an_idle_queue(
    rendered: dict[str, list[Obj]],
) -> None:
    spec = one(rendered["keda"], "ScaledObject")["spec"]
    assert spec["triggers"][0]["metadata"]["ignoreNullValues"] == "false"
    assert spec["fallback"]["replicas"] >= spec["minReplicaCount"]


def test_scale_down_is_stabilised(rendered: dict[str, list[Obj]]) -> None:
    keda = one(rendered["keda"], "ScaledObject")["spec"]["advanced"]
    behaviours = {
        "keda": keda["horizontalPodAutoscalerConfig"]["behavior"],
        "hpa": one(rendered["hpa"], "HorizontalPodAutoscaler")["spec"]["behavior"],
    }
    for name, behaviour in behaviours.items():
        assert behaviour["scaleDown"]["stabilizationWindowSeconds"] > 0, name
        assert behaviour["scaleUp"]["stabilizationWindowSeconds"] == 0, name


def test_hpa_scales_on_the_adapters_queue_metric(rendered: dict[str, list[Obj]]) -> None:
    spec = one(rendered["hpa"], "HorizontalPodAutoscaler")["spec"]
    (metric,) = spec["metrics"]
    assert metric["type"] == "Pods"
    assert metric["pods"]["target"]["type"] == "AverageValue"
    served = {rule["name"]["as"]: rule for rule in adapter_rules()}
    rule = served[metric["pods"]["metric"]["name"]]
    assert metric_names(rule["metricsQuery"]) == QUEUE_GAUGES
    assert metric_names(rule["seriesQuery"]) <= QUEUE_GAUGES
    assert rule["resources"]["overrides"]["pod"] == {"resource": "pod"}
    assert 1 <= spec["minReplicas"] < spec["maxReplicas"]


def test_autoscaled_overlays_are_scraped(rendered: dict[str, list[Obj]]) -> None:
    for name in AUTOSCALED:
        objects = rendered[name]
        annotations = one(objects, "Deployment")["spec"]["template"]["metadata"].get(
            "annotations", {}
        )
        monitors = [o for o in objects if o["kind"] == "ServiceMonitor"]
        assert annotations.get("prometheus.io/scrape") == "true" or monitors, name


def test_scrape_annotations_name_the_metrics_port(rendered: dict[str, list[Obj]]) -> None:
    deployment = one(rendered["keda"], "Deployment")
    annotations = deployment["spec"]["template"]["metadata"]["annotations"]
    ports = deployment["spec"]["template"]["spec"]["containers"][0]["ports"]
    assert annotations["prometheus.io/path"] == "/metrics"
    assert int(annotations["prometheus.io/port"]) == ports[0]["containerPort"]


def test_servicemonitor_scrapes_the_service_with_the_api_key(
    rendered: dict[str, list[Obj]],
) -> None:
    objects = rendered["hpa"]
    monitor = one(objects, "ServiceMonitor")["spec"]
    service = one(objects, "Service")
    assert monitor["selector"]["matchLabels"].items() <= service["metadata"]["labels"].items()
    (endpoint,) = monitor["endpoints"]
    assert endpoint["port"] == service["spec"]["ports"][0]["name"]
    assert endpoint["path"] == "/metrics"
    assert endpoint["authorization"]["credentials"] == {
        "name": "whisperd-api-key",
        "key": "api-key",
    }
