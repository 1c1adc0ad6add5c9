"""The live run's targets and markdown, pure functions of its results JSON."""

from __future__ import annotations

import math
import typing as t

from bench.report import fmt, pct, table

ONSET_LIMIT_SECONDS = 1.0
STOP_LIMIT_SECONDS = 0.5
WER_TOLERANCE = 0.01
REAL_TIME_SESSIONS = {"tiny.en": 4, "base": 2}
FIRST_TEXT = {"realtime": "onset_to_first_delta", "deepgram": "onset_to_first_interim"}
FINAL_TEXT = {"realtime": "speech_end_to_completed", "deepgram": "speech_end_to_speech_final"}
DURING_SPEECH = {
    "realtime": "turns_with_delta_during_speech",
    "deepgram": "turns_with_interim_during_speech",
}


def _measured(results: dict[str, t.Any]) -> dict[str, dict[str, t.Any]]:
    return {m: o for m, o in results["models"].items() if o.get("status") == "measured"}


def protocol_of(level: dict[str, t.Any]) -> str:
    return str(level.get("protocol", "realtime"))  # runs from before Deepgram had none


def _levels(out: dict[str, t.Any], protocol: str) -> list[dict[str, t.Any]]:
    return [lv for lv in out["levels"] if protocol_of(lv) == protocol]


def _single(out: dict[str, t.Any], protocol: str = "realtime") -> dict[str, t.Any] | None:
    return next((dict(lv) for lv in _levels(out, protocol) if lv["clients"] == 1), None)


def _columns(results: dict[str, t.Any]) -> list[tuple[str, str, dict[str, t.Any]]]:
    """(model, protocol, model's results) for every protocol a measured model ran."""
    columns = []
    for model, out in _measured(results).items():
        for protocol in ("realtime", "deepgram"):
            if _levels(out, protocol):
                columns.append((model, protocol, out))
    return columns


def most_real_time(out: dict[str, t.Any], protocol: str = "realtime") -> int:
    """The largest number of sessions at which every session kept up (0 if none did)."""
    return max((lv["clients"] for lv in _levels(out, protocol) if lv["all_keep_up"]), default=0)


def _p50_p95(figures: dict[str, t.Any] | None) -> str:
    figures = figures or {}
    return f"{fmt(figures.get('p50'))} / {fmt(figures.get('p95'))}"


def _verdict(value: float, limit: float) -> bool | None:
    return None if math.isnan(value) else value <= limit


def evaluate(results: dict[str, t.Any]) -> list[dict[str, t.Any]]:
    """The Realtime API's targets (the Deepgram figures are reported beside, without)."""
    rows: list[dict[str, t.Any]] = []
    for model, out in _measured(results).items():
        one = _single(out)
        if one is None:
            continue
        onset, stop = one["onset_to_first_delta"], one["stop_to_completed"]
        p50 = float(onset.get("p50", math.nan))
        rows.append({
            "model": model,
            "target": f"speech onset → first delta ≤ {ONSET_LIMIT_SECONDS} s (p50, 1 session)",
            "measured": f"p50 {fmt(onset.get('p50'))} s, p95 {fmt(onset.get('p95'))} s "
            f"over {onset.get('n', 0)} turns",
            "met": _verdict(p50, ONSET_LIMIT_SECONDS),
        })  # fmt: skip
        p50 = float(stop.get("p50", math.nan))
        rows.append({
            "model": model,
            "target": f"speech_stopped → completed ≤ {STOP_LIMIT_SECONDS} s (p50, 1 session)",
            "measured": f"p50 {fmt(stop.get('p50'))} s, p95 {fmt(stop.get('p95'))} s",
            "met": _verdict(p50, STOP_LIMIT_SECONDS),
        })  # fmt: skip
        live, file = one["wer"], out["file"]["wer"]
        rows.append({
            "model": model,
            "target": f"live WER within {100 * WER_TOLERANCE:.0f} point of the file's",
            "measured": f"live {pct(live)}, file {pct(file)} ({100 * (live - file):+.1f} points)",
            "met": live - file <= WER_TOLERANCE,
        })  # fmt: skip
        wanted = REAL_TIME_SESSIONS.get(model)
        best = most_real_time(out)
        tried = [lv["clients"] for lv in _levels(out, "realtime")]
        rows.append({
            "model": model,
            "target": f"≥ {wanted} real-time sessions on this machine"
            if wanted else "real-time sessions (no target)",
            "measured": f"{best} (tried {', '.join(map(str, tried))})",
            "met": None if wanted is None or max(tried) < wanted else best >= wanted,
        })  # fmt: skip
    return rows


def banner(results: dict[str, t.Any]) -> str:
    load = results["load"]
    cores = results["machine"]["logical_cores"]
    if load["contaminated"]:
        text = (
            f"> **Contaminated run**: other processes kept {load['foreign_cores']:.2f} of "
            f"{cores} cores busy on average (threshold {load['threshold_cores']}). These "
            "figures do not measure whisperd; rerun on a quiet machine."
        )
    else:
        text = f"> Quiet run: other processes used {load['foreign_cores']:.2f} cores on average."
    if results["mode"] != "full":
        text += f"\n>\n> **{results['mode']} profile**: for checking the harness, not publishing."
    if results.get("errors"):
        text += "\n>\n> **Failed**: " + "; ".join(results["errors"])
    return text


def _keeping_up(level: dict[str, t.Any]) -> str:
    return f"{level['sessions_keeping_up']}/{level['clients']}"


def _during_speech(level: dict[str, t.Any]) -> str:
    return f"{level.get(DURING_SPEECH[protocol_of(level)], 0)}/{level['turns']}"


def levels_table(results: dict[str, t.Any]) -> str:
    rows = []
    for model, protocol, out in _columns(results):
        for lv in _levels(out, protocol):
            rows.append([
                model, protocol, str(lv["clients"]), str(lv["turns"]),
                _p50_p95(lv.get(FIRST_TEXT[protocol])), _p50_p95(lv.get(FINAL_TEXT[protocol])),
                _p50_p95(lv["stop_to_completed"]) if protocol == "realtime" else "–",
                _p50_p95(lv["lag"]), fmt(lv["lag_growth_max"], 3), _keeping_up(lv),
                _during_speech(lv), pct(lv["wer"]), fmt(lv["pacing_late_max_s"], 3),
            ])  # fmt: skip
    header = ["model", "protocol", "sessions", "turns", "onset → 1st text p50 / p95 (s)",
              "end of speech → final p50 / p95 (s)", "stop → completed p50 / p95 (s)",
              "lag p50 / p95 (s)", "lag growth max (s/s)", "keeping up",
              "turns with text during speech", "live WER", "client late max (s)"]  # fmt: skip
    return table(header, rows)


def summary_table(results: dict[str, t.Any]) -> str:
    """The two protocols side by side for every model: Realtime's delta and completed,
    Deepgram's interim and speech_final."""
    columns = _columns(results)
    rows: list[list[str]] = []

    def add(label: str, cell: t.Callable[[str, dict[str, t.Any]], str]) -> None:
        rows.append([label, *(cell(protocol, out) for _, protocol, out in columns)])

    def one(key: t.Callable[[str], str | None]) -> t.Callable[[str, dict[str, t.Any]], str]:
        def cell(protocol: str, out: dict[str, t.Any]) -> str:
            level, name = _single(out, protocol), key(protocol)
            return "–" if level is None or name is None else _p50_p95(level.get(name))

        return cell

    add("onset → first text (delta / interim), 1 session, p50 / p95 (s)",
        one(FIRST_TEXT.get))  # fmt: skip
    add("end of speech → final (completed / speech_final), 1 session, p50 / p95 (s)",
        one(FINAL_TEXT.get))  # fmt: skip
    add("speech_stopped → completed, 1 session, p50 / p95 (s)",
        one(lambda p: "stop_to_completed" if p == "realtime" else None))  # fmt: skip
    add("lag, 1 session, p50 / p95 (s)", one(lambda p: "lag"))
    add("turns with text during speech, 1 session", _during_speech_cell)
    add("WER live / file", _wer_cell)
    add("real-time sessions (every one keeping up)",
        lambda protocol, out: str(most_real_time(out, protocol)))  # fmt: skip
    levels = {lv["clients"] for _, protocol, out in columns for lv in _levels(out, protocol)}
    for clients in sorted(levels):
        add(f"{clients} sessions: lag p50 / p95, lag growth", _level_cell(clients))
    return table(["", *(f"{model} {protocol}" for model, protocol, _ in columns)], rows)


def _during_speech_cell(protocol: str, out: dict[str, t.Any]) -> str:
    one = _single(out, protocol)
    return "–" if one is None else _during_speech(one)


def _wer_cell(protocol: str, out: dict[str, t.Any]) -> str:
    one = _single(out, protocol)
    return "–" if one is None else f"{pct(one['wer'])} / {pct(out['file']['wer'])}"


def _level_cell(clients: int) -> t.Callable[[str, dict[str, t.Any]], str]:
    def cell(protocol: str, out: dict[str, t.Any]) -> str:
        for lv in _levels(out, protocol):
            if lv["clients"] == clients:
                return f"{_p50_p95(lv['lag'])}, {fmt(lv['lag_growth_max'], 3)}"
        return "–"

    return cell


def targets_table(results: dict[str, t.Any]) -> str:
    verdicts = {True: "met", False: "**missed**", None: "n/a"}
    rows = [[r["model"], r["target"], r["measured"], verdicts[r["met"]]] for r in evaluate(results)]
    return table(["model", "target", "measured", "verdict"], rows)


def turns_table(results: dict[str, t.Any]) -> str:
    rows = []
    for model, out in _measured(results).items():
        one = _single(out)
        if one is None:
            continue
        for tt in one["sessions"][0]["timings"]:
            rows.append([
                model, f"{tt['onset_s']:.2f} ({tt['onset_source']})", f"{tt['audio_end_s']:.2f}",
                fmt(tt["onset_to_first_delta"]), str(tt["deltas"]),
                "yes" if tt["delta_during_speech"] else "no",
                fmt(tt["stop_to_completed"]), fmt(tt.get("speech_end_to_completed")),
                fmt(tt["lag"]), (tt["transcript"] or "")[:80],
            ])  # fmt: skip
    header = ["model", "onset s", "end s", "onset → 1st delta", "deltas", "delta in speech",
              "stop → completed", "end of speech → completed", "lag", "transcript"]  # fmt: skip
    return table(header, rows)


def segments_table(results: dict[str, t.Any]) -> str:
    rows = []
    for model, out in _measured(results).items():
        one = _single(out, "deepgram")
        if one is None:
            continue
        for tt in one["sessions"][0]["timings"]:
            rows.append([
                model, f"{tt['onset_s']:.2f} ({tt['onset_source']})",
                f"{tt['speech_end_s']:.2f} ({tt['speech_end_source']})",
                fmt(tt["onset_to_first_interim"]), str(tt["interims"]),
                "yes" if tt["interim_during_speech"] else "no",
                "yes" if tt["speech_final"] else "no", fmt(tt["speech_end_to_speech_final"]),
                fmt(tt["lag"]), (tt["transcript"] or "")[:80],
            ])  # fmt: skip
    header = ["model", "onset s", "end of speech s", "onset → 1st interim", "interims",
              "interim in speech", "speech_final", "end of speech → speech_final", "lag",
              "transcript"]  # fmt: skip
    return table(header, rows)


def environment(results: dict[str, t.Any]) -> str:
    machine, versions, git = results["machine"], results["versions"], results["git"]
    vad = results["turn_detection"]
    return "\n".join([
        f"- CPU: {machine['cpu_model']}, {machine['logical_cores']} logical cores, "
        f"{machine['os']}; faster-whisper {versions.get('faster-whisper')}, ctranslate2 "
        f"{versions.get('ctranslate2')}, whisperd at {str(git.get('commit', '?'))[:12]}"
        f"{' (dirty tree)' if git.get('dirty') else ''}, served from {results['served_code']}",
        f"- Stream of session 0: {results['stream']['duration_s']:.1f} s, "
        f"{len(results['stream']['utterances'])} utterances in {results['stream']['passes']} "
        f"pass(es) {results['stream']['pass_seconds']:.1f} s apart "
        f"({', '.join(u['source'].split('/')[-1] for u in results['stream']['utterances'])}), "
        f"sent as {1000 * results['chunk_seconds']:.0f} ms appends of PCM16 24 kHz at real-time "
        f"pace; session N speaks as many of the {len(results['clips'])} clips starting at the "
        "N-th",
        f"- Server VAD: threshold {vad['threshold']}, prefix {vad['prefix_padding_ms']} ms, "
        f"silence {vad['silence_duration_ms']} ms",
        *_deepgram_line(results),
        f"- Run: {results['mode']} profile, started {results['started_at']}, took "
        f"{results['duration_s'] / 60:.1f} min, load average at start "
        f"{', '.join(f'{x:.2f}' for x in results['load']['loadavg_at_start'])}",
    ])  # fmt: skip


def _deepgram_line(results: dict[str, t.Any]) -> list[str]:
    if "deepgram" not in results.get("protocols", ()):
        return []
    query = "&".join(f"{k}={v}" for k, v in results["deepgram_query"].items())
    return [
        f"- Deepgram: `{results['deepgram_path']}?{query}`, the same chunks as binary frames, "
        "then `CloseStream`; the session ends with `Metadata`"
    ]


def render(results: dict[str, t.Any]) -> str:
    title = (
        f"# whisperd live benchmark: {results['started_at'][:10]} on "
        f"{results['machine']['host']} ({results['mode']})"
    )
    parts = [
        title, banner(results), environment(results),
        "## Summary\n\n" + summary_table(results),
        "## Targets\n\n" + targets_table(results),
        "## Concurrency levels\n\n" + levels_table(results),
        "## Turns of the single Realtime session\n\n" + turns_table(results),
    ]  # fmt: skip
    if any(protocol == "deepgram" for _, protocol, _ in _columns(results)):
        parts.append("## Segments of the single Deepgram session\n\n" + segments_table(results))
    for model, out in results["models"].items():
        if out.get("status") != "measured":
            parts.append(f"**{model}**: not measured: {out.get('reason') or out.get('error')}")
    return "\n\n".join(parts) + "\n"
