"""Field-by-field validation of account details, with French messages shown next to each field.

Phone numbers go through Google's libphonenumber (phonenumberslite), IBAN and BIC through python-stdnum:
both maintained, both far more thorough than patterns of ours.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

import phonenumbers
from stdnum import bic as stdnum_bic
from stdnum import iban as stdnum_iban
from stdnum.exceptions import ValidationError as StdnumError

from mesfactures.domain.accounts import BankDetails, BillingDetails, MainContact, PostalAddress
from mesfactures.domain.errors import InvalidFields

_POSTAL_CODES = {
    "FR": (r"\d{5}", "5 chiffres"),
    "MC": (r"980\d{2}", "5 chiffres commençant par 980"),
    "DE": (r"\d{5}", "5 chiffres"),
    "ES": (r"\d{5}", "5 chiffres"),
    "IT": (r"\d{5}", "5 chiffres"),
    "BE": (r"\d{4}", "4 chiffres"),
    "LU": (r"\d{4}", "4 chiffres"),
    "CH": (r"\d{4}", "4 chiffres"),
    "AT": (r"\d{4}", "4 chiffres"),
    "NL": (r"\d{4} ?[A-Z]{2}", "4 chiffres et 2 lettres"),
    "PT": (r"\d{4}-\d{3}", "au format 1234-567"),
    "GB": (r"[A-Z]{1,2}\d[A-Z\d]? ?\d[A-Z]{2}", "au format britannique (SW1A 1AA)"),
}
_EMAIL = re.compile(r"^[^@\s]{1,64}@[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?(?:\.[A-Za-z0-9-]{1,63})+$")
_COUNTRIES = frozenset(phonenumbers.SUPPORTED_REGIONS)


class _Fields:
    """Collects each field's value or error, then raises them all at once."""

    def __init__(self, data: Mapping[str, Any], prefix: str) -> None:
        self._data = data
        self._prefix = prefix
        self.errors: dict[str, str] = {}

    def text(self, name: str, label: str, limit: int = 80, required: bool = True) -> str:
        value = self._data.get(name)
        text = value.strip() if isinstance(value, str) else ""
        if value is not None and not isinstance(value, str):
            self.fail(name, f"{label} : texte attendu.")
        elif required and not text:
            self.fail(name, f"{label} est obligatoire.")
        elif len(text) > limit:
            self.fail(name, f"{label} : {limit} caractères au plus.")
        elif any(not ch.isprintable() for ch in text):
            self.fail(name, f"{label} contient des caractères invalides.")
        return text

    def fail(self, name: str, message: str) -> None:
        self.errors.setdefault(f"{self._prefix}.{name}", message)


def _section(body: Mapping[str, Any], name: str) -> Mapping[str, Any]:
    section = body.get(name)
    if not isinstance(section, dict):
        raise InvalidFields({name: "Cette partie du formulaire manque."})
    return section


def _phone(fields: _Fields, name: str, label: str, country: str, required: bool) -> str | None:
    raw = fields.text(name, label, limit=30, required=required)
    if not raw:
        return None
    try:
        number = phonenumbers.parse(raw, country if country in _COUNTRIES else "FR")
    except phonenumbers.NumberParseException:
        number = None
    if number is None or not phonenumbers.is_valid_number(number):
        fields.fail(name, f"{label} : numéro invalide pour le pays choisi (ex. 04 78 00 00 00).")
        return None
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def main_contact(body: Mapping[str, Any]) -> tuple[MainContact | None, dict[str, str]]:
    fields = _Fields(_section(body, "main_contact"), "main_contact")
    contact = MainContact(
        last_name=fields.text("last_name", "Le nom"),
        first_name=fields.text("first_name", "Le prénom"),
        role=fields.text("role", "La fonction"),
    )
    return (None if fields.errors else contact), fields.errors


def billing(body: Mapping[str, Any]) -> tuple[BillingDetails | None, dict[str, str]]:
    fields = _Fields(_section(body, "billing"), "billing")
    country = fields.text("country", "Le pays", limit=2).upper()
    if country and country not in _COUNTRIES:
        fields.fail("country", "Le pays est un code à deux lettres (FR, BE, CH…).")
    postal_code = fields.text("postal_code", "Le code postal", limit=10).upper()
    rule = _POSTAL_CODES.get(country)
    if postal_code and rule and not re.fullmatch(rule[0], postal_code):
        fields.fail("postal_code", f"Le code postal compte {rule[1]}.")
    elif postal_code and not re.fullmatch(r"[A-Z0-9 -]{2,10}", postal_code):
        fields.fail("postal_code", "Le code postal est invalide.")
    address = PostalAddress(
        street=fields.text("street", "L'adresse", limit=200),
        postal_code=postal_code,
        city=fields.text("city", "La ville", limit=80),
        country=country,
    )
    email = fields.text("email", "L'e-mail", limit=254)
    if email and not _EMAIL.match(email):
        fields.fail("email", "L'e-mail n'est pas une adresse valide (nom@domaine.fr).")
    phone = _phone(fields, "phone", "Le téléphone", country, required=True)
    fax = _phone(fields, "fax", "Le fax", country, required=False)
    if fields.errors:
        return None, fields.errors
    assert phone is not None  # noqa: S101 (required: an error otherwise)
    return BillingDetails(address=address, phone=phone, fax=fax, email=email.lower()), {}


def bank(body: Mapping[str, Any]) -> tuple[BankDetails | None, dict[str, str]]:
    fields = _Fields(_section(body, "bank"), "bank")
    holder = fields.text("holder", "Le titulaire", limit=120)
    bank_name = fields.text("bank_name", "La banque", limit=120)
    iban = fields.text("iban", "L'IBAN", limit=42)
    bic = fields.text("bic", "Le BIC", limit=14)
    if iban:
        try:
            iban = stdnum_iban.validate(iban)
        except StdnumError:
            fields.fail(
                "iban", "L'IBAN est invalide : vérifiez-le caractère par caractère (clé de contrôle)."
            )
    if bic:
        try:
            bic = stdnum_bic.validate(bic)
        except StdnumError:
            fields.fail("bic", "Le BIC compte 8 ou 11 caractères (ex. AGRIFRPPXXX).")
    if fields.errors:
        return None, fields.errors
    return BankDetails(holder=holder, bank_name=bank_name, bic=bic, iban=iban), {}
