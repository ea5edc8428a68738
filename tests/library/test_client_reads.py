"""Reads rebuilt from event logs: history, provenance of a merge + split DAG, lots_of."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

import pytest
from eth_account.signers.local import LocalAccount
from web3 import HTTPProvider

import filon
from standards import epcis_errors

from .helpers import Roles, World, root


@dataclass(frozen=True)
class Dag:
    """Ore a, b (mine 1) and c (mine 2); d = merge(a, c), doré; e, f = split(d), refined; g = merge(e, b)."""

    a: filon.LotId
    b: filon.LotId
    c: filon.LotId
    d: filon.LotId
    e: filon.LotId
    f: filon.LotId
    g: filon.LotId


@pytest.fixture
def dag(world: World, miner: filon.Client, miner2: filon.Client, plant: filon.Client, roles: Roles) -> Dag:
    a = miner.declare_lot(world.mine, 600, 1_000, root("a"), "ipfs://a", "A")
    b = miner.declare_lot(world.mine, 200, 500, root("b"), "ipfs://b", "B")
    c = miner2.declare_lot(world.mine2, 400, 800, root("c"), "ipfs://c", "C")
    for lot_id, client in ((a, miner), (b, miner), (c, miner2)):
        client.transfer(lot_id, roles.plant.address)
    (d,) = plant.transform([a, c], [filon.LotOutput(filon.Form.DORE, 990, 1_100)], root("d"), "ipfs://d")
    e, f = plant.transform(
        [d],
        [filon.LotOutput(filon.Form.REFINED, 500, 500), filon.LotOutput(filon.Form.REFINED, 490, 490)],
        root("ef"),
        "ipfs://ef",
    )
    (g,) = plant.transform([e, b], [filon.LotOutput(filon.Form.PRODUCT, 700, 750)], root("g"), "ipfs://g")
    plant.transfer(f, roles.refiner.address)
    return Dag(a, b, c, d, e, f, g)


@pytest.fixture
def requests_made(monkeypatch: pytest.MonkeyPatch) -> Iterator[Counter[str]]:
    """Counts the JSON-RPC methods sent through web3's HTTP provider (batched ones included)."""
    counter: Counter[str] = Counter()
    single = HTTPProvider.make_request
    batch = HTTPProvider.make_batch_request

    def counted_single(self: HTTPProvider, method: Any, params: Any) -> Any:
        counter[method] += 1
        return single(self, method, params)

    def counted_batch(self: HTTPProvider, requests: Any) -> Any:
        counter["batch"] += 1
        for method, _ in requests:
            counter[f"batch:{method}"] += 1
        return batch(self, requests)

    monkeypatch.setattr(HTTPProvider, "make_request", counted_single)
    monkeypatch.setattr(HTTPProvider, "make_batch_request", counted_batch)
    yield counter


@pytest.fixture
def counted_reader(
    dag: Dag, client_for: Callable[[LocalAccount | None], filon.Client], requests_made: Counter[str]
) -> filon.Client:
    """A read-only client whose requests `requests_made` counts from zero (after connecting)."""
    client = client_for(None)
    requests_made.clear()
    return client


def test_dag_ids_come_from_each_holders_block(dag: Dag) -> None:
    # miner takes ids 1-100, miner2 101-200, plant 201-300, in the order each first receives a mint.
    assert dag == Dag(*[filon.LotId(i) for i in (1, 2, 101, 201, 202, 203, 204)])


def test_lot_count_counts_every_lot_ever_minted_in_one_log_request(
    dag: Dag, counted_reader: filon.Client, requests_made: Counter[str]
) -> None:
    count = counted_reader.lot_count()

    assert count == 7  # a to g, five of them consumed since
    assert requests_made == Counter({"eth_getLogs": 1})


def test_history_of_a_lot_in_order(world: World, dag: Dag, reader: filon.Client, roles: Roles) -> None:
    history = reader.history(dag.a)

    assert [type(event) for event in history] == [filon.Declared, filon.Transferred, filon.Consumed]
    declared, transferred, consumed = history
    assert isinstance(declared, filon.Declared)
    assert (declared.lot_id, declared.holder, declared.mine_id) == (dag.a, roles.miner.address, world.mine)
    assert (declared.fine_gold_mg, declared.gross_mass_mg) == (600, 1_000)
    assert (declared.passport_root, declared.passport_uri, declared.external_ref) == (
        root("a"),
        "ipfs://a",
        "A",
    )
    assert isinstance(transferred, filon.Transferred)
    assert (transferred.from_address, transferred.to_address) == (roles.miner.address, roles.plant.address)
    assert isinstance(consumed, filon.Consumed)
    assert (consumed.holder, consumed.outputs) == (roles.plant.address, (dag.d,))
    blocks = [(event.block_number, event.log_index) for event in history]
    assert blocks == sorted(blocks)
    assert len({event.transaction_hash for event in history}) == 3


def test_history_with_passports_of_a_produced_lot(dag: Dag, refiner: filon.Client, roles: Roles) -> None:
    refiner.record_passport(dag.f, root("f2"), "ipfs://f2")
    refiner.record_passport(dag.f, root("f3"), "ipfs://f3")

    history = refiner.history(dag.f)

    assert [type(event) for event in history] == [
        filon.Produced,
        filon.Transferred,
        filon.PassportRecorded,
        filon.PassportRecorded,
    ]
    produced = history[0]
    assert isinstance(produced, filon.Produced)
    assert (produced.holder, produced.form, produced.parents) == (
        roles.plant.address,
        filon.Form.REFINED,
        (dag.d,),
    )
    assert (produced.fine_gold_mg, produced.gross_mass_mg, produced.passport_root) == (490, 490, root("ef"))
    passports = [
        (e.version, e.passport_root, e.passport_uri) for e in history if isinstance(e, filon.PassportRecorded)
    ]
    assert passports == [(2, root("f2"), "ipfs://f2"), (3, root("f3"), "ipfs://f3")]
    lot = refiner.lot(dag.f)
    assert (lot.passport_version, lot.passport_root, lot.passport_uri) == (3, root("f3"), "ipfs://f3")


def test_provenance_of_a_merge_and_split_dag(
    world: World, dag: Dag, registrar: filon.Client, reader: filon.Client, roles: Roles
) -> None:
    registrar.set_mine_status(world.mine2, filon.MineStatus.SUSPENDED)

    provenance = reader.provenance(dag.g)

    assert provenance.lot_id == dag.g
    assert sorted(provenance.lots) == [dag.a, dag.b, dag.c, dag.d, dag.e, dag.g]
    assert provenance.edges == (
        (dag.a, dag.d),
        (dag.b, dag.g),
        (dag.c, dag.d),
        (dag.d, dag.e),
        (dag.e, dag.g),
    )
    assert {m: mine.status for m, mine in provenance.mines.items()} == {
        world.mine: filon.MineStatus.ACTIVE,
        world.mine2: filon.MineStatus.SUSPENDED,
    }
    assert provenance.mines[world.mine2].operator == roles.miner2.address
    assert [lot.id for lot in provenance.ore_lots] == [dag.a, dag.b, dag.c]
    lots = provenance.lots
    assert (lots[dag.g].holder, lots[dag.g].consumed, lots[dag.g].form) == (
        roles.plant.address,
        False,
        filon.Form.PRODUCT,
    )
    assert (lots[dag.d].holder, lots[dag.d].consumed, lots[dag.d].parents) == (None, True, (dag.a, dag.c))
    assert (lots[dag.c].mine_id, lots[dag.c].fine_gold_mg, lots[dag.c].gross_mass_mg) == (
        world.mine2,
        400,
        800,
    )
    assert lots[dag.e] == reader.lot(dag.e)
    assert lots[dag.a] == reader.lot(dag.a)


def test_provenance_takes_one_log_request_per_generation(
    dag: Dag, counted_reader: filon.Client, requests_made: Counter[str]
) -> None:
    counted_reader.provenance(dag.g)

    # Generations: {g}, {e, b}, {d}, {a, c}; then one request for all holders and one batch for the mines.
    assert requests_made == Counter({"eth_getLogs": 5, "batch": 1, "batch:eth_call": 2})


def test_provenance_of_an_ore_lot(world: World, dag: Dag, reader: filon.Client) -> None:
    provenance = reader.provenance(dag.b)

    assert list(provenance.lots) == [dag.b]
    assert provenance.edges == ()
    assert list(provenance.mines) == [world.mine]


def test_lots_of_after_transfers_and_transforms(dag: Dag, reader: filon.Client, roles: Roles) -> None:
    assert reader.lots_of(roles.plant.address) == [dag.g]
    assert reader.lots_of(roles.refiner.address) == [dag.f]
    assert reader.lots_of(roles.miner.address) == []
    assert reader.lots_of(roles.outsider.address) == []


def test_lots_of_takes_two_log_requests(
    dag: Dag, counted_reader: filon.Client, roles: Roles, requests_made: Counter[str]
) -> None:
    counted_reader.lots_of(roles.plant.address)

    assert requests_made == Counter({"eth_getLogs": 2})


def test_lot_and_history_of_a_consumed_lot_take_few_requests(
    dag: Dag, counted_reader: filon.Client, requests_made: Counter[str]
) -> None:
    counted_reader.lot(dag.d)
    assert requests_made == Counter({"eth_call": 1, "eth_getLogs": 1})

    requests_made.clear()
    counted_reader.history(dag.d)
    assert requests_made == Counter({"eth_getLogs": 2, "batch": 1, "batch:eth_getTransactionReceipt": 1})


def test_reads_work_with_a_capped_log_range(world: World, dag: Dag) -> None:
    capped = filon.connect(world.url, deployment=world.deployment, max_log_range=3)

    assert (
        capped.provenance(dag.g).edges == filon.connect(world.url, world.deployment).provenance(dag.g).edges
    )
    assert capped.lots_of(capped.lot(dag.g).holder or "") == [dag.g]
    assert capped.lot_count() == 7


def test_epcis_traces_a_lot_back_to_its_mines(
    world: World, dag: Dag, reader: filon.Client, roles: Roles
) -> None:
    document = reader.epcis(dag.g)

    events = document["epcisBody"]["eventList"]
    prefix = f"urn:filon:eip155:{world.deployment.chain_id}:{world.deployment.address}"

    def lots(*ids: int) -> list[str]:
        return [f"{prefix}:lot:{i}" for i in ids]

    assert epcis_errors(document) == []
    assert [(e["type"], e["bizStep"], e.get("epcList")) for e in events[:6]] == [
        ("ObjectEvent", "commissioning", lots(dag.a)),
        ("ObjectEvent", "commissioning", lots(dag.b)),
        ("ObjectEvent", "commissioning", lots(dag.c)),
        ("ObjectEvent", "shipping", lots(dag.a)),
        ("ObjectEvent", "shipping", lots(dag.b)),
        ("ObjectEvent", "shipping", lots(dag.c)),
    ]
    assert [(e["type"], e["inputEPCList"], e["outputEPCList"]) for e in events[6:]] == [
        ("TransformationEvent", lots(dag.a, dag.c), lots(dag.d)),
        ("TransformationEvent", lots(dag.d), lots(dag.e, dag.f)),  # f is no ancestor, but came out too
        ("TransformationEvent", lots(dag.b, dag.e), lots(dag.g)),
    ]
    split = events[7]
    assert [q["quantity"] for q in split["inputQuantityList"] + split["outputQuantityList"]] == [
        0.99,
        0.5,
        0.49,
    ]
    assert events[2]["bizLocation"] == {"id": f"{prefix}:mine:{world.mine2}"}
    assert events[2]["ilmd"] == {"cbvmda:countryOfOrigin": "PE", "cbvmda:lotNumber": "C"}
    assert events[5]["sourceList"] == [
        {
            "type": "owning_party",
            "source": f"did:pkh:eip155:{world.deployment.chain_id}:{roles.miner2.address}",
        }
    ]


def test_epcis_of_the_whole_ancestry_takes_a_bounded_number_of_requests(
    dag: Dag, counted_reader: filon.Client, requests_made: Counter[str]
) -> None:
    counted_reader.epcis(dag.g)

    # As provenance (four generations, the holders, the mines), then one batch for the receipts of the
    # three transformations and one for the times of the nine blocks.
    assert requests_made == Counter(
        {
            "eth_getLogs": 5,
            "batch": 3,
            "batch:eth_call": 2,
            "batch:eth_getTransactionReceipt": 3,
            "batch:eth_getBlockByNumber": 9,
        }
    )
