"""A node that cannot be reached is named in words, whatever cut the connection: web3's requests (with its
retries) and the index's raw reads give the same sentence, never requests' or urllib3's wrapping of it.

Each "node" here is a socket that misbehaves in one way, deterministically: it reads the whole request before
it answers, so no unread byte turns its close into a reset."""

from __future__ import annotations

import contextlib
import socket
from collections.abc import Callable, Iterator

import pytest

import filon
from filon._chain import Chain
from servers import serve_socket

Behaviour = Callable[[socket.socket], None]


def _read_request(connection: socket.socket) -> None:
    """Reads one HTTP request to its last byte (headers, then Content-Length bytes of body)."""
    data = b""
    while b"\r\n\r\n" not in data:
        data += connection.recv(65536)
    head, _, body = data.partition(b"\r\n\r\n")
    fields = dict(line.split(b":", 1) for line in head.split(b"\r\n")[1:])
    length = int(next(value for name, value in fields.items() if name.lower() == b"content-length"))
    while len(body) < length:
        body += connection.recv(65536)


def _not_http(connection: socket.socket) -> None:
    _read_request(connection)
    connection.sendall(b"HELLO THERE\r\n\r\n")


def _cut_body(connection: socket.socket) -> None:
    _read_request(connection)
    connection.sendall(
        b'HTTP/1.1 200 OK\r\nContent-Length: 1000\r\nContent-Type: application/json\r\n\r\n{"jsonrpc"'
    )


def _silent(connection: socket.socket) -> None:
    connection.recv(65536)  # a TLS hello, never answered
    connection.settimeout(10)
    with contextlib.suppress(OSError):
        connection.recv(1)  # until the client gives up


@pytest.fixture
def node() -> Iterator[Callable[[Behaviour], int]]:
    """Starts "nodes" on free ports, each handling every connection with a behaviour; stops them after."""
    with contextlib.ExitStack() as servers:
        yield lambda behaviour: servers.enter_context(serve_socket(behaviour))


def _both_paths(url: str, timeout: float = 30.0) -> list[str]:
    """The error of a read through web3 (chain_id) and of a raw one (a batch), each with its own `Chain`."""
    reads: list[Callable[[Chain], object]] = [
        lambda chain: chain.chain_id(),
        lambda chain: chain.batch([("eth_blockNumber", [])]),
    ]
    errors = []
    for read in reads:
        chain = Chain(url, request_timeout=timeout)
        with pytest.raises(filon.RpcUnavailable) as failure, chain.translated():
            read(chain)
        errors.append(str(failure.value))
    return errors


def test_not_an_http_answer(node: Callable[[Behaviour], int]) -> None:
    url = f"http://127.0.0.1:{node(_not_http)}"

    assert _both_paths(url) == [f"Cannot reach the Ethereum node at {url} (not an HTTP answer)."] * 2


def test_an_answer_cut_mid_body(node: Callable[[Behaviour], int]) -> None:
    url = f"http://127.0.0.1:{node(_cut_body)}"
    words = "the answer was cut off after 10 bytes, 990 more expected"

    assert _both_paths(url) == [f"Cannot reach the Ethereum node at {url} ({words})."] * 2


def test_a_tls_handshake_never_answered_times_out(node: Callable[[Behaviour], int]) -> None:
    """Python names it "_ssl.c:989: The handshake operation timed out": it reads as any other timeout."""
    url = f"https://127.0.0.1:{node(_silent)}"

    assert _both_paths(url, timeout=0.3) == [f"Cannot reach the Ethereum node at {url} (timed out)."] * 2


def test_a_proxy_that_cannot_be_reached_is_named(monkeypatch: pytest.MonkeyPatch) -> None:
    """The node may be up: it is the proxy the environment names that refused."""
    for name in ("NO_PROXY", "no_proxy", "ALL_PROXY", "all_proxy", "http_proxy"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("HTTP_PROXY", "http://127.0.0.1:9")
    url = "http://127.0.0.1:8545"

    assert _both_paths(url) == [f"Cannot reach the Ethereum node at {url} (proxy: connection refused)."] * 2
