"""Carbon roll-up: a merge then a split, worked by hand, and the inputs it refuses."""

from __future__ import annotations

import pytest

from filon._errors import FilonError, InvalidInput
from filon._types import Form, Lot, LotId, MineId, Provenance
from filon.passport._carbon import CarbonFootprint, carbon_footprint

# Two ore lots merged into a doré, the doré split into two bars:
#
#   ore 1 (mine 1): 10 g fine, 4 kg ┐
#                                    ├─ doré 3: 39 g (1 g lost), own 2 kg ─┬─ bar 4: 26 g, own 0.2 kg
#   ore 2 (mine 2): 30 g fine, 6 kg ┘                                      └─ bar 5: 13 g, own 0.1 kg
#
# (the split's 0.3 kg is itself split by fine gold: 0.3 * 26/39 = 0.2 and 0.3 * 13/39 = 0.1)
EDGES = {3: [1, 2], 4: [3], 5: [3]}
FINE_GOLD = {1: 10_000, 2: 30_000, 3: 39_000, 4: 26_000, 5: 13_000}
OWN = {1: 4.0, 2: 6.0, 3: 2.0, 4: 0.2, 5: 0.1}
MINES: dict[int, int | None] = {1: 1, 2: 2, 3: None, 4: None, 5: None}
SPLIT = {1: [3], 2: [3], 3: [4, 5]}


def footprint(lot_id: int, **overrides: object) -> CarbonFootprint:
    arguments: dict[str, object] = {
        "provenance_edges": EDGES,
        "fine_gold_mg": FINE_GOLD,
        "own_emissions_kg": OWN,
        "mine_of": MINES,
        "outputs_of_transformation": SPLIT,
    }
    arguments.update(overrides)
    return carbon_footprint(lot_id, **arguments)  # type: ignore[arg-type]


def test_an_ore_lot_is_its_own_emissions_attributed_to_its_mine() -> None:
    result = footprint(2)

    assert result == CarbonFootprint(
        lot_id=2, total_kg_co2e=6.0, by_mine={2: 6.0}, own_kg_co2e=6.0, transformations_kg_co2e=0.0
    )


def test_the_dore_carries_all_of_both_ores() -> None:
    # the doré is the only output of the merge: share 39/39 = 1 of each ore.
    # total = 4 + 6 + 2 = 12; by mine {1: 4, 2: 6}; processing 2.
    result = footprint(3)

    assert result.total_kg_co2e == pytest.approx(12.0)
    assert result.by_mine == pytest.approx({1: 4.0, 2: 6.0})
    assert result.own_kg_co2e == pytest.approx(2.0)
    assert result.transformations_kg_co2e == pytest.approx(2.0)


def test_the_big_bar_carries_two_thirds_of_the_dore() -> None:
    # share 26/39 = 2/3 of the doré's 12 kg = 8, plus its own 0.2 -> 8.2.
    # mine 1: 4 * 2/3 = 2.6667; mine 2: 6 * 2/3 = 4; processing 2 * 2/3 + 0.2 = 1.5333.
    result = footprint(4)

    assert result.total_kg_co2e == pytest.approx(8.2)
    assert result.by_mine == pytest.approx({1: 8 / 3, 2: 4.0})
    assert result.own_kg_co2e == pytest.approx(0.2)
    assert result.transformations_kg_co2e == pytest.approx(4 / 3 + 0.2)


def test_the_small_bar_carries_one_third_and_the_bars_add_up() -> None:
    # share 13/39 = 1/3 of 12 = 4, plus 0.1 -> 4.1; mine 1: 4/3, mine 2: 2; processing 2/3 + 0.1.
    small = footprint(5)
    big = footprint(4)

    assert small.total_kg_co2e == pytest.approx(4.1)
    assert small.by_mine == pytest.approx({1: 4 / 3, 2: 2.0})
    assert small.transformations_kg_co2e == pytest.approx(2 / 3 + 0.1)
    # nothing created or lost: 4 + 6 (ores) + 2 (merge) + 0.3 (split) = 12.3
    assert small.total_kg_co2e + big.total_kg_co2e == pytest.approx(12.3)


def test_siblings_can_be_derived_from_the_edges_when_they_hold_every_output() -> None:
    result = footprint(4, outputs_of_transformation=None)

    assert result.total_kg_co2e == pytest.approx(8.2)


def test_a_provenance_without_the_sibling_needs_the_outputs_of_the_split() -> None:
    ancestry_of_4 = {3: [1, 2], 4: [3]}  # what Provenance(4) holds: no bar 5

    assert footprint(4, provenance_edges=ancestry_of_4).total_kg_co2e == pytest.approx(8.2)
    # without the outputs, bar 4 would wrongly take the whole doré: 12 + 0.2
    assert footprint(
        4, provenance_edges=ancestry_of_4, outputs_of_transformation=None
    ).total_kg_co2e == pytest.approx(12.2)


def test_a_lot_reached_twice_through_a_diamond_is_counted_once_in_full() -> None:
    # ore 1 (10 g, 4 kg) split into 6 (5 g) and 7 (5 g), merged back into 8 (10 g): 8 carries all 4 kg.
    result = carbon_footprint(
        8,
        {6: [1], 7: [1], 8: [6, 7]},
        {1: 10_000, 6: 5_000, 7: 5_000, 8: 10_000},
        {1: 4.0, 6: 0.0, 7: 0.0, 8: 0.0},
        {1: 1},
    )

    assert result.total_kg_co2e == pytest.approx(4.0)
    assert result.by_mine == pytest.approx({1: 4.0})


def test_lots_without_a_figure_count_as_zero_and_are_listed() -> None:
    result = footprint(4, own_emissions_kg={1: 4.0, 2: 6.0, 4: 0.2})

    assert result.total_kg_co2e == pytest.approx(10 * 2 / 3 + 0.2)
    assert result.unreported_lots == (3,)


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"provenance_edges": {3: [4], 4: [3]}}, "cycle"),
        ({"mine_of": {1: 1, 2: None}}, "no mine"),
        ({"fine_gold_mg": {4: 26_000}}, "no fine gold"),
        ({"outputs_of_transformation": {3: [5]}}, "not among the outputs"),
        ({"fine_gold_mg": {**FINE_GOLD, 4: 0, 5: 0}}, "hold no fine gold"),
    ],
)
def test_inconsistent_inputs_are_refused(overrides: dict[str, object], message: str) -> None:
    with pytest.raises(InvalidInput, match=message) as caught:
        footprint(4, **overrides)

    assert isinstance(caught.value, FilonError)


def test_the_inputs_can_come_straight_from_a_provenance() -> None:
    def ore_or_dore(lot_id: int, fine: int, mine: int | None, parents: tuple[int, ...]) -> Lot:
        return Lot(
            id=LotId(lot_id),
            holder=None,
            form=Form.ORE if mine else Form.DORE,
            fine_gold_mg=fine,
            gross_mass_mg=fine,
            mine_id=MineId(mine) if mine else None,
            parents=tuple(LotId(p) for p in parents),
            consumed=False,
            passport_root=b"\0" * 32,
            passport_version=1,
            passport_uri="",
            external_ref="",
        )

    provenance = Provenance(
        lot_id=LotId(3),
        lots={
            LotId(1): ore_or_dore(1, 10_000, 1, ()),
            LotId(2): ore_or_dore(2, 30_000, 2, ()),
            LotId(3): ore_or_dore(3, 39_000, None, (1, 2)),
        },
        edges=((LotId(1), LotId(3)), (LotId(2), LotId(3))),
    )
    parents: dict[LotId, list[int]] = {}
    for parent, child in provenance.edges:
        parents.setdefault(child, []).append(parent)

    result = carbon_footprint(
        provenance.lot_id,
        parents,
        {i: lot.fine_gold_mg for i, lot in provenance.lots.items()},
        {LotId(1): 4.0, LotId(2): 6.0, LotId(3): 2.0},
        {i: lot.mine_id for i, lot in provenance.lots.items()},
    )

    assert result.total_kg_co2e == pytest.approx(12.0)
    assert result.by_mine == pytest.approx({1: 4.0, 2: 6.0})
