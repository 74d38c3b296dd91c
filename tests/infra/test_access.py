"""Access (issue 13, docs/access.md): invitations, codes by e-mail, TOTP, roles, and who may administer the
pool's users."""

from __future__ import annotations

from typing import Any

import aws_cdk as cdk
import pytest
from aws_cdk.assertions import Template

from infra.portal.identity import Identity
from infra.portal.mail import Mail
from infra.stages import stage_from
from tests.infra.conftest import of_type

SITE = "https://dev.mesfactures.example"
MESSAGE_FUNCTION = "mesfactures-dev-notifications-cognito-messages"
# What mesfactures.auth.identity calls on the admin API (docs/access.md: invitations, the team, passwords,
# sign-out everywhere). Sign-in, codes and TOTP use Cognito's public API, which IAM does not govern.
ACCOUNT_ADMIN_ACTIONS = {
    "cognito-idp:AdminCreateUser",
    "cognito-idp:AdminUpdateUserAttributes",
    "cognito-idp:AdminDisableUser",
    "cognito-idp:AdminEnableUser",
    "cognito-idp:AdminUserGlobalSignOut",
    "cognito-idp:AdminSetUserPassword",
}


def _the(resources: dict[str, Any], kind: str) -> tuple[str, dict[str, Any]]:
    ((name, resource),) = of_type(resources, kind).items()
    return name, resource


def _pool(resources: dict[str, Any]) -> dict[str, Any]:
    properties: dict[str, Any] = _the(resources, "AWS::Cognito::UserPool")[1]["Properties"]
    return properties


def _client(resources: dict[str, Any]) -> dict[str, Any]:
    properties: dict[str, Any] = _the(resources, "AWS::Cognito::UserPoolClient")[1]["Properties"]
    return properties


def _message_function(resources: dict[str, Any]) -> tuple[str, dict[str, Any]]:
    (found,) = (
        (name, resource["Properties"])
        for name, resource in of_type(resources, "AWS::Serverless::Function").items()
        if resource["Properties"]["FunctionName"] == MESSAGE_FUNCTION
    )
    return found


def _as_list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else [value]


def _cognito_grants(resources: dict[str, Any]) -> list[tuple[list[Any], set[str], list[Any]]]:
    """Every statement of the template's IAM policies that allows a Cognito user pool action: the roles it is
    attached to, its actions, its resources."""
    documents: list[tuple[list[Any], dict[str, Any]]] = []
    for policy in of_type(resources, "AWS::IAM::Policy").values():
        documents.append((policy["Properties"].get("Roles", []), policy["Properties"]["PolicyDocument"]))
    for policy in of_type(resources, "AWS::IAM::ManagedPolicy").values():
        documents.append((policy["Properties"].get("Roles", []), policy["Properties"]["PolicyDocument"]))
    for name, role in of_type(resources, "AWS::IAM::Role").items():
        for inline in role["Properties"].get("Policies", []):
            documents.append(([{"Ref": name}], inline["PolicyDocument"]))
    grants = []
    for roles, document in documents:
        for statement in document["Statement"]:
            actions = {a for a in _as_list(statement["Action"]) if a.startswith("cognito-idp:") or a == "*"}
            if actions and statement["Effect"] == "Allow":
                grants.append((roles, actions, _as_list(statement["Resource"])))
    return grants


@pytest.fixture(scope="module")
def unverified_mail_pool() -> dict[str, Any]:
    """The pool alone, as the first deployment makes it (`-c mail_verified=false`)."""
    app = cdk.App(context={"stage": "dev", "mail_verified": "false"})
    stack = cdk.Stack(app, "Access")
    stage = stage_from(app)
    Identity(stack, "Identity", stage=stage, mail=Mail(stack, "Mail", stage=stage))
    return _pool(Template.from_stack(stack).to_json()["Resources"])


def test_people_are_invited_and_their_temporary_password_lasts_seven_days(resources: dict[str, Any]) -> None:
    pool = _pool(resources)

    assert pool["AdminCreateUserConfig"]["AllowAdminCreateUserOnly"] is True
    assert pool["Policies"]["PasswordPolicy"]["TemporaryPasswordValidityDays"] == 7


def test_the_invitation_says_in_french_where_to_sign_in_with_which_identifier_and_password(
    resources: dict[str, Any],
) -> None:
    invitation = _pool(resources)["AdminCreateUserConfig"]["InviteMessageTemplate"]

    assert "{username}" in invitation["EmailMessage"]
    assert "{####}" in invitation["EmailMessage"]
    assert SITE in invitation["EmailMessage"]
    assert "Mot de passe provisoire" in invitation["EmailMessage"]
    assert "7 jours" in invitation["EmailMessage"]
    assert invitation["EmailSubject"] == "Votre accès au portail Mes Factures"


def test_the_code_mail_is_french_and_carries_the_code(resources: dict[str, Any]) -> None:
    verification = _pool(resources)["VerificationMessageTemplate"]

    assert verification["DefaultEmailOption"] == "CONFIRM_WITH_CODE"
    assert "{####}" in verification["EmailMessage"]
    assert "nouveau mot de passe" in verification["EmailMessage"]
    assert SITE in verification["EmailMessage"]
    assert verification["EmailSubject"] == "Votre code de vérification Mes Factures"
    assert "{####}" in verification["SmsMessage"]
    assert "The verification code" not in verification["SmsMessage"]


def test_a_forgotten_password_is_recovered_by_email_only(resources: dict[str, Any]) -> None:
    recovery = _pool(resources)["AccountRecoverySetting"]["RecoveryMechanisms"]

    assert recovery == [{"Name": "verified_email", "Priority": 1}]


def test_a_second_factor_is_optional_and_only_by_authenticator_app(resources: dict[str, Any]) -> None:
    pool = _pool(resources)

    assert pool["MfaConfiguration"] == "OPTIONAL"
    assert pool["EnabledMfas"] == ["SOFTWARE_TOKEN_MFA"]
    assert "SmsConfiguration" not in pool
    assert not [
        role
        for role in of_type(resources, "AWS::IAM::Role").values()
        for statement in role["Properties"]["AssumeRolePolicyDocument"]["Statement"]
        if statement["Principal"].get("Service") == "cognito-idp.amazonaws.com"
    ]


def test_the_role_is_an_attribute_that_only_administrators_write(resources: dict[str, Any]) -> None:
    schema = {attribute["Name"]: attribute for attribute in _pool(resources)["Schema"]}
    client = _client(resources)

    assert schema["role"]["AttributeDataType"] == "String"
    assert schema["role"]["Mutable"] is True
    assert schema.keys() >= {"agency_id", "creditors", "role"}
    assert [a for a in client["WriteAttributes"] if a.startswith("custom:")] == []
    assert "email" not in client["WriteAttributes"]
    assert client["WriteAttributes"]  # none listed would be every standard attribute writable
    assert set(client["ReadAttributes"]) >= {
        "custom:role",
        "custom:agency_id",
        "custom:creditors",
        "given_name",
        "family_name",
        "email",
    }


def test_the_site_client_signs_in_by_password_and_tells_no_one_who_exists(resources: dict[str, Any]) -> None:
    client = _client(resources)

    assert client["ExplicitAuthFlows"] == ["ALLOW_USER_PASSWORD_AUTH", "ALLOW_REFRESH_TOKEN_AUTH"]
    assert client["PreventUserExistenceErrors"] == "ENABLED"
    assert client["GenerateSecret"] is False
    assert "AllowedOAuthFlows" not in client
    assert client.get("AllowedOAuthFlowsUserPoolClient", False) is False
    assert (client["IdTokenValidity"], client["AccessTokenValidity"], client["RefreshTokenValidity"]) == (
        60,
        60,
        1440,
    )


def test_the_pool_mails_through_the_stage_ses_domain(resources: dict[str, Any]) -> None:
    (_, pool) = _the(resources, "AWS::Cognito::UserPool")
    (identity_name, _) = _the(resources, "AWS::SES::EmailIdentity")
    (configuration_set_name, _) = _the(resources, "AWS::SES::ConfigurationSet")
    email = pool["Properties"]["EmailConfiguration"]

    assert email["EmailSendingAccount"] == "DEVELOPER"
    assert email["From"] == "Mes Factures <no-reply@dev.mesfactures.example>"
    assert email["SourceArn"]["Fn::Join"][1][-1] == ":identity/dev.mesfactures.example"
    assert email["ConfigurationSet"] == {"Ref": configuration_set_name}
    assert identity_name in pool["DependsOn"]


def test_before_the_domain_is_verified_cognito_sends_the_same_french_mail_itself(
    unverified_mail_pool: dict[str, Any],
) -> None:
    email = unverified_mail_pool["EmailConfiguration"]

    assert email["EmailSendingAccount"] == "COGNITO_DEFAULT"
    assert "SourceArn" not in email
    invitation = unverified_mail_pool["AdminCreateUserConfig"]["InviteMessageTemplate"]["EmailMessage"]
    assert "{username}" in invitation
    assert "{####}" in invitation


def test_cognito_asks_the_notifications_function_for_the_text_of_its_mails(resources: dict[str, Any]) -> None:
    (function_name, function) = _message_function(resources)

    assert _pool(resources)["LambdaConfig"] == {"CustomMessage": {"Fn::GetAtt": [function_name, "Arn"]}}
    assert function["Handler"] == "app.cognito_messages"
    # The pool names the function: were the function to name the pool (or its client), the stack could not
    # be deployed (a dependency cycle, which the synthesis refuses). SITE_URL is what its mails need.
    assert function["Environment"]["Variables"] == {"SITE_URL": SITE}


def test_the_message_function_may_write_its_logs_and_traces_and_nothing_else(
    resources: dict[str, Any],
) -> None:
    (_, function) = _message_function(resources)
    role = function["Role"]["Fn::GetAtt"][0]
    others = {
        f["Properties"]["Role"]["Fn::GetAtt"][0]
        for f in of_type(resources, "AWS::Serverless::Function").values()
        if f["Properties"]["FunctionName"] != MESSAGE_FUNCTION
    }

    allowed = {
        action
        for policy in of_type(resources, "AWS::IAM::Policy").values()
        if {"Ref": role} in policy["Properties"]["Roles"]
        for statement in policy["Properties"]["PolicyDocument"]["Statement"]
        for action in _as_list(statement["Action"])
    }
    assert role not in others
    assert allowed == {
        "logs:CreateLogStream",
        "logs:PutLogEvents",
        "xray:PutTraceSegments",
        "xray:PutTelemetryRecords",
    }
    assert "ManagedPolicyArns" not in resources[role]["Properties"]


def test_only_the_pool_may_invoke_the_message_function(resources: dict[str, Any]) -> None:
    (function_name, _) = _message_function(resources)
    (pool_name, _) = _the(resources, "AWS::Cognito::UserPool")

    permissions = [
        p["Properties"]
        for p in of_type(resources, "AWS::Lambda::Permission").values()
        if p["Properties"]["FunctionName"] in ({"Fn::GetAtt": [function_name, "Arn"]}, {"Ref": function_name})
    ]
    assert permissions == [
        {
            "Action": "lambda:InvokeFunction",
            "FunctionName": {"Fn::GetAtt": [function_name, "Arn"]},
            "Principal": "cognito-idp.amazonaws.com",
            "SourceArn": {"Fn::GetAtt": [pool_name, "Arn"]},
        }
    ]


def test_only_the_account_service_may_administer_the_pool_users(
    resources: dict[str, Any],
) -> None:
    (pool_name, _) = _the(resources, "AWS::Cognito::UserPool")
    (account,) = (
        f["Properties"]["Role"]["Fn::GetAtt"][0]
        for f in of_type(resources, "AWS::Serverless::Function").values()
        if f["Properties"]["FunctionName"] == "mesfactures-dev-account-api"
    )

    grants = _cognito_grants(resources)
    assert grants == [([{"Ref": account}], ACCOUNT_ADMIN_ACTIONS, [{"Fn::GetAtt": [pool_name, "Arn"]}])]
