"""An agency user's first visit: sign in, choose a creditor, see the five sections, sign out."""

from __future__ import annotations

import re

from playwright.sync_api import Page, Route, expect

from tests.browser.conftest import screenshot
from tests.browser.signing_in import answer_the_code_step
from tests.support import DEMO, FINANCE, Portal

SECTIONS = ["État de compte", "Suivi litiges", "Nous contacter", "Informations compte", "Règlement"]


def _log_in(page: Page, portal: Portal, email: str, password: str) -> None:
    page.goto(portal.url + "/")
    page.get_by_label("Identifiant").fill(email)
    page.get_by_label("Mot de passe").fill(password)
    page.get_by_role("button", name="Se connecter").click()


def test_a_wrong_password_is_told_plainly_and_opens_no_session(portal: Portal, page: Page) -> None:
    _log_in(page, portal, DEMO.email, "Pas-le-bon-1!")
    expect(page.get_by_role("alert")).to_have_text("Identifiant ou mot de passe incorrect.")
    screenshot(page, "login-error")
    page.reload()
    expect(page.get_by_role("heading", name=re.compile("Accès au service"))).to_be_visible()


def test_an_agency_user_reaches_the_five_sections_of_a_creditor_and_signs_out(
    portal: Portal, page: Page
) -> None:
    _log_in(page, portal, DEMO.email, DEMO.password)
    expect(page.get_by_role("heading", name="Choisissez votre créancier")).to_be_visible()
    expect(page.get_by_text("Agence Exemple Immobilier")).to_be_visible()
    screenshot(page, "creditor-choice")

    page.get_by_role("link", name=re.compile("BELLES DEMEURES")).click()
    navigation = page.get_by_role("navigation", name="Rubriques")
    for title in SECTIONS:
        expect(navigation.get_by_role("link", name=title)).to_be_visible()
    expect(page.get_by_role("heading", name="État de compte")).to_be_focused()

    navigation.get_by_role("link", name="Informations compte").click()
    expect(page.get_by_role("heading", name="Informations compte")).to_be_visible()
    page.get_by_label("Créancier").select_option("POLIRIS")
    expect(page).to_have_url(re.compile("#/c/POLIRIS/informations-compte$"))
    screenshot(page, "section")

    page.get_by_role("button", name="Se déconnecter").click()
    expect(page.get_by_role("heading", name=re.compile("Accès au service"))).to_be_visible()
    page.goto(portal.url + "/#/c/POLIRIS/etat-de-compte")
    expect(page.get_by_role("heading", name=re.compile("Accès au service"))).to_be_visible()


def test_the_finance_user_lands_on_the_finance_space(portal: Portal, page: Page) -> None:
    _log_in(page, portal, FINANCE.email, FINANCE.password)
    answer_the_code_step(page)
    expect(page.get_by_role("heading", name="Espace service financier")).to_be_visible()


def test_the_portal_stays_usable_on_a_phone(portal: Portal, browser_page_phone: Page) -> None:
    page = browser_page_phone
    _log_in(page, portal, DEMO.email, DEMO.password)
    page.get_by_role("link", name=re.compile("PRESSIMMO")).click()
    expect(page.get_by_role("heading", name="État de compte")).to_be_visible()
    # The sections fold behind "Menu" so that the statement starts on the first screen.
    expect(page.get_by_role("navigation", name="Rubriques")).to_be_hidden()
    page.get_by_role("button", name="Menu").click()
    expect(
        page.get_by_role("navigation", name="Rubriques").get_by_role("link", name="Règlement")
    ).to_be_visible()
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 375
    screenshot(page, "phone")


def test_a_page_left_before_its_data_came_does_not_draw_over_the_next_one(portal: Portal, page: Page) -> None:
    held: list[Route] = []
    page.route("**/api/account/creditors/POLIRIS/profile", lambda route: held.append(route))  # held back
    _log_in(page, portal, DEMO.email, DEMO.password)
    page.get_by_role("link", name=re.compile("POLIRIS")).click()
    navigation = page.get_by_role("navigation", name="Rubriques")
    navigation.get_by_role("link", name="Informations compte").click()
    expect(page.get_by_text("Chargement de vos informations")).to_be_visible()

    navigation.get_by_role("link", name="Suivi litiges").click()
    expect(page.get_by_role("heading", name="Vos litiges")).to_be_visible()
    (request,) = held
    with page.expect_response("**/api/account/creditors/POLIRIS/profile"):
        request.continue_()
    page.wait_for_timeout(300)  # the left page's code runs on the answer: it must draw nothing here

    expect(page.get_by_role("heading", name="Suivi litiges", exact=True)).to_be_visible()
    expect(page.get_by_role("heading", name="Informations compte")).to_have_count(0)
    expect(page).to_have_url(re.compile("#/c/POLIRIS/suivi-litiges$"))
