"""DynamoDB's answers read as sent (persistence/wire.py) equal what botocore's full parsing gives."""

from __future__ import annotations

import json
from typing import Any

import botocore.session
from botocore.parsers import ResponseParserFactory
from botocore.serialize import create_serializer
from pynamodb.attributes import BinaryAttribute, BinarySetAttribute

from mesfactures.persistence.table import LedgerItem
from mesfactures.persistence.wire import AsGivenSerializer, AsSentParsers

ANSWER = {
    "Items": [
        {
            "PK": {"S": "ACC#AG-1001#POLIRIS"},
            "SK": {"S": "DOC#FA-2026-000123"},
            "amount_cents": {"N": "12000"},
            "settles": {"L": [{"S": "FA-2026-000001"}]},
            "lines": {"L": [{"M": {"label": {"S": "Annonce"}, "quantity": {"N": "2"}}}]},
            "dispute_id": {"NULL": True},
            "overdue": {"BOOL": False},
            "tags": {"SS": ["a", "b"]},
        }
    ],
    "Count": 1,
    "ScannedCount": 1,
    "LastEvaluatedKey": {"PK": {"S": "ACC#AG-1001#POLIRIS"}, "SK": {"S": "DOC#FA-2026-000123"}},
    "ConsumedCapacity": {"TableName": "ledger", "CapacityUnits": 0.5},
}


def _parsed(factory: ResponseParserFactory) -> dict[str, object]:
    query = botocore.session.get_session().get_service_model("dynamodb").operation_model("Query")
    response = {
        "status_code": 200,
        "headers": {"x-amzn-requestid": "R1"},
        "body": json.dumps(ANSWER).encode(),
    }
    assert query.output_shape is not None
    parsed: dict[str, object] = factory.create_parser("json").parse(response, query.output_shape)
    parsed.pop("ResponseMetadata")
    return parsed


def test_a_query_answer_read_as_sent_equals_botocores_parsing_of_it() -> None:
    assert _parsed(AsSentParsers()) == _parsed(ResponseParserFactory())


def test_the_ledger_holds_no_binary_attribute_the_answers_read_as_sent_would_leave_encoded() -> None:
    models = [LedgerItem]
    while models:
        model = models.pop()
        models.extend(model.__subclasses__())
        for name, attribute in model.get_attributes().items():
            assert not isinstance(attribute, BinaryAttribute | BinarySetAttribute), f"{model.__name__}.{name}"


def _requests() -> list[tuple[str, dict[str, Any]]]:
    """Requests as pynamodb makes them: a conditioned transaction of new documents, an update with
    values, a query with a filter, a batch of puts."""
    item = {
        "PK": {"S": "ACC#AG-1001#POLIRIS"},
        "SK": {"S": "DOC#FA-2026-000123"},
        "amount_cents": {"N": "12000"},
        "label": {"S": "Annonces « été », lot 3"},
        "settles": {"L": [{"S": "FA-2026-000001"}]},
        "lines": {"L": [{"M": {"label": {"S": "Annonce"}, "quantity": {"N": "2"}}}]},
        "dispute_id": {"NULL": True},
        "overdue": {"BOOL": False},
        "tags": {"SS": ["a", "b"]},
    }
    condition = {"ConditionExpression": "attribute_not_exists (#0)", "ExpressionAttributeNames": {"#0": "SK"}}
    return [
        (
            "TransactWriteItems",
            {"TransactItems": [{"Put": {"TableName": "ledger", "Item": item, **condition}}]},
        ),
        (
            "UpdateItem",
            {
                "TableName": "ledger",
                "Key": {"PK": item["PK"], "SK": item["SK"]},
                "UpdateExpression": "SET #1 = :0",
                "ConditionExpression": "#1 = :1",
                "ExpressionAttributeNames": {"#1": "balance_cents"},
                "ExpressionAttributeValues": {":0": {"N": "0"}, ":1": {"N": "12000"}},
                "ReturnValues": "ALL_NEW",
            },
        ),
        (
            "Query",
            {
                "TableName": "ledger",
                "IndexName": "open_items",
                "KeyConditionExpression": "#0 = :0",
                "ExpressionAttributeNames": {"#0": "PK"},
                "ExpressionAttributeValues": {":0": item["PK"]},
                "ConsistentRead": True,
                "Limit": 50,
                "ScanIndexForward": False,
            },
        ),
        ("BatchWriteItem", {"RequestItems": {"ledger": [{"PutRequest": {"Item": item}}]}}),
    ]


def _serializer(as_given: bool) -> Any:
    serializer = create_serializer("json", include_validation=False)
    return AsGivenSerializer(serializer) if as_given else serializer


def test_requests_written_as_given_equal_botocores_serialization_of_them() -> None:
    model = botocore.session.get_session().get_service_model("dynamodb")
    for name, parameters in _requests():
        operation = model.operation_model(name)
        given = _serializer(as_given=True).serialize_to_request(parameters, operation)
        walked = _serializer(as_given=False).serialize_to_request(parameters, operation)
        assert {**given, "body": json.loads(given["body"])} == {**walked, "body": json.loads(walked["body"])}
        assert given["body"] == walked["body"], name  # byte for byte, as signed


def test_a_request_plain_json_cannot_write_goes_through_botocores_serializer() -> None:
    model = botocore.session.get_session().get_service_model("dynamodb")
    operation = model.operation_model("PutItem")
    parameters = {
        "TableName": "ledger",
        "Item": {"PK": {"S": "x"}, "SK": {"S": "y"}, "blob": {"B": b"\x00\xff"}},
    }
    given = _serializer(as_given=True).serialize_to_request(parameters, operation)
    assert json.loads(given["body"])["Item"]["blob"] == {"B": "AP8="}
