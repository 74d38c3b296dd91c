"""What every service's contract shares: the error shape, the usual refusals, path parameters, and the
values several shapes use (document numbers, ids, dates, money)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated, Literal, NotRequired, TypedDict

from mesfactures.contract import Answer, Field, Param
from mesfactures.domain.creditors import Creditor
from mesfactures.domain.ledger import DOCUMENT_NUMBER

if TYPE_CHECKING:
    from mesfactures.contract import Contract

DocumentNumber = Annotated[str, Field(pattern=DOCUMENT_NUMBER.pattern, examples=("FA-2026-000123",))]
Ulid = Annotated[str, Field(pattern="^[0-9A-HJKMNP-TV-Z]{26}$")]
DateTime = Annotated[str, Field(format="date-time")]
Day = Annotated[str, Field(format="date")]
Comment = Annotated[
    str, Field(description="free text, 2000 characters at most", min_length=1, max_length=2000)
]
CreditorCode = Annotated[str, Field(enum=Creditor, examples=(Creditor.POLIRIS,))]
# Checked by the use case, which refuses with its own code: `invalid_password` (with the rules broken),
# `invalid_code`.
NewPassword = Annotated[
    str,
    Field(
        description="the pool's policy (`GET /api/account/password/policy`): 400 `invalid_password` names "
        "each rule broken in `rules`",
        min_length=10,
        max_length=256,
        by_use_case=True,
    ),
]
SixDigits = Annotated[str, Field(description="6 digits", pattern="^[0-9]{6}$", by_use_case=True)]
ChallengeSession = Annotated[
    str,
    Field(
        description="the `session` of the challenge being answered (5 minutes, single use)",
        min_length=1,
        max_length=128,
    ),
]


class Error(TypedDict):
    code: Annotated[str, Field(description="a stable machine code (invalid_input, not_found, …)")]
    message: Annotated[str, Field(description="what went wrong, in French, to show the user")]
    fields: NotRequired[
        Annotated[dict[str, str], Field(description="invalid_fields only: a French message per field")]
    ]
    rules: NotRequired[
        Annotated[list[str], Field(description="invalid_password only: a French message per rule broken")]
    ]


class Health(TypedDict):
    status: Literal["ok"]
    service: str


ERROR = Error
SERVERS = [{"url": "/api", "description": "the site's origin: CloudFront routes /api/<area>/* here"}]
SECURITY_SCHEME = {
    "type": "apiKey",
    "in": "cookie",
    "name": "mf_session",
    "description": "The Cognito ID token, set HttpOnly, Secure, SameSite=Strict at sign-in",
}
COMMON_DESCRIPTION = (
    "JSON in and out, amounts as integer cents (`amount_cents`) with `currency`, dates ISO 8601. Every error "
    'is `{"code", "message"}` (plus `fields` for `invalid_fields`, `rules` for `invalid_password`). The '
    "session is the HttpOnly cookie `mf_session` set by `POST /api/account/session`"
)

REFUSALS = {
    400: "Bad input: a body that is not a JSON object, a missing or malformed field, a bad query parameter",
    401: "No session, or a session that is expired, forged or for another pool",
    403: "Signed in, but this function is not for this kind of user (agency or finance)",
    404: "Unknown, or someone else's: the two are indistinguishable",
    409: "Conflict with the current state (edited meanwhile, already disputed, being paid)",
    422: "Well-formed, but against a business rule (already paid, a transition not allowed)",
    503: "A service the request needs is unavailable for a moment",
}
FOR_ROLE = (
    "Signed in, but this function is not for this kind of user (agency or finance), or the agency user's "
    "role does not allow it (`forbidden_for_role`)"
)


def refused(*statuses: int) -> dict[int, str]:
    """The usual description of each refusal (an `Error` body)."""
    return {status: REFUSALS[status] for status in statuses}


PATH_PARAMS: dict[str, Param] = {
    param.name: param
    for param in (
        Param("creditor", "the creditor the agency's account is with", CreditorCode),
        Param(
            "number",
            "the document's number (FA-2026-000123, AV-…)",
            Annotated[str, Field(pattern="^[A-Z]{1,4}-[0-9]{4}-[0-9A-Z]{1,10}$")],
        ),
        Param("dispute_id", "the dispute's id (a ULID)", Ulid),
        Param("attachment_id", "the attachment's id (a ULID)", Ulid),
        Param("change_id", "the change's id (a ULID)", Ulid),
        Param("payment_id", "the payment's id (a ULID)", Ulid),
        Param(
            "user_id",
            "the member's `user_id` (the Cognito `sub`)",
            Annotated[str, Field(pattern="^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$")],
        ),
    )
}


def contracts() -> list[Contract]:
    """Every service's contract, in the order of the areas."""
    from mesfactures.areas import API_AREAS
    from mesfactures.contract import account, disputes, payments, statement

    found = {module.CONTRACT.area: module.CONTRACT for module in (statement, disputes, account, payments)}
    return [found[area] for area in API_AREAS]


# A file is answered as a short-lived URL: to view or to save, and (for a plain link) as a redirect.
DISPOSITION = Param(
    "disposition",
    "inline (view, print) or attachment (save)",
    Annotated[str, Field(enum=("inline", "attachment"))],
)
REDIRECT = Param(
    "redirect",
    "true: answer with a redirect to the file (a plain link of the site)",
    Annotated[str, Field(enum=("true", "false"))],
)
TO_FILE = Answer("To a short-lived link of the file", headers={"Location": "a short-lived URL of the file"})
