"""Stages: dev and prod side by side in one account, no name shared."""

from __future__ import annotations

import json
from typing import Any

import aws_cdk as cdk
import pytest
from aws_cdk.assertions import Template

from infra.stages import stage_from

NAMED = (
    "TableName",
    "QueueName",
    "FunctionName",
    "BucketName",
    "UserPoolName",
    "ManagedPolicyName",
    "LogGroupName",
    "TopicName",
    "AlarmName",
)


def _names(template: Template) -> set[str]:
    names: set[str] = set()
    for resource in template.to_json()["Resources"].values():
        properties: dict[str, Any] = resource.get("Properties", {})
        for key in NAMED:
            value = properties.get(key)
            if isinstance(value, dict) and value.keys() & {"Ref", "Fn::GetAtt"}:
                continue  # a reference to another resource, not a name
            if value is not None:
                names.add(value if isinstance(value, str) else json.dumps(value, sort_keys=True))
    return names


def test_dev_and_prod_share_no_resource_name(template: Template, prod_template: Template) -> None:
    dev, prod = _names(template), _names(prod_template)

    assert len(dev) == len(prod) > 30
    assert not dev & prod
    assert all("mesfactures-prod" in name for name in prod)


def test_the_stage_comes_from_context_and_an_unknown_one_is_refused() -> None:
    assert stage_from(cdk.App(context={"stage": "prod"})).prefix == "mesfactures-prod"
    assert stage_from(cdk.App()).prefix == "mesfactures-dev"
    with pytest.raises(ValueError, match="staging"):
        stage_from(cdk.App(context={"stage": "staging"}))
