"""whisperd on Ray Serve: the same app on each replica, behind Ray Serve's proxy.

``serve run whisperd.deploy.ray:app model=tiny.en ray_max_replicas=2`` deploys it on the
cluster ``RAY_ADDRESS`` names; ``python -m whisperd.deploy.ray --port 50060`` starts a local
Ray head on 127.0.0.1 first (``make serve-ray``). Settings come as for ``whisperd serve``
(``WHISPERD_*`` variables, ``WHISPERD_CONFIG``), builder arguments winning.

Each replica builds :func:`whisperd.app.create_app` (lifespan included: Ray Serve runs it
when the replica starts and when it stops) and names itself in an ``X-Served-By`` header on
every answer and WebSocket handshake (an answer without it came from Ray's proxy itself,
such as a full queue's 503, which :mod:`whisperd.deploy.ray_proxy` puts in the protocol's
error shape; it also sends a lost replica's requests again). A replica that stops
(scale-down, redeploy) first lets its live sessions transcribe what they hold and close
with 1001.

The local head listens on loopback only (docs/ray.md, "Network").
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import logging
import os
import signal
import sys
import threading
import typing as t
from pathlib import Path

import ray
from ray import serve
from ray.serve.config import HTTPOptions
from starlette.datastructures import MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from whisperd.app import create_app
from whisperd.deploy.head_env import LOCAL_HEAD_ENV
from whisperd.deploy.ray_proxy import SERVED_BY_HEADER, SERVED_BY_RAW
from whisperd.engine import allocator
from whisperd.http.draining import ServiceHolder
from whisperd.settings import Settings, is_loopback_host, load_settings
from whisperd.store.catalog import KNOWN_MODELS, locate

if t.TYPE_CHECKING:
    from ray.serve.deployment import Application

logger = logging.getLogger("whisperd.ray")

DEPLOYMENT_NAME = "whisperd"


class ReplicaApp(ServiceHolder):
    """The app as a replica serves it: ``X-Served-By: <replica id>`` on every HTTP answer and
    WebSocket handshake, and the lifespan's state in every request's scope, as uvicorn puts
    it there (Ray Serve runs the lifespan but does not pass its state on)."""

    def __init__(self, app: ASGIApp, replica: str) -> None:
        super().__init__(app)
        self.replica = replica

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] not in ("http", "websocket"):
            await super().__call__(scope, receive, send)
            return
        scope = {**scope, "state": {**self.state, **scope.get("state", {})}}

        async def send_named(message: Message) -> None:
            if message["type"] == "http.response.start":
                MutableHeaders(scope=message)[SERVED_BY_HEADER] = self.replica
            elif message["type"] == "websocket.accept":
                headers = list(message.get("headers", []))
                headers.append((SERVED_BY_RAW, self.replica.encode()))
                message = {**message, "headers": headers}
            await send(message)

        await self.app(scope, receive, send_named)


def replica_settings(settings: Settings) -> Settings:
    """``settings`` for one replica: threads from the CPUs Ray gives it, not the machine's."""
    if settings.cpu_threads > 0 or settings.ray_replica_gpus > 0:
        return settings
    workers = settings.workers or 1
    threads = max(1, int(settings.ray_replica_cpus) // workers)
    return dataclasses.replace(settings, cpu_threads=threads, workers=workers)


def resolve_model_once(settings: Settings) -> None:
    """Assemble the default model's pack before the app starts; the pack store locks its
    cache directory, so the first replica of a node does it and the others find it done."""
    if settings.model in KNOWN_MODELS:
        locate(settings.model, Path(settings.cache_dir))


def node_ip() -> str:
    address: str = ray.util.get_node_ip_address()  # type: ignore[no-untyped-call,unused-ignore]
    return address


_WILDCARD = "[::]:"


def bind_replica_grpc_to_loopback() -> None:
    """Ray Serve (2.60) binds each replica's inter-deployment gRPC server to every interface,
    ``[::]:0``, with no option to change it, although its callers dial ``<node IP>:<port>``.
    On a loopback node (the local head) bind that IP instead. Call it before the replica
    starts its servers: in the deployment's constructor."""
    address = node_ip()
    if not is_loopback_host(address):
        return
    try:
        from ray.serve._private import replica as serve_replica
    except ImportError:
        return
    add_port = getattr(serve_replica, "add_port_to_grpc_server", None)
    if add_port is None or getattr(add_port, "__name__", "") == "add_port_on_node_ip":
        return
    host = f"[{address}]" if ":" in address else address

    def add_port_on_node_ip(server: t.Any, bind: str) -> t.Any:
        if bind.startswith(_WILDCARD):
            bind = f"{host}:{bind.removeprefix(_WILDCARD)}"
        return add_port(server, bind)

    serve_replica.add_port_to_grpc_server = add_port_on_node_ip  # type: ignore[attr-defined,unused-ignore]


def drain_when_stopping(drain: t.Callable[[], object]) -> None:
    """Call ``drain`` as soon as this replica begins its graceful shutdown.

    Ray Serve (2.60) tells the user callable (``__del__``, the lifespan's end) only after
    the replica's ongoing requests have ended, and an open WebSocket is one until it
    closes: live sessions would hold the replica until ``graceful_shutdown_timeout_s``
    and then be cut. Ray's own drain starts with ``Replica._perform_graceful_shutdown``;
    ``drain`` runs first, so the sessions finish and close (1001) while Ray waits."""
    try:
        from ray.serve._private.replica import Replica
    except ImportError:
        return
    original = getattr(Replica, "_perform_graceful_shutdown", None)
    if original is None or getattr(original, "whisperd_drain", None) is not None:
        return

    async def perform_graceful_shutdown(self: t.Any) -> None:
        try:
            drain()
        except Exception:  # the drain is a courtesy; Ray's shutdown must go on
            logger.exception("could not start draining the live sessions")
        await original(self)

    perform_graceful_shutdown.whisperd_drain = drain  # type: ignore[attr-defined]
    Replica._perform_graceful_shutdown = perform_graceful_shutdown  # type: ignore[method-assign,unused-ignore]


@serve.ingress()
class WhisperdReplica:
    """One replica: the whole whisperd app, its lifespan run by Ray Serve."""

    def __init__(self, settings: Settings) -> None:
        allocator.limit_arenas()  # as `whisperd` does at start (Ray's own threads run already)
        bind_replica_grpc_to_loopback()
        self.settings = replica_settings(settings)
        resolve_model_once(self.settings)

    def __serve_build_asgi_app__(self) -> ASGIApp:
        replica = serve.get_replica_context().replica_id.unique_id
        app = ReplicaApp(create_app(self.settings), replica)
        drain_when_stopping(lambda: app.drain_soon(self.settings.shutdown_timeout))
        return app


def deployment_options(settings: Settings) -> dict[str, t.Any]:
    """Ray Serve options from the settings: replica size, admission and autoscaling."""
    workers = settings.workers or 1
    # A replica admits what one whisperd process admits: its workers, its queue and its
    # live sessions (a socket holds its slot while it is open); more wait in Ray's queue.
    ongoing = workers + settings.max_queue + settings.max_live_sessions
    actor: dict[str, float] = {"num_cpus": settings.ray_replica_cpus}
    if settings.ray_replica_gpus > 0:
        actor["num_gpus"] = settings.ray_replica_gpus
    return {
        "name": DEPLOYMENT_NAME,
        "ray_actor_options": actor,
        "max_ongoing_requests": ongoing,
        "max_queued_requests": settings.max_queue,
        "autoscaling_config": {
            "min_replicas": settings.ray_min_replicas,
            "initial_replicas": settings.ray_min_replicas,
            "max_replicas": max(settings.ray_min_replicas, settings.ray_max_replicas),
            # Scale up once each replica has all its workers busy and as many waiting.
            "target_ongoing_requests": 2 * workers,
        },
        "graceful_shutdown_timeout_s": settings.shutdown_timeout,
        "health_check_period_s": 5.0,
    }


def build(settings: Settings) -> Application:
    """The Ray Serve application for ``settings``."""
    deployment = serve.deployment(**deployment_options(settings))(WhisperdReplica)
    application: Application = deployment.bind(settings)
    return application


def settings_from_args(
    args: t.Mapping[str, str], environ: t.Mapping[str, str] | None = None
) -> Settings:
    """Settings from the environment, builder arguments (``model=tiny.en``) winning."""
    known = {f.name for f in dataclasses.fields(Settings)}
    unknown = sorted(set(args) - known)
    if unknown:
        raise ValueError(f"unknown settings: {', '.join(unknown)}")
    merged = dict(os.environ if environ is None else environ)
    merged.update({Settings.env_var(name): str(value) for name, value in args.items()})
    return load_settings(None, merged)


def app(args: dict[str, str]) -> Application:
    """The builder ``serve run whisperd.deploy.ray:app key=value...`` calls."""
    return build(settings_from_args(args))


def main(argv: list[str] | None = None) -> None:
    """Serve on one machine (a local Ray head on 127.0.0.1) or on ``RAY_ADDRESS``'s cluster."""
    parser = argparse.ArgumentParser(prog="python -m whisperd.deploy.ray")
    parser.add_argument("--port", type=int, default=50060, help="Ray Serve's HTTP port.")
    parser.add_argument("--replicas", type=int, default=None, help="Fixed replica count.")
    parser.add_argument("--model", default=None, help="Default model (settings' model).")
    parser.add_argument("--num-cpus", type=float, default=None, help="Local head's CPUs.")
    options = parser.parse_args(argv)
    overrides: dict[str, str] = {}
    if options.model:
        overrides["model"] = options.model
    if options.replicas:
        overrides["ray_min_replicas"] = overrides["ray_max_replicas"] = str(options.replicas)
    settings = settings_from_args(overrides)

    os.environ.setdefault("RAY_USAGE_STATS_ENABLED", "0")
    if os.environ.get("RAY_ADDRESS"):
        ray.init(address=os.environ["RAY_ADDRESS"])
    else:
        if any(name not in os.environ for name in LOCAL_HEAD_ENV):
            # Ray is imported already: start again with its environment set.
            args = sys.argv[1:] if argv is None else argv
            command = [sys.executable, "-m", "whisperd.deploy.ray", *args]
            os.execve(sys.executable, command, {**LOCAL_HEAD_ENV, **os.environ})
        needed = settings.ray_replica_cpus * max(settings.ray_min_replicas, 1)
        ray.init(
            num_cpus=int(options.num_cpus or max(needed, float(os.cpu_count() or 1))),
            include_dashboard=False,
            _node_ip_address="127.0.0.1",
        )
        if not is_loopback_host(node_ip()):
            ray.shutdown()
            raise SystemExit(
                f"the local Ray head took {node_ip()}, not loopback: "
                "RAY_ENABLE_WINDOWS_OR_OSX_CLUSTER must be 0 when Ray is imported"
            )
    serve.start(http_options=HTTPOptions(host=settings.host, port=options.port))
    serve.run(build(settings), name=DEPLOYMENT_NAME, route_prefix="/")
    print(json.dumps({"serving": f"http://{settings.host}:{options.port}/v1"}), flush=True)
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    signal.signal(signal.SIGINT, lambda *_: stop.set())
    stop.wait()
    serve.shutdown()  # type: ignore[no-untyped-call,unused-ignore]
    ray.shutdown()


if __name__ == "__main__":
    main()
