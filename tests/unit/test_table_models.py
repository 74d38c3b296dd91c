"""The table's entities live in their aggregates' modules of persistence/; what reads the table's shape from
them (infra/, the TTL attribute) finds them all, whatever the caller happened to import."""

from __future__ import annotations

import subprocess
import sys

from mesfactures.persistence.table import models

_NAMES = "from mesfactures.persistence.table import models; print(*sorted(m.__name__ for m in models()))"


def test_every_entity_is_found_from_the_table_module_alone() -> None:
    alone = subprocess.run(  # noqa: S603 (our own interpreter, fresh: no aggregate module imported before)
        [sys.executable, "-c", _NAMES], capture_output=True, text=True, check=True, timeout=60
    ).stdout.split()

    assert alone == sorted(model.__name__ for model in models())
    assert {"LedgerItem", "EntryItem", "ProfileItem", "RevokedSessionItem", "StatusMessageItem"} <= set(alone)
