"""Colours over text: WCAG contrast computed right, and every colour readable on light
and dark pages."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st
from PySide6.QtGui import QColor, QPalette

from writer_app.ui.colours import (
    composite,
    contrast_ratio,
    ghost_colour,
    highlight_tint,
    is_dark,
    opaque,
    probability_colour,
    relative_luminance,
)

# The pages the app draws on: Fusion's light page, the dark theme's, and a few others a
# system theme may bring (with their text colours).
LIGHT_PAGES = [("#ffffff", "#000000"), ("#fafafa", "#1d1d1d"), ("#f5f0e6", "#222222")]
DARK_PAGES = [("#1e1f22", "#e6e6e6"), ("#000000", "#ffffff"), ("#2b2b2b", "#dddddd")]


def palette(base: str, text: str, placeholder: str | None = None,
            highlight: str = "#3d6fb4") -> QPalette:
    result = QPalette()
    result.setColor(QPalette.ColorRole.Base, QColor(base))
    result.setColor(QPalette.ColorRole.Text, QColor(text))
    result.setColor(QPalette.ColorRole.Highlight, QColor(highlight))
    result.setColor(QPalette.ColorRole.PlaceholderText, QColor(placeholder or base))
    return result


def test_contrast_matches_wcag_figures():
    assert contrast_ratio(QColor("#000000"), QColor("#ffffff")) == pytest.approx(21)
    assert contrast_ratio(QColor("#ffffff"), QColor("#ffffff")) == pytest.approx(1)
    assert contrast_ratio(QColor("#777777"), QColor("#ffffff")) == pytest.approx(4.48, abs=0.01)
    assert contrast_ratio(QColor("#0000ff"), QColor("#ffffff")) == pytest.approx(8.59, abs=0.01)
    assert relative_luminance(QColor("#808080")) == pytest.approx(0.2159, abs=1e-3)
    half_black = QColor(0, 0, 0, 128)  # composited first: 50% black on white is mid grey
    assert contrast_ratio(half_black, QColor("#ffffff")) == pytest.approx(
        contrast_ratio(QColor("#7f7f7f"), QColor("#ffffff")), abs=0.05)


@pytest.mark.parametrize(("base", "text"), LIGHT_PAGES + DARK_PAGES)
def test_is_dark(base, text):
    assert is_dark(palette(base, text)) == ((base, text) in DARK_PAGES)


@given(st.floats(min_value=-1.0, max_value=2.0, allow_nan=False))
def test_probability_tints_read_on_every_page(prob):
    for dark, pages in ((False, LIGHT_PAGES), (True, DARK_PAGES)):
        tint = probability_colour(prob, dark)
        assert 0.0 < tint.alphaF() < 1.0
        for base, text in pages:
            page, ink = QColor(base), QColor(text)
            assert contrast_ratio(opaque(tint), page) >= 3.0  # the hue stands out
            assert contrast_ratio(ink, composite(tint, page)) >= 4.5  # text on it reads


@pytest.mark.parametrize("dark", [False, True])
def test_unlikely_and_likely_tokens_look_different(dark):
    unlikely, likely = probability_colour(0.0, dark), probability_colour(1.0, dark)
    assert unlikely.alphaF() > likely.alphaF()  # the surprising ones stand out
    assert contrast_ratio(opaque(unlikely), opaque(likely)) >= 1.5
    assert unlikely.hueF() > likely.hueF()  # bluer is less likely, on both themes


@pytest.mark.parametrize(("base", "text"), LIGHT_PAGES + DARK_PAGES)
@pytest.mark.parametrize("placeholder", [None, "#808080", "#b0b0b0", "#404040"])
def test_ghost_text_has_3_to_1_contrast_even_with_a_faint_placeholder(base, text,
                                                                        placeholder):
    page = palette(base, text, placeholder)
    ghost = ghost_colour(page)
    assert contrast_ratio(ghost, QColor(base)) >= 3.0
    assert contrast_ratio(ghost, QColor(base)) < contrast_ratio(QColor(text), QColor(base))


@pytest.mark.parametrize(("base", "text"), LIGHT_PAGES + DARK_PAGES)
def test_highlight_tint_shows_and_text_reads_on_it(base, text):
    page = palette(base, text)
    seen = composite(highlight_tint(page), QColor(base))
    assert seen != QColor(base)
    assert contrast_ratio(QColor(text), seen) >= 4.5
