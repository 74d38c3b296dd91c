"""What each e-mail says, as typed views; a message names its template and carries its view as JSON."""

from __future__ import annotations

from dataclasses import asdict, dataclass, fields
from typing import Any, ClassVar


@dataclass(frozen=True)
class InvoiceLine:
    number: str
    amount: str


@dataclass(frozen=True)
class DisputeOpened:
    template: ClassVar[str] = "dispute_opened"
    agency_name: str
    agency_id: str
    creditor_name: str
    reference: str
    reason: str
    comment: str
    invoices: list[InvoiceLine]
    total: str
    author: str
    link: str


@dataclass(frozen=True)
class DisputeCommented:
    template: ClassVar[str] = "dispute_commented"
    agency_name: str
    agency_id: str
    creditor_name: str
    reference: str
    status: str
    comment: str
    author: str
    link: str


@dataclass(frozen=True)
class DisputeStatusChanged:
    template: ClassVar[str] = "dispute_status_changed"
    agency_name: str
    creditor_name: str
    reference: str
    previous_status: str
    status: str
    comment: str
    link: str


View = DisputeOpened | DisputeCommented | DisputeStatusChanged
VIEWS: dict[str, type[View]] = {
    view.template: view for view in (DisputeOpened, DisputeCommented, DisputeStatusChanged)
}


@dataclass(frozen=True)
class MailMessage:
    message_id: str
    recipients: tuple[str, ...]
    view: View

    @property
    def template(self) -> str:
        return self.view.template


def view_to_json(view: View) -> dict[str, Any]:
    return asdict(view)


def view_from_json(template: str, payload: dict[str, Any]) -> View:
    cls = VIEWS[template]
    values = dict(payload)
    for field in fields(cls):
        if field.name == "invoices":
            values["invoices"] = [InvoiceLine(**line) for line in payload["invoices"]]
    return cls(**values)
