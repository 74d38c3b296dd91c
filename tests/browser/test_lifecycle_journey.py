"""The lifecycle in the browser: each invoice's status in the statement, the filter by status, a
document's history in a dialog; finance's list of the statuses the portal reported."""

from __future__ import annotations

import re

from playwright.sync_api import Page, expect

from tests.browser.conftest import accessibility_violations, screenshot
from tests.browser.signing_in import answer_the_code_step
from tests.browser.test_statement_journey import _open_statement
from tests.support import FINANCE, Portal


def test_the_statement_shows_each_invoices_status_filters_by_it_and_shows_its_history(
    portal: Portal, page: Page
) -> None:
    _open_statement(page, portal, "BELLES DEMEURES")
    expect(page.get_by_role("columnheader", name="Cycle de vie")).to_be_visible()
    page.get_by_label("Toutes les écritures sur un an").check()
    expect(page.get_by_role("status")).to_contain_text("écriture(s) affichée(s)")
    page.get_by_label("Cycle de vie", exact=True).select_option("212")
    page.get_by_role("button", name="Rechercher").click()
    cells = page.locator("table.entries tbody td.lifecycle")
    expect(cells.first).to_have_text("Encaissée")
    assert set(cells.all_inner_texts()) == {"Encaissée"}
    cells.first.get_by_role("button").click()
    dialog = page.get_by_role("dialog")
    expect(dialog.get_by_role("heading", name=re.compile(r"Cycle de vie de FA-"))).to_be_visible()
    expect(dialog).to_contain_text("Statut actuel : 212 Encaissée")
    expect(dialog.get_by_role("rowheader", name="212 Encaissée").first).to_be_visible()
    screenshot(page, "lifecycle-history")
    assert accessibility_violations(page) == []
    dialog.get_by_role("button", name="Fermer").click()
    expect(page.get_by_role("dialog")).to_have_count(0)


def test_finance_sees_the_statuses_the_portal_reported_and_their_delivery(portal: Portal, page: Page) -> None:
    page.goto(portal.url + "/")
    page.get_by_label("Identifiant").fill(FINANCE.email)
    page.get_by_label("Mot de passe").fill(FINANCE.password)
    page.get_by_role("button", name="Se connecter").click()
    answer_the_code_step(page)
    page.get_by_role("link", name="Statuts de cycle de vie transmis aux plateformes").click()
    expect(page.get_by_role("heading", name="Statuts transmis aux plateformes")).to_be_visible()
    expect(page.get_by_role("status")).to_contain_text("message(s)")
    assert accessibility_violations(page) == []
