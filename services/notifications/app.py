"""Notifications: delivers the outbox. Each message was written with the change that caused it; the
table's stream hands it here; a failed send is named in the answer, so the stream hands it again (with
the records after it), until it is sent.

It also words the mails Cognito sends itself (invitations, reset codes): Cognito's CustomMessage trigger."""

from __future__ import annotations

import os
from typing import Any

from chalice.app import Chalice, DynamoDBEvent

from mesfactures import wiring
from mesfactures.coldstart import hold_collector_through_first_event
from mesfactures.notifications.outbox import BatchAnswer, OutboxRecord, deliver_stream_batch

app = Chalice(app_name="mesfactures-notifications")
hold_collector_through_first_event(app)
# The stream's ARN is known once the table exists: CDK passes it; the local stack uses its own.
LEDGER_STREAM_ARN = os.environ.get(
    "LEDGER_STREAM_ARN", "arn:aws:dynamodb:eu-west-3:000000000000:table/mesfactures-ledger/stream/local"
)


@app.on_dynamodb_record(stream_arn=LEDGER_STREAM_ARN, batch_size=10, starting_position="TRIM_HORIZON")
def deliver_outbox(event: DynamoDBEvent) -> BatchAnswer:
    """Answers which record failed first (the mapping reports batch item failures): only it and the
    records after it come back. Mails go to SES; the lifecycle statuses the portal reports go to the
    creditor's outbound channel in the document store (both skip what they already delivered)."""
    mails, statuses = [], []
    for record in event:
        image = record.new_image or {}
        if record.event_name != "INSERT":
            continue
        kind = image.get("kind", {}).get("S")
        if kind == "outbox":
            mails.append(OutboxRecord(record.sequence_number, image["message_id"]["S"]))
        elif kind == "status_message":
            statuses.append((record.sequence_number, image["message_id"]["S"]))
    answer = deliver_stream_batch(wiring.outbox(), wiring.mailer(), mails) if mails else _nothing_failed()
    if statuses:
        from mesfactures.lifecycle.use_cases import deliver_status_batch

        failed = deliver_status_batch(wiring.status_delivery(), statuses)
        answer["batchItemFailures"].extend({"itemIdentifier": number} for number in failed)
    return answer


def _nothing_failed() -> BatchAnswer:
    return {"batchItemFailures": []}


@app.lambda_function(name="cognito_messages")
def cognito_messages(event: dict[str, Any], context: Any) -> dict[str, Any]:
    """Cognito asks for the subject and body of an invitation or a reset code, placeholders included: it
    fills in the temporary password or the code itself, so this function never sees one."""
    from mesfactures.notifications.cognito_messages import custom_message, site_url_from

    return custom_message(event, site_url_from())
