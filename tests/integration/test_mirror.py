"""The local document store survives a restart: mirrored to var/s3/, put back at start."""

from __future__ import annotations

from pathlib import Path

from devstack.mirror import BucketMirror
from mesfactures import wiring
from tests.support import Portal


def _mirror(portal: Portal, folder: Path) -> BucketMirror:
    """A mirror of the test stack's bucket of its own (the stack's runs in the background every 5 s)."""
    return BucketMirror(portal.running.config.bucket_name, folder)


def test_what_was_stored_comes_back_after_moto_forgot_it(portal: Portal, tmp_path: Path) -> None:
    mirror = _mirror(portal, tmp_path)
    store = wiring.documents()
    store.put_json("uploads/test/mirror-probe.json", b'{"kept": true}')
    assert mirror.snapshot() > 0
    store.delete("uploads/test/mirror-probe.json")  # what a restart of moto does to every object
    assert store.head("uploads/test/mirror-probe.json") is None
    assert mirror.restore() == 1
    assert store.read("uploads/test/mirror-probe.json") == b'{"kept": true}'
    assert store.head("uploads/test/mirror-probe.json") == (14, "application/json; charset=utf-8")


def test_what_was_deleted_stays_deleted(portal: Portal, tmp_path: Path) -> None:
    mirror = _mirror(portal, tmp_path)
    store = wiring.documents()
    store.put_json("uploads/test/gone.json", b"{}")
    mirror.snapshot()
    store.delete("uploads/test/gone.json")
    mirror.snapshot()
    assert mirror.restore() == 0
    assert store.head("uploads/test/gone.json") is None
    assert mirror.snapshot() == 0, "nothing changed since the last snapshot: nothing is copied again"
