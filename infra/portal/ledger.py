"""The ledger: one DynamoDB table whose keys and indexes are read from the pynamodb models."""

from __future__ import annotations

from typing import Any

from aws_cdk import aws_dynamodb as dynamodb
from constructs import Construct
from pynamodb.attributes import TTLAttribute

from infra.stages import Stage
from mesfactures.persistence.table import LedgerItem, models

_TYPES = {
    "S": dynamodb.AttributeType.STRING,
    "N": dynamodb.AttributeType.NUMBER,
    "B": dynamodb.AttributeType.BINARY,
}


def _key(schema: list[dict[str, str]], definitions: dict[str, str], kind: str) -> dynamodb.Attribute | None:
    name = next((key["AttributeName"] for key in schema if key["KeyType"] == kind), None)
    return None if name is None else dynamodb.Attribute(name=name, type=_TYPES[definitions[name]])


def ttl_attribute() -> str | None:
    """The attribute DynamoDB expires items by, if an entity of the table declares one."""
    names = {
        attribute.attr_name
        for model in models()
        for attribute in model.get_attributes().values()
        if isinstance(attribute, TTLAttribute)
    }
    if len(names) > 1:
        raise ValueError(f"a table expires items by one attribute, the models name {sorted(names)}")
    return next(iter(names), None)


class Ledger(Construct):
    def __init__(self, scope: Construct, construct_id: str, *, stage: Stage) -> None:
        super().__init__(scope, construct_id)
        schema: Any = LedgerItem._get_schema()
        types = {item["AttributeName"]: item["AttributeType"] for item in schema["attribute_definitions"]}
        partition_key = _key(schema["key_schema"], types, "HASH")
        assert partition_key is not None  # noqa: S101 (a pynamodb model always has a hash key)
        self.table = dynamodb.Table(
            self,
            "Table",
            table_name=f"{stage.prefix}-ledger",
            partition_key=partition_key,
            sort_key=_key(schema["key_schema"], types, "RANGE"),
            billing_mode=dynamodb.BillingMode.PAY_PER_REQUEST,
            point_in_time_recovery_specification=dynamodb.PointInTimeRecoverySpecification(
                point_in_time_recovery_enabled=True
            ),
            # The outbox is delivered from the stream (services/notifications).
            stream=dynamodb.StreamViewType(LedgerItem.Meta.stream_view_type),
            encryption=dynamodb.TableEncryption.AWS_MANAGED,
            deletion_protection=stage.retain_data,
            removal_policy=stage.removal_policy,
            time_to_live_attribute=ttl_attribute(),
        )
        for index in schema.get("local_secondary_indexes", []):
            sort_key = _key(index["key_schema"], types, "RANGE")
            assert sort_key is not None  # noqa: S101 (a local index differs from the table by its sort key)
            self.table.add_local_secondary_index(
                index_name=index["index_name"],
                sort_key=sort_key,
                projection_type=dynamodb.ProjectionType(index["projection"]["ProjectionType"]),
            )
        for index in schema.get("global_secondary_indexes", []):
            index_partition_key = _key(index["key_schema"], types, "HASH")
            assert index_partition_key is not None  # noqa: S101
            self.table.add_global_secondary_index(
                index_name=index["index_name"],
                partition_key=index_partition_key,
                sort_key=_key(index["key_schema"], types, "RANGE"),
                projection_type=dynamodb.ProjectionType(index["projection"]["ProjectionType"]),
            )
