"""The local Cognito: a proxy in front of moto's Cognito that does what moto leaves out, as Cognito does it.

The services reach Cognito's API here (AWS_ENDPOINT_URL_COGNITO_IDENTITY_PROVIDER); every call goes on to
moto, and these are changed on the way:
- AdminCreateUser without a TemporaryPassword gets one that meets the pool's policy, and the invitation is
  e-mailed (through moto's SES, so it shows at /_dev/mail) in the words of the portal's CustomMessage
  trigger (mesfactures.notifications.cognito_messages), when EMAIL is among its DesiredDeliveryMediums.
  MessageAction RESEND makes a new temporary password and sends the invitation again (moto would create a
  second user with the same e-mail).
- A temporary password expires 7 days after it was issued (moto's never do).
- ForgotPassword e-mails a 6-digit code (moto only returns it in a response header, removed here);
  ConfirmForgotPassword takes the last code issued to the user, once, within the hour, and a new password
  that meets the pool's policy (moto takes any code and any password).
- With the client's PreventUserExistenceErrors, an unknown user is refused as a wrong password is.
- The users created here survive a restart. moto keeps nothing, so this emulator keeps its own storage, as
  Cognito keeps its: <data_dir>/cognito-users.json holds each user's attributes, groups, state, password
  (in clear: the local emulator needs it to create the user again in moto) and TOTP setting. At start they
  are created again with the same `sub`: moto draws a new user's id from its random generator, which can be
  seeded (/moto-api/seed), so each user is created right after a seed of its own, kept with it.
TOTP codes are checked by moto itself, against the one secret it gives every user (devstack/totp.py).
"""

from __future__ import annotations

import base64
import hmac
import html
import http.client
import json
import os
import random
import secrets
import string
import threading
import time
import uuid
from collections.abc import Callable, Mapping
from dataclasses import asdict, dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

from devstack import totp
from devstack.config import REGION
from devstack.mailbox import Postmarks
from mesfactures.notifications.cognito_messages import (
    CODE_PLACEHOLDER,
    INVITATION,
    RESET_CODE,
    USERNAME_PLACEHOLDER,
    cognito_mail,
    custom_message,
)
from mesfactures.observability import logger

_log = logger("devstack.cognito")

TARGET = "AWSCognitoIdentityProviderService."
JSON_TYPE = "application/x-amz-json-1.1"
STATE_FILE = "cognito-users.json"
INVITATION_VALIDITY_SECONDS = 7 * 86_400  # the pool's TemporaryPasswordValidityDays
RESET_CODE_VALIDITY_SECONDS = 3_600
MOTO_CODE_HEADER = "x-moto-forgot-password-confirmation-code"
MOTO_CODE_PREFIX = "moto-confirmation-code:"
# Symbols of generated passwords: among those Cognito counts, none that needs quoting in HTML or a shell.
_GENERATED_SYMBOLS = "!#%*+-=?@_"
_PASSWORD_LETTERS = "".join(c for c in string.ascii_letters + string.digits if c not in "0O1lI")
_POLICY_SYMBOLS = frozenset("^$*.[]{}()?\"!@#%&/\\,><':;|_~`=+- ")
# moto takes the region from the credentials' scope and checks no signature: enough for the calls made here.
_INTERNAL_AUTHORIZATION = (
    f"AWS4-HMAC-SHA256 Credential=local/20260101/{REGION}/cognito-idp/aws4_request, "
    "SignedHeaders=host, Signature=0"
)
_HOP_HEADERS = frozenset({"content-length", "transfer-encoding", "connection", "host", "server", "date"})
_CREATION_ATTEMPTS = 5


class CognitoRefusal(Exception):
    """An error answered in Cognito's shape: the SDK raises it as a ClientError with this code."""

    def __init__(self, code: str, message: str, status: int = 400) -> None:
        super().__init__(f"{code}: {message}")
        self.code, self.message, self.status = code, message, status

    def answer(self) -> Answer:
        payload = json.dumps({"__type": self.code, "message": self.message}).encode()
        return Answer(self.status, [("Content-Type", JSON_TYPE), ("x-amzn-ErrorType", self.code)], payload)


@dataclass(frozen=True)
class Answer:
    status: int
    headers: list[tuple[str, str]]
    payload: bytes

    def json(self) -> dict[str, Any]:
        value = json.loads(self.payload or b"{}")
        return value if isinstance(value, dict) else {}

    @property
    def error_code(self) -> str:
        return str(self.json().get("__type", "")) if self.status >= 400 else ""

    def header(self, name: str) -> str | None:
        return next((value for key, value in self.headers if key.lower() == name), None)

    def without_header(self, name: str) -> Answer:
        return Answer(self.status, [(k, v) for k, v in self.headers if k.lower() != name], self.payload)


def temporary_password(length: int = 14) -> str:
    """A temporary password as Cognito makes one: meets the pool's policy (10 characters or more, upper and
    lower case, a digit, a symbol), with no characters easily confused when read from a mail."""
    required = [
        secrets.choice(string.ascii_uppercase.replace("O", "").replace("I", "")),
        secrets.choice(string.ascii_lowercase.replace("l", "")),
        secrets.choice("23456789"),
        secrets.choice(_GENERATED_SYMBOLS),
    ]
    alphabet = _PASSWORD_LETTERS + _GENERATED_SYMBOLS
    characters = required + [secrets.choice(alphabet) for _ in range(length - len(required))]
    secrets.SystemRandom().shuffle(characters)
    return "".join(characters)


def predicted_sub(seed: int) -> str:
    """The id moto gives the first user it creates after being seeded with `seed` (its generator is Python's
    Mersenne Twister; a user's id is its first draw, a version-4 UUID)."""
    draw = random.Random(seed).getrandbits(128)  # noqa: S311 (moto's ids, predicted; no secret here)
    return str(uuid.UUID(int=draw, version=4))


@dataclass
class UserRecord:
    """What the local Cognito knows of a user besides moto: the password and when it was issued (to expire a
    temporary one) and, for a user created here, what creating it again at the next start needs."""

    pool_id: str
    sub: str
    email: str
    password: str
    temporary: bool
    password_issued_at: float
    seed: int | None = None  # moto's seed the sub came from; None: a user not kept across restarts
    attributes: dict[str, str] = field(default_factory=dict)
    groups: list[str] = field(default_factory=list)
    enabled: bool = True
    totp_verified: bool = False
    totp_enabled: bool = False
    totp_preferred: bool = False

    @property
    def kept(self) -> bool:
        return self.seed is not None

    def set_password(self, password: str, *, temporary: bool, at: float) -> None:
        self.password, self.temporary, self.password_issued_at = password, temporary, at

    def invitation_expired(self, now: float) -> bool:
        return self.temporary and now - self.password_issued_at > INVITATION_VALIDITY_SECONDS


@dataclass
class ResetCode:
    code: str
    moto_code: str  # what moto checks ("moto-confirmation-code:NNNNNN")
    issued_at: float
    used: bool = False


@dataclass(frozen=True)
class _Client:
    pool_id: str
    hides_users: bool  # PreventUserExistenceErrors: an unknown user is answered as a wrong password


class _Users:
    """The records, by pool and sub; those of users created here are written to the state file at once."""

    def __init__(self, path: Path) -> None:
        self._path = path
        self._lock = threading.RLock()
        self._records: dict[tuple[str, str], UserRecord] = {}
        if path.exists():
            try:
                for entry in json.loads(path.read_text(encoding="utf-8"))["users"]:
                    record = UserRecord(**entry)
                    self._records[(record.pool_id, record.sub)] = record
            except (ValueError, KeyError, TypeError) as error:
                raise RuntimeError(f"{path} is not a state file of the local Cognito: {error}") from error

    def find(self, pool_id: str, username: str) -> UserRecord | None:
        with self._lock:
            record = self._records.get((pool_id, username))
            if record is not None:
                return record
            return next(
                (r for r in self._records.values() if r.pool_id == pool_id and r.email == username), None
            )

    def put(self, record: UserRecord) -> None:
        with self._lock:
            self._records[(record.pool_id, record.sub)] = record
            self._save()

    def change(self, pool_id: str, username: str, change: Callable[[UserRecord], None]) -> bool:
        with self._lock:
            record = self.find(pool_id, username)
            if record is None:
                return False
            change(record)
            if record.kept:
                self._save()
            return True

    def forget(self, pool_id: str, username: str) -> UserRecord | None:
        with self._lock:
            record = self.find(pool_id, username)
            if record is not None:
                del self._records[(record.pool_id, record.sub)]
                self._save()
            return record

    def kept(self) -> list[UserRecord]:
        with self._lock:
            return [record for record in self._records.values() if record.kept]

    def replace(self, old: UserRecord, new: UserRecord) -> None:
        with self._lock:
            self._records.pop((old.pool_id, old.sub), None)
            self._records[(new.pool_id, new.sub)] = new
            self._save()

    def _save(self) -> None:
        users = [asdict(record) for record in self._records.values() if record.kept]
        self._path.parent.mkdir(parents=True, exist_ok=True)
        scratch = self._path.with_suffix(".tmp")
        with os.fdopen(os.open(scratch, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600), "w") as out:
            json.dump({"version": 1, "users": users}, out, ensure_ascii=False, indent=1)
        os.replace(scratch, self._path)


class _Moto:
    """moto's server, called over HTTP: the clients' requests passed on, and the proxy's own calls."""

    def __init__(self, port: int) -> None:
        self.port = port

    def send(self, method: str, path: str, headers: Mapping[str, str], body: bytes) -> Answer:
        connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=30)
        try:
            kept = {name: value for name, value in headers.items() if name.lower() not in _HOP_HEADERS}
            connection.request(method, path, body=body, headers=kept)
            response = connection.getresponse()
            return Answer(response.status, response.getheaders(), response.read())
        finally:
            connection.close()

    def call(self, operation: str, payload: Mapping[str, Any]) -> dict[str, Any]:
        headers = {
            "Content-Type": JSON_TYPE,
            "X-Amz-Target": TARGET + operation,
            "Authorization": _INTERNAL_AUTHORIZATION,
        }
        answer = self.send("POST", "/", headers, json.dumps(payload).encode())
        if answer.status != 200:
            error = answer.json()
            raise CognitoRefusal(
                str(error.get("__type", "InternalErrorException")), str(error.get("message"))
            )
        return answer.json()

    def seed(self, value: int) -> None:
        answer = self.send("POST", f"/moto-api/seed?a={value}", {}, b"")
        if answer.status != 200:
            raise RuntimeError(f"moto refused the seed: {answer.status}")


class LocalCognito(ThreadingHTTPServer):
    daemon_threads = True
    request_queue_size = 128  # the default (5) resets connections when many users arrive at once

    def __init__(
        self,
        port: int,
        moto_port: int,
        data_dir: Path,
        *,
        site_url: str,
        mail_sender: str,
        postmarks: Postmarks | None = None,
    ) -> None:
        super().__init__(("127.0.0.1", port), _Handler)
        self.moto = _Moto(moto_port)
        self.postmarks = postmarks or Postmarks()
        self.pool_id = ""  # the portal's pool: its users are kept across restarts (not a test's other pools)
        self._users = _Users(data_dir / STATE_FILE)
        self._site_url = site_url
        self._sender = mail_sender
        self._moto_url = f"http://127.0.0.1:{moto_port}"
        self._codes: dict[tuple[str, str], ResetCode] = {}
        self._codes_lock = threading.Lock()
        self._creating = threading.Lock()
        self._clients: dict[str, _Client] = {}
        self._policies: dict[str, dict[str, Any]] = {}
        self._ses: Any = None
        self._handlers: dict[str, Callable[[dict[str, Any], str, Mapping[str, str]], Answer]] = {
            "AdminCreateUser": self._admin_create_user,
            "InitiateAuth": self._initiate_auth,
            "AdminInitiateAuth": self._initiate_auth,
            "ForgotPassword": self._forgot_password,
            "ConfirmForgotPassword": self._confirm_forgot_password,
        }
        self._watchers: dict[str, Callable[[dict[str, Any], dict[str, Any]], None]] = {
            "RespondToAuthChallenge": self._new_password_chosen,
            "AdminRespondToAuthChallenge": self._new_password_chosen,
            "AdminSetUserPassword": self._password_set,
            "ChangePassword": self._password_changed,
            "AdminUpdateUserAttributes": self._attributes_updated,
            "UpdateUserAttributes": self._attributes_updated,
            "AdminDeleteUserAttributes": self._attributes_deleted,
            "DeleteUserAttributes": self._attributes_deleted,
            "AdminDisableUser": self._user_disabled,
            "AdminEnableUser": self._user_enabled,
            "AdminAddUserToGroup": self._group_added,
            "AdminRemoveUserFromGroup": self._group_removed,
            "VerifySoftwareToken": self._totp_verified,
            "SetUserMFAPreference": self._mfa_preference_set,
            "AdminSetUserMFAPreference": self._mfa_preference_set,
            "AdminDeleteUser": self._user_deleted,
        }

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server_address[1]}"

    def start(self) -> LocalCognito:
        threading.Thread(target=self.serve_forever, name="local-cognito", daemon=True).start()
        return self

    # At start, and for tests

    def restore(self, pool_id: str, client_id: str) -> int:
        """Creates again, in the pool just provisioned, the users created here before the last stop; returns
        how many. Then moto gets a fresh seed: the ids it makes from now on differ from one start to the
        next (the demo users' are seeded alike at every start, and tokens' ids must not repeat)."""
        self.pool_id = pool_id
        restored = 0
        for record in self._users.kept():
            if record.pool_id != pool_id:
                continue
            try:
                self._recreate(record, client_id)
            except CognitoRefusal:
                _log.exception(
                    "a user of the local Cognito could not be created again", extra={"sub": record.sub}
                )
                continue
            restored += 1
        self.moto.seed(secrets.randbits(63))
        return restored

    def age_invitation(self, email: str, days: float = 8) -> None:
        """Tests: the temporary password of `email` was issued `days` earlier than it was."""
        if not self._users.change(self.pool_id, email, lambda r: _age(r, days * 86_400)):
            raise KeyError(f"no temporary password issued to {email} through the local Cognito")

    def age_reset_code(self, email: str, minutes: float = 61) -> None:
        """Tests: the last reset code of `email` was issued `minutes` earlier than it was."""
        user = self._moto_user(self.pool_id, email)
        sub = _attributes(user.get("UserAttributes", []))["sub"] if user else ""
        with self._codes_lock:
            issued = self._codes.get((self.pool_id, sub))
            if issued is None:
                raise KeyError(f"no reset code issued to {email}")
            issued.issued_at -= minutes * 60

    # The requests

    def handle(self, method: str, path: str, headers: Mapping[str, str], body: bytes) -> Answer:
        target = next((value for name, value in headers.items() if name.lower() == "x-amz-target"), "")
        operation = target.removeprefix(TARGET)
        special, watcher = self._handlers.get(operation), self._watchers.get(operation)
        if method != "POST" or (special is None and watcher is None):
            return self.moto.send(method, path, headers, body)
        try:
            request = json.loads(body or b"{}")
        except ValueError:
            return self.moto.send(method, path, headers, body)  # moto answers the malformed request
        if not isinstance(request, dict):
            return self.moto.send(method, path, headers, body)
        try:
            if special is not None:
                return special(request, path, headers)
            answer = self.moto.send(method, path, headers, body)
            if answer.status == 200 and watcher is not None:
                watcher(request, answer.json())
            return answer
        except CognitoRefusal as refusal:
            return refusal.answer()

    def _admin_create_user(self, request: dict[str, Any], path: str, headers: Mapping[str, str]) -> Answer:
        if request.get("MessageAction") == "RESEND":
            return self._resend_invitation(request)
        password = request.get("TemporaryPassword") or temporary_password()
        request = {**request, "TemporaryPassword": password}
        pool_id = str(request.get("UserPoolId", ""))
        with self._creating:
            answer, seed = self._create(request, path, headers, seeded=pool_id == self.pool_id)
        if answer.status != 200:
            return answer
        user = answer.json()["User"]
        attributes = _attributes(user.get("Attributes", []))
        record = UserRecord(
            pool_id=pool_id,
            sub=attributes["sub"],
            email=attributes.get("email", str(request.get("Username"))),
            password=password,
            temporary=True,
            password_issued_at=time.time(),
            seed=seed,
            attributes=attributes,
        )
        self._users.put(record)
        if request.get("MessageAction") != "SUPPRESS":
            try:
                self._send_invitation(request, user, password)
            except CognitoRefusal:
                # As in Cognito, no user is left behind by an invitation that could not be made or sent.
                self.moto.call("AdminDeleteUser", {"UserPoolId": pool_id, "Username": record.sub})
                self._users.forget(pool_id, record.sub)
                raise
        return answer

    def _create(
        self, request: dict[str, Any], path: str, headers: Mapping[str, str], *, seeded: bool
    ) -> tuple[Answer, int | None]:
        """AdminCreateUser right after a seed of its own, so that the same seed makes the same sub again at
        the next start. Another client of moto (S3, SES) may draw a random number in between: the sub is then
        not the seed's, and the user is made again."""
        body = json.dumps(request).encode()
        if not seeded:
            return self.moto.send("POST", path, headers, body), None
        for attempt in range(_CREATION_ATTEMPTS):
            seed = secrets.randbits(63)
            self.moto.seed(seed)
            answer = self.moto.send("POST", path, headers, body)
            if answer.status != 200:
                return answer, None
            sub = _attributes(answer.json()["User"].get("Attributes", []))["sub"]
            if sub == predicted_sub(seed):
                return answer, seed
            if attempt == _CREATION_ATTEMPTS - 1:
                _log.warning("this user's sub will change at the next start", extra={"sub": sub})
                return answer, seed
            self.moto.call("AdminDeleteUser", {"UserPoolId": request["UserPoolId"], "Username": sub})
        raise AssertionError("unreachable")

    def _resend_invitation(self, request: dict[str, Any]) -> Answer:
        pool_id, username = str(request.get("UserPoolId", "")), str(request.get("Username", ""))
        user = self.moto.call("AdminGetUser", {"UserPoolId": pool_id, "Username": username})
        if user.get("UserStatus") != "FORCE_CHANGE_PASSWORD":
            raise CognitoRefusal(
                "UnsupportedUserStateException",
                f"Resend not possible. {user.get('Username')} status is not FORCE_CHANGE_PASSWORD.",
            )
        password = request.get("TemporaryPassword") or temporary_password()
        self.moto.call(
            "AdminSetUserPassword",
            {"UserPoolId": pool_id, "Username": username, "Password": password, "Permanent": False},
        )
        shaped = {
            "Username": user["Username"],
            "Attributes": user.get("UserAttributes", []),
            "UserCreateDate": user.get("UserCreateDate"),
            "UserLastModifiedDate": user.get("UserLastModifiedDate"),
            "Enabled": user.get("Enabled", True),
            "UserStatus": "FORCE_CHANGE_PASSWORD",
            "MFAOptions": [],
        }
        self._password_issued(pool_id, shaped, password, temporary=True)
        self._send_invitation(request, shaped, password)
        return _json_answer({"User": shaped})

    def _send_invitation(self, request: dict[str, Any], user: dict[str, Any], password: str) -> None:
        attributes = _attributes(user.get("Attributes", []))
        if "EMAIL" not in (request.get("DesiredDeliveryMediums") or ["SMS"]):
            _log.warning("invitation not e-mailed: Cognito sends it by SMS unless EMAIL is asked for")
            return
        event = _event(
            INVITATION,
            str(request.get("UserPoolId")),
            "CLIENT_ID_NOT_APPLICABLE",
            str(user["Username"]),
            {**attributes, "cognito:user_status": "FORCE_CHANGE_PASSWORD"},
            request.get("ClientMetadata"),
        )
        values = {USERNAME_PLACEHOLDER: str(request.get("Username")), CODE_PLACEHOLDER: password}
        self._deliver(event, attributes.get("email", str(request.get("Username"))), values)

    def _initiate_auth(self, request: dict[str, Any], path: str, headers: Mapping[str, str]) -> Answer:
        client = self._client(str(request.get("ClientId", "")))
        pool_id = str(request.get("UserPoolId") or (client.pool_id if client else ""))
        parameters = request.get("AuthParameters") or {}
        username, password = parameters.get("USERNAME"), parameters.get("PASSWORD")
        if isinstance(username, str) and isinstance(password, str):
            record = self._users.find(pool_id, username)
            if (
                record is not None
                and record.invitation_expired(time.time())
                and hmac.compare_digest(password.encode(), record.password.encode())
            ):
                raise CognitoRefusal(
                    "NotAuthorizedException",
                    "Temporary password has expired and must be reset by an administrator.",
                )
        answer = self.moto.send("POST", path, headers, json.dumps(request).encode())
        if answer.error_code == "UserNotFoundException" and client is not None and client.hides_users:
            raise CognitoRefusal("NotAuthorizedException", "Incorrect username or password.")
        return answer

    def _forgot_password(self, request: dict[str, Any], path: str, headers: Mapping[str, str]) -> Answer:
        client_id = str(request.get("ClientId", ""))
        client = self._client(client_id)
        if client is None:
            return self.moto.send("POST", path, headers, json.dumps(request).encode())
        user = self._moto_user(client.pool_id, str(request.get("Username", "")))
        attributes = _attributes(user.get("UserAttributes", [])) if user else {}
        if user is None:
            if not client.hides_users:
                raise CognitoRefusal("UserNotFoundException", "Username/client id combination not found.")
            # What Cognito answers for an unknown user when it hides which users exist: a code "sent".
            return _json_answer({"CodeDeliveryDetails": _delivery(str(request.get("Username", "")))})
        _check_resettable(user, attributes)
        answer = self.moto.send("POST", path, headers, json.dumps(request).encode())
        moto_code = answer.header(MOTO_CODE_HEADER) or ""
        answer = answer.without_header(MOTO_CODE_HEADER)
        if answer.status != 200 or not moto_code.startswith(MOTO_CODE_PREFIX):
            return answer
        event = _event(
            RESET_CODE,
            client.pool_id,
            client_id,
            str(user["Username"]),
            {**attributes, "cognito:user_status": str(user.get("UserStatus"))},
            request.get("ClientMetadata"),
        )
        code = moto_code.removeprefix(MOTO_CODE_PREFIX)
        self._deliver(event, attributes["email"], {CODE_PLACEHOLDER: code})
        with self._codes_lock:
            self._codes[(client.pool_id, attributes["sub"])] = ResetCode(code, moto_code, time.time())
        return _json_answer({"CodeDeliveryDetails": _delivery(attributes["email"])})

    def _confirm_forgot_password(
        self, request: dict[str, Any], path: str, headers: Mapping[str, str]
    ) -> Answer:
        client = self._client(str(request.get("ClientId", "")))
        if client is None:
            return self.moto.send("POST", path, headers, json.dumps(request).encode())
        user = self._moto_user(client.pool_id, str(request.get("Username", "")))
        if user is None:
            if client.hides_users:
                raise _code_mismatch()
            raise CognitoRefusal("UserNotFoundException", "Username/client id combination not found.")
        attributes = _attributes(user.get("UserAttributes", []))
        code, password = str(request.get("ConfirmationCode", "")), str(request.get("Password", ""))
        with self._codes_lock:  # one confirmation at a time: a code serves once, even to two at once
            issued = self._codes.get((client.pool_id, attributes["sub"]))
            if issued is None or not hmac.compare_digest(code.encode(), issued.code.encode()):
                raise _code_mismatch()
            if issued.used or time.time() - issued.issued_at > RESET_CODE_VALIDITY_SECONDS:
                raise CognitoRefusal(
                    "ExpiredCodeException", "Invalid code provided, please request a code again."
                )
            self._check_policy(client.pool_id, password)
            forwarded = {**request, "ConfirmationCode": issued.moto_code}
            answer = self.moto.send("POST", path, headers, json.dumps(forwarded).encode())
            issued.used = answer.status == 200
        if answer.status == 200:
            shaped = {"Username": user["Username"], "Attributes": user.get("UserAttributes", [])}
            self._password_issued(client.pool_id, shaped, password, temporary=False)
        return answer

    # What changes a user, seen after moto accepted it

    def _new_password_chosen(self, request: dict[str, Any], answer: dict[str, Any]) -> None:
        if request.get("ChallengeName") != "NEW_PASSWORD_REQUIRED":
            return
        responses = request.get("ChallengeResponses") or {}
        pool_id = self._pool_of(request)
        chosen = str(responses.get("NEW_PASSWORD", ""))
        self._users.change(
            pool_id,
            str(responses.get("USERNAME", "")),
            lambda r: r.set_password(chosen, temporary=False, at=time.time()),
        )

    def _password_set(self, request: dict[str, Any], answer: dict[str, Any]) -> None:
        pool_id, username = str(request.get("UserPoolId")), str(request.get("Username"))
        temporary = not request.get("Permanent", False)
        password = str(request.get("Password", ""))
        if self._users.change(
            pool_id, username, lambda r: r.set_password(password, temporary=temporary, at=time.time())
        ):
            return
        if temporary:  # a temporary password given to a user not created here: it expires all the same
            user = self.moto.call("AdminGetUser", {"UserPoolId": pool_id, "Username": username})
            shaped = {"Username": user["Username"], "Attributes": user.get("UserAttributes", [])}
            self._password_issued(pool_id, shaped, password, temporary=True)

    def _password_changed(self, request: dict[str, Any], answer: dict[str, Any]) -> None:
        pool_id, sub = _token_user(str(request.get("AccessToken", "")))
        proposed = str(request.get("ProposedPassword", ""))
        self._users.change(pool_id, sub, lambda r: r.set_password(proposed, temporary=False, at=time.time()))

    def _attributes_updated(self, request: dict[str, Any], answer: dict[str, Any]) -> None:
        pool_id, username = self._user_of(request)
        changes = _attributes(request.get("UserAttributes") or [])

        def update(record: UserRecord) -> None:
            record.attributes.update(changes)
            record.email = record.attributes.get("email", record.email)

        self._users.change(pool_id, username, update)

    def _attributes_deleted(self, request: dict[str, Any], answer: dict[str, Any]) -> None:
        pool_id, username = self._user_of(request)
        names = {str(name) for name in request.get("UserAttributeNames") or []}

        def update(record: UserRecord) -> None:
            record.attributes = {k: v for k, v in record.attributes.items() if k not in names}

        self._users.change(pool_id, username, update)

    def _user_enabled(self, request: dict[str, Any], answer: dict[str, Any]) -> None:
        self._users.change(*self._user_of(request), lambda r: setattr(r, "enabled", True))

    def _user_disabled(self, request: dict[str, Any], answer: dict[str, Any]) -> None:
        self._users.change(*self._user_of(request), lambda r: setattr(r, "enabled", False))

    def _group_added(self, request: dict[str, Any], answer: dict[str, Any]) -> None:
        group = str(request.get("GroupName", ""))
        self._users.change(
            *self._user_of(request), lambda r: setattr(r, "groups", sorted({*r.groups, group}))
        )

    def _group_removed(self, request: dict[str, Any], answer: dict[str, Any]) -> None:
        group = str(request.get("GroupName", ""))
        self._users.change(
            *self._user_of(request), lambda r: setattr(r, "groups", sorted(set(r.groups) - {group}))
        )

    def _totp_verified(self, request: dict[str, Any], answer: dict[str, Any]) -> None:
        if answer.get("Status") != "SUCCESS" or not request.get("AccessToken"):
            return  # a setup answering an MFA_SETUP challenge (with a Session): moto's pool never asks one
        pool_id, sub = _token_user(str(request["AccessToken"]))
        self._users.change(pool_id, sub, lambda r: setattr(r, "totp_verified", True))

    def _mfa_preference_set(self, request: dict[str, Any], answer: dict[str, Any]) -> None:
        settings = request.get("SoftwareTokenMfaSettings")
        if not isinstance(settings, dict):
            return
        pool_id, username = self._user_of(request)

        def update(record: UserRecord) -> None:
            record.totp_enabled = bool(settings.get("Enabled", record.totp_enabled))
            record.totp_preferred = bool(settings.get("PreferredMfa", False))

        self._users.change(pool_id, username, update)

    def _user_deleted(self, request: dict[str, Any], answer: dict[str, Any]) -> None:
        pool_id, username = self._user_of(request)
        record = self._users.forget(pool_id, username)
        if record is not None:
            with self._codes_lock:
                self._codes.pop((pool_id, record.sub), None)

    # Helpers

    def _recreate(self, record: UserRecord, client_id: str) -> None:
        attributes = [{"Name": k, "Value": v} for k, v in record.attributes.items() if k != "sub"]
        creation = {
            "UserPoolId": record.pool_id,
            "Username": record.email,
            "UserAttributes": attributes,
            "TemporaryPassword": record.password if record.temporary else temporary_password(),
            "MessageAction": "SUPPRESS",
        }
        if record.seed is not None:
            self.moto.seed(record.seed)
        created = self.moto.call("AdminCreateUser", creation)
        sub = _attributes(created["User"].get("Attributes", []))["sub"]
        if sub != record.sub:
            _log.warning("a user came back with another sub", extra={"before": record.sub, "after": sub})
            attributes_now = {**record.attributes, "sub": sub}
            self._users.replace(
                record, UserRecord(**{**asdict(record), "sub": sub, "attributes": attributes_now})
            )
        user = {"UserPoolId": record.pool_id, "Username": sub}
        if not record.temporary:
            self.moto.call("AdminSetUserPassword", {**user, "Password": record.password, "Permanent": True})
        for group in record.groups:
            self.moto.call("AdminAddUserToGroup", {**user, "GroupName": group})
        if record.totp_verified and not record.temporary:
            signed_in = self.moto.call(
                "InitiateAuth",
                {
                    "ClientId": client_id,
                    "AuthFlow": "USER_PASSWORD_AUTH",
                    "AuthParameters": {"USERNAME": record.email, "PASSWORD": record.password},
                },
            )
            token = signed_in["AuthenticationResult"]["AccessToken"]
            self.moto.call("AssociateSoftwareToken", {"AccessToken": token})
            self.moto.call("VerifySoftwareToken", {"AccessToken": token, "UserCode": totp.fresh_code()})
            settings = {"Enabled": record.totp_enabled, "PreferredMfa": record.totp_preferred}
            self.moto.call("AdminSetUserMFAPreference", {**user, "SoftwareTokenMfaSettings": settings})
        if not record.enabled:
            self.moto.call("AdminDisableUser", user)

    def _password_issued(self, pool_id: str, user: dict[str, Any], password: str, *, temporary: bool) -> None:
        attributes = _attributes(user.get("Attributes", []))
        now = time.time()
        if self._users.change(
            pool_id, attributes["sub"], lambda r: r.set_password(password, temporary=temporary, at=now)
        ):
            return
        if temporary:
            email = attributes.get("email", str(user.get("Username")))
            self._users.put(
                UserRecord(pool_id, attributes["sub"], email, password, True, now, attributes=attributes)
            )

    def _deliver(self, event: dict[str, Any], recipient: str, values: Mapping[str, str]) -> None:
        """What Cognito does with its trigger's answer: checks the placeholders are there, fills them in, and
        sends the mail (here with its text part too, for the local outbox)."""
        try:
            answered = custom_message(event, self._site_url)
            text = cognito_mail(event, self._site_url)
        except Exception as error:
            raise CognitoRefusal(
                "UserLambdaValidationException", f"CustomMessage failed with error {error}."
            ) from error
        response = answered.get("response") or {}
        subject, message = str(response.get("emailSubject") or ""), str(response.get("emailMessage") or "")
        if any(placeholder not in message for placeholder in values):
            raise CognitoRefusal(
                "InvalidLambdaResponseException",
                "The CustomMessage answer lacks the code or username placeholder.",
            )
        html_body, text_body = message, text.text if text else ""
        for placeholder, value in values.items():
            html_body = html_body.replace(placeholder, html.escape(value))
            text_body = text_body.replace(placeholder, value)
        try:
            sent = self._ses_client().send_email(
                Source=self._sender,
                Destination={"ToAddresses": [recipient]},
                Message={
                    "Subject": {"Data": subject, "Charset": "UTF-8"},
                    "Body": {
                        "Html": {"Data": html_body, "Charset": "UTF-8"},
                        "Text": {"Data": text_body, "Charset": "UTF-8"},
                    },
                },
            )
        except Exception as error:
            _log.exception("the local Cognito could not send a mail")
            raise CognitoRefusal("CodeDeliveryFailureException", "Unable to deliver the message.") from error
        self.postmarks.stamp(str(sent["MessageId"]), text_body)

    def _ses_client(self) -> Any:
        if self._ses is None:
            import boto3

            # Cognito's own mail: straight to moto's SES, not through the link where tests fail the portal's.
            self._ses = boto3.client("ses", region_name=REGION, endpoint_url=self._moto_url)
        return self._ses

    def _client(self, client_id: str) -> _Client | None:
        """The pool of an app client and whether it hides which users exist; None for an unknown client."""
        if not client_id:
            return None
        known = self._clients.get(client_id)
        if known is not None:
            return known
        pools = self.moto.call("ListUserPools", {"MaxResults": 60}).get("UserPools", [])
        for pool in pools:
            try:
                described = self.moto.call(
                    "DescribeUserPoolClient", {"UserPoolId": pool["Id"], "ClientId": client_id}
                )["UserPoolClient"]
            except CognitoRefusal:
                continue
            known = _Client(pool["Id"], described.get("PreventUserExistenceErrors") == "ENABLED")
            self._clients[client_id] = known
            return known
        return None

    def _moto_user(self, pool_id: str, username: str) -> dict[str, Any] | None:
        try:
            return self.moto.call("AdminGetUser", {"UserPoolId": pool_id, "Username": username})
        except CognitoRefusal as refusal:
            if refusal.code == "UserNotFoundException":
                return None
            raise

    def _check_policy(self, pool_id: str, password: str) -> None:
        """Cognito refuses a new password that breaks the pool's policy (moto does not, on this path)."""
        if pool_id not in self._policies:
            pool = self.moto.call("DescribeUserPool", {"UserPoolId": pool_id})["UserPool"]
            self._policies[pool_id] = pool.get("Policies", {}).get("PasswordPolicy", {})
        policy = self._policies[pool_id]
        checks = [
            (len(password) >= int(policy.get("MinimumLength", 8)), "Password not long enough"),
            (
                not policy.get("RequireUppercase") or any("A" <= c <= "Z" for c in password),
                "Password must have uppercase characters",
            ),
            (
                not policy.get("RequireLowercase") or any("a" <= c <= "z" for c in password),
                "Password must have lowercase characters",
            ),
            (
                not policy.get("RequireNumbers") or any(c.isdigit() for c in password),
                "Password must have numeric characters",
            ),
            (
                not policy.get("RequireSymbols") or any(c in _POLICY_SYMBOLS for c in password),
                "Password must have symbol characters",
            ),
        ]
        for met, problem in checks:
            if not met:
                raise CognitoRefusal(
                    "InvalidPasswordException", f"Password did not conform with policy: {problem}"
                )

    def _pool_of(self, request: dict[str, Any]) -> str:
        if request.get("UserPoolId"):
            return str(request["UserPoolId"])
        client = self._client(str(request.get("ClientId", "")))
        return client.pool_id if client else ""

    def _user_of(self, request: dict[str, Any]) -> tuple[str, str]:
        if request.get("AccessToken"):
            return _token_user(str(request["AccessToken"]))
        return str(request.get("UserPoolId", "")), str(request.get("Username", ""))


def _age(record: UserRecord, seconds: float) -> None:
    if not record.temporary:
        raise KeyError(f"{record.email} has no temporary password any more")
    record.password_issued_at -= seconds


def _check_resettable(user: dict[str, Any], attributes: Mapping[str, str]) -> None:
    """Cognito sends no code to a disabled user, to one who never chose a password (an invitation must be
    sent again instead), or to an unverified address."""
    if not user.get("Enabled", True):
        raise CognitoRefusal("NotAuthorizedException", "User is disabled.")
    if user.get("UserStatus") == "FORCE_CHANGE_PASSWORD":
        raise CognitoRefusal("NotAuthorizedException", "User password cannot be reset in the current state.")
    if attributes.get("email_verified") != "true" or not attributes.get("email"):
        raise CognitoRefusal(
            "InvalidParameterException",
            "Cannot reset password for the user as there is no registered/verified email or phone_number",
        )


def _json_answer(payload: Mapping[str, Any]) -> Answer:
    return Answer(200, [("Content-Type", JSON_TYPE)], json.dumps(payload).encode())


def _delivery(address: str) -> dict[str, str]:
    """Where Cognito says it sent a code, masked as it masks it: "c***@a***"."""
    local, _, domain = address.partition("@")
    return {
        "Destination": f"{local[:1]}***@{domain[:1]}***",
        "DeliveryMedium": "EMAIL",
        "AttributeName": "email",
    }


def _code_mismatch() -> CognitoRefusal:
    return CognitoRefusal("CodeMismatchException", "Invalid verification code provided, please try again.")


def _event(
    source: str,
    pool_id: str,
    client_id: str,
    user_name: str,
    attributes: Mapping[str, str],
    metadata: Any,
) -> dict[str, Any]:
    """The event Cognito gives its CustomMessage trigger."""
    return {
        "version": "1",
        "triggerSource": source,
        "region": REGION,
        "userPoolId": pool_id,
        "userName": user_name,
        "callerContext": {"awsSdkVersion": "local", "clientId": client_id},
        "request": {
            "userAttributes": dict(attributes),
            "codeParameter": CODE_PLACEHOLDER,
            "linkParameter": "{##Click Here##}",
            "usernameParameter": USERNAME_PLACEHOLDER if source == INVITATION else None,
            "clientMetadata": dict(metadata) if isinstance(metadata, dict) else {},
        },
        "response": {"smsMessage": None, "emailMessage": None, "emailSubject": None},
    }


def _attributes(values: Any) -> dict[str, str]:
    return {str(item["Name"]): str(item.get("Value", "")) for item in values or [] if isinstance(item, dict)}


def _token_user(token: str) -> tuple[str, str]:
    """The pool and sub of an access token moto issued (it accepted the call: the token is its own)."""
    try:
        payload = token.split(".")[1]
        claims = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
        return str(claims["iss"]).rsplit("/", 1)[-1], str(claims.get("username") or claims["sub"])
    except (IndexError, ValueError, KeyError):
        return "", ""


class _Handler(BaseHTTPRequestHandler):
    server: LocalCognito
    protocol_version = "HTTP/1.1"
    disable_nagle_algorithm = True  # as the gateway: no 40 ms wait between headers and body

    def do_POST(self) -> None:
        self._answer()

    def do_GET(self) -> None:
        self._answer()

    def _answer(self) -> None:
        body = self.rfile.read(int(self.headers.get("content-length") or 0))
        try:
            answer = self.server.handle(self.command, self.path, dict(self.headers.items()), body)
        except Exception:
            _log.exception("the local Cognito failed", extra={"target": self.headers.get("x-amz-target")})
            answer = CognitoRefusal(
                "InternalErrorException", "The local Cognito failed: see its log.", 500
            ).answer()
        self.send_response(answer.status)
        for name, value in answer.headers:
            if name.lower() not in _HOP_HEADERS:
                self.send_header(name, value)
        self.send_header("Content-Length", str(len(answer.payload)))
        self.end_headers()
        self.wfile.write(answer.payload)

    def log_message(self, format: str, *args: Any) -> None:
        return
