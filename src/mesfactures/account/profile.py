"""Informations compte and Nous contacter: the account's details, their changes, writing to a service.

Contact and billing changes apply at once and tell finance; bank-detail changes never apply by
themselves: they wait for finance's approval (fake-IBAN fraud is common), one at a time.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any, Protocol

from mesfactures.domain.account_access import account_must_exist
from mesfactures.domain.accounts import (
    AccountProfile,
    BankDetails,
    BillingDetails,
    ChangeKind,
    ChangeStatus,
    CreditorDetails,
    MainContact,
    ProfileChange,
)
from mesfactures.domain.context import Context
from mesfactures.domain.creditors import Creditor
from mesfactures.domain.errors import (
    BusinessRuleViolation,
    ChangeAlreadyPending,
    ConcurrentChange,
    ForbiddenForRole,
    InvalidFields,
    InvalidInput,
    NotFound,
)
from mesfactures.domain.ids import new_id
from mesfactures.domain.ledger import Agency, is_document_number
from mesfactures.domain.principal import AgencyUser, FinanceUser, Permission
from mesfactures.domain.team import Action, Activity, activity_of
from mesfactures.notifications.messages import (
    BankChangeDecided,
    BankChangeRequested,
    FieldChange,
    MailMessage,
    ProfileChanged,
    ServiceMessage,
)

MESSAGES_PER_HOUR = 5


class Accounts(Protocol):
    def agency(self, agency_id: str) -> Agency: ...

    def creditor(self, creditor: Creditor) -> CreditorDetails: ...

    def profile(self, agency_id: str, creditor: Creditor) -> AccountProfile: ...

    def has_account(self, agency_id: str, creditor: Creditor) -> bool: ...


class Changes(Protocol):
    def apply_contact_and_billing(
        self,
        profile: AccountProfile,
        contact: MainContact,
        billing: BillingDetails,
        change: ProfileChange,
        message: MailMessage,
        activity: Activity | None = None,
    ) -> None: ...

    def request_bank_change(
        self,
        profile: AccountProfile,
        bank: BankDetails,
        change: ProfileChange,
        message: MailMessage,
        activity: Activity | None = None,
    ) -> None: ...

    def decide_bank_change(
        self, profile: AccountProfile, change: ProfileChange, message: MailMessage
    ) -> None: ...

    def history(self, agency_id: str, creditor: Creditor) -> list[ProfileChange]: ...

    def bank_changes(self, creditor: Creditor, status: ChangeStatus | None) -> list[ProfileChange]: ...

    def change(self, change_id: str) -> ProfileChange: ...

    def count_and_send(
        self,
        user_id: str,
        window: str,
        limit: int,
        messages: list[MailMessage],
        now: datetime,
        activity: Activity | None = None,
    ) -> None: ...


def contact_and_billing_fields(contact: MainContact, billing: BillingDetails) -> dict[str, str]:
    return {
        "Nom": contact.last_name,
        "Prénom": contact.first_name,
        "Fonction": contact.role,
        "Adresse": billing.address.street,
        "Code postal": billing.address.postal_code,
        "Ville": billing.address.city,
        "Pays": billing.address.country,
        "Téléphone": billing.phone,
        "Fax": billing.fax or "",
        "E-mail": billing.email,
    }


def bank_fields(bank: BankDetails) -> dict[str, str]:
    """What the history and e-mails show of bank details: never the full IBAN."""
    return {"Titulaire": bank.holder, "Banque": bank.bank_name, "BIC": bank.bic, "IBAN": bank.masked_iban}


def _differences(before: dict[str, str], after: dict[str, str]) -> list[FieldChange]:
    return [FieldChange(name, before[name], after[name]) for name in before if before[name] != after[name]]


def _version(body: Mapping[str, Any]) -> int:
    version = body.get("version")
    if not isinstance(version, int) or isinstance(version, bool):
        raise InvalidInput("La version des informations modifiées manque : rechargez la page.")
    return version


@dataclass(frozen=True)
class SentChanges:
    profile: AccountProfile  # as it is now: contact and billing changes applied, a bank change pending
    changes: list[ProfileChange]


@dataclass(frozen=True)
class ChangeUnderReview:
    change: ProfileChange
    profile: AccountProfile  # the account as it is now (its pending bank change holds the full IBAN)


def profile_of(user: AgencyUser, *, creditor: Creditor, accounts: Accounts) -> AccountProfile:
    """The agency's account at a creditor: main contact, billing, bank details, pending change."""
    return accounts.profile(user.agency_id, creditor)


def history_of_changes(
    user: AgencyUser, *, creditor: Creditor, accounts: Accounts, changes: Changes
) -> list[ProfileChange]:
    found = changes.history(user.agency_id, creditor)
    account_must_exist(accounts, user.agency_id, creditor, unless_found=found)
    return found


def contacts_of(user: AgencyUser, *, creditor: Creditor, accounts: Accounts) -> CreditorDetails:
    """The creditor's services, for an agency that has an account there."""
    account_must_exist(accounts, user.agency_id, creditor)
    return accounts.creditor(creditor)


def send_changes(
    user: AgencyUser,
    *,
    creditor: Creditor,
    body: Mapping[str, Any],
    accounts: Accounts,
    changes: Changes,
    context: Context,
) -> SentChanges:
    """« Envoyer modification »: validates every field first, then records what really changed."""
    recorded = _record_changes(user, creditor, body, accounts, changes, context.now(), context.site_url)
    return SentChanges(accounts.profile(user.agency_id, creditor), recorded)


def _record_changes(
    user: AgencyUser,
    creditor: Creditor,
    body: Mapping[str, Any],
    accounts: Accounts,
    changes: Changes,
    now: datetime,
    site_url: str,
) -> list[ProfileChange]:
    from mesfactures.account import validation  # libphonenumber's metadata: loaded on first use only

    profile = accounts.profile(user.agency_id, creditor)
    if _version(body) != profile.version:
        raise ConcurrentChange(
            "Ces informations ont été modifiées entre-temps (dans un autre onglet ?). "
            "Rechargez la page : vos saisies sont conservées à l'écran."
        )
    contact, billing, bank = None, None, None
    errors: dict[str, str] = {}
    if "main_contact" in body or "billing" in body:
        contact, contact_errors = validation.main_contact(body)
        billing, billing_errors = validation.billing(body)
        errors |= contact_errors | billing_errors
    if "bank" in body:
        bank, bank_errors = validation.bank(body)
        errors |= bank_errors
    if errors:
        raise InvalidFields(errors)
    before = contact_and_billing_fields(profile.main_contact, profile.billing)
    after = contact_and_billing_fields(contact, billing) if contact and billing else before
    bank_changed = bank is not None and bank != profile.bank
    if bank_changed and not user.may(Permission.EDIT_BANK):
        raise ForbiddenForRole("Seul un administrateur de l'agence peut modifier les coordonnées bancaires.")
    if bank_changed and profile.pending_bank is not None:
        raise ChangeAlreadyPending()
    agency = accounts.agency(user.agency_id)
    recorded: list[ProfileChange] = []
    if contact and billing and after != before:
        change = ProfileChange(
            new_id(),
            user.agency_id,
            creditor,
            ChangeKind.CONTACT_AND_BILLING,
            ChangeStatus.APPLIED,
            user.signature,
            now,
            before,
            after,
            agency_name=agency.name,
        )
        applied = ProfileChanged(
            agency.name,
            agency.agency_id,
            creditor.display_name,
            profile.account_number,
            user.email,
            _differences(before, after),
        )
        finance = accounts.creditor(creditor).finance_email
        journal = activity_of(
            user,
            Action.PROFILE_CHANGED,
            now,
            creditor,
            detail=", ".join(name for name in before if before[name] != after[name]),
        )
        changes.apply_contact_and_billing(
            profile, contact, billing, change, MailMessage(new_id(), (finance,), applied), journal
        )
        profile = replace(profile, version=(profile.version or 0) + 1)
        recorded.append(change)
    if bank is not None and bank_changed:
        old, new = bank_fields(profile.bank), bank_fields(bank)
        change = ProfileChange(
            new_id(),
            user.agency_id,
            creditor,
            ChangeKind.BANK,
            ChangeStatus.PENDING,
            user.signature,
            now,
            old,
            new,
            agency_name=agency.name,
        )
        view = BankChangeRequested(
            agency.name,
            agency.agency_id,
            creditor.display_name,
            profile.account_number,
            user.email,
            _differences(old, new),
            f"{site_url}/#/finance/banque/{change.change_id}",
        )
        finance = accounts.creditor(creditor).finance_email
        journal = activity_of(user, Action.BANK_CHANGE_REQUESTED, now, creditor)
        changes.request_bank_change(profile, bank, change, MailMessage(new_id(), (finance,), view), journal)
        recorded.append(change)
    if not recorded:
        raise InvalidInput("Aucune modification à envoyer : les informations sont identiques.")
    return recorded


def finance_change(changes: Changes, user: FinanceUser, change_id: str) -> ProfileChange:
    change = changes.change(change_id)
    if not user.handles(change.creditor):
        raise NotFound("Demande introuvable.")
    return change


def finance_bank_changes(
    user: FinanceUser, *, creditor: Creditor | None, status: ChangeStatus | None, changes: Changes
) -> list[ProfileChange]:
    """Bank-detail changes of the creditors the finance user handles (or of one of them), newest first."""
    codes = [creditor] if creditor else sorted(user.creditors)
    if any(not user.handles(code) for code in codes):
        raise NotFound("Créancier inconnu.")
    found = [change for code in codes for change in changes.bank_changes(code, status)]
    return sorted(found, key=lambda change: change.requested_at, reverse=True)


def change_under_review(
    user: FinanceUser, *, change_id: str, accounts: Accounts, changes: Changes
) -> ChangeUnderReview:
    change = finance_change(changes, user, change_id)
    return ChangeUnderReview(change, accounts.profile(change.agency_id, change.creditor))


def decide_bank_change(
    user: FinanceUser,
    *,
    change_id: str,
    approve: bool,
    comment: str,
    accounts: Accounts,
    changes: Changes,
    context: Context,
) -> ProfileChange:
    now, site_url = context.now(), context.site_url
    change = finance_change(changes, user, change_id)
    if change.kind is not ChangeKind.BANK or change.status is not ChangeStatus.PENDING:
        raise BusinessRuleViolation("Cette demande a déjà été traitée.")
    profile = accounts.profile(change.agency_id, change.creditor)
    if profile.pending_bank is None or profile.pending_bank.change_id != change.change_id:
        raise ConcurrentChange()
    status = ChangeStatus.APPROVED if approve else ChangeStatus.REJECTED
    decided = replace(change, status=status, decided_by=user.email, decided_at=now, decision_comment=comment)
    agency = accounts.agency(change.agency_id)
    view = BankChangeDecided(
        agency.name,
        change.creditor.display_name,
        approve,
        comment,
        f"{site_url}/#/c/{change.creditor.value}/informations-compte",
    )
    changes.decide_bank_change(profile, decided, MailMessage(new_id(), (profile.billing.email,), view))
    return decided


def parse_decision(body: Mapping[str, Any]) -> tuple[bool, str]:
    approve, comment = body.get("approve"), body.get("comment")
    if not isinstance(approve, bool):
        raise InvalidInput("Indiquez si la demande est validée ou refusée.")
    if not isinstance(comment, str) or not comment.strip() or len(comment) > 2000:
        raise InvalidInput("Le commentaire est obligatoire (2000 caractères au plus).")
    return approve, comment.strip()


def write_to_service(
    user: AgencyUser,
    *,
    creditor: Creditor,
    body: Mapping[str, Any],
    accounts: Accounts,
    changes: Changes,
    context: Context,
) -> None:
    """E-mails the chosen service with the account's context, and the user a copy; 5 per hour at most."""
    service_code, subject, text = body.get("service"), body.get("subject"), body.get("body")
    documents = body.get("documents") or []
    errors: dict[str, str] = {}
    if service_code not in ("after_sales", "collections"):
        errors["service"] = "Choisissez le service à contacter."
    if (
        not isinstance(subject, str)
        or not subject.strip()
        or len(subject) > 120
        or {"\r", "\n"} & set(subject)
    ):
        errors["subject"] = "L'objet est obligatoire, sur une ligne (120 caractères au plus)."
    if not isinstance(text, str) or not text.strip() or len(text) > 5000:
        errors["body"] = "Le message est obligatoire (5000 caractères au plus)."
    if (
        not isinstance(documents, list)
        or len(documents) > 20
        or not all(is_document_number(number) for number in documents)
    ):
        errors["documents"] = "Les pièces jointes au message sont des numéros FA-… ou AV-…."
    if errors:
        raise InvalidFields(errors)
    assert isinstance(subject, str) and isinstance(text, str)  # noqa: S101 (checked above)
    profile = accounts.profile(user.agency_id, creditor)
    agency, details = accounts.agency(user.agency_id), accounts.creditor(creditor)
    service = details.after_sales if service_code == "after_sales" else details.collections
    views = [
        ServiceMessage(
            service.name,
            creditor.display_name,
            agency.name,
            agency.agency_id,
            profile.account_number,
            user.email,
            subject.strip(),
            text.strip(),
            list(documents),
            is_copy,
        )
        for is_copy in (False, True)
    ]
    messages = [
        MailMessage(new_id(), (service.email,), views[0], reply_to=(user.email,)),
        MailMessage(new_id(), (user.email,), views[1]),
    ]
    now = context.now()
    journal = activity_of(
        user, Action.MESSAGE_SENT, now, creditor, tuple(documents), f"{service.name} : {subject.strip()}"
    )
    changes.count_and_send(user.user_id, now.strftime("%Y%m%d%H"), MESSAGES_PER_HOUR, messages, now, journal)
