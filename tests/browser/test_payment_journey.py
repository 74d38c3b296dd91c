"""Règlement in the browser: select two invoices, pay on the test checkout page, see them settled."""

from __future__ import annotations

import re

from playwright.sync_api import Page, expect

from tests.browser.conftest import accessibility_violations, screenshot
from tests.support import DEMO, Portal, fresh_invoices


def test_pay_two_invoices_by_card_and_see_them_settled(portal: Portal, page: Page) -> None:
    # Invoices of its own to pay: the statement journey counts the demo account's open ones, whatever the
    # order the journeys run in.
    fresh_invoices("AG-1001", "PRESSIMMO", 3)
    (small_credit,) = fresh_invoices("AG-1001", "PRESSIMMO", 1, amount_cents=500, credit_notes=True)
    page.goto(portal.url + "/")
    page.get_by_label("Identifiant").fill(DEMO.email)
    page.get_by_label("Mot de passe").fill(DEMO.password)
    page.get_by_role("button", name="Se connecter").click()
    page.get_by_role("link", name=re.compile("PRESSIMMO")).click()
    expect(page.get_by_role("status")).to_contain_text("écriture(s) affichée(s)")
    boxes = page.get_by_role("checkbox", name=re.compile(r"^Sélectionner FA-202[56]-"))
    numbers = [
        (boxes.nth(i).get_attribute("aria-label") or "").removeprefix("Sélectionner ") for i in (0, 1, 2)
    ]
    for i in (0, 1, 2):
        boxes.nth(i).check()
    page.get_by_role("button", name="Ajouter au règlement").click()

    basket = page.get_by_role("table", name="Factures à régler")
    expect(basket.locator("tbody tr")).to_have_count(3)
    page.get_by_role("button", name=f"Retirer {numbers[2]}").click()
    expect(basket.locator("tbody tr")).to_have_count(2)
    credit_number = small_credit["number"]
    page.get_by_role("group", name="Avoirs disponibles à déduire").get_by_label(
        re.compile(credit_number)
    ).check()
    expect(basket).to_contain_text(f"Avoir {credit_number} déduit")
    assert accessibility_violations(page) == []
    screenshot(page, "basket")
    page.get_by_role("button", name="Payer par carte").click()

    expect(page.get_by_role("heading", name="Paiement de test (Stripe local)")).to_be_visible()
    for number in numbers[:2]:
        expect(page.get_by_text(f"Facture {number}")).to_be_visible()
    page.get_by_role("button", name="Payer").click()

    expect(page.get_by_role("status")).to_contain_text("Paiement reçu", timeout=15_000)
    screenshot(page, "payment-settled")
    page.get_by_role("link", name="Revenir à l'état de compte").click()
    page.get_by_label("Toutes les écritures sur un an").check()
    # Each looked up by its number: other tests add entries of today, which list before these.
    expected = [
        (numbers[0], "Réglée"),
        (numbers[1], "Réglée"),
        (numbers[2], "À régler"),
        (credit_number, "Imputé"),
    ]
    for number, status in expected:
        page.get_by_label("N° de pièce").fill(number)
        page.get_by_role("button", name="Rechercher").click()
        row = page.locator("table.entries tbody tr").filter(
            has=page.get_by_role("rowheader", name=number, exact=True)
        )
        expect(row).to_contain_text(status)


def _sign_in_at(page: Page, portal: Portal, creditor: str) -> None:
    page.goto(portal.url + "/")
    page.get_by_label("Identifiant").fill(DEMO.email)
    page.get_by_label("Mot de passe").fill(DEMO.password)
    page.get_by_role("button", name="Se connecter").click()
    page.get_by_role("link", name=re.compile(creditor)).click()
    expect(page.get_by_role("status")).to_contain_text("écriture(s) affichée(s)")


def _find(page: Page, number: str) -> None:
    """The statement narrowed to one document by the digits people read on paper."""
    page.get_by_label("N° de pièce").fill(number.rsplit("-", 1)[1])
    page.get_by_role("button", name="Rechercher").click()
    expect(page.get_by_role("rowheader", name=number, exact=True)).to_be_visible()


def _start_payment_and_come_back(page: Page, number: str) -> None:
    _find(page, number)
    page.get_by_role("checkbox", name=f"Sélectionner {number}").check()
    page.get_by_role("button", name="Ajouter au règlement").click()
    page.get_by_role("button", name="Payer par carte").click()
    expect(page.get_by_role("heading", name="Paiement de test (Stripe local)")).to_be_visible()
    page.get_by_role("button", name="Retour").click()  # Stripe's back link: to the cancel_url
    expect(page.get_by_role("status").first).to_contain_text("toujours en cours")


def test_back_from_the_payment_page_offers_to_resume_the_same_payment(portal: Portal, page: Page) -> None:
    (invoice,) = fresh_invoices("AG-1001", "POLIRIS", 1, amount_cents=4_321)
    _sign_in_at(page, portal, "POLIRIS")
    _start_payment_and_come_back(page, invoice["number"])
    expect(page.get_by_role("heading", name="Un paiement par carte en cours")).to_be_visible()
    expect(page.locator(".pending-payment")).to_contain_text("43,21")
    assert accessibility_violations(page) == []
    screenshot(page, "payment-pending-choice")
    page.get_by_role("button", name="Reprendre le paiement").click()
    expect(page.get_by_text(f"Facture {invoice['number']}")).to_be_visible()
    page.get_by_role("button", name="Payer").click()
    expect(page.get_by_role("status")).to_contain_text("Paiement reçu : 43,21", timeout=15_000)


def test_cancelling_a_payment_from_the_statement_frees_the_invoice_to_be_disputed(
    portal: Portal, page: Page
) -> None:
    (invoice,) = fresh_invoices("AG-1001", "POLIRIS", 1, amount_cents=5_432)
    _sign_in_at(page, portal, "POLIRIS")
    _start_payment_and_come_back(page, invoice["number"])
    page.get_by_role("link", name="État de compte").click()
    _find(page, invoice["number"])
    row = page.locator("table.entries tbody tr").filter(
        has=page.get_by_role("rowheader", name=invoice["number"], exact=True)
    )
    expect(row).to_contain_text("Paiement en cours")
    expect(page.get_by_role("checkbox", name=f"Sélectionner {invoice['number']}")).to_have_count(0)
    pending = page.get_by_role("listitem").filter(has_text=invoice["number"])
    expect(pending.get_by_role("button", name="Reprendre le paiement")).to_be_visible()
    pending.get_by_role("button", name="Annuler ce paiement").click()
    expect(row).not_to_contain_text("Paiement en cours")
    page.get_by_role("checkbox", name=f"Sélectionner {invoice['number']}").check()
    page.get_by_role("button", name="Créer un litige").click()
    page.get_by_label("Motif").select_option(label="Prestation non réalisée")
    page.get_by_label("Commentaire").fill("Payée par erreur : à contester.")
    page.get_by_role("button", name="Déclarer le litige").click()
    expect(page.get_by_role("heading", name=re.compile(r"^Litige LIT-"))).to_be_visible()


def test_a_credit_note_larger_than_the_basket_settles_it_and_keeps_the_rest(
    portal: Portal, page: Page
) -> None:
    (invoice,) = fresh_invoices("AG-1001", "BELLES_DEMEURES", 1, amount_cents=6_240)
    (credit,) = fresh_invoices("AG-1001", "BELLES_DEMEURES", 1, amount_cents=10_000, credit_notes=True)
    _sign_in_at(page, portal, "BELLES DEMEURES")
    _find(page, invoice["number"])
    page.get_by_role("checkbox", name=f"Sélectionner {invoice['number']}").check()
    page.get_by_role("button", name="Ajouter au règlement").click()
    page.get_by_role("group", name="Avoirs disponibles à déduire").get_by_label(
        re.compile(credit["number"])
    ).check()
    basket = page.get_by_role("table", name="Factures à régler")
    used = basket.locator("tfoot tr").filter(has_text=f"Avoir {credit['number']} déduit")
    expect(used).to_contain_text("reste 37,60")
    expect(used).to_contain_text("-62,40")
    expect(basket.locator("tfoot tr").filter(has_text="Total à payer")).to_contain_text("0,00")
    assert accessibility_violations(page) == []
    screenshot(page, "basket-partial-credit")
    page.get_by_role("button", name="Régler avec les avoirs").click()
    expect(page.get_by_role("status")).to_contain_text("Factures réglées par vos avoirs", timeout=15_000)
    page.get_by_role("link", name="Revenir à l'état de compte").click()
    _find(page, credit["number"])
    row = page.locator("table.entries tbody tr").filter(
        has=page.get_by_role("rowheader", name=credit["number"], exact=True)
    )
    expect(row).to_contain_text("-37,60")
