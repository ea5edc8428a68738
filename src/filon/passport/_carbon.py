"""Carbon roll-up: a lot's footprint in kg CO2e, summed over its ancestry down to the mines.

The rule (DESIGN, "carbon roll-up"; emissions are allocated by fine gold):

- an ore lot's footprint is its own emissions, all attributed to its mine;
- a transformed lot's footprint is, for each parent, the parent's footprint times this lot's share of
  the fine gold of *all the outputs* of the transformation that consumed the parent, plus the lot's own
  emissions (those of the processing step that produced it, as its passport reports them).

Allocating over all the outputs (rather than over the parent's fine gold) keeps the roll-up conservative:
the footprints of the outputs of a transformation always add up to the footprints of its inputs plus
the outputs' own emissions, even when the transformation loses some gold.

This is a pure function over data the caller has already read (`Client.provenance`, `Client.history`,
the passports); it never touches the chain.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import TypeAlias, TypeVar

from filon._errors import InvalidInput
from filon._types import LotId

_V = TypeVar("_V")
ByLot: TypeAlias = Mapping[LotId, _V] | Mapping[int, _V]
"""A mapping keyed by lot id, as plain ints or as `LotId` (mapping keys are invariant for type checkers)."""


@dataclass(frozen=True)
class CarbonFootprint:
    """The carbon footprint of one lot, with where it comes from.

    Attributes:
        lot_id: The lot.
        total_kg_co2e: Its whole footprint, in kg CO2e: `sum(by_mine.values()) + transformations_kg_co2e`.
        by_mine: The part of the total that comes from the extraction of each mine's ore, by mine id.
        own_kg_co2e: The lot's own emissions (extraction for an ore lot, the processing step otherwise).
        transformations_kg_co2e: The part of the total added by processing steps (the lot's own step
            included, for a transformed lot).
        unreported_lots: Lots of the ancestry (the lot included) with no emissions figure, counted as zero:
            a total with unreported lots is a lower bound.
    """

    lot_id: int
    total_kg_co2e: float
    by_mine: dict[int, float]
    own_kg_co2e: float
    transformations_kg_co2e: float
    unreported_lots: tuple[int, ...] = ()


@dataclass
class _Partial:
    by_mine: dict[int, float]
    transformations: float


Group = tuple[float, tuple[int, ...]]
"""Inputs of a transformation that made a lot, with the lot's share of them: (share, inputs in order)."""


def carbon_footprint(
    lot_id: int,
    provenance_edges: ByLot[Sequence[int]],
    fine_gold_mg: ByLot[int],
    own_emissions_kg: ByLot[float],
    mine_of: ByLot[int | None],
    outputs_of_transformation: ByLot[Sequence[int]] | None = None,
) -> CarbonFootprint:
    """Rolls a lot's carbon footprint up from its ancestry, allocating by fine gold.

    Args:
        lot_id: The lot whose footprint to compute.
        provenance_edges: The parents of each transformed lot (child -> parents); a lot absent or with no
            parents is an ore lot.
        fine_gold_mg: Fine gold of every transformed lot of the ancestry and of every sibling output
            (see `outputs_of_transformation`), in mg.
        own_emissions_kg: Each lot's own emissions in kg CO2e; a lot without an entry counts as zero and
            is listed in `CarbonFootprint.unreported_lots`.
        mine_of: The mine of each ore lot of the ancestry.
        outputs_of_transformation: For a consumed lot, every lot the transformation that consumed it
            produced (`Consumed.outputs` in its history). A parent absent from it falls back to the
            children `provenance_edges` gives it, which is right only when the edges hold every output of
            that transformation (a `Provenance` holds ancestors only, not the siblings of a split).

    Returns:
        The footprint, with its breakdown by mine and by processing.

    Raises:
        InvalidInput: The ancestry has a cycle, an ore lot has no mine, a lot lacks its fine gold, or the
            outputs of a transformation do not include the child or hold no fine gold.
    """
    edges = _plain(provenance_edges)
    fine_gold = _plain(fine_gold_mg)
    outputs = None if outputs_of_transformation is None else _plain(outputs_of_transformation)
    children: dict[int, list[int]] = {}
    for child, parents in edges.items():
        for parent in parents:
            children.setdefault(parent, []).append(child)
    consumers: dict[int, tuple[frozenset[int], int]] = {}
    made_from: dict[int, list[Group]] = {}
    for child, parents in edges.items():
        # The parents a transformation consumed together give the child one share of all of them.
        groups: dict[frozenset[int], tuple[float, list[int]]] = {}
        for parent in parents:
            made = consumers.get(parent)
            if made is None:
                made = consumers[parent] = _outputs(parent, fine_gold, outputs, children)
            if child not in made[0]:
                raise InvalidInput(
                    f"lot {child} is not among the outputs {sorted(made[0])} of the consumer of {parent}"
                )
            groups.setdefault(made[0], (fine_gold[child] / made[1], []))[1].append(parent)
        made_from[child] = [(share, tuple(members)) for share, members in groups.values()]
    return roll_up(lot_id, made_from, own_emissions_kg, mine_of)


def roll_up(
    lot_id: int,
    made_from: ByLot[Sequence[Group]],
    own_emissions_kg: ByLot[float],
    mine_of: ByLot[int | None],
) -> CarbonFootprint:
    """The footprint of a lot from what each lot of its ancestry was made from, in shares.

    A transformation's inputs are summed once, however many outputs it made (pass the same inputs tuple for
    each output): the work grows with the lots of the ancestry, not with its parent edges.

    Args:
        lot_id: The lot whose footprint to compute.
        made_from: For each transformed lot, its share of the inputs of the transformation that made it; a
            lot absent or with no group is an ore lot.
        own_emissions_kg: Each lot's own emissions (a lot without an entry counts as zero, and is listed).
        mine_of: The mine of each ore lot.

    Raises:
        InvalidInput: The ancestry has a cycle, or an ore lot has no mine.
    """
    groups = _plain(made_from)
    emissions = _plain(own_emissions_kg)
    mines = _plain(mine_of)
    partial: dict[int, _Partial] = {}
    sums: dict[tuple[int, ...], _Partial] = {}
    visiting: set[int] = set()
    stack = [lot_id]
    while stack:  # depth first, parents before children, without recursion (ancestries run deep)
        lot = stack[-1]
        if lot in partial:
            stack.pop()
            continue
        made = groups.get(lot, ())
        pending = [p for _, members in made if members not in sums for p in members if p not in partial]
        if pending:
            if lot in visiting:
                raise InvalidInput(f"the provenance of lot {lot_id} has a cycle through lot {lot}")
            visiting.add(lot)
            stack.extend(pending)
            continue
        stack.pop()
        own = float(emissions.get(lot, 0.0))
        if not made:
            mine = mines.get(lot)
            if mine is None:
                raise InvalidInput(f"lot {lot} has no parents and no mine: cannot attribute its emissions")
            partial[lot] = _Partial({mine: own}, 0.0)
            continue
        result = _Partial({}, own)
        for share, members in made:
            summed = sums.get(members)
            if summed is None:
                summed = sums[members] = _Partial({}, 0.0)
                for member in members:
                    source = partial[member]
                    for mine, kg in source.by_mine.items():
                        summed.by_mine[mine] = summed.by_mine.get(mine, 0.0) + kg
                    summed.transformations += source.transformations
            for mine, kg in summed.by_mine.items():
                result.by_mine[mine] = result.by_mine.get(mine, 0.0) + kg * share
            result.transformations += summed.transformations * share
        partial[lot] = result

    mine_parts = dict(sorted(partial[lot_id].by_mine.items()))
    transformations = partial[lot_id].transformations
    return CarbonFootprint(
        lot_id=lot_id,
        total_kg_co2e=sum(mine_parts.values()) + transformations,
        by_mine=mine_parts,
        own_kg_co2e=float(emissions.get(lot_id, 0.0)),
        transformations_kg_co2e=transformations,
        unreported_lots=tuple(sorted(lot for lot in partial if lot not in emissions)),
    )


def _plain(mapping: ByLot[_V]) -> dict[int, _V]:
    return {int(key): value for key, value in mapping.items()}


def _outputs(
    parent: int,
    fine_gold_mg: Mapping[int, int],
    outputs_of_transformation: Mapping[int, Sequence[int]] | None,
    children: Mapping[int, Sequence[int]],
) -> tuple[frozenset[int], int]:
    """The outputs of the transformation that consumed `parent`, and their fine gold."""
    if outputs_of_transformation is not None and parent in outputs_of_transformation:
        outputs = frozenset(outputs_of_transformation[parent])
    else:
        outputs = frozenset(children.get(parent, ()))
    missing = sorted(lot for lot in outputs if lot not in fine_gold_mg)
    if missing:
        raise InvalidInput(f"no fine gold given for lots {missing} (outputs of the consumer of lot {parent})")
    total = sum(fine_gold_mg[lot] for lot in outputs)
    if total <= 0:
        raise InvalidInput(f"the outputs {sorted(outputs)} of the consumer of lot {parent} hold no fine gold")
    return outputs, total
