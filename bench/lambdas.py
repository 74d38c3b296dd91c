"""The functions as Lambda runs them, with no local gateway in between:

- **warm**: the statement page through the statement app's Lambda entry point, in-process and warm,
  against the bare DynamoDB Query of the same page on the same DynamoDB Local (budget ≤ 1.3x);
- **cold first request**: a fresh interpreter imports the app and serves its first request (statement
  page, document link, opening a dispute, checkout), against a minimal Chalice function in the same kind
  of process making the same DynamoDB call with boto3 (budget ≤ 1.5x);
- **memory**: each function in a fresh process serving a realistic mix of requests: its peak resident
  memory and each request's warm duration, which infra/ and the bill (bench/bill.py) use.
"""

from __future__ import annotations

import json
import os
import statistics
import subprocess
import sys
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from bench.lambda_events import LambdaContext, api_event
from bench.latency import PAGE, bare_query, query_parameters
from bench.report import Row, verdict
from bench.timing import interleaved
from devstack.config import ROOT, StackConfig
from mesfactures.coldstart import LAMBDA_FUNCTION_VARIABLE

WARM_BUDGET = 1.3
COLD_BUDGET = 1.5

ENTRIES = "/statement/creditors/{creditor}/entries"
SUMMARY = "/statement/creditors/{creditor}/summary"
DOCUMENT = "/statement/creditors/{creditor}/documents/{number}"
EXPORT = "/statement/creditors/{creditor}/export.csv"
DISPUTES = "/disputes/creditors/{creditor}/disputes"
CHECKOUT = "/payments/creditors/{creditor}/checkout"
PAYMENT = "/payments/creditors/{creditor}/payments/{payment_id}"
WEBHOOK = "/payments/stripe/webhook"


@dataclass(frozen=True)
class Caller:
    """Whose requests: a signed-in agency user's cookie, their agency and the creditor of the account."""

    cookie: str
    agency_id: str
    creditor: str
    table: str
    settings: dict[str, str]  # the function's environment (bench/serve.py)


def _page(caller: Caller) -> dict[str, Any]:
    return api_event(
        "GET", ENTRIES, {"creditor": caller.creditor}, {"scope": "all", "limit": str(PAGE)}, caller.cookie
    )


# --- Warm, in-process ----------------------------------------------------------------------------------


def _load(service: str) -> Any:
    import importlib.util

    spec = importlib.util.spec_from_file_location(
        f"bench_lambda_{service}", ROOT / "services" / service / "app.py"
    )
    if spec is None or spec.loader is None:
        raise ImportError(service)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module.app


def warm_row(config: StackConfig, caller: Caller, label: str, *, times: int) -> Row:
    app = _load("statement")
    context = LambdaContext("statement")

    def through_handler() -> int:
        answer = app(_page(caller), context)
        if answer["statusCode"] != 200:
            raise RuntimeError(f"statement page: {answer['statusCode']} {answer['body'][:200]}")
        return len(json.loads(answer["body"])["entries"])

    bare = bare_query(config, caller.agency_id, caller.creditor)
    entries, items = through_handler(), bare()
    if entries != items:
        raise RuntimeError(f"{label}: the handler's page has {entries} entries, the bare Query {items}")
    handler, direct = interleaved(through_handler, bare, times=times, warmup=max(5, times // 10))
    ratio = handler.median / direct.median
    return Row(
        "Warm request",
        f"statement page, {label} ({entries} entries): handler ≤ {WARM_BUDGET}x bare Query",
        f"{handler.median:.2f} ms (p95 {handler.p95:.2f})",
        f"{direct.median:.2f} ms (p95 {direct.p95:.2f})",
        ratio,
        verdict(ratio <= WARM_BUDGET),
        {"handler": handler.summary(), "bare_query": direct.summary(), "entries": entries},
    )


# --- Cold first request, in fresh processes ------------------------------------------------------------


def fresh_process(instructions: dict[str, Any], settings: dict[str, str]) -> dict[str, Any]:
    """Runs bench/firstrequest.py in a new interpreter with the function's environment only, and the
    variable Lambda sets in every function (what a function does only in Lambda, it does here)."""
    function_name = {LAMBDA_FUNCTION_VARIABLE: f"mesfactures-{instructions['function']}"}
    environment = {"PATH": "/usr/bin:/bin", "LANG": "C.UTF-8", **function_name, **settings}
    if "PYTHONPATH" in os.environ:  # a benchmark run from a copy of the tree (its src/ first)
        environment["PYTHONPATH"] = os.environ["PYTHONPATH"]
    done = subprocess.run(
        [sys.executable, "-m", "bench.firstrequest"],
        input=json.dumps(instructions),
        capture_output=True,
        text=True,
        cwd=ROOT,
        env=environment,
        timeout=600,
        check=False,
    )
    if done.returncode != 0:
        raise RuntimeError(f"{instructions['function']} ({instructions['mode']}): {done.stderr[-1500:]}")
    result: dict[str, Any] = json.loads(done.stdout.strip().splitlines()[-1])
    if result["status"] >= 400 or result.get("mix_errors"):
        raise RuntimeError(f"{instructions['function']}: {result}")
    return result


def _scratch_puts(table: str, count: int) -> dict[str, Any]:
    """A transaction of `count` small puts under a key of the benchmark's own (never read)."""
    key = f"BENCH-FLOOR-{uuid.uuid4().hex}"
    return {
        "TransactItems": [
            {"Put": {"TableName": table, "Item": {"PK": {"S": key}, "SK": {"S": f"ITEM-{n}"}}}}
            for n in range(count)
        ]
    }


@dataclass(frozen=True)
class Scenario:
    """A route's first request and its floor: `event` and `floor_call` are made anew for each process (a
    dispute or a checkout needs invoices of its own)."""

    name: str
    function: str
    event: Callable[[], dict[str, Any]]
    floor_call: Callable[[], dict[str, Any]]


def scenarios(
    caller: Caller, document_number: str, fresh_invoices: Callable[[], list[str]]
) -> list[Scenario]:
    from mesfactures.domain.creditors import Creditor
    from mesfactures.persistence import keys

    creditor = {"creditor": caller.creditor}
    document_key = {
        "PK": {"S": keys.account_pk(caller.agency_id, Creditor(caller.creditor))},
        "SK": {"S": keys.document_sk(document_number)},
    }

    def dispute() -> dict[str, Any]:
        body = {"invoice_numbers": fresh_invoices(), "reason": "wrong_amount", "comment": "Montant erroné."}
        return api_event("POST", DISPUTES, creditor, None, caller.cookie, body)

    def checkout() -> dict[str, Any]:
        return api_event(
            "POST", CHECKOUT, creditor, None, caller.cookie, {"invoice_numbers": fresh_invoices()}
        )

    return [
        Scenario(
            "statement page",
            "statement",
            lambda: _page(caller),
            lambda: {
                "operation": "query",
                "parameters": query_parameters(caller.table, caller.agency_id, caller.creditor),
            },
        ),
        Scenario(
            "document link",
            "statement",
            lambda: api_event("GET", DOCUMENT, {**creditor, "number": document_number}, None, caller.cookie),
            lambda: {"operation": "get_item", "parameters": {"TableName": caller.table, "Key": document_key}},
        ),
        # Opening a dispute on two invoices writes six items in one transaction (dispute, its history,
        # the two invoices, the outbox's mail, the journal line); checking out two, four (payment, the
        # two invoices, the journal line).
        Scenario(
            "opening a dispute",
            "disputes",
            dispute,
            lambda: {"operation": "transact_write_items", "parameters": _scratch_puts(caller.table, 6)},
        ),
        Scenario(
            "checkout",
            "payments",
            checkout,
            lambda: {
                "operation": "transact_write_items",
                "parameters": _scratch_puts(caller.table, 4),
                "stripe": True,
            },
        ),
    ]


def cold_rows(caller: Caller, cases: list[Scenario], *, times: int) -> list[Row]:
    rows = []
    for case in cases:
        real: list[float] = []
        floor: list[float] = []
        for run in range(times + 1):  # the first pair warms the page cache and the bytecode: not counted
            app = fresh_process(
                {"mode": "app", "function": case.function, "event": case.event()}, caller.settings
            )
            base = fresh_process(
                {
                    "mode": "floor",
                    "function": case.function,
                    "event": case.event(),
                    "call": case.floor_call(),
                },
                caller.settings,
            )
            if run:
                real.append(app["first_ms"])
                floor.append(base["first_ms"])
        ratio = statistics.median(real) / statistics.median(floor)
        rows.append(
            Row(
                "Cold start",
                f"first request, {case.name} ({case.function}): import + first call ≤ {COLD_BUDGET}x floor",
                f"{statistics.median(real):.1f} ms (max {max(real):.1f})",
                f"{statistics.median(floor):.1f} ms (minimal Chalice + boto3"
                + (" + stripe)" if case.function == "payments" else ")"),
                ratio,
                verdict(ratio <= COLD_BUDGET),
                {
                    "median_ms": round(statistics.median(real), 1),
                    "floor_median_ms": round(statistics.median(floor), 1),
                    "samples_ms": [round(x, 1) for x in real],
                    "floor_samples_ms": [round(x, 1) for x in floor],
                    "n": times,
                },
            )
        )
    return rows


# --- Memory and warm durations of each function, on a mix of requests --------------------------------


IMPORT_FILE_ROWS = 20_000  # about 2 MB; the feed allows 20 MB (docs/import.md)
LARGEST_FILE_FACTOR = 10


def memory_rows(
    mixes: dict[str, dict[str, Any]], settings: dict[str, str]
) -> tuple[list[Row], dict[str, Any]]:
    """Each function in a fresh process: its first request, then its mix. Returns the rows and, per
    function, the peak memory and the warm durations by request (for the bill). Budget: the memory size
    infra/ sets leaves the headroom it states over the peak, and not more than twice that."""
    from infra.portal.sizing import HEADROOM, MEMORY_MB, memory_for

    measured: dict[str, Any] = {}
    rows = []
    for name, instructions in mixes.items():
        result = fresh_process({"mode": "app", **instructions}, settings)
        warm = {label: round(statistics.median(samples), 2) for label, samples in result["warm_ms"].items()}
        peak = result["max_rss_mb"]
        if name == "import":  # extrapolated to the largest file the feed allows (infra/portal/sizing.py)
            peak = result["imported_rss_mb"] + LARGEST_FILE_FACTOR * (peak - result["imported_rss_mb"])
        measured[name] = {
            "peak_mb": round(peak, 1),
            "measured_peak_mb": round(result["max_rss_mb"], 1),
            "after_import_mb": round(result["imported_rss_mb"], 1),
            "first_ms": round(result["first_ms"], 1),
            "warm_ms": warm,
            "memory_size_mb": MEMORY_MB[name],
            "recommended_mb": memory_for(peak),
        }
        ratio = MEMORY_MB[name] / (peak * HEADROOM)
        requests = sum(len(samples) for samples in result["warm_ms"].values()) + 1
        rows.append(
            Row(
                "Memory",
                f"{name}: memory_size ≥ {HEADROOM}x the peak of {requests} requests (≤ 2x that)",
                f"peak {peak:.0f} MB" + (" (extrapolated to 20 MB)" if name == "import" else ""),
                f"memory_size {MEMORY_MB[name]} MB (the rule gives {memory_for(peak)} MB)",
                ratio,
                verdict(1 <= ratio <= 2 or MEMORY_MB[name] == memory_for(peak)),
                measured[name],
            )
        )
    return rows, measured


def _sqs_import_event(bucket: str, key: str) -> dict[str, Any]:
    notice = {
        "Records": [
            {"s3": {"bucket": {"name": bucket}, "object": {"key": key, "sequencer": uuid.uuid4().hex}}}
        ]
    }
    return {
        "Records": [
            {
                "messageId": str(uuid.uuid4()),
                "receiptHandle": "bench",
                "body": json.dumps(notice),
                "attributes": {"ApproximateReceiveCount": "1"},
                "messageAttributes": {},
                "md5OfBody": "",
                "eventSource": "aws:sqs",
                "eventSourceARN": "arn:aws:sqs:eu-west-3:123456789012:mesfactures-imports",
                "awsRegion": "eu-west-3",
            }
        ]
    }


def _cognito_event(source: str) -> dict[str, Any]:
    return {
        "version": "1",
        "triggerSource": source,
        "region": "eu-west-3",
        "userPoolId": "eu-west-3_bench",
        "userName": "lea",
        "callerContext": {"awsSdkVersion": "1", "clientId": "bench"},
        "request": {
            "userAttributes": {
                "email": "lea.roux@agence-exemple.fr",
                "given_name": "Léa",
                "family_name": "Roux",
                "custom:agency_id": "AG-1001",
                "custom:role": "comptable",
            },
            "codeParameter": "{####}",
            "usernameParameter": "{username}",
            "clientMetadata": {"agency_name": "Agence du Port", "invited_by": "Claire Martin"},
        },
        "response": {"smsMessage": None, "emailMessage": None, "emailSubject": None},
    }


def mixes(
    caller: Caller,
    document_numbers: list[str],
    fresh_invoices: Callable[[], list[str]],
    import_key: str,
    large_import_key: str,
    payment_id: str,
    webhooks: list[tuple[str, str]],
) -> dict[str, dict[str, Any]]:
    """What each function serves in an agency's month, in proportion (bench/bill.py's workload), a few of
    each: the requests its peak memory and warm durations are measured on."""
    creditor = {"creditor": caller.creditor}
    cookie = caller.cookie

    def get(
        label: str, resource: str, params: dict[str, str], query: dict[str, str] | None = None
    ) -> list[Any]:
        return [label, api_event("GET", resource, {**creditor, **params}, query, cookie), None]

    statement = [get("statement page", ENTRIES, {}, {"scope": "all", "limit": str(PAGE)}) for _ in range(10)]
    statement += [get("statement default", ENTRIES, {}) for _ in range(5)]
    statement += [get("summary", SUMMARY, {}) for _ in range(3)]
    statement += [get("document link", DOCUMENT, {"number": n}) for n in document_numbers]
    statement += [get("export", EXPORT, {}) for _ in range(2)]
    statement.append(
        [
            "import (daily file)",
            _sqs_import_event(caller.settings["DOCUMENT_BUCKET"], import_key),
            "import_files",
        ]
    )
    disputes = [
        [
            "opening a dispute",
            api_event("POST", DISPUTES, creditor, None, cookie, _dispute_body(fresh_invoices())),
            None,
        ]
        for _ in range(3)
    ]
    disputes += [get("dispute list", DISPUTES, {}) for _ in range(5)]
    payments = [
        [
            "checkout",
            api_event("POST", CHECKOUT, creditor, None, cookie, {"invoice_numbers": fresh_invoices()}),
            None,
        ]
        for _ in range(3)
    ]
    payments += [get("payment status", PAYMENT, {"payment_id": payment_id}) for _ in range(5)]
    payments += [
        [
            "webhook",
            api_event("POST", WEBHOOK, None, None, None, payload, {"Stripe-Signature": signature}),
            None,
        ]
        for payload, signature in webhooks
    ]
    account = [["me", api_event("GET", "/account/me", None, None, cookie), None] for _ in range(5)]
    account += [get("profile", "/account/creditors/{creditor}/profile", {}) for _ in range(3)]
    account += [get("contacts", "/account/creditors/{creditor}/contacts", {}) for _ in range(3)]
    notifications = [
        ["mail rendering", _cognito_event(source), "cognito_messages"]
        for source in ("CustomMessage_AdminCreateUser", "CustomMessage_ForgotPassword") * 3
    ]
    bucket = caller.settings["DOCUMENT_BUCKET"]
    return {
        "statement": {"function": "statement", "event": _page(caller), "mix": statement},
        "import": {
            "function": "statement",
            "event": _sqs_import_event(bucket, large_import_key),
            "entry": "import_files",
            "mix": [],
        },
        "disputes": {
            "function": "disputes",
            "event": api_event("GET", DISPUTES, creditor, None, cookie),
            "mix": disputes,
        },
        "account": {
            "function": "account",
            "event": api_event("GET", "/account/me", None, None, cookie),
            "mix": account,
        },
        "payments": {
            "function": "payments",
            "event": api_event(
                "POST", CHECKOUT, creditor, None, cookie, {"invoice_numbers": fresh_invoices()}
            ),
            "mix": payments,
        },
        "notifications": {
            "function": "notifications",
            "event": _cognito_event("CustomMessage_AdminCreateUser"),
            "entry": "cognito_messages",
            "mix": notifications,
        },
    }


def _dispute_body(numbers: list[str]) -> dict[str, Any]:
    return {"invoice_numbers": numbers, "reason": "wrong_amount", "comment": "Montant erroné."}


def daily_file_key(creditor: str) -> str:
    return f"imports/inbox/{creditor}/bench-{uuid.uuid4().hex}.csv"


def write_import_files(bucket: str, files: dict[str, bytes]) -> None:
    """Puts ERP files into the inbox for the measured function alone: the benchmark's stack stops
    announcing inbox files first, or it would import them too, at the same time."""
    import boto3

    s3 = boto3.session.Session().client("s3")
    s3.put_bucket_notification_configuration(Bucket=bucket, NotificationConfiguration={})
    for key, content in files.items():
        s3.put_object(Bucket=bucket, Key=key, Body=content)


def signed_webhook(payment: dict[str, Any], agency_id: str, creditor: str, secret: str) -> tuple[str, str]:
    """Stripe's `checkout.session.completed` for a payment, as Stripe signs it."""
    import stripe

    from devstack.stripe_standin import session_event

    session = {
        "id": f"cs_test_{uuid.uuid4().hex}",
        "object": "checkout.session",
        "payment_status": "paid",
        "amount_total": payment["amount_cents"],
        "currency": "eur",
        "metadata": {"payment_id": payment["payment_id"], "agency_id": agency_id, "creditor": creditor},
    }
    payload = json.dumps(session_event("checkout.session.completed", session))
    return payload, str(stripe.WebhookSignature.generate_signature_header(payload, secret))
