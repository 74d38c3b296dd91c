"""The HTTP contract of the account service: its shapes and operations (generates its openapi.json)."""

from __future__ import annotations

from typing import Annotated, Literal, NotRequired, TypedDict

from mesfactures.contract import Answer, Body, Contract, Field, Operation, Param, RequiredWhen
from mesfactures.contract.common import (
    COMMON_DESCRIPTION,
    FOR_ROLE,
    PATH_PARAMS,
    ChallengeSession,
    Comment,
    DateTime,
    Day,
    DocumentNumber,
    Health,
    NewPassword,
    SixDigits,
    refused,
)
from mesfactures.domain.accounts import ChangeKind, ChangeStatus
from mesfactures.domain.creditors import Creditor
from mesfactures.domain.labels import PortalLabels
from mesfactures.domain.principal import Permission, Role
from mesfactures.domain.team import Action, MemberStatus


class MeAgency(TypedDict):
    id: str
    name: str


class MeCreditorsItem(TypedDict):
    code: Annotated[str, Field(enum=Creditor)]
    name: str


class Me(TypedDict):
    user_id: str
    email: str
    role: Annotated[str, Field(enum=("administrateur", "comptable", "lecture", "finance"))]
    role_label: str
    first_name: str
    last_name: str
    permissions: Annotated[
        list[Annotated[str, Field(enum=Permission)]],
        Field(description="what the role may do besides reading (empty for finance)", unique_items=True),
    ]
    agency: MeAgency | None
    creditors: list[MeCreditorsItem]
    labels: PortalLabels


class ProfileMainContact(TypedDict):
    last_name: str
    first_name: str
    role: str


class ProfileBilling(TypedDict):
    street: str
    postal_code: str
    city: str
    country: str
    phone: str
    fax: str | None
    email: str


class ProfileBank(TypedDict):
    holder: str
    bank_name: str
    bic: str
    iban_masked: str


class ProfilePendingChange(TypedDict):
    id: str
    requested_at: DateTime
    requested_by: str
    bank: Annotated[dict[str, str], Field(description="holder, bank, BIC and the masked IBAN")]


class Profile(TypedDict):
    account_number: str
    legal_name: str
    version: int | None
    main_contact: ProfileMainContact
    billing: ProfileBilling
    bank: ProfileBank
    pending_change: ProfilePendingChange | None


class Change(TypedDict):
    id: str
    kind: Annotated[str, Field(enum=ChangeKind)]
    status: Annotated[str, Field(enum=ChangeStatus)]
    status_label: str
    creditor: Annotated[str, Field(enum=Creditor)]
    agency_id: str
    agency_name: Annotated[
        str,
        Field(description="the agency's name as it was when the request was made (its id for older ones)"),
    ]
    requested_by: str
    requested_at: DateTime
    before: dict[str, str]
    after: dict[str, str]
    decided_by: str | None
    decided_at: Annotated[str | None, Field(format="date-time")]
    decision_comment: str | None


class SignedIn(TypedDict):
    user: Me


class Challenge(TypedDict):
    """`session` is the portal's handle of the sign-in (5 minutes, single use), never a token"""

    challenge: Annotated[str, Field(enum=("new_password", "totp", "totp_setup"))]
    session: str
    secret: NotRequired[Annotated[str, Field(description="totp_setup only: the secret to enrol")]]
    otpauth_uri: NotRequired[
        Annotated[
            str, Field(description="totp_setup only: the same, for a QR code", pattern="^otpauth://totp/")
        ]
    ]


class Member(TypedDict):
    user_id: str
    email: str
    first_name: str
    last_name: str
    role: Annotated[str, Field(enum=Role)]
    role_label: str
    status: Annotated[str, Field(enum=MemberStatus)]
    status_label: str
    invited_at: DateTime
    invited_by: str
    is_self: bool


class Activity(TypedDict):
    at: DateTime
    user_id: str
    user_name: str
    action: Annotated[str, Field(enum=Action)]
    action_label: str
    creditor: Annotated[str | None, Field(enum=("PRESSIMMO", "BELLES_DEMEURES", "POLIRIS", None))]
    creditor_name: str | None
    documents: list[str]
    detail: str


class LogInRequest(TypedDict):
    username: Annotated[str, Field(min_length=1, max_length=128)]
    password: Annotated[str, Field(min_length=1, max_length=256)]


class AnswerNewPasswordRequest(TypedDict):
    session: ChallengeSession
    new_password: NewPassword


class AnswerTotpRequest(TypedDict):
    session: ChallengeSession
    code: SixDigits


class FinishTotpSetupRequest(TypedDict):
    session: ChallengeSession
    code: SixDigits


class PasswordPolicyAnswerRulesItem(TypedDict):
    code: Annotated[str, Field(enum=("length", "lowercase", "uppercase", "digit", "symbol"))]
    label: Annotated[str, Field(description="in French")]


class PasswordPolicyAnswer(TypedDict):
    min_length: Annotated[int, Field(minimum=1)]
    rules: list[PasswordPolicyAnswerRulesItem]


class ForgotPasswordRequest(TypedDict):
    username: Annotated[str, Field(min_length=1, max_length=128)]


class ForgotPasswordAnswer(TypedDict):
    status: Literal["sent_if_known"]
    message: Annotated[str, Field(description="in French, to show the user")]


class ResetPasswordRequest(TypedDict):
    username: Annotated[str, Field(min_length=1, max_length=128)]
    code: SixDigits
    new_password: NewPassword


class ChangePasswordRequest(TypedDict):
    current: Annotated[str, Field(min_length=1, max_length=256)]
    new: NewPassword


class StartOwnTotpRequest(TypedDict):
    password: Annotated[str, Field(min_length=1, max_length=256)]


class StartOwnTotpAnswer(TypedDict):
    session: str
    secret: str
    otpauth_uri: str


class FinishOwnTotpRequest(TypedDict):
    session: Annotated[str, Field(min_length=1, max_length=128)]
    code: SixDigits


class TeamAnswerRolesItem(TypedDict):
    code: Annotated[str, Field(enum=Role)]
    label: str
    description: str


class TeamAnswer(TypedDict):
    members: list[Member]
    roles: list[TeamAnswerRolesItem]


class InviteMemberRequest(TypedDict):
    email: Annotated[str, Field(format="email", max_length=254)]
    first_name: Annotated[str, Field(min_length=1, max_length=60)]
    last_name: Annotated[str, Field(min_length=1, max_length=60)]
    role: Annotated[str, Field(enum=Role)]


class InviteMemberAnswer(TypedDict):
    member: Member


class ResendInvitationAnswer(TypedDict):
    member: Member


class ChangeMemberRequest(TypedDict):
    role: NotRequired[Annotated[str, Field(enum=Role)]]
    active: NotRequired[
        Annotated[bool, Field(description="false: every session of theirs is refused from now on")]
    ]


class ChangeMemberAnswer(TypedDict):
    member: Member


class ActivityAnswer(TypedDict):
    events: list[Activity]
    next_cursor: str | None


class SendProfileChangesRequestMainContact(TypedDict):
    last_name: Annotated[str, Field(min_length=1, max_length=80)]
    first_name: Annotated[str, Field(min_length=1, max_length=80)]
    role: Annotated[str, Field(min_length=1, max_length=80)]


class SendProfileChangesRequestBilling(TypedDict):
    street: Annotated[str, Field(min_length=1, max_length=200)]
    postal_code: Annotated[str, Field(min_length=1, max_length=10)]
    city: Annotated[str, Field(min_length=1, max_length=80)]
    country: Annotated[str, Field(pattern="^[A-Z]{2}$")]
    phone: Annotated[str, Field(min_length=1, max_length=30)]
    fax: NotRequired[Annotated[str | None, Field(max_length=30)]]
    email: Annotated[str, Field(format="email", max_length=254)]


class SendProfileChangesRequestBank(TypedDict):
    holder: Annotated[str, Field(min_length=1, max_length=120)]
    bank_name: Annotated[str, Field(min_length=1, max_length=120)]
    iban: Annotated[str, Field(min_length=1, max_length=42)]
    bic: Annotated[str, Field(min_length=1, max_length=14)]


class SendProfileChangesRequest(TypedDict):
    version: Annotated[int, Field(description="the profile's `version` as read: 409 if it changed meanwhile")]
    main_contact: NotRequired[SendProfileChangesRequestMainContact]
    billing: NotRequired[SendProfileChangesRequestBilling]
    bank: NotRequired[SendProfileChangesRequestBank]


class SendProfileChangesAnswer(TypedDict):
    profile: Profile
    changes: list[Change]


class ProfileHistoryAnswer(TypedDict):
    changes: list[Change]


class ContactsAnswerCreditor(TypedDict):
    code: Annotated[str, Field(enum=Creditor)]
    name: str


class ContactsAnswerServicesItemAddress(TypedDict):
    street: str
    postal_code: str
    city: str
    country: str


class ContactsAnswerServicesItem(TypedDict):
    code: Annotated[str, Field(enum=("after_sales", "collections"))]
    name: str
    address: ContactsAnswerServicesItemAddress
    phone: str
    email: str
    hours: str


class ContactsAnswer(TypedDict):
    creditor: ContactsAnswerCreditor
    services: list[ContactsAnswerServicesItem]


class WriteToServiceRequest(TypedDict):
    service: Annotated[str, Field(enum=("after_sales", "collections"))]
    subject: Annotated[str, Field(min_length=1, max_length=120)]
    body: Annotated[str, Field(min_length=1, max_length=5000)]
    documents: NotRequired[Annotated[list[DocumentNumber], Field(max_items=20)]]


class WriteToServiceAnswer(TypedDict):
    status: Literal["sent"]


class InviteFirstAdministratorRequest(TypedDict):
    creditor: Annotated[str, Field(enum=Creditor)]
    agency_id: Annotated[str, Field(pattern="^[A-Za-z0-9_.:-]{1,64}$")]
    email: Annotated[str, Field(format="email", max_length=254)]
    first_name: Annotated[str, Field(min_length=1, max_length=60)]
    last_name: Annotated[str, Field(min_length=1, max_length=60)]


class InviteFirstAdministratorAnswer(TypedDict):
    member: Member
    agency_id: str


class FinanceChangesAnswer(TypedDict):
    changes: list[Change]


class FinanceChangeAnswerRequestedBank(TypedDict):
    holder: str
    bank_name: str
    bic: str
    iban: str


class FinanceChangeAnswer(Change):
    account_number: str
    legal_name: str
    requested_bank: FinanceChangeAnswerRequestedBank | None


class DecideChangeRequest(TypedDict):
    approve: bool
    comment: Comment


# What answering a sign-in step answers: the session and its cookie.
SIGNED_IN = Answer(
    "Signed in; `Set-Cookie: mf_session=…; HttpOnly; Secure; SameSite=Strict`",
    SignedIn,
    headers={"Set-Cookie": None},
)
# How a sign-in step that takes a 6-digit code refuses.
CODE_REFUSALS = {
    400: "Bad input; `invalid_code` for a code that is not 6 digits or not the right one",
    401: (
        "`challenge_expired`: the handle is unknown, expired, for another "
        "challenge or already answered (sign in again); `not_authenticated`: "
        "the member was deactivated meanwhile"
    ),
    429: "`too_many_requests`: Cognito limits the attempts",
}

OPERATIONS = (
    Operation(
        "GET",
        "/account/health",
        "accountHealth",
        "The service's health check",
        answers={
            200: Answer("The service answers", Health),
        },
        signed_in=False,
    ),
    Operation(
        "POST",
        "/account/session",
        "logIn",
        "Log in: sets the session cookie, or asks a challenge first",
        body=Body(LogInRequest),
        answers={
            200: Answer("Another step before the session: the challenge to answer (no cookie)", Challenge),
            201: SIGNED_IN,
        },
        refusals={
            **refused(400),
            401: (
                "`invalid_credentials` (wrong identifier or password, alike); "
                "`invitation_expired` (a temporary password older than 7 days)"
            ),
            429: "`too_many_sign_ins`: 5 failed attempts this quarter of an hour lock the identifier",
        },
        signed_in=False,
    ),
    Operation(
        "DELETE",
        "/account/session",
        "logOut",
        "Log out: expires the session cookie",
        answers={
            204: Answer("The cookie is expired", headers={"Set-Cookie": None}),
        },
        signed_in=False,
    ),
    Operation(
        "POST",
        "/account/session/new-password",
        "answerNewPassword",
        "First sign-in: the new password that replaces the temporary one",
        body=Body(AnswerNewPasswordRequest),
        answers={
            200: Answer("Another step before the session: the challenge to answer (no cookie)", Challenge),
            201: SIGNED_IN,
        },
        refusals={
            400: "Bad input; `invalid_password` with `rules`, a French message per rule broken",
            401: (
                "`challenge_expired`: the handle is unknown, expired, for another "
                "challenge or already answered (sign in again); `not_authenticated`: "
                "the member was deactivated meanwhile"
            ),
            429: "`too_many_requests`: Cognito limits the attempts",
        },
        signed_in=False,
    ),
    Operation(
        "POST",
        "/account/session/totp",
        "answerTotp",
        "The code of the authenticator app, for a user with TOTP",
        body=Body(AnswerTotpRequest),
        answers={
            200: Answer("Another step before the session: the challenge to answer (no cookie)", Challenge),
            201: SIGNED_IN,
        },
        refusals=CODE_REFUSALS,
        signed_in=False,
    ),
    Operation(
        "POST",
        "/account/session/totp/setup",
        "finishTotpSetup",
        "Finance's first sign-in: the first code of the newly enrolled authenticator app",
        body=Body(FinishTotpSetupRequest),
        answers={
            201: SIGNED_IN,
        },
        refusals=CODE_REFUSALS,
        signed_in=False,
    ),
    Operation(
        "DELETE",
        "/account/sessions",
        "logOutEverywhere",
        "Sign out of every device: every session issued until now is refused",
        answers={
            204: Answer("Signed out everywhere; the cookie is expired", headers={"Set-Cookie": None}),
        },
        refusals=refused(401),
    ),
    Operation(
        "GET",
        "/account/password/policy",
        "passwordPolicy",
        "The password policy, to show before the password is typed",
        answers={
            200: Answer("The minimum length and each rule", PasswordPolicyAnswer),
        },
        signed_in=False,
    ),
    Operation(
        "POST",
        "/account/password/forgot",
        "forgotPassword",
        "Forgotten password: Cognito e-mails a code if the identifier exists",
        body=Body(
            ForgotPasswordRequest,
            description=(
                "the same answer whether the identifier exists or not; 5 requests a "
                "quarter of an hour per identifier"
            ),
        ),
        answers={
            202: Answer("A code is on its way if the identifier exists", ForgotPasswordAnswer),
        },
        refusals={
            **refused(400),
            429: (
                "`too_many_sign_ins`: 5 requests for this identifier this quarter of an"
                " hour already; `too_many_requests`: Cognito limits the requests"
            ),
        },
        signed_in=False,
    ),
    Operation(
        "POST",
        "/account/password/reset",
        "resetPassword",
        "A new password, with the code received by e-mail",
        body=Body(ResetPasswordRequest),
        answers={
            204: Answer("The password is changed"),
        },
        refusals={
            400: (
                "Bad input; `invalid_code` for a wrong, used or expired code and for an"
                " unknown identifier alike; `invalid_password` with `rules`"
            ),
            429: "`too_many_sign_ins`: too many attempts for this identifier this quarter of an hour",
        },
        signed_in=False,
    ),
    Operation(
        "POST",
        "/account/password",
        "changePassword",
        "Change one's password (signed in)",
        body=Body(ChangePasswordRequest),
        answers={
            204: Answer("The password is changed"),
        },
        refusals={
            **refused(401),
            400: (
                "Bad input; `wrong_password` (the current one is not right); `invalid_password` with `rules`"
            ),
            429: "`too_many_requests`: Cognito limits the attempts",
        },
    ),
    Operation(
        "POST",
        "/account/totp",
        "startOwnTotp",
        (
            "An administrator turns on the second factor (TOTP) for themselves: "
            "their password again, then the secret to enrol"
        ),
        body=Body(StartOwnTotpRequest),
        answers={
            200: Answer(
                "The secret to enrol and the handle that `POST /account/totp/verify` answers",
                StartOwnTotpAnswer,
            ),
        },
        refusals={
            400: "Bad input; `wrong_password` when the password is not the user's",
            401: "No session, or not a valid one",
            403: (
                "`forbidden_for_role`: only administrators; `forbidden` for finance "
                "(who always has a second factor)"
            ),
            422: "`totp_already_enabled`: the second factor is already on",
            429: "`too_many_sign_ins`: five attempts a quarter of an hour",
        },
    ),
    Operation(
        "POST",
        "/account/totp/verify",
        "finishOwnTotp",
        (
            "The first code of the newly enrolled authenticator app: from the next "
            "sign-in, Cognito asks for a code"
        ),
        body=Body(FinishOwnTotpRequest),
        answers={
            204: Answer("The second factor is on"),
        },
        refusals={
            400: "Bad input; `invalid_code`",
            401: "No session; `challenge_expired`: the handle is unknown, expired or already used",
            403: "`forbidden_for_role`: only administrators",
            429: "Cognito limits the attempts",
        },
    ),
    Operation(
        "GET",
        "/account/me",
        "me",
        "The user, their agency and its creditors (or the finance user's)",
        answers={
            200: Answer("Who is signed in", Me),
        },
        refusals=refused(401),
    ),
    Operation(
        "GET",
        "/account/team",
        "team",
        "Administrators: the agency's members, and the roles one can give",
        answers={
            200: Answer("The team, sorted by last name", TeamAnswer),
        },
        refusals={**refused(401), 403: FOR_ROLE},
    ),
    Operation(
        "POST",
        "/account/team/invitations",
        "inviteMember",
        "Administrators: invite a person (Cognito e-mails a temporary password valid 7 days)",
        body=Body(
            InviteMemberRequest,
            description="400 `invalid_fields` carries a French message per field in `fields`",
            per_field=True,
        ),
        answers={
            201: Answer("The member, invited", InviteMemberAnswer),
        },
        refusals={
            **refused(400, 401),
            403: FOR_ROLE,
            409: "`already_registered`: this e-mail already has an account",
        },
    ),
    Operation(
        "POST",
        "/account/team/{user_id}/invitation",
        "resendInvitation",
        "Administrators: re-send the invitation (a new temporary password) to a member who never signed in",
        answers={
            202: Answer("The invitation is on its way again", ResendInvitationAnswer),
        },
        refusals={
            **refused(401, 404),
            400: "The member already chose a password, or is deactivated: nothing to re-send",
            403: FOR_ROLE,
        },
    ),
    Operation(
        "PATCH",
        "/account/team/{user_id}",
        "changeMember",
        "Administrators: change a member's role, deactivate or reactivate them",
        body=Body(
            ChangeMemberRequest,
            description=(
                "a role, an activity or both; 400 `invalid_fields` carries a French message per field"
            ),
            per_field=True,
            at_least_one_of=(
                "role",
                "active",
            ),
        ),
        answers={
            200: Answer("The member as changed", ChangeMemberAnswer),
        },
        refusals={
            **refused(400, 401, 404),
            403: FOR_ROLE,
            409: "`concurrent_change`: the member was changed meanwhile",
            422: "`last_admin`: the agency must keep an active administrator",
        },
    ),
    Operation(
        "GET",
        "/account/activity",
        "activity",
        "Administrators: the agency's activity journal, newest first, a page at a time",
        query=(
            Param(
                "user",
                "one person's actions (a member's `user_id`)",
                Annotated[str, Field(pattern="^[A-Za-z0-9_.:-]{1,64}$")],
            ),
            Param("from", "first day (default: 90 days before `to`)", Day),
            Param("to", "last day (default: today); a year at most from `from`", Day),
            Param("cursor", "the `next_cursor` of the previous page, with the same filters", str),
        ),
        answers={
            200: Answer("A page of the journal", ActivityAnswer),
        },
        refusals={**refused(400, 401), 403: FOR_ROLE},
    ),
    Operation(
        "GET",
        "/account/creditors/{creditor}/profile",
        "profile",
        "Main contact, billing details, bank details (IBAN masked), pending bank change",
        answers={
            200: Answer("The account's details", Profile),
        },
        refusals=refused(401, 403, 404),
    ),
    Operation(
        "POST",
        "/account/creditors/{creditor}/profile/changes",
        "sendProfileChanges",
        "« Envoyer modification »: contact and billing apply at once, bank details wait for finance",
        body=Body(
            SendProfileChangesRequest,
            description="400 `invalid_fields` carries a French message per field in `fields`",
            per_field=True,
        ),
        answers={
            201: Answer("The updated profile and the changes recorded", SendProfileChangesAnswer),
        },
        refusals={**refused(400, 401, 404, 409), 403: FOR_ROLE},
    ),
    Operation(
        "GET",
        "/account/creditors/{creditor}/profile/changes",
        "profileHistory",
        "The history of changes",
        answers={
            200: Answer("Newest first", ProfileHistoryAnswer),
        },
        refusals=refused(401, 403, 404),
    ),
    Operation(
        "GET",
        "/account/creditors/{creditor}/contacts",
        "contacts",
        "The creditor's after-sales and collections services",
        answers={
            200: Answer("The two services", ContactsAnswer),
        },
        refusals=refused(401, 403, 404),
    ),
    Operation(
        "POST",
        "/account/creditors/{creditor}/messages",
        "writeToService",
        "Write to a service (the user gets a copy; 5 messages an hour)",
        body=Body(WriteToServiceRequest, per_field=True),
        answers={
            202: Answer("The messages will be sent", WriteToServiceAnswer),
        },
        refusals={**refused(400, 401, 404), 403: FOR_ROLE, 429: "Too many requests in a short time"},
    ),
    Operation(
        "POST",
        "/account/finance/invitations",
        "inviteFirstAdministrator",
        "Finance: invite the first administrator of an agency that has an account at one of its creditors",
        body=Body(
            InviteFirstAdministratorRequest,
            description="400 `invalid_fields` carries a French message per field in `fields`",
            per_field=True,
        ),
        answers={
            201: Answer("The agency's first administrator, invited", InviteFirstAdministratorAnswer),
        },
        refusals={
            **refused(400, 401, 403),
            404: "No account of this agency at this creditor, or a creditor the finance user does not handle",
            409: (
                "`already_registered`: the e-mail has an account; "
                "`agency_has_administrator`: an administrator of the agency has already"
                " signed in (they invite, not finance)"
            ),
        },
    ),
    Operation(
        "GET",
        "/account/finance/changes",
        "financeChanges",
        "Finance: bank-detail changes",
        query=(
            Param("creditor", "one creditor (all handled by default)", Annotated[str, Field(enum=Creditor)]),
            Param("status", "one status", Annotated[str, Field(enum=ChangeStatus)]),
        ),
        answers={
            200: Answer("Newest first", FinanceChangesAnswer),
        },
        refusals=refused(400, 401, 403, 404),
    ),
    Operation(
        "GET",
        "/account/finance/changes/{change_id}",
        "financeChange",
        "Finance: one change, with the full requested IBAN while it is pending",
        answers={
            200: Answer("The change", FinanceChangeAnswer),
        },
        refusals=refused(401, 403, 404),
    ),
    Operation(
        "POST",
        "/account/finance/changes/{change_id}/decision",
        "decideChange",
        "Finance: approve or reject a bank-detail change (the agency is e-mailed)",
        body=Body(DecideChangeRequest),
        answers={
            201: Answer("The change, decided", Change),
        },
        refusals=refused(400, 401, 403, 404, 409, 422),
    ),
)

CONTRACT = Contract(
    area="account",
    title="Mes Factures — account service",
    description=(
        "Sessions (sign-in and its challenges: first password, TOTP), "
        "passwords, the signed-in user; the team, its roles and the activity "
        "journal (administrators); Informations compte (details, changes, "
        "history); Nous contacter; finance's onboarding of an agency and its "
        "validation of bank-detail changes."
    )
    + "\n\n"
    + COMMON_DESCRIPTION
    + (
        " (or by the step that answers its last challenge). A route a role may "
        "not use answers 403 `forbidden_for_role`."
    ),
    operations=OPERATIONS,
    components=(Me, Profile, Change, SignedIn, Challenge, Member, Activity),
    path_params=PATH_PARAMS,
    conditions={Challenge: RequiredWhen("challenge", "totp_setup", ("secret", "otpauth_uri"))},
)
