"""Identifiers are ULIDs: unique without coordination, and sortable by creation time.

A ULID is 48 bits of Unix time in milliseconds and 80 random bits, written as 26 characters of
Crockford's base32. Ids made in the same millisecond by one process follow each other (the randomness of
the previous one plus one), as the spec's monotonic variant and python-ulid do. Encoded here rather than by
python-ulid, whose import reads its own package metadata: 12–15 ms of every function's first payment or
dispute (docs/decisions.md). tests/unit/test_ids.py reads every id back with python-ulid.
"""

from __future__ import annotations

import hashlib
import os
import threading
import time
from datetime import datetime

_CROCKFORD = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
_RANDOM_BYTES = 10
_LARGEST_RANDOMNESS = (1 << 8 * _RANDOM_BYTES) - 1


def _encoded(milliseconds: int, randomness: int) -> str:
    value = milliseconds << 8 * _RANDOM_BYTES | randomness
    return "".join(_CROCKFORD[(value >> shift) & 31] for shift in range(125, -1, -5))


class _MonotonicSource:
    """Each id of one millisecond greater than the one before it, across the threads of a process."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._milliseconds = -1
        self._randomness = 0

    def next(self) -> tuple[int, int]:
        with self._lock:
            milliseconds = time.time_ns() // 1_000_000
            if milliseconds <= self._milliseconds and self._randomness < _LARGEST_RANDOMNESS:
                # The same millisecond (or a clock set back): the next value after the last one.
                milliseconds, randomness = self._milliseconds, self._randomness + 1
            else:
                randomness = int.from_bytes(os.urandom(_RANDOM_BYTES), "big")
            self._milliseconds, self._randomness = milliseconds, randomness
            return milliseconds, randomness


_SOURCE = _MonotonicSource()


def new_id() -> str:
    return _encoded(*_SOURCE.next())


def stable_id(moment: datetime, *parts: str) -> str:
    """The same ULID for the same moment and parts: lets loaders be idempotent (demo data, imports)."""
    milliseconds = int(moment.timestamp() * 1000)
    randomness = hashlib.sha256("\x1f".join(parts).encode()).digest()[:_RANDOM_BYTES]
    return _encoded(milliseconds, int.from_bytes(randomness, "big"))
