"""Agencies, creditors and account profiles in the ledger table."""

from __future__ import annotations

from pynamodb.exceptions import DoesNotExist, PutError

from mesfactures.domain.accounts import (
    AccountProfile,
    BankDetails,
    BillingDetails,
    CreditorDetails,
    MainContact,
    PostalAddress,
    ServiceContact,
)
from mesfactures.domain.creditors import Creditor
from mesfactures.domain.errors import NotFound
from mesfactures.domain.ledger import Agency
from mesfactures.persistence import keys
from mesfactures.persistence.models import (
    AgencyItem,
    BankMap,
    BillingMap,
    ContactMap,
    CreditorItem,
    ProfileItem,
    ServiceContactMap,
)
from mesfactures.persistence.models import PostalAddress as PostalAddressMap


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
        AgencyItem(
            keys.agency_pk(agency.agency_id),
            keys.AGENCY_SK,
            agency_id=agency.agency_id,
            name=agency.name,
            creditors=[creditor.value for creditor in agency.creditors],
        ).save()

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
        ).save()

    def profile(self, agency_id: str, creditor: Creditor) -> AccountProfile:
        try:
            item = ProfileItem.get(keys.account_pk(agency_id, creditor), keys.PROFILE_SK)
        except DoesNotExist:
            raise NotFound("Compte introuvable.") from None
        return AccountProfile(
            agency_id=item.agency_id,
            creditor=Creditor(item.creditor),
            account_number=item.account_number,
            legal_name=item.legal_name,
            main_contact=MainContact(
                last_name=item.main_contact.last_name,
                first_name=item.main_contact.first_name,
                role=item.main_contact.role,
            ),
            billing=BillingDetails(
                address=_address(item.billing.address),
                phone=item.billing.phone,
                fax=item.billing.fax,
                email=item.billing.email,
            ),
            bank=BankDetails(
                holder=item.bank.holder,
                bank_name=item.bank.bank_name,
                bic=item.bank.bic,
                iban=item.bank.iban,
            ),
            version=item.version,
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
            main_contact=ContactMap(
                last_name=profile.main_contact.last_name,
                first_name=profile.main_contact.first_name,
                role=profile.main_contact.role,
            ),
            billing=BillingMap(
                address=_address_map(profile.billing.address),
                phone=profile.billing.phone,
                fax=profile.billing.fax,
                email=profile.billing.email,
            ),
            bank=BankMap(
                holder=profile.bank.holder,
                bank_name=profile.bank.bank_name,
                bic=profile.bank.bic,
                iban=profile.bank.iban,
            ),
        )
        try:
            item.save()
        except PutError as error:
            if error.cause_response_code == "ConditionalCheckFailedException":
                return False
            raise
        return True


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
