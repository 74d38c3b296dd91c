"""Markup typed by a user is shown as text, never run: a dispute comment carrying an image with an
onerror handler, opened in the agency's dispute page."""

from __future__ import annotations

import requests
from playwright.sync_api import Page, expect

from tests.support import DEMO, Portal, fresh_invoices

MARKUP = "<img src=x onerror=\"document.title='pwned'\"><b>gras</b>"


def test_a_comment_with_markup_shows_as_text_in_the_dispute_page(portal: Portal, page: Page) -> None:
    cookie = portal.session_cookie(DEMO)
    (invoice,) = fresh_invoices("AG-1001", "POLIRIS", 1)
    opened = requests.post(
        portal.api("disputes/creditors/POLIRIS/disputes"),
        json={"invoice_numbers": [invoice["number"]], "reason": "other", "comment": MARKUP},
        headers=cookie,
        timeout=10,
    )
    assert opened.status_code == 201, opened.text

    page.goto(portal.url + "/")
    page.get_by_label("Identifiant").fill(DEMO.email)
    page.get_by_label("Mot de passe").fill(DEMO.password)
    page.get_by_role("button", name="Se connecter").click()
    expect(page.get_by_role("button", name="Se déconnecter")).to_be_visible()
    page.goto(f"{portal.url}/#/c/POLIRIS/suivi-litiges/{opened.json()['id']}")

    expect(page.get_by_text(MARKUP, exact=True)).to_be_visible()
    assert page.locator(".timeline img, .timeline b").count() == 0
    assert page.title() != "pwned"
