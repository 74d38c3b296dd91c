"""Drawing documents (issue 14): a Factur-X invoice of 1 line and of 30 lines, from the ledger entry to the
PDF/A-3 bytes (view, CII XML, layout, font subsets, file). Budgets: at least 50 documents a second on this
machine (a document is drawn when first opened: the user waits for it), and a one-line invoice of at most
60 KB. Measured alone: `python -c "from bench import pdf; print(pdf.measure(times=100))"`."""

from __future__ import annotations

import time
from collections.abc import Callable
from datetime import date, timedelta
from typing import Any

from bench.report import Row, verdict
from bench.timing import repeat

MIN_PER_SECOND = 50
MAX_ONE_LINE_BYTES = 60 * 1024


def _invoice(lines: int) -> tuple[Any, Any, Any]:
    from devstack.demo_data import DEMO_AGENCIES, creditor_details, profile_for
    from mesfactures.domain.creditors import Creditor
    from mesfactures.domain.ledger import DocumentLine, EntryStatus, EntryType, LedgerEntry
    from mesfactures.domain.money import Money

    creditor = Creditor.POLIRIS
    agency = DEMO_AGENCIES[0]
    rates = (2000, 1000, 550, 210, 0)
    items = tuple(
        DocumentLine(
            f"Option d'annonce n° {n}", 1 + n % 3, 1_990 + 100 * n, rates[n % 5] if lines > 1 else 2000
        )
        for n in range(lines)
    )
    issued = date(2026, 11, 2)
    entry = LedgerEntry(
        "01JBENCHPDF0000000000000000",
        agency.agency_id,
        creditor,
        EntryType.INVOICE,
        "FA-2026-009999",
        issued,
        issued + timedelta(days=30),
        "Abonnement et options",
        Money(0),
        Money(0),
        EntryStatus.OPEN,
        items,
    )
    return entry, creditor_details(creditor), profile_for(agency, creditor, 2)


def _cpu_milliseconds(action: Callable[[], object], times: int) -> float:
    """The processor time of one call, averaged: what this process spent, not the time it waited for a
    core (on this shared 2-core machine the load average is often above 10, and wall time then measures
    the neighbours)."""
    started = time.process_time()
    for _ in range(times):
        action()
    return (time.process_time() - started) * 1000 / times


def measure(*, times: int) -> list[Row]:
    from mesfactures.documents.pdf import document_view, render_pdf

    rows = []
    for lines in (1, 30):
        entry, seller, buyer = _invoice(lines)

        def drawn(entry: Any = entry, seller: Any = seller, buyer: Any = buyer) -> bytes:
            return render_pdf(document_view(entry, seller, buyer))

        timings = repeat(drawn, times=times, warmup=5)
        cpu = _cpu_milliseconds(drawn, times)
        rate = 1000 / cpu
        size = len(drawn())
        plural = "s" if lines > 1 else ""
        rows.append(
            Row(
                "PDF",
                f"Factur-X invoice of {lines} line{plural}: ≥ {MIN_PER_SECOND} documents per second",
                f"{rate:.0f} /s",
                f"{cpu:.2f} ms of CPU each; wall {timings.median:.2f} ms (p95 {timings.p95:.2f})",
                round(rate / MIN_PER_SECOND, 2),
                verdict(rate >= MIN_PER_SECOND),
                {**timings.summary(), "cpu_ms": round(cpu, 3), "per_second": round(rate, 1), "bytes": size},
            )
        )
        if lines == 1:
            rows.append(
                Row(
                    "PDF",
                    "Factur-X invoice of 1 line ≤ 60 KB",
                    f"{size / 1024:.1f} KB",
                    "60 KB budget",
                    round(size / MAX_ONE_LINE_BYTES, 2),
                    verdict(size <= MAX_ONE_LINE_BYTES),
                    {"bytes": size},
                )
            )
    return rows
