from __future__ import annotations

import numpy as np
from whisperd.diarize.cluster import agglomerate, cluster_embeddings


def _blobs(sizes: list[int], *, spread: float, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    centres = np.linalg.qr(rng.normal(size=(32, len(sizes))))[0].T  # orthogonal directions
    points, labels = [], []
    for k, n in enumerate(sizes):
        p = centres[k] + spread * rng.normal(size=(n, 32)) / np.sqrt(32)
        points.append(p)
        labels += [k] * n
    x = np.concatenate(points)
    return x / np.linalg.norm(x, axis=1, keepdims=True), np.array(labels)


def _same_partition(a: np.ndarray, b: np.ndarray) -> bool:
    return bool(np.array_equal(a[:, None] == a[None, :], b[:, None] == b[None, :]))


def test_separated_voices_form_one_cluster_each() -> None:
    x, truth = _blobs([40, 30, 20], spread=0.3)
    result = cluster_embeddings(x, threshold=0.5)
    assert result.n_clusters == 3
    assert _same_partition(result.labels, truth)


def test_labels_are_numbered_by_first_appearance() -> None:
    x, _ = _blobs([10, 10], spread=0.2)
    order = np.r_[10:20, 0:10]
    labels = agglomerate(x[order], threshold=0.5)
    assert labels[0] == 0
    assert labels[-1] == 1


def test_max_speakers_caps_the_count() -> None:
    x, _ = _blobs([20, 20, 20], spread=0.3)
    assert cluster_embeddings(x, threshold=0.5, max_speakers=2).n_clusters == 2


def test_a_few_stray_windows_do_not_make_a_speaker() -> None:
    x, _ = _blobs([60, 60, 2], spread=0.3)
    result = cluster_embeddings(x, threshold=0.5, min_cluster_fraction=0.05)
    assert result.n_clusters == 2


def test_one_voice_gives_one_cluster() -> None:
    x, _ = _blobs([50], spread=0.3)
    assert cluster_embeddings(x, threshold=0.5).n_clusters == 1


def test_pooling_keeps_the_partition_on_many_windows() -> None:
    x, truth = _blobs([300, 300], spread=0.3)
    order = np.r_[0:150, 300:450, 150:300, 450:600]  # speaker runs, as in a conversation
    result = cluster_embeddings(x[order], threshold=0.5, max_points=100)
    assert _same_partition(result.labels, truth[order])


def test_centroids_are_unit_vectors() -> None:
    x, _ = _blobs([20, 20], spread=0.3)
    result = cluster_embeddings(x, threshold=0.5)
    np.testing.assert_allclose(np.linalg.norm(result.centroids, axis=1), 1.0, rtol=1e-5)
