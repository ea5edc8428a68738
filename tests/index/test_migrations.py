"""The index's schema is migrated when it is opened: the models match the migrations, an index filled under
revision 0001 (parents without their order) is emptied by 0002, and one filled under 0002 (a relayed lot's
issuer the plant it was minted to) by 0003, and read again by the next sync."""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.config import Config
from alembic.migration import MigrationContext
from sqlalchemy import create_engine, text
from sqlalchemy.orm import Session

import filon
from filon.index._models import Base, LotRow

from .helpers import World, assert_index_matches_chain, declare, declare_offline, head

MIGRATIONS = Path(filon.index.__file__).parent / "migrations"


def _upgrade(database_url: str, revision: str) -> None:
    engine = create_engine(database_url)
    try:
        with engine.begin() as connection:
            config = Config()
            config.set_main_option("script_location", str(MIGRATIONS))
            config.attributes["connection"] = connection
            command.upgrade(config, revision)
    finally:
        engine.dispose()


def test_the_models_match_the_migrations(world: World, database_url: str) -> None:
    world.index(database_url).close()
    engine = create_engine(database_url)
    try:
        with engine.connect() as connection:
            assert compare_metadata(MigrationContext.configure(connection), Base.metadata) == []
    finally:
        engine.dispose()


def test_an_index_filled_under_0001_is_read_again(world: World, database_url: str) -> None:
    miner = world.client(world.roles.miner)
    a, b = declare(world, 2)
    (merged,) = miner.transform(
        [b, a], [filon.LotOutput(filon.Form.DORE, 1_500, 1_600)], b"\x05" * 32
    )  # inputs not in id order
    tip = head(world.url)
    _upgrade(database_url, "0001")
    engine = create_engine(database_url)
    with engine.begin() as connection:  # what the 0001 code had stored: parents without their order
        connection.execute(
            text("INSERT INTO sync_state VALUES (1, :chain, :contract, :deployed, :last)"),
            {
                "chain": world.deployment.chain_id,
                "contract": world.deployment.address,
                "deployed": world.deployment.deployment_block,
                "last": tip,
            },
        )
        connection.execute(text("INSERT INTO blocks VALUES (:n, :h, 0)"), {"n": tip, "h": b"\x09" * 32})
        connection.execute(
            text("INSERT INTO lot_parents VALUES (:child, :a, :n), (:child, :b, :n)"),
            {"child": merged, "a": a, "b": b, "n": tip},
        )
    engine.dispose()

    with world.index(database_url) as index:
        assert index.last_block == world.deployment.deployment_block - 1
        assert index.children(a) == []

        index.sync()

        assert index.lot(merged).parents == (b, a)
        assert_index_matches_chain(index, world.client(), world.roles.everyone())


def test_an_index_filled_under_0002_is_read_again(world: World, database_url: str) -> None:
    relayed = declare_offline(world, "RELAYED-0002", 5_000)
    lot = world.client().lot(relayed)
    tip = head(world.url)
    _upgrade(database_url, "0002")
    engine = create_engine(database_url)
    with engine.begin() as connection:  # what the 0002 code had stored: the plant as the issuer
        connection.execute(
            text("INSERT INTO sync_state VALUES (1, :chain, :contract, :deployed, :last)"),
            {
                "chain": world.deployment.chain_id,
                "contract": world.deployment.address,
                "deployed": world.deployment.deployment_block,
                "last": tip,
            },
        )
        connection.execute(text("INSERT INTO blocks VALUES (:n, :h, 0)"), {"n": tip, "h": b"\x09" * 32})
        connection.execute(
            text(
                "INSERT INTO lots (id, block_number, log_index, transaction_hash, form, fine_gold_mg, "
                "gross_mass_mg, mine_id, issuer, external_ref) "
                "VALUES (:id, :n, 2, :tx, 0, :fine, :gross, 1, :plant, 'RELAYED-0002')"
            ),
            {
                "id": relayed,
                "n": tip,
                "tx": b"\x0a" * 32,
                "fine": lot.fine_gold_mg,
                "gross": lot.gross_mass_mg,
                "plant": world.roles.plant.address,
            },
        )
    engine.dispose()

    with world.index(database_url) as index:
        assert index.last_block == world.deployment.deployment_block - 1
        assert not index.has_lot(relayed)

        index.sync()

        with Session(index.engine) as session:
            assert session.get_one(LotRow, relayed).issuer == world.roles.miner.address
        assert_index_matches_chain(index, world.client(), world.roles.everyone())
