"""Informations compte and Nous contacter in the browser; a bank change approved by the finance team."""

from __future__ import annotations

import re

from playwright.sync_api import Page, expect

from tests.browser.conftest import accessibility_violations, screenshot
from tests.browser.signing_in import answer_the_code_step
from tests.support import DEMO, FINANCE, OTHER, Portal, mails_to


def _log_in(page: Page, portal: Portal, email: str, password: str) -> None:
    page.goto(portal.url + "/")
    page.get_by_label("Identifiant").fill(email)
    page.get_by_label("Mot de passe").fill(password)
    page.get_by_role("button", name="Se connecter").click()


def test_modify_see_an_error_fix_it_send_and_see_the_history(portal: Portal, page: Page) -> None:
    _log_in(page, portal, OTHER.email, OTHER.password)
    page.get_by_role("link", name=re.compile("PRESSIMMO")).click()
    page.get_by_role("navigation", name="Rubriques").get_by_role("link", name="Informations compte").click()
    expect(page.get_by_role("heading", name="Informations compte")).to_be_visible()
    send = page.get_by_role("button", name="Envoyer modification")
    expect(send).to_be_disabled()
    expect(page.get_by_label("Téléphone")).to_be_disabled()
    assert accessibility_violations(page) == []

    page.get_by_role("button", name="Modification", exact=True).click()
    expect(send).to_be_enabled()
    page.get_by_label("Code postal").fill("3100")
    page.get_by_label("Téléphone").fill("05 61 22 33 44")
    send.click()
    expect(page.locator("#billing-postal_code-error")).to_have_text("Le code postal compte 5 chiffres.")
    expect(page.get_by_label("Code postal")).to_have_attribute("aria-invalid", "true")
    screenshot(page, "account-error")

    page.get_by_label("Code postal").fill("31000")
    send.click()
    expect(page.get_by_role("status").filter(has_text="Modification envoyée.")).to_be_visible()
    expect(page.get_by_label("Téléphone")).to_have_value("+33561223344")
    history = page.get_by_role("table", name="Historique des modifications")
    expect(history).to_contain_text("Téléphone : +33478000000 → +33561223344")
    expect(history).to_contain_text("Appliquée")
    screenshot(page, "account-history")


def test_a_bank_change_waits_then_finance_approves_it(portal: Portal, page: Page) -> None:
    _log_in(page, portal, DEMO.email, DEMO.password)
    page.get_by_role("link", name=re.compile("BELLES DEMEURES")).click()
    page.get_by_role("navigation", name="Rubriques").get_by_role("link", name="Informations compte").click()
    page.get_by_role("button", name="Modification", exact=True).click()
    page.get_by_label("IBAN").fill("FR7630004000031234567890143")
    page.get_by_label("BIC").fill("BNPAFRPPXXX")
    page.get_by_role("button", name="Envoyer modification").click()
    expect(page.get_by_text(re.compile("en attente de validation"))).to_be_visible()
    expect(page.get_by_label("IBAN")).to_have_value(re.compile("0189$"))
    page.get_by_role("button", name="Se déconnecter").click()

    _log_in(page, portal, FINANCE.email, FINANCE.password)
    answer_the_code_step(page)
    page.get_by_role("link", name=re.compile("Agence Exemple Immobilier — BELLES DEMEURES")).first.click()
    expect(page.get_by_text("FR7630004000031234567890143")).to_be_visible()
    page.get_by_role("button", name="Valider le changement").click()
    expect(page.get_by_role("status")).to_have_text("Le commentaire est obligatoire.")
    page.get_by_label("Commentaire").fill("Confirmé par téléphone avec Mme Martin.")
    page.get_by_role("button", name="Valider le changement").click()
    expect(page.locator(".facts strong").first).to_have_text("Validée")
    screenshot(page, "finance-bank")
    assert mails_to(portal, "compta@ag-1001.example", "Vos coordonnées bancaires chez BELLES DEMEURES")


def test_write_to_the_collections_service_about_selected_invoices(portal: Portal, page: Page) -> None:
    _log_in(page, portal, DEMO.email, DEMO.password)
    page.get_by_role("link", name=re.compile("POLIRIS")).click()
    expect(page.get_by_role("status")).to_contain_text("écriture(s) affichée(s)")
    box = page.locator("table.entries tbody input[type=checkbox]").first
    number = (box.get_attribute("aria-label") or "").removeprefix("Sélectionner ")
    box.check()
    page.get_by_role("button", name="Écrire au service").click()
    expect(page.get_by_role("heading", name="Nous contacter")).to_be_visible()
    expect(page.get_by_role("region", name="Service recouvrement")).to_contain_text(
        "recouvrement@poliris.example"
    )
    expect(page.get_by_text(f"Pièces concernées : {number}")).to_be_visible()
    page.get_by_role("radio", name="Service recouvrement").check()
    page.get_by_role("button", name="Envoyer le message").click()
    expect(page.locator("#subject-error")).to_contain_text("L'objet est obligatoire")
    page.get_by_label("Objet").fill("Délai de paiement")
    page.get_by_label("Message").fill("Pourrions-nous régler cette facture en deux fois ?")
    page.get_by_role("button", name="Envoyer le message").click()
    expect(page.get_by_role("status").filter(has_text="Message envoyé")).to_be_visible()
    screenshot(page, "contact")
    assert accessibility_violations(page) == []
    (mail,) = mails_to(portal, "recouvrement@poliris.example", "Délai de paiement")
    assert number in mail.body
