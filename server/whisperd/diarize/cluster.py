"""Speaker clustering of window embeddings: average-linkage agglomerative clustering on cosine
distance, stopped at a distance threshold, then centroid refinement.

Agglomeration runs on at most ``max_points`` points (consecutive windows are pooled when there
are more), so its cubic cost stays bounded on long audio; every window is then assigned to its
nearest centroid.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass

import numpy as np

from whisperd.diarize.cancel import check_cancel

CANCEL_CHECK_MERGES = 32  # merges between two looks at the cancel flag


@dataclass(frozen=True)
class Clustering:
    labels: np.ndarray  # (n,) int cluster index per embedding, 0..k-1
    centroids: np.ndarray  # (k, dim) unit vectors

    @property
    def n_clusters(self) -> int:
        return len(self.centroids)


def _unit(x: np.ndarray) -> np.ndarray:
    result: np.ndarray = x / np.maximum(np.linalg.norm(x, axis=-1, keepdims=True), 1e-12)
    return result


def agglomerate(
    points: np.ndarray,
    *,
    threshold: float,
    max_clusters: int | None = None,
    cancel: threading.Event | None = None,
) -> np.ndarray:
    """Average-linkage clustering of unit vectors; merging stops once the closest two clusters
    are more than ``threshold`` apart in cosine distance (or earlier, not later, than needed to
    reach ``max_clusters``). Returns a label per point, numbered by first occurrence."""
    n = len(points)
    if n == 0:
        return np.zeros(0, dtype=np.int64)
    dist = (1.0 - points @ points.T).astype(np.float64)
    np.fill_diagonal(dist, np.inf)
    sizes = np.ones(n)
    active = np.ones(n, dtype=bool)
    members = np.arange(n)
    n_active = n
    while n_active > 1:
        if (n - n_active) % CANCEL_CHECK_MERGES == 0:
            check_cancel(cancel)
        flat = int(np.argmin(dist))
        i, j = divmod(flat, n)
        if dist[i, j] > threshold and (max_clusters is None or n_active <= max_clusters):
            break
        # Lance-Williams update for average linkage: merge j into i.
        merged = (sizes[i] * dist[i] + sizes[j] * dist[j]) / (sizes[i] + sizes[j])
        dist[i] = merged
        dist[:, i] = merged
        dist[i, i] = np.inf
        dist[j] = np.inf
        dist[:, j] = np.inf
        sizes[i] += sizes[j]
        active[j] = False
        members[members == j] = i
        n_active -= 1
    _, first = np.unique(members, return_index=True)
    order = members[np.sort(first)]
    relabel = {int(c): k for k, c in enumerate(order)}
    return np.array([relabel[int(m)] for m in members], dtype=np.int64)


def _pool(embeddings: np.ndarray, max_points: int) -> tuple[np.ndarray, np.ndarray]:
    group = max(1, int(np.ceil(len(embeddings) / max_points)))
    owner = np.arange(len(embeddings)) // group
    pooled = np.zeros((int(owner[-1]) + 1, embeddings.shape[1]))
    np.add.at(pooled, owner, embeddings)
    return _unit(pooled), owner


def cluster_embeddings(
    embeddings: np.ndarray,
    *,
    threshold: float,
    max_speakers: int | None = None,
    min_cluster_fraction: float = 0.05,
    refine_iterations: int = 5,
    max_points: int = 800,
    merge_similarity: float | None = None,
    cancel: threading.Event | None = None,
) -> Clustering:
    """Cluster (n, dim) unit embeddings into speakers.

    Clusters holding less than ``min_cluster_fraction`` of the windows are folded into their
    nearest larger cluster: a few stray windows are more often noise than a new speaker. Two
    clusters whose centroids are closer than ``merge_similarity`` (cosine) are then merged: a
    centroid averages many windows, so it separates voices better than single windows do.
    """
    embeddings = _unit(np.asarray(embeddings, dtype=np.float64))
    n = len(embeddings)
    if n == 0:
        return Clustering(np.zeros(0, dtype=np.int64), np.zeros((0, embeddings.shape[1])))
    pooled, owner = _pool(embeddings, max_points)
    labels = agglomerate(pooled, threshold=threshold, max_clusters=max_speakers, cancel=cancel)
    labels = labels[owner]
    centroids = _centroids(embeddings, labels)
    for _ in range(refine_iterations):
        check_cancel(cancel)
        counts = np.bincount(labels, minlength=len(centroids))
        keep = counts >= max(1, int(np.ceil(min_cluster_fraction * n)))
        if not keep.any():
            keep = counts == counts.max()
        centroids = centroids[keep]
        new = np.argmax(embeddings @ centroids.T, axis=1)
        new = _renumber(new)
        centroids = _centroids(embeddings, new)
        if np.array_equal(new, labels):
            break
        labels = new
    if merge_similarity is not None:
        labels, centroids = _merge_close(embeddings, labels, centroids, merge_similarity)
    return Clustering(labels, centroids.astype(np.float32))


def _merge_close(
    embeddings: np.ndarray, labels: np.ndarray, centroids: np.ndarray, similarity: float
) -> tuple[np.ndarray, np.ndarray]:
    while len(centroids) > 1:
        sims = centroids @ centroids.T
        np.fill_diagonal(sims, -np.inf)
        i, j = divmod(int(np.argmax(sims)), len(centroids))
        if sims[i, j] < similarity:
            break
        labels = _renumber(np.where(labels == max(i, j), min(i, j), labels))
        centroids = _centroids(embeddings, labels)
        labels = _renumber(np.argmax(embeddings @ centroids.T, axis=1))
        centroids = _centroids(embeddings, labels)
    return labels, centroids


def _renumber(labels: np.ndarray) -> np.ndarray:
    _, first = np.unique(labels, return_index=True)
    order = labels[np.sort(first)]
    mapping = np.zeros(int(labels.max()) + 1, dtype=np.int64)
    mapping[order] = np.arange(len(order))
    result: np.ndarray = mapping[labels]
    return result


def _centroids(embeddings: np.ndarray, labels: np.ndarray) -> np.ndarray:
    k = int(labels.max()) + 1
    sums = np.zeros((k, embeddings.shape[1]))
    np.add.at(sums, labels, embeddings)
    return _unit(sums)
