"""The gauges the autoscalers query are ones the real server exports at /metrics, run with
the settings the CPU overlay gives it (the smallest model pack, so it stays quick)."""

from __future__ import annotations

import typing as t
from pathlib import Path

import yaml
from manifests import K8S, Obj, environment, metric_names, one
from starlette.testclient import TestClient
from whisperd.app import create_app
from whisperd.settings import load_settings


def exported_names(text: str) -> set[str]:
    return {line.split()[0].split("{")[0] for line in text.splitlines() if line and line[0] != "#"}


def queried_names(rendered: dict[str, list[Obj]]) -> set[str]:
    keda = one(rendered["keda"], "ScaledObject")["spec"]["triggers"][0]["metadata"]["query"]
    configmap = yaml.safe_load((K8S / "components/hpa/prometheus-adapter-rules.yaml").read_text())
    rules: list[dict[str, t.Any]] = yaml.safe_load(configmap["data"]["config.yaml"])["rules"]
    names = metric_names(keda)
    for rule in rules:
        names |= metric_names(rule["seriesQuery"]) | metric_names(rule["metricsQuery"])
    return names


def test_server_exports_the_gauges_the_autoscalers_query(
    rendered: dict[str, list[Obj]], tmp_path: Path
) -> None:
    env = environment(rendered["cpu"]) | {
        "WHISPERD_MODEL": "tiny.en",
        "WHISPERD_CACHE_DIR": str(tmp_path),
    }
    settings = load_settings(None, env)
    app = create_app(settings)
    with TestClient(app) as client:
        answer = client.get("/metrics")
    assert answer.status_code == 200
    queried = queried_names(rendered)
    assert queried, "the autoscalers query no whisperd metric"
    assert queried <= exported_names(answer.text)
