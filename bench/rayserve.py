"""whisperd on Ray Serve against whisperd alone, on this machine (``make bench-ray``).

1. Proxy overhead: the same files, one at a time, to one whisperd process and to one Ray
   Serve replica of the same size (workers, threads, model) behind Ray's proxy, requests to
   the two alternating; per file the median of the repetitions, and the ratio Ray / direct
   (target: at most 1.05).
2. Throughput under load: concurrent clients to whisperd alone, to 1 replica x 2 threads and
   to 2 replicas x 1 thread, then to whisperd alone again (how much the machine drifted), in
   audio seconds answered per wall second.

Ray runs a local head on 127.0.0.1 in this process, as ``make serve-ray`` does. Results go to
``bench/results/<date>-<host>-ray.{json,md}``; bench/README.md quotes them.
"""

from __future__ import annotations

import argparse
import datetime
import itertools
import json
import os
import socket
import statistics
import sys
import tempfile
import time
import typing as t
from dataclasses import dataclass
from importlib import metadata
from pathlib import Path

import psutil
from whisperd.deploy.head_env import LOCAL_HEAD_ENV

# Ray reads these when imported: a head on loopback only, no usage reports.
os.environ.update(LOCAL_HEAD_ENV)

from bench.client import new_client, transcribe_json
from bench.corpus import Clip, Corpus, default_shared_dir
from bench.load import run_concurrently
from bench.progress import log
from bench.server import Server, free_port
from bench.system import machine, versions

RESULTS_DIR = Path(__file__).resolve().parent / "results"
TARGET_OVERHEAD = 1.05


@dataclass(frozen=True)
class Shape:
    """How the machine's cores are cut: replicas (or one process) x threads each."""

    name: str
    replicas: int
    threads: int


def per_file_overhead(
    direct: dict[str, list[float]], ray: dict[str, list[float]]
) -> dict[str, t.Any]:
    """Per file the median seconds of each side and their ratio; overall the median ratio."""
    files = {}
    for name in direct:
        alone, proxied = statistics.median(direct[name]), statistics.median(ray[name])
        files[name] = {"direct_s": alone, "ray_s": proxied, "ratio": proxied / alone}
    ratios = [f["ratio"] for f in files.values()]
    overall = statistics.median(ratios)
    return {
        "files": files,
        "median_ratio": overall,
        "max_ratio": max(ratios),
        "target": TARGET_OVERHEAD,
        "met": overall <= TARGET_OVERHEAD,
    }


def file_latencies(
    sides: dict[str, str], model: str, clips: list[Clip], repeats: int
) -> dict[str, dict[str, list[float]]]:
    """Each clip ``repeats`` times to each side (name -> base URL), one request at a time,
    the sides alternating request by request (and their order each round), so that drift
    in the machine's speed (a shared VM's steal time) falls on all sides alike."""
    seconds: dict[str, dict[str, list[float]]] = {
        side: {clip.name: [] for clip in clips} for side in sides
    }
    clients = {side: new_client(url) for side, url in sides.items()}
    try:
        for client in clients.values():
            transcribe_json(client, clips[0], model)  # warm-up
        order = list(sides)
        for _ in range(repeats):
            for clip in clips:
                for side in order:
                    answer = transcribe_json(clients[side], clip, model)
                    seconds[side][clip.name].append(answer.seconds)
            order.reverse()
    finally:
        for client in clients.values():
            client.close()
    return seconds


def load(
    base_url: str, model: str, clips: list[Clip], clients: int, requests: int
) -> dict[str, t.Any]:
    pool = list(itertools.islice(itertools.cycle(clips), requests))
    run_concurrently(base_url, model, clips[:clients], clients)  # warm every worker
    result = run_concurrently(base_url, model, pool, clients)
    result.pop("texts")
    result.pop("latency_samples")
    return result


class RayCluster:
    """A local Ray head on 127.0.0.1 and Ray Serve's proxy on a free port."""

    def __init__(self, cpus: int) -> None:
        import ray
        from ray import serve

        self.ray, self.serve = ray, serve
        ray.init(num_cpus=cpus, include_dashboard=False, _node_ip_address="127.0.0.1",
                 log_to_driver=False)  # fmt: skip
        self.port = free_port()
        serve.start(http_options={"host": "127.0.0.1", "port": self.port})
        self.base_url = f"http://127.0.0.1:{self.port}"

    def deploy(self, model: str, shape: Shape, beam_size: int) -> float:
        """(Re)deploy whisperd in ``shape``; returns seconds until every replica was ready."""
        from whisperd.deploy.ray import DEPLOYMENT_NAME, build
        from whisperd.settings import Settings

        started = time.monotonic()
        if self._deployed():
            self.serve.delete(DEPLOYMENT_NAME)
        settings = Settings(
            model=model, workers=1, beam_size=beam_size, ray_min_replicas=shape.replicas,
            ray_max_replicas=shape.replicas, ray_replica_cpus=float(shape.threads),
        )  # fmt: skip
        self.serve.run(build(settings), name=DEPLOYMENT_NAME, route_prefix="/")
        wait_ready(self.base_url)
        return time.monotonic() - started

    def _deployed(self) -> bool:
        from whisperd.deploy.ray import DEPLOYMENT_NAME

        return DEPLOYMENT_NAME in self.serve.status().applications

    def stop(self) -> None:
        self.serve.shutdown()  # type: ignore[no-untyped-call,unused-ignore]
        self.ray.shutdown()


def wait_ready(base_url: str, timeout: float = 300.0) -> None:
    import httpx

    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            if httpx.get(f"{base_url}/ready", timeout=5).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.5)
    raise RuntimeError(f"{base_url} was not ready after {timeout:.0f} s")


def steal_seconds() -> float:
    return float(getattr(psutil.cpu_times(), "steal", 0.0))


def run(args: argparse.Namespace) -> dict[str, t.Any]:
    from whisperd.settings import load_settings
    from whisperd.store.catalog import locate

    cores = os.cpu_count() or 2
    cache_dir = Path(load_settings(None, dict(os.environ)).cache_dir).expanduser()
    locate(args.model, cache_dir)
    scratch = Path(tempfile.mkdtemp(prefix="whisperd-bench-ray-"))
    corpus = Corpus(Path(args.shared_dir) / "audio", scratch)
    clips = corpus.short_clips(args.files)
    log(f"{len(clips)} files, {sum(c.duration for c in clips):.0f} s of audio, model {args.model}")
    flags = ["--workers", "1", "--cpu-threads", str(cores), "--beam-size", str(args.beam_size)]
    out: dict[str, t.Any] = {
        "machine": machine(),
        "versions": {**versions(), "ray": metadata.version("ray")},
        "model": args.model,
        "beam_size": args.beam_size,
        "files": [clip.describe() for clip in clips],
        "repeats": args.repeats,
        "clients": args.clients,
        "requests": args.requests,
    }
    one, spread = f"1 replica x {cores} threads", f"{cores} replicas x 1 thread"
    alone = f"whisperd alone, 1 x {cores} threads"
    started, steal_start = time.monotonic(), steal_seconds()
    throughput: dict[str, dict[str, t.Any]] = {}
    # Both stay up for the whole run (the idle one costs next to nothing), so requests to
    # either side can alternate.
    with Server(args.model, cache_dir, scratch / "direct.log", flags) as direct:
        direct.wait_ready()
        cluster = RayCluster(cpus=cores)
        try:
            startup = {one: cluster.deploy(args.model, Shape(one, 1, cores), args.beam_size)}
            log(f"files one at a time, alternating whisperd alone and Ray Serve {one}")
            sides = {"direct": direct.base_url, "ray": cluster.base_url}
            seconds = file_latencies(sides, args.model, clips, args.repeats)
            out["overhead"] = per_file_overhead(seconds["direct"], seconds["ray"])
            for name, url in ((alone, direct.base_url), (f"Ray Serve, {one}", cluster.base_url)):
                log(f"{name}: {args.clients} clients")
                throughput[name] = load(url, args.model, clips, args.clients, args.requests)
            startup[spread] = cluster.deploy(args.model, Shape(spread, cores, 1), args.beam_size)
            log(f"Ray Serve, {spread}: {args.clients} clients")
            throughput[f"Ray Serve, {spread}"] = load(
                cluster.base_url, args.model, clips, args.clients, args.requests
            )
            log(f"{alone} again (drift check): {args.clients} clients")
            throughput[f"{alone}, again"] = load(
                direct.base_url, args.model, clips, args.clients, args.requests
            )
            out["deploy_seconds"] = startup
        finally:
            cluster.stop()
    wall = time.monotonic() - started
    out["throughput"] = throughput
    out["wall_seconds"] = wall
    out["steal_cores"] = (steal_seconds() - steal_start) / wall
    out["loadavg_at_end"] = list(os.getloadavg())
    return out


def markdown(result: dict[str, t.Any]) -> str:
    overhead, host = result["overhead"], result["machine"]
    lines = [
        f"Model {result['model']} (beam {result['beam_size']}), {len(result['files'])} read-"
        f"speech files, {result['repeats']} repetitions each; {host['cpu_model']}, "
        f"{host['logical_cores']} logical cores; ray {result['versions'].get('ray', '?')}. "
        f"Steal time (other virtual machines on these cores) {result['steal_cores']:.2f} "
        f"cores on average over the {result['wall_seconds'] / 60:.0f} min run.",
        "",
        "| file | direct (s) | Ray Serve (s) | ratio |",
        "|---|---:|---:|---:|",
    ]
    for name, f in overhead["files"].items():
        lines.append(f"| {name} | {f['direct_s']:.3f} | {f['ray_s']:.3f} | {f['ratio']:.3f} |")
    verdict = "met" if overhead["met"] else "MISSED"
    lines += [
        "",
        f"Median ratio {overhead['median_ratio']:.3f}, worst {overhead['max_ratio']:.3f} "
        f"(target <= {overhead['target']}: {verdict}).",
        "",
        f"| {result['clients']} clients, {result['requests']} requests | audio s / s | "
        "p50 latency (s) | statuses |",
        "|---|---:|---:|---|",
    ]
    for name, load_result in result["throughput"].items():
        lines.append(
            f"| {name} | {load_result['throughput']:.2f} | "
            f"{load_result['latency'].get('p50', float('nan')):.2f} | {load_result['statuses']} |"
        )
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.rayserve", description=__doc__)
    parser.add_argument("--model", default="base")
    parser.add_argument("--beam-size", type=int, default=5)
    parser.add_argument("--files", type=int, default=6, help="read-speech files")
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--clients", type=int, default=4)
    parser.add_argument("--requests", type=int, default=24)
    parser.add_argument("--shared-dir", default=str(default_shared_dir()))
    parser.add_argument("--out-dir", default=str(RESULTS_DIR))
    args = parser.parse_args(argv)
    result = run(args)
    stamp = f"{datetime.date.today().isoformat()}-{socket.gethostname()}-ray"
    out_dir = Path(args.out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    (out_dir / f"{stamp}.json").write_text(json.dumps(result, indent=2) + "\n")
    report = markdown(result)
    (out_dir / f"{stamp}.md").write_text(report)
    sys.stdout.write(report)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
