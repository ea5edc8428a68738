"""The `make demo` scenario, played end to end on a fresh Anvil, and read back as a buyer would."""

from __future__ import annotations

import datetime
import hashlib
import re
from collections.abc import Iterator
from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path

import pytest
from eth_account.signers.local import LocalAccount

import _scenario as sc
import filon
from filon.devchain import Anvil, start_anvil

ORE_FINE = [46_400, 32_000, 38_400, 37_800, 35_200]
ORE_KG = {1: 420.0 + 330.0, 2: 510.0, 3: 240.0, 4: 300.0}
BARS_FINE = [100_000, 50_000, 24_500]
BARS_OWN_KG = [4.0, 2.0, 1.0]


@dataclass(frozen=True)
class Played:
    anvil: Anvil
    deployment: filon.Deployment
    store: Path
    summary: sc.Summary
    reader: filon.Client


@pytest.fixture(scope="module")
def played(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Played]:
    store = tmp_path_factory.mktemp("demo") / "store"
    with start_anvil() as anvil:
        registrar = sc.Cast.dev().registrar
        deployment = filon.deploy(anvil.url, registrar)
        summary = sc.run_scenario(anvil.url, deployment, store)
        reader = filon.connect(anvil.url, deployment=deployment, store=store)
        yield Played(anvil, deployment, store, summary, reader)


def test_mines_are_registered_and_the_suspended_one_is_refused(played: Played) -> None:
    summary, reader = played.summary, played.reader
    assert summary.mine_ids == {"santa-rosa": 1, "cerro-rico": 2, "virgen-del-carmen": 3, "huanca": 4}
    mines = [reader.mine(filon.MineId(i)) for i in (1, 2, 3, 4)]
    assert [m.status for m in mines] == [filon.MineStatus.ACTIVE] * 3 + [filon.MineStatus.SUSPENDED]
    assert [m.capacity_mg for m in mines] == [24_000_000, 18_000_000, 9_000_000, 12_000_000]
    # The refused lot is not counted against Huanca's capacity.
    assert [m.declared_this_year_mg for m in mines] == [78_400, 38_400, 37_800, 35_200]
    assert [m.operator for m in mines] == [sc.Cast.dev().miners[k].address for k in summary.mine_ids]
    spec = sc.MINES[0]
    assert mines[0].permit_hash.hex() == hashlib.sha256(spec.permit_pdf).hexdigest()
    assert summary.refused_message == "Mine 4 is SUSPENDED, not active: it cannot declare lots."
    huanca = sc.Cast.dev().miners["huanca"].address
    assert reader.lot_by_external_ref(huanca, sc.REFUSED_LOT.ref) is None


def test_gold_flows_from_the_mines_to_the_jeweller(played: Played) -> None:
    summary, reader = played.summary, played.reader
    cast = sc.Cast.dev()
    ore_ids = list(summary.ore_lots.values())
    ores = [reader.lot(filon.LotId(i)) for i in ore_ids]
    assert [o.fine_gold_mg for o in ores] == ORE_FINE
    assert [o.mine_id for o in ores] == [1, 1, 2, 3, 4]
    assert all(o.consumed and o.holder is None and o.form is filon.Form.ORE for o in ores)
    # The plant recorded each ore lot's receipt as its second passport version.
    assert all(o.passport_version == 2 for o in ores)
    # (public: the miner's identity and permit stay confidential, the plant's figures do not)
    package = reader.published_passport(filon.LotId(ore_ids[0]))
    assert filon.Receipt.model_validate(package.fields["receipt"].value) == filon.Receipt(
        received_on=datetime.date(2025, 5, 6),
        wet_mass_mg=3_200_000_000,
        moisture_pct=6.0,
        dry_mass_mg=3_008_000_000,
        sample=filon.Assay(lab=sc.PLANT_NAME, grade_g_t=15.43),  # 46.4 g in 3.008 dry tonnes
        counter_sample=filon.Assay(lab=sc.LABORATORY_NAME, grade_g_t=15.12),
    )
    dore = reader.lot(filon.LotId(summary.dore_id))
    assert (dore.form, dore.fine_gold_mg, dore.gross_mass_mg, dore.consumed) == (
        filon.Form.DORE,
        174_600,
        203_000,
        True,
    )
    assert list(dore.parents) == ore_ids
    bars = [reader.lot(filon.LotId(i)) for i in summary.bar_ids]
    assert [b.fine_gold_mg for b in bars] == BARS_FINE
    assert all(b.parents == (summary.dore_id,) and b.form is filon.Form.REFINED for b in bars)
    assert all(b.holder == cast.jeweller.address and b.passport_version == 2 for b in bars)
    assert [(b.serial, b.refiner) for b in bars] == [
        (serial, cast.refiner.address) for serial in sc.BAR_SERIALS
    ]
    assert reader.lots_of(cast.jeweller.address) == sorted(summary.bar_ids)
    assert reader.lots_of(cast.plant.address) == reader.lots_of(cast.refiner.address) == []
    assert sc.find_scenario(played.anvil.url, played.deployment) == tuple(sorted(summary.bar_ids))


def test_buyer_view_of_a_bar(played: Played) -> None:
    summary = played.summary
    bar = summary.bar_ids[0]
    view = sc.buyer_view(played.anvil.url, played.deployment, played.store, bar)

    assert view.holder == sc.Cast.dev().jeweller.address
    assert view.holder_name == sc.JEWELLER_NAME
    assert [(m.mine_id, m.name, m.region, m.status) for m in view.mines] == [
        (1, "Santa Rosa de Chaparra", "Arequipa", filon.MineStatus.ACTIVE),
        (2, "Cerro Rico de Yanaquihua", "Arequipa", filon.MineStatus.ACTIVE),
        (3, "Virgen del Carmen de Relave", "Ayacucho", filon.MineStatus.ACTIVE),
        (4, "Huanca", "Ayacucho", filon.MineStatus.SUSPENDED),
    ]
    assert [(s.lot_id, s.fine_gold_mg) for s in view.steps] == [
        *zip(summary.ore_lots.values(), ORE_FINE, strict=True),
        (summary.dore_id, 174_600),
        (bar, 100_000),
    ]
    # the buyer reads the public layers: the ore lots' permits and CRAFT reports are confidential
    assert len(view.documents) == 3 and all(d.verified for d in view.documents)
    assert [d.type for d in view.documents] == [
        filon.DocumentType.ASSAY_CERTIFICATE,
        filon.DocumentType.OECD_ANNEX_II_RISK_ASSESSMENT,
        filon.DocumentType.ASSAY_CERTIFICATE,
    ]
    assert view.documents[-1].version == 2  # the bar's own passport, recorded after the split
    assert view.tampered_copy_rejected

    # Carbon by hand: the doré carries all the ore's emissions (1800 kg) plus its own 260 kg; each bar takes
    # its share by fine gold of all the bars (174.5 g) plus its own refining emissions.
    share = 100_000 / sum(BARS_FINE)
    carbon = view.carbon
    assert carbon.total_kg_co2e == pytest.approx((1800 + 260) * share + 4.0)
    assert carbon.by_mine == {m: pytest.approx(kg * share) for m, kg in ORE_KG.items()}
    assert carbon.transformations_kg_co2e == pytest.approx(260 * share + 4.0)
    assert carbon.unreported_lots == ()
    assert carbon.total_kg_co2e == pytest.approx(1184.51576, abs=1e-4)

    # The bar's producers, by the ore's fine gold (189.8 g): 78.4 g from mine 1, 38.4, 37.8 and 35.2 g; the
    # bar's 100 g split by largest remainder (41,306.6 / 20,231.8 / 19,915.7 / 18,545.8 mg).
    assert view.producers == (
        filon.Contribution(filon.MineId(1), 41_306, Fraction(392, 949)),
        filon.Contribution(filon.MineId(2), 20_232, Fraction(192, 949)),
        filon.Contribution(filon.MineId(3), 19_916, Fraction(189, 949)),
        filon.Contribution(filon.MineId(4), 18_546, Fraction(176, 949)),
    )

    text = "\n".join(view.lines())
    assert "3 of 3 match" in text and "suspended" in text and "1184.5 kg CO2e" in text
    assert "    #1 Santa Rosa de Chaparra: 41.306 g (41.31%)" in text


def test_the_refiner_opens_the_miners_identity_and_the_jeweller_does_not(played: Played) -> None:
    cast = sc.Cast.dev()
    ore = filon.LotId(played.summary.ore_lots[sc.ORE_LOTS[0].ref])
    spec = next(m for m in sc.MINES if m.key == sc.ORE_LOTS[0].mine)

    def party(account: LocalAccount) -> filon.Client:
        return filon.connect(
            played.anvil.url, deployment=played.deployment, account=account, store=played.store
        )

    for account in (cast.plant, cast.refiner):
        opened = party(account).passport(ore)
        assert opened.producer.name == spec.operator_name
        assert [d.type for d in opened.conformity] == [
            filon.DocumentType.MINING_PERMIT,
            filon.DocumentType.CRAFT_ASSESSMENT,
        ]
    for account in (cast.jeweller, cast.laboratory):
        with pytest.raises(filon.PassportWithheld) as info:
            party(account).passport(ore)
        assert info.value.withheld == ("producer", "conformity")
    assert played.reader.published_passport(ore).layer is not None


def test_carbon_of_all_bars_adds_up_to_the_chain(played: Played) -> None:
    totals = [played.reader.carbon(filon.LotId(b)).total_kg_co2e for b in played.summary.bar_ids]
    assert sum(totals) == pytest.approx(1800 + 260 + sum(BARS_OWN_KG))


def test_generated_documents_are_well_formed_pdfs() -> None:
    docs = sc.scenario_documents()
    assert len(docs) == 13 and len(set(docs.values())) == 13
    assert sc.scenario_documents() == docs  # regenerated identically: a second run can verify them again
    for data in docs.values():
        assert data.startswith(b"%PDF-1.4\n") and data.endswith(b"%%EOF\n")
        xref = int(re.search(rb"startxref\n(\d+)", data).group(1))  # type: ignore[union-attr]
        assert data[xref:].startswith(b"xref\n")
        for number, offset in enumerate(re.findall(rb"(\d{10}) 00000 n", data), start=1):
            assert data[int(offset) :].startswith(f"{number} 0 obj".encode())
