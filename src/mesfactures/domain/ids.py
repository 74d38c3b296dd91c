"""Identifiers are ULIDs: unique without coordination, and sortable by creation time.

A ULID is 48 bits of Unix time in milliseconds and 80 random bits, written as 26 characters of
Crockford's base32. Ids made in the same millisecond by one process follow each other (the randomness of
the previous one plus one), as the spec's monotonic variant and python-ulid do. Encoded here rather than by
python-ulid, whose import reads its own package metadata: 12–15 ms of every function's first payment or
dispute (docs/decisions.md). tests/unit/test_ids.py reads ids back with python-ulid.
"""

from __future__ import annotations

import hashlib
import os
import threading
import time
from collections.abc import Callable
from datetime import datetime

_CROCKFORD = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
_RANDOM_BYTES = 10
_LARGEST_RANDOMNESS = (1 << 8 * _RANDOM_BYTES) - 1
_MILLISECONDS_END = 1 << 48  # the year 10889


def _encoded(milliseconds: int, randomness: int) -> str:
    if not 0 <= milliseconds < _MILLISECONDS_END:
        raise ValueError(f"a ULID's time is 0 to 2**48 - 1 ms since 1970, not {milliseconds}")
    value = milliseconds << 8 * _RANDOM_BYTES | randomness
    return "".join(_CROCKFORD[(value >> shift) & 31] for shift in range(125, -1, -5))


class MonotonicSource:
    """Each id greater than the one before it, across the threads of a process: in the same millisecond
    (or when the clock is set back) the previous randomness plus one; when that is used up, the next
    millisecond. `clock` gives nanoseconds since 1970, `random_bytes(n)` n random bytes."""

    def __init__(
        self,
        clock: Callable[[], int] = time.time_ns,
        random_bytes: Callable[[int], bytes] = os.urandom,
    ) -> None:
        self._clock = clock
        self._random_bytes = random_bytes
        self._lock = threading.Lock()
        self._milliseconds = -1
        self._randomness = 0

    def next(self) -> tuple[int, int]:
        with self._lock:
            milliseconds = self._clock() // 1_000_000
            if milliseconds <= self._milliseconds and self._randomness < _LARGEST_RANDOMNESS:
                milliseconds, randomness = self._milliseconds, self._randomness + 1
            else:
                milliseconds = max(milliseconds, self._milliseconds + 1)
                randomness = int.from_bytes(self._random_bytes(_RANDOM_BYTES), "big")
            self._milliseconds, self._randomness = milliseconds, randomness
            return milliseconds, randomness

    def new_id(self) -> str:
        return _encoded(*self.next())


_SOURCE = MonotonicSource()


def new_id() -> str:
    return _SOURCE.new_id()


def stable_id(moment: datetime, *parts: str) -> str:
    """The same ULID for the same moment and parts: lets loaders be idempotent (demo data, imports)."""
    milliseconds = int(moment.timestamp() * 1000)
    randomness = hashlib.sha256("\x1f".join(parts).encode()).digest()[:_RANDOM_BYTES]
    return _encoded(milliseconds, int.from_bytes(randomness, "big"))
