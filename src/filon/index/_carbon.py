"""A lot's carbon roll-up from the index: its ancestry as transformations, each lot's share of its
transformation's outputs from the stored facts, and each lot's emissions from its latest published
passport, read once per passport (`emissions` keeps them between calls).

The same roll-up as `Client.carbon` (`filon.passport.roll_up`, with each transformation's inputs summed in
the same order), without reading any lot's history: a few queries whatever the ancestry's size.
"""

from __future__ import annotations

from collections.abc import MutableMapping
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from filon._errors import PassportUnavailable
from filon._passports import PassportVersion, published_package
from filon._types import Lot, LotId
from filon.index._ancestry import Ancestry
from filon.index._database import rows_in
from filon.index._facts import facts
from filon.index._models import PassportRow
from filon.passport._carbon import CarbonFootprint, Group, roll_up
from filon.passport._store import DocumentStore

Emissions = MutableMapping[tuple[bytes, str], "float | None"]
"""Emissions read from published passports, by (root, URI): a package's bytes are fixed by its CID and
checked against the root, so what it says never changes (None: it reports none)."""


@dataclass(frozen=True)
class _Passport:
    version: int
    root: bytes
    uri: str


def footprint(
    session: Session, store: DocumentStore, ancestry: Ancestry, lot: Lot, emissions: Emissions | None = None
) -> CarbonFootprint:
    """The carbon footprint of `lot` over its ancestry as walked (all of it when complete).

    Raises:
        DisclosureMismatch: A passport package in the store fails its checks against its root.
        InvalidInput: The ancestry is not one the roll-up accepts.
    """
    fine = {lot.id: lot.fine_gold_mg, **{i: birth.fine_gold_mg for i, birth in ancestry.births.items()}}
    mines = {lot.id: lot.mine_id, **{i: birth.mine_id for i, birth in ancestry.births.items()}}
    fine_out = dict(ancestry.fine_out_mg)
    unknown = {ancestry.representative[i] for i in fine if ancestry.parents(i)} - fine_out.keys()
    for representative, found in facts(session, unknown).items():  # rows written outside a sync
        assert found.fine_out_mg is not None
        fine_out[representative] = found.fine_out_mg
    made_from: dict[int, list[Group]] = {}
    inputs: dict[int, tuple[int, ...]] = {}
    for lot_id in fine:
        representative = ancestry.representative[lot_id]
        if not ancestry.inputs.get(representative):
            continue
        if representative not in inputs:  # one tuple per transformation: the roll-up sums it once
            inputs[representative] = tuple(sorted(ancestry.inputs[representative]))
        made_from[lot_id] = [(fine[lot_id] / fine_out[representative], inputs[representative])]
    own: dict[int, float] = {}
    for lot_id, passport in _latest_passports(session, sorted(fine)).items():
        entry = PassportVersion(LotId(lot_id), passport.version, passport.root, passport.uri)
        kg = _emissions(store, entry, emissions)
        if kg is not None:
            own[lot_id] = kg
    return roll_up(lot.id, made_from, own, mines)


def _latest_passports(session: Session, lots: list[int]) -> dict[int, _Passport]:
    query = select(PassportRow.lot_id, PassportRow.version, PassportRow.root, PassportRow.uri)
    latest: dict[int, _Passport] = {}
    for row in rows_in(session, query, PassportRow.lot_id, lots):
        if row.lot_id not in latest or row.version > latest[row.lot_id].version:
            latest[row.lot_id] = _Passport(row.version, bytes(row.root), row.uri)
    return latest


def _emissions(store: DocumentStore, entry: PassportVersion, known: Emissions | None) -> float | None:
    """What a passport version reports (None: nothing, or its package is not in the store)."""
    key = (entry.root, entry.uri)
    if known is not None and key in known:
        return known[key]
    try:
        carbon = published_package(store, entry, ("carbon",)).fields.get("carbon")
    except PassportUnavailable:  # not in the store (yet): nothing to remember
        return None
    kg = float(carbon.value["kg_co2e"]) if carbon is not None and isinstance(carbon.value, dict) else None  # type: ignore[arg-type]
    if known is not None:
        known[key] = kg
    return kg
