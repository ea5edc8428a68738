"""Hosted RPC URLs carry secrets (user, password, a key in the path, a token in the query): whatever the node
or a proxy in front of it answers (429, 404, a TLS failure, garbage), no message shows any of them."""

from __future__ import annotations

import http.server
import re
import socket
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

import filon
from filon._chain import Chain
from filon._cli import cli
from filon._cli._common import run
from filon._transport import scrub

from .helpers import World

USER, PASSWORD, PATH_KEY, TOKEN = "alice", "hunter2secret", "PATHKEY123abc", "QUERYTOK456"
SECRETS = (USER, PASSWORD, PATH_KEY, TOKEN)


def _url(port: int, scheme: str = "http") -> str:
    return f"{scheme}://{USER}:{PASSWORD}@127.0.0.1:{port}/v3/{PATH_KEY}?token={TOKEN}"


class _Node(http.server.BaseHTTPRequestHandler):
    """Answers every JSON-RPC POST with the server's configured HTTP status and a body naming the URL."""

    status = 429

    def do_POST(self) -> None:
        self.send_response(self.status)
        self.send_header("Content-Type", "text/plain")
        self.end_headers()
        self.wfile.write(f"no, not for {self.path}".encode())

    def log_message(self, *_: object) -> None:
        pass


def _serve(status: int) -> Iterator[int]:
    handler = type("Node", (_Node,), {"status": status})
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server.server_port
    server.shutdown()
    server.server_close()


STATUS_LINES = {429: "429 Too Many Requests", 404: "404 Not Found", 502: "502 Bad Gateway"}


@pytest.fixture(params=sorted(STATUS_LINES))
def failing_node(request: pytest.FixtureRequest) -> Iterator[tuple[int, int]]:
    for port in _serve(request.param):
        yield port, request.param


@pytest.fixture
def rate_limiting_node() -> Iterator[int]:
    yield from _serve(429)


def _clean(text: str) -> None:
    for secret in SECRETS:
        assert secret not in text, f"{secret!r} appears in {text!r}"


def test_http_errors_name_the_status_and_no_secret(failing_node: tuple[int, int], world: World) -> None:
    port, status = failing_node
    with pytest.raises(filon.RpcUnavailable) as info:
        filon.connect(_url(port), world.deployment)
    shown = f"http://127.0.0.1:{port}/…"
    assert str(info.value) == f"Cannot reach the Ethereum node at {shown} (HTTP {STATUS_LINES[status]})."
    assert info.value.url == shown


def test_every_request_path_scrubs(rate_limiting_node: int, world: World) -> None:
    chain = Chain(_url(rate_limiting_node))
    for call in (
        chain.chain_id,
        lambda: chain.batch([("eth_blockNumber", [])]),
        lambda: chain.logs(world.deployment.address, [], from_block=0),
        lambda: chain.read(world.deployment.address, "mineCount"),
    ):
        with pytest.raises(filon.RpcError) as failure:
            call()
        _clean(str(failure.value))
        _clean(repr(failure.value))


def test_tls_failure_shows_no_secret(rate_limiting_node: int, world: World) -> None:
    """An https:// URL to a server that speaks plain HTTP: the TLS handshake fails."""
    port = rate_limiting_node
    with pytest.raises(filon.RpcUnavailable) as info:
        filon.connect(_url(port, "https"), world.deployment)
    _clean(str(info.value))
    # OpenSSL's words for a plain-HTTP answer to its hello differ between versions ("wrong version number").
    assert re.fullmatch(
        re.escape(f"Cannot reach the Ethereum node at https://127.0.0.1:{port}/… (TLS: ") + r"[a-z ]+\)\.",
        str(info.value),
    ), str(info.value)


def test_the_cli_prints_one_line_without_secrets(
    rate_limiting_node: int, world: World, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    port = rate_limiting_node
    manifest = world.deployment.save(tmp_path / "deployment.json")
    code = run(cli, ["mine", "show", "1", "--rpc", _url(port), "--deployment", str(manifest)])
    out, err = capsys.readouterr()
    assert code == 1
    assert out == ""
    assert err.count("\n") == 1
    line = (
        f"Error: Cannot reach the Ethereum node at http://127.0.0.1:{port}/… (HTTP 429 Too Many Requests).\n"
    )
    assert err == line
    _clean(err)


@pytest.mark.parametrize(
    "text",
    [
        f"404 Client Error: Not Found for url: {_url(8545)}",
        f"bad answer from {USER}:{PASSWORD}@127.0.0.1 at /v3/{PATH_KEY}",
        f"query was token={TOKEN}&x=1",
        f"percent-encoded: {PASSWORD.replace('s', '%73')} is decoded by requests",
    ],
)
def test_scrub_removes_every_secret_part(text: str) -> None:
    scrubbed = scrub(text.replace("%73", "s"), _url(8545))
    _clean(scrubbed)
    assert "…" in scrubbed


class _CutNode(http.server.BaseHTTPRequestHandler):
    """Promises a body longer than the one it sends, then closes the connection."""

    def do_POST(self) -> None:
        self.rfile.read(int(self.headers["Content-Length"]))
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", "100000")
        self.end_headers()
        self.wfile.write(b'{"jsonrpc":"2.0","id":1,"result":[{"address":')
        self.wfile.flush()
        self.close_connection = True

    def log_message(self, *_: object) -> None:
        pass


def test_an_answer_cut_mid_body_is_an_unreachable_node_without_secrets(world: World) -> None:
    """The raw reads (logs, batches) read a body in one call: a connection closed before the promised
    length is a node that cannot be reached, not half an answer."""
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _CutNode)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        chain = Chain(_url(server.server_port))
        for call in (
            lambda: chain.logs(world.deployment.address, [], from_block=0, to_block=10),
            lambda: chain.batch([("eth_getBlockByNumber", ["0x1", False])]),
        ):
            with pytest.raises(filon.RpcUnavailable) as failure:
                call()
            sent = len(b'{"jsonrpc":"2.0","id":1,"result":[{"address":')
            assert str(failure.value) == (
                f"Cannot reach the Ethereum node at http://127.0.0.1:{server.server_port}/… "
                f"(the answer was cut off after {sent} bytes, {100000 - sent} more expected)."
            )
            _clean(str(failure.value))
    finally:
        server.shutdown()
        server.server_close()


@pytest.mark.parametrize("bypassed", [False, True], ids=["through the proxy", "NO_PROXY"])
def test_the_raw_reads_use_the_proxy_the_environment_names(
    world: World, monkeypatch: pytest.MonkeyPatch, bypassed: bool
) -> None:
    """The raw reads' session takes the environment's proxy settings, as requests does: a proxy nobody
    answers on makes the node unreachable, unless NO_PROXY names the node's host."""
    with socket.socket() as closed:  # a port nothing listens on once the socket is closed
        closed.bind(("127.0.0.1", 0))
        port = closed.getsockname()[1]
    with monkeypatch.context() as environment:  # undone before the chain's snapshot is reverted
        for name in ("HTTP_PROXY", "http_proxy", "NO_PROXY", "no_proxy", "ALL_PROXY", "all_proxy"):
            environment.delenv(name, raising=False)
        environment.setenv("HTTP_PROXY", f"http://127.0.0.1:{port}")
        if bypassed:
            environment.setenv("NO_PROXY", "127.0.0.1")
        chain = Chain(world.url)
        read = lambda: chain.batch([("eth_getBlockByNumber", ["0x0", False])])  # noqa: E731
        if bypassed:
            assert read()[0]["number"] == "0x0"
        else:
            with pytest.raises(
                filon.RpcUnavailable, match=r"^Cannot reach the Ethereum node at http://127\.0\.0\.1:"
            ):
                read()
