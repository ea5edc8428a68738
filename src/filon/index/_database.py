"""The index's database: where it is, how it is opened (SQLite pragmas, Alembic migrations, the deployment
check), and the sessions every read and write goes through.

Whatever SQLAlchemy or the driver raises while opening or using the database becomes an
`IndexDatabaseError` here, with the URL shown without its password.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from itertools import chain
from operator import itemgetter
from pathlib import Path
from typing import Any, NamedTuple, cast

from sqlalchemy import Boolean, Engine, LargeBinary, create_engine, event, insert, text, update
from sqlalchemy.engine import Connection, CursorResult, Dialect, Row, make_url
from sqlalchemy.exc import ArgumentError, DatabaseError, SQLAlchemyError
from sqlalchemy.exc import TimeoutError as PoolTimeout
from sqlalchemy.orm import Session, sessionmaker
from sqlalchemy.pool import QueuePool
from sqlalchemy.sql.compiler import SQLCompiler
from sqlalchemy.sql.expression import ClauseElement
from sqlalchemy.types import TypeEngine

from filon._deployment import Deployment
from filon._errors import FilonError, InvalidInput
from filon.index._models import Base, SyncState, column_names

# The PostgreSQL advisory lock that makes processes opening one index database migrate it one at a time.
_OPEN_LOCK = 0x66696C6F6E_6978  # "filon" "ix"

# How many values one `IN (...)` carries: below every database's limit on bound parameters.
IN_CHUNK = 500


class IndexDatabaseError(FilonError):
    """The index's database cannot be opened, migrated, read or written."""


class IndexMismatch(IndexDatabaseError):
    """The database already indexes another deployment."""


class IndexBusy(IndexDatabaseError):
    """Every connection to the index database is in use, and none came free within the pool's timeout.

    Attributes:
        retry_after: Seconds after which trying again is likely to succeed.
    """

    def __init__(self, message: str, retry_after: int) -> None:
        super().__init__(message)
        self.retry_after = retry_after


@dataclass(frozen=True)
class PoolSettings:
    """How many connections the index keeps to its database, and how long a read waits for one.

    Attributes:
        size: Connections kept open.
        overflow: Connections opened beyond `size` while all are in use (closed when returned).
        timeout: Seconds to wait for a connection when all `size + overflow` are in use.
    """

    size: int = 8
    overflow: int = 8
    timeout: float = 5.0

    def __post_init__(self) -> None:
        if isinstance(self.size, bool) or not isinstance(self.size, int) or self.size < 1:
            raise InvalidInput(f"pool_size is 1 or more, not {self.size!r}")
        if isinstance(self.overflow, bool) or not isinstance(self.overflow, int) or self.overflow < 0:
            raise InvalidInput(f"pool_overflow is 0 or more, not {self.overflow!r}")
        if not self.timeout > 0:
            raise InvalidInput(f"pool_timeout is a positive number of seconds, not {self.timeout!r}")


def default_database_url(deployment: Deployment, data_folder: str | os.PathLike[str] | None = None) -> str:
    """`FILON_DATABASE_URL` if set, else an SQLite file per deployment under the data folder.

    Args:
        deployment: The deployment indexed.
        data_folder: Where Filón keeps its data (default `FILON_DATA`, else `.filon` in the working folder).
    """
    configured = os.environ.get("FILON_DATABASE_URL")
    if configured:
        return configured
    folder = Path(data_folder or os.environ.get("FILON_DATA") or ".filon") / "index"
    return f"sqlite:///{folder / f'{deployment.chain_id}-{deployment.address.lower()}.sqlite'}"


def engine_url(database_url: str) -> str:
    """SQLAlchemy's URL for a DSN: a plain `postgresql://` DSN is driven by psycopg 3.

    Raises:
        InvalidInput: The URL is not a URL, or names another kind of database.
        IndexDatabaseError: A PostgreSQL URL, without the psycopg driver installed.
    """
    try:
        url = make_url(database_url)
    except ArgumentError:
        raise InvalidInput(
            "The database URL is not a URL (e.g. sqlite:///path/index.sqlite or postgresql://user@host/db)"
        ) from None
    if url.drivername in ("postgresql", "postgres"):
        url = url.set(drivername="postgresql+psycopg")
    if url.drivername.startswith("postgresql"):
        try:
            import psycopg  # noqa: F401
        except ImportError:
            raise IndexDatabaseError(
                "PostgreSQL needs the psycopg driver: pip install 'filon[postgres]'"
            ) from None
    elif not url.drivername.startswith("sqlite"):
        raise InvalidInput(f"The index keeps its data in SQLite or PostgreSQL, not {url.drivername!r}")
    return url.render_as_string(hide_password=False)


def _shown(database_url: str) -> str:
    """A database URL fit for messages: no password."""
    try:
        return make_url(database_url).render_as_string(hide_password=True)
    except ArgumentError:
        return "(invalid URL)"


def _sqlite_pragmas(connection: Any, _: Any) -> None:
    cursor = connection.cursor()
    # WAL lets the explorer read while the sync writes; NORMAL is durable across a process crash.
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute("PRAGMA busy_timeout=10000")
    cursor.close()


def _migrate(connection: Connection) -> None:
    from alembic import command
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", str(Path(__file__).parent / "migrations"))
    config.attributes["connection"] = connection
    command.upgrade(config, "head")


def open_database(deployment: Deployment, database_url: str, pool: PoolSettings = PoolSettings()) -> Engine:
    """An engine on the index database of `deployment`, created or migrated to the current schema.

    Args:
        deployment: The deployment the database indexes (recorded on first use, checked afterwards).
        database_url: `sqlite:///path` (its folder is created) or a PostgreSQL DSN.
        pool: Its connection pool.

    Raises:
        InvalidInput: The URL is not a URL, or names another kind of database.
        IndexDatabaseError: The database cannot be opened or migrated.
        IndexMismatch: The database already indexes another deployment.
    """
    url = engine_url(database_url)
    parsed = make_url(url)
    if parsed.drivername.startswith("sqlite") and parsed.database not in (None, "", ":memory:"):
        Path(parsed.database).parent.mkdir(parents=True, exist_ok=True)
    sized = {}
    if parsed.database not in (None, "", ":memory:"):  # an in-memory SQLite database has one connection
        sized = {"pool_size": pool.size, "max_overflow": pool.overflow, "pool_timeout": pool.timeout}
    sqlite = parsed.drivername.startswith("sqlite")
    # A server can drop a pooled connection; an SQLite file cannot (a SELECT 1 at every checkout for nothing).
    engine = create_engine(url, pool_pre_ping=not sqlite, **sized)
    if sqlite:
        event.listen(engine, "connect", _sqlite_pragmas)
    try:
        with engine.begin() as connection:
            if parsed.drivername.startswith("postgresql"):
                # Explorers started together over one database would otherwise migrate it together (and
                # collide creating the same tables): the first one migrates, the others then find it done.
                connection.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": _OPEN_LOCK})
            _migrate(connection)
            with Session(bind=connection) as session:
                state = session.get(SyncState, 1)
                if state is None:
                    session.add(
                        SyncState(
                            id=1,
                            chain_id=deployment.chain_id,
                            contract=deployment.address,
                            deployment_block=deployment.deployment_block,
                            last_block=deployment.deployment_block - 1,
                        )
                    )
                elif (state.chain_id, state.contract.lower()) != (
                    deployment.chain_id,
                    deployment.address.lower(),
                ):
                    raise IndexMismatch(
                        f"The database {_shown(url)} indexes {state.contract} on chain {state.chain_id}, "
                        f"not {deployment.address} on chain {deployment.chain_id}: give each deployment its "
                        "own database"
                    )
                session.flush()
    except SQLAlchemyError as exc:
        engine.dispose()
        reason = getattr(exc, "orig", None) or exc
        raise IndexDatabaseError(f"Cannot open the index database {_shown(url)}: {reason}") from None
    except BaseException:
        engine.dispose()
        raise
    return engine


class Database:
    """An open index database: its engine and the sessions the sync and the reads use.

    Attributes:
        engine: The SQLAlchemy engine.
    """

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self._sessions = sessionmaker(engine, expire_on_commit=False)

    @property
    def url(self) -> str:
        """The database URL, without its password."""
        return self.engine.url.render_as_string(hide_password=True)

    @contextmanager
    def session(self) -> Iterator[Session]:
        """A session; a failure of the database inside it raises `IndexDatabaseError`."""
        with self._translated(), self._sessions() as session:
            yield session

    @contextmanager
    def connection(self) -> Iterator[Connection]:
        """A connection, for one prebuilt statement read many times (a third of a session's cost); its
        failures raise as `session`'s do."""
        with self._translated(), self.engine.connect() as connection:
            yield connection

    @contextmanager
    def _translated(self) -> Iterator[None]:
        try:
            yield
        except DatabaseError as exc:  # OperationalError (gone, locked), a corrupted file, ...
            raise IndexDatabaseError(f"The index database {self.url} failed: {exc.orig}") from None
        except PoolTimeout:
            pool = self.engine.pool
            waited = pool.timeout() if isinstance(pool, QueuePool) else 0.0
            # As long again as it waited: the requests ahead of it hold the connections that long at most.
            raise IndexBusy(
                f"Every connection to the index database {self.url} stayed in use for {waited:g} s",
                retry_after=max(2, round(waited)),
            ) from None


def mark_resolved(session: Session) -> None:
    """Counts, in the session's transaction, contents resolved from the store after a sync (records,
    receipts): `Index.position` carries the count, so that a cache keyed by the position misses none."""
    session.execute(update(SyncState).where(SyncState.id == 1).values(resolved=SyncState.resolved + 1))


def rows_in(session: Session, query: Any, column: Any, values: Sequence[int]) -> list[Row[Any]]:
    """Rows of `query` (a table's select) whose `column` is in `values`, in chunks that every database
    accepts. Plain rows, their attributes named as the columns, not ORM objects: a provenance of 1,000
    ancestors reads thousands of them, and building ORM objects took most of its time."""
    found: list[Row[Any]] = []
    for start in range(0, len(values), IN_CHUNK):
        found.extend(session.execute(query.where(column.in_(values[start : start + IN_CHUNK]))).all())
    return found


def prebuilt(
    connection: Connection, statement: ClauseElement, parameters: Mapping[str, Any] | None = None
) -> CursorResult[Any]:
    """Runs one of the sync's module-level statements (plain columns in, plain values out), compiled once
    per process and driver rather than once per engine (SQLAlchemy's cache is the engine's): a from-scratch
    sync into a new index spent 5.8 ms compiling its five."""
    dialect = connection.dialect
    key = (dialect.name, dialect.driver, dialect.paramstyle, statement)
    found = _PREBUILT.get(key)
    if found is None:
        compiled = cast(SQLCompiler, statement.compile(dialect=dialect))
        if compiled.post_compile_params or compiled.literal_execute_params or compiled.escaped_bind_names:
            raise ValueError(f"{compiled.string!r} is completed only when executed: it cannot be prebuilt")
        order = tuple(compiled.positiontup) if compiled.positiontup is not None else None
        found = _PREBUILT[key] = (compiled.string, order, dict(compiled.params))
    sql, order, defaults = found
    given = dict(parameters or {})
    if given.keys() - defaults.keys() or any(
        defaults[name] is None for name in defaults.keys() - given.keys()
    ):
        raise ValueError(f"{sql!r} takes {sorted(defaults)}, given {sorted(given)}")
    values = defaults | given
    if order is None:
        return connection.exec_driver_sql(sql, values)
    return connection.exec_driver_sql(sql, tuple(values[name] for name in order))


_PREBUILT: dict[tuple[str, str, str, ClauseElement], tuple[str, tuple[str, ...] | None, dict[str, Any]]] = {}


def insert_rows(session: Session, model: type[Base], values: Sequence[Mapping[str, Any]]) -> None:
    """Inserts rows of `model` given as column values by name (each row with the same columns); see
    `insert_tuples`."""
    if values:
        connection = session.connection()
        statement = _insert_statement(connection.dialect, model.__tablename__, tuple(values[0]))
        order = statement.order
        named = itemgetter(*order) if len(order) > 1 else lambda row: (row[order[0]],)
        _insert(connection, statement, list(map(named, values)))


def insert_tuples(session: Session, model: type[Base], rows: Sequence[tuple[Any, ...]]) -> None:
    """Inserts rows of `model` given as tuples of every column's value in the table's order, straight to
    the driver, up to `_ROWS_PER_INSERT` rows per INSERT (and psycopg pipelines the INSERTs).

    Every column holds a value each driver takes as it is (int, str, bytes, bool or None), and SQLAlchemy's
    per-row parameter processing and ORM objects cost more than the database's own work. (A sync step's
    8,200 rows built as tuples rather than dicts, a third of the time each, made a sync 3 % faster.)
    """
    if rows:
        connection = session.connection()
        statement = _insert_statement(connection.dialect, model.__tablename__, column_names(model))
        _insert(connection, statement, rows)


def _insert(connection: Connection, statement: _Insert, rows: Sequence[tuple[Any, ...]]) -> None:
    """Sends `rows`, tuples in the order of the statement's parameters."""
    width = len(statement.order)
    if set(map(len, rows)) != {width}:
        raise ValueError(f"Each row inserted into {statement.table} must hold {width} values")
    flat = list(chain.from_iterable(rows))
    for at, convert in statement.conversions:
        column = flat[at::width]
        flat[at::width] = (
            [None if value is None else convert(value) for value in column]
            if None in column
            else list(map(convert, column))
        )
    per = max(1, min(_ROWS_PER_INSERT, _PARAMETERS_PER_INSERT // width))
    size = per * width
    full = len(rows) - len(rows) % per
    if full:
        chunks = [tuple(flat[at : at + size]) for at in range(0, full * width, size)]
        connection.exec_driver_sql(_rows_of(statement.sql, per), chunks)
    if full < len(rows):
        connection.exec_driver_sql(_rows_of(statement.sql, len(rows) - full), tuple(flat[full * width :]))


# Rows one INSERT carries: on SQLite, 100 rows to a statement inserted a sync step's 8,200 rows in 30 % less
# time than an executemany of one row each (sqlite3 resets, binds and steps a statement per row); 400 took
# longer again. At most 999 parameters: SQLite's oldest limit.
_ROWS_PER_INSERT = 100
_PARAMETERS_PER_INSERT = 999

# sqlite3 binds an int, float, str or bytearray as it is, but looks any other value up in its adapter registry
# first (a tuple, a dict lookup, two attribute lookups): 1.2 µs for a bytes or a bool against 0.2 for a
# bytearray or an int. A from-scratch sync's step binds 7,000 hashes and flags; they go as bytearray and int
# (stored as the same BLOB and INTEGER).
_BOUND_AS: dict[type[TypeEngine[Any]], Callable[[Any], Any]] = {LargeBinary: bytearray, Boolean: int}


def _rows_of(sql: str, count: int) -> str:
    """A one-row `INSERT ... VALUES (?, ...)` made to insert `count` rows."""
    head, _, row = sql.rpartition(" VALUES ")
    return f"{head} VALUES {', '.join([row] * count)}"


class _Insert(NamedTuple):
    """An insert into a table: its SQL for one driver, with positional parameters, the columns of its
    parameters in order (the table's), and the positions whose values are converted first (`_BOUND_AS`)."""

    table: str
    sql: str
    order: tuple[str, ...]
    conversions: tuple[tuple[int, Callable[[Any], Any]], ...]


_INSERTS: dict[tuple[str, str, str, str, tuple[str, ...]], _Insert] = {}


def _insert_statement(dialect: Dialect, table: str, columns: tuple[str, ...]) -> _Insert:
    """The insert of `columns` into `table` for the dialect's driver, with positional parameters (psycopg's
    %s rather than its %(name)s: many rows to a statement): compiled once per process, not at every sync step
    of every index (a millisecond each)."""
    key = (dialect.name, dialect.driver, dialect.paramstyle, table, columns)
    found = _INSERTS.get(key)
    if found is None:
        model = Base.metadata.tables[table]
        positional = dialect if dialect.positional else cast(Any, type(dialect))(paramstyle="format")
        statement = insert(model).compile(dialect=positional, column_keys=list(columns))
        assert statement.positiontup is not None
        order = tuple(statement.positiontup)
        converted = _BOUND_AS if dialect.name == "sqlite" else {}
        conversions = tuple(
            (at, converted[type(model.c[name].type)])
            for at, name in enumerate(order)
            if type(model.c[name].type) in converted
        )
        found = _INSERTS[key] = _Insert(table, statement.string, order, conversions)
    return found
