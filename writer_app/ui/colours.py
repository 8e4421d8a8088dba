"""Colours the editor paints over text, readable on light and dark themes alike.

Everything here is derived from the palette (or told whether it is dark), so a theme
switch changes them all; contrast is measured as WCAG defines it, so tests can check
that ghost text and tints stay readable instead of trusting how a colour looks.
"""

from __future__ import annotations

from PySide6.QtGui import QColor, QPalette

# Viridis (matplotlib's default map): perceptually uniform, lightness rising from end to
# end, and readable by people with the common colour-vision deficiencies — unlike a
# red-to-green scale, whose two ends look alike to one man in twelve.
VIRIDIS = ("#440154", "#472d7b", "#3b528b", "#2c728e", "#21918c", "#28ae80", "#5ec962",
           "#addc30", "#fde725")
# The part of the ramp used on each kind of page: on white the dark part (every colour
# at least 3:1 against the page), on a dark page the light part (likewise).
LIGHT_SEGMENT = (0.0, 0.5)
DARK_SEGMENT = (0.46, 1.0)
GHOST_CONTRAST = 3.0  # WCAG's floor for large or secondary text; ghost text must pass it


def relative_luminance(colour: QColor) -> float:
    """WCAG 2 relative luminance of an opaque colour (0 black … 1 white)."""

    def linear(channel: float) -> float:
        return channel / 12.92 if channel <= 0.04045 else ((channel + 0.055) / 1.055) ** 2.4

    return (0.2126 * linear(colour.redF()) + 0.7152 * linear(colour.greenF())
            + 0.0722 * linear(colour.blueF()))


def composite(colour: QColor, under: QColor) -> QColor:
    """`colour` (with its alpha) painted over the opaque `under`: what the eye sees."""
    alpha = colour.alphaF()
    return QColor.fromRgbF(*(alpha * a + (1 - alpha) * b for a, b in (
        (colour.redF(), under.redF()), (colour.greenF(), under.greenF()),
        (colour.blueF(), under.blueF()))))


def contrast_ratio(first: QColor, second: QColor) -> float:
    """WCAG contrast ratio (1 … 21) of two colours; a translucent `first` is composited
    over `second` first."""
    if first.alphaF() < 1.0:
        first = composite(first, second)
    light, dark = sorted((relative_luminance(first), relative_luminance(second)),
                         reverse=True)
    return (light + 0.05) / (dark + 0.05)


def is_dark(palette: QPalette) -> bool:
    """Whether text is light on a dark page (the one test every painter shares)."""
    base = palette.color(QPalette.ColorRole.Base)
    text = palette.color(QPalette.ColorRole.Text)
    return relative_luminance(base) < relative_luminance(text)


def ramp(position: float) -> QColor:
    """Viridis at `position` (0 … 1), interpolated between its stops."""
    position = max(0.0, min(1.0, position)) * (len(VIRIDIS) - 1)
    index = min(int(position), len(VIRIDIS) - 2)
    fraction = position - index
    low, high = QColor(VIRIDIS[index]), QColor(VIRIDIS[index + 1])
    return QColor.fromRgbF(*(a + (b - a) * fraction for a, b in (
        (low.redF(), high.redF()), (low.greenF(), high.greenF()),
        (low.blueF(), high.blueF()))))


def probability_colour(prob: float, dark: bool) -> QColor:
    """The background tint of a generated token the model gave probability `prob`.

    Bluer is less likely, greener-yellower more likely, on both themes; unlikely tokens
    are tinted more strongly, since they are the ones a writer looks for. A square-root
    scale: most tokens of fluent text are well under one half likely, and a linear
    scale would paint nearly all of them alike. The opaque hue has at least 3:1 contrast
    against the page; the translucent tint keeps the text on it readable (4.5:1)."""
    share = max(0.0, min(1.0, prob)) ** 0.5
    low, high = DARK_SEGMENT if dark else LIGHT_SEGMENT
    colour = ramp(low + (high - low) * share)
    colour.setAlphaF((0.42 if dark else 0.38) - 0.14 * share)
    return colour


def opaque(colour: QColor) -> QColor:
    """`colour` without its alpha (the hue a tint is made of)."""
    solid = QColor(colour)
    solid.setAlphaF(1.0)
    return solid


def mix(first: QColor, second: QColor, amount: float) -> QColor:
    """`amount` of `second` mixed into `first` (both taken as opaque)."""
    return QColor.fromRgbF(*(a + (b - a) * amount for a, b in (
        (first.redF(), second.redF()), (first.greenF(), second.greenF()),
        (first.blueF(), second.blueF()))))


def ghost_colour(palette: QPalette) -> QColor:
    """Grey text for a suggestion: the palette's placeholder colour, moved towards the
    text colour only as far as needed for 3:1 against the page (some styles' placeholder
    is fainter than that, especially on dark pages)."""
    base = palette.color(QPalette.ColorRole.Base)
    text = palette.color(QPalette.ColorRole.Text)
    colour = composite(palette.color(QPalette.ColorRole.PlaceholderText), base)
    for step in range(11):
        candidate = mix(colour, text, step / 10)
        if contrast_ratio(candidate, base) >= GHOST_CONTRAST:
            return candidate
    return QColor(text)


def highlight_tint(palette: QPalette, alpha: float | None = None) -> QColor:
    """The selection colour as a translucent tint behind text (generated text, find
    matches): a little stronger on dark pages, where a faint tint disappears."""
    tint = QColor(palette.color(QPalette.ColorRole.Highlight))
    tint.setAlphaF(alpha if alpha is not None else (0.32 if is_dark(palette) else 0.19))
    return tint
