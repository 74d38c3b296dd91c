"""The document bucket, the import inbox and its queue, the site bucket."""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import urlsplit

import boto3

from mesfactures.documents.store import DocumentStore, upload_key
from mesfactures.domain.creditors import Creditor
from mesfactures.imports.importer import IMPORT_TIMEOUT_SECONDS
from mesfactures.settings import settings_from
from mesfactures.wiring import read_urls_for, s3_client_for
from tests.infra.conftest import of_type


def origin_of(url: str) -> str:
    """`scheme://host[:port]` of a URL: what a CSP source is compared with."""
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}"


def _document_bucket(resources: dict[str, Any]) -> dict[str, Any]:
    (bucket,) = (
        r for name, r in of_type(resources, "AWS::S3::Bucket").items() if name.startswith("DocumentsBucket")
    )
    properties: dict[str, Any] = bucket
    return properties


def test_the_document_bucket_is_private_versioned_encrypted_and_retained(resources: dict[str, Any]) -> None:
    bucket = _document_bucket(resources)
    properties = bucket["Properties"]

    assert properties["PublicAccessBlockConfiguration"] == {
        "BlockPublicAcls": True,
        "BlockPublicPolicy": True,
        "IgnorePublicAcls": True,
        "RestrictPublicBuckets": True,
    }
    assert properties["VersioningConfiguration"] == {"Status": "Enabled"}
    encryption = properties["BucketEncryption"]["ServerSideEncryptionConfiguration"][0]
    assert encryption["ServerSideEncryptionByDefault"]["SSEAlgorithm"] == "AES256"
    assert bucket["DeletionPolicy"] == "Retain"
    rules = {rule["Id"]: rule for rule in properties["LifecycleConfiguration"]["Rules"]}
    assert rules["imports"]["Prefix"] == "imports/"
    assert rules["imports"]["ExpirationInDays"] == 365
    assert (rules["uploads"]["Prefix"], rules["uploads"]["ExpirationInDays"]) == ("uploads/", 1)
    assert (rules["releves"]["Prefix"], rules["releves"]["ExpirationInDays"]) == ("documents/releves/", 1)


def test_every_bucket_refuses_requests_without_tls(resources: dict[str, Any]) -> None:
    policies = of_type(resources, "AWS::S3::BucketPolicy").values()
    denied = [
        statement
        for policy in policies
        for statement in policy["Properties"]["PolicyDocument"]["Statement"]
        if statement["Effect"] == "Deny"
        and statement["Condition"] == {"Bool": {"aws:SecureTransport": "false"}}
    ]

    assert len(denied) == len(of_type(resources, "AWS::S3::Bucket")) == 2


def test_each_creditor_inbox_notifies_the_import_queue(resources: dict[str, Any]) -> None:
    (notifications,) = of_type(resources, "Custom::S3BucketNotifications").values()
    queues = notifications["Properties"]["NotificationConfiguration"]["QueueConfigurations"]

    prefixes = [q["Filter"]["Key"]["FilterRules"] for q in queues]
    assert prefixes == [[{"Name": "prefix", "Value": f"imports/inbox/{c.value}/"}] for c in Creditor]
    assert {json.dumps(q["QueueArn"]) for q in queues} == {
        '{"Fn::GetAtt": ["DocumentsImportQueue3D546122", "Arn"]}'
    }
    assert all(q["Events"] == ["s3:ObjectCreated:*"] for q in queues)


def test_each_creditor_erp_may_write_only_under_its_own_inbox(resources: dict[str, Any]) -> None:
    policies = of_type(resources, "AWS::IAM::ManagedPolicy").values()
    by_name = {
        p["Properties"]["ManagedPolicyName"]: p["Properties"]["PolicyDocument"]["Statement"] for p in policies
    }

    for creditor in Creditor:
        (statement,) = by_name[f"mesfactures-dev-erp-{creditor.value.lower().replace('_', '-')}"]
        assert statement["Action"] == "s3:PutObject"
        assert statement["Resource"]["Fn::Join"][1][-1] == f"/imports/inbox/{creditor.value}/*"


def test_the_import_queue_hands_failures_to_its_dead_letter_queue(resources: dict[str, Any]) -> None:
    queues = {
        r["Properties"]["QueueName"]: r["Properties"] for r in of_type(resources, "AWS::SQS::Queue").values()
    }

    imports = queues["mesfactures-dev-imports"]
    assert imports["RedrivePolicy"]["maxReceiveCount"] == 5
    assert imports["RedrivePolicy"]["deadLetterTargetArn"]["Fn::GetAtt"][0].startswith(
        "DocumentsImportDeadLetters"
    )
    assert imports["VisibilityTimeout"] == 6 * IMPORT_TIMEOUT_SECONDS, "SQS's advice for Lambda triggers"
    assert all(queue["SqsManagedSseEnabled"] is True for queue in queues.values())


def test_the_import_function_has_its_own_time_and_hands_its_slices_on_through_its_queue(
    resources: dict[str, Any],
) -> None:
    functions = {
        r["Properties"]["FunctionName"]: r["Properties"]
        for r in of_type(resources, "AWS::Serverless::Function").values()
    }
    imports = functions["mesfactures-dev-statement-import-files"]
    assert imports["Timeout"] == IMPORT_TIMEOUT_SECONDS
    assert functions["mesfactures-dev-statement-api"]["Timeout"] == 30
    queue = next(name for name in resources if name.startswith("DocumentsImportQueue"))
    assert imports["Environment"]["Variables"]["IMPORT_QUEUE"] == {"Fn::GetAtt": [queue, "QueueName"]}
    sends = [
        statement
        for policy in of_type(resources, "AWS::IAM::Policy").values()
        if policy["Properties"]["Roles"][0]["Ref"].startswith("StatementRole")
        for statement in policy["Properties"]["PolicyDocument"]["Statement"]
        if "sqs:SendMessage" in statement["Action"]
    ]
    assert [s["Resource"]["Fn::GetAtt"][0] for s in sends] == [queue]


# What CloudFormation substitutes at deployment, for a URL signed as the deployed functions sign it.
DEPLOYED = {"AWS::AccountId": "123456789012", "AWS::Region": "eu-west-3", "AWS::URLSuffix": "amazonaws.com"}


def _deployed(value: Any, resources: dict[str, Any]) -> str:
    """A template value as deployed: pseudo parameters substituted, a bucket's Ref its name, other Refs
    placeholders (ids known only once created)."""
    if isinstance(value, str):
        return value
    if "Fn::Join" in value:
        separator, parts = value["Fn::Join"]
        return str(separator).join(_deployed(part, resources) for part in parts)
    if "Ref" in value:
        name = value["Ref"]
        if name in DEPLOYED:
            return DEPLOYED[name]
        resource = resources.get(name, {})
        if resource.get("Type") == "AWS::S3::Bucket":
            return _deployed(resource["Properties"]["BucketName"], resources)
        return f"id-of-{name}"
    return json.dumps(value)


def test_an_upload_url_signed_as_deployed_is_one_the_site_lets_the_browser_put_to(
    resources: dict[str, Any],
) -> None:
    """botocore signs for the global host unless told otherwise; the CSP names one origin. Locally both
    are 127.0.0.1, so only this comparison shows that a browser in AWS may PUT an attachment."""
    (function,) = (
        r["Properties"]
        for r in of_type(resources, "AWS::Serverless::Function").values()
        if r["Properties"]["FunctionName"] == "mesfactures-dev-disputes-api"
    )
    environment = {name: _deployed(v, resources) for name, v in function["Environment"]["Variables"].items()}
    settings = settings_from({**environment, "AWS_DEFAULT_REGION": DEPLOYED["AWS::Region"]})
    session = boto3.session.Session(aws_access_key_id="AKIDEXAMPLE", aws_secret_access_key="not-a-secret")
    store = DocumentStore(
        lambda: s3_client_for(settings, session), settings.bucket_name, read_urls_for(settings, session)
    )

    url = store.upload_url(upload_key("AG-1001", Creditor.POLIRIS, "01JATTACHMENT"), "application/pdf", 1_000)

    (policy,) = of_type(resources, "AWS::CloudFront::ResponseHeadersPolicy").values()
    csp = policy["Properties"]["ResponseHeadersPolicyConfig"]["SecurityHeadersConfig"][
        "ContentSecurityPolicy"
    ]
    (connect,) = (
        d.split()[1:]
        for d in _deployed(csp["ContentSecurityPolicy"], resources).split(";")
        if d.split()[0] == "connect-src"
    )
    assert settings.bucket_name == "mesfactures-dev-documents-123456789012-eu-west-3"
    assert origin_of(url) in connect, f"{origin_of(url)} is not in connect-src {connect}"
