"""The Cognito user pool behind one adapter: sign-in and its challenges, passwords, TOTP, and the
administrators' operations on the team. Cognito makes and checks every credential; nothing of one is kept.

Every refusal is turned into a domain error here: `ClientError` never leaves this module.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import TYPE_CHECKING, Any

from botocore.exceptions import ClientError

from mesfactures.auth.tokens import FINANCE_GROUP
from mesfactures.domain.creditors import Creditor
from mesfactures.domain.errors import (
    AlreadyRegistered,
    ChallengeExpired,
    InvalidCode,
    InvalidCredentials,
    InvalidFields,
    InvalidInput,
    InvalidPassword,
    InvitationExpired,
    NotFound,
    TooManyRequests,
)
from mesfactures.domain.principal import Role
from mesfactures.domain.signing_in import Challenge, SignInOutcome, Tokens

if TYPE_CHECKING:
    from mypy_boto3_cognito_idp import CognitoIdentityProviderClient

_REFUSALS = {
    "NotAuthorizedException",
    "UserNotFoundException",
    "PasswordResetRequiredException",
    "UserNotConfirmedException",
}
_EXPIRED_INVITATION = "Temporary password has expired"
_CODE_REFUSALS = {"CodeMismatchException", "ExpiredCodeException", "UserNotFoundException"}
_SESSION_REFUSALS = {"NotAuthorizedException", "ResourceNotFoundException", "ExpiredCodeException"}
_LIMITS = {"LimitExceededException", "TooManyRequestsException", "TooManyFailedAttemptsException"}
WRONG_TOTP = "Ce code est incorrect : saisissez celui que votre application affiche maintenant."
MAX_USERNAME = 128
MAX_PASSWORD = 256


def _code(error: ClientError) -> str:
    return str(error.response.get("Error", {}).get("Code", ""))


def _message(error: ClientError) -> str:
    return str(error.response.get("Error", {}).get("Message", ""))


class CognitoIdentity:
    def __init__(
        self, client: Callable[[], CognitoIdentityProviderClient], client_id: str, user_pool_id: str = ""
    ) -> None:
        self._client = client
        self._client_id = client_id
        self._pool_id = user_pool_id

    # Signing in

    def sign_in(self, username: str, password: str) -> SignInOutcome:
        """Tokens or a challenge for a user whose password is right; any refusal looks the same, except an
        invitation that expired (the person must be told whom to ask)."""
        if not username or not password or len(username) > MAX_USERNAME or len(password) > MAX_PASSWORD:
            raise InvalidInput("Saisissez votre identifiant et votre mot de passe.")
        try:
            answer = self._client().initiate_auth(
                ClientId=self._client_id,
                AuthFlow="USER_PASSWORD_AUTH",
                AuthParameters={"USERNAME": username, "PASSWORD": password},
            )
        except ClientError as error:
            if _code(error) == "NotAuthorizedException" and _EXPIRED_INVITATION in _message(error):
                raise InvitationExpired() from None
            if _code(error) in _REFUSALS:
                raise InvalidCredentials() from None
            self._raise_limits(error)
            raise
        return _outcome(answer)

    def complete_new_password(self, username: str, cognito_session: str, new_password: str) -> SignInOutcome:
        answer = self._respond(
            "NEW_PASSWORD_REQUIRED", cognito_session, {"USERNAME": username, "NEW_PASSWORD": new_password}
        )
        return _outcome(answer)

    def complete_totp(self, username: str, cognito_session: str, code: str) -> SignInOutcome:
        try:
            answer = self._respond(
                "SOFTWARE_TOKEN_MFA", cognito_session, {"USERNAME": username, "SOFTWARE_TOKEN_MFA_CODE": code}
            )
        except InvalidCode:
            raise InvalidCode(WRONG_TOTP) from None
        return _outcome(answer)

    def _respond(self, challenge: str, cognito_session: str, responses: dict[str, str]) -> Mapping[str, Any]:
        try:
            return self._client().respond_to_auth_challenge(
                ClientId=self._client_id,
                ChallengeName=challenge,  # type: ignore[arg-type]
                Session=cognito_session,
                ChallengeResponses=responses,
            )
        except ClientError as error:
            self._raise_password_or_code(error)
            if _code(error) in _SESSION_REFUSALS:
                raise ChallengeExpired() from None
            raise

    # TOTP (a second factor: required of finance, offered to agency administrators)

    def start_totp_setup(self, access_token: str) -> str:
        """The secret the person's authenticator app will share with Cognito."""
        try:
            return str(self._client().associate_software_token(AccessToken=access_token)["SecretCode"])
        except ClientError as error:
            if _code(error) in _SESSION_REFUSALS:
                raise ChallengeExpired() from None
            raise

    def finish_totp_setup(self, access_token: str, code: str) -> None:
        client = self._client()
        try:
            answer = client.verify_software_token(
                AccessToken=access_token, UserCode=code, FriendlyDeviceName="Mes Factures"
            )
        except ClientError as error:
            self._raise_password_or_code(error)
            if _code(error) in {"EnableSoftwareTokenMFAException", *_CODE_REFUSALS}:
                raise InvalidCode(WRONG_TOTP) from None
            if _code(error) in _SESSION_REFUSALS:
                raise ChallengeExpired() from None
            raise
        if answer.get("Status") != "SUCCESS":
            raise InvalidCode()
        client.set_user_mfa_preference(
            AccessToken=access_token, SoftwareTokenMfaSettings={"Enabled": True, "PreferredMfa": True}
        )

    # Passwords

    def request_password_reset(self, username: str) -> None:
        """Cognito e-mails a code; nothing here says whether the identifier exists."""
        try:
            self._client().forgot_password(ClientId=self._client_id, Username=username)
        except ClientError as error:
            if _code(error) in _LIMITS:
                raise TooManyRequests() from None
            if _code(error) in {*_REFUSALS, "InvalidParameterException", "CodeDeliveryFailureException"}:
                return
            raise

    def reset_password(self, username: str, code: str, new_password: str) -> None:
        try:
            self._client().confirm_forgot_password(
                ClientId=self._client_id, Username=username, ConfirmationCode=code, Password=new_password
            )
        except ClientError as error:
            self._raise_password_or_code(error)
            if _code(error) in {*_REFUSALS, "ResourceNotFoundException"}:
                raise InvalidCode() from None
            raise

    def password_is_right(self, username: str, password: str) -> bool:
        try:
            self._client().initiate_auth(
                ClientId=self._client_id,
                AuthFlow="USER_PASSWORD_AUTH",
                AuthParameters={"USERNAME": username, "PASSWORD": password},
            )
        except ClientError as error:
            if _code(error) in _REFUSALS:
                return False
            self._raise_limits(error)
            raise
        return True  # tokens or a second-factor challenge: the password itself was right

    def set_password(self, username: str, new_password: str) -> None:
        try:
            self._client().admin_set_user_password(
                UserPoolId=self._pool_id, Username=username, Password=new_password, Permanent=True
            )
        except ClientError as error:
            self._raise_password_or_code(error)
            raise

    def sign_out_everywhere(self, username: str) -> None:
        """Revokes every refresh token of the user (ID tokens are refused by the portal itself)."""
        self._client().admin_user_global_sign_out(UserPoolId=self._pool_id, Username=username)

    # The team

    def invite(
        self,
        email: str,
        first_name: str,
        last_name: str,
        agency_id: str,
        role: Role,
        context: Mapping[str, str],
    ) -> str:
        """Creates an agency user; Cognito makes a temporary password (7 days) and e-mails the invitation
        through the portal's message trigger, which reads `context` (agency name, who invites)."""
        extra = {"custom:agency_id": agency_id, "custom:role": role.value}
        return self._create(email, first_name, last_name, extra, context)

    def invite_finance(
        self, email: str, first_name: str, last_name: str, creditors: Sequence[Creditor]
    ) -> str:
        """Creates a member of the creditors' finance team, invited like everyone, in the finance group.
        The operator's command calls it (python -m mesfactures.admin); no function of the portal does."""
        extra = {"custom:creditors": ",".join(creditor.value for creditor in creditors)}
        user_id = self._create(email, first_name, last_name, extra, {})
        self._client().admin_add_user_to_group(
            UserPoolId=self._pool_id, Username=email, GroupName=FINANCE_GROUP
        )
        return user_id

    def _create(
        self,
        email: str,
        first_name: str,
        last_name: str,
        extra: Mapping[str, str],
        context: Mapping[str, str],
    ) -> str:
        """The user, with a verified e-mail and their names; returns their id (the token's `sub`)."""
        attributes = {
            "email": email,
            "email_verified": "true",
            "given_name": first_name,
            "family_name": last_name,
            **extra,
        }
        try:
            answer = self._client().admin_create_user(
                UserPoolId=self._pool_id,
                Username=email,
                UserAttributes=[{"Name": name, "Value": value} for name, value in attributes.items()],
                DesiredDeliveryMediums=["EMAIL"],
                ClientMetadata=dict(context),
            )
        except ClientError as error:
            if _code(error) in {"UsernameExistsException", "AliasExistsException"}:
                raise AlreadyRegistered() from None
            if _code(error) == "InvalidParameterException":
                raise InvalidFields({"email": "Cette adresse e-mail n'est pas acceptée."}) from None
            raise
        created = {a["Name"]: a["Value"] for a in answer["User"].get("Attributes", [])}
        return created.get("sub") or str(answer["User"]["Username"])

    def resend_invitation(self, email: str, context: Mapping[str, str]) -> None:
        try:
            self._client().admin_create_user(
                UserPoolId=self._pool_id,
                Username=email,
                MessageAction="RESEND",
                DesiredDeliveryMediums=["EMAIL"],
                ClientMetadata=dict(context),
            )
        except ClientError as error:
            if _code(error) == "UserNotFoundException":
                raise NotFound("Utilisateur inconnu.") from None
            raise

    def set_role(self, email: str, role: Role) -> None:
        self._client().admin_update_user_attributes(
            UserPoolId=self._pool_id,
            Username=email,
            UserAttributes=[{"Name": "custom:role", "Value": role.value}],
        )

    def set_enabled(self, email: str, enabled: bool) -> None:
        client = self._client()
        if enabled:
            client.admin_enable_user(UserPoolId=self._pool_id, Username=email)
        else:
            client.admin_disable_user(UserPoolId=self._pool_id, Username=email)
            client.admin_user_global_sign_out(UserPoolId=self._pool_id, Username=email)

    @staticmethod
    def _raise_password_or_code(error: ClientError) -> None:
        if _code(error) == "InvalidPasswordException":
            # Cognito's own wording is English; the portal's rules were checked first, so this is rare.
            raise InvalidPassword(["Ce mot de passe n'est pas accepté : choisissez-en un autre."]) from None
        if _code(error) in {"CodeMismatchException", "ExpiredCodeException"}:
            raise InvalidCode() from None
        CognitoIdentity._raise_limits(error)

    @staticmethod
    def _raise_limits(error: ClientError) -> None:
        if _code(error) in _LIMITS:
            raise TooManyRequests() from None


def _outcome(answer: Mapping[str, Any]) -> SignInOutcome:
    result = answer.get("AuthenticationResult")
    if result and "IdToken" in result:
        return Tokens(id_token=result["IdToken"], access_token=result.get("AccessToken", ""))
    names = {"NEW_PASSWORD_REQUIRED": "new_password", "SOFTWARE_TOKEN_MFA": "totp"}
    name = names.get(str(answer.get("ChallengeName")))
    if name is None or not answer.get("Session"):
        raise InvalidCredentials()  # a challenge the portal does not offer (SMS, custom)
    return Challenge(name=name, cognito_session=str(answer["Session"]))
