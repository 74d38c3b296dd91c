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


@dataclass(frozen=True)
class FieldChange:
    field: str
    before: str
    after: str


@dataclass(frozen=True)
class ProfileChanged:
    template: ClassVar[str] = "profile_changed"
    agency_name: str
    agency_id: str
    creditor_name: str
    account_number: str
    author: str
    changes: list[FieldChange]


@dataclass(frozen=True)
class BankChangeRequested:
    template: ClassVar[str] = "bank_change_requested"
    agency_name: str
    agency_id: str
    creditor_name: str
    account_number: str
    author: str
    changes: list[FieldChange]
    link: str


@dataclass(frozen=True)
class BankChangeDecided:
    template: ClassVar[str] = "bank_change_decided"
    agency_name: str
    creditor_name: str
    approved: bool
    comment: str
    link: str


@dataclass(frozen=True)
class ServiceMessage:
    template: ClassVar[str] = "service_message"
    service_name: str
    creditor_name: str
    agency_name: str
    agency_id: str
    account_number: str
    author: str
    subject: str
    body: str
    documents: list[str]
    is_copy: bool


@dataclass(frozen=True)
class PaymentReceipt:
    template: ClassVar[str] = "payment_receipt"
    agency_name: str
    creditor_name: str
    receipt_number: str
    paid_on: str
    invoices: list[InvoiceLine]
    total: str
    link: str
    by_card: bool = True  # False: the credit notes covered the whole basket, no money moved


View = (
    DisputeOpened
    | DisputeCommented
    | DisputeStatusChanged
    | ProfileChanged
    | BankChangeRequested
    | BankChangeDecided
    | ServiceMessage
    | PaymentReceipt
)
VIEWS: dict[str, type[View]] = {
    view.template: view
    for view in (
        DisputeOpened,
        DisputeCommented,
        DisputeStatusChanged,
        ProfileChanged,
        BankChangeRequested,
        BankChangeDecided,
        ServiceMessage,
        PaymentReceipt,
    )
}


@dataclass(frozen=True)
class MailMessage:
    message_id: str
    recipients: tuple[str, ...]
    view: View
    reply_to: tuple[str, ...] = ()  # where an answer goes: the writing user, for a message to a service

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
        if field.name == "changes":
            values["changes"] = [FieldChange(**change) for change in payload["changes"]]
    return cls(**values)
