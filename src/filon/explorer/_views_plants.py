"""A plant's dashboard (`/plants/{address}`): its intake per mine and month, its supplying mines' capacity
use, its campaigns' recoveries and the open red flags of its supply (`filon.index._plants`), with the
server-rendered SVG charts of the three."""

from __future__ import annotations

from collections.abc import Iterable

from markupsafe import Markup

from filon.explorer._charts import Bar, bar_chart, mine_label
from filon.explorer._models import FlagOut
from filon.explorer._models_plants import CampaignOut, MonthIntakeOut, PlantOut, SupplyingMineOut
from filon.explorer._views import Explorer
from filon.index._flags import RedFlag
from filon.index._plants import plant_dashboard
from filon.index._receipts import TONNE_MG


def _flags(flags: Iterable[RedFlag]) -> list[FlagOut]:
    return [
        FlagOut(code=f.code, message=f.message, oecd_category=f.oecd_category.value, lbma_step=f.lbma_step)
        for f in flags
    ]


def plant(explorer: Explorer, address: str) -> PlantOut:
    """The plant's dashboard as the index stands.

    Raises:
        InvalidInput: `address` is not an address.
        NotAPlant: It was never an admitted participant, or received no ore lot.
    """
    index = explorer.index
    board = plant_dashboard(index, address, explorer.rules)
    names = {mine.mine_id: mine.name for mine in board.mines}
    return PlantOut(
        address=board.plant,
        name=index.participant(board.plant).name,
        intake=[
            MonthIntakeOut(
                month=row.month,
                mine_id=row.mine_id,
                mine_name=names[row.mine_id],
                lots=row.lots,
                fine_gold_mg=row.fine_gold_mg,
                dry_tonnes=row.dry_mass_mg / TONNE_MG,
                average_grade_g_t=row.average_grade_g_t,
            )
            for row in board.intake
        ],
        mines=[
            SupplyingMineOut(
                mine_id=mine.mine_id,
                mine_name=mine.name,
                lots=mine.lots,
                received_mg=mine.received_mg,
                capacity_mg=mine.capacity_mg,
                declared_this_year_mg=mine.declared_this_year_mg,
                capacity_used_percent=mine.capacity_used_pct,
            )
            for mine in board.mines
        ],
        campaigns=[
            CampaignOut(
                first_output=made.first_output,
                inputs=list(made.inputs),
                outputs=list(made.outputs),
                fine_in_mg=made.declared_in_mg,
                fine_out_mg=made.fine_out_mg,
                ore_gold_mg=made.ore_gold_mg,
                recovery=made.recovery,
            )
            for made in board.campaigns
        ],
        flags=_flags(board.flags),
    )


def intake_svg(page: PlantOut, root: str = "") -> Markup:
    """The bar chart of the plant's intake: fine gold per month and mine, with dry tonnes and grade."""
    bars = [
        Bar(
            label=f"{row.month} · {mine_label(row.mine_id, row.mine_name)}",
            value=row.fine_gold_mg,
            text=f"{row.fine_gold_mg / 1000:,.3f} g · {row.dry_tonnes:,.3f} t dry"
            + (f" · {row.average_grade_g_t:.2f} g/t" if row.average_grade_g_t is not None else ""),
            href=f"{root}/mines/{row.mine_id}",
        )
        for row in page.intake
    ]
    return bar_chart(bars, title=f"Fine gold {page.address} received, by month and mine", css_class="intake")


def capacity_svg(page: PlantOut, root: str = "") -> Markup:
    """The bar chart of each supplying mine's yearly capacity used this year."""
    bars = [
        Bar(
            label=mine_label(mine.mine_id, mine.mine_name),
            value=mine.capacity_used_percent or 0.0,
            text="no capacity"
            if mine.capacity_used_percent is None
            else f"{mine.capacity_used_percent:.1f} % of {mine.capacity_mg / 1000:,.3f} g",
            href=f"{root}/mines/{mine.mine_id}",
        )
        for mine in page.mines
    ]
    return bar_chart(bars, title="Supplying mines' yearly capacity used this year", css_class="capacity")


def _recovered(made: CampaignOut) -> str:
    if made.ore_gold_mg is None:
        return "unknown (an ore lot without a receipt)"
    if made.recovery is None:  # the assays show no gold in the ore: there is no ratio to show
        return f"{made.fine_out_mg / 1000:,.3f} g out of ore whose assays show no gold"
    return f"{100 * made.recovery:.1f} % recovered"


def recovery_svg(page: PlantOut, root: str = "") -> Markup | None:
    """The bar chart of the campaigns' recoveries (None when the plant has no campaign)."""
    if not page.campaigns:
        return None
    bars = [
        Bar(
            label=f"Campaign into lot {made.first_output}",
            value=made.recovery or 0.0,
            text=_recovered(made),
            href=f"{root}/lots/{made.first_output}",
        )
        for made in page.campaigns
    ]
    return bar_chart(
        bars, title="Recovery of each campaign from its ore's assayed gold", css_class="recovery"
    )
