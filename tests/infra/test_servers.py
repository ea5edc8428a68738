"""The real-server fixtures work: PostgreSQL answers through SQLAlchemy and psycopg, databases made for tests
are separate, Chromium renders a page that uvicorn serves, and a missing dependency skips outside CI and
fails under CI=true."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import textwrap
import threading
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager
from pathlib import Path

import pytest
from playwright.sync_api import Page
from sqlalchemy import Engine, create_engine, text
from sqlalchemy.engine import make_url
from sqlalchemy.pool import NullPool
from starlette.applications import Starlette
from starlette.responses import HTMLResponse, JSONResponse
from starlette.routing import Route

import servers

TESTS_DIR = Path(servers.__file__).parent


@pytest.fixture
def engines() -> Iterator[list[Engine]]:
    made: list[Engine] = []
    yield made
    for engine in made:
        engine.dispose()


def connect(engines: list[Engine], dsn: str) -> Engine:
    engine = create_engine(dsn, poolclass=NullPool)
    engines.append(engine)
    return engine


def test_postgres_answers_on_loopback(postgres_dsn: str, engines: list[Engine]) -> None:
    url = make_url(postgres_dsn)
    assert url.drivername == "postgresql+psycopg"
    assert url.host == "127.0.0.1"
    with connect(engines, postgres_dsn).connect() as connection:
        version = connection.execute(text("select version()")).scalar_one()
        address, port = connection.execute(text("select host(inet_server_addr()), inet_server_port()")).one()
        listen = connection.execute(text("show listen_addresses")).scalar_one()
        fsync = connection.execute(text("show fsync")).scalar_one()
    assert version.startswith("PostgreSQL ")
    assert (address, port) == ("127.0.0.1", url.port)
    assert listen == "127.0.0.1"
    assert fsync == "off"


def test_created_databases_are_separate(postgres_dsn: str, engines: list[Engine]) -> None:
    first = servers.create_database(postgres_dsn, "infra_first")
    second = servers.create_database(postgres_dsn, "infra_second")
    try:
        assert make_url(first).database == "infra_first"
        with connect(engines, first).begin() as connection:
            connection.execute(text("create table lots (id integer primary key)"))
            connection.execute(text("insert into lots values (1), (2)"))
        with connect(engines, first).connect() as connection:
            assert connection.execute(text("select count(*) from lots")).scalar_one() == 2
        with connect(engines, second).connect() as connection:
            assert connection.execute(text("select current_database()")).scalar_one() == "infra_second"
            assert connection.execute(text("select to_regclass('lots')")).scalar_one() is None
    finally:
        servers.drop_database(postgres_dsn, "infra_first")
        servers.drop_database(postgres_dsn, "infra_second")
    with connect(engines, postgres_dsn).connect() as connection:
        left = connection.execute(text("select datname from pg_database where datname like 'infra_%'")).all()
    assert left == []


def test_database_names_are_checked(postgres_dsn: str) -> None:
    with pytest.raises(ValueError, match="database name"):
        servers.create_database(postgres_dsn, 'x"; drop database postgres; --')


def test_postgres_database_is_new_and_empty(postgres_database: str, engines: list[Engine]) -> None:
    with connect(engines, postgres_database).connect() as connection:
        name = connection.execute(text("select current_database()")).scalar_one()
        tables = connection.execute(
            text("select count(*) from pg_tables where schemaname = 'public'")
        ).scalar_one()
    assert name == make_url(postgres_database).database
    assert name.startswith("test_")
    assert tables == 0


async def home(request: object) -> HTMLResponse:
    return HTMLResponse(
        "<!doctype html><title>Filón</title><h1 id='static'>Served by uvicorn</h1><p id='fetched'></p>"
        "<script>fetch('/api/lot').then(r => r.json())"
        ".then(lot => { document.getElementById('fetched').textContent = lot.mine + ' ' + lot.grams; });"
        "</script>"
    )


async def lot(request: object) -> JSONResponse:
    return JSONResponse({"mine": "La Esperanza", "grams": 1250})


APP = Starlette(routes=[Route("/", home), Route("/api/lot", lot)])


def test_chromium_renders_a_served_page(page: Page) -> None:
    with servers.serve_app(APP) as base_url:
        assert base_url.startswith("http://127.0.0.1:")
        page.goto(base_url)
        assert page.title() == "Filón"
        assert page.text_content("#static") == "Served by uvicorn"
        # The page's own script fetched JSON from the server: the browser really ran it, over loopback.
        page.wait_for_function("document.getElementById('fetched').textContent !== ''")
        assert page.text_content("#fetched") == "La Esperanza 1250"


def test_serve_app_stops_its_server() -> None:
    before = set(threading.enumerate())
    with servers.serve_app(APP) as base_url:
        port = int(base_url.rsplit(":", 1)[1])
        with socket.create_connection(("127.0.0.1", port), timeout=5):
            pass
    assert set(threading.enumerate()) <= before
    with pytest.raises(ConnectionRefusedError):
        socket.create_connection(("127.0.0.1", port), timeout=5).close()


def test_serve_app_reports_an_app_that_cannot_start() -> None:
    @asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        raise RuntimeError("the app's startup fails")
        yield

    with (
        pytest.raises(RuntimeError, match="stopped before the app started"),
        servers.serve_app(Starlette(lifespan=lifespan)),
    ):
        pass


@pytest.mark.parametrize("ci", ["true", ""])
def test_require_skips_outside_ci_and_fails_in_ci(ci: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CI", ci)
    expected = pytest.fail.Exception if ci else pytest.skip.Exception
    with pytest.raises(expected, match="no Chromium executable at /nowhere"):
        servers.require("Chromium", "no Chromium executable at /nowhere")


SKIP_PATH_TESTS = """
from servers import browser as browser, page as page
from servers import postgres_dsn as postgres_dsn


def test_browser(page):
    raise AssertionError("must not run without Chromium")


def test_postgres(postgres_dsn):
    raise AssertionError("must not run without PostgreSQL")
"""


@pytest.mark.parametrize("ci", ["true", ""])
def test_missing_servers_skip_outside_ci_and_fail_in_ci(ci: str, tmp_path: Path) -> None:
    """The whole path, in a pytest of its own: the fixtures find neither server and apply `require`."""
    (tmp_path / "pytest.ini").write_text("[pytest]\n")
    (tmp_path / "conftest.py").write_text(
        f"import sys\nsys.path.insert(0, {str(TESTS_DIR)!r})\n"
        "from servers import pytest_terminal_summary as pytest_terminal_summary\n"
    )
    (tmp_path / "test_missing.py").write_text(textwrap.dedent(SKIP_PATH_TESTS))
    env = {
        **os.environ,
        "CI": ci,
        "FILON_CHROMIUM": str(tmp_path / "no-chromium"),
        "FILON_POSTGRES_BIN": str(tmp_path / "no-postgres"),
        "PYTEST_DISABLE_PLUGIN_AUTOLOAD": "1",  # Ape's plugin is slow to load and not needed here
    }
    run = subprocess.run(
        [sys.executable, "-m", "pytest", "-p", "no:cacheprovider", "-rsE", str(tmp_path)],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    output = run.stdout + run.stderr
    if ci:
        assert run.returncode == 1, output
        assert "2 errors" in output, output
        assert f"Chromium is required under CI=true, but no Chromium executable at {tmp_path}" in output
        assert f"PostgreSQL is required under CI=true, but no initdb in {tmp_path}" in output
    else:
        assert run.returncode == 0, output
        assert "2 skipped" in output, output
        assert f"Chromium unavailable: no Chromium executable at {tmp_path}/no-chromium" in output
        assert f"PostgreSQL unavailable: no initdb in {tmp_path}/no-postgres" in output
        banner = output[output.index("PARTIAL RUN") :].splitlines()
        assert banner[0].startswith("PARTIAL RUN: tests were skipped for want of a dependency !!!")
        assert banner[1:4] == [
            f"  1 Chromium test(s) did not run: no Chromium executable at {tmp_path}/no-chromium "
            "(make system-deps installs Debian's chromium)",
            f"  1 PostgreSQL test(s) did not run: no initdb in {tmp_path}/no-postgres",
            "  Install them with `make system-deps` (as root) and run again.",
        ]
