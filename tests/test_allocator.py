"""The allocator cap set at start: glibc's malloc arenas are limited unless the user chose."""

from __future__ import annotations

import platform

import pytest
from whisperd.engine import allocator

glibc = pytest.mark.skipif(platform.libc_ver()[0] != "glibc", reason="glibc's allocator only")


@glibc
def test_arenas_are_capped_when_the_user_set_nothing(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("MALLOC_ARENA_MAX", raising=False)
    assert allocator.limit_arenas() is True


@glibc
def test_the_users_malloc_arena_max_wins(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MALLOC_ARENA_MAX", "4")
    assert allocator.limit_arenas() is False


@glibc
def test_in_use_counts_a_held_buffer_and_drops_when_it_is_freed() -> None:
    before = allocator.in_use()
    assert before is not None
    buffer = bytearray(64 << 20)  # malloc'd, then touched by the zero fill
    held = allocator.in_use()
    del buffer
    after = allocator.in_use()
    assert held is not None and after is not None
    assert held - before >= 64 << 20
    assert held - after >= 64 << 20
