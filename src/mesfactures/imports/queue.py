"""The import queue, for the slices of an import to hand on: the message of the next slice carries the
file and the position it starts from (docs/import.md)."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from mesfactures.domain.imports import ImportFile, Phase, Position

CONTINUE = "continue_import"


def continuation(body: dict[str, Any]) -> tuple[ImportFile, Position] | None:
    """The file and position of a next-slice message, or None for another message (S3's notices)."""
    slice_ = body.get(CONTINUE)
    if not isinstance(slice_, dict):
        return None
    file = ImportFile(key=slice_["key"], version=slice_["version"], version_id=slice_.get("version_id"))
    return file, Position(Phase(slice_["phase"]), int(slice_["row"]))


class ImportQueue:
    def __init__(self, client: Callable[[], Any], queue_name: str) -> None:
        self._client = client
        self._queue_name = queue_name
        self._url: str | None = None

    def send(self, file: ImportFile, position: Position) -> None:
        body = {
            CONTINUE: {
                "key": file.key,
                "version": file.version,
                "version_id": file.version_id,
                "phase": position.phase.value,
                "row": position.row,
            }
        }
        if self._url is None:
            self._url = self._client().get_queue_url(QueueName=self._queue_name)["QueueUrl"]
        self._client().send_message(QueueUrl=self._url, MessageBody=json.dumps(body))
