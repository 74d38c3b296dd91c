"""Our ULIDs (mesfactures/domain/ids.py) are ULIDs: python-ulid, the reference we left for a faster cold
start, reads each back to the same text, time and bytes."""

from __future__ import annotations

import hashlib
import itertools
import threading
import time
from datetime import UTC, datetime

from ulid import ULID

from mesfactures.domain.ids import new_id, stable_id


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


def test_threads_of_one_process_never_make_the_same_id() -> None:
    made: list[str] = []

    def make() -> None:
        made.extend(new_id() for _ in range(2_000))

    threads = [threading.Thread(target=make) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert len(set(made)) == 16_000


def test_a_stable_id_is_python_ulids_for_the_same_moment_and_parts() -> None:
    moment = datetime(2026, 3, 14, 9, 26, 53, 589_000, tzinfo=UTC)
    parts = ("POLIRIS", "FA-2026-000123", "1")
    randomness = hashlib.sha256("\x1f".join(parts).encode()).digest()[:10]
    reference = ULID.from_bytes(int(moment.timestamp() * 1000).to_bytes(6, "big") + randomness)

    assert stable_id(moment, *parts) == str(reference)
    assert stable_id(moment, *parts) == stable_id(moment, *parts)
    assert stable_id(moment, "POLIRIS", "FA-2026-000124", "1") != stable_id(moment, *parts)
    assert ULID.from_str(stable_id(moment, *parts)).datetime == moment
