"""whisperd on a local Ray Serve cluster (127.0.0.1): two tiny.en replicas behind Ray
Serve's proxy, reached with the official OpenAI SDK; one replica killed under load; every
Ray process listening on, and talking to, loopback only."""

from __future__ import annotations

import base64
import concurrent.futures
import contextlib
import dataclasses
import json
import os
import signal
import threading
import time
import typing as t
from pathlib import Path

import httpx
import pytest
from whisperd.deploy.head_env import LOCAL_HEAD_ENV

from tests.support.asyncapi import validate_server_event
from tests.support.paths import shared_path
from tests.support.realtime import (
    COMPLETED,
    TRANSCRIPTION_URL,
    buffer_audio,
    load_samples,
    messages_until_closed,
    open_manual_session,
    pcm16,
)
from tests.support.server import free_port
from tests.support.sockets import Socket, is_loopback, process_tree, sockets_of

# As deploy/ray.py starts a local head; Ray reads these when imported.
os.environ.update(LOCAL_HEAD_ENV)
ray = pytest.importorskip("ray", reason="the ray extra is not installed (make test-ray)")
from ray import serve  # noqa: E402
from whisperd.deploy.ray import DEPLOYMENT_NAME, build  # noqa: E402
from whisperd.deploy.ray_proxy import SERVED_BY_HEADER  # noqa: E402
from whisperd.settings import Settings  # noqa: E402

pytestmark = pytest.mark.timeout(240)

REPLICAS = 2
CLIP = "en_read/whisper.cpp__jfk.wav"
SETTINGS = Settings(
    model="tiny.en", workers=1, beam_size=1, ray_min_replicas=REPLICAS,
    ray_max_replicas=REPLICAS, ray_replica_cpus=1.0, shutdown_timeout=5.0,
)  # fmt: skip


def stop_leftovers(before: set[int]) -> None:
    """Kill what this module started and ray.shutdown left running (not `ray stop`, which
    stops every Ray on the machine)."""
    for pid in process_tree(os.getpid()) - before:
        with contextlib.suppress(ProcessLookupError):
            os.kill(pid, signal.SIGKILL)


@pytest.fixture(scope="module")
def clip() -> Path:
    return shared_path(f"audio/{CLIP}")


@pytest.fixture(scope="module")
def proxy_url() -> t.Iterator[str]:
    before = process_tree(os.getpid())
    http_port = free_port()
    try:
        # A local head in this process; 4 declared CPUs so two 1-CPU replicas fit on 2 cores.
        ray.init(num_cpus=4, include_dashboard=False, _node_ip_address="127.0.0.1",
                 log_to_driver=False)  # fmt: skip
        serve.start(http_options={"host": "127.0.0.1", "port": http_port})
        serve.run(build(SETTINGS), name=DEPLOYMENT_NAME, route_prefix="/")
        url = f"http://127.0.0.1:{http_port}"
        wait_ready(url)
        yield url
    finally:
        try:
            serve.shutdown()
            ray.shutdown()
        finally:
            stop_leftovers(before)


def wait_ready(url: str, timeout: float = 120.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            if httpx.get(f"{url}/ready", timeout=5).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.5)
    raise AssertionError("the replicas did not become ready")


def transcribe(url: str, clip: Path) -> httpx.Response:
    with clip.open("rb") as audio:
        return httpx.post(
            f"{url}/v1/audio/transcriptions",
            files={"file": (clip.name, audio)},
            data={"model": "whisper-1"},
            timeout=120,
        )


def replica_actor_names() -> list[str]:
    return [
        entry["name"]
        for entry in ray.util.list_named_actors(all_namespaces=True)
        if entry["name"].startswith("SERVE_REPLICA::")
    ]


def ray_sockets() -> list[Socket]:
    """The sockets of this process (Ray's driver) and of the Ray processes it started."""
    return sockets_of(process_tree(os.getpid()))


def test_ray_listens_on_loopback_only(proxy_url: str) -> None:
    listeners = [s for s in ray_sockets() if s.listening]
    # The check sees Ray's servers: the proxy's port, the GCS, the raylet and the replicas.
    proxy_port = int(proxy_url.rsplit(":", 1)[1])
    assert proxy_port in {s.local[1] for s in listeners}
    assert {"gcs_server", "raylet"} <= {s.process for s in listeners}
    replicas = {s.pid for s in listeners if s.process.startswith("ray::ServeRepli")}
    assert len(replicas) == REPLICAS
    assert [str(s) for s in listeners if not is_loopback(s.local[0])] == []


def test_ray_connects_to_loopback_only(proxy_url: str, clip: Path) -> None:
    assert transcribe(proxy_url, clip).status_code == 200
    connected = [s for s in ray_sockets() if s.connected]
    assert {"gcs_server", "raylet"} <= {s.process for s in connected}
    assert [str(s) for s in connected if not is_loopback(s.remote[0])] == []


def test_json_transcription_through_the_proxy(proxy_url: str, clip: Path) -> None:
    import openai

    client = openai.OpenAI(base_url=f"{proxy_url}/v1", api_key="unused", max_retries=0)
    raw = client.audio.transcriptions.with_raw_response.create(model="whisper-1", file=clip)
    assert "ask not what your country" in raw.parse().text.lower()
    assert raw.headers.get(SERVED_BY_HEADER)


def test_stream_through_the_proxy(proxy_url: str, clip: Path) -> None:
    import openai

    client = openai.OpenAI(base_url=f"{proxy_url}/v1", api_key="unused", max_retries=0)
    events = list(client.audio.transcriptions.create(model="whisper-1", file=clip, stream=True))
    assert events[-1].type == "transcript.text.done"
    assert "".join(e.delta for e in events[:-1]) == events[-1].text
    assert len(events) > 2


def test_realtime_session_with_manual_commit(proxy_url: str, clip: Path) -> None:
    import openai

    client = openai.OpenAI(base_url=f"{proxy_url}/v1", api_key="unused")
    audio = pcm16(load_samples(clip))
    with client.realtime.connect(extra_query={"intent": "transcription"}) as connection:
        assert connection.recv().type == "session.created"
        connection.session.update(
            session={"type": "transcription", "audio": {"input": {"turn_detection": None}}}
        )
        assert connection.recv().type == "session.updated"
        for start in range(0, len(audio), 48_000):
            chunk = base64.b64encode(audio[start : start + 48_000]).decode()
            connection.input_audio_buffer.append(audio=chunk)
        connection.input_audio_buffer.commit()
        done = None
        deadline = time.monotonic() + 60
        while done is None and time.monotonic() < deadline:
            event = connection.recv()
            if event.type == "conversation.item.input_audio_transcription.completed":
                done = event
    assert done is not None
    assert "ask not what your country" in done.transcript.lower()


def test_requests_spread_over_both_replicas(proxy_url: str, clip: Path) -> None:
    with concurrent.futures.ThreadPoolExecutor(6) as pool:
        answers = list(pool.map(lambda _: transcribe(proxy_url, clip), range(6)))
    assert [a.status_code for a in answers] == [200] * 6
    assert len({a.headers[SERVED_BY_HEADER] for a in answers}) == REPLICAS


def kill_replica(name: str) -> None:
    ray.kill(ray.get_actor(name, namespace="serve"), no_restart=True)


def actor_serving(served_by: str) -> str:
    """The actor name of the replica an ``X-Served-By`` header names."""
    [name] = [n for n in replica_actor_names() if n.endswith(f"#{served_by}")]
    return name


def wait_replaced(victim: str, url: str) -> None:
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        now = set(replica_actor_names())
        if len(now) == REPLICAS and victim not in now:
            break
        time.sleep(1)
    assert victim not in set(replica_actor_names())
    wait_ready(url)


def test_killed_replica_is_replaced_and_the_requests_it_held_are_sent_again(
    proxy_url: str, clip: Path
) -> None:
    before = set(replica_actor_names())
    assert len(before) == REPLICAS
    victim = sorted(before)[0]
    with concurrent.futures.ThreadPoolExecutor(6) as pool:
        pending = [pool.submit(transcribe, proxy_url, clip) for _ in range(6)]
        time.sleep(1.0)
        kill_replica(victim)
        answers = [future.result(timeout=150) for future in pending]
    # Each held request had sent nothing back, so the proxy's guard sent it again.
    assert [a.status_code for a in answers] == [200] * 6, [a.text for a in answers]
    assert all("ask not what your country" in a.json()["text"].lower() for a in answers)
    wait_replaced(victim, proxy_url)
    later = [transcribe(proxy_url, clip) for _ in range(3)]
    assert [a.status_code for a in later] == [200] * 3


def test_a_stream_whose_replica_is_killed_ends_with_an_error_object(proxy_url: str) -> None:
    long_clip = shared_path("audio/en_long/gentle__lucier.mp3")
    frames: list[dict[str, t.Any]] = []
    with (
        long_clip.open("rb") as audio,
        httpx.stream(
            "POST",
            f"{proxy_url}/v1/audio/transcriptions",
            files={"file": (long_clip.name, audio)},
            data={"model": "whisper-1", "stream": "true"},
            timeout=120,
        ) as response,
    ):
        victim = actor_serving(response.headers[SERVED_BY_HEADER])
        for line in response.iter_lines():
            if line.startswith("data: "):
                frames.append(json.loads(line.removeprefix("data: ")))
                if len(frames) == 1:
                    kill_replica(victim)
    assert frames[0]["type"] == "transcript.text.delta"
    assert frames[-1]["error"]["code"] == "replica_lost", frames[-1]
    assert all(f.get("type") != "transcript.text.done" for f in frames)
    wait_replaced(victim, proxy_url)


def test_a_realtime_session_whose_replica_is_killed_gets_an_error_and_1012(
    proxy_url: str, clip: Path
) -> None:
    url = proxy_url.replace("http://", "ws://") + TRANSCRIPTION_URL
    with open_manual_session(url) as connection:
        assert connection.response is not None
        victim = actor_serving(connection.response.headers[SERVED_BY_HEADER])
        buffer_audio(connection, pcm16(load_samples(clip)))
        kill_replica(victim)
        events, code = messages_until_closed(connection, validate_server_event, timeout=60)
    assert events[-1]["type"] == "error"
    assert events[-1]["error"]["code"] == "replica_lost"
    assert code == 1012
    wait_replaced(victim, proxy_url)


def test_a_redeploy_lets_a_live_session_finish_then_closes_it_with_1001(
    proxy_url: str, clip: Path
) -> None:
    url = proxy_url.replace("http://", "ws://") + TRANSCRIPTION_URL
    changed = dataclasses.replace(SETTINGS, live_idle_timeout=SETTINGS.live_idle_timeout + 1)
    redeploy = threading.Thread(
        target=serve.run,
        args=(build(changed),),
        kwargs={"name": DEPLOYMENT_NAME, "route_prefix": "/"},
        daemon=True,
    )
    with open_manual_session(url) as connection:
        buffer_audio(connection, pcm16(load_samples(clip)))
        redeploy.start()  # every replica is replaced, this session's too
        events, code = messages_until_closed(connection, validate_server_event, timeout=120)
    redeploy.join(180)
    assert not redeploy.is_alive()
    kinds = [event["type"] for event in events]
    assert COMPLETED in kinds, kinds
    assert "ask not what your country" in events[kinds.index(COMPLETED)]["transcript"].lower()
    assert events[-1]["error"]["code"] == "server_shutting_down"
    assert code == 1001
    wait_ready(proxy_url)
    assert transcribe(proxy_url, clip).status_code == 200
