"""The web page in a real browser (headless Debian chromium, driven by Playwright) against a
served whisperd (tiny.en): a file upload with live text, downloads and word highlighting;
the microphone over the Realtime socket, fed by chromium's fake capture device; the API-key
prompt. Every test fails on any console error. Screenshots go to a temporary folder, or to
WHISPERD_UI_SCREENSHOTS (`make ui-screenshots` sets docs/images/), so a test run never edits
a tracked file."""

from __future__ import annotations

import json
import os
import re
import tempfile
import typing as t
from fractions import Fraction
from pathlib import Path

import av
import numpy as np
import pytest

from tests.support.browser import DESKTOP, PHONE, Browser, chromium
from tests.support.paths import shared_path
from tests.support.server import ServerProcess, start_server
from tests.support.wer import normalise, read_manifest, word_error_rate

if t.TYPE_CHECKING:
    from playwright.sync_api import Page

pytestmark = pytest.mark.shared

CLIP = "en_read/whisper.cpp__jfk.wav"
IMAGES = Path(os.environ.get("WHISPERD_UI_SCREENSHOTS") or tempfile.mkdtemp(prefix="ui-shots-"))
API_KEY = "ui-test-key"
# tiny.en on a short clip; the page's own words, not a fixed transcript, are what is compared.
LIVE_MAX_WER = 0.4
MAX_WER = 0.25


def reference(relative: str) -> str:
    audio = shared_path("audio")
    return next(row.reference for row in read_manifest(audio) if row.path == relative)


@pytest.fixture(scope="module")
def server(
    tmp_path_factory: pytest.TempPathFactory, model_cache_dir: Path
) -> t.Iterator[ServerProcess]:
    process = start_server(tmp_path_factory, model_cache_dir, "--model", "tiny.en")
    yield process
    process.stop()


@pytest.fixture()
def browser() -> t.Iterator[Browser]:
    with chromium() as opened:
        yield opened
        assert opened.errors == []


def screenshot(page: Page, name: str) -> None:
    IMAGES.mkdir(parents=True, exist_ok=True)
    for label, viewport in (("desktop", DESKTOP), ("phone", PHONE)):
        page.set_viewport_size(viewport)
        page.screenshot(path=str(IMAGES / f"ui-{name}-{label}.png"), full_page=True)
    page.set_viewport_size(DESKTOP)


def downloaded(page: Page, kind: str) -> str:
    with page.expect_download() as info:
        page.click(f'[data-download="{kind}"]')
    path = info.value.path()
    return Path(path).read_text(encoding="utf-8")


# Runs before the page's scripts: keeps the live text shown while no timed words exist yet.
STREAM_WATCH = """
window.streamedText = "";
document.addEventListener("DOMContentLoaded", () => {
  new MutationObserver(() => {
    const live = document.getElementById("live-text").textContent;
    if (live && !document.querySelector("#segments .w")) window.streamedText = live;
  }).observe(document.body, {subtree: true, childList: true, characterData: true});
});
"""


def transcribe_clip(page: Page) -> None:
    page.wait_for_selector("#model option", state="attached")
    page.set_input_files("#file-input", str(shared_path(f"audio/{CLIP}")))
    page.click("#transcribe")
    page.wait_for_selector("#segments .w", timeout=90_000)
    page.wait_for_selector("#transcribe:not([disabled])")


SRT_CUE = re.compile(r"(\d+)\n(\d\d:\d\d:\d\d,\d{3}) --> (\d\d:\d\d:\d\d,\d{3})\n(.+)")
VTT_CUE = re.compile(r"(\d\d:\d\d:\d\d\.\d{3}) --> (\d\d:\d\d:\d\d\.\d{3})\n(.+)")


def seconds(stamp: str) -> float:
    hours, minutes, rest = stamp.replace(",", ".").split(":")
    return int(hours) * 3600 + int(minutes) * 60 + float(rest)


def test_file_upload_shows_the_transcript_and_downloads(
    server: ServerProcess, browser: Browser
) -> None:
    browser.context.add_init_script(STREAM_WATCH)
    page = browser.page(server.base_url + "/")
    posts: list[str] = []
    page.on("request", lambda r: posts.append(r.url) if "transcriptions" in r.url else None)
    transcribe_clip(page)
    shown = page.inner_text("#segments")
    assert word_error_rate(reference(CLIP), shown) <= MAX_WER, shown
    screenshot(page, "file")
    # The event stream's text was on the page before the timed transcript replaced it.
    streamed = page.evaluate("window.streamedText")
    assert word_error_rate(reference(CLIP), streamed) <= MAX_WER, streamed

    text = downloaded(page, "txt")
    body = json.loads(downloaded(page, "json"))
    assert text.strip() == body["text"].strip()
    assert body["words"] and body["segments"]
    srt = SRT_CUE.findall(downloaded(page, "srt"))
    vtt_text = downloaded(page, "vtt")
    vtt = VTT_CUE.findall(vtt_text)
    assert vtt_text.startswith("WEBVTT\n")
    assert [int(cue[0]) for cue in srt] == list(range(1, len(body["segments"]) + 1))
    for cue, segment in zip(srt, body["segments"], strict=True):
        assert abs(seconds(cue[1]) - segment["start"]) < 0.001
        assert abs(seconds(cue[2]) - segment["end"]) < 0.001
        assert cue[3] == segment["text"].strip()
    assert [(seconds(a), seconds(b), c) for a, b, c in vtt] == [
        (seconds(a), seconds(b), c) for _, a, b, c in srt
    ]
    assert len(posts) == 2  # the event stream, then the timing pass


def test_words_are_highlighted_in_step_with_playback(
    server: ServerProcess, browser: Browser
) -> None:
    page = browser.page(server.base_url + "/")
    transcribe_clip(page)
    page.evaluate("document.getElementById('media').muted = true")
    page.evaluate("document.getElementById('media').play()")
    checked = 0
    for _ in range(40):
        page.wait_for_timeout(150)
        found = page.evaluate(
            """() => {
              const media = document.getElementById('media');
              const word = document.querySelector('.w.active');
              return word && {t: media.currentTime, start: +word.dataset.start,
                              end: +word.dataset.end, paused: media.paused};
            }"""
        )
        if found and not found["paused"]:
            # The page moves the mark every frame; allow one frame of playback between.
            assert found["start"] - 0.05 <= found["t"] <= found["end"] + 0.05, found
            checked += 1
    assert checked >= 5
    page.evaluate("document.getElementById('media').pause()")
    word = page.locator(".w").nth(7)
    start = float(word.get_attribute("data-start") or "nan")
    word.click()
    current = page.evaluate("document.getElementById('media').currentTime")
    assert abs(current - start) < 0.01
    page.wait_for_selector(".w.active", timeout=2000)
    assert page.evaluate("document.querySelector('.w.active').dataset.start") == str(
        word.get_attribute("data-start")
    )


def fake_microphone_wav(path: Path, clip: Path, silence: float = 4.0) -> Path:
    """The clip as 16-bit PCM mono at 48 kHz, then silence so the server's VAD ends the turn."""
    pieces: list[np.ndarray] = []
    with av.open(str(clip)) as source:
        resampler = av.AudioResampler(format="s16", layout="mono", rate=48000)
        for frame in source.decode(audio=0):
            for out in resampler.resample(frame):
                pieces.append(out.to_ndarray().reshape(-1))
        for out in resampler.resample(None):
            pieces.append(out.to_ndarray().reshape(-1))
    samples = np.concatenate([*pieces, np.zeros(int(48000 * silence), dtype=np.int16)])
    with av.open(str(path), "w", format="wav") as sink:
        stream = sink.add_stream("pcm_s16le", rate=48000, layout="mono")
        frame = av.AudioFrame.from_ndarray(samples.reshape(1, -1), format="s16", layout="mono")
        frame.sample_rate = 48000
        frame.time_base = Fraction(1, 48000)
        for packet in stream.encode(frame):
            sink.mux(packet)
        for packet in stream.encode(None):
            sink.mux(packet)
    return path


# Runs before the page's scripts: records the confirmed text of turns still open, after each
# change of the page (a delta and its turn's completion arrive as separate socket messages).
LIVE_WATCH = """
window.liveSeen = [];
document.addEventListener("DOMContentLoaded", () => {
  new MutationObserver(() => {
    for (const span of document.querySelectorAll('#segments li[data-final="false"] .confirmed')) {
      if (span.textContent.trim()) window.liveSeen.push(span.textContent.trim());
    }
  }).observe(document.body,
             {subtree: true, childList: true, characterData: true, attributes: true});
});
"""


def test_microphone_shows_words_live_then_the_final_text(
    server: ServerProcess, tmp_path: Path
) -> None:
    wav = fake_microphone_wav(tmp_path / "speech.wav", shared_path(f"audio/{CLIP}"))
    fake = [
        "--use-fake-ui-for-media-stream",
        "--use-fake-device-for-media-stream",
        f"--use-file-for-fake-audio-capture={wav}",
    ]
    with chromium(fake) as browser:
        frames: list[dict[str, t.Any]] = []
        browser.context.add_init_script(LIVE_WATCH)
        page = browser.page(server.base_url + "/")
        page.on(
            "websocket", lambda ws: ws.on("framereceived", lambda f: frames.append(json.loads(f)))
        )
        page.wait_for_selector("#model option", state="attached")
        page.click("#tab-mic")
        page.click("#mic-start")
        page.wait_for_selector('#segments li[data-final="true"]', timeout=60_000)
        level = page.evaluate("document.getElementById('level').value")
        screenshot(page, "microphone")
        page.wait_for_function(
            """(ref) => {
              const finals = [...document.querySelectorAll('#segments li[data-final="true"]')];
              return finals.map((li) => li.querySelector('.confirmed').textContent).join(' ')
                .split(/\\s+/).filter(Boolean).length >= ref * 0.8;
            }""",
            arg=len(reference(CLIP).split()),
            timeout=60_000,
        )
        page.click("#mic-stop")
        page.wait_for_selector("#mic-start:not([disabled])", timeout=20_000)
        finals = page.locator('#segments li[data-final="true"] .confirmed').all_inner_texts()
        live = page.evaluate("window.liveSeen")
        text = downloaded(page, "txt")
        assert browser.errors == []
    assert level > 0
    # The server's confirmed words came before each turn's completed transcript, and the
    # page showed them while the turn was still open.
    order = [(f["type"], f.get("item_id")) for f in frames]
    for kind, item in order:
        if kind == "conversation.item.input_audio_transcription.completed":
            delta = ("conversation.item.input_audio_transcription.delta", item)
            assert delta in order and order.index(delta) < order.index((kind, item))
    assert live
    live_words = normalise(" ".join(live)).split()
    final_words = set(normalise(" ".join(finals)).split())
    assert sum(word in final_words for word in live_words) >= 0.8 * len(live_words), live
    # The page shows exactly the turns the server completed, and they are the clip's words
    # (tiny.en on short live turns: a sanity bound, the model's accuracy is not tested here).
    completed = [
        f["transcript"]
        for f in frames
        if f["type"] == "conversation.item.input_audio_transcription.completed"
    ]
    assert [normalise(t) for t in finals] == [normalise(t) for t in completed if t.strip()]
    spoken = " ".join(finals)
    first_pass = " ".join(spoken.split()[: len(reference(CLIP).split())])
    assert word_error_rate(reference(CLIP), first_pass) <= LIVE_MAX_WER, spoken
    assert text.split() == spoken.split()


@pytest.fixture(scope="module")
def keyed_server(
    tmp_path_factory: pytest.TempPathFactory, model_cache_dir: Path
) -> t.Iterator[ServerProcess]:
    process = start_server(
        tmp_path_factory, model_cache_dir, "--model", "tiny.en", "--api-key", API_KEY
    )
    yield process
    process.stop()


def test_the_page_asks_for_a_key_and_keeps_it_for_the_session(
    keyed_server: ServerProcess, browser: Browser
) -> None:
    page = browser.page(keyed_server.base_url + "/")
    page.wait_for_selector("#key-input")
    assert page.is_hidden("#app")
    screenshot(page, "key")
    page.fill("#key-input", API_KEY)
    page.press("#key-input", "Enter")
    page.wait_for_selector("#app", state="visible")
    assert page.evaluate("sessionStorage.getItem('whisperd.apiKey')") == API_KEY
    page.reload()
    page.wait_for_selector("#app", state="visible")
    assert page.is_hidden("#key-panel")
    page.uncheck("#timings")
    page.set_input_files("#file-input", str(shared_path(f"audio/{CLIP}")))
    page.click("#transcribe")
    page.wait_for_selector("#transcribe:not([disabled])", timeout=60_000)
    assert page.is_hidden("#file-error")
    shown = page.inner_text("#live-text")
    assert word_error_rate(reference(CLIP), shown) <= MAX_WER, shown
