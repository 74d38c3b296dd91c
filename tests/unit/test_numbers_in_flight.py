"""One writer's bulk and conditioned creations of one number kept apart (persistence/imports.py): the lease
lets both through, so a bulk write must never run beside a conditioned creation of one of its numbers."""

from __future__ import annotations

import threading

from mesfactures.persistence.import_lease import NumbersInFlight

A, B = ("ACCOUNT#AG-1#POLIRIS", "DOC#FA-2026-000001"), ("ACCOUNT#AG-1#POLIRIS", "DOC#FA-2026-000002")


def test_a_bulk_write_refuses_a_number_being_created_one_by_one() -> None:
    numbers = NumbersInFlight()
    with numbers.taken([A]):
        assert not numbers.try_take([B, A])
        assert numbers.try_take([B])  # another number goes in bulk meanwhile
    assert numbers.try_take([A])


def test_a_creation_one_by_one_waits_until_the_bulk_write_of_its_number_is_done() -> None:
    numbers = NumbersInFlight()
    assert numbers.try_take([A, B])
    entered = threading.Event()

    def create_a() -> None:
        with numbers.taken([A]):
            entered.set()

    creator = threading.Thread(target=create_a)
    creator.start()
    assert not entered.wait(0.3), "created while the bulk write of its number was in flight"
    numbers.give_back([A, B])
    assert entered.wait(5)
    creator.join(5)
    assert numbers.try_take([A])
