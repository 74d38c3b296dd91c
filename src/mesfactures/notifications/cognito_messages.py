"""Cognito's CustomMessage trigger: the invitation and the reset-code mails in the portal's own words.

Cognito makes the temporary password and the reset code itself and never shows them to this function. The
function answers a subject and an HTML body holding the placeholders `{username}` and `{####}`, which
Cognito replaces before it sends the mail (it refuses a message without them). Other messages (sign-up,
attribute verification, MFA codes) are left as Cognito words them: the portal has none of those.

The local stack (devstack/cognito.py) calls the same function with the event Cognito would send.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import asdict, dataclass
from typing import Any, ClassVar

from mesfactures.domain.creditors import Creditor
from mesfactures.domain.errors import ConfigurationError
from mesfactures.notifications.rendering import RenderedMail, mail_environment

INVITATION = "CustomMessage_AdminCreateUser"  # also when an invitation is sent again (MessageAction RESEND)
RESET_CODE = "CustomMessage_ForgotPassword"
# Cognito's placeholders, passed to the templates as values: in a template's text Jinja would read `{#` as
# the start of a comment. They hold no markup, so HTML escaping leaves them as they are.
USERNAME_PLACEHOLDER = "{username}"
CODE_PLACEHOLDER = "{####}"
TEMPORARY_PASSWORD_DAYS = 7  # the pool's TemporaryPasswordValidityDays (infra/portal/identity.py)
MAX_EMAIL_MESSAGE = 20_000  # Cognito refuses a longer emailMessage
_SUBJECT_NAME_LENGTH = 60


@dataclass(frozen=True)
class Invitation:
    template: ClassVar[str] = "invitation"
    greeting: str
    agency_id: str
    agency_name: str
    invited_by: str
    creditors: str  # finance users: the creditors whose accounts they handle, as a French list
    renewal_contact: str  # whom to ask for a new invitation once this one has expired
    site_url: str
    username: str = USERNAME_PLACEHOLDER
    password: str = CODE_PLACEHOLDER
    validity_days: int = TEMPORARY_PASSWORD_DAYS


@dataclass(frozen=True)
class PasswordResetCode:
    template: ClassVar[str] = "password_reset_code"
    greeting: str
    email: str
    site_url: str
    code: str = CODE_PLACEHOLDER


def site_url_from(env: Mapping[str, str] = os.environ) -> str:
    """The portal's address for the mails; the trigger's only setting (its function keeps no other)."""
    value = env.get("SITE_URL", "").strip().rstrip("/")
    if not value:
        raise ConfigurationError("the environment variable SITE_URL is not set")
    return value


def custom_message(event: dict[str, Any], site_url: str) -> dict[str, Any]:
    """The trigger: the event with `response.emailSubject` and `response.emailMessage` set for an invitation
    or a reset code; any other event unchanged."""
    mail = cognito_mail(event, site_url)
    if mail is None:
        return event
    return {
        **event,
        "response": {
            **(event.get("response") or {}),
            "emailSubject": mail.subject,
            "emailMessage": mail.html,
        },
    }


def cognito_mail(event: Mapping[str, Any], site_url: str) -> RenderedMail | None:
    """Subject, HTML and text of the mail Cognito is about to send, placeholders included; None when the
    portal leaves the message to Cognito. The text part serves the local outbox (Cognito sends the HTML)."""
    request = event.get("request") or {}
    attributes = _strings(request.get("userAttributes"))
    metadata = _strings(request.get("clientMetadata"))
    source = event.get("triggerSource")
    if source == INVITATION:
        return _render(
            _invitation(attributes, metadata, site_url.rstrip("/")), _invitation_subject(attributes, metadata)
        )
    if source == RESET_CODE:
        view = PasswordResetCode(
            greeting=_greeting(attributes), email=attributes.get("email", ""), site_url=site_url.rstrip("/")
        )
        return _render(view, "Mes Factures : votre code pour choisir un nouveau mot de passe")
    return None


def _invitation(attributes: Mapping[str, str], metadata: Mapping[str, str], site_url: str) -> Invitation:
    agency_id = attributes.get("custom:agency_id", "")
    invited_by = metadata.get("invited_by", "")
    creditors = _french_list(
        _creditor_name(code) for code in attributes.get("custom:creditors", "").split(",")
    )
    by_creditor = _creditor_name(metadata.get("invited_by_creditor", ""))
    if by_creditor:  # finance invites an agency's first administrator
        invited_by = f"Le service financier de {by_creditor}"
        contact = f"au service financier de {by_creditor}"
    elif invited_by:
        contact = f"à {invited_by}"
    elif agency_id:
        contact = "à l'administrateur de votre agence"
    else:
        contact = "à l'équipe qui administre Mes Factures"
    return Invitation(
        greeting=_greeting(attributes),
        agency_id=agency_id,
        agency_name=metadata.get("agency_name", ""),
        invited_by=invited_by,
        creditors=creditors,
        renewal_contact=contact,
        site_url=site_url,
    )


def _invitation_subject(attributes: Mapping[str, str], metadata: Mapping[str, str]) -> str:
    agency = metadata.get("agency_name") or attributes.get("custom:agency_id", "")
    if not agency:
        return "Votre accès au portail Mes Factures"
    if len(agency) > _SUBJECT_NAME_LENGTH:
        agency = agency[: _SUBJECT_NAME_LENGTH - 1].rstrip() + "…"
    return f"Invitation à rejoindre {agency} sur Mes Factures"


def _render(view: Invitation | PasswordResetCode, subject: str) -> RenderedMail:
    values = asdict(view)
    environment = mail_environment()
    html = environment.get_template(f"{view.template}.html.j2").render(**values)
    if CODE_PLACEHOLDER not in html or len(html) > MAX_EMAIL_MESSAGE:
        raise ValueError(f"the {view.template} mail would be refused by Cognito")
    return RenderedMail(
        # One line: a subject is a mail header, and the names in it come from the person who invites.
        subject=" ".join(subject.split()),
        html=html,
        text=environment.get_template(f"{view.template}.txt.j2").render(**values),
    )


def _greeting(attributes: Mapping[str, str]) -> str:
    name = " ".join(part for part in (attributes.get("given_name"), attributes.get("family_name")) if part)
    return f"Bonjour {name}," if name else "Bonjour,"


def _creditor_name(code: str) -> str:
    code = code.strip()
    try:
        return Creditor(code).display_name
    except ValueError:
        return code


def _french_list(items: Any) -> str:
    names = [item for item in items if item]
    if len(names) < 2:
        return "".join(names)
    return f"{', '.join(names[:-1])} et {names[-1]}"


def _strings(values: Any) -> dict[str, str]:
    """Cognito's maps of strings (attributes, client metadata); anything else in them is ignored."""
    if not isinstance(values, Mapping):
        return {}
    return {str(key): value.strip() for key, value in values.items() if isinstance(value, str)}
