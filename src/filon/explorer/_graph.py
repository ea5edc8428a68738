"""A lot's provenance as an SVG drawing: mines on the left, layer by layer, to the lot on the right.

Each node is a link to its page. A mine shows its permit status in words as well as in colour (colour alone
fails readers who do not see it, and printers in black and white). The layout is layered: a lot's column is
one more than its deepest parent's, so every edge points right; within a column, nodes are ordered by the
mean position of their parents, which keeps the edges of a supply chain mostly uncrossed.
"""

from __future__ import annotations

from dataclasses import dataclass
from graphlib import TopologicalSorter
from html import escape

from markupsafe import Markup

from filon.explorer._models import LotOut, LotSummary, MineSummary

MAX_GRAPH_LOTS = 200
"""Above this many lots the page shows the mines and a summary instead: such a drawing is unreadable."""

NODE_WIDTH = 200
NODE_HEIGHT = 46
COLUMN_GAP = 64
ROW_GAP = 14
MARGIN = 8

# (stroke, fill) per permit state: dark enough on white to pass WCAG contrast for the text drawn in them.
_COLOURS = {
    "active": ("#1a7f37", "#dafbe1"),
    "suspended": ("#9a6700", "#fff8c5"),
    "revoked": ("#cf222e", "#ffebe9"),
    "expired": ("#9a6700", "#fff8c5"),
}
_LOT_COLOURS = {"live": ("#0a3069", "#ffffff"), "consumed": ("#57606a", "#f6f8fa")}
_FORM_NAMES = {"dore": "doré"}


@dataclass
class _Node:
    key: str
    column: int
    row: float = 0.0
    x: float = 0.0
    y: float = 0.0


def _grams(mg: int) -> str:
    return f"{mg / 1000:,.3f} g"


def _columns(lots: dict[int, LotSummary], parents: dict[int, list[int]]) -> dict[int, int]:
    """Each lot's column: 1 for ore lots, else one more than its deepest parent (mines are column 0)."""
    column: dict[int, int] = {}
    graph = {lot: [p for p in parents.get(lot, []) if p in lots] for lot in lots}
    for lot in TopologicalSorter(graph).static_order():
        above = [column[p] for p in graph[lot]]
        column[lot] = max(above) + 1 if above else 1
    return column


def provenance_svg(page: LotOut, root: str = "") -> Markup | None:
    """The provenance drawing of a lot page, or None when it has more than `MAX_GRAPH_LOTS` lots (or only
    the nearest of its lots are listed).

    Args:
        page: The lot page's data.
        root: The path the explorer is mounted at ("" at the site's root), prefixed to every link.
    """
    if len(page.provenance.lots) > MAX_GRAPH_LOTS or not page.provenance.complete:
        return None
    lots = {lot.id: lot for lot in page.provenance.lots}
    mines = {mine.id: mine for mine in page.mines}
    parents: dict[int, list[int]] = {}
    for parent, child in page.provenance.edges:
        parents.setdefault(child, []).append(parent)

    nodes: dict[str, _Node] = {}
    by_column: dict[int, list[_Node]] = {}
    for lot_id, column in _columns(lots, parents).items():
        node = _Node(f"lot:{lot_id}", column)
        nodes[node.key] = node
        by_column.setdefault(column, []).append(node)
    for mine_id in sorted(mines):
        node = _Node(f"mine:{mine_id}", 0)
        nodes[node.key] = node
        by_column.setdefault(0, []).append(node)

    def sources(node: _Node) -> list[str]:
        lot_id = int(node.key.split(":")[1])
        lot = lots[lot_id]
        if lot.mine_id is not None:
            return [f"mine:{lot.mine_id}"] if lot.mine_id in mines else []
        return [f"lot:{p}" for p in parents.get(lot_id, []) if p in lots]

    # Mines by id; then each column by the mean row of its sources (ties by id), left to right.
    for row, node in enumerate(by_column.get(0, [])):
        node.row = row
    for column in sorted(c for c in by_column if c > 0):

        def mean_row(node: _Node) -> tuple[float, int]:
            rows = [nodes[s].row for s in sources(node) if s in nodes]
            return (sum(rows) / len(rows) if rows else 0.0, int(node.key.split(":")[1]))

        by_column[column].sort(key=mean_row)
        for row, node in enumerate(by_column[column]):
            node.row = row

    tallest = max(len(column) for column in by_column.values())
    step_y = NODE_HEIGHT + ROW_GAP
    width = MARGIN * 2 + (max(by_column) + 1) * NODE_WIDTH + max(by_column) * COLUMN_GAP
    height = MARGIN * 2 + tallest * NODE_HEIGHT + (tallest - 1) * ROW_GAP
    for column, members in by_column.items():
        offset = (tallest - len(members)) * step_y / 2  # centre each column on the tallest one
        for node in members:
            node.x = MARGIN + column * (NODE_WIDTH + COLUMN_GAP)
            node.y = MARGIN + offset + node.row * step_y

    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" class="provenance" width="{width}" height="{height}" '
        f'viewBox="0 0 {width} {height}" aria-labelledby="provenance-title" '
        'font-family="system-ui, sans-serif" font-size="13">',
        f'<title id="provenance-title">Provenance of lot {page.id}: {len(lots)} lots from '
        f"{len(mines)} mine{'s' if len(mines) != 1 else ''}</title>",
        '<defs><marker id="arrow" viewBox="0 0 10 10" refX="10" refY="5" markerWidth="7" markerHeight="7" '
        'orient="auto-start-reverse"><path d="M 0 0 L 10 5 L 0 10 z" fill="#57606a"/></marker></defs>',
        '<g class="edges" fill="none" stroke="#57606a" stroke-width="1.5">',
    ]
    for node in nodes.values():
        if node.key.startswith("mine:"):
            continue
        for source in sources(node):
            start = nodes[source]
            x1, y1 = start.x + NODE_WIDTH, start.y + NODE_HEIGHT / 2
            x2, y2 = node.x, node.y + NODE_HEIGHT / 2
            bend = COLUMN_GAP / 2
            parts.append(
                f'<path d="M {x1:.1f} {y1:.1f} C {x1 + bend:.1f} {y1:.1f}, {x2 - bend:.1f} {y2:.1f}, '
                f'{x2:.1f} {y2:.1f}" marker-end="url(#arrow)"/>'
            )
    parts.append("</g>")
    for node in nodes.values():
        kind, _, ident = node.key.partition(":")
        if kind == "mine":
            parts.append(_mine_node(mines[int(ident)], node, root))
        else:
            parts.append(_lot_node(lots[int(ident)], node, root, is_target=int(ident) == page.id))
    parts.append("</svg>")
    return Markup("".join(parts))


def _box(node: _Node, stroke: str, fill: str, line1: str, line2: str, *, bold: bool = False) -> str:
    weight = 3 if bold else 1.5
    return (
        f'<rect x="{node.x:.1f}" y="{node.y:.1f}" width="{NODE_WIDTH}" height="{NODE_HEIGHT}" rx="6" '
        f'fill="{fill}" stroke="{stroke}" stroke-width="{weight}"/>'
        f'<text x="{node.x + 10:.1f}" y="{node.y + 19:.1f}" fill="#1f2328" font-weight="bold">'
        f"{escape(line1)}</text>"
        f'<text x="{node.x + 10:.1f}" y="{node.y + 37:.1f}" fill="{stroke}">{escape(line2)}</text>'
    )


def _mine_node(mine: MineSummary, node: _Node, root: str) -> str:
    state = "expired" if mine.status == "active" and mine.permit_expired else mine.status
    stroke, fill = _COLOURS[state]
    words = mine.status.upper() + (", permit expired" if mine.permit_expired else "")
    label = f"Mine {mine.id}, {mine.country}: {words}"
    return (
        f'<a href="{escape(root)}/mines/{mine.id}" class="node mine {escape(state)}" '
        f'aria-label="{escape(label)}"><title>{escape(label)}</title>'
        + _box(node, stroke, fill, f"Mine {mine.id} · {mine.country}", words)
        + "</a>"
    )


def _lot_node(lot: LotSummary, node: _Node, root: str, *, is_target: bool) -> str:
    stroke, fill = _LOT_COLOURS["consumed" if lot.consumed else "live"]
    form = _FORM_NAMES.get(lot.form, lot.form)
    state = "consumed" if lot.consumed else "live"
    label = f"Lot {lot.id}: {form}, {_grams(lot.fine_gold_mg)} of fine gold, {state}"
    return (
        f'<a href="{escape(root)}/lots/{lot.id}" class="node lot{" target" if is_target else ""}" '
        f'aria-label="{escape(label)}"><title>{escape(label)}</title>'
        + _box(node, stroke, fill, f"Lot {lot.id}", f"{form} · {_grams(lot.fine_gold_mg)}", bold=is_target)
        + "</a>"
    )
