"""Creditors, account profiles and their change requests in the ledger table (the agency item itself is
the team's: persistence/team.py)."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from pynamodb.attributes import (
    BooleanAttribute,
    JSONAttribute,
    MapAttribute,
    UnicodeAttribute,
    VersionAttribute,
)
from pynamodb.exceptions import DoesNotExist, PutError, TransactWriteError
from pynamodb.transactions import TransactWrite

from mesfactures.domain.accounts import (
    AccountProfile,
    BankDetails,
    BillingDetails,
    BuyerIdentifiers,
    ChangeKind,
    ChangeStatus,
    CreditorDetails,
    MainContact,
    PendingBankChange,
    PostalAddress,
    ProfileChange,
    ServiceContact,
)
from mesfactures.domain.creditors import Creditor
from mesfactures.domain.errors import ConcurrentChange, NotFound, TooManyRequests, UnknownAccount
from mesfactures.domain.ledger import Agency
from mesfactures.domain.team import Activity
from mesfactures.notifications.messages import MailMessage
from mesfactures.persistence import keys
from mesfactures.persistence.outbox import outbox_item
from mesfactures.persistence.sessions import RateLimitItem
from mesfactures.persistence.table import LedgerItem
from mesfactures.persistence.team import AgencyItem, activity_item
from mesfactures.persistence.transactions import condition_failed, shared_connection


class PostalAddressMap(MapAttribute[str, Any]):
    street = UnicodeAttribute()
    postal_code = UnicodeAttribute()
    city = UnicodeAttribute()
    country = UnicodeAttribute()


class ServiceContactMap(MapAttribute[str, Any]):
    name = UnicodeAttribute()
    address = PostalAddressMap()
    phone = UnicodeAttribute()
    email = UnicodeAttribute()
    hours = UnicodeAttribute()


class CreditorItem(LedgerItem, discriminator="creditor"):
    code = UnicodeAttribute()
    legal_name = UnicodeAttribute()
    legal_form = UnicodeAttribute()
    siren = UnicodeAttribute()
    vat_number = UnicodeAttribute()
    address = PostalAddressMap()
    after_sales = ServiceContactMap()
    collections = ServiceContactMap()
    finance_email = UnicodeAttribute()
    siret = UnicodeAttribute(null=True)
    rcs = UnicodeAttribute(null=True)
    electronic_address = UnicodeAttribute(null=True)
    vat_on_debits = BooleanAttribute(null=True)


class ContactMap(MapAttribute[str, Any]):
    last_name = UnicodeAttribute()
    first_name = UnicodeAttribute()
    role = UnicodeAttribute()


class BillingMap(MapAttribute[str, Any]):
    address = PostalAddressMap()
    phone = UnicodeAttribute()
    fax = UnicodeAttribute(null=True)
    email = UnicodeAttribute()


class BankMap(MapAttribute[str, Any]):
    holder = UnicodeAttribute()
    bank_name = UnicodeAttribute()
    bic = UnicodeAttribute()
    iban = UnicodeAttribute()


class ProfileItem(LedgerItem, discriminator="profile"):
    """An agency's account details with one creditor (Informations compte)."""

    agency_id = UnicodeAttribute()
    creditor = UnicodeAttribute()
    account_number = UnicodeAttribute()
    legal_name = UnicodeAttribute()
    main_contact = ContactMap()
    billing = BillingMap()
    bank = BankMap()
    version = VersionAttribute()
    pending_bank = BankMap(null=True)
    pending_change_id = UnicodeAttribute(null=True)
    pending_requested_at = UnicodeAttribute(null=True)
    pending_requested_by = UnicodeAttribute(null=True)
    # The agency as a buyer of e-invoices (issue 14); absent on profiles written before.
    buyer_siren = UnicodeAttribute(null=True)
    buyer_vat_number = UnicodeAttribute(null=True)
    buyer_electronic_address = UnicodeAttribute(null=True)


class ProfileChangeItem(LedgerItem, discriminator="profile_change"):
    change_id = UnicodeAttribute()
    agency_id = UnicodeAttribute()
    creditor = UnicodeAttribute()
    change_kind = UnicodeAttribute()
    status = UnicodeAttribute()
    requested_by = UnicodeAttribute()
    requested_at = UnicodeAttribute()
    before = JSONAttribute()
    after = JSONAttribute()
    decided_by = UnicodeAttribute(null=True)
    decided_at = UnicodeAttribute(null=True)
    decision_comment = UnicodeAttribute(null=True)
    agency_name = UnicodeAttribute(null=True)


class AccountRepository:
    def agency(self, agency_id: str) -> Agency:
        try:
            item = AgencyItem.get(keys.agency_pk(agency_id), keys.AGENCY_SK)
        except DoesNotExist:
            raise NotFound("Agence inconnue.") from None
        return Agency(
            agency_id=item.agency_id,
            name=item.name,
            creditors=tuple(Creditor(str(code)) for code in item.creditors),
        )

    def save_agency(self, agency: Agency) -> None:
        """Creates the agency, or updates its name and creditors: never its count of active administrators,
        which only the team's transactions change."""
        item = AgencyItem(
            keys.agency_pk(agency.agency_id),
            keys.AGENCY_SK,
            agency_id=agency.agency_id,
            name=agency.name,
            creditors=[creditor.value for creditor in agency.creditors],
        )
        try:
            item.save(condition=AgencyItem.sk.does_not_exist())
        except PutError as error:
            if error.cause_response_code != "ConditionalCheckFailedException":
                raise
            item.update(
                actions=[AgencyItem.name.set(item.name), AgencyItem.creditors.set(item.creditors)],
                condition=AgencyItem.sk.exists(),
            )

    def creditor(self, creditor: Creditor) -> CreditorDetails:
        try:
            item = CreditorItem.get(keys.creditor_pk(creditor), keys.CREDITOR_SK)
        except DoesNotExist:
            raise NotFound("Créancier inconnu.") from None
        return CreditorDetails(
            creditor=Creditor(item.code),
            legal_name=item.legal_name,
            legal_form=item.legal_form,
            siren=item.siren,
            vat_number=item.vat_number,
            address=_address(item.address),
            after_sales=_service(item.after_sales),
            collections=_service(item.collections),
            finance_email=item.finance_email,
            siret=item.siret or "",
            rcs=item.rcs or "",
            electronic_address=item.electronic_address or "",
            vat_on_debits=bool(item.vat_on_debits),
        )

    def save_creditor(self, details: CreditorDetails) -> None:
        CreditorItem(
            keys.creditor_pk(details.creditor),
            keys.CREDITOR_SK,
            code=details.creditor.value,
            legal_name=details.legal_name,
            legal_form=details.legal_form,
            siren=details.siren,
            vat_number=details.vat_number,
            address=_address_map(details.address),
            after_sales=_service_map(details.after_sales),
            collections=_service_map(details.collections),
            finance_email=details.finance_email,
            siret=details.siret or None,
            rcs=details.rcs or None,
            electronic_address=details.electronic_address or None,
            vat_on_debits=details.vat_on_debits,
        ).save()

    def has_account(self, agency_id: str, creditor: Creditor) -> bool:
        try:
            ProfileItem.get(keys.account_pk(agency_id, creditor), keys.PROFILE_SK, attributes_to_get=["PK"])
        except (DoesNotExist, ValueError):  # ValueError: an id that cannot be a key part is no one's account
            return False
        return True

    def profile(self, agency_id: str, creditor: Creditor) -> AccountProfile:
        try:
            item = ProfileItem.get(keys.account_pk(agency_id, creditor), keys.PROFILE_SK)
        except DoesNotExist:
            raise UnknownAccount() from None
        return AccountProfile(
            agency_id=item.agency_id,
            creditor=Creditor(item.creditor),
            account_number=item.account_number,
            legal_name=item.legal_name,
            main_contact=_contact(item.main_contact),
            billing=_billing(item.billing),
            bank=_bank(item.bank),
            version=item.version,
            pending_bank=PendingBankChange(
                change_id=item.pending_change_id,
                bank=_bank(item.pending_bank),
                requested_at=datetime.fromisoformat(item.pending_requested_at or ""),
                requested_by=item.pending_requested_by or "",
            )
            if item.pending_bank and item.pending_change_id
            else None,
            identifiers=BuyerIdentifiers(
                item.buyer_siren, item.buyer_vat_number or "", item.buyer_electronic_address or ""
            )
            if item.buyer_siren
            else None,
        )

    def add_profile_if_absent(self, profile: AccountProfile) -> bool:
        """Creates the profile unless one exists (then it is left as its owner last changed it)."""
        item = ProfileItem(
            keys.account_pk(profile.agency_id, profile.creditor),
            keys.PROFILE_SK,
            agency_id=profile.agency_id,
            creditor=profile.creditor.value,
            account_number=profile.account_number,
            legal_name=profile.legal_name,
            main_contact=_contact_map(profile.main_contact),
            billing=_billing_map(profile.billing),
            bank=_bank_map(profile.bank),
            buyer_siren=profile.identifiers.siren if profile.identifiers else None,
            buyer_vat_number=profile.identifiers.vat_number if profile.identifiers else None,
            buyer_electronic_address=profile.identifiers.electronic_address if profile.identifiers else None,
        )
        try:
            item.save()
        except PutError as error:
            if error.cause_response_code == "ConditionalCheckFailedException":
                self._add_identifiers_if_absent(profile)
                return False
            raise
        return True

    def _add_identifiers_if_absent(self, profile: AccountProfile) -> None:
        """A profile written before e-invoicing gets the agency's identifiers; its details stay as is."""
        if profile.identifiers is None:
            return
        item = ProfileItem.get(keys.account_pk(profile.agency_id, profile.creditor), keys.PROFILE_SK)
        if item.buyer_siren:
            return
        identifiers = profile.identifiers
        item.update(
            actions=[
                ProfileItem.buyer_siren.set(identifiers.siren),
                ProfileItem.buyer_vat_number.set(identifiers.vat_number),
                ProfileItem.buyer_electronic_address.set(identifiers.electronic_address),
            ]
        )


def _address(item: PostalAddressMap) -> PostalAddress:
    return PostalAddress(
        street=item.street, postal_code=item.postal_code, city=item.city, country=item.country
    )


def _address_map(address: PostalAddress) -> PostalAddressMap:
    return PostalAddressMap(
        street=address.street,
        postal_code=address.postal_code,
        city=address.city,
        country=address.country,
    )


def _service(item: ServiceContactMap) -> ServiceContact:
    return ServiceContact(
        name=item.name, address=_address(item.address), phone=item.phone, email=item.email, hours=item.hours
    )


def _service_map(service: ServiceContact) -> ServiceContactMap:
    return ServiceContactMap(
        name=service.name,
        address=_address_map(service.address),
        phone=service.phone,
        email=service.email,
        hours=service.hours,
    )


class ProfileChanges:
    """Changes to account details: each one transaction with its history record and its e-mail, under
    optimistic locking on the profile's version (two tabs: the second send fails and loses nothing)."""

    def apply_contact_and_billing(
        self,
        profile: AccountProfile,
        contact: MainContact,
        billing: BillingDetails,
        change: ProfileChange,
        message: MailMessage,
        activity: Activity | None = None,
    ) -> None:
        item = _locked_profile(profile)
        self._write(
            item,
            [
                ProfileItem.main_contact.set(_contact_map(contact)),
                ProfileItem.billing.set(_billing_map(billing)),
            ],
            None,
            change,
            message,
            activity,
        )

    def request_bank_change(
        self,
        profile: AccountProfile,
        bank: BankDetails,
        change: ProfileChange,
        message: MailMessage,
        activity: Activity | None = None,
    ) -> None:
        item = _locked_profile(profile)
        actions = [
            ProfileItem.pending_bank.set(_bank_map(bank)),
            ProfileItem.pending_change_id.set(change.change_id),
            ProfileItem.pending_requested_at.set(change.requested_at.isoformat()),
            ProfileItem.pending_requested_by.set(change.requested_by),
        ]
        self._write(item, actions, ProfileItem.pending_change_id.does_not_exist(), change, message, activity)

    def decide_bank_change(
        self, profile: AccountProfile, change: ProfileChange, message: MailMessage
    ) -> None:
        """Approval applies the pending details; rejection drops them. Either way the pending slot frees."""
        assert profile.pending_bank is not None  # noqa: S101 (checked by the use case)
        item = _locked_profile(profile)
        actions: list[Any] = [
            ProfileItem.pending_bank.remove(),
            ProfileItem.pending_change_id.remove(),
            ProfileItem.pending_requested_at.remove(),
            ProfileItem.pending_requested_by.remove(),
        ]
        if change.status is ChangeStatus.APPROVED:
            actions.append(ProfileItem.bank.set(_bank_map(profile.pending_bank.bank)))
        condition = ProfileItem.pending_change_id == change.change_id
        pk = keys.account_pk(change.agency_id, change.creditor)
        try:
            with TransactWrite(connection=shared_connection()) as transaction:
                transaction.update(item, actions=actions, condition=condition)
                transaction.update(
                    ProfileChangeItem(pk, keys.change_sk(change.change_id)),
                    actions=[
                        ProfileChangeItem.status.set(change.status.value),
                        ProfileChangeItem.decided_by.set(change.decided_by or ""),
                        ProfileChangeItem.decided_at.set(
                            (change.decided_at or change.requested_at).isoformat()
                        ),
                        ProfileChangeItem.decision_comment.set(change.decision_comment or ""),
                        ProfileChangeItem.finance_sk.set(
                            keys.finance_sk(
                                change.status.value, change.requested_at.isoformat(), change.change_id
                            )
                        ),
                    ],
                    condition=ProfileChangeItem.status == ChangeStatus.PENDING.value,
                )
                transaction.save(outbox_item(message, change.decided_at or change.requested_at))
        except TransactWriteError as error:
            if condition_failed(error):
                raise ConcurrentChange() from error
            raise

    def history(self, agency_id: str, creditor: Creditor) -> list[ProfileChange]:
        pk = keys.account_pk(agency_id, creditor)
        items = ProfileChangeItem.query(
            pk, ProfileChangeItem.sk.startswith(keys.CHANGE_PREFIX), scan_index_forward=False
        )
        return [_change(item) for item in items]

    def bank_changes(self, creditor: Creditor, status: ChangeStatus | None) -> list[ProfileChange]:
        condition = (
            LedgerItem.finance_sk.startswith(keys.finance_status_prefix(status.value)) if status else None
        )
        items = LedgerItem.finance_index.query(
            keys.bank_changes_pk(creditor), condition, scan_index_forward=False
        )
        return [_change(item) for item in items if isinstance(item, ProfileChangeItem)]

    def change(self, change_id: str) -> ProfileChange:
        try:
            key = keys.change_sk(change_id)
        except ValueError:
            raise NotFound("Demande introuvable.") from None
        items = [item for item in LedgerItem.by_id_index.query(key) if isinstance(item, ProfileChangeItem)]
        if not items:
            raise NotFound("Demande introuvable.")
        return _change(items[0])

    def count_and_send(
        self,
        user_id: str,
        window: str,
        limit: int,
        messages: list[MailMessage],
        now: datetime,
        activity: Activity | None = None,
    ) -> None:
        """Counts one message in the user's window and queues its e-mails, or refuses past the limit."""
        counter = RateLimitItem(keys.rate_limit_pk(user_id), keys.rate_limit_sk("messages", window))
        try:
            with TransactWrite(connection=shared_connection()) as transaction:
                transaction.update(
                    counter,
                    actions=[
                        RateLimitItem.hits.add(1),
                        RateLimitItem.expires_at.set(now + timedelta(days=2)),
                    ],
                    condition=RateLimitItem.hits.does_not_exist() | (RateLimitItem.hits < limit),
                )
                for message in messages:
                    transaction.save(outbox_item(message, now))
                if activity:
                    transaction.save(activity_item(activity))
        except TransactWriteError as error:
            if condition_failed(error):
                raise TooManyRequests() from error
            raise

    def _write(
        self,
        item: ProfileItem,
        actions: list[Any],
        condition: Any,
        change: ProfileChange,
        message: MailMessage,
        activity: Activity | None,
    ) -> None:
        try:
            with TransactWrite(connection=shared_connection()) as transaction:
                transaction.update(item, actions=actions, condition=condition)
                transaction.save(_change_item(change), condition=ProfileChangeItem.sk.does_not_exist())
                transaction.save(outbox_item(message, change.requested_at))
                if activity:
                    transaction.save(activity_item(activity))
        except TransactWriteError as error:
            if condition_failed(error):
                raise ConcurrentChange(
                    "Ces informations ont été modifiées entre-temps (dans un autre onglet ?). "
                    "Rechargez la page : vos saisies sont conservées à l'écran."
                ) from error
            raise


def _locked_profile(profile: AccountProfile) -> ProfileItem:
    """An item that updates only if the profile is still at the version the user edited."""
    return ProfileItem(
        keys.account_pk(profile.agency_id, profile.creditor), keys.PROFILE_SK, version=profile.version
    )


def _contact_map(contact: MainContact) -> ContactMap:
    return ContactMap(last_name=contact.last_name, first_name=contact.first_name, role=contact.role)


def _billing_map(billing: BillingDetails) -> BillingMap:
    return BillingMap(
        address=_address_map(billing.address), phone=billing.phone, fax=billing.fax, email=billing.email
    )


def _bank_map(bank: BankDetails) -> BankMap:
    return BankMap(holder=bank.holder, bank_name=bank.bank_name, bic=bank.bic, iban=bank.iban)


def _contact(item: ContactMap) -> MainContact:
    return MainContact(last_name=item.last_name, first_name=item.first_name, role=item.role)


def _billing(item: BillingMap) -> BillingDetails:
    return BillingDetails(address=_address(item.address), phone=item.phone, fax=item.fax, email=item.email)


def _bank(item: BankMap) -> BankDetails:
    return BankDetails(holder=item.holder, bank_name=item.bank_name, bic=item.bic, iban=item.iban)


def _change_item(change: ProfileChange) -> ProfileChangeItem:
    is_bank = change.kind is ChangeKind.BANK
    return ProfileChangeItem(
        keys.account_pk(change.agency_id, change.creditor),
        keys.change_sk(change.change_id),
        id_key=keys.change_sk(change.change_id),
        finance_pk=keys.bank_changes_pk(change.creditor) if is_bank else None,
        finance_sk=keys.finance_sk(change.status.value, change.requested_at.isoformat(), change.change_id)
        if is_bank
        else None,
        change_id=change.change_id,
        agency_id=change.agency_id,
        agency_name=change.agency_name or None,
        creditor=change.creditor.value,
        change_kind=change.kind.value,
        status=change.status.value,
        requested_by=change.requested_by,
        requested_at=change.requested_at.isoformat(),
        before=change.before,
        after=change.after,
    )


def _change(item: ProfileChangeItem) -> ProfileChange:
    return ProfileChange(
        change_id=item.change_id,
        agency_id=item.agency_id,
        creditor=Creditor(item.creditor),
        kind=ChangeKind(item.change_kind),
        status=ChangeStatus(item.status),
        requested_by=item.requested_by,
        requested_at=datetime.fromisoformat(item.requested_at),
        before=dict(item.before),
        after=dict(item.after),
        decided_by=item.decided_by,
        decided_at=datetime.fromisoformat(item.decided_at) if item.decided_at else None,
        decision_comment=item.decision_comment,
        agency_name=item.agency_name or "",
    )
