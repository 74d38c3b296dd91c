"""The font subsetter: a subset holds the glyphs asked for, renumbered, with the components of composite
glyphs, their outlines and widths unchanged, and is smaller by far than the font."""

from __future__ import annotations

from mesfactures.documents.truetype import TrueTypeFont, _components, shipped_font


def test_a_subset_keeps_the_outlines_and_widths_of_the_glyphs_asked_for() -> None:
    font = shipped_font("regular")
    asked = [font.glyph_of(char) for char in "Aé€"]

    program, order = font.subset(asked)
    subset = TrueTypeFont("subset", program)

    assert order[:4] == [0, *asked]
    assert subset.units_per_em == font.units_per_em
    for new, old in enumerate(order):
        assert subset.advance(new) == font.advance(old)
        if not _components(font.outline(old)):
            assert subset.outline(new) == font.outline(old)
    assert len(program) < 20_000 < len(font._data)  # the whole font, for comparison


def test_the_components_of_a_composite_glyph_come_along_renumbered() -> None:
    font = shipped_font("regular")
    accented = font.glyph_of("é")
    components = _components(font.outline(accented))
    assert components  # DejaVu draws é as e + acute

    program, order = font.subset([accented])
    subset = TrueTypeFont("subset", program)
    renumbered = _components(subset.outline(1))

    assert [order[new] for new in renumbered] == components
    assert all(
        subset.outline(new) == font.outline(old) for new, old in zip(renumbered, components, strict=True)
    )


def test_a_character_the_font_lacks_is_drawn_as_its_empty_box() -> None:
    font = shipped_font("regular")

    assert font.glyph_of("中") == 0
    program, order = font.subset([font.glyph_of("中")])

    assert order == [0, 0]
    assert TrueTypeFont("subset", program).outline(1) == font.outline(0)
