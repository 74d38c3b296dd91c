"""PDF rendering: documents per second for an invoice of 1 line and of 30 lines (no budget: reported)."""

from __future__ import annotations

from datetime import date, timedelta

from bench.report import Row
from bench.timing import repeat


def _invoice(lines: int) -> object:
    from devstack.demo_data import DEMO_AGENCIES, creditor_details, profile_for
    from mesfactures.documents.pdf import document_view
    from mesfactures.domain.creditors import Creditor
    from mesfactures.domain.ledger import DocumentLine, EntryStatus, EntryType, LedgerEntry
    from mesfactures.domain.money import Money

    creditor = Creditor.POLIRIS
    agency = DEMO_AGENCIES[0]
    items = tuple(
        DocumentLine(f"Option d'annonce n° {n}", 1 + n % 3, 1_990 + 100 * n, 2000) for n in range(lines)
    )
    net = sum(line.quantity * line.unit_net_cents for line in items)
    gross = net + (net * 2000 + 5_000) // 10_000
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
        Money(gross),
        Money(gross),
        EntryStatus.OPEN,
        items,
    )
    return document_view(entry, creditor_details(creditor), profile_for(agency, creditor, 2))


def measure(*, times: int) -> list[Row]:
    from mesfactures.documents.pdf import render_pdf

    rows = []
    for lines in (1, 30):
        view = _invoice(lines)
        timings = repeat(lambda view=view: render_pdf(view), times=times, warmup=5)  # type: ignore[misc]
        rate = 1000 / timings.median
        rows.append(
            Row(
                "PDF",
                f"invoice of {lines} line{'s' if lines > 1 else ''}: documents per second",
                f"{rate:.0f} /s",
                f"{timings.median:.2f} ms each (p95 {timings.p95:.2f})",
                None,
                "info",
                {**timings.summary(), "per_second": round(rate, 1), "bytes": len(render_pdf(view))},  # type: ignore[arg-type]
            )
        )
    return rows
