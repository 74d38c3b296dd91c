"""Signing in with an identifier and a password, through the Cognito user pool."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from botocore.exceptions import ClientError

from mesfactures.domain.errors import InvalidCredentials, InvalidInput

if TYPE_CHECKING:
    from mypy_boto3_cognito_idp import CognitoIdentityProviderClient

_REFUSALS = {
    "NotAuthorizedException",
    "UserNotFoundException",
    "PasswordResetRequiredException",
    "UserNotConfirmedException",
}


class CognitoIdentity:
    def __init__(self, client: Callable[[], CognitoIdentityProviderClient], client_id: str) -> None:
        self._client = client
        self._client_id = client_id

    def sign_in(self, username: str, password: str) -> str:
        """The ID token of a user whose password is right; any refusal looks the same to the caller."""
        if not username or not password or len(username) > 128 or len(password) > 256:
            raise InvalidInput("Saisissez votre identifiant et votre mot de passe.")
        try:
            answer = self._client().initiate_auth(
                ClientId=self._client_id,
                AuthFlow="USER_PASSWORD_AUTH",
                AuthParameters={"USERNAME": username, "PASSWORD": password},
            )
        except ClientError as error:
            if error.response.get("Error", {}).get("Code") in _REFUSALS:
                raise InvalidCredentials() from None
            raise
        result = answer.get("AuthenticationResult")
        if not result or "IdToken" not in result:
            raise InvalidCredentials()  # a challenge (new password, MFA) the portal does not offer yet
        return result["IdToken"]
