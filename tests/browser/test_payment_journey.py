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
    credit = page.get_by_role("group", name="Avoirs disponibles à déduire").get_by_role("checkbox").first
    credit_number = credit.locator("xpath=..").inner_text().split(" — ")[0]
    credit.check()
    expect(basket).to_contain_text("Avoirs déduits")
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
    for number in numbers[:2]:
        row = page.locator("table.entries tbody tr").filter(
            has=page.get_by_role("rowheader", name=number, exact=True)
        )
        expect(row).to_contain_text("Réglée")
    row = page.locator("table.entries tbody tr").filter(
        has=page.get_by_role("rowheader", name=numbers[2], exact=True)
    )
    expect(row).to_contain_text("À régler")
    credit_row = page.locator("table.entries tbody tr").filter(
        has=page.get_by_role("rowheader", name=credit_number, exact=True)
    )
    expect(credit_row).to_contain_text("Imputé")
