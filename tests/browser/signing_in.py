"""Signing in through the page as a person does, the second factor included (the finance team's TOTP)."""

from __future__ import annotations

from playwright.sync_api import Page, expect

from tests.support import LOCAL_TOTP_SECRET, totp_code


def answer_the_code_step(page: Page, secret: str = LOCAL_TOTP_SECRET) -> None:
    """The "Code de vérification" asked after the password of a user with TOTP (the local stack's secret)."""
    expect(page.get_by_role("heading", name="Code de vérification")).to_be_visible()
    page.get_by_label("Code à 6 chiffres").fill(totp_code(secret))
    page.get_by_role("button", name="Valider").click()
