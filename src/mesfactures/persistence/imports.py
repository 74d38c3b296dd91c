"""The checkpoints of ERP imports in the ledger table: one item per version of a file, advanced by
conditional writes so that only one delivery of a slice counts."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from pynamodb.exceptions import DoesNotExist, PutError, UpdateError
from pynamodb.expressions.condition import Condition

from mesfactures.domain.imports import COUNTS, Checkpoint, ImportFile, ImportReport, Phase, Position
from mesfactures.persistence import keys
from mesfactures.persistence.models import ImportProgressItem

DONE = "done"
KEEP_DAYS = 30  # long after the queue (and its dead-letter queue) could bring a message of the file back


def _condition_failed(error: PutError | UpdateError) -> bool:
    return error.cause_response_code == "ConditionalCheckFailedException"


def _at(position: Position) -> Condition:
    at: Condition = (ImportProgressItem.phase == position.phase.value) & (
        ImportProgressItem.next_row == position.row
    )
    return at


class ImportCheckpoints:
    def begin(self, file: ImportFile) -> None:
        """The checkpoint of a file's first slice, unless S3's notice was delivered before."""
        item = ImportProgressItem(
            keys.import_pk(file.key, file.version),
            keys.IMPORT_SK,
            file=file.key,
            phase=Phase.DOCUMENTS.value,
            next_row=0,
            next_sent=True,  # the notice itself is the first slice's message
            expires_at=datetime.now(UTC) + timedelta(days=KEEP_DAYS),
        )
        try:
            item.save(condition=ImportProgressItem.pk.does_not_exist())
        except PutError as error:
            if not _condition_failed(error):
                raise

    def load(self, file: ImportFile) -> Checkpoint | None:
        try:
            item = ImportProgressItem.get(
                keys.import_pk(file.key, file.version), keys.IMPORT_SK, consistent_read=True
            )
        except DoesNotExist:
            return None
        return _checkpoint(item)

    def advance(
        self,
        file: ImportFile,
        done: Position,
        following: Position | None,
        report: ImportReport,
        part: str | None,
    ) -> Checkpoint | None:
        """Moves the checkpoint from `done` to `following` (None: the file is done) with the slice's counts;
        None if it was no longer at `done` (another delivery of the slice moved it)."""
        item = ImportProgressItem(keys.import_pk(file.key, file.version), keys.IMPORT_SK)
        actions = [
            ImportProgressItem.phase.set(following.phase.value if following else DONE),
            ImportProgressItem.next_row.set(following.row if following else 0),
            ImportProgressItem.next_sent.set(False),
            *(getattr(ImportProgressItem, name).add(getattr(report, name)) for name in COUNTS),
        ]
        if part is not None:
            actions.append(ImportProgressItem.parts.set((ImportProgressItem.parts | []).append([part])))
        try:
            item.update(actions=actions, condition=_at(done))
        except UpdateError as error:
            if _condition_failed(error):
                return None
            raise
        return _checkpoint(item)

    def next_sent(self, file: ImportFile, position: Position) -> None:
        item = ImportProgressItem(keys.import_pk(file.key, file.version), keys.IMPORT_SK)
        try:
            item.update(actions=[ImportProgressItem.next_sent.set(True)], condition=_at(position))
        except UpdateError as error:
            if not _condition_failed(error):
                raise


def _checkpoint(item: ImportProgressItem) -> Checkpoint:
    position = None if item.phase == DONE else Position(Phase(item.phase), int(item.next_row))
    return Checkpoint(
        position=position,
        counts={name: int(getattr(item, name)) for name in COUNTS},
        parts=tuple(str(part) for part in item.parts or ()),
        next_sent=bool(item.next_sent),
    )
