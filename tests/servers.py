"""Real servers for tests: a throwaway PostgreSQL cluster, headless Chromium driven by Playwright, an ASGI
app served by uvicorn, and a `filon explorer serve` process, all on loopback.

Importing it: tests/ has no __init__.py, so when pytest (rootdir conftest, default "prepend" import mode)
imports tests/conftest.py it puts tests/ itself first on sys.path, before any test module or deeper conftest
is imported. `import servers` therefore works in every test file and conftest under tests/, with nothing to
register. A conftest re-exports the fixtures its tests use; the `x as x` form marks a deliberate re-export, so
ruff does not report the imports as unused (tests/infra/conftest.py does exactly this):

    from servers import browser as browser
    from servers import page as page
    from servers import postgres_database as postgres_database
    from servers import postgres_dsn as postgres_dsn

(`page` needs `browser`, and `postgres_database` needs `postgres_dsn`, in the same conftest or above it.)

What the machine must have: Debian's chromium (/usr/bin/chromium) and postgresql (initdb and pg_ctl under
/usr/lib/postgresql/*/bin), which `make system-deps` (tools/system-deps.sh) installs. Playwright never
downloads a browser of its own here: it drives Debian's. When one of them is missing, the tests that need it
are skipped with the reason; under CI=true they fail instead, because CI must run them (see `require`).
FILON_CHROMIUM (a browser executable) and FILON_POSTGRES_BIN (a directory holding initdb) override where they
are looked for; a path that does not exist shows the skip path.

Only standard-library modules and pytest are imported at the top: Playwright, SQLAlchemy, psycopg and uvicorn
are imported where they are used, so that a machine without them skips those tests instead of failing to
import every conftest that uses this module.
"""

from __future__ import annotations

import contextlib
import glob
import os
import pwd
import re
import shlex
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.request
import uuid
from collections.abc import Awaitable, Callable, Iterator, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, NoReturn

import pytest

if TYPE_CHECKING:
    from playwright.sync_api import Browser, Page, Playwright

DEFAULT_CHROMIUM = "/usr/bin/chromium"

# Without the background-networking flags Chromium keeps trying to reach Google's services, which a machine
# without Internet access refuses, many connections at a time. --no-proxy-server keeps a proxy set in the
# environment away from the pages the tests serve on loopback.
CHROMIUM_ARGS = (
    "--no-sandbox",  # we run as root in CI; the sandbox refuses root
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-proxy-server",
)

# Each Playwright call waits at most this long (ms): a broken page fails a test quickly instead of hanging.
PAGE_TIMEOUT_MS = 10_000

POSTGRES_START_TIMEOUT_S = 30
POSTGRES_USER = "postgres"  # the superuser initdb creates; also Debian's system user that owns the server

_DATABASE_NAME = re.compile(r"[a-z_][a-z0-9_]{0,62}")


def in_ci() -> bool:
    """Whether this run is CI's (.ci/run sets CI=true), where every test must really run."""
    return os.environ.get("CI", "").lower() == "true"


def require(what: str, reason: str) -> NoReturn:
    """Give up on a test whose dependency `what` is missing: a skip with `reason`, but a failure in CI.

    On a developer's machine without Chromium or PostgreSQL the rest of the suite still runs; CI installs
    both (make system-deps), so there a missing one is a broken setup that must not pass as a skip.
    """
    if in_ci():
        pytest.fail(f"{what} is required under CI=true, but {reason}", pytrace=False)
    pytest.skip(f"{what} unavailable: {reason}")


_MISSING_DEPENDENCY = (
    " unavailable: "  # the skip reason `servers.require` gives, e.g. "PostgreSQL unavailable: ..."
)


def pytest_terminal_summary(terminalreporter: Any) -> None:
    """Ends a run that skipped the PostgreSQL or browser tests with a banner no one can miss: such a run is
    partial, however green. (Under CI=true those tests fail instead of skipping.)"""
    missing: dict[str, list[str]] = {}
    for report in terminalreporter.stats.get("skipped", []):
        reason = report.longrepr[2] if isinstance(report.longrepr, tuple) else str(report.longrepr)
        reason = reason.removeprefix("Skipped: ")
        if _MISSING_DEPENDENCY in reason:
            what, _, why = reason.partition(_MISSING_DEPENDENCY)
            missing.setdefault(what, []).append(why)
    if not missing:
        return
    terminalreporter.write_sep(
        "!", "PARTIAL RUN: tests were skipped for want of a dependency", red=True, bold=True
    )
    for what, reasons in sorted(missing.items()):
        terminalreporter.write_line(f"  {len(reasons)} {what} test(s) did not run: {reasons[0]}", red=True)
    terminalreporter.write_line("  Install them with `make system-deps` (as root) and run again.", red=True)


# --- Chromium ----------------------------------------------------------------------------------------------


def chromium_path() -> str:
    """The Chromium executable the browser tests use: $FILON_CHROMIUM, else Debian's /usr/bin/chromium."""
    return os.environ.get("FILON_CHROMIUM") or DEFAULT_CHROMIUM


def chromium_problem() -> str | None:
    """Why the browser tests cannot run here, or None when they can."""
    path = chromium_path()
    if not (os.path.isfile(path) and os.access(path, os.X_OK)):
        return f"no Chromium executable at {path} (make system-deps installs Debian's chromium)"
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError as exc:
        return f"the Python package playwright cannot be imported ({exc})"
    return None


def launch_chromium(playwright: Playwright, **options: Any) -> Browser:
    """Headless Debian Chromium under Playwright (never a browser build Playwright would download)."""
    return playwright.chromium.launch(
        executable_path=chromium_path(), headless=True, args=list(CHROMIUM_ARGS), **options
    )


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    """A headless Chromium for the tests of one module.

    Module scope, not session scope, on purpose: while Playwright's sync API is running, it marks its asyncio
    loop as the running loop of the main thread, even between calls, so `asyncio.run()` in any later test
    fails with "cannot be called from a running event loop". Starting Playwright and Chromium costs about
    0.6 s, once per module that uses a browser; the modules after it are left as they were.
    """
    problem = chromium_problem()
    if problem:
        require("Chromium", problem)
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = launch_chromium(playwright)
        try:
            yield chromium
        finally:
            chromium.close()


@pytest.fixture
def page(browser: Browser) -> Iterator[Page]:
    """A page in a fresh browser context (no cookies or storage shared with other tests), closed after."""
    context = browser.new_context()
    context.set_default_timeout(PAGE_TIMEOUT_MS)
    try:
        yield context.new_page()
    finally:
        context.close()


# --- PostgreSQL --------------------------------------------------------------------------------------------


def postgres_bin() -> Path | None:
    """The directory with initdb, pg_ctl and pg_isready: $FILON_POSTGRES_BIN, else Debian's newest."""
    override = os.environ.get("FILON_POSTGRES_BIN")
    if override:
        return Path(override)
    found = glob.glob("/usr/lib/postgresql/*/bin/initdb")
    if not found:
        return None
    # /usr/lib/postgresql/<major>/bin/initdb: the highest major version, should several be installed.
    newest = max(
        (Path(path) for path in found),
        key=lambda path: int(path.parents[1].name) if path.parents[1].name.isdigit() else 0,
    )
    return newest.parent


def postgres_problem() -> str | None:
    """Why the PostgreSQL tests cannot run here, or None when they can."""
    bindir = postgres_bin()
    if bindir is None:
        return "no initdb under /usr/lib/postgresql/*/bin (make system-deps installs Debian's postgresql)"
    for tool in ("initdb", "pg_ctl", "pg_isready", "postgres"):
        if not os.access(bindir / tool, os.X_OK):
            return f"no {tool} in {bindir}"
    if os.geteuid() == 0:
        if shutil.which("runuser") is None:
            return "running as root, and runuser (to run the server as another user) is missing"
        try:
            pwd.getpwnam(POSTGRES_USER)
        except KeyError:
            return f"running as root, and there is no {POSTGRES_USER} system user to run the server"
    for module in ("sqlalchemy", "psycopg"):
        try:
            __import__(module)
        except ImportError as exc:
            return f"the Python package {module} cannot be imported ({exc})"
    return None


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


def _as_postgres_user(command: list[str]) -> list[str]:
    # PostgreSQL refuses to run as root; as anyone else it runs as that user.
    if os.geteuid() == 0:
        return ["runuser", "-u", POSTGRES_USER, "--", *command]
    return command


def _run(command: list[str], cwd: Path) -> subprocess.CompletedProcess[str]:
    # The C locale: a minimal machine may have no other, and initdb and the server refuse a missing one.
    env = {**os.environ, "LC_ALL": "C", "LANG": "C"}
    return subprocess.run(
        _as_postgres_user(command), cwd=cwd, env=env, capture_output=True, text=True, check=False
    )


@contextlib.contextmanager
def postgres_server() -> Iterator[str]:
    """A throwaway PostgreSQL cluster on 127.0.0.1, yielding its SQLAlchemy URL (user postgres, no password).

    initdb into a fresh temporary directory, the server listening on loopback only, on a free port, its Unix
    socket inside that directory, trust authentication, durability off (fsync, full-page writes and
    synchronous commit: nothing here must survive a crash). Stopped at once and removed on exit.
    """
    bindir = postgres_bin()
    if bindir is None:
        raise RuntimeError("no PostgreSQL binaries (see postgres_problem())")
    root = Path(tempfile.mkdtemp(prefix="filon-pg-"))
    data = root / "data"
    log = root / "server.log"
    started = False
    failure = ""
    try:
        if os.geteuid() == 0:
            shutil.chown(root, user=POSTGRES_USER, group=POSTGRES_USER)
        initdb = _run(
            [
                str(bindir / "initdb"),
                f"--pgdata={data}",
                f"--username={POSTGRES_USER}",
                "--auth=trust",
                "--encoding=UTF8",
                "--locale=C",
                "--no-sync",
                "--no-instructions",
            ],
            cwd=root,
        )
        if initdb.returncode != 0:
            raise RuntimeError(f"initdb failed ({initdb.returncode}):\n{initdb.stdout}{initdb.stderr}")
        # A free port can be taken by another process before the server binds it: then try another one.
        for _attempt in range(3):
            port = _free_port()
            options = " ".join(
                [
                    "-c listen_addresses=127.0.0.1",
                    f"-p {port}",
                    f"-k {shlex.quote(str(root))}",
                    "-c fsync=off",
                    "-c full_page_writes=off",
                    "-c synchronous_commit=off",
                ]
            )
            start = _run(
                [
                    str(bindir / "pg_ctl"),
                    "start",
                    f"--pgdata={data}",
                    f"--log={log}",
                    f"--options={options}",
                    "--wait",
                    f"--timeout={POSTGRES_START_TIMEOUT_S}",
                    "--silent",
                ],
                cwd=root,
            )
            if start.returncode == 0:
                started = True
                break
            server_log = log.read_text(errors="replace") if log.exists() else ""
            failure = f"{start.stdout}{start.stderr}\n{server_log}"
            if "could not bind" not in server_log and "already in use" not in server_log:
                break
        if not started:
            raise RuntimeError(f"pg_ctl start failed:\n{failure}")
        # pg_ctl waited on the Unix socket; the tests connect over TCP, so check that path too.
        ready = _run(
            [str(bindir / "pg_isready"), "--host=127.0.0.1", f"--port={port}", "--timeout=10", "--quiet"],
            cwd=root,
        )
        if ready.returncode != 0:
            raise RuntimeError(
                f"PostgreSQL does not answer on 127.0.0.1:{port} (pg_isready {ready.returncode})"
            )
        yield f"postgresql+psycopg://{POSTGRES_USER}@127.0.0.1:{port}/postgres"
    finally:
        if started:
            _run([str(bindir / "pg_ctl"), "stop", f"--pgdata={data}", "--mode=immediate", "--wait"], cwd=root)
        shutil.rmtree(root, ignore_errors=True)


def _check_database_name(name: str) -> None:
    if not _DATABASE_NAME.fullmatch(name):
        raise ValueError(f"database name {name!r}: use lower-case letters, digits and _ (at most 63)")


def _admin_execute(dsn: str, statement: str) -> None:
    # CREATE and DROP DATABASE cannot run in a transaction; no pool, so no connection outlives the call.
    from sqlalchemy import create_engine, text
    from sqlalchemy.pool import NullPool

    engine = create_engine(dsn, isolation_level="AUTOCOMMIT", poolclass=NullPool)
    try:
        with engine.connect() as connection:
            connection.execute(text(statement))
    finally:
        engine.dispose()


def create_database(dsn: str, name: str) -> str:
    """Create the empty database `name` on the server of `dsn`; return the same URL for that database."""
    from sqlalchemy.engine import make_url

    _check_database_name(name)
    _admin_execute(dsn, f'CREATE DATABASE "{name}"')
    return make_url(dsn).set(database=name).render_as_string(hide_password=False)


def drop_database(dsn: str, name: str) -> None:
    """Drop the database `name` on the server of `dsn`, closing any connection still open to it."""
    _check_database_name(name)
    _admin_execute(dsn, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


_POSTGRES_DSN = pytest.StashKey[str]()


@pytest.fixture(scope="session")
def postgres_dsn(request: pytest.FixtureRequest) -> str:
    """The SQLAlchemy URL of the session's throwaway PostgreSQL server (its `postgres` database).

    One server for the whole run, even when several conftests re-export this fixture (pytest would otherwise
    keep one session fixture per conftest): it is kept on the pytest config and stopped when pytest ends.
    """
    config = request.config
    if _POSTGRES_DSN not in config.stash:
        problem = postgres_problem()
        if problem:
            require("PostgreSQL", problem)
        server = contextlib.ExitStack()
        config.add_cleanup(server.close)
        config.stash[_POSTGRES_DSN] = server.enter_context(postgres_server())
    return config.stash[_POSTGRES_DSN]


@pytest.fixture
def postgres_database(postgres_dsn: str) -> Iterator[str]:
    """The SQLAlchemy URL of a new, empty database for one test, dropped after it."""
    name = f"test_{uuid.uuid4().hex[:16]}"
    dsn = create_database(postgres_dsn, name)
    try:
        yield dsn
    finally:
        drop_database(postgres_dsn, name)


# --- ASGI apps ---------------------------------------------------------------------------------------------

ASGIApp = Callable[..., Awaitable[None]]


@contextlib.contextmanager
def serve_app(app: ASGIApp, *, timeout: float = 60.0) -> Iterator[str]:
    """Serve an ASGI app with uvicorn in a background thread on 127.0.0.1; yield its base URL.

    The socket is bound here, before uvicorn starts, so the port is known and no other process can take it.
    Returns once the app's startup has finished and the port accepts connections; on exit the server stops
    as on Ctrl+C (`should_exit`), forced only if it has not stopped within `timeout` seconds.
    """
    import uvicorn

    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", 0))
    port: int = sock.getsockname()[1]
    config = uvicorn.Config(
        app,
        log_config=None,  # leave logging as pytest set it up
        log_level="warning",
        access_log=False,
        # The apps served here have no websockets; uvicorn's "auto" would import websockets' deprecated
        # legacy implementation (and warn) for nothing.
        ws="none",
        timeout_graceful_shutdown=int(timeout),
    )
    server = uvicorn.Server(config)
    exit_codes: list[object] = []

    def run() -> None:
        # uvicorn leaves by sys.exit() when the app's startup fails: keep the code for the error below.
        try:
            server.run(sockets=[sock])
        except SystemExit as exc:
            exit_codes.append(exc.code)

    thread = threading.Thread(target=run, name=f"uvicorn:{port}", daemon=True)
    thread.start()
    try:
        deadline = time.monotonic() + timeout
        while not server.started:
            if not thread.is_alive():
                raise RuntimeError(f"uvicorn stopped before the app started (exit {exit_codes}; see its log)")
            if time.monotonic() > deadline:
                raise RuntimeError(f"uvicorn did not start within {timeout} s")
            time.sleep(0.01)
        with socket.create_connection(("127.0.0.1", port), timeout=timeout):
            pass
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout)
        if thread.is_alive():
            server.force_exit = True
            thread.join(timeout)
        sock.close()


@contextlib.contextmanager
def serve_socket(handle: Callable[[socket.socket], None]) -> Iterator[int]:
    """A TCP server on 127.0.0.1 that hands each connection to `handle` (closing it after), in a background
    thread; yields its port. For "nodes" that misbehave below HTTP: a reset, a cut answer, not HTTP at all."""
    server = socket.create_server(("127.0.0.1", 0))

    def serve() -> None:
        while True:
            try:
                connection, _ = server.accept()
            except OSError:  # shut down: the test is over
                return
            with connection:
                handle(connection)

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    try:
        yield int(server.getsockname()[1])
    finally:
        server.shutdown(socket.SHUT_RDWR)  # wakes its accept()
        server.close()
        thread.join(timeout=5)


# --- filon explorer serve ----------------------------------------------------------------------------------

FILON = Path(sys.executable).parent / "filon"


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on now."""
    return _free_port()


class ExplorerProcess:
    """`filon explorer serve` as an operator runs it: a real process on a loopback port, stopped with Ctrl-C.

    Its folders (the store it serves, its index database) are the caller's, so that it can be stopped and
    started again on the same port and find what it had: a restart of the shared store.

    Args:
        deployment: The deployment manifest.
        store: The folder of the store it serves.
        database: Its index database file (SQLite).
        rpc_url: The node it syncs from and checks uploaders on; None serves read-only (uploads 503).
        args: More options for `filon explorer serve`.
    """

    def __init__(
        self,
        deployment: Path,
        store: Path,
        database: Path,
        *,
        rpc_url: str | None,
        args: Sequence[str] = (),
    ) -> None:
        self.store = store
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        command = [str(FILON), "explorer", "serve", "--deployment", str(deployment), "--store", str(store)]
        command += ["--port", str(self.port), "--sync-interval", "0.2", *args]
        if rpc_url is not None:
            command += ["--rpc", rpc_url]
        self._command = command
        self._env = {**os.environ, "FILON_DATABASE_URL": f"sqlite:///{database}"}
        self._env.pop("FILON_STORE", None)
        self._log = database.with_suffix(".log")  # a file, not a pipe: a long run never blocks on it
        self._process: subprocess.Popen[bytes] | None = None

    @property
    def output(self) -> str:
        """Everything it printed (stdout and stderr), over all its starts."""
        return self._log.read_text(errors="replace") if self._log.exists() else ""

    def start(self, timeout: float = 120.0) -> ExplorerProcess:
        """Starts it and returns once it answers `/api/status`."""
        with self._log.open("ab") as log:
            self._process = subprocess.Popen(
                self._command, stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL, env=self._env
            )
        deadline = time.monotonic() + timeout
        while True:
            if self._process.poll() is not None:
                raise RuntimeError(
                    f"filon explorer serve exited ({self._process.returncode}):\n{self.output}"
                )
            try:
                with urllib.request.urlopen(f"{self.url}/api/status", timeout=5) as response:
                    if response.status == 200:
                        return self
            except (ConnectionError, urllib.error.URLError):
                pass
            if time.monotonic() > deadline:
                self.stop()
                raise RuntimeError(f"filon explorer serve did not answer within {timeout} s:\n{self.output}")
            time.sleep(0.1)

    def stop(self) -> None:
        """Stops it with Ctrl-C (SIGINT), killed if it has not stopped within 20 s; keeps what it printed."""
        process, self._process = self._process, None
        if process is None:
            return
        process.send_signal(signal.SIGINT)
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()

    def __enter__(self) -> ExplorerProcess:
        return self.start()

    def __exit__(self, *_: object) -> None:
        self.stop()
