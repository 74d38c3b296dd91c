"""Pages that flow: text measured with the embedded font's own widths, wrapped to a column, and new pages
when the space runs out. The layouts (invoice, statement of account) place things; this module keeps the
cursor and the pages; `draw` turns them into PDF/A bytes through the content-stream template."""

from __future__ import annotations

import functools
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import jinja2

from mesfactures.documents.pdfa import A4, Attachment, EmbeddedFont, Identity, write_pdfa
from mesfactures.documents.truetype import shipped_font

LEFT, RIGHT = 50, A4[0] - 50
TOP, BOTTOM = A4[1] - 50, 56


@dataclass(frozen=True)
class Text:
    x: float
    y: float
    text: str
    size: float = 9
    bold: bool = False


@dataclass(frozen=True)
class Rule:
    x1: float
    y1: float
    x2: float
    y2: float


@dataclass(frozen=True)
class Band:
    """A light grey filled rectangle, behind a table's header."""

    x: float
    y: float
    width: float
    height: float


Mark = Text | Rule | Band


def width(text: str, size: float, bold: bool = False) -> float:
    return shipped_font("bold" if bold else "regular").text_width(text) * size / 1000


def wrap(text: str, limit: float, size: float, bold: bool = False) -> list[str]:
    """Lines of at most `limit` points, broken between words (a word too long is cut where it must)."""
    if width(text, size, bold) <= limit and "\n" not in text:
        return [text]
    space = width(" ", size, bold)
    lines: list[str] = []
    current, current_width = "", 0.0
    for word in text.split():
        word_width = width(word, size, bold)
        if current and current_width + space + word_width <= limit:
            current, current_width = f"{current} {word}", current_width + space + word_width
            continue
        if current:
            lines.append(current)
        while word_width > limit:
            cut = _longest_prefix(word, limit, size, bold)
            lines.append(word[:cut])
            word = word[cut:]
            word_width = width(word, size, bold)
        current, current_width = word, word_width
    if current or not lines:
        lines.append(current)
    return lines


def _longest_prefix(word: str, limit: float, size: float, bold: bool) -> int:
    cut = 1
    while cut < len(word) and width(word[: cut + 1], size, bold) <= limit:
        cut += 1
    return cut


@dataclass
class Sheet:
    """The pages being laid out, and the cursor: `y` goes down from the top of the page's text area."""

    repeat: Callable[[Sheet], None] | None = None  # drawn at the top of each new page (a table's header)
    pages: list[list[Mark]] = field(default_factory=lambda: [[]])
    y: float = TOP

    def text(
        self, x: float, text: str, size: float = 9, bold: bool = False, *, y: float | None = None
    ) -> None:
        self.pages[-1].append(Text(x, self.y if y is None else y, text, size, bold))

    def right(
        self, x: float, text: str, size: float = 9, bold: bool = False, *, y: float | None = None
    ) -> None:
        """Text ending at `x` (amounts, right-aligned)."""
        self.text(x - width(text, size, bold), text, size, bold, y=y)

    def rule(self, x1: float, x2: float, y: float | None = None) -> None:
        at = self.y if y is None else y
        self.pages[-1].append(Rule(x1, at, x2, at))

    def band(self, x: float, width: float, height: float) -> None:
        self.pages[-1].append(Band(x, self.y - height + 11, width, height))

    def down(self, points: float) -> None:
        self.y -= points

    def need(self, points: float) -> None:
        """A new page unless `points` still fit above the bottom margin."""
        if self.y - points < BOTTOM:
            self.new_page()

    def new_page(self) -> None:
        self.pages.append([])
        self.y = TOP
        if self.repeat is not None:
            self.repeat(self)

    def paragraph(self, text: str, size: float = 8, bold: bool = False, x: float = LEFT) -> None:
        """Text wrapped to the page's width, flowing onto a new page if needed."""
        leading = size * 1.3
        for line in wrap(text, RIGHT - x, size, bold):
            self.need(leading)
            self.text(x, line, size, bold)
            self.down(leading)

    def footer(self, label: str) -> None:
        """The document's name and "page i / n" at the foot of every page, once the pages are known."""
        count = len(self.pages)
        for index, page in enumerate(self.pages, start=1):
            page.append(Text(LEFT, 30, label, 7))
            mark = f"Page {index} / {count}"
            page.append(Text(RIGHT - width(mark, 7), 30, mark, 7))


class Glyphs:
    """Text already encoded for its font: printed as a PDF hex string, nothing else can be."""

    def __init__(self, codes: bytes) -> None:
        self.hex = codes.hex()


@dataclass(frozen=True)
class DrawnText:
    font: int
    size: float
    x: float
    y: float
    glyphs: Glyphs


def draw(sheet: Sheet, identity: Identity, attachment: Attachment | None = None) -> bytes:
    """The pages as a PDF/A-3 file, each font subset to the characters printed."""
    fonts = {"F1": EmbeddedFont(shipped_font("regular")), "F2": EmbeddedFont(shipped_font("bold"))}
    template = _environment().get_template("documents/page.pdf.j2")
    contents = []
    for page in sheet.pages:
        marks = [
            DrawnText(
                2 if mark.bold else 1,
                mark.size,
                mark.x,
                mark.y,
                Glyphs(fonts[f"F{2 if mark.bold else 1}"].encode(mark.text)),
            )
            if isinstance(mark, Text)
            else mark
            for mark in page
        ]
        contents.append(template.render(marks=marks).encode("ascii"))
    used = {name: font for name, font in fonts.items() if font.used}
    return write_pdfa(contents, used, identity, attachment)


def _number(value: float) -> str:
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise TypeError(f"not a number: {type(value).__name__}")
    return str(value) if isinstance(value, int) else f"{value:.2f}"


def _pdf_value(value: Any) -> str:
    """Each mark as its operators: numbers and hex-encoded text only, whatever the ledger held."""
    if isinstance(value, DrawnText):
        position = f"{_number(value.size)} Tf {_number(value.x)} {_number(value.y)} Td"
        return f"BT /F{_number(value.font)} {position} <{value.glyphs.hex}> Tj ET"
    if isinstance(value, Rule):
        line = f"{_number(value.x1)} {_number(value.y1)} m {_number(value.x2)} {_number(value.y2)} l"
        return f"0.5 w {line} S"
    if isinstance(value, Band):
        box = " ".join(_number(number) for number in (value.x, value.y, value.width, value.height))
        return f"0.88 0.88 0.88 rg {box} re f 0 0 0 rg"
    raise TypeError(f"cannot print {type(value).__name__} on a page: text goes through Glyphs")


@functools.cache
def _environment() -> jinja2.Environment:
    # Not HTML but a PDF content stream: `finalize` prints marks as operators (bandit B701).
    environment = jinja2.Environment(  # nosec B701
        loader=jinja2.PackageLoader("mesfactures", "templates"),
        undefined=jinja2.StrictUndefined,
        finalize=_pdf_value,
        autoescape=False,  # noqa: S701 (not HTML: every mark is printed by finalize as numbers and hex)
        trim_blocks=True,
        lstrip_blocks=True,
    )
    return environment
