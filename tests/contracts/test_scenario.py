"""The supply chain end to end: four mines, a processing plant, a refiner and a manufacturer.

Each test replays the chain up to one step and checks that step: holders, fine gold, parents, burned inputs,
balances and the exact events. Every test here also runs on a real Anvil (`-m anvil`).
"""

import pytest
from eth_utils import keccak

pytestmark = pytest.mark.anvil

ZERO_ADDRESS = "0x0000000000000000000000000000000000000000"
ORE, DORE, REFINED = 0, 2, 3

# (country, fine gold mg, gross mass mg, the operator's own lot number) per mine
ORE_LOTS = [
    (b"PE", 120_000, 800_000, "PE-2026-0001"),
    (b"CO", 80_500, 500_000, "CO-2026-0001"),
    (b"GH", 45_250, 300_000, "GH-2026-0001"),
    (b"BO", 60_000, 410_000, "BO-2026-0001"),
]
ORE_FINE = sum(fine for _, fine, _, _ in ORE_LOTS)  # 305,750 mg
DORE_FINE, DORE_GROSS = 302_000, 340_000  # refining losses: less fine gold out than in
BARS = [(100_000, 100_010), (100_000, 100_010), (101_500, 101_600)]
DORE_ROOT = keccak(text="dore passport")
BARS_ROOT = keccak(text="bars passport")


def ore_root(ref):
    return keccak(text=f"ore passport {ref}")


def produced(lots, receipt):
    return [int(log.lotId) for log in receipt.events.filter(lots.LotProduced)]


@pytest.fixture
def operators(miner, miner2, miner3, miner4):
    return [miner, miner2, miner3, miner4]


@pytest.fixture
def mines(lots, registrar, operators, permit_expiry):
    """Four mines in four countries, each run by its own operator."""
    ids = []
    for operator, (country, _, _, _) in zip(operators, ORE_LOTS, strict=True):
        receipt = lots.registerMine(
            operator,
            keccak(text=f"permit {country}"),
            permit_expiry,
            country,
            keccak(text=f"location {country}"),
            1_000_000,
            keccak(text=f"mine passport {country}"),
            sender=registrar,
        )
        ids.append(int(receipt.events.filter(lots.MineRegistered)[0].mineId))
    return ids


@pytest.fixture
def declarations(lots, operators, mines):
    """Each operator declares one ore lot from its mine; returns the receipts."""
    return [
        lots.declareLot(mine, fine, gross, ore_root(ref), f"ipfs://{ref}", ref, sender=operator)
        for operator, mine, (_, fine, gross, ref) in zip(operators, mines, ORE_LOTS, strict=True)
    ]


@pytest.fixture
def ore(lots, declarations):
    return [int(receipt.events.filter(lots.LotDeclared)[0].lotId) for receipt in declarations]


def assert_unknown(lots, lot_id, reverts, caller):
    """`lot_id` was never minted (sent as a transaction, for Anvil: see `assert_burned`)."""
    with reverts(lots.UnknownLot, lotId=lot_id):
        lots.lot.transact(lot_id, sender=caller)


@pytest.fixture
def deliveries(lots, operators, plant, ore):
    """The operators sell their ore to the plant; returns the receipts."""
    return [
        lots.safeTransferFrom(operator, plant, lot, sender=operator)
        for operator, lot in zip(operators, ore, strict=True)
    ]


@pytest.fixture
def merge(lots, plant, ore, deliveries):
    """The plant melts the four ore lots into one doré bar."""
    return lots.transform(ore, [(DORE, DORE_FINE, DORE_GROSS)], DORE_ROOT, "ipfs://dore", sender=plant)


@pytest.fixture
def dore(lots, merge):
    return produced(lots, merge)[0]


@pytest.fixture
def split(lots, plant, refiner, dore):
    """The plant sells the doré to the refiner, which refines it into three bars."""
    lots.transferFrom(plant, refiner, dore, sender=plant)
    outputs = [(REFINED, fine, gross) for fine, gross in BARS]
    return lots.transform([dore], outputs, BARS_ROOT, "ipfs://bars", sender=refiner)


@pytest.fixture
def bars(lots, split):
    return produced(lots, split)


def assert_burned(lots, lot_id, reverts, caller):
    record = lots.lot(lot_id)
    assert (record.consumed, record.holder, record.fineGoldMg) == (True, ZERO_ADDRESS, 0)
    # Sent as a transaction: Anvil's node reports the revert data of a failed eth_call as text that Ape
    # cannot decode, while a failed transaction's error is decoded on both providers.
    with reverts(lots.ERC721NonexistentToken, tokenId=lot_id):
        lots.ownerOf.transact(lot_id, sender=caller)


def test_four_mines_declare_ore(lots, operators, mines, declarations, ore, reverts, emitted):
    assert mines == [1, 2, 3, 4]
    # Each operator mints from its own block of LOT_ID_BLOCK (100) ids, taken at its first declaration.
    assert ore == [1, 101, 201, 301]
    for operator, mine, lot, receipt, (_, fine, gross, ref) in zip(
        operators, mines, ore, declarations, ORE_LOTS, strict=True
    ):
        assert emitted(receipt) == [
            ("Transfer", {"from": ZERO_ADDRESS, "to": operator.address, "tokenId": lot}),
            (
                "LotDeclared",
                {
                    "lotId": lot,
                    "mineId": mine,
                    "fineGoldMg": fine,
                    "grossMassMg": gross,
                    "passportRoot": ore_root(ref),
                    "passportURI": f"ipfs://{ref}",
                    "externalRef": ref,
                },
            ),
        ]
        assert dict(lots.lot(lot).items()) == {
            "holder": operator.address,
            "form": ORE,
            "fineGoldMg": fine,
            "mineId": mine,
            "consumed": False,
            "passportRoot": ore_root(ref),
            "passportVersion": 1,
        }
        assert lots.balanceOf(operator) == 1
        assert lots.lotByExternalRef(operator, ref) == lot
        assert lots.mine(mine).declaredThisYearMg == fine
        assert_unknown(lots, lot + 1, reverts, operator)


def test_plant_receives_the_ore(lots, operators, plant, ore, deliveries, emitted):
    for operator, lot, receipt in zip(operators, ore, deliveries, strict=True):
        assert emitted(receipt) == [
            ("Transfer", {"from": operator.address, "to": plant.address, "tokenId": lot})
        ]
        assert lots.ownerOf(lot) == plant.address
        assert lots.balanceOf(operator) == 0
    assert lots.balanceOf(plant) == 4


def test_plant_merges_ore_into_dore(lots, operators, plant, ore, merge, dore, reverts, emitted):
    assert dore == 401  # the plant's first mint: the next free block
    assert emitted(merge) == [
        *[("Transfer", {"from": plant.address, "to": ZERO_ADDRESS, "tokenId": lot}) for lot in ore],
        ("Transfer", {"from": ZERO_ADDRESS, "to": plant.address, "tokenId": dore}),
        (
            "LotProduced",
            {
                "lotId": dore,
                "form": DORE,
                "fineGoldMg": DORE_FINE,
                "grossMassMg": DORE_GROSS,
                "parents": ore,
                "passportRoot": DORE_ROOT,
                "passportURI": "ipfs://dore",
            },
        ),
    ]
    assert dict(lots.lot(dore).items()) == {
        "holder": plant.address,
        "form": DORE,
        "fineGoldMg": DORE_FINE,
        "mineId": 0,
        "consumed": False,
        "passportRoot": DORE_ROOT,
        "passportVersion": 1,
    }
    assert DORE_FINE <= ORE_FINE
    for lot in ore:
        assert_burned(lots, lot, reverts, plant)
    assert [lots.balanceOf(holder) for holder in [*operators, plant]] == [0, 0, 0, 0, 1]
    assert_unknown(lots, dore + 1, reverts, plant)


def test_refiner_splits_dore_into_bars(lots, plant, refiner, dore, split, bars, reverts, emitted):
    assert bars == [501, 502, 503]  # the refiner's first block
    assert emitted(split) == [
        ("Transfer", {"from": refiner.address, "to": ZERO_ADDRESS, "tokenId": dore}),
        *[
            event
            for bar, (fine, gross) in zip(bars, BARS, strict=True)
            for event in (
                ("Transfer", {"from": ZERO_ADDRESS, "to": refiner.address, "tokenId": bar}),
                (
                    "LotProduced",
                    {
                        "lotId": bar,
                        "form": REFINED,
                        "fineGoldMg": fine,
                        "grossMassMg": gross,
                        "parents": [dore],
                        "passportRoot": BARS_ROOT,
                        "passportURI": "ipfs://bars",
                    },
                ),
            )
        ],
    ]
    for bar, (fine, _) in zip(bars, BARS, strict=True):
        assert (lots.ownerOf(bar), lots.lot(bar).fineGoldMg, lots.lot(bar).form) == (
            refiner.address,
            fine,
            REFINED,
        )
    assert sum(fine for fine, _ in BARS) <= DORE_FINE
    assert_burned(lots, dore, reverts, refiner)
    assert (lots.balanceOf(plant), lots.balanceOf(refiner)) == (0, 3)
    assert_unknown(lots, bars[-1] + 1, reverts, refiner)


def test_bars_reach_the_manufacturer(lots, refiner, manufacturer, bars, emitted):
    receipts = [lots.safeTransferFrom(refiner, manufacturer, bar, sender=refiner) for bar in bars]

    for bar, receipt in zip(bars, receipts, strict=True):
        assert emitted(receipt) == [
            ("Transfer", {"from": refiner.address, "to": manufacturer.address, "tokenId": bar})
        ]
        assert lots.ownerOf(bar) == manufacturer.address
    assert (lots.balanceOf(refiner), lots.balanceOf(manufacturer)) == (0, 3)


def test_every_bar_traces_back_to_the_four_mines_from_the_logs(lots, chain, mines, bars):
    blocks = (0, chain.blocks.height + 1)
    declared = {int(log.lotId): int(log.mineId) for log in lots.LotDeclared.range(*blocks)}
    parents = {int(log.lotId): [int(p) for p in log.parents] for log in lots.LotProduced.range(*blocks)}

    def origins(lot):
        return {declared[lot]} if lot in declared else set().union(*(origins(p) for p in parents[lot]))

    assert [origins(bar) for bar in bars] == [set(mines)] * 3


def test_bars_cannot_leave_the_admitted_chain(lots, refiner, outsider, bars, reverts):
    with reverts(lots.NotParticipant, account=outsider.address):
        lots.transferFrom(refiner, outsider, bars[0], sender=refiner)

    assert lots.ownerOf(bars[0]) == refiner.address
