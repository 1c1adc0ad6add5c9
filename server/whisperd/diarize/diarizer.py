"""Who spoke when: speech regions, windowed voice embeddings, clustering, frame-level
resegmentation, and speaker labels in OpenAI's style (``A``, ``B``, … by first appearance, or
the name of a matching known speaker)."""

from __future__ import annotations

import string
import threading
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from whisperd.diarize.cancel import check_cancel
from whisperd.diarize.cluster import Clustering, cluster_embeddings
from whisperd.diarize.embedding import EMBEDDING_SIZE, WINDOW_SAMPLES, SpeakerEncoder
from whisperd.diarize.fbank import SAMPLE_RATE
from whisperd.diarize.threads import one_blas_thread


@dataclass(frozen=True)
class Turn:
    start: float
    end: float
    speaker: str


@dataclass(frozen=True)
class DiarizeOptions:
    window_hop: float = 0.75  # seconds between 1.5 s embedding windows
    cluster_threshold: float = 0.65  # average-linkage cosine distance that stops merging
    min_cluster_fraction: float = 0.1  # smaller clusters fold into their nearest neighbour
    merge_similarity: float | None = 0.5  # clusters with closer centroids are one speaker
    known_threshold: float = 0.45  # cosine similarity a known reference needs to name a speaker
    session_threshold: float = 0.3  # similarity a live turn needs to keep a session's label
    min_turn: float = 0.5  # shorter runs of a speaker inside a region join their neighbours
    frame: float = 0.02  # seconds per resegmentation frame
    vad_threshold: float = 0.5
    vad_min_silence_ms: int = 300
    vad_pad_ms: int = 100


Region = tuple[float, float]


def detect_speech(samples: np.ndarray, options: DiarizeOptions) -> list[Region]:
    """Speech spans in seconds from faster-whisper's bundled Silero VAD."""
    from faster_whisper.vad import VadOptions

    from whisperd.engine.pauses import speech_spans

    vad = VadOptions(
        threshold=options.vad_threshold,
        min_speech_duration_ms=200,
        min_silence_duration_ms=options.vad_min_silence_ms,
        speech_pad_ms=options.vad_pad_ms,
    )
    return speech_spans(np.asarray(samples, dtype=np.float32), vad)


def _window_starts(regions: Sequence[Region], n_samples: int, hop: float) -> list[int]:
    """Sample offsets of 1.6 s windows covering every region; a region shorter than a window
    gets one window centred on it."""
    win = WINDOW_SAMPLES
    starts: list[int] = []
    for start, end in regions:
        a, b = int(start * SAMPLE_RATE), int(end * SAMPLE_RATE)
        if b - a <= win:
            centre = (a + b) // 2
            starts.append(min(max(0, centre - win // 2), max(0, n_samples - win)))
            continue
        step = max(1, int(hop * SAMPLE_RATE))
        offsets = list(range(a, b - win + 1, step))
        if offsets[-1] + win < b:
            offsets.append(b - win)
        starts.extend(offsets)
    return starts


def _windows(samples: np.ndarray, starts: Sequence[int]) -> np.ndarray:
    padded = samples
    if len(samples) < WINDOW_SAMPLES:
        padded = np.pad(samples, (0, WINDOW_SAMPLES - len(samples)))
    return np.stack([padded[s : s + WINDOW_SAMPLES] for s in starts])


def _frame_labels(
    regions: Sequence[Region],
    starts: Sequence[int],
    scores: np.ndarray,
    options: DiarizeOptions,
    duration: float,
) -> np.ndarray:
    """Label per frame (-1 outside speech): the speaker whose centroid the windows covering the
    frame resemble most, each window weighted towards its centre."""
    n_frames = int(np.ceil(duration / options.frame)) + 1
    k = scores.shape[1]
    acc = np.zeros((n_frames, k))
    weight = np.zeros(n_frames)
    win_frames = round(WINDOW_SAMPLES / SAMPLE_RATE / options.frame)
    taper = np.hanning(win_frames + 2)[1:-1]
    for s, score in zip(starts, scores, strict=True):
        f0 = round(s / SAMPLE_RATE / options.frame)
        f1 = min(n_frames, f0 + win_frames)
        acc[f0:f1] += taper[: f1 - f0, None] * score[None, :]
        weight[f0:f1] += taper[: f1 - f0]
    labels = np.full(n_frames, -1, dtype=np.int64)
    for start, end in regions:
        f0 = int(start / options.frame)
        f1 = min(n_frames, int(np.ceil(end / options.frame)))
        covered = np.arange(f0, f1)
        if len(covered) == 0:
            continue
        if weight[f0:f1].max() <= 0:
            labels[f0:f1] = int(np.argmax(acc[f0:f1].sum(axis=0)))
            continue
        region_best = int(np.argmax(acc[f0:f1].sum(axis=0)))
        best = np.argmax(acc[f0:f1], axis=1)
        best[weight[f0:f1] <= 0] = region_best
        labels[f0:f1] = _absorb_short_runs(best, int(options.min_turn / options.frame))
    return labels


def _absorb_short_runs(labels: np.ndarray, min_len: int) -> np.ndarray:
    """Give runs shorter than ``min_len`` frames to a longer neighbour, shortest first."""
    labels = labels.copy()
    while True:
        change = np.flatnonzero(np.diff(labels)) + 1
        bounds = np.concatenate(([0], change, [len(labels)]))
        lengths = np.diff(bounds)
        if len(lengths) <= 1 or lengths.min() >= min_len:
            return labels
        r = int(np.argmin(lengths))
        a, b = bounds[r], bounds[r + 1]
        left = lengths[r - 1] if r > 0 else -1
        right = lengths[r + 1] if r + 1 < len(lengths) else -1
        labels[a:b] = labels[a - 1] if left >= right else labels[b]


def _runs(labels: np.ndarray, frame: float) -> list[tuple[float, float, int]]:
    runs: list[tuple[float, float, int]] = []
    i = 0
    while i < len(labels):
        if labels[i] < 0:
            i += 1
            continue
        j = i
        while j < len(labels) and labels[j] == labels[i]:
            j += 1
        runs.append((i * frame, j * frame, int(labels[i])))
        i = j
    return runs


def _letter(i: int) -> str:
    letters = string.ascii_uppercase
    return letters[i] if i < len(letters) else letters[i // 26 - 1] + letters[i % 26]


def match_known(centroids: np.ndarray, references: np.ndarray, threshold: float) -> dict[int, int]:
    """One-to-one cluster -> reference matches, best similarity first, each above
    ``threshold``."""
    if len(centroids) == 0 or len(references) == 0:
        return {}
    sims = centroids @ references.T
    matches: dict[int, int] = {}
    used: set[int] = set()
    for flat in np.argsort(-sims, axis=None):
        c, r = divmod(int(flat), sims.shape[1])
        if sims[c, r] < threshold:
            break
        if c in matches or r in used:
            continue
        matches[c] = r
        used.add(r)
    return matches


@dataclass(frozen=True)
class Analysis:
    """The costly part of diarization, kept so labelling can be redone cheaply."""

    duration: float
    regions: list[Region]
    starts: list[int]  # sample offset of each embedding window
    embeddings: np.ndarray  # (n_windows, EMBEDDING_SIZE)


class Diarizer:
    def __init__(self, encoder: SpeakerEncoder, options: DiarizeOptions | None = None) -> None:
        self.encoder = encoder
        self.options = options or DiarizeOptions()

    def analyse(
        self,
        samples: np.ndarray,
        *,
        speech_regions: Sequence[Region] | None = None,
        cancel: threading.Event | None = None,
    ) -> Analysis:
        """Speech regions (Silero VAD unless given) and their window embeddings. A set
        ``cancel`` stops it (``DiarizationCancelled``) after the VAD or between two batches of
        windows."""
        samples = np.asarray(samples, dtype=np.float32)
        duration = len(samples) / SAMPLE_RATE
        if speech_regions is None:
            regions = detect_speech(samples, self.options)
            check_cancel(cancel)
        else:
            regions = list(speech_regions)
        regions = [(max(0.0, a), min(duration, b)) for a, b in regions]
        regions = [(a, b) for a, b in regions if b > a]
        starts = _window_starts(regions, len(samples), self.options.window_hop)
        if not starts:
            return Analysis(duration, [], [], np.zeros((0, EMBEDDING_SIZE), np.float32))
        # Windows are cut a batch at a time: all at once they would take 100 KB per window.
        batch = 64
        parts: list[np.ndarray] = []
        for i in range(0, len(starts), batch):
            check_cancel(cancel)
            windows = _windows(samples, starts[i : i + batch])
            parts.append(self.encoder.embed_windows(windows, cancel=cancel))
        return Analysis(duration, regions, starts, np.concatenate(parts))

    def cluster(
        self,
        analysis: Analysis,
        *,
        max_speakers: int | None = None,
        cancel: threading.Event | None = None,
    ) -> tuple[Clustering, list[tuple[float, float, int]]]:
        """The windows' speaker clusters and the runs of frames each cluster holds
        (start, end, cluster index), in time order."""
        check_cancel(cancel)
        opts = self.options
        with one_blas_thread():
            clustering = cluster_embeddings(
                analysis.embeddings,
                threshold=opts.cluster_threshold,
                max_speakers=max_speakers,
                min_cluster_fraction=opts.min_cluster_fraction,
                merge_similarity=opts.merge_similarity,
                cancel=cancel,
            )
            scores = analysis.embeddings @ clustering.centroids.T
        check_cancel(cancel)
        labels = _frame_labels(analysis.regions, analysis.starts, scores, opts, analysis.duration)
        return clustering, _runs(labels, opts.frame)

    def label(
        self,
        analysis: Analysis,
        *,
        known: Sequence[tuple[str, np.ndarray]] = (),
        max_speakers: int | None = None,
        cancel: threading.Event | None = None,
    ) -> list[Turn]:
        """Cluster the windows into speakers and turn them into labelled turns."""
        if not analysis.starts:
            return []
        clustering, runs = self.cluster(analysis, max_speakers=max_speakers, cancel=cancel)
        names = self._names(clustering, runs, known)
        return [Turn(round(a, 3), round(b, 3), names[c]) for a, b, c in runs]

    def diarize(
        self,
        samples: np.ndarray,
        *,
        speech_regions: Sequence[Region] | None = None,
        known: Sequence[tuple[str, np.ndarray]] = (),
        max_speakers: int | None = None,
        cancel: threading.Event | None = None,
    ) -> list[Turn]:
        """Speaker turns of 16 kHz mono ``samples``. ``known`` pairs a name with a 16 kHz
        reference clip; a cluster is named only when its voice matches a reference closely
        enough, otherwise it keeps a letter. A set ``cancel`` stops it between its steps
        (``DiarizationCancelled``)."""
        analysis = self.analyse(samples, speech_regions=speech_regions, cancel=cancel)
        return self.label(analysis, known=known, max_speakers=max_speakers, cancel=cancel)

    def diarize_turn(
        self,
        samples: np.ndarray,
        speakers: SessionSpeakers,
        *,
        cancel: threading.Event | None = None,
    ) -> list[Turn]:
        """Speaker turns of one turn of a live session, labelled as ``speakers`` (the
        session's voices so far) says; a voice it has not heard gets the next letter. A turn
        the VAD finds no speech in counts as speech throughout."""
        samples = np.asarray(samples, dtype=np.float32)
        duration = len(samples) / SAMPLE_RATE
        regions = detect_speech(samples, self.options) or [(0.0, duration)]
        analysis = self.analyse(samples, speech_regions=regions, cancel=cancel)
        if not analysis.starts:
            return []
        clustering, runs = self.cluster(analysis, cancel=cancel)
        counts = np.bincount(clustering.labels, minlength=clustering.n_clusters)
        names = speakers.name(clustering.centroids, counts)
        return [Turn(round(a, 3), round(b, 3), names[c]) for a, b, c in runs]

    def _names(
        self,
        clustering: Clustering,
        runs: Sequence[tuple[float, float, int]],
        known: Sequence[tuple[str, np.ndarray]],
    ) -> dict[int, str]:
        matched: dict[int, int] = {}
        if known:
            refs = np.stack([self.encoder.embed(clip) for _, clip in known])
            matched = match_known(clustering.centroids, refs, self.options.known_threshold)
        names: dict[int, str] = {}
        n_letters = 0
        for _, _, c in runs:
            if c in names:
                continue
            if c in matched:
                names[c] = known[matched[c]][0]
            else:
                names[c] = _letter(n_letters)
                n_letters += 1
        return names


class SessionSpeakers:
    """The voices one live session has heard: a centroid per label, so that a speaker keeps
    the label of its first turn in later turns. A new turn's cluster takes the label whose
    centroid it matches best, one-to-one and only at ``threshold`` cosine similarity or
    more; each match moves the centroid towards the new windows."""

    def __init__(self, threshold: float) -> None:
        self.threshold = threshold
        self.labels: list[str] = []
        self._sums: list[np.ndarray] = []  # running sum of each label's window vectors

    def centroids(self) -> np.ndarray:
        if not self._sums:
            return np.zeros((0, EMBEDDING_SIZE), np.float32)
        sums = np.stack(self._sums)
        unit: np.ndarray = sums / np.maximum(np.linalg.norm(sums, axis=1, keepdims=True), 1e-12)
        return unit

    def name(self, centroids: np.ndarray, counts: np.ndarray) -> dict[int, str]:
        """Cluster index -> label, for the clusters of one turn (``counts`` windows each)."""
        matched = match_known(centroids, self.centroids(), self.threshold)
        names: dict[int, str] = {}
        for c in range(len(centroids)):
            weighted = centroids[c].astype(np.float64) * float(counts[c])
            if c in matched:
                names[c] = self.labels[matched[c]]
                self._sums[matched[c]] = self._sums[matched[c]] + weighted
            else:
                names[c] = _letter(len(self.labels))
                self.labels.append(names[c])
                self._sums.append(weighted)
        return names


def diarize(
    samples: np.ndarray,
    *,
    speech_regions: Sequence[Region] | None = None,
    known: Sequence[tuple[str, np.ndarray]] = (),
    max_speakers: int | None = None,
    encoder: SpeakerEncoder | None = None,
    options: DiarizeOptions | None = None,
) -> list[Turn]:
    """:meth:`Diarizer.diarize` with the installed encoder (loaded on every call unless
    given)."""
    diarizer = Diarizer(encoder or SpeakerEncoder.load(), options)
    return diarizer.diarize(
        samples, speech_regions=speech_regions, known=known, max_speakers=max_speakers
    )
