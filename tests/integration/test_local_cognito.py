"""The local Cognito (devstack/cognito.py) keeps Cognito's promises: invitations mailed with a temporary
password valid 7 days, reset codes mailed, single use and valid an hour, TOTP checked, and the users the
portal creates kept across a restart with the same sub."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import boto3
import pytest
import requests
from botocore.exceptions import ClientError

from devstack import totp
from devstack.cognito import LocalCognito, temporary_password
from devstack.config import REGION
from devstack.mailbox import SentMail, reset_code, sent_mails
from devstack.mailbox import temporary_password as password_in
from tests.support import FINANCE, Portal, make_run

NEW_PASSWORD = "Choisi-2026!"


def _cognito(endpoint: str | None = None) -> Any:
    """A client as the services build theirs: through the local Cognito (the stack's environment)."""
    return boto3.client("cognito-idp", region_name=REGION, endpoint_url=endpoint)


def _local(portal: Portal) -> LocalCognito:
    assert portal.running.cognito is not None
    return portal.running.cognito


def _mails_to(portal: Portal, email: str) -> list[SentMail]:
    mails = sent_mails(portal.running.config.moto_url, _local(portal).postmarks)
    return [mail for mail in mails if email in mail.recipients]


def _unique(name: str) -> str:
    return f"{name}-{time.time_ns()}@agence-exemple.fr"


def _invite(portal: Portal, email: str, **extra: Any) -> dict[str, Any]:
    return dict(
        _cognito().admin_create_user(
            UserPoolId=portal.running.identity.user_pool_id,
            Username=email,
            UserAttributes=[
                {"Name": "email", "Value": email},
                {"Name": "email_verified", "Value": "true"},
                {"Name": "given_name", "Value": "Léa"},
                {"Name": "family_name", "Value": "Roux"},
                {"Name": "custom:agency_id", "Value": "AG-1001"},
                {"Name": "custom:role", "Value": "comptable"},
            ],
            DesiredDeliveryMediums=["EMAIL"],
            ClientMetadata={"agency_name": "Agence Exemple", "invited_by": "Claire Martin"},
            **extra,
        )["User"]
    )


def _sign_in(portal: Portal, email: str, password: str, endpoint: str | None = None) -> dict[str, Any]:
    return dict(
        _cognito(endpoint).initiate_auth(
            ClientId=portal.running.identity.client_id,
            AuthFlow="USER_PASSWORD_AUTH",
            AuthParameters={"USERNAME": email, "PASSWORD": password},
        )
    )


def _refusal(error: pytest.ExceptionInfo[ClientError]) -> tuple[str, str]:
    details = error.value.response["Error"]
    return str(details["Code"]), str(details["Message"])


def _confirm(portal: Portal, email: str, code: str, password: str = NEW_PASSWORD) -> None:
    _cognito().confirm_forgot_password(
        ClientId=portal.running.identity.client_id, Username=email, ConfirmationCode=code, Password=password
    )


def _active_user(portal: Portal, email: str) -> None:
    """An invited user who has chosen their password."""
    _invite(portal, email)
    challenge = _sign_in(portal, email, password_in(_mails_to(portal, email)[-1].text))
    _cognito().respond_to_auth_challenge(
        ClientId=portal.running.identity.client_id,
        ChallengeName="NEW_PASSWORD_REQUIRED",
        Session=challenge["Session"],
        ChallengeResponses={"USERNAME": email, "NEW_PASSWORD": NEW_PASSWORD},
    )


# Invitations


def test_an_invitation_is_mailed_with_a_temporary_password_that_asks_for_a_new_one(portal: Portal) -> None:
    email = _unique("invitee")
    user = _invite(portal, email)
    [mail] = _mails_to(portal, email)
    temporary = password_in(mail.text)
    answer = _sign_in(portal, email, temporary)
    assert user["UserStatus"] == "FORCE_CHANGE_PASSWORD"
    assert mail.subject == "Invitation à rejoindre Agence Exemple sur Mes Factures"
    assert mail.sender == "no-reply@mesfactures.example"
    assert f"Identifiant : {email}" in mail.text and "Claire Martin vous invite" in mail.text
    assert temporary in mail.body and "{####}" not in mail.body and "{username}" not in mail.body
    assert answer["ChallengeName"] == "NEW_PASSWORD_REQUIRED"


def test_the_mailbox_lists_the_invitation_as_json_with_its_text_and_time(portal: Portal) -> None:
    email = _unique("json")
    _invite(portal, email)
    listed = requests.get(f"{portal.url}/_dev/mail.json", timeout=10).json()
    newest = listed[-1]
    assert newest["to"] == [email]
    assert newest["subject"].startswith("Invitation")
    assert "Mot de passe provisoire : " in newest["text"]
    assert newest["sent_at"].endswith("Z")


def test_a_generated_temporary_password_meets_the_pools_policy() -> None:
    for _ in range(200):
        password = temporary_password()
        assert len(password) >= 10
        assert any(c.isupper() for c in password) and any(c.islower() for c in password)
        assert any(c.isdigit() for c in password) and any(not c.isalnum() for c in password)


def test_an_invitation_older_than_seven_days_is_refused_as_cognito_refuses_it(portal: Portal) -> None:
    email = _unique("late")
    _invite(portal, email)
    temporary = password_in(_mails_to(portal, email)[-1].text)
    _local(portal).age_invitation(email, days=8)
    with pytest.raises(ClientError) as refused:
        _sign_in(portal, email, temporary)
    assert _refusal(refused) == (
        "NotAuthorizedException",
        "Temporary password has expired and must be reset by an administrator.",
    )


def test_an_invitation_sent_again_gives_a_new_password_for_seven_more_days(portal: Portal) -> None:
    email = _unique("again")
    _invite(portal, email)
    first = password_in(_mails_to(portal, email)[-1].text)
    _local(portal).age_invitation(email, days=8)
    _invite(portal, email, MessageAction="RESEND")
    mails = _mails_to(portal, email)
    second = password_in(mails[-1].text)
    users = _cognito().list_users(
        UserPoolId=portal.running.identity.user_pool_id, Filter=f'email = "{email}"'
    )
    assert len(mails) == 2 and second != first
    assert len(users["Users"]) == 1, "the invitation is sent again to the same user, not a new one"
    assert _sign_in(portal, email, second)["ChallengeName"] == "NEW_PASSWORD_REQUIRED"
    with pytest.raises(ClientError) as refused:
        _sign_in(portal, email, first)
    assert _refusal(refused)[0] == "NotAuthorizedException"


def test_an_invitation_is_not_sent_again_to_someone_who_has_signed_in(portal: Portal) -> None:
    email = _unique("active")
    _active_user(portal, email)
    with pytest.raises(ClientError) as refused:
        _invite(portal, email, MessageAction="RESEND")
    assert _refusal(refused)[0] == "UnsupportedUserStateException"


def test_an_invitation_for_an_address_with_an_account_is_refused(portal: Portal) -> None:
    email = _unique("twice")
    _invite(portal, email)
    with pytest.raises(ClientError) as refused:
        _invite(portal, email)
    assert _refusal(refused)[0] == "UsernameExistsException"
    assert len(_mails_to(portal, email)) == 1


# Forgotten passwords


def _forgot(portal: Portal, email: str) -> str:
    _cognito().forgot_password(ClientId=portal.running.identity.client_id, Username=email)
    return reset_code(_mails_to(portal, email)[-1].text)


def test_a_reset_code_is_mailed_and_works_once(portal: Portal) -> None:
    email = _unique("forgot")
    _active_user(portal, email)
    code = _forgot(portal, email)
    mail = _mails_to(portal, email)[-1]
    wrong = f"{(int(code) + 1) % 1_000_000:06d}"
    with pytest.raises(ClientError) as mismatch:
        _confirm(portal, email, wrong)
    _confirm(portal, email, code, "Nouveau-2026!")
    with pytest.raises(ClientError) as reused:
        _confirm(portal, email, code, "Encore-2026!")
    assert mail.subject == "Mes Factures : votre code pour choisir un nouveau mot de passe"
    assert len(code) == 6 and code.isdigit() and code in mail.body
    assert _refusal(mismatch)[0] == "CodeMismatchException"
    assert _refusal(reused)[0] == "ExpiredCodeException"
    assert "AuthenticationResult" in _sign_in(portal, email, "Nouveau-2026!")
    with pytest.raises(ClientError):
        _sign_in(portal, email, "Encore-2026!")


def test_only_the_last_code_sent_counts(portal: Portal) -> None:
    email = _unique("two-codes")
    _active_user(portal, email)
    first, second = _forgot(portal, email), _forgot(portal, email)
    if first != second:
        with pytest.raises(ClientError) as refused:
            _confirm(portal, email, first)
        assert _refusal(refused)[0] == "CodeMismatchException"
    _confirm(portal, email, second)


def test_a_reset_code_expires_after_an_hour(portal: Portal) -> None:
    email = _unique("slow")
    _active_user(portal, email)
    code = _forgot(portal, email)
    _local(portal).age_reset_code(email, minutes=61)
    with pytest.raises(ClientError) as refused:
        _confirm(portal, email, code)
    assert _refusal(refused)[0] == "ExpiredCodeException"


def test_a_new_password_must_meet_the_policy_and_a_refusal_keeps_the_code(portal: Portal) -> None:
    email = _unique("weak")
    _active_user(portal, email)
    code = _forgot(portal, email)
    with pytest.raises(ClientError) as refused:
        _confirm(portal, email, code, "faible")
    _confirm(portal, email, code, "Robuste-2026!")
    assert _refusal(refused)[0] == "InvalidPasswordException"


def test_an_unknown_identifier_is_answered_as_a_known_one_and_gets_no_mail(portal: Portal) -> None:
    email = _unique("nobody")
    answer = _cognito().forgot_password(ClientId=portal.running.identity.client_id, Username=email)
    with pytest.raises(ClientError) as signing_in:
        _sign_in(portal, email, "Devine-2026!")
    with pytest.raises(ClientError) as confirming:
        _confirm(portal, email, "123456")
    assert answer["CodeDeliveryDetails"]["Destination"] == "n***@a***"
    assert _mails_to(portal, email) == []
    assert _refusal(signing_in) == ("NotAuthorizedException", "Incorrect username or password.")
    assert _refusal(confirming)[0] == "CodeMismatchException"


def test_someone_who_never_chose_a_password_gets_no_reset_code(portal: Portal) -> None:
    email = _unique("invited-only")
    _invite(portal, email)
    with pytest.raises(ClientError) as refused:
        _cognito().forgot_password(ClientId=portal.running.identity.client_id, Username=email)
    assert _refusal(refused)[0] == "NotAuthorizedException"
    assert len(_mails_to(portal, email)) == 1  # the invitation only


# TOTP


def test_the_demo_finance_user_signs_in_with_a_totp_code(portal: Portal) -> None:
    cognito, client_id = _cognito(), portal.running.identity.client_id
    challenge = _sign_in(portal, FINANCE.email, FINANCE.password)
    with pytest.raises(ClientError) as refused:
        cognito.respond_to_auth_challenge(
            ClientId=client_id,
            ChallengeName="SOFTWARE_TOKEN_MFA",
            Session=challenge["Session"],
            ChallengeResponses={"USERNAME": FINANCE.email, "SOFTWARE_TOKEN_MFA_CODE": "000000"},
        )
    challenge = _sign_in(portal, FINANCE.email, FINANCE.password)
    answer = cognito.respond_to_auth_challenge(
        ClientId=client_id,
        ChallengeName="SOFTWARE_TOKEN_MFA",
        Session=challenge["Session"],
        ChallengeResponses={"USERNAME": FINANCE.email, "SOFTWARE_TOKEN_MFA_CODE": totp.fresh_code()},
    )
    assert challenge["ChallengeName"] == "SOFTWARE_TOKEN_MFA"
    assert _refusal(refused)[0] == "CodeMismatchException"
    assert "IdToken" in answer["AuthenticationResult"]


def test_the_local_codes_are_those_moto_checks() -> None:
    from moto.cognitoidp.models import COGNITO_TOTP_MFA_SECRET
    from moto.cognitoidp.utils import cognito_totp

    now = int(time.time())
    assert totp.SECRET == COGNITO_TOTP_MFA_SECRET
    assert totp.code(at=now) == cognito_totp(COGNITO_TOTP_MFA_SECRET).generate(now).decode()


# The operator's command


def test_the_operator_creates_a_finance_user_who_is_invited_by_mail(portal: Portal) -> None:
    email = f"finance-{time.time_ns()}@poliris.example"
    command = [sys.executable, "-m", "mesfactures.admin", "create-finance-user", "--email", email]
    command += ["--first-name", "Hugo", "--last-name", "Lemaire", "--creditors", "PRESSIMMO,POLIRIS"]
    done = subprocess.run(  # noqa: S603 (our own module)
        command, env=dict(os.environ), capture_output=True, text=True, timeout=60, check=False
    )
    [mail] = _mails_to(portal, email)
    temporary = password_in(mail.text)
    pool_id = portal.running.identity.user_pool_id
    user = _cognito().admin_get_user(UserPoolId=pool_id, Username=email)
    groups = _cognito().admin_list_groups_for_user(UserPoolId=pool_id, Username=email)["Groups"]
    attributes = {a["Name"]: a["Value"] for a in user["UserAttributes"]}
    assert done.returncode == 0, done.stderr
    assert email in done.stdout and temporary not in done.stdout + done.stderr
    assert [group["GroupName"] for group in groups] == ["finance"]
    assert attributes["custom:creditors"] == "PRESSIMMO,POLIRIS"
    assert "pour le service financier de PRESSIMMO et POLIRIS" in mail.text
    assert _sign_in(portal, email, temporary)["ChallengeName"] == "NEW_PASSWORD_REQUIRED"


def test_the_operator_is_told_when_the_address_has_an_account(portal: Portal) -> None:
    from mesfactures.admin import main

    arguments = ["create-finance-user", "--email", FINANCE.email, "--first-name", "A", "--last-name", "B"]
    assert main([*arguments, "--creditors", "POLIRIS"]) == 1


# A restart


OFFSET = 650 + int(os.environ.get("MESFACTURES_TEST_PORT_OFFSET", "0"))
GATEWAY = f"http://127.0.0.1:{8080 + OFFSET}"
COGNITO = f"http://127.0.0.1:{5001 + OFFSET}"


def _remote() -> tuple[Any, str, str]:
    cognito = boto3.client(
        "cognito-idp",
        region_name=REGION,
        endpoint_url=COGNITO,
        aws_access_key_id="local",
        aws_secret_access_key="local",
    )
    pool_id = next(
        p["Id"]
        for p in cognito.list_user_pools(MaxResults=60)["UserPools"]
        if p["Name"] == "mesfactures-local"
    )
    client_id = cognito.list_user_pool_clients(UserPoolId=pool_id, MaxResults=10)["UserPoolClients"][0][
        "ClientId"
    ]
    return cognito, pool_id, client_id


def _remote_invitation(email: str) -> str:
    mails = requests.get(f"{GATEWAY}/_dev/mail.json", timeout=10).json()
    return password_in(next(mail["text"] for mail in reversed(mails) if mail["to"] == [email]))


def _remote_sign_in(cognito: Any, client_id: str, email: str, password: str) -> dict[str, Any]:
    return dict(
        cognito.initiate_auth(
            ClientId=client_id,
            AuthFlow="USER_PASSWORD_AUTH",
            AuthParameters={"USERNAME": email, "PASSWORD": password},
        )
    )


def _subs(cognito: Any, pool_id: str) -> dict[str, str]:
    users = cognito.list_users(UserPoolId=pool_id)["Users"]
    return {next(a["Value"] for a in u["Attributes"] if a["Name"] == "email"): u["Username"] for u in users}


def test_the_users_created_through_the_portal_survive_a_restart_with_the_same_sub(tmp_path: Path) -> None:
    active, invited, disabled = (
        "active@agence-exemple.fr",
        "invited@agence-exemple.fr",
        "gone@agence-exemple.fr",
    )
    with make_run(tmp_path, OFFSET):
        cognito, pool_id, client_id = _remote()
        for email in (active, invited, disabled):
            cognito.admin_create_user(
                UserPoolId=pool_id,
                Username=email,
                UserAttributes=[
                    {"Name": "email", "Value": email},
                    {"Name": "email_verified", "Value": "true"},
                    {"Name": "custom:agency_id", "Value": "AG-1001"},
                    {"Name": "custom:role", "Value": "lecture"},
                ],
                DesiredDeliveryMediums=["EMAIL"],
            )
        temporary = _remote_invitation(invited)
        challenge = _remote_sign_in(cognito, client_id, active, _remote_invitation(active))
        tokens = cognito.respond_to_auth_challenge(
            ClientId=client_id,
            ChallengeName="NEW_PASSWORD_REQUIRED",
            Session=challenge["Session"],
            ChallengeResponses={"USERNAME": active, "NEW_PASSWORD": NEW_PASSWORD},
        )["AuthenticationResult"]
        cognito.associate_software_token(AccessToken=tokens["AccessToken"])
        cognito.verify_software_token(AccessToken=tokens["AccessToken"], UserCode=totp.fresh_code())
        cognito.set_user_mfa_preference(
            AccessToken=tokens["AccessToken"],
            SoftwareTokenMfaSettings={"Enabled": True, "PreferredMfa": True},
        )
        cognito.admin_update_user_attributes(
            UserPoolId=pool_id,
            Username=active,
            UserAttributes=[{"Name": "custom:role", "Value": "comptable"}],
        )
        cognito.admin_add_user_to_group(UserPoolId=pool_id, Username=active, GroupName="finance")
        cognito.admin_disable_user(UserPoolId=pool_id, Username=disabled)
        before = _subs(cognito, pool_id)
    with make_run(tmp_path, OFFSET):
        cognito, pool_id, client_id = _remote()
        after = _subs(cognito, pool_id)
        challenge = _remote_sign_in(cognito, client_id, active, NEW_PASSWORD)
        signed_in = cognito.respond_to_auth_challenge(
            ClientId=client_id,
            ChallengeName="SOFTWARE_TOKEN_MFA",
            Session=challenge["Session"],
            ChallengeResponses={"USERNAME": active, "SOFTWARE_TOKEN_MFA_CODE": totp.fresh_code()},
        )
        user = cognito.admin_get_user(UserPoolId=pool_id, Username=active)
        groups = cognito.admin_list_groups_for_user(UserPoolId=pool_id, Username=active)["Groups"]
        invitation = _remote_sign_in(cognito, client_id, invited, temporary)
        gone = cognito.admin_get_user(UserPoolId=pool_id, Username=disabled)
    assert {email: after[email] for email in before} == before
    assert "IdToken" in signed_in["AuthenticationResult"]
    assert {"Name": "custom:role", "Value": "comptable"} in user["UserAttributes"]
    assert [group["GroupName"] for group in groups] == ["finance"]
    assert invitation["ChallengeName"] == "NEW_PASSWORD_REQUIRED"
    assert gone["Enabled"] is False
    assert (tmp_path / "cognito-users.json").stat().st_mode & 0o077 == 0, "the emulator's storage is private"
