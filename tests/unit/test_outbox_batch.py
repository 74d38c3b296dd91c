"""A batch of outbox records from the table's stream: a record whose mail fails comes back alone with the
records after it, so the mails already sent before it are not sent again (ReportBatchItemFailures)."""

from __future__ import annotations

from mesfactures.notifications.messages import DisputeOpened, InvoiceLine, MailMessage
from mesfactures.notifications.outbox import OutboxRecord, deliver_stream_batch
from mesfactures.notifications.rendering import RenderedMail

VIEW = DisputeOpened(
    agency_name="Agence",
    agency_id="AG-1001",
    creditor_name="POLIRIS",
    reference="LIT-ABCDEFGH",
    reason="Montant erroné",
    comment="",
    invoices=[InvoiceLine("FA-2026-000001", "120,00 €")],
    total="120,00 €",
    author="demo@agence-exemple.fr",
    link="http://127.0.0.1:8080/#/finance/litiges/01J",
)


class Outbox:
    def __init__(self, *message_ids: str) -> None:
        self.messages = {m: MailMessage(m, (f"{m}@poliris.example",), VIEW) for m in message_ids}
        self.sent: list[str] = []

    def pending(self, message_id: str) -> MailMessage | None:
        return None if message_id in self.sent else self.messages.get(message_id)

    def mark_sent(self, message_id: str) -> None:
        self.sent.append(message_id)


class Mailer:
    """SES refusing the mails of one recipient."""

    def __init__(self, refused: str) -> None:
        self.refused = refused
        self.delivered: list[str] = []

    def send(self, recipients: tuple[str, ...], mail: RenderedMail) -> None:
        if self.refused in recipients:
            raise ConnectionError("SES is down for this one")
        self.delivered.extend(recipients)


def test_only_the_record_whose_mail_failed_and_those_after_it_come_back() -> None:
    outbox, mailer = Outbox("m1", "m2", "m3"), Mailer(refused="m2@poliris.example")
    batch = [OutboxRecord("seq-1", "m1"), OutboxRecord("seq-2", "m2"), OutboxRecord("seq-3", "m3")]

    answer = deliver_stream_batch(outbox, mailer, batch)

    assert answer == {"batchItemFailures": [{"itemIdentifier": "seq-2"}]}
    assert mailer.delivered == ["m1@poliris.example"]
    assert outbox.sent == ["m1"], "the third waits for the second: the stream keeps their order"


def test_the_batch_delivered_again_from_the_failed_record_sends_each_mail_once() -> None:
    outbox, mailer = Outbox("m1", "m2", "m3"), Mailer(refused="m2@poliris.example")
    batch = [OutboxRecord("seq-1", "m1"), OutboxRecord("seq-2", "m2"), OutboxRecord("seq-3", "m3")]
    deliver_stream_batch(outbox, mailer, batch)
    mailer.refused = "nobody"

    answer = deliver_stream_batch(outbox, mailer, batch[1:])

    assert answer == {"batchItemFailures": []}
    assert mailer.delivered == ["m1@poliris.example", "m2@poliris.example", "m3@poliris.example"]
