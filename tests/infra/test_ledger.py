"""The ledger table: the pynamodb models say what it is; the template must agree."""

from __future__ import annotations

from typing import Any

from pynamodb.attributes import Attribute, TTLAttribute
from pynamodb.indexes import GlobalSecondaryIndex, Index, LocalSecondaryIndex

from mesfactures.persistence.table import LedgerItem, models
from tests.infra.conftest import of_type


def _keys(owner: type[Any]) -> list[dict[str, str]]:
    attributes = [value for value in vars(owner).values() if isinstance(value, Attribute)]
    hash_key = [{"AttributeName": a.attr_name, "KeyType": "HASH"} for a in attributes if a.is_hash_key]
    range_key = [{"AttributeName": a.attr_name, "KeyType": "RANGE"} for a in attributes if a.is_range_key]
    return hash_key + range_key


def _model_indexes(kind: type[Index[Any]]) -> dict[str, list[dict[str, str]]]:
    indexes = [value for value in vars(LedgerItem).values() if isinstance(value, kind)]
    return {index.Meta.index_name: _keys(type(index)) for index in indexes}


def _table(resources: dict[str, Any]) -> dict[str, Any]:
    (table,) = of_type(resources, "AWS::DynamoDB::Table").values()
    properties: dict[str, Any] = table["Properties"]
    return properties


def _template_indexes(table: dict[str, Any], key: str) -> dict[str, list[dict[str, str]]]:
    return {index["IndexName"]: index["KeySchema"] for index in table.get(key, [])}


def test_the_table_keys_and_indexes_are_those_of_the_models(resources: dict[str, Any]) -> None:
    table = _table(resources)

    assert table["KeySchema"] == _keys(LedgerItem)
    assert _template_indexes(table, "LocalSecondaryIndexes") == _model_indexes(LocalSecondaryIndex)
    assert _template_indexes(table, "GlobalSecondaryIndexes") == _model_indexes(GlobalSecondaryIndex)
    assert {"by_date", "open_items", "finance", "by_id"} <= (
        _model_indexes(LocalSecondaryIndex).keys() | _model_indexes(GlobalSecondaryIndex).keys()
    )
    projections = [i["Projection"] for i in table["LocalSecondaryIndexes"] + table["GlobalSecondaryIndexes"]]
    assert projections == [{"ProjectionType": "ALL"}] * 4


def test_the_table_is_on_demand_recoverable_streamed_encrypted_and_retained(
    resources: dict[str, Any],
) -> None:
    (resource,) = of_type(resources, "AWS::DynamoDB::Table").values()
    table = resource["Properties"]

    assert table["BillingMode"] == "PAY_PER_REQUEST"
    assert table["PointInTimeRecoverySpecification"] == {"PointInTimeRecoveryEnabled": True}
    assert table["StreamSpecification"] == {"StreamViewType": "NEW_AND_OLD_IMAGES"}
    assert table["SSESpecification"]["SSEEnabled"] is True
    assert table["DeletionProtectionEnabled"] is True
    assert resource["DeletionPolicy"] == "Retain"
    assert resource["UpdateReplacePolicy"] == "Retain"
    assert table["TableName"] == "mesfactures-dev-ledger"


def test_the_table_expires_items_by_the_ttl_attribute_of_the_models(resources: dict[str, Any]) -> None:
    """Signed-out tokens, sign-in counters, sent mails and Stripe event ids are forgotten by DynamoDB only
    if the table names the attribute; an entity whose expiry is a plain number would never be."""
    expiring = {
        (model.__name__, attribute.attr_name): isinstance(attribute, TTLAttribute)
        for model in models()
        for attribute in model.get_attributes().values()
        if attribute.attr_name == "TTL"
    }
    assert {"RevokedSessionItem", "RateLimitItem", "OutboxItem", "ProcessedEventItem"} <= {
        model for model, _ in expiring
    }
    assert all(expiring.values()), f"expiry kept in a plain attribute: {expiring}"

    assert _table(resources)["TimeToLiveSpecification"] == {"AttributeName": "TTL", "Enabled": True}
