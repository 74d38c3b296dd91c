"""DynamoDB's answers read as sent (persistence/wire.py) equal what botocore's full parsing gives."""

from __future__ import annotations

import json

import botocore.session
from botocore.parsers import ResponseParserFactory
from pynamodb.attributes import BinaryAttribute, BinarySetAttribute

from mesfactures.persistence.table import LedgerItem
from mesfactures.persistence.wire import AsSentParsers

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
