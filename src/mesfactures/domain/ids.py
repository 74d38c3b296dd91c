"""Identifiers are ULIDs: unique without coordination, and sortable by creation time."""

from __future__ import annotations

import hashlib
from datetime import datetime

# `ulid` is imported where it is used: at import time it reads its own package metadata (~12 ms of every
# function's cold start).


def new_id() -> str:
    from ulid import ULID

    return str(ULID())


def stable_id(moment: datetime, *parts: str) -> str:
    """The same ULID for the same moment and parts: lets loaders be idempotent (demo data, imports)."""
    from ulid import ULID

    milliseconds = int(moment.timestamp() * 1000).to_bytes(6, "big")
    randomness = hashlib.sha256("\x1f".join(parts).encode()).digest()[:10]
    return str(ULID.from_bytes(milliseconds + randomness))
