"""Accès in the browser: a shared tab forgets the previous agency; a lost session comes back to the same
page; an invitation's first password, a forgotten password, "Mon compte"; what a reader does not see; the
team and its journal; the finance team's second factor and its invitation of an agency's administrator."""

from __future__ import annotations

import re
import time
from typing import Any

import boto3
import requests
from playwright.sync_api import Page, expect

from devstack.config import REGION
from devstack.mailbox import reset_code, temporary_password
from devstack.provisioning import TEAM_DEMO_USERS
from tests.browser.conftest import accessibility_violations, screenshot
from tests.browser.signing_in import answer_the_code_step
from tests.security.users import agency_user, own_agency
from tests.support import DEMO, FINANCE, OTHER, Portal, agency_without_a_team, totp_code

COMPTA, LECTURE = TEAM_DEMO_USERS
NEW_PASSWORD = "Nouveau-Depart-2026!"
SIGN_IN_HEADING = re.compile("Accès au service")


def _sign_in(page: Page, email: str, password: str) -> None:
    page.get_by_label("Identifiant").fill(email)
    page.get_by_label("Mot de passe", exact=True).fill(password)
    page.get_by_role("button", name="Se connecter").click()


def _open(page: Page, portal: Portal, email: str, password: str, hash_route: str = "") -> None:
    page.goto(f"{portal.url}/{hash_route}")
    expect(page.get_by_role("heading", name=SIGN_IN_HEADING)).to_be_visible()
    _sign_in(page, email, password)


def _section(page: Page, title: str) -> None:
    page.get_by_role("navigation", name="Rubriques").get_by_role("link", name=title).click()
    expect(page.get_by_role("heading", name=title, exact=True)).to_be_visible()


def _session_cookie(page: Page) -> dict[str, str]:
    (cookie,) = [c for c in page.context.cookies() if c["name"] == "mf_session"]
    return {"Cookie": f"mf_session={cookie['value']}"}


def _mail_texts(portal: Portal, recipient: str, containing: str = "", timeout: float = 20) -> list[str]:
    """The text of each mail sent to `recipient` (containing `containing`), as the local stack's outbox
    serves them to scripts, once there is at least one."""
    deadline = time.monotonic() + timeout
    while True:
        mails = requests.get(f"{portal.url}/_dev/mail.json", timeout=10).json()
        found = [mail["text"] for mail in mails if recipient in mail["to"] and containing in mail["text"]]
        if found or time.monotonic() > deadline:
            return found
        time.sleep(0.2)


def _tab_memory(page: Page) -> list[str]:
    keys: list[str] = page.evaluate("Object.keys(sessionStorage)")
    return [key for key in keys if key.startswith("mesfactures:")]


def _add_first_invoice_to_the_basket(page: Page) -> str:
    expect(page.get_by_role("status").first).to_contain_text("écriture(s) affichée(s)")
    box = page.get_by_role("checkbox", name=re.compile(r"^Sélectionner FA-")).first
    number = (box.get_attribute("aria-label") or "").removeprefix("Sélectionner ")
    box.check()
    page.get_by_role("button", name="Ajouter au règlement").click()
    expect(page.get_by_role("table", name="Factures à régler")).to_contain_text(number)
    return number


def test_the_next_user_of_a_shared_tab_sees_nothing_of_the_previous_agencys_basket(
    portal: Portal, page: Page
) -> None:
    _open(page, portal, DEMO.email, DEMO.password)
    page.get_by_role("link", name=re.compile("PRESSIMMO")).click()
    number = _add_first_invoice_to_the_basket(page)

    page.get_by_role("button", name="Se déconnecter").click()
    expect(page.get_by_role("heading", name=SIGN_IN_HEADING)).to_be_visible()
    assert _tab_memory(page) == []
    _sign_in(page, OTHER.email, OTHER.password)
    page.get_by_role("link", name=re.compile("PRESSIMMO")).click()
    _section(page, "Règlement")

    expect(page.get_by_text("Votre panier est vide")).to_be_visible()
    expect(page.get_by_role("table", name="Factures à régler")).to_have_count(0)
    expect(page.locator("body")).not_to_contain_text(number)
    expect(page.get_by_role("banner")).to_contain_text(OTHER.email)


def test_a_session_revoked_mid_use_asks_to_sign_in_then_returns_to_the_same_page(
    portal: Portal, page: Page
) -> None:
    _open(page, portal, DEMO.email, DEMO.password)
    page.get_by_role("link", name=re.compile("POLIRIS")).click()
    _add_first_invoice_to_the_basket(page)
    _section(page, "Suivi litiges")
    # The list's own request must be answered before the session goes, or its 401 (not the click below) is
    # what brings the sign-in back, on the disputes page.
    expect(page.get_by_role("heading", name="Vos litiges")).to_be_visible()
    revoked = requests.delete(portal.api("account/session"), headers=_session_cookie(page), timeout=10)
    assert revoked.status_code == 204

    page.get_by_role("navigation", name="Rubriques").get_by_role("link", name="Informations compte").click()

    expect(page.get_by_role("heading", name=SIGN_IN_HEADING)).to_be_visible()
    expect(page.get_by_role("status")).to_contain_text("Votre session a expiré")
    expect(page.get_by_text("Service indisponible")).to_have_count(0)
    expect(page.get_by_role("button", name="Se déconnecter")).to_have_count(0)
    expect(page.get_by_role("banner")).not_to_contain_text(DEMO.email)
    expect(page).to_have_url(re.compile("#/c/POLIRIS/informations-compte$"))
    assert _tab_memory(page) == []
    expect(page.get_by_label("Identifiant")).to_have_value(DEMO.email)  # the same person, most likely
    screenshot(page, "access-session-lost")
    assert accessibility_violations(page) == []

    _sign_in(page, DEMO.email, DEMO.password)
    expect(page.get_by_role("heading", name="Informations compte")).to_be_visible()
    expect(page).to_have_url(re.compile("#/c/POLIRIS/informations-compte$"))
    expect(page.get_by_label("Créancier")).to_have_value("POLIRIS")


def test_a_link_opened_signed_out_leads_to_its_target_after_signing_in(portal: Portal, page: Page) -> None:
    _open(page, portal, DEMO.email, DEMO.password, "#/c/BELLES_DEMEURES/suivi-litiges")

    expect(page.get_by_role("heading", name="Suivi litiges")).to_be_visible()
    expect(page).to_have_url(re.compile("#/c/BELLES_DEMEURES/suivi-litiges$"))


def test_a_reader_sees_no_pay_dispute_write_or_edit_action(portal: Portal, page: Page) -> None:
    _open(page, portal, LECTURE.email, LECTURE.password)
    banner = page.get_by_role("banner")
    expect(banner.get_by_role("link", name="Mon compte")).to_be_visible()
    expect(banner.get_by_role("link", name="Équipe")).to_have_count(0)
    expect(banner.get_by_role("link", name="Journal d'activité")).to_have_count(0)
    page.get_by_role("link", name=re.compile("POLIRIS")).click()
    expect(page.get_by_role("status").first).to_contain_text("écriture(s) affichée(s)")

    expect(page.get_by_role("checkbox")).to_have_count(0)
    for action in ("Ajouter au règlement", "Créer un litige", "Écrire au service"):
        expect(page.get_by_role("button", name=action)).to_have_count(0)
    expect(page.get_by_role("link", name="Exporter en CSV")).to_be_visible()
    navigation = page.get_by_role("navigation", name="Rubriques")
    expect(navigation.get_by_role("link", name="Règlement")).to_have_count(0)
    assert accessibility_violations(page) == []
    screenshot(page, "access-reader-statement")

    _section(page, "Suivi litiges")
    page.locator("table.entries tbody a").first.click()
    expect(page.get_by_role("heading", name=re.compile("^Litige "))).to_be_visible()
    expect(page.get_by_role("button", name="Ajouter le commentaire")).to_have_count(0)
    _section(page, "Nous contacter")
    expect(page.get_by_role("button", name="Envoyer le message")).to_have_count(0)
    _section(page, "Informations compte")
    expect(page.get_by_role("button", name="Modification", exact=True)).to_have_count(0)
    page.goto(portal.url + "/#/c/POLIRIS/reglement")
    expect(page.get_by_text("Votre rôle permet de consulter le compte, pas de le régler")).to_be_visible()
    page.goto(portal.url + "/#/equipe")
    expect(page.get_by_role("heading", name="Accès réservé")).to_be_visible()

    refused = requests.post(
        portal.api("payments/creditors/POLIRIS/checkout"),
        json={"invoice_numbers": ["FA-2026-000001"]},
        headers=_session_cookie(page),
        timeout=10,
    )
    assert (refused.status_code, refused.json()["code"]) == (403, "forbidden_for_role")


def test_an_invited_colleague_chooses_a_password_then_resets_a_forgotten_one(
    portal: Portal, page: Page
) -> None:
    email = "nouvelle.recrue@agence-exemple.fr"
    invited = requests.post(
        portal.api("account/team/invitations"),
        json={"email": email, "first_name": "Inès", "last_name": "Garnier", "role": "lecture"},
        headers=portal.session_cookie(DEMO),
        timeout=20,
    )
    assert invited.status_code == 201, invited.text
    (invitation,) = _mail_texts(portal, email, "Mot de passe provisoire")

    _open(page, portal, email, temporary_password(invitation))
    expect(page.get_by_role("heading", name="Choisissez votre mot de passe")).to_be_visible()
    rules = page.get_by_role("list", name="Votre mot de passe doit comporter :")
    expect(rules).to_contain_text("Au moins 10 caractères")
    expect(rules).to_contain_text("Au moins une lettre majuscule")
    field = page.get_by_label("Nouveau mot de passe")
    field.fill("court")
    expect(rules.locator(".rule-met")).to_have_count(1)  # a lowercase letter, nothing else yet
    field.fill(" " + NEW_PASSWORD)  # meets every rule the site checks; the server refuses the space
    expect(rules.locator(".rule-met")).to_have_count(5)
    page.get_by_role("button", name="Enregistrer et me connecter").click()
    expect(rules.locator(".rule-broken")).to_contain_text("espace")
    expect(page.get_by_role("alert").filter(has_text="ne respecte pas")).to_be_visible()
    screenshot(page, "access-first-password")
    assert accessibility_violations(page) == []
    field.fill(NEW_PASSWORD)
    page.get_by_role("button", name="Enregistrer et me connecter").click()
    expect(page.get_by_role("heading", name="Choisissez votre créancier")).to_be_visible()
    expect(page.get_by_role("banner")).to_contain_text(email)

    page.get_by_role("button", name="Se déconnecter").click()
    page.get_by_role("link", name="Mot de passe oublié ?").click()
    expect(page.get_by_role("heading", name="Mot de passe oublié")).to_be_visible()
    page.get_by_label("Identifiant").fill(email)
    page.get_by_role("button", name="Recevoir un code").click()
    expect(page.get_by_role("status")).to_have_text(
        "Si un compte existe pour cet identifiant, un code vient d'être envoyé par e-mail."
    )
    (mail,) = _mail_texts(portal, email, "Votre code")
    page.get_by_label("Code reçu par e-mail").fill("000000" if reset_code(mail) != "000000" else "111111")
    page.get_by_label("Nouveau mot de passe").fill("Encore-Autre-2026!")
    page.get_by_role("button", name="Changer le mot de passe").click()
    expect(page.locator("#code-error")).not_to_be_empty()
    page.get_by_label("Code reçu par e-mail").fill(reset_code(mail))
    page.get_by_role("button", name="Changer le mot de passe").click()

    expect(page.get_by_role("heading", name=SIGN_IN_HEADING)).to_be_visible()
    expect(page.get_by_role("status")).to_contain_text("Votre mot de passe a été changé")
    expect(page.get_by_label("Identifiant")).to_have_value(email)
    page.get_by_label("Mot de passe", exact=True).fill("Encore-Autre-2026!")
    page.get_by_role("button", name="Se connecter").click()
    expect(page.get_by_role("heading", name="Choisissez votre créancier")).to_be_visible()


def test_my_account_changes_the_password_and_signs_out_of_every_device(portal: Portal, page: Page) -> None:
    user = agency_user(portal, "mon.compte@agence-exemple.fr", role="comptable")
    _open(page, portal, user.email, user.password)
    page.get_by_role("banner").get_by_role("link", name="Mon compte").click()
    expect(page.get_by_role("heading", name="Mon compte")).to_be_visible()
    facts = page.locator("dl.facts")
    expect(facts).to_contain_text(user.email)
    expect(facts).to_contain_text("Comptable")
    assert accessibility_violations(page) == []
    copy = _session_cookie(page)

    page.get_by_label("Mot de passe actuel").fill("Pas-le-bon-2026!")
    page.get_by_label("Nouveau mot de passe").fill(NEW_PASSWORD)
    page.get_by_role("button", name="Changer le mot de passe").click()
    expect(page.locator("#current-password-error")).to_have_text("Le mot de passe actuel est incorrect.")
    page.get_by_label("Mot de passe actuel").fill(user.password)
    page.get_by_role("button", name="Changer le mot de passe").click()
    expect(page.get_by_role("status").filter(has_text="Votre mot de passe a été changé.")).to_be_visible()
    screenshot(page, "access-my-account")

    page.get_by_role("button", name="Se déconnecter de tous les appareils").click()
    expect(page.get_by_role("heading", name=SIGN_IN_HEADING)).to_be_visible()
    expect(page.get_by_role("status")).to_contain_text("Toutes vos sessions sont fermées")
    assert requests.get(portal.api("account/me"), headers=copy, timeout=10).status_code == 401
    # Tokens carry their issue time in whole seconds: one issued in the second of "every device" is
    # refused with the others. A person takes longer than that to sign in again.
    page.wait_for_timeout(1100)
    _sign_in(page, user.email, NEW_PASSWORD)
    expect(page.get_by_role("heading", name="Choisissez votre créancier")).to_be_visible()


def test_an_administrator_manages_the_team_and_reads_the_journal(portal: Portal, page: Page) -> None:
    own_agency("AG-7301", "Agence Équipe Test")
    admin = agency_user(portal, "admin.equipe@agence-test.fr", agency_id="AG-7301")
    _open(page, portal, admin.email, admin.password)
    page.get_by_role("banner").get_by_role("link", name="Équipe").click()
    expect(page.get_by_role("heading", name="Équipe")).to_be_visible()
    team = page.get_by_role("table", name="Membres de l'équipe")
    expect(team).to_contain_text(admin.email)
    expect(page.get_by_role("region", name="Les rôles")).to_contain_text("Lecture")

    page.get_by_label("E-mail").fill("collegue@agence-test.fr")
    page.get_by_label("Prénom").fill("Hugo")
    page.get_by_label("Nom", exact=True).fill("Lemoine")
    page.get_by_label("Rôle", exact=True).select_option("comptable")
    page.get_by_role("button", name="Envoyer l'invitation").click()
    expect(page.locator("#invite-status")).to_contain_text("Invitation envoyée à collegue@agence-test.fr")
    row = team.locator("tr").filter(has_text="collegue@agence-test.fr")
    expect(row).to_contain_text("Hugo Lemoine")
    assert _mail_texts(portal, "collegue@agence-test.fr", "Mot de passe provisoire")
    assert accessibility_violations(page) == []
    screenshot(page, "access-team")

    page.get_by_role("button", name="Renvoyer l'invitation à Hugo Lemoine").click()
    expect(page.get_by_role("status").first).to_contain_text("Une nouvelle invitation a été envoyée")
    page.get_by_label("Rôle de Hugo Lemoine").select_option("lecture")
    page.get_by_role("button", name="Appliquer ce rôle à Hugo Lemoine").click()
    expect(page.get_by_role("status").first).to_contain_text("Hugo Lemoine a désormais le rôle")
    expect(page.get_by_label("Rôle de Hugo Lemoine")).to_have_value("lecture")
    page.get_by_role("button", name="Désactiver Hugo Lemoine").click()
    expect(page.get_by_role("status").first).to_contain_text("Accès de Hugo Lemoine désactivé")
    page.get_by_role("button", name="Réactiver Hugo Lemoine").click()
    expect(page.get_by_role("status").first).to_contain_text("Accès de Hugo Lemoine rétabli")

    own = page.get_by_label(re.compile(r"^Rôle de Test "))
    own.select_option("comptable")
    page.get_by_role("button", name=re.compile(r"^Appliquer ce rôle à Test ")).click()
    expect(page.get_by_role("alert").filter(has_text="au moins un administrateur actif")).to_be_visible()
    expect(own).to_have_value("administrateur")

    page.get_by_role("banner").get_by_role("link", name="Journal d'activité").click()
    expect(page.get_by_role("heading", name="Journal d'activité")).to_be_visible()
    journal = page.get_by_role("table", name="Journal d'activité")
    expect(journal.locator("tbody tr")).to_have_count(5)
    expect(journal.locator("tbody tr").first).to_contain_text("Collaborateur réactivé")
    expect(journal).to_contain_text("Collaborateur invité")
    assert accessibility_violations(page) == []
    screenshot(page, "access-journal")
    page.get_by_label("Personne").select_option(label="Hugo Lemoine")
    page.get_by_role("button", name="Filtrer").click()
    expect(page.get_by_role("status")).to_have_text("Aucun événement ne correspond à votre recherche.")
    expect(page).to_have_url(re.compile(r"#/journal\?user="))
    expect(journal).to_be_hidden()


def _cognito() -> Any:
    return boto3.client("cognito-idp", region_name=REGION)


def test_a_new_finance_user_sets_up_the_second_factor_with_the_qr_code(portal: Portal, page: Page) -> None:
    email, password = "finance.qr@mesfactures.example", "Finance-QR-2026!"
    pool = portal.running.identity.user_pool_id
    _cognito().admin_create_user(
        UserPoolId=pool,
        Username=email,
        MessageAction="SUPPRESS",
        UserAttributes=[{"Name": "email", "Value": email}, {"Name": "custom:creditors", "Value": "POLIRIS"}],
    )
    _cognito().admin_set_user_password(UserPoolId=pool, Username=email, Password=password, Permanent=True)
    _cognito().admin_add_user_to_group(UserPoolId=pool, Username=email, GroupName="finance")

    _open(page, portal, email, password)
    expect(page.get_by_role("heading", name="Activez la double authentification")).to_be_visible()
    expect(page.get_by_role("img", name=re.compile("QR code"))).to_be_visible()
    grouped = page.locator("code.secret").inner_text()
    assert re.fullmatch(r"([A-Za-z2-7]{4} )*[A-Za-z2-7]{1,4}", grouped), grouped
    assert accessibility_violations(page) == []
    screenshot(page, "access-totp-setup")
    page.get_by_label("Code à 6 chiffres").fill("12345")
    page.get_by_role("button", name="Activer et me connecter").click()
    expect(page.locator("#code-error")).to_have_text("Saisissez le code à 6 chiffres.")
    page.get_by_label("Code à 6 chiffres").fill(totp_code(grouped.replace(" ", "")))
    page.get_by_role("button", name="Activer et me connecter").click()
    expect(page.get_by_role("heading", name="Espace service financier")).to_be_visible()


def test_finance_signs_in_with_a_code_and_invites_an_agencys_first_administrator(
    portal: Portal, page: Page
) -> None:
    _open(page, portal, FINANCE.email, FINANCE.password)
    answer_the_code_step(page)
    expect(page.get_by_role("heading", name="Espace service financier")).to_be_visible()

    page.get_by_role("link", name="Inviter le premier administrateur d'une agence").click()
    expect(page.get_by_role("heading", name="Inviter le premier administrateur d'une agence")).to_be_visible()
    page.get_by_label("Créancier").select_option("PRESSIMMO")
    page.get_by_label("N° d'agence").fill("AG-9999")
    page.get_by_label("E-mail").fill("direction@agence-inconnue.fr")
    page.get_by_label("Prénom").fill("Anne")
    page.get_by_label("Nom", exact=True).fill("Roy")
    page.get_by_role("button", name="Envoyer l'invitation").click()
    expect(page.get_by_role("status")).to_have_text("Aucun compte de cette agence chez ce créancier.")
    assert accessibility_violations(page) == []

    page.get_by_label("N° d'agence").fill("AG-2002")  # has its administrator: they invite, not finance
    page.get_by_role("button", name="Envoyer l'invitation").click()
    expect(page.get_by_role("status")).to_contain_text("Cette agence a déjà un administrateur actif")

    agency_without_a_team("AG-7400", "Agence Toute Neuve", "PRESSIMMO")
    page.get_by_label("N° d'agence").fill("AG-7400")
    page.get_by_label("E-mail").fill("direction@agence-neuve.fr")
    page.get_by_role("button", name="Envoyer l'invitation").click()
    expect(page.get_by_role("status")).to_contain_text("Invitation envoyée à direction@agence-neuve.fr")
    screenshot(page, "access-finance-invitation")
    assert _mail_texts(portal, "direction@agence-neuve.fr", "Le service financier de PRESSIMMO vous invite")


def test_an_administrator_turns_on_the_second_factor_from_mon_compte(portal: Portal, page: Page) -> None:
    admin = agency_user(portal, "admin-deux-facteurs@agence-exemple.fr", "administrateur")
    _open(page, portal, admin.email, admin.password, "#/mon-compte")
    expect(page.get_by_role("heading", name="Mon compte")).to_be_visible()

    page.locator("#totp-password").fill(admin.password)
    page.get_by_role("button", name="Activer la double authentification").click()
    secret = page.locator("code.secret").inner_text().replace(" ", "")
    expect(page.locator(".qr-figure svg")).to_be_visible()
    page.get_by_label("Code à 6 chiffres").fill(totp_code(secret))
    page.get_by_role("button", name="Vérifier et activer").click()

    expect(page.get_by_text("La double authentification est activée")).to_be_visible()
    screenshot(page, "access-own-totp")
    assert accessibility_violations(page) == []
    asked = requests.post(
        portal.api("account/session"), json={"username": admin.email, "password": admin.password}, timeout=10
    )
    assert asked.json()["challenge"] == "totp"
