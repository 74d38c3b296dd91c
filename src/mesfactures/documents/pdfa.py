"""PDF/A-3 files with pydyf: pages drawn with embedded, subset TrueType fonts (with ToUnicode maps), an
sRGB output intent, XMP metadata with the Factur-X extension schema, and an attached XML file.

What PDF/A-3 level B asks of a file this simple (ISO 19005-3): every font embedded (here subset, as
CIDFontType2 with Identity-H and widths taken from the font itself), device colours covered by an output
intent (sRGB; the pages use RGB operators only), XMP metadata matching the document information
dictionary, a file identifier, no encryption, no transparency, and each embedded file associated with
the document (`/AF`) with its relationship. No PDF/A validator runs here (docs/einvoicing.md): the
tests check this structure.
"""

from __future__ import annotations

import functools
import hashlib
import io
import struct
import zlib
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date

import jinja2
import pydyf

from mesfactures.documents.truetype import TrueTypeFont

A4 = (595, 842)
PRODUCER = "Mes Factures"


@dataclass(frozen=True)
class Attachment:
    """A file carried by the PDF, e.g. the Factur-X XML with relationship "Data"."""

    filename: str
    content: bytes
    mime_type: str
    relationship: str
    description: str


@dataclass(frozen=True)
class Identity:
    """What the document information dictionary and the XMP metadata say of the file."""

    title: str
    author: str
    created_on: date
    # Factur-X: the XMP names the XML's file name and the profile ("EN 16931"); empty for a plain PDF/A.
    facturx_level: str = ""


class EmbeddedFont:
    """One font as used by one document: the glyphs it prints, as CIDs 1, 2, ... of a subset."""

    def __init__(self, font: TrueTypeFont) -> None:
        self.font = font
        self._cids: dict[str, int] = {}
        self._glyphs: list[int] = []

    @property
    def used(self) -> bool:
        return bool(self._glyphs)

    def encode(self, text: str) -> bytes:
        """The text as 2-byte CIDs (hex in the content stream); a missing character gets a CID of its own
        drawn as the font's empty box, so that its text is still extracted."""
        cids = self._cids
        codes = []
        for char in text:
            cid = cids.get(char)
            if cid is None:
                self._glyphs.append(self.font.glyph_of(char))
                cid = cids[char] = len(self._glyphs)
            codes.append(cid)
        return struct.pack(f">{len(codes)}H", *codes)

    def add_to(self, document: pydyf.PDF) -> bytes:
        """Writes the subset font's objects; returns the reference of its Type0 font dictionary."""
        program, order = self.font.subset(self._glyphs)
        # CID n is the n-th glyph asked for; the subset numbers glyphs in the same order, except that a
        # missing character (glyph 0) becomes its own copy of glyph 0 below.
        name = f"{_subset_tag(self._glyphs, self.font.name)}+{self.font.name}"
        widths = [self.font.advance(order[0])] + [self.font.advance(glyph) for glyph in self._glyphs]
        metrics = self.font.metrics
        file = _flate(program, {"Length1": len(program)})
        document.add_object(file)
        descriptor = pydyf.Dictionary(
            {
                "Type": "/FontDescriptor",
                "FontName": f"/{name}",
                "Flags": 32,
                "FontBBox": pydyf.Array(metrics.bbox),
                "ItalicAngle": metrics.italic_angle,
                "Ascent": metrics.ascent,
                "Descent": metrics.descent,
                "CapHeight": metrics.cap_height,
                "StemV": metrics.stem_v,
                "FontFile2": file.reference,
            }
        )
        document.add_object(descriptor)
        cid_font = pydyf.Dictionary(
            {
                "Type": "/Font",
                "Subtype": "/CIDFontType2",
                "BaseFont": f"/{name}",
                "CIDSystemInfo": pydyf.Dictionary(
                    {"Registry": pydyf.String("Adobe"), "Ordering": pydyf.String("Identity"), "Supplement": 0}
                ),
                "FontDescriptor": descriptor.reference,
                "W": pydyf.Array([0, pydyf.Array(widths)]),
                "CIDToGIDMap": "/Identity",
            }
        )
        document.add_object(cid_font)
        to_unicode = _flate(_to_unicode(self._cids))
        document.add_object(to_unicode)
        font = pydyf.Dictionary(
            {
                "Type": "/Font",
                "Subtype": "/Type0",
                "BaseFont": f"/{name}",
                "Encoding": "/Identity-H",
                "DescendantFonts": pydyf.Array([cid_font.reference]),
                "ToUnicode": to_unicode.reference,
            }
        )
        document.add_object(font)
        return bytes(font.reference)


def _flate(data: bytes, extra: dict[str, object] | None = None) -> pydyf.Stream:
    """A stream compressed at zlib's default level: pydyf's level 9 took a third of a document's drawing
    time for a few hundred bytes less."""
    return pydyf.Stream([zlib.compress(data)], {**(extra or {}), "Filter": "/FlateDecode"})


def _subset_tag(glyphs: list[int], name: str) -> str:
    """Six capital letters naming this subset (PDF 32000 9.6.4), the same for the same glyphs."""
    digest = hashlib.sha256(f"{name}:{glyphs}".encode()).digest()
    return "".join(chr(ord("A") + byte % 26) for byte in digest[:6])


def _to_unicode(cids: dict[str, int]) -> bytes:
    entries = sorted((cid, char) for char, cid in cids.items())
    lines = [
        "/CIDInit /ProcSet findresource begin",
        "12 dict begin",
        "begincmap",
        "/CIDSystemInfo << /Registry (Adobe) /Ordering (UCS) /Supplement 0 >> def",
        "/CMapName /Adobe-Identity-UCS def",
        "/CMapType 2 def",
        "1 begincodespacerange",
        "<0000> <FFFF>",
        "endcodespacerange",
    ]
    for start in range(0, len(entries), 100):
        chunk = entries[start : start + 100]
        lines.append(f"{len(chunk)} beginbfchar")
        lines += [f"<{cid:04X}> <{char.encode('utf-16-be').hex().upper()}>" for cid, char in chunk]
        lines.append("endbfchar")
    lines += ["endcmap", "CMapName currentdict /CMap defineresource pop", "end", "end"]
    return "\n".join(lines).encode("ascii")


def write_pdfa(
    pages: Iterable[bytes],
    fonts: dict[str, EmbeddedFont],
    identity: Identity,
    attachment: Attachment | None = None,
) -> bytes:
    """A PDF/A-3b file of A4 pages (content streams using the fonts by their resource names)."""
    document = pydyf.PDF()
    resources = pydyf.Dictionary(
        {"Font": pydyf.Dictionary({name: font.add_to(document).decode() for name, font in fonts.items()})}
    )
    for content in pages:
        stream = _flate(content)
        document.add_object(stream)
        document.add_page(
            pydyf.Dictionary(
                {
                    "Type": "/Page",
                    "Parent": document.pages.reference,
                    "MediaBox": pydyf.Array([0, 0, *A4]),
                    "Contents": stream.reference,
                    "Resources": resources,
                }
            )
        )
    stamp = identity.created_on.strftime("D:%Y%m%d000000Z")
    document.info.update(
        {
            "Title": pydyf.String(identity.title),
            "Author": pydyf.String(identity.author),
            "Producer": pydyf.String(PRODUCER),
            "CreationDate": pydyf.String(stamp),
            "ModDate": pydyf.String(stamp),
        }
    )
    metadata = pydyf.Stream([_xmp(identity)], {"Type": "/Metadata", "Subtype": "/XML"})
    document.add_object(metadata)
    document.catalog["Metadata"] = metadata.reference
    document.catalog["OutputIntents"] = pydyf.Array([_output_intent(document)])
    if attachment is not None:
        _attach(document, attachment, stamp)
    output = io.BytesIO()
    document.write(output, version=b"1.7", identifier=_identifier(identity), compress=True)
    return output.getvalue()


def _identifier(identity: Identity) -> bytes:
    return (
        hashlib.md5(f"{identity.title}/{identity.created_on}".encode(), usedforsecurity=False)
        .hexdigest()
        .encode()
    )


def _output_intent(document: pydyf.PDF) -> bytes:
    profile = pydyf.Stream([_compressed_profile()], {"N": 3, "Filter": "/FlateDecode"})
    document.add_object(profile)
    intent = pydyf.Dictionary(
        {
            "Type": "/OutputIntent",
            "S": "/GTS_PDFA1",
            "OutputConditionIdentifier": pydyf.String("sRGB IEC61966-2.1"),
            "RegistryName": pydyf.String("http://www.color.org"),
            "Info": pydyf.String("sRGB IEC61966-2.1"),
            "DestOutputProfile": profile.reference,
        }
    )
    document.add_object(intent)
    return bytes(intent.reference)


def _attach(document: pydyf.PDF, attachment: Attachment, stamp: str) -> None:
    mime = attachment.mime_type.replace("/", "#2F")
    file = _flate(
        attachment.content,
        {
            "Type": "/EmbeddedFile",
            "Subtype": f"/{mime}",
            "Params": pydyf.Dictionary({"ModDate": pydyf.String(stamp), "Size": len(attachment.content)}),
        },
    )
    document.add_object(file)
    spec = pydyf.Dictionary(
        {
            "Type": "/Filespec",
            "F": pydyf.String(attachment.filename),
            "UF": pydyf.String(attachment.filename),
            "Desc": pydyf.String(attachment.description),
            "AFRelationship": f"/{attachment.relationship}",
            "EF": pydyf.Dictionary({"F": file.reference, "UF": file.reference}),
        }
    )
    document.add_object(spec)
    names = pydyf.Array([pydyf.String(attachment.filename), spec.reference])
    document.catalog["Names"] = pydyf.Dictionary({"EmbeddedFiles": pydyf.Dictionary({"Names": names})})
    document.catalog["AF"] = pydyf.Array([spec.reference])


def _xmp(identity: Identity) -> bytes:
    xmp = (
        _xml_environment()
        .get_template("documents/xmp.xml.j2")
        .render(identity=identity, producer=PRODUCER, created=f"{identity.created_on.isoformat()}T00:00:00Z")
    )
    return xmp.encode("utf-8")


@functools.cache
def _xml_environment() -> jinja2.Environment:
    return jinja2.Environment(
        loader=jinja2.PackageLoader("mesfactures", "templates"),
        undefined=jinja2.StrictUndefined,
        autoescape=True,
        trim_blocks=True,
        lstrip_blocks=True,
    )


@functools.cache
def _compressed_profile() -> bytes:
    return zlib.compress(srgb_profile())


def _s15(value: int) -> bytes:
    """An ICC s15Fixed16Number from a value given in 1/10000."""
    return struct.pack(">i", round(value * 65536 / 10000))


@functools.cache
def srgb_profile() -> bytes:
    """A small ICC v2 display profile of sRGB (IEC 61966-2.1): D50-adapted primaries and the sRGB tone
    curve sampled at 1024 points. Written here rather than shipped: the free profiles on Debian come
    under the AGPL (Ghostscript's) or are 60 KB."""
    curve = b"curv" + bytes(4) + struct.pack(">I", 1024)
    for index in range(1024):
        # The sRGB transfer function in integers: linear below 0.04045, else ((v + 0.055) / 1.055) ^ 2.4.
        value = index / 1023
        linear = value / 12.92 if value <= 0.04045 else ((value + 0.055) / 1.055) ** 2.4
        curve += struct.pack(">H", round(linear * 65535))
    description = b"sRGB IEC61966-2.1 (Mes Factures)"
    desc = (
        b"desc"
        + bytes(4)
        + struct.pack(">I", len(description) + 1)
        + description
        + b"\0"
        + bytes(4 + 4 + 2 + 1 + 67)
    )

    def xyz(x: int, y: int, z: int) -> bytes:
        return b"XYZ " + bytes(4) + _s15(x) + _s15(y) + _s15(z)

    tags = [
        (b"desc", desc),
        (b"cprt", b"text" + bytes(4) + b"No copyright, use freely\0"),
        (b"wtpt", xyz(9642, 10000, 8249)),
        (b"rXYZ", xyz(4361, 2225, 139)),
        (b"gXYZ", xyz(3851, 7169, 971)),
        (b"bXYZ", xyz(1431, 606, 7141)),
        (b"rTRC", curve),
        (b"gTRC", curve),
        (b"bTRC", curve),
    ]
    table_end = 128 + 4 + 12 * len(tags)
    directory, body, placed = b"", b"", {}
    for signature, data in tags:
        if data not in placed:
            placed[data] = table_end + len(body)
            body += data + b"\0" * (-len(data) % 4)
        directory += struct.pack(">4sII", signature, placed[data], len(data))
    size = table_end + len(body)
    header = (
        struct.pack(">I", size)
        + bytes(4)
        + struct.pack(">I", 0x02100000)
        + b"mntrRGB XYZ "
        + struct.pack(">6H", 2026, 1, 1, 0, 0, 0)
        + b"acsp"
        + bytes(4 + 4 + 4 + 4 + 8 + 4)
        + xyz(9642, 10000, 8249)[8:]
        + bytes(4 + 16 + 28)
    )
    return header + struct.pack(">I", len(tags)) + directory + body
