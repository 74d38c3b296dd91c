"""The e-mails name an agency as French does: "de l'agence Exemple", never "de Agence Exemple"."""

from __future__ import annotations

import pytest

from mesfactures.documents.formatting import the_agency
from mesfactures.notifications.messages import (
    DisputeCommented,
    DisputeStatusChanged,
    InvoiceLine,
    PaymentReceipt,
)
from mesfactures.notifications.rendering import render_mail

AGENCY = "Agence Exemple Immobilier"


@pytest.mark.parametrize(
    ("name", "phrase"),
    [
        ("Agence Exemple Immobilier", "l'agence Exemple Immobilier"),
        ("AGENCE DU PARC", "l'agence DU PARC"),
        ("L'Agence du Port", "l'agence du Port"),
        ("Immo Durand", "l'agence Immo Durand"),
        ("Autre Agence Immobilière", "l'agence Autre Agence Immobilière"),
    ],
)
def test_an_agency_is_named_with_the_article_of_the_word_agence(name: str, phrase: str) -> None:
    assert the_agency(name) == phrase


def test_the_payment_receipt_says_de_l_agence() -> None:
    receipt = PaymentReceipt(
        agency_name=AGENCY,
        creditor_name="POLIRIS",
        receipt_number="CB-2026-ABCDEFGH",
        paid_on="30/11/2026",
        invoices=[InvoiceLine("FA-2026-000001", "120,00 €")],
        total="120,00 €",
        link="http://127.0.0.1:8080/#/c/POLIRIS/etat-de-compte",
    )
    mail = render_mail(receipt)
    expected = "le paiement par carte de l'agence Exemple Immobilier à POLIRIS, le 30/11/2026."
    assert expected in mail.text
    assert "de l&#39;agence Exemple Immobilier" in mail.html
    assert "de Agence" not in mail.text + mail.html


def test_a_receipt_of_a_basket_settled_by_credit_says_no_card_was_charged() -> None:
    receipt = PaymentReceipt(
        agency_name=AGENCY,
        creditor_name="POLIRIS",
        receipt_number="IA-2026-ABCDEFGH",
        paid_on="30/11/2026",
        invoices=[
            InvoiceLine("FA-2026-000001", "62,40 €"),
            InvoiceLine("Avoir AV-2026-000168 imputé", "-62,40 €"),
        ],
        total="0,00 €",
        link="http://127.0.0.1:8080/#/c/POLIRIS/etat-de-compte",
        by_card=False,
    )
    mail = render_mail(receipt)
    assert mail.text.startswith("Règlement par avoir IA-2026-ABCDEFGH")
    assert "Les factures de l'agence Exemple Immobilier chez POLIRIS sont réglées par ses avoirs" in mail.text
    assert "paiement par carte de" not in mail.text


def test_the_status_mail_and_the_comment_subject_say_de_l_agence() -> None:
    changed = DisputeStatusChanged(
        agency_name=AGENCY,
        creditor_name="POLIRIS",
        reference="LIT-ABCDEFGH",
        previous_status="Ouvert",
        status="En cours d'examen",
        comment="Nous regardons.",
        link="http://127.0.0.1:8080/#/c/POLIRIS/suivi-litiges/01J",
    )
    assert "le litige LIT-ABCDEFGH de l'agence Exemple Immobilier :" in render_mail(changed).text
    commented = DisputeCommented(
        agency_name=AGENCY,
        agency_id="AG-1001",
        creditor_name="POLIRIS",
        reference="LIT-ABCDEFGH",
        status="Ouvert",
        comment="Voici la preuve.",
        author="demo@agence-exemple.fr",
        link="http://127.0.0.1:8080/#/finance/litiges/01J",
    )
    mail = render_mail(commented)
    assert (
        mail.subject == "[POLIRIS] Litige LIT-ABCDEFGH : nouveau commentaire de l'agence Exemple Immobilier"
    )
    assert mail.text.splitlines()[2].startswith("L'agence Exemple Immobilier (AG-1001) a commenté")
