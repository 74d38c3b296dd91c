"""Our ULIDs (mesfactures/domain/ids.py) are ULIDs: python-ulid, the reference we left for a faster cold
start, reads them back to the same text, time and bytes; and they keep python-ulid's order."""

from __future__ import annotations

import hashlib
import itertools
import threading
import time
from collections.abc import Callable
from datetime import UTC, datetime

import pytest
from ulid import ULID

from mesfactures.domain.ids import MonotonicSource, new_id, stable_id


def test_a_new_id_is_a_ulid_of_the_moment_it_was_made() -> None:
    before = time.time_ns() // 1_000_000
    made = new_id()
    after = time.time_ns() // 1_000_000

    read = ULID.from_str(made)
    assert str(read) == made
    assert len(made) == 26
    assert before <= read.milliseconds <= after


def test_ids_made_in_a_burst_follow_each_other_in_the_order_they_were_made() -> None:
    made = [new_id() for _ in range(5_000)]  # many to one millisecond

    assert made == sorted(made)
    assert len(set(made)) == len(made)
    read = [ULID.from_str(one) for one in made]
    same_millisecond = [(a, b) for a, b in itertools.pairwise(read) if a.milliseconds == b.milliseconds]
    assert same_millisecond, "the burst never made two ids in one millisecond"
    for first, second in same_millisecond:
        assert int.from_bytes(second.bytes[6:], "big") == int.from_bytes(first.bytes[6:], "big") + 1


def test_threads_of_one_process_never_make_the_same_id_and_each_sees_its_own_in_order() -> None:
    made: dict[str, list[str]] = {}

    def make() -> None:
        made[threading.current_thread().name] = [new_id() for _ in range(2_000)]

    threads = [threading.Thread(target=make, name=f"maker-{n}") for n in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert len({one for ids in made.values() for one in ids}) == 16_000
    assert all(ids == sorted(ids) for ids in made.values())


class _Clock:
    def __init__(self, milliseconds: int) -> None:
        self.milliseconds = milliseconds

    def __call__(self) -> int:
        return self.milliseconds * 1_000_000 + 999_999  # nanoseconds: the millisecond's last


def _fixed_randomness(value: int) -> Callable[[int], bytes]:
    return lambda size: value.to_bytes(size, "big")


def test_the_next_id_of_a_millisecond_is_the_last_one_plus_one_even_when_the_clock_goes_back() -> None:
    clock = _Clock(1_700_000_000_000)
    source = MonotonicSource(clock, _fixed_randomness(41))
    first = ULID.from_str(source.new_id())
    same = ULID.from_str(source.new_id())
    clock.milliseconds -= 5_000  # the clock set back
    after_setback = ULID.from_str(source.new_id())

    assert (first.milliseconds, int.from_bytes(first.bytes[6:], "big")) == (1_700_000_000_000, 41)
    assert (same.milliseconds, int.from_bytes(same.bytes[6:], "big")) == (1_700_000_000_000, 42)
    assert (after_setback.milliseconds, int.from_bytes(after_setback.bytes[6:], "big")) == (
        1_700_000_000_000,
        43,
    )


def test_when_a_milliseconds_randomness_is_used_up_the_next_id_takes_the_next_millisecond() -> None:
    largest = 2**80 - 1
    source = MonotonicSource(_Clock(1_700_000_000_000), _fixed_randomness(largest))
    last_of_its_millisecond = source.new_id()
    following = source.new_id()

    assert following > last_of_its_millisecond
    read = ULID.from_str(following)
    assert (read.milliseconds, int.from_bytes(read.bytes[6:], "big")) == (1_700_000_000_001, largest)


def test_a_new_millisecond_takes_new_randomness() -> None:
    clock = _Clock(1_700_000_000_000)
    source = MonotonicSource(clock, _fixed_randomness(7))
    source.new_id()
    source.new_id()
    clock.milliseconds += 1

    read = ULID.from_str(source.new_id())
    assert (read.milliseconds, int.from_bytes(read.bytes[6:], "big")) == (1_700_000_000_001, 7)


def test_a_moment_before_1970_has_no_ulid() -> None:
    with pytest.raises(ValueError, match="ULID"):
        stable_id(datetime(1969, 12, 31, tzinfo=UTC), "POLIRIS", "FA-1969-000001")


def test_a_stable_id_is_python_ulids_for_the_same_moment_and_parts() -> None:
    moment = datetime(2026, 3, 14, 9, 26, 53, 589_000, tzinfo=UTC)
    parts = ("POLIRIS", "FA-2026-000123", "1")
    randomness = hashlib.sha256("\x1f".join(parts).encode()).digest()[:10]
    reference = ULID.from_bytes(int(moment.timestamp() * 1000).to_bytes(6, "big") + randomness)

    assert stable_id(moment, *parts) == str(reference)
    assert stable_id(moment, *parts) == stable_id(moment, *parts)
    assert stable_id(moment, "POLIRIS", "FA-2026-000124", "1") != stable_id(moment, *parts)
    assert ULID.from_str(stable_id(moment, *parts)).datetime == moment
