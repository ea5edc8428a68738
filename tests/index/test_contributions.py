"""Each mine's share of a lot's fine gold through merges and splits, on a real chain: the client's (from the
event logs) and the index's (one recursive query) equal, to the milligram and the exact fraction."""

from __future__ import annotations

import json
from fractions import Fraction
from pathlib import Path

import pytest

import filon
from filon import Contribution, MineId, MineStatus
from filon._cli import cli
from filon._cli._common import run
from filon._contributions import decimal_shares
from filon.index._reports import Producer, bar_report

from .helpers import World, root


def _ore(mine: int, fine: int) -> filon.LotDeclaration:
    return filon.LotDeclaration(filon.MineId(mine), fine, 20 * fine, root(f"ore of mine {mine}"))


def _out(fine: int) -> filon.LotOutput:
    return filon.LotOutput(filon.Form.DORE, fine, fine + 1)


def test_shares_through_a_3_to_1_merge_then_a_1_to_2_split(
    world: World, database_url: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    roles = world.roles
    plant = world.client(roles.plant)
    lots = []
    for account, mine, fine in (
        (roles.miner, 1, 40_000),
        (roles.miner2, 2, 30_000),
        (roles.miner3, 3, 20_000),
    ):
        miner = world.client(account)
        (lot,) = miner.declare_lots([_ore(mine, fine)])
        miner.transfer(lot, roles.plant.address)
        lots.append(lot)
    (concentrate,) = plant.transform(lots, [_out(89_000)], root("merge"))
    half_a, half_b = plant.transform([concentrate], [_out(50_000), _out(38_000)], root("split"))
    miner = world.client(roles.miner)
    (more,) = miner.declare_lots([_ore(1, 12_000)])
    miner.transfer(more, roles.plant.address)
    (bar,) = plant.transform([half_b, more], [_out(49_000)], root("bar"))
    client = world.client()

    # 4/9, 1/3 and 2/9 of the ore: 50,000 mg split 22,222.2 / 16,666.7 / 11,111.1, the one milligram
    # left over to the largest remainder (mine 2's).
    assert client.contributions(half_a) == [
        Contribution(MineId(1), 22_222, Fraction(4, 9)),
        Contribution(MineId(2), 16_667, Fraction(1, 3)),
        Contribution(MineId(3), 11_111, Fraction(2, 9)),
    ]
    # 16,888.9 / 12,666.7 / 8,444.4: two milligrams left, to mines 1 and 2.
    assert client.contributions(half_b) == [
        Contribution(MineId(1), 16_889, Fraction(4, 9)),
        Contribution(MineId(2), 12_667, Fraction(1, 3)),
        Contribution(MineId(3), 8_444, Fraction(2, 9)),
    ]
    # Half b (38,000 mg) merged with 12,000 mg more of mine 1: 26/45, 19/75 and 38/225 of 49,000 mg.
    bar_parts = [
        Contribution(MineId(1), 28_311, Fraction(26, 45)),
        Contribution(MineId(2), 12_413, Fraction(19, 75)),
        Contribution(MineId(3), 8_276, Fraction(38, 225)),
    ]
    assert client.contributions(bar) == bar_parts
    assert sum(part.share for part in bar_parts) == 1
    assert client.contributions(lots[1]) == [Contribution(MineId(2), 30_000, Fraction(1))]
    # Printed in millionths, the shares still sum to exactly 1: 0.444444|4 takes the millionth left over.
    assert [
        str(share) for share in decimal_shares([part.share for part in client.contributions(half_a)])
    ] == [
        "0.444445",
        "0.333333",
        "0.222222",
    ]

    with world.index(database_url) as index:
        index.sync()
        for lot in (*lots, concentrate, half_a, half_b, bar):
            assert index.contributions(lot) == client.contributions(lot)
        assert index.contributions(bar) == bar_parts
        with pytest.raises(filon.UnknownLot):
            index.contributions(filon.LotId(999_999))
        # What a refiner's customer asks: each producer's share and standing (mine 3 is in Bolivia).
        assert bar_report(index, bar).producers == [
            Producer(MineId(1), None, None, "PE", MineStatus.ACTIVE, False, 28_311, Fraction(26, 45)),
            Producer(MineId(2), None, None, "PE", MineStatus.ACTIVE, False, 12_413, Fraction(19, 75)),
            Producer(MineId(3), None, None, "BO", MineStatus.ACTIVE, False, 8_276, Fraction(38, 225)),
        ]
    manifest = world.deployment.save(tmp_path / "deployment.json")
    command = ["report", "bar", str(bar), "--deployment", str(manifest), "--database", database_url, "--json"]
    assert run(cli, command) == 0
    answer = json.loads(capsys.readouterr().out)
    assert answer["fine_gold_mg"] == 49_000
    assert [(p["mine_id"], p["status"], p["fine_gold_mg"], p["share"]) for p in answer["producers"]] == [
        (1, "active", 28_311, 0.577778),
        (2, "active", 12_413, 0.253333),
        (3, "active", 8_276, 0.168889),
    ]
    assert run(cli, command[:-1]) == 0
    table = capsys.readouterr().out
    assert f"Lot {bar}: 49 g of fine gold, producers as of" in " ".join(table.split())
    for figures in ("28.311 g", "57.7778 %", "12.413 g", "25.3333 %", "8.276 g", "16.8889 %"):
        assert figures in table
    with pytest.raises(filon.UnknownLot):
        client.contributions(filon.LotId(999_999))
