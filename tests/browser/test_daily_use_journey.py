"""Every day at the agency, measured rather than looked at: the statement's first invoices in the first
screen of a laptop and of a phone, every column without a horizontal scroll, cards on the phone, the page
on paper, the relevé's link, and the small things that got in the way (a double click, "Annuler", the
finance team's words)."""

from __future__ import annotations

import re
import time
from collections.abc import Iterator
from urllib.parse import parse_qs, urlsplit

import pytest
import requests
from playwright.sync_api import Browser, Page, Route, ViewportSize, expect

from devstack.provisioning import DemoUser
from tests.browser.conftest import accessibility_violations, screenshot
from tests.support import DEMO, FINANCE, OTHER, Portal, fresh_invoices

DESKTOP: ViewportSize = {"width": 1366, "height": 768}
PHONE: ViewportSize = {"width": 390, "height": 844}
COLUMNS = ["Type", "N° de pièce", "Date", "Échéance", "Libellé", "Montant", "Reste dû", "Statut", "Document"]


@pytest.fixture
def desktop(browser: Browser) -> Iterator[Page]:
    context = browser.new_context(locale="fr-FR", viewport=DESKTOP)
    yield context.new_page()
    context.close()


@pytest.fixture
def phone(browser: Browser) -> Iterator[Page]:
    context = browser.new_context(locale="fr-FR", viewport=PHONE, is_mobile=True, has_touch=True)
    yield context.new_page()
    context.close()


def _sign_in(page: Page, portal: Portal, user: DemoUser = DEMO) -> None:
    page.goto(portal.url + "/")
    page.get_by_label("Identifiant").fill(user.email)
    page.get_by_label("Mot de passe").fill(user.password)
    page.get_by_role("button", name="Se connecter").click()
    expect(page.get_by_role("heading", name="Choisissez votre créancier")).to_be_visible()


def _choose(page: Page, creditor: str = "PRESSIMMO") -> None:
    page.get_by_role("link", name=re.compile(creditor)).click()
    expect(page.get_by_role("status").filter(has_text="affichée(s)")).to_be_visible()


def _no_payment_under_way(portal: Portal, creditor: str = "PRESSIMMO") -> None:
    """The account as an agency usually finds it: the card payments other tests left under way (each would
    add its "Reprendre / Annuler" line above the statement) are cancelled, as the agency would."""
    cookie = portal.session_cookie(DEMO)
    base = f"{portal.url}/api/payments/creditors/{creditor}/payments"
    entries = requests.get(
        f"{portal.url}/api/statement/creditors/{creditor}/entries",
        params={"scope": "open", "limit": "200"},
        headers=cookie,
        timeout=10,
    ).json()["entries"]
    for payment_id in {entry["payment_lock"] for entry in entries if entry["payment_lock"]}:
        cancelled = requests.delete(f"{base}/{payment_id}", headers=cookie, timeout=20)
        assert cancelled.status_code in (200, 409), cancelled.text


def _inside_first_screen(page: Page, selector: str) -> bool:
    box = page.locator(selector).first.bounding_box()
    size = page.viewport_size
    assert box is not None and size is not None
    return (
        box["y"] >= 0
        and box["y"] + box["height"] <= size["height"]
        and box["x"] + box["width"] <= size["width"]
    )


def _as_finance(page: Page, portal: Portal) -> None:
    cookie = portal.session_cookie(FINANCE)["Cookie"].partition("=")[2]
    page.context.add_cookies(
        [
            {
                "name": "mf_session",
                "value": cookie,
                "url": f"{portal.url}/api/",
                "secure": True,
                "httpOnly": True,
                "sameSite": "Strict",
            }
        ]
    )


def test_on_a_laptop_the_first_open_invoices_show_at_once_and_every_column_fits(
    portal: Portal, desktop: Page
) -> None:
    page = desktop
    _no_payment_under_way(portal)
    _sign_in(page, portal)
    _choose(page)
    assert page.evaluate("window.scrollY") == 0
    assert _inside_first_screen(page, "table.entries tbody tr")
    assert _inside_first_screen(page, "table.entries tbody tr:nth-child(2)")
    wrap = page.locator(".table-wrap").filter(has=page.locator("table.entries")).first
    assert wrap.evaluate("element => element.scrollWidth <= element.clientWidth")
    assert page.evaluate("document.documentElement.scrollWidth") <= DESKTOP["width"]
    # The filters take one line: every field and button of the panel starts on the same row.
    tops = [
        box["y"] + box["height"]
        for box in (
            page.locator(selector).bounding_box()
            for selector in ("#from", "#to", "#number", "form.filters button[type=submit]")
        )
        if box
    ]
    assert max(tops) - min(tops) < 12, tops
    # The aging: its figures as text, its picture beside them and hidden from screen readers.
    aging = page.get_by_role("table", name="Ancienneté des sommes dues")
    expect(aging).to_be_visible()
    expect(aging).to_contain_text("Plus de 90 j")
    chart = page.locator("svg.aging-chart")
    expect(chart).to_have_attribute("aria-hidden", "true")
    assert chart.locator("rect.bar").count() == 5
    screenshot(page, "daily-statement-1366")
    assert accessibility_violations(page) == []


def test_the_aging_folds_and_stays_folded_when_the_statement_comes_back(
    portal: Portal, desktop: Page
) -> None:
    page = desktop
    _sign_in(page, portal)
    _choose(page)
    page.locator(".aging-block summary").click()
    expect(page.get_by_role("table", name="Ancienneté des sommes dues")).to_be_hidden()
    page.get_by_role("navigation", name="Rubriques").get_by_role("link", name="Suivi litiges").click()
    page.get_by_role("navigation", name="Rubriques").get_by_role("link", name="État de compte").click()
    expect(page.get_by_role("status").filter(has_text="affichée(s)")).to_be_visible()
    expect(page.get_by_text("Total dû")).to_be_visible()
    expect(page.get_by_role("table", name="Ancienneté des sommes dues")).to_be_hidden()
    page.locator(".aging-block summary").click()
    expect(page.get_by_role("table", name="Ancienneté des sommes dues")).to_be_visible()


def test_on_a_phone_each_entry_is_a_card_whose_amount_shows_in_the_first_screen(
    portal: Portal, phone: Page
) -> None:
    page = phone
    _no_payment_under_way(portal)
    _sign_in(page, portal)
    menu = page.get_by_role("button", name="Menu")
    expect(menu).to_have_attribute("aria-expanded", "false")
    _choose(page)
    expect(page.get_by_role("navigation", name="Rubriques")).to_be_hidden()
    assert _inside_first_screen(page, "table.entries tbody tr td.amount")
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    card = page.locator("table.entries tbody tr").filter(has=page.locator("input[type=checkbox]")).first
    card_box = card.bounding_box()
    assert card_box is not None and card_box["x"] >= 0 and card_box["x"] + card_box["width"] <= PHONE["width"]
    # Each value of the card is on screen, under its column's title.
    for cell in (
        "th",
        "td.date >> nth=0",
        "td.date >> nth=1",
        "td.amount >> nth=0",
        "td.amount >> nth=1",
        "td.state",
        "td.actions",
        "input[type=checkbox]",
    ):
        box = card.locator(cell).bounding_box()
        assert box is not None and box["width"] > 0, cell
        assert box["x"] >= card_box["x"] and box["x"] + box["width"] <= card_box["x"] + card_box["width"], (
            cell
        )
    titles = card.locator("td.amount").first.evaluate("cell => getComputedStyle(cell, '::before').content")
    assert titles == '"Montant"'
    screenshot(page, "daily-statement-phone")
    assert accessibility_violations(page) == []

    menu.click()
    expect(menu).to_have_attribute("aria-expanded", "true")
    page.get_by_role("navigation", name="Rubriques").get_by_role("link", name="Suivi litiges").click()
    expect(page.get_by_role("heading", name="Suivi litiges")).to_be_visible()
    expect(menu).to_have_attribute("aria-expanded", "false")
    status = page.locator("table.entries tbody tr").first.locator(
        "td", has_text=re.compile("Ouvert|examen|attente|Résolu|Clos")
    )
    expect(status.first).to_be_visible()
    box = status.first.bounding_box()
    assert box is not None and box["x"] + box["width"] <= PHONE["width"]
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    assert accessibility_violations(page) == []


def test_the_filters_fold_behind_one_button_on_a_phone(portal: Portal, phone: Page) -> None:
    page = phone
    _sign_in(page, portal)
    _choose(page)
    expect(page.get_by_label("N° de pièce")).to_be_hidden()
    page.get_by_role("button", name="Rechercher, filtrer").click()
    page.get_by_label("Toutes les écritures sur un an").check()
    expect(page.get_by_role("status")).to_contain_text("d'autres suivent")
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]


def test_printed_the_statement_is_every_column_with_what_it_is_and_no_navigation(
    portal: Portal, desktop: Page
) -> None:
    page = desktop
    _sign_in(page, portal)
    _choose(page)
    expect(page.get_by_role("button", name="Imprimer")).to_be_visible()
    page.emulate_media(media="print")
    headers = page.locator("table.entries thead th")
    for title in COLUMNS:
        expect(headers.filter(has_text=re.compile(f"^{re.escape(title)}$"))).to_be_visible()
    expect(page.locator("table.entries tbody tr").first.locator("td.amount").first).to_be_visible()
    expect(page.get_by_role("navigation", name="Rubriques")).to_be_hidden()
    expect(page.get_by_role("button", name="Se déconnecter")).to_be_hidden()
    expect(page.get_by_role("button", name="Imprimer")).to_be_hidden()
    expect(page.get_by_role("button", name="Rechercher")).to_be_hidden()
    context = page.locator(".print-context")
    expect(context).to_be_visible()
    expect(context).to_contain_text("PRESSIMMO")
    expect(context).to_contain_text("Agence Exemple Immobilier")
    expect(context).to_contain_text("factures non réglées")
    expect(context).to_contain_text(re.compile(r"imprimé le \d\d/\d\d/\d{4}"))
    # Dark on white: the header's words and the table's titles are printed.
    for selector in (".site-header", "table.entries thead th"):
        colour = page.locator(selector).first.evaluate("element => getComputedStyle(element).color")
        assert colour == "rgb(0, 0, 0)", (selector, colour)
    wrap = page.locator(".table-wrap").filter(has=page.locator("table.entries")).first
    assert wrap.evaluate("element => element.scrollWidth <= element.clientWidth")
    screenshot(page, "daily-statement-print")


def test_the_releve_de_compte_link_carries_the_filters_in_use(portal: Portal, desktop: Page) -> None:
    page = desktop
    _sign_in(page, portal)
    _choose(page, "POLIRIS")
    link = page.get_by_role("link", name="Relevé de compte (PDF)")
    assert parse_qs(urlsplit(link.get_attribute("href") or "").query) == {
        "scope": ["open"],
        "redirect": ["true"],
    }
    page.get_by_label("Toutes les écritures sur un an").check()
    expect(page.get_by_role("status")).to_contain_text("affichée(s)")
    page.get_by_label("Du", exact=True).fill("2026-01-01")
    page.get_by_label("Au", exact=True).fill("2026-11-30")
    page.get_by_label("N° de pièce").fill("FA-2026")
    page.get_by_role("button", name="Rechercher").click()
    expect(page.get_by_role("status")).to_contain_text("affichée(s)")
    href = link.get_attribute("href") or ""
    parts = urlsplit(href)
    assert parts.path == "/api/statement/creditors/POLIRIS/statement.pdf"
    assert parse_qs(parts.query) == {
        "scope": ["all"],
        "from": ["2026-01-01"],
        "to": ["2026-11-30"],
        "number": ["FA-2026"],
        "redirect": ["true"],
    }
    csv = parse_qs(
        urlsplit(page.get_by_role("link", name="Exporter en CSV").get_attribute("href") or "").query
    )
    assert csv == {name: value for name, value in parse_qs(parts.query).items() if name != "redirect"}


def test_a_double_click_on_afficher_opens_the_document_once(portal: Portal, desktop: Page) -> None:
    page = desktop
    _sign_in(page, portal)
    _choose(page, "BELLES DEMEURES")
    opened: list[Page] = []
    page.context.on("page", lambda new: opened.append(new))
    page.locator("table.entries tbody tr").first.get_by_role(
        "button", name=re.compile("^Afficher ")
    ).dblclick()
    page.wait_for_timeout(3000)  # a second tab would have opened by now
    assert len(opened) == 1


def _slow(route: Route) -> None:
    time.sleep(1.2)
    route.continue_()


def test_informations_compte_shows_that_it_loads_and_annuler_puts_back_what_was_shown(
    portal: Portal, desktop: Page
) -> None:
    page = desktop
    _sign_in(page, portal, OTHER)
    _choose(page, "POLIRIS")
    page.route(re.compile(r".*/api/account/creditors/POLIRIS/profile$"), _slow)
    page.get_by_role("navigation", name="Rubriques").get_by_role("link", name="Informations compte").click()
    expect(page.get_by_role("status")).to_have_text("Chargement de vos informations…")
    phone_field = page.get_by_label("Téléphone")
    expect(phone_field).to_be_disabled()
    shown = phone_field.input_value()
    city = page.get_by_label("Ville").input_value()
    page.get_by_role("button", name="Modification", exact=True).click()
    phone_field.fill("05 61 00 00 00")
    page.get_by_label("Ville").fill("Ailleurs")
    page.get_by_role("button", name="Annuler").click()
    expect(phone_field).to_have_value(shown)
    expect(page.get_by_label("Ville")).to_have_value(city)
    expect(phone_field).to_be_disabled()
    expect(page.get_by_role("button", name="Envoyer modification")).to_be_disabled()
    expect(page.get_by_role("button", name="Modification", exact=True)).to_be_focused()
    page.reload()
    expect(page.get_by_label("Téléphone")).to_have_value(shown)
    assert accessibility_violations(page) == []


def test_finance_reads_agency_names_its_own_status_words_and_a_footer_of_its_own(
    portal: Portal, desktop: Page
) -> None:
    page = desktop
    (invoice,) = fresh_invoices("AG-1001", "BELLES_DEMEURES", 1)
    demo = portal.session_cookie(DEMO)
    opened = requests.post(
        portal.api("disputes/creditors/BELLES_DEMEURES/disputes"),
        json={"invoice_numbers": [invoice["number"]], "reason": "other", "comment": "À vérifier."},
        headers=demo,
        timeout=10,
    ).json()
    _as_finance(page, portal)
    moved = page.request.post(
        f"{portal.url}/api/disputes/finance/disputes/{opened['id']}/transitions",
        data={"to": "waiting_customer", "comment": "Merci de nous envoyer le bon de commande."},
    )
    assert moved.status == 201, moved.text()
    page.goto(f"{portal.url}/#/finance?creditor=BELLES_DEMEURES&status=waiting_customer")
    expect(page.get_by_role("heading", name="Espace service financier")).to_be_visible()
    row = page.locator("table.entries tbody tr", has_text=opened["reference"])
    expect(row).to_contain_text("Agence Exemple Immobilier")
    expect(row).to_contain_text("En attente de l'agence")
    agencies = page.locator("table.entries tbody td[data-label=Agence]").all_inner_texts()
    assert agencies and not [name for name in agencies if re.fullmatch(r"AG-\d+", name)]
    footer = page.get_by_role("contentinfo")
    expect(footer).not_to_contain_text("Nous contacter")
    expect(footer).to_contain_text("service financier")
    row.get_by_role("link", name=opened["reference"]).click()
    expect(
        page.get_by_role("heading", name=f"Litige {opened['reference']} — Agence Exemple Immobilier")
    ).to_be_visible()
    expect(page.locator(".facts dd strong")).to_have_text("En attente de l'agence")
    expect(page.get_by_text("En attente de votre réponse")).to_have_count(0)
    assert accessibility_violations(page) == []
