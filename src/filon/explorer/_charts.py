"""Small server-rendered SVG charts: no JavaScript, readable in print and by screen readers.

A chart is a list of labelled horizontal bars, each with its figure written beside it in words as well as
drawn (a bar alone says nothing to a reader who cannot see it), under a `<title>` that names the chart.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from html import escape

from markupsafe import Markup

from filon.explorer._models import LotOut

LABEL_WIDTH = 180
BAR_WIDTH = 320
TEXT_WIDTH = 200
ROW_HEIGHT = 24
MARGIN = 8
_BAR_COLOUR = "#b08800"  # gold, dark enough on white for WCAG non-text contrast (3:1)


@dataclass(frozen=True)
class Bar:
    """One bar of a chart.

    Attributes:
        label: What it measures (left of the bar).
        value: Its length, relative to the chart's largest value (0 or more).
        text: Its figure in words (right of the bar).
        href: Where its label links to, if anywhere.
    """

    label: str
    value: float
    text: str
    href: str | None = None


def bar_chart(bars: Sequence[Bar], *, title: str, css_class: str) -> Markup:
    """A horizontal bar chart, bars scaled to the largest value (all empty when every value is 0).

    Args:
        bars: The bars, top to bottom.
        title: What the chart shows (its `<title>`, read by screen readers).
        css_class: The SVG element's class, for styles and tests.
    """
    largest = max((bar.value for bar in bars), default=0.0)
    width = 2 * MARGIN + LABEL_WIDTH + BAR_WIDTH + TEXT_WIDTH
    height = 2 * MARGIN + ROW_HEIGHT * len(bars)
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" class="chart {escape(css_class)}" width="{width}" '
        f'height="{height}" viewBox="0 0 {width} {height}" role="img" font-family="system-ui, sans-serif" '
        f'font-size="13"><title>{escape(title)}</title>'
    ]
    for row, bar in enumerate(bars):
        top = MARGIN + row * ROW_HEIGHT
        length = BAR_WIDTH * bar.value / largest if largest > 0 else 0.0
        label = f'<text x="{MARGIN}" y="{top + 16}" fill="#1f2328">{escape(bar.label)}</text>'
        if bar.href is not None:
            label = f'<a href="{escape(bar.href)}">{label}</a>'
        parts.append(
            f'<g class="bar">{label}'
            f'<rect x="{MARGIN + LABEL_WIDTH}" y="{top + 4}" width="{length:.1f}" height="{ROW_HEIGHT - 8}" '
            f'fill="{_BAR_COLOUR}"><title>{escape(bar.label)}: {escape(bar.text)}</title></rect>'
            f'<text x="{MARGIN + LABEL_WIDTH + length + 6:.1f}" y="{top + 16}" fill="#1f2328">'
            f"{escape(bar.text)}</text></g>"
        )
    parts.append("</svg>")
    return Markup("".join(parts))


def mine_label(mine_id: int, name: str | None) -> str:
    """A mine as a chart or table names it: "Mine 3", or "Mine 3 · Santa Rosa" when its name is known."""
    return f"Mine {mine_id}" if name is None else f"Mine {mine_id} · {name}"


def contributions_svg(page: LotOut, root: str = "") -> Markup | None:
    """The bar chart of a lot page's contributions by mine (None when the page has none)."""
    if not page.contributions:
        return None
    bars = [
        Bar(
            label=mine_label(part.mine_id, part.name),
            value=part.share,
            text=f"{100 * part.share:.4g} % · {part.fine_gold_mg / 1000:,.3f} g",
            href=f"{root}/mines/{part.mine_id}",
        )
        for part in page.contributions
    ]
    return bar_chart(bars, title=f"Lot {page.id}'s fine gold by mine of origin", css_class="contributions")
