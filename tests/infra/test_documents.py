"""The document bucket, the import inbox and its queue, the site bucket."""

from __future__ import annotations

import json
from typing import Any

from mesfactures.domain.creditors import Creditor
from tests.infra.conftest import of_type


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
    assert imports["VisibilityTimeout"] >= 6 * 30
    assert all(queue["SqsManagedSseEnabled"] is True for queue in queues.values())
