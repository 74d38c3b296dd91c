"""The TrueType fonts shipped in the package, read once and subset per document.

PDF/A wants every font embedded; a whole DejaVu Sans is 740 KB, so each document embeds only the glyphs
it prints (about 10 KB). fontTools would do it, but its wheel is 4.9 MB zipped (the budget of a whole
function is 5 MB) and it took 115 ms of CPU per document here: this module reads the tables it needs
with `struct`, once per process (2 ms), and writes a subset of `glyf`/`loca` with glyph ids renumbered
from 1 (0.2 ms; docs/decisions.md). Glyphs are addressed by CID = new glyph id (Identity-H, CIDToGIDMap
Identity), so the subset needs no `cmap`; the ToUnicode map keeps the text extractable. A character the
font lacks is drawn as the font's empty box (glyph 0), under a CID of its own so that its text is still
extracted right.
"""

from __future__ import annotations

import functools
import struct
from dataclasses import dataclass
from importlib import resources

# Tables a CIDFontType2 font program needs (PDF 32000 9.9: no cmap, no name), plus OS/2 and post for
# viewers that look for them.
_KEPT = (b"OS/2", b"cvt ", b"fpgm", b"glyf", b"head", b"hhea", b"hmtx", b"loca", b"maxp", b"post", b"prep")
# Composite glyph flags (OpenType `glyf`).
_ARGS_ARE_WORDS, _HAS_SCALE, _MORE_COMPONENTS, _HAS_XY_SCALE, _HAS_2X2 = 0x1, 0x8, 0x20, 0x40, 0x80


@dataclass(frozen=True)
class Metrics:
    """What the PDF's font descriptor says of the font, in 1/1000 em."""

    ascent: int
    descent: int
    cap_height: int
    bbox: tuple[int, int, int, int]
    italic_angle: int
    stem_v: int


class TrueTypeFont:
    """One font file, parsed: its tables, glyph outlines by id, advances, and the character map."""

    def __init__(self, name: str, data: bytes) -> None:
        self.name = name
        self._data = data
        self._tables = _table_directory(data)
        head, hhea, maxp = self._table(b"head"), self._table(b"hhea"), self._table(b"maxp")
        self.units_per_em: int = struct.unpack_from(">H", head, 18)[0]
        glyph_count = struct.unpack_from(">H", maxp, 4)[0]
        long_offsets = struct.unpack_from(">h", head, 50)[0] == 1
        loca = self._table(b"loca")
        count = glyph_count + 1
        self._offsets = struct.unpack_from(f">{count}{'I' if long_offsets else 'H'}", loca)
        if not long_offsets:
            self._offsets = tuple(offset * 2 for offset in self._offsets)
        self._glyf_start = self._tables[b"glyf"][0]
        metric_count = struct.unpack_from(">H", hhea, 34)[0]
        hmtx = self._table(b"hmtx")
        pairs = struct.unpack_from(f">{metric_count * 2}H", hmtx)
        advances = list(pairs[0::2])
        bearings = list(pairs[1::2])
        rest = glyph_count - metric_count
        advances += [advances[-1]] * rest
        bearings += list(struct.unpack_from(f">{rest}H", hmtx, metric_count * 4))
        self._advances = tuple(advances)
        self._bearings = tuple(bearings)
        # A subset (ours) has no character map: its glyphs are addressed by id.
        self.cmap = _character_map(self._table(b"cmap")) if b"cmap" in self._tables else {}
        self._char_widths: dict[str, float] = {}
        self.metrics = self._metrics(head, hhea)

    @functools.cache  # noqa: B019 (fonts live as long as the process: shipped_font caches them)
    def _table(self, tag: bytes) -> bytes:
        offset, length = self._tables[tag]
        return self._data[offset : offset + length]

    def _metrics(self, head: bytes, hhea: bytes) -> Metrics:
        x_min, y_min, x_max, y_max = struct.unpack_from(">4h", head, 36)
        ascent, descent = struct.unpack_from(">2h", hhea, 4)
        os2 = self._table(b"OS/2")
        weight = struct.unpack_from(">H", os2, 4)[0]
        cap_height = struct.unpack_from(">h", os2, 88)[0] if len(os2) >= 90 else ascent
        italic = struct.unpack_from(">i", self._table(b"post"), 4)[0] >> 16  # Fixed 16.16
        scale = self.scale
        return Metrics(
            ascent=scale(ascent),
            descent=scale(descent),
            cap_height=scale(cap_height),
            bbox=(scale(x_min), scale(y_min), scale(x_max), scale(y_max)),
            italic_angle=italic,
            stem_v=140 if weight >= 600 else 80,
        )

    def scale(self, units: int) -> int:
        return round(units * 1000 / self.units_per_em)

    def glyph_of(self, char: str) -> int:
        return int(self.cmap.get(ord(char), 0))

    def advance(self, glyph: int) -> int:
        """The glyph's advance width in 1/1000 em."""
        return self.scale(self._advances[glyph])

    def text_width(self, text: str) -> float:
        """The advance of a text in 1/1000 em (no kerning), each character's width measured once."""
        widths = self._char_widths
        total = 0.0
        for char in text:
            found = widths.get(char)
            if found is None:
                found = widths[char] = self._advances[self.glyph_of(char)] * 1000 / self.units_per_em
            total += found
        return total

    def outline(self, glyph: int) -> bytes:
        start, end = self._offsets[glyph], self._offsets[glyph + 1]
        return self._data[self._glyf_start + start : self._glyf_start + end]

    def subset(self, glyphs: list[int]) -> tuple[bytes, list[int]]:
        """A font program holding `glyphs` (old ids) renumbered 1, 2, ... after glyph 0, the components
        of composite glyphs appended; returns it with the old id of every new glyph."""
        order = [0, *glyphs]
        new_id: dict[int, int] = {}
        outlines: list[bytes] = []
        index = 0
        while index < len(order):  # `order` grows while components are found
            old = order[index]
            new_id.setdefault(old, index)
            outlines.append(self.outline(old))
            for component in _components(outlines[-1]):
                if component not in new_id and component not in order:
                    order.append(component)
            index += 1
        outlines = [_renumbered(outline, new_id) for outline in outlines]
        return self._font_program(order, outlines), order

    def _font_program(self, order: list[int], outlines: list[bytes]) -> bytes:
        glyf = bytearray()
        loca = [0]
        for outline in outlines:
            glyf += outline + b"\0" * (-len(outline) % 4)
            loca.append(len(glyf))
        count = len(order)
        tables = {tag: self._table(tag) for tag in _KEPT if tag in self._tables}
        head = bytearray(tables[b"head"])
        struct.pack_into(">I", head, 8, 0)  # checkSumAdjustment, set below
        struct.pack_into(">h", head, 50, 1)  # long loca offsets
        hhea = bytearray(tables[b"hhea"])
        struct.pack_into(">H", hhea, 34, count)
        maxp = bytearray(tables[b"maxp"])
        struct.pack_into(">H", maxp, 4, count)
        tables[b"head"], tables[b"hhea"], tables[b"maxp"] = bytes(head), bytes(hhea), bytes(maxp)
        tables[b"glyf"] = bytes(glyf)
        tables[b"loca"] = struct.pack(f">{count + 1}I", *loca)
        tables[b"hmtx"] = b"".join(struct.pack(">HH", self._advances[g], self._bearings[g]) for g in order)
        tables[b"post"] = b"\0\3\0\0" + tables[b"post"][4:32]  # format 3: no glyph names
        return _assembled(tables)


def _table_directory(data: bytes) -> dict[bytes, tuple[int, int]]:
    count = struct.unpack_from(">H", data, 4)[0]
    directory = {}
    for index in range(count):
        tag, _checksum, offset, length = struct.unpack_from(">4sIII", data, 12 + 16 * index)
        directory[tag] = (offset, length)
    return directory


def _character_map(cmap: bytes) -> dict[int, int]:
    """Code point -> glyph id, from the Unicode subtable (format 12 if present, else format 4)."""
    count = struct.unpack_from(">H", cmap, 2)[0]
    subtables = {}
    for index in range(count):
        platform, encoding, offset = struct.unpack_from(">HHI", cmap, 4 + 8 * index)
        subtables[(platform, encoding)] = offset
    for key in ((3, 10), (0, 4), (3, 1), (0, 3)):
        offset = subtables.get(key)
        if offset is None:
            continue
        kind = struct.unpack_from(">H", cmap, offset)[0]
        if kind == 12:
            return _format_12(cmap, offset)
        if kind == 4:
            return _format_4(cmap, offset)
    raise ValueError("the font has no Unicode character map")


def _format_12(cmap: bytes, offset: int) -> dict[int, int]:
    groups = struct.unpack_from(">I", cmap, offset + 12)[0]
    mapping = {}
    for index in range(groups):
        first, last, glyph = struct.unpack_from(">III", cmap, offset + 16 + 12 * index)
        for code in range(first, last + 1):
            mapping[code] = glyph + code - first
    return mapping


def _format_4(cmap: bytes, offset: int) -> dict[int, int]:
    segments = struct.unpack_from(">H", cmap, offset + 6)[0] // 2
    ends = struct.unpack_from(f">{segments}H", cmap, offset + 14)
    starts_at = offset + 16 + 2 * segments
    starts = struct.unpack_from(f">{segments}H", cmap, starts_at)
    deltas = struct.unpack_from(f">{segments}h", cmap, starts_at + 2 * segments)
    ranges_at = starts_at + 4 * segments
    ranges = struct.unpack_from(f">{segments}H", cmap, ranges_at)
    mapping = {}
    for segment in range(segments):
        for code in range(starts[segment], ends[segment] + 1):
            if code == 0xFFFF:
                continue
            if ranges[segment] == 0:
                glyph = (code + deltas[segment]) & 0xFFFF
            else:
                at = ranges_at + 2 * segment + ranges[segment] + 2 * (code - starts[segment])
                glyph = struct.unpack_from(">H", cmap, at)[0]
                glyph = (glyph + deltas[segment]) & 0xFFFF if glyph else 0
            if glyph:
                mapping[code] = glyph
    return mapping


def _components(outline: bytes) -> list[int]:
    """The glyph ids a composite glyph is made of (none for a simple one)."""
    return [glyph for glyph, _at in _component_fields(outline)]


def _component_fields(outline: bytes) -> list[tuple[int, int]]:
    if len(outline) < 10 or struct.unpack_from(">h", outline, 0)[0] >= 0:
        return []
    fields = []
    at = 10
    while True:
        flags, glyph = struct.unpack_from(">HH", outline, at)
        fields.append((glyph, at + 2))
        at += 4 + (4 if flags & _ARGS_ARE_WORDS else 2)
        if flags & _HAS_SCALE:
            at += 2
        elif flags & _HAS_XY_SCALE:
            at += 4
        elif flags & _HAS_2X2:
            at += 8
        if not flags & _MORE_COMPONENTS:
            return fields


def _renumbered(outline: bytes, new_id: dict[int, int]) -> bytes:
    fields = _component_fields(outline)
    if not fields:
        return outline
    rewritten = bytearray(outline)
    for glyph, at in fields:
        struct.pack_into(">H", rewritten, at, new_id[glyph])
    return bytes(rewritten)


def _checksum(data: bytes) -> int:
    padded = data + b"\0" * (-len(data) % 4)
    words: tuple[int, ...] = struct.unpack(f">{len(padded) // 4}I", padded)
    return sum(words) & 0xFFFFFFFF


def _assembled(tables: dict[bytes, bytes]) -> bytes:
    tags = sorted(tables)
    count = len(tags)
    power = 1 << (count.bit_length() - 1)
    header = struct.pack(
        ">IHHHH", 0x00010000, count, power * 16, power.bit_length() - 1, (count - power) * 16
    )
    offset = 12 + 16 * count
    directory = b""
    body = b""
    for tag in tags:
        table = tables[tag]
        directory += struct.pack(">4sIII", tag, _checksum(table), offset + len(body), len(table))
        body += table + b"\0" * (-len(table) % 4)
    font = bytearray(header + directory + body)
    head_at = offset + sum(len(tables[tag]) + (-len(tables[tag]) % 4) for tag in tags[: tags.index(b"head")])
    struct.pack_into(">I", font, head_at + 8, (0xB1B0AFBA - _checksum(bytes(font))) & 0xFFFFFFFF)
    return bytes(font)


@functools.cache
def shipped_font(name: str) -> TrueTypeFont:
    """`regular` or `bold`: DejaVu Sans, read once per process from the package."""
    filename = {"regular": "DejaVuSans.ttf", "bold": "DejaVuSans-Bold.ttf"}[name]
    data = resources.files("mesfactures.documents").joinpath("fonts", filename).read_bytes()
    return TrueTypeFont(filename.removesuffix(".ttf").replace("-", ""), data)
