"""The "family tree" that once stalled the explorer (issue 14), 16 lots wide and 4 rounds deep: its lot
pages say exactly what the chain says, and what a page costs the database does not grow with the tree.

Its own Anvil: the package's played chain must stay as its tests read it.
"""

from __future__ import annotations

import datetime
import html
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest
from fastapi.testclient import TestClient

import filon
from common import statements_sent
from family_tree import FamilyTree, grow_family_tree
from filon.devchain import dev_accounts, start_anvil
from filon.explorer import _views as views
from filon.explorer import create_app
from filon.index import Index, open_index
from filon.passport import DocumentStore

WIDTH = 16
# Ore, then four rounds: the first loses 20% of the fine gold (outside the plausible band), the others 1%.
FINE_MG = (100_000, 80_000, 79_200, 78_408, 77_623)
ORE_KG = 2.0
ROUND_KG = 0.5


@dataclass(frozen=True)
class Grown:
    tree: FamilyTree
    index: Index
    store: DocumentStore
    reader: filon.Client
    miner: str


@pytest.fixture(scope="module")
def grown(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Grown]:
    folder = tmp_path_factory.mktemp("family-tree")
    registrar, miner = dev_accounts(2)
    with start_anvil() as anvil:
        deployment = filon.deploy(anvil.url, registrar)
        admin = filon.connect(anvil.url, deployment, registrar)
        admin.register_participant(miner.address, filon.Role.MINE_OPERATOR)
        expiry = 4_000_000_000
        mine = admin.register_mine(miner.address, b"\x01" * 32, expiry, "PE", b"\x02" * 32, 2**39 - 1)
        store = DocumentStore(folder / "store")
        operator = filon.connect(anvil.url, deployment, miner, store=store.path)
        tree = grow_family_tree(
            operator, mine, width=WIDTH, fine_mg=FINE_MG, ore_kg_co2e=ORE_KG, round_kg_co2e=ROUND_KG
        )
        database = f"sqlite:///{folder / 'index.sqlite'}"
        with open_index(deployment, rpc_url=anvil.url, database_url=database) as index:
            index.sync()
            reader = filon.connect(anvil.url, deployment, store=store.path)
            yield Grown(tree, index, store, reader, miner.address)


def _ids(lots: Any) -> str:
    return ", ".join(str(lot) for lot in sorted(lots))


def test_a_lot_four_rounds_down_reads_as_the_chain_says(grown: Grown) -> None:
    ore, first, _, third, _ = grown.tree.generations
    lot = grown.tree.youngest
    body = TestClient(create_app(grown.index, grown.store)).get(f"/api/lots/{lot}").json()
    on_chain = grown.reader.lot(lot)
    assert (body["id"], body["form"], body["fine_gold_mg"], body["holder"]) == (
        lot,
        "dore",
        77_623,
        grown.miner,
    )
    assert body["parents"] == list(on_chain.parents) == sorted(third)
    assert body["children"] == []
    assert [(m["id"], m["status"]) for m in body["mines"]] == [(1, "active")]
    assert body["flags"] == [
        {
            "code": "LOSS_OUT_OF_BAND",
            "message": f"The transformation of lots {_ids(ore)} into {_ids(first)} lost 20.0% of its fine "
            "gold (320.000 g), outside the plausible 0.0% to 10.0%.",
            "oecd_category": "Bribery and fraudulent misrepresentation of the origin of minerals",
            "lbma_step": "mitigate",
        }
    ]
    assert body["flags_note"] is None

    provenance = grown.reader.provenance(lot)
    assert len(provenance.lots) == 4 * WIDTH + 1
    assert [item["id"] for item in body["provenance"]["lots"]] == sorted(provenance.lots)
    assert [tuple(edge) for edge in body["provenance"]["edges"]] == list(provenance.edges)
    assert len(provenance.edges) == 3 * WIDTH**2 + WIDTH
    assert body["provenance"]["complete"] is True

    footprint = grown.reader.carbon(lot)
    # Every output of a round carries 1/16 of each input: the roll-up is exact in binary floating point.
    assert body["carbon"] == {
        "total_kg_co2e": footprint.total_kg_co2e,
        "by_mine": [{"mine_id": 1, "kg_co2e": footprint.by_mine[1]}],
        "transformations_kg_co2e": footprint.transformations_kg_co2e,
        "own_kg_co2e": ROUND_KG,
        "unreported_lots": [],
    }
    assert (footprint.total_kg_co2e, footprint.by_mine, footprint.transformations_kg_co2e) == (
        ORE_KG + 4 * ROUND_KG,
        {1: ORE_KG},
        4 * ROUND_KG,
    )
    assert body["carbon_note"] is None

    history = grown.reader.history(lot)
    assert [(c["event"], c["to_address"], c["transaction_hash"]) for c in body["custody"]] == [
        ("produced", grown.miner, history[0].transaction_hash)
    ]
    assert [(v["version"], v["root"], v["uri"]) for v in body["passport_versions"]] == [
        (1, "0x" + on_chain.passport_root.hex(), on_chain.passport_uri)
    ]


def test_its_page_shows_the_same(grown: Grown) -> None:
    ore, first, *_ = grown.tree.generations
    lot = grown.tree.youngest
    page = html.unescape(TestClient(create_app(grown.index, grown.store)).get(f"/lots/{lot}").text)
    assert (
        f"LOSS_OUT_OF_BAND</strong> The transformation of lots {_ids(ore)} into {_ids(first)} lost 20.0%"
        in page
    )
    assert (
        "OECD Annex II: Bribery and fraudulent misrepresentation of the origin of minerals · LBMA step 3: "
        "mitigate</span>" in page
    )
    assert "<strong>4.0 kg CO<sub>2</sub>e</strong>" in page
    assert f"Every lot of the ancestry ({4 * WIDTH + 1})" in page
    assert f'aria-label="Lot {ore[0]}: ore, 100.000 g of fine gold, consumed"' in page  # drawn


def test_its_mine_flags_the_burst_of_its_ore(grown: Grown) -> None:
    client = TestClient(create_app(grown.index, grown.store))
    body = client.get("/api/mines/1").json()
    now = datetime.datetime.fromtimestamp(grown.index.head_time(), tz=datetime.UTC)
    message = (
        f"Mine 1 declared {WIDTH} ore lots in the 24 hours to {now:%Y-%m-%d %H:%M:%S} UTC, more than the 10 "
        "above which a burst is flagged."
    )
    assert body["flags"] == [
        {
            "code": "MINE_DECLARATION_BURST",
            "message": message,
            "oecd_category": "Money laundering",
            "lbma_step": "mitigate",
        }
    ]
    page = html.unescape(client.get("/mines/1").text)
    assert f"MINE_DECLARATION_BURST</strong> {message}" in page
    assert "OECD Annex II: Money laundering · LBMA step 3: mitigate</span>" in page


@pytest.mark.parametrize("path", ["/api/lots/{}", "/lots/{}"])
def test_what_a_page_asks_the_database_does_not_grow_with_the_tree(grown: Grown, path: str) -> None:
    """Before the bounded design, the red flags alone reloaded a transformation's lots once per ancestor: a
    lot one round deeper cost 16 more lookups. Now each page costs as many statements at any depth."""
    costs = []
    for generation in grown.tree.generations[1:]:
        client = TestClient(create_app(grown.index, grown.store))  # a fresh explorer: nothing cached
        answers: list[Any] = []
        costs.append(
            statements_sent(
                grown.index, lambda g=generation, c=client, a=answers: a.append(c.get(path.format(g[0])))
            )
        )
        assert answers[0].status_code == 200
    assert costs == [costs[0]] * len(costs), costs
    # The names (records) and the producers' shares cost a fixed two more; the assay flags three more (the
    # lot, its ancestry and its receipts: with none, there is no grade or recovery to judge).
    assert costs[0] <= 25, costs


def test_an_ancestry_over_the_list_limit_lists_the_nearest_lots(
    grown: Grown, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A page lists at most `MAX_PROVENANCE_LOTS` lots of the ancestry: the lot, its parents, theirs, ...
    each generation by id, and says the list is partial and how many lots the whole ancestry holds."""
    monkeypatch.setattr(views, "MAX_PROVENANCE_LOTS", 40)
    _, first, second, third, _ = grown.tree.generations
    lot = grown.tree.youngest
    client = TestClient(create_app(grown.index, grown.store))
    body = client.get(f"/api/lots/{lot}").json()["provenance"]
    listed = [lot, *sorted(third), *sorted(second), *sorted(first)[:7]]
    assert [item["id"] for item in body["lots"]] == sorted(listed)
    assert (body["complete"], body["ancestry_lots"]) == (False, 4 * WIDTH + 1)
    shown = set(listed)
    assert [tuple(edge) for edge in body["edges"]] == sorted(
        (parent, child) for child in shown for parent in grown.reader.lot(child).parents if parent in shown
    )
    page = html.unescape(" ".join(client.get(f"/lots/{lot}").text.split()))
    assert f"Lot {lot} comes from 64 earlier lots and 1 mine: too many to draw or list." in page
    assert "The lots nearest to it (40)" in page
    assert 'class="provenance"' not in page  # not drawn (the bar chart of its one mine is)
