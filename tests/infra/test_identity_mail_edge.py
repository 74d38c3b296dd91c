"""Cognito, SES, CloudFront and alarms."""

from __future__ import annotations

from typing import Any

from infra.stages import DEFAULTS
from tests.infra.conftest import of_type


def test_the_user_pool_has_a_password_policy_the_agency_attribute_and_the_finance_group(
    resources: dict[str, Any],
) -> None:
    (pool,) = of_type(resources, "AWS::Cognito::UserPool").values()
    properties = pool["Properties"]

    policy = properties["Policies"]["PasswordPolicy"]
    assert policy["MinimumLength"] >= 10
    assert all(
        policy[k] for k in ("RequireLowercase", "RequireUppercase", "RequireNumbers", "RequireSymbols")
    )
    assert {a["Name"] for a in properties["Schema"]} >= {"agency_id", "creditors"}
    assert properties["AdminCreateUserConfig"]["AllowAdminCreateUserOnly"] is True
    (group,) = of_type(resources, "AWS::Cognito::UserPoolGroup").values()
    assert group["Properties"]["GroupName"] == "finance"


def test_the_site_client_has_no_secret_and_cannot_write_the_agency(resources: dict[str, Any]) -> None:
    (client,) = of_type(resources, "AWS::Cognito::UserPoolClient").values()
    properties = client["Properties"]

    assert properties["GenerateSecret"] is False
    assert "custom:agency_id" not in properties["WriteAttributes"]
    assert "custom:creditors" not in properties["WriteAttributes"]
    assert "custom:agency_id" in properties["ReadAttributes"]


def test_mail_goes_out_from_the_stage_domain_through_a_configuration_set(resources: dict[str, Any]) -> None:
    (identity,) = of_type(resources, "AWS::SES::EmailIdentity").values()
    (configuration_set,) = of_type(resources, "AWS::SES::ConfigurationSet").values()

    assert identity["Properties"]["EmailIdentity"] == DEFAULTS["dev"]["mail_domain"]
    assert configuration_set["Properties"]["Name"] == "mesfactures-dev-mail"
    assert identity["Properties"]["ConfigurationSetAttributes"]["ConfigurationSetName"] == {
        "Ref": next(iter(of_type(resources, "AWS::SES::ConfigurationSet")))
    }


def test_cloudfront_serves_the_site_and_routes_each_api(resources: dict[str, Any]) -> None:
    (distribution,) = of_type(resources, "AWS::CloudFront::Distribution").values()
    config = distribution["Properties"]["DistributionConfig"]

    patterns = sorted(b["PathPattern"] for b in config["CacheBehaviors"])
    assert patterns == ["/api/account/*", "/api/disputes/*", "/api/payments/*", "/api/statement/*"]
    assert config["DefaultRootObject"] == "index.html"
    assert all(b["ViewerProtocolPolicy"] == "https-only" for b in config["CacheBehaviors"])
    assert all("POST" in b["AllowedMethods"] for b in config["CacheBehaviors"])
    assert config["DefaultCacheBehavior"]["ViewerProtocolPolicy"] == "redirect-to-https"


def test_the_site_and_apis_send_the_security_headers(resources: dict[str, Any]) -> None:
    (policy,) = of_type(resources, "AWS::CloudFront::ResponseHeadersPolicy").values()
    headers = policy["Properties"]["ResponseHeadersPolicyConfig"]["SecurityHeadersConfig"]
    (distribution,) = of_type(resources, "AWS::CloudFront::Distribution").values()
    config = distribution["Properties"]["DistributionConfig"]

    csp = headers["ContentSecurityPolicy"]["ContentSecurityPolicy"]
    csp_text = (
        csp if isinstance(csp, str) else "".join(p if isinstance(p, str) else "" for p in csp["Fn::Join"][1])
    )
    assert "default-src 'self'" in csp_text
    assert "frame-ancestors 'none'" in csp_text
    assert "connect-src 'self' https://mesfactures-dev-documents-" in csp_text
    assert headers["StrictTransportSecurity"]["AccessControlMaxAgeSec"] >= 31_536_000
    assert headers["FrameOptions"]["FrameOption"] == "DENY"
    assert headers["ContentTypeOptions"]["Override"] is True
    behaviors = [config["DefaultCacheBehavior"], *config["CacheBehaviors"]]
    assert all("ResponseHeadersPolicyId" in behavior for behavior in behaviors)


def test_alarms_watch_errors_throttles_server_errors_and_dead_letter_queues(
    resources: dict[str, Any],
) -> None:
    alarms = [a["Properties"] for a in of_type(resources, "AWS::CloudWatch::Alarm").values()]
    metrics = [(a["Namespace"], a["MetricName"]) for a in alarms]

    assert metrics.count(("AWS/Lambda", "Errors")) == 7
    assert metrics.count(("AWS/Lambda", "Throttles")) == 7
    assert metrics.count(("AWS/ApiGateway", "5XXError")) == 4
    assert metrics.count(("AWS/SQS", "ApproximateNumberOfMessagesVisible")) == 2
    assert all(a["AlarmActions"] for a in alarms)
    api_names = {d["Value"] for a in alarms if a["Namespace"] == "AWS/ApiGateway" for d in a["Dimensions"]}
    assert "mesfactures-dev-payments" in api_names


def test_the_stages_name_their_resources_apart() -> None:
    assert DEFAULTS.keys() == {"dev", "prod"}
    assert DEFAULTS["dev"]["mail_domain"] != DEFAULTS["prod"]["mail_domain"]


def test_cloudwatch_may_use_the_key_of_the_alarm_topic(resources: dict[str, Any]) -> None:
    (topic,) = of_type(resources, "AWS::SNS::Topic").values()
    key_id = topic["Properties"]["KmsMasterKeyId"]["Fn::GetAtt"][0]
    key = resources[key_id]["Properties"]

    allowed = [
        statement["Action"]
        for statement in key["KeyPolicy"]["Statement"]
        if statement["Principal"] == {"Service": "cloudwatch.amazonaws.com"}
    ]
    assert allowed == [["kms:Decrypt", "kms:GenerateDataKey*"]]
    assert key["EnableKeyRotation"] is True
