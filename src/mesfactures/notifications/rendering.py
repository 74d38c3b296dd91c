"""The one Jinja2 environment of the e-mails: loaded from the package, HTML auto-escaped, strict."""

from __future__ import annotations

import functools
from dataclasses import asdict, dataclass
from typing import TYPE_CHECKING

from mesfactures.documents.formatting import agency_proper_name, the_agency
from mesfactures.notifications.messages import View

if TYPE_CHECKING:
    import jinja2  # imported by the first mail rendered, not at every function's cold start

SUBJECTS = {
    "dispute_opened": "[{creditor_name}] Nouveau litige {reference} — {agency_name}",
    "dispute_commented": "[{creditor_name}] Litige {reference} : nouveau commentaire de {the_agency}",
    "dispute_status_changed": "Votre litige {reference} chez {creditor_name} : {status}",
    "profile_changed": "[{creditor_name}] Coordonnées modifiées — {agency_name} ({account_number})",
    "bank_change_requested": "[{creditor_name}] À valider : nouvelles coordonnées bancaires — {agency_name}",
    "bank_change_decided": "Vos coordonnées bancaires chez {creditor_name}",
    "payment_receipt": "Reçu de votre paiement {receipt_number} — {creditor_name}",
    "service_message": "[Mes Factures] {subject} — {agency_name} ({account_number})",
}


@dataclass(frozen=True)
class RenderedMail:
    subject: str
    html: str
    text: str
    reply_to: tuple[str, ...] = ()


@functools.cache
def mail_environment() -> jinja2.Environment:
    import jinja2

    environment = jinja2.Environment(
        loader=jinja2.PackageLoader("mesfactures", "templates/mail"),
        autoescape=jinja2.select_autoescape(enabled_extensions=("html.j2",), default=False),
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    environment.filters["the_agency"] = the_agency  # "de {{ agency_name|the_agency }}": de l'agence …
    environment.filters["agency_proper_name"] = agency_proper_name  # "L'agence {{ … }}": L'agence Exemple
    return environment


def render_mail(view: View) -> RenderedMail:
    values = asdict(view)
    environment = mail_environment()
    names = {"the_agency": the_agency(values["agency_name"])} if "agency_name" in values else {}
    return RenderedMail(
        subject=SUBJECTS[view.template].format(**values, **names),
        html=environment.get_template(f"{view.template}.html.j2").render(**values),
        text=environment.get_template(f"{view.template}.txt.j2").render(**values),
    )
