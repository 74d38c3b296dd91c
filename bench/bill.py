"""The monthly AWS bill of a stated workload, from what `make bench` measured in the same run: each
function's warm durations and memory size (bench/lambdas.py, infra/), DynamoDB read and write request
units per request (bench/calls.py, ConsumedCapacity as DynamoDB Local computes it), and the S3, SES and
CloudFront requests each request makes (counted from the code, below).

Prices: eu-west-3 (Paris) list prices, written once here with the day they were recorded. They could not
be checked against AWS's price list from this workplace (no network): check them before quoting a figure.
Not included: CloudWatch Logs and metrics, Secrets Manager (one secret, 0.40 USD), KMS keys (1 USD each),
SQS (a few thousand messages), WAF, support, taxes.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

from bench.report import Row

PRICES_RECORDED = "2026-11-30"
PRICES_USD: dict[str, float] = {
    "lambda_request": 0.20 / 1e6,
    "lambda_gb_second_x86": 0.0000166667,
    "lambda_gb_second_arm64": 0.0000133334,
    "api_gateway_rest_request": 3.50 / 1e6,  # REST APIs, as chalice.cdk deploys them
    "dynamodb_write_request_unit": 0.7625 / 1e6,  # on demand
    "dynamodb_read_request_unit": 0.1525 / 1e6,
    "dynamodb_gb_month": 0.30,
    "s3_put_request": 0.0053 / 1e3,
    "s3_get_request": 0.00042 / 1e3,
    "s3_gb_month": 0.024,
    "cloudfront_https_request": 0.012 / 1e4,
    "cloudfront_gb_out": 0.085,
    "ses_email": 0.10 / 1e3,
    "cognito_mau": 0.015,  # Essentials tier; the first 10,000 MAU a month are free
}
ALWAYS_FREE = {"lambda_requests": 1_000_000, "lambda_gb_seconds": 400_000, "cognito_mau": 10_000}


@dataclass(frozen=True)
class Workload:
    """The month the issue states: what each agency does, and the creditors' ERP imports."""

    agencies: int = 1_000
    creditors_per_agency: int = 3
    users_per_agency: int = 2  # monthly active users (Cognito MAU)
    statement_pages: int = 200
    document_openings: int = 20
    payments: int = 5  # a checkout and its webhook each
    disputes: int = 1
    emails: int = 2
    site_loads: int = 20  # a visit loads the site once and reads `me`, then about ten pages
    creditors: int = 3
    imports_per_day: int = 1  # per creditor
    rows_per_import: int = 200  # a day's new documents of a creditor (1,000 agencies, ~2 a month each)
    site_load_kb: float = 32.2  # replaced by the run's measured first load
    document_kb: float = 60.0  # a PDF opened through its presigned URL (served by S3, not CloudFront)
    stored_documents_gb: float = 5.0
    table_gb: float = 2.0


# S3 requests per request, counted from the code: a document link HEADs the PDF (GET-class) and the
# browser GETs it; the first opening of a document the ERP sent without a PDF also PUTs it (about one in
# twenty openings: assumed). An import GETs its file and PUTs its report.
S3_PER_REQUEST = {
    "document link": {"get": 2.0, "put": 0.05},
    "import (daily file)": {"get": 1.0, "put": 1.0},
}


def _lambda_seconds(ms: float) -> float:
    return math.ceil(ms) / 1000  # billed by the millisecond, rounded up


@dataclass(frozen=True)
class Measured:
    warm_ms: dict[str, float]  # request → warm duration (ms) in its function
    function_of: dict[str, str]  # request → function
    memory_mb: dict[str, int]  # function → memory_size (infra/)
    architecture: str  # "arm64" or "x86_64"
    units: dict[str, dict[str, float]]  # request → {"read": RRU, "write": WRU}
    site_load_kb: float


def monthly(measured: Measured, workload: Workload = Workload()) -> dict[str, Any]:
    w = workload
    agency_month = {
        "statement page": w.statement_pages,
        "document link": w.document_openings,
        "checkout": w.payments,
        "webhook": w.payments,
        "opening a dispute": w.disputes,
        "mail": w.emails,
        "me": w.site_loads,
    }
    counts = {request: n * w.agencies for request, n in agency_month.items()}
    counts["import (daily file)"] = w.creditors * w.imports_per_day * 30
    lines: dict[str, float] = {}
    gb_per_second = PRICES_USD[f"lambda_gb_second_{measured.architecture}"]
    gb_seconds = 0.0
    invocations = 0
    for request, count in counts.items():
        function = measured.function_of[request]
        ms = measured.warm_ms[request]
        gb_seconds += count * _lambda_seconds(ms) * measured.memory_mb[function] / 1024
        invocations += count
    lines["Lambda"] = invocations * PRICES_USD["lambda_request"] + gb_seconds * gb_per_second
    api_requests = sum(
        counts[r]
        for r in ("statement page", "document link", "checkout", "webhook", "opening a dispute", "me")
    )
    lines["API Gateway (REST)"] = api_requests * PRICES_USD["api_gateway_rest_request"]
    rru = sum(counts[r] * measured.units.get(r, {}).get("read", 0.0) for r in counts)
    wru = sum(counts[r] * measured.units.get(r, {}).get("write", 0.0) for r in counts)
    lines["DynamoDB (on demand)"] = (
        rru * PRICES_USD["dynamodb_read_request_unit"]
        + wru * PRICES_USD["dynamodb_write_request_unit"]
        + w.table_gb * PRICES_USD["dynamodb_gb_month"]
    )
    s3_get = sum(counts[r] * S3_PER_REQUEST.get(r, {}).get("get", 0.0) for r in counts)
    s3_put = sum(counts[r] * S3_PER_REQUEST.get(r, {}).get("put", 0.0) for r in counts)
    lines["S3"] = (
        s3_get * PRICES_USD["s3_get_request"]
        + s3_put * PRICES_USD["s3_put_request"]
        + w.stored_documents_gb * PRICES_USD["s3_gb_month"]
    )
    site_requests = counts["me"] * 8  # the site's files and `me` (measured first load: about 8 requests)
    cloudfront_gb = (counts["me"] * measured.site_load_kb + api_requests * 4) / 1024 / 1024
    lines["CloudFront"] = (site_requests + api_requests) * PRICES_USD[
        "cloudfront_https_request"
    ] + cloudfront_gb * PRICES_USD["cloudfront_gb_out"]
    lines["SES"] = counts["mail"] * PRICES_USD["ses_email"]
    mau = w.agencies * w.users_per_agency
    lines["Cognito (MAU, list price)"] = mau * PRICES_USD["cognito_mau"]
    total = sum(lines.values())
    free = (
        min(invocations, ALWAYS_FREE["lambda_requests"]) * PRICES_USD["lambda_request"]
        + min(gb_seconds, ALWAYS_FREE["lambda_gb_seconds"]) * gb_per_second
        + min(mau, ALWAYS_FREE["cognito_mau"]) * PRICES_USD["cognito_mau"]
    )
    dominant = max(lines, key=lambda name: lines[name])
    return {
        "lines_usd": {name: round(value, 2) for name, value in lines.items()},
        "total_usd": round(total, 2),
        "total_after_always_free_usd": round(total - free, 2),
        "per_agency_per_year_usd": round(total * 12 / w.agencies, 2),
        "dominant": dominant,
        "dominant_share": round(lines[dominant] / total, 2) if total else 0,
        "requests": counts,
        "lambda_gb_seconds": round(gb_seconds),
        "dynamodb_rru": round(rru),
        "dynamodb_wru": round(wru),
        "workload": w.__dict__,
        "prices_usd": PRICES_USD,
        "prices_recorded": PRICES_RECORDED,
        "architecture": measured.architecture,
        "memory_mb": measured.memory_mb,
    }


def rows(bill: dict[str, Any]) -> list[Row]:
    w = bill["workload"]
    stated = (
        f"{w['agencies']:,} agencies × {w['creditors_per_agency']} creditors; a month: "
        f"{w['statement_pages']} statement pages, {w['document_openings']} documents, "
        f"{w['payments']} payments, {w['disputes']} dispute, {w['emails']} e-mails per agency; "
        "an import a day per creditor"
    )
    lines = ", ".join(f"{name} {usd:,.2f}" for name, usd in bill["lines_usd"].items())
    return [
        Row(
            "Bill",
            f"monthly AWS cost, eu-west-3 list prices of {bill['prices_recorded']} ({stated})",
            f"{bill['total_usd']:,.2f} USD a month; "
            f"{bill['per_agency_per_year_usd']:.2f} USD per agency per year",
            f"{bill['dominant']} dominates ({bill['dominant_share']:.0%}); {lines}; "
            f"{bill['total_after_always_free_usd']:,.2f} USD after AWS's always-free allowances",
            None,
            "info",
            bill,
        )
    ]


# Each request of the workload: the function that serves it, its label in that function's mix
# (bench/lambdas.py), and its route in bench/calls.py (capacity units; "+background" for the work the
# request set going, such as the mail the outbox delivers).
REQUESTS = {
    "statement page": ("statement", "statement page", "statement_page"),
    "document link": ("statement", "document link", "document"),
    "checkout": ("payments", "checkout", "checkout"),
    "webhook": ("payments", "webhook", "webhook_settle"),
    "opening a dispute": ("disputes", "opening a dispute", "open_dispute"),
    "mail": ("notifications", "mail rendering", "open_dispute+background"),
    "me": ("account", "me", "me"),
    "import (daily file)": ("import", "import (daily file)", "import_daily_file"),
}


def from_rows(found: list[Row]) -> list[Row]:
    """The bill from the run's own rows (memory and warm durations, capacity units, the site's first
    load); nothing when the run left one of those sections out."""
    from infra.portal.sizing import ARCHITECTURE, MEMORY_MB

    memory = {row.budget.split(":")[0]: row.details for row in found if row.section == "Memory"}
    calls = {
        row.budget.split(":")[0].replace(" ", "_"): row.details
        for row in found
        if row.section == "DynamoDB calls"
    }
    site = [
        row.details
        for row in found
        if row.section == "Site" and "signed in" in row.budget and "bytes" in row.details
    ]
    if not memory or not calls or not site:
        return []
    warm_ms: dict[str, float] = {}
    units: dict[str, dict[str, float]] = {}
    for request, (function, label, route) in REQUESTS.items():
        source = "statement" if function == "import" else function
        warm_ms[request] = memory[source]["warm_ms"][label]
        name, _, part = route.partition("+")
        last = calls[name]["runs"][-1]
        units[request] = last["background_units"] if part else last["units"]
    measured = Measured(
        warm_ms=warm_ms,
        function_of={request: function for request, (function, _label, _route) in REQUESTS.items()},
        memory_mb=MEMORY_MB,
        architecture=ARCHITECTURE,
        units=units,
        site_load_kb=site[0]["bytes"] / 1024,
    )
    return rows(monthly(measured, Workload(site_load_kb=site[0]["bytes"] / 1024)))
