"""The statement page through the local gateway against the bare DynamoDB Query of the same page, on the
same DynamoDB Local, for a demo account and for a year of 10,000 entries: information on the local stack
(the budget is the handler's, bench/lambdas.py)."""

from __future__ import annotations

from typing import Any

import boto3

from bench.portal import Session
from bench.report import Row
from bench.timing import interleaved
from devstack.config import REGION, StackConfig

PAGE = 50


def query_parameters(table: str, agency_id: str, creditor: str) -> dict[str, Any]:
    """The Query the statement's 'all entries' view makes, as low-level parameters: same index, key
    condition, order, page size and consistency."""
    from mesfactures.domain.calendar import today_in_paris
    from mesfactures.domain.creditors import Creditor
    from mesfactures.persistence import keys
    from mesfactures.statement.statement import statement_query

    query = statement_query({"scope": "all", "limit": str(PAGE)}, today_in_paris())
    assert query.date_from and query.date_to  # noqa: S101
    low, high = keys.by_date_range(query.date_from, query.date_to)
    return {
        "TableName": table,
        "IndexName": "by_date",
        "KeyConditionExpression": "PK = :pk AND BY_DATE BETWEEN :low AND :high",
        "ExpressionAttributeValues": {
            ":pk": {"S": keys.account_pk(agency_id, Creditor(creditor))},
            ":low": {"S": low},
            ":high": {"S": high},
        },
        "ScanIndexForward": False,
        "ConsistentRead": True,
        "Limit": PAGE,
    }


def bare_query(config: StackConfig, agency_id: str, creditor: str) -> Any:
    """That Query made with boto3 alone, straight to DynamoDB Local (no proxy in between)."""
    client: Any = boto3.session.Session().client(
        "dynamodb", region_name=REGION, endpoint_url=config.dynamodb_url
    )
    parameters = query_parameters(config.table_name, agency_id, creditor)

    def run() -> int:
        return len(client.query(**parameters)["Items"])

    return run


def statement_page(session: Session, creditor: str) -> Any:
    def run() -> int:
        answer = session.get(f"statement/creditors/{creditor}/entries", scope="all", limit=str(PAGE))
        if answer.status_code != 200:
            raise RuntimeError(f"statement page: {answer.status_code} {answer.text[:200]}")
        return len(answer.json()["entries"])

    return run


def measure(
    config: StackConfig, session: Session, agency_id: str, creditor: str, label: str, *, times: int
) -> Row:
    gateway = statement_page(session, creditor)
    bare = bare_query(config, agency_id, creditor)
    entries, items = gateway(), bare()
    if entries != items:
        raise RuntimeError(f"{label}: the gateway's page has {entries} entries, the bare Query {items}")
    through, direct = interleaved(gateway, bare, times=times, warmup=max(5, times // 10))
    ratio = through.median / direct.median
    return Row(
        "Local gateway",
        f"statement page, {label} ({entries} entries): through the local gateway (information)",
        f"{through.median:.2f} ms (p95 {through.p95:.2f})",
        f"{direct.median:.2f} ms (p95 {direct.p95:.2f})",
        ratio,
        "info",
        {
            "gateway": through.summary(),
            "bare_query": direct.summary(),
            "entries": entries,
            "p95_ratio": round(through.p95 / direct.p95, 2),
        },
    )
