"""How records look: JSON-ready dicts for scripts, rich tables and trees for people."""

from __future__ import annotations

import dataclasses
import datetime
import re
from collections.abc import Mapping
from decimal import Decimal
from enum import Enum
from typing import Any

from pydantic import BaseModel
from rich.table import Table
from rich.tree import Tree

from filon._records import Participant
from filon._types import HistoryEvent, Lot, LotId, Mine, Provenance, RecordState

_UNPRINTABLE = re.compile(r"[\x00-\x1f\x7f-\x9f\u200e\u200f\u202a-\u202e\u2066-\u2069]")


def printable(text: str) -> str:
    """`text` safe to show on a terminal: control characters (escape sequences, NUL, bell, newlines) and
    bidirectional overrides are shown escaped (`\\x1b`, `\\u202e`), never sent as they are.

    Lots carry strings anyone admitted may choose (external references, passport URIs, passport fields):
    printed raw, they could redraw the reader's screen or reorder what it shows.
    """
    return _UNPRINTABLE.sub(lambda found: found.group().encode("unicode_escape").decode("ascii"), text)


def jsonable(value: Any) -> Any:
    """`value` with bytes as 0x hex, enums as lower-case names, tuples as lists, keys as strings."""
    if isinstance(value, bytes):
        return "0x" + value.hex()
    if isinstance(value, BaseModel):
        return value.model_dump(mode="json", exclude_none=True)
    if isinstance(value, Enum):
        return value.name.lower()
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {f.name: jsonable(getattr(value, f.name)) for f in dataclasses.fields(value)}
    if isinstance(value, Mapping):
        return {str(key): jsonable(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [jsonable(item) for item in value]
    return value


def grams(mg: int) -> str:
    """Milligrams shown as grams, exactly (850000 -> "850 g", 1 -> "0.001 g")."""
    return f"{(Decimal(mg) / 1000).normalize():f} g"


def kilograms(mg: int) -> str:
    """Milligrams shown as kilograms, exactly."""
    return f"{(Decimal(mg) / 1_000_000).normalize():f} kg"


def utc_date(unix: int) -> str:
    """Unix seconds as an ISO 8601 UTC date-time."""
    return datetime.datetime.fromtimestamp(unix, datetime.UTC).isoformat().replace("+00:00", "Z")


def lot_json(lot: Lot) -> dict[str, Any]:
    """A lot as a JSON object."""
    data: dict[str, Any] = jsonable(lot)
    return data


def mine_json(mine: Mine) -> dict[str, Any]:
    """A mine as a JSON object, with its remaining capacity and its permit expiry as a date."""
    data: dict[str, Any] = jsonable(mine)
    data["remaining_mg"] = mine.remaining_mg
    data["permit_expiry_utc"] = utc_date(mine.permit_expiry)
    data["verified"] = mine.verified
    return data


def event_name(event: HistoryEvent) -> str:
    """The event's kind: declared, produced, passport_recorded, transferred or consumed."""
    return {
        "Declared": "declared",
        "Produced": "produced",
        "PassportRecorded": "passport_recorded",
        "Transferred": "transferred",
        "Consumed": "consumed",
    }[type(event).__name__]


def event_json(event: HistoryEvent) -> dict[str, Any]:
    """A history entry as a JSON object, its kind under "event"."""
    return {"event": event_name(event), **jsonable(event)}


def provenance_json(provenance: Provenance) -> dict[str, Any]:
    """A provenance as a JSON object: its lots and mines by id, and its (parent, child) edges."""
    return {
        "lot_id": int(provenance.lot_id),
        "lots": {str(i): lot_json(lot) for i, lot in sorted(provenance.lots.items())},
        "edges": [[int(parent), int(child)] for parent, child in provenance.edges],
        "mines": {str(i): mine_json(mine) for i, mine in sorted(provenance.mines.items())},
        "ore_lots": [int(lot.id) for lot in provenance.ore_lots],
    }


def record_table(title: str, rows: list[tuple[str, str]]) -> Table:
    """A two-column table of a record's fields."""
    table = Table(title=title, show_header=False, title_justify="left")
    table.add_column("field", style="bold")
    table.add_column("value", overflow="fold")
    for name, value in rows:
        table.add_row(name, printable(value))
    return table


def party_json(party: Participant | None) -> dict[str, Any] | None:
    """`{address, name, role}` of a lot's holder (name null without a verified record), or None."""
    if party is None:
        return None
    role = party.role.name.lower() if party.role is not None else None
    return {"address": party.address, "name": party.name, "role": role}


def named_lot_json(
    lot: Lot, holder: Participant | None, origin: Mine | None, refiner: Participant | None = None
) -> dict[str, Any]:
    """`lot_json` with the holder's name and role, the ore lot's mine name and region, and a bar's brand (its
    refiner's name)."""
    record = origin.record if origin is not None else None
    return lot_json(lot) | {
        "holder_party": party_json(holder),
        "mine_name": record.name if record else None,
        "mine_region": record.region if record else None,
        "brand": refiner.name if refiner is not None else None,
    }


def party_label(address: str, party: Participant | None) -> str:
    """ "Orfebrería Miraflores S.A.C. (refiner) 0x...", or the address alone without a verified record."""
    if party is None or party.record is None:
        return address
    role = f" ({party.role.name.lower()})" if party.role is not None else ""
    return f"{party.record.name}{role} {address}"


def lot_table(
    lot: Lot,
    holder: Participant | None = None,
    origin: Mine | None = None,
    refiner: Participant | None = None,
) -> Table:
    """A lot, for people, with its holder's, its mine's and a bar's refiner's names when their records are
    verified."""
    return record_table(
        f"Lot {lot.id}",
        [
            ("holder", party_label(lot.holder, holder) if lot.holder else "(consumed)"),
            ("form", lot.form.name.lower()),
            ("fine gold", grams(lot.fine_gold_mg)),
            ("gross mass", kilograms(lot.gross_mass_mg)),
            ("mine", mine_label(lot.mine_id, origin) if lot.mine_id is not None else "-"),
            ("parents", ", ".join(str(p) for p in lot.parents) or "-"),
            ("consumed", "yes" if lot.consumed else "no"),
            ("passport", f"version {lot.passport_version}, root 0x{lot.passport_root.hex()}"),
            ("passport URI", lot.passport_uri or "-"),
            ("external ref", lot.external_ref or "-"),
            ("serial", lot.serial if lot.serial is not None else "-"),
            *([("brand (refiner)", party_label(lot.refiner, refiner))] if lot.refiner is not None else []),
        ],
    )


RECORD_WORDS = {
    RecordState.NONE: "none published",
    RecordState.VERIFIED: "verified: the registrar published these bytes",
    RecordState.MISSING: "published, but the store does not hold it",
    RecordState.MISMATCH: "NOT VERIFIED: the stored record does not match what the registrar published",
}
"""What a record's state means, in words."""


def mine_label(mine_id: int, mine: Mine | None) -> str:
    """ "Huanca (Ayacucho), mine 4", or "mine 4" when the mine has no verified record."""
    if mine is None or mine.record is None:
        return f"mine {mine_id}"
    return f"{mine.record.name} ({mine.record.region}), mine {mine_id}"


def mine_table(mine: Mine) -> Table:
    """A mine, for people."""
    named = [("name", mine.record.name), ("region", mine.record.region)] if mine.record else []
    return record_table(
        f"Mine {mine.id}",
        [
            *named,
            ("record", RECORD_WORDS[mine.record_state]),
            ("status", mine.status.name.lower()),
            ("operator", mine.operator),
            ("country", mine.country),
            ("permit", "0x" + mine.permit_hash.hex()),
            ("permit expiry", utc_date(mine.permit_expiry)),
            ("capacity", f"{grams(mine.capacity_mg)} per year"),
            (f"declared in {mine.year}", grams(mine.declared_this_year_mg)),
            ("remaining", grams(mine.remaining_mg)),
            ("location", "0x" + mine.location_hash.hex()),
        ],
    )


def _event_details(event: HistoryEvent) -> str:
    data = event_json(event)
    skip = {"event", "lot_id", "block_number", "transaction_hash", "log_index", "passport_root"}
    return ", ".join(f"{key}={value}" for key, value in data.items() if key not in skip and value != "")


def history_table(lot_id: LotId, events: list[HistoryEvent]) -> Table:
    """A lot's history, for people."""
    table = Table(title=f"History of lot {lot_id}", title_justify="left")
    table.add_column("block", justify="right")
    table.add_column("event")
    table.add_column("details", overflow="fold")
    for event in events:
        table.add_row(str(event.block_number), event_name(event), printable(_event_details(event)))
    return table


def provenance_tree(provenance: Provenance) -> Tree:
    """A lot's ancestry as a tree from the lot down to its ore lots and their mines."""
    parents: dict[LotId, list[LotId]] = {}
    for parent, child in provenance.edges:
        parents.setdefault(child, []).append(parent)

    def label(lot_id: LotId) -> str:
        lot = provenance.lots[lot_id]
        text = f"Lot {lot_id}: {lot.form.name.lower()}, {grams(lot.fine_gold_mg)} fine gold"
        if lot.mine_id is not None:
            mine = provenance.mines.get(lot.mine_id)
            status = f" ({mine.status.name.lower()}, {mine.country})" if mine else ""
            text += f", from {mine_label(lot.mine_id, mine)}{status}"
        return printable(text)

    tree = Tree(label(provenance.lot_id))

    def grow(node: Tree, lot_id: LotId, path: frozenset[LotId]) -> None:
        for parent in sorted(parents.get(lot_id, [])):
            if parent in path:  # a DAG never loops; guard anyway against a malformed edge list
                continue
            grow(node.add(label(parent)), parent, path | {parent})

    grow(tree, provenance.lot_id, frozenset({provenance.lot_id}))
    return tree
