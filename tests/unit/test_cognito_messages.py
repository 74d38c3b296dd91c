"""The mails Cognito sends itself, in the portal's words: its CustomMessage trigger."""

from __future__ import annotations

import copy
import importlib.util
from typing import Any

import pytest

from devstack.config import ROOT
from mesfactures.domain.errors import ConfigurationError
from mesfactures.notifications.cognito_messages import (
    CODE_PLACEHOLDER,
    MAX_EMAIL_MESSAGE,
    USERNAME_PLACEHOLDER,
    cognito_mail,
    custom_message,
    site_url_from,
)

SITE = "https://factures.example.fr"


def _event(source: str, attributes: dict[str, str], metadata: dict[str, str] | None = None) -> dict[str, Any]:
    """The event as Cognito gives it to the trigger."""
    return {
        "version": "1",
        "triggerSource": source,
        "region": "eu-west-3",
        "userPoolId": "eu-west-3_pool",
        "userName": "5f0c3c7e-0000-4000-8000-000000000001",
        "callerContext": {"awsSdkVersion": "aws-sdk-js-3", "clientId": "CLIENT_ID_NOT_APPLICABLE"},
        "request": {
            "userAttributes": {"sub": "5f0c3c7e-0000-4000-8000-000000000001", **attributes},
            "codeParameter": "{####}",
            "linkParameter": "{##Click Here##}",
            "usernameParameter": "{username}" if source.endswith("AdminCreateUser") else None,
            "clientMetadata": metadata,
        },
        "response": {"smsMessage": None, "emailMessage": None, "emailSubject": None},
    }


INVITATION = _event(
    "CustomMessage_AdminCreateUser",
    {
        "email": "lea.roux@agence-exemple.fr",
        "given_name": "Léa",
        "family_name": "Roux",
        "custom:agency_id": "AG-1001",
        "custom:role": "comptable",
    },
    {"agency_name": "Agence du Port", "invited_by": "Claire Martin"},
)
RESET = _event("CustomMessage_ForgotPassword", {"email": "lea.roux@agence-exemple.fr", "given_name": "Léa"})


def test_an_invitation_holds_cognitos_placeholders_for_the_identifier_and_the_temporary_password() -> None:
    response = custom_message(INVITATION, SITE)["response"]
    assert USERNAME_PLACEHOLDER in response["emailMessage"]
    assert CODE_PLACEHOLDER in response["emailMessage"]
    assert len(response["emailMessage"]) < MAX_EMAIL_MESSAGE
    assert response["smsMessage"] is None


def test_an_invitation_says_who_invites_to_which_agency_where_and_for_how_long() -> None:
    mail = cognito_mail(INVITATION, SITE)
    assert mail is not None
    assert mail.subject == "Invitation à rejoindre Agence du Port sur Mes Factures"
    assert "Bonjour Léa Roux," in mail.text
    assert (
        "Claire Martin vous invite à rejoindre l'espace de votre agence, Agence du Port (AG-1001), sur"
        in mail.text
    )
    assert f"Adresse du portail : {SITE}\n" in mail.text
    assert "Identifiant : {username}\n" in mail.text
    assert "Mot de passe provisoire : {####}\n" in mail.text
    assert "valable 7 jours" in mail.text
    assert "À votre première connexion, le portail vous demandera d'en choisir un nouveau" in mail.text
    assert "demandez une nouvelle invitation à Claire Martin" in mail.text
    assert f'<a href="{SITE}"' in mail.html and "<strong>7 jours</strong>" in mail.html


def test_an_invitation_without_context_names_the_agency_by_its_id_and_the_administrator() -> None:
    event = copy.deepcopy(INVITATION)
    event["request"]["clientMetadata"] = None
    mail = cognito_mail(event, SITE)
    assert mail is not None
    assert mail.subject == "Invitation à rejoindre AG-1001 sur Mes Factures"
    assert "Vous pouvez désormais rejoindre l'espace de votre agence, AG-1001, sur Mes Factures" in mail.text
    assert "demandez une nouvelle invitation à l'administrateur de votre agence" in mail.text


def test_a_finance_invitation_names_the_creditors_handled() -> None:
    event = _event(
        "CustomMessage_AdminCreateUser",
        {"email": "compta@poliris.example", "custom:creditors": "PRESSIMMO,BELLES_DEMEURES,POLIRIS"},
    )
    mail = cognito_mail(event, SITE)
    assert mail is not None
    assert mail.subject == "Votre accès au portail Mes Factures"
    assert "pour le service financier de PRESSIMMO, BELLES DEMEURES et POLIRIS" in mail.text
    assert "Bonjour," in mail.text


def test_markup_in_a_name_is_escaped_in_the_html_and_the_placeholders_are_kept() -> None:
    event = copy.deepcopy(INVITATION)
    event["request"]["userAttributes"]["family_name"] = '<img src=x onerror="alert(1)">'
    event["request"]["clientMetadata"] = {
        "agency_name": "<b>Port</b> & Fils",
        "invited_by": "<script>x</script>",
    }
    html = custom_message(event, SITE)["response"]["emailMessage"]
    assert "<img" not in html and "&lt;img src=x onerror=&#34;alert(1)&#34;&gt;" in html
    assert "<b>Port</b>" not in html and "&lt;b&gt;Port&lt;/b&gt; &amp; Fils" in html
    assert "<script>" not in html
    assert "{username}" in html and "{####}" in html


def test_a_subject_stays_on_one_line_whatever_the_agency_is_called() -> None:
    event = copy.deepcopy(INVITATION)
    event["request"]["clientMetadata"] = {"agency_name": "Agence\r\nBcc: pirate@example.com " + "x" * 200}
    subject = custom_message(event, SITE)["response"]["emailSubject"]
    assert "\r" not in subject and "\n" not in subject
    assert len(subject) < 140


def test_a_reset_mail_gives_the_code_for_one_hour_and_says_to_ignore_it_if_not_asked() -> None:
    response = custom_message(RESET, SITE)["response"]
    mail = cognito_mail(RESET, SITE)
    assert mail is not None
    assert response["emailSubject"] == "Mes Factures : votre code pour choisir un nouveau mot de passe"
    assert CODE_PLACEHOLDER in response["emailMessage"]
    assert "Votre code : {####}\n" in mail.text
    assert "Bonjour Léa," in mail.text
    assert "valable une heure et ne sert qu'une fois" in mail.text
    assert "Si vous n'avez rien demandé, ignorez ce message : votre mot de passe reste inchangé." in mail.text


@pytest.mark.parametrize(
    "source",
    [
        "CustomMessage_SignUp",
        "CustomMessage_ResendCode",
        "CustomMessage_UpdateUserAttribute",
        "CustomMessage_Authentication",
    ],
)
def test_other_messages_are_left_as_cognito_words_them(source: str) -> None:
    event = _event(source, {"email": "lea.roux@agence-exemple.fr"})
    assert custom_message(copy.deepcopy(event), SITE) == event


def test_the_event_received_is_not_changed() -> None:
    event = copy.deepcopy(INVITATION)
    custom_message(event, SITE)
    assert event == INVITATION


def test_the_site_address_is_a_required_setting() -> None:
    assert site_url_from({"SITE_URL": "https://factures.example.fr/"}) == "https://factures.example.fr"
    with pytest.raises(ConfigurationError, match="SITE_URL"):
        site_url_from({})


def test_the_notifications_app_answers_cognitos_trigger(monkeypatch: pytest.MonkeyPatch) -> None:
    spec = importlib.util.spec_from_file_location(
        "notifications_app_under_test", ROOT / "services" / "notifications" / "app.py"
    )
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    monkeypatch.setenv("SITE_URL", SITE)
    answered = module.cognito_messages(copy.deepcopy(INVITATION), None)
    assert answered["response"]["emailSubject"] == "Invitation à rejoindre Agence du Port sur Mes Factures"
    assert "cognito_messages" in {function.name for function in module.app.pure_lambda_functions}
