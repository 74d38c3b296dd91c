"""Identifiers are ULIDs: unique without coordination, and sortable by creation time."""

from __future__ import annotations

import hashlib
from datetime import datetime

from ulid import ULID


def new_id() -> str:
    return str(ULID())


def stable_id(moment: datetime, *parts: str) -> str:
    """The same ULID for the same moment and parts: lets loaders be idempotent (demo data, imports)."""
    milliseconds = int(moment.timestamp() * 1000).to_bytes(6, "big")
    randomness = hashlib.sha256("\x1f".join(parts).encode()).digest()[:10]
    return str(ULID.from_bytes(milliseconds + randomness))
