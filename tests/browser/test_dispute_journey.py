"""Suivi litiges in the browser: an agency declares a dispute from the statement and comments it; the
finance team finds it, moves it along, and the agency sees the answer."""

from __future__ import annotations

import re
from pathlib import Path

from playwright.sync_api import Page, expect

from tests.browser.conftest import accessibility_violations, screenshot
from tests.browser.signing_in import answer_the_code_step
from tests.support import DEMO, FINANCE, Portal


def _log_in(page: Page, portal: Portal, email: str, password: str) -> None:
    page.goto(portal.url + "/")
    page.get_by_label("Identifiant").fill(email)
    page.get_by_label("Mot de passe").fill(password)
    page.get_by_role("button", name="Se connecter").click()


def test_an_agency_declares_a_dispute_and_finance_resolves_it(
    portal: Portal, page: Page, tmp_path: Path
) -> None:
    _log_in(page, portal, DEMO.email, DEMO.password)
    page.get_by_role("link", name=re.compile("POLIRIS")).click()
    expect(page.get_by_role("status")).to_contain_text("écriture(s) affichée(s)")
    # A demo invoice (the API tests add small invoices of their own to the same account).
    box = page.get_by_role("checkbox", name=re.compile(r"^Sélectionner FA-202[56]-")).last
    number = box.get_attribute("aria-label").removeprefix("Sélectionner ")  # type: ignore[union-attr]
    box.check()
    page.get_by_role("button", name="Créer un litige").click()

    expect(page.get_by_role("heading", name="Déclarer un litige")).to_be_visible()
    page.get_by_role("button", name="Déclarer le litige").click()
    expect(page.get_by_role("alert")).to_have_text("Choisissez un motif.")
    page.get_by_label(f"Montant contesté — {number} (€)").fill("10,50")
    page.get_by_label("Motif").select_option(label="Prestation non réalisée")
    page.get_by_label("Commentaire").fill("L'encart n'a jamais été publié.")
    proof = tmp_path / "capture.pdf"
    proof.write_bytes(b"%PDF-1.4\n% capture\n%%EOF\n")
    page.get_by_label("Pièces jointes (facultatif)").set_input_files(str(proof))
    page.get_by_role("button", name="Déclarer le litige").click()

    heading = page.get_by_role("heading", name=re.compile(r"^Litige LIT-"))
    expect(heading).to_be_visible()
    reference = heading.inner_text().removeprefix("Litige ")
    expect(page.get_by_role("table", name="Factures contestées")).to_contain_text("10,50")
    expect(page.get_by_text("L'encart n'a jamais été publié.")).to_be_visible()
    expect(page.get_by_role("link", name="capture.pdf")).to_be_visible()
    page.get_by_label("Commentaire").fill("Capture d'écran envoyée par courrier.")
    page.get_by_role("button", name="Ajouter le commentaire").click()
    expect(page.locator(".timeline li")).to_have_count(2)
    screenshot(page, "dispute-agency")
    assert accessibility_violations(page) == []

    page.get_by_role("link", name="Suivi litiges").first.click()
    expect(page.get_by_role("link", name=reference)).to_be_visible()
    page.get_by_role("link", name="État de compte").click()
    row = page.locator("table.entries tbody tr", has_text=number)
    expect(row.get_by_role("link", name="En litige")).to_be_visible()
    expect(row.locator("input[type=checkbox]")).to_have_count(0)
    page.get_by_role("button", name="Se déconnecter").click()

    _log_in(page, portal, FINANCE.email, FINANCE.password)
    answer_the_code_step(page)
    expect(page.get_by_role("heading", name="Espace service financier")).to_be_visible()
    page.get_by_label("Créancier").select_option("POLIRIS")
    page.get_by_label("Statut").select_option("open")
    page.get_by_role("button", name="Filtrer").click()
    page.get_by_role("link", name=reference).click()
    expect(page.get_by_role("heading", name=re.compile(f"Litige {reference}"))).to_be_visible()
    page.get_by_label("Nouveau statut").select_option(label="Résolu — accepté")
    page.get_by_label("Commentaire").fill("Nous émettons un avoir.")
    page.get_by_role("button", name="Enregistrer le changement").click()
    expect(page.locator(".facts dd strong")).to_have_text("Résolu — accepté")
    screenshot(page, "dispute-finance")
    assert accessibility_violations(page) == []
