"""État de compte in the browser: filter by number, open a PDF, select two invoices, export, hand over."""

from __future__ import annotations

import re

from playwright.sync_api import Page, expect

from tests.browser.conftest import accessibility_violations, screenshot
from tests.support import DEMO, Portal


def _open_statement(page: Page, portal: Portal, creditor: str = "PRESSIMMO") -> None:
    page.goto(portal.url + "/")
    page.get_by_label("Identifiant").fill(DEMO.email)
    page.get_by_label("Mot de passe").fill(DEMO.password)
    page.get_by_role("button", name="Se connecter").click()
    page.get_by_role("link", name=re.compile(creditor)).click()
    expect(page.get_by_role("heading", name="État de compte")).to_be_visible()
    expect(page.get_by_role("status")).to_contain_text("écriture(s) affichée(s)")


def test_the_statement_shows_the_balance_and_the_unpaid_invoices(portal: Portal, page: Page) -> None:
    _open_statement(page, portal)
    expect(page.get_by_text("Total dû")).to_be_visible()
    expect(page.get_by_role("table", name="Ancienneté des sommes dues")).to_be_visible()
    rows = page.locator("table.entries tbody tr")
    assert rows.count() >= 6
    expect(page.locator("table.entries .badge").first).to_have_text("Échue")
    expect(
        page.locator("table.entries tbody").get_by_text(re.compile(r"\d,\d\d\u00a0€")).first
    ).to_be_visible()
    screenshot(page, "statement")
    assert accessibility_violations(page) == []


def test_filter_by_number_then_open_its_pdf_with_the_keyboard(portal: Portal, page: Page) -> None:
    _open_statement(page, portal)
    page.get_by_label("Toutes les écritures sur un an").check()
    expect(page.get_by_role("status")).to_contain_text("d'autres suivent")
    invoice_rows = page.locator("table.entries tbody tr").filter(
        has=page.get_by_role("cell", name="Facture", exact=True)
    )
    number = invoice_rows.nth(2).locator("th").inner_text()
    page.get_by_label("N° de pièce").fill(number)
    page.get_by_role("button", name="Rechercher").click()
    expect(page.locator("table.entries tbody tr")).to_have_count(1)
    expect(page.get_by_role("status")).to_have_text("1 écriture(s) affichée(s).")
    row = page.locator("table.entries tbody tr").first
    expect(row).to_have_attribute("tabindex", "0")
    with page.context.expect_page() as opened:
        row.focus()
        page.keyboard.press("Enter")
    pdf = opened.value
    pdf.wait_for_load_state()
    assert re.search(r"\.pdf\?", pdf.url)
    page.get_by_label("N° de pièce").fill("FA-1999")
    page.get_by_role("button", name="Rechercher").click()
    expect(page.get_by_role("status")).to_have_text("Aucune écriture ne correspond à votre recherche.")


def test_a_double_click_opens_the_invoice_pdf(portal: Portal, page: Page) -> None:
    _open_statement(page, portal, "POLIRIS")
    first = page.locator("table.entries tbody tr").first
    number = first.locator("th").inner_text()
    with page.context.expect_page() as opened:
        first.locator("td.label").dblclick()
    pdf = opened.value
    pdf.wait_for_load_state()
    assert "filename%3D%22" + number in pdf.url


def test_the_xml_of_an_invoice_downloads_beside_its_pdf(portal: Portal, page: Page) -> None:
    _open_statement(page, portal, "POLIRIS")
    first = page.locator("table.entries tbody tr").first
    number = first.locator("th").inner_text()

    with page.expect_download() as download:
        first.get_by_role("link", name=f"Télécharger XML {number}").click()

    assert download.value.suggested_filename == f"{number}.xml"
    xml = download.value.path().read_text(encoding="utf-8")
    assert xml.startswith("<?xml") and f"<ram:ID>{number}</ram:ID>" in xml


def test_select_two_invoices_export_and_hand_them_to_payment(portal: Portal, page: Page) -> None:
    _open_statement(page, portal, "BELLES DEMEURES")
    boxes = page.locator("table.entries tbody input[type=checkbox]")
    boxes.nth(0).check()
    boxes.nth(1).check()
    expect(page.get_by_text(re.compile(r"2 facture\(s\) sélectionnée\(s\) — .*€ restant dû"))).to_be_visible()
    with page.expect_download() as download:
        page.get_by_role("link", name="Exporter en CSV").click()
    content = download.value.path().read_text(encoding="utf-8-sig")
    assert content.startswith("Type;Numéro;Date")
    assert download.value.suggested_filename.startswith("etat-de-compte-BELLES_DEMEURES-")
    screenshot(page, "statement-selection")
    page.get_by_role("button", name="Ajouter au règlement").click()
    expect(page.get_by_role("heading", name="Règlement")).to_be_visible()
    expect(page.get_by_role("table", name="Factures à régler").locator("tbody tr")).to_have_count(2)


def test_the_statement_stays_usable_on_a_phone(portal: Portal, browser_page_phone: Page) -> None:
    page = browser_page_phone
    _open_statement(page, portal)
    assert page.evaluate("document.documentElement.scrollWidth") <= 375
    screenshot(page, "statement-phone")
