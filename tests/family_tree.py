"""A "family tree" of lots, the shape that once stalled the explorer (issue 14): `width` ore lots, then
rounds of one transformation each, of all `width` lots of the round before into `width` new ones, every
output made from every input. A lot `r` rounds down has `width * r` ancestors and `r * width**2` parent
edges below it, made by only `r` transformations.

Shared by tests/explorer/test_family_tree.py (16 lots, 4 rounds) and bench/explorer.py (64 lots, 16 rounds:
a provenance of 1,025 lots). Every lot carries a real published passport with its carbon emissions, so the
carbon roll-up reads as many packages as a real chain would.
"""

from __future__ import annotations

import datetime
from collections.abc import Sequence
from dataclasses import dataclass

import filon
from filon.passport import CarbonEmissions, Facility, LotReference, Party, Quantity

PRODUCED = datetime.date(2026, 5, 4)


@dataclass(frozen=True)
class FamilyTree:
    """The lots of a family tree, by generation: `generations[0]` the ore lots, `generations[r]` the outputs
    of round `r`, each in the order the transformation minted them."""

    generations: tuple[tuple[filon.LotId, ...], ...]

    @property
    def youngest(self) -> filon.LotId:
        """The first output of the last round: the lot with the deepest provenance."""
        return self.generations[-1][0]


def passport(
    mine_id: filon.MineId, label: str, fine_mg: int, kg_co2e: float, inputs: int = 0
) -> filon.Passport:
    """A small passport of a lot from `mine_id`'s gold, reporting `kg_co2e` of emissions."""
    return filon.Passport(
        lot=LotReference(batch_id=label),
        producer=Party(name="Family tree test"),
        facility=Facility(mine_id=mine_id, name="Santa Rosa", country="PE"),
        production_date=PRODUCED,
        quantity=Quantity(gross_mass_mg=2 * fine_mg, fineness_ppt=500, fine_gold_mg=fine_mg),
        carbon=CarbonEmissions(kg_co2e=kg_co2e, scope=[1, 2], method="test", boundary=label),
        notes=f"made from {inputs} lots" if inputs else None,
    )


def grow_family_tree(
    client: filon.Client,
    mine_id: filon.MineId,
    *,
    width: int,
    fine_mg: Sequence[int],
    ore_kg_co2e: float,
    round_kg_co2e: float,
) -> FamilyTree:
    """Declares `width` ore lots from `mine_id`, then transforms them round after round.

    Args:
        client: The mine's operator, with a document store (it holds every lot: the operator may transform).
        mine_id: The mine it operates.
        width: Lots per generation (at most the contract's 64 inputs and outputs per transformation).
        fine_mg: The fine gold of each lot of generation 0 (ore), 1, 2, ...: one round per entry after the
            first, each at most the one before (fine gold is never created).
        ore_kg_co2e: Each ore lot's own emissions.
        round_kg_co2e: The emissions each transformation's passport reports (its every output's own).

    Returns:
        The lots, by generation.
    """
    generations = [
        tuple(
            client.declare_lot_with_passport(
                mine_id,
                passport(mine_id, f"ore {index}", fine_mg[0], ore_kg_co2e),
                external_ref=f"FT-{index}",
            )
            for index in range(width)
        )
    ]
    for round_number, fine in enumerate(fine_mg[1:], start=1):
        outputs = [filon.LotOutput(filon.Form.DORE, fine, 2 * fine)] * width
        made = passport(mine_id, f"round {round_number}", fine, round_kg_co2e, inputs=width)
        generations.append(tuple(client.transform_with_passport(list(generations[-1]), outputs, made)))
    return FamilyTree(tuple(generations))
