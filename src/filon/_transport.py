"""What a failed connection to a node or a store says, without its secrets: URLs cut down to scheme, host and
port (`shown_url`, `scrub`), and the system's words for what cut the connection (`system_words`,
`transport_reason`)."""

from __future__ import annotations

import http.client
import re
import ssl
from urllib.parse import unquote, urlsplit


def shown_url(url: str) -> str:
    """`url` as it may appear in messages: scheme, host and port only.

    Hosted RPC URLs often carry an API key in their path, query or user part; it is never shown.
    """
    parts = urlsplit(url)
    if not parts.scheme or not parts.hostname:
        return "the configured RPC URL"
    port = f":{parts.port}" if parts.port else ""
    hidden = "/…" if parts.path.strip("/") or parts.query or parts.username else ""
    return f"{parts.scheme}://{parts.hostname}{port}{hidden}"


_URL = re.compile(r"[A-Za-z][A-Za-z0-9+.-]*://[^\s'\"<>)\]]+")


def scrub(text: str, url: str) -> str:
    """`text` (a message from web3, requests or the node) with every URL cut down to what `shown_url`
    shows, and the secret parts of `url` (user, password, path, query) removed wherever they appear."""
    text = _URL.sub(lambda match: shown_url(match.group(0)), text)
    parts = urlsplit(url)
    secrets = [parts.username, parts.password, parts.query, *parts.query.split("&")]
    secrets += [unquote(value) for value in secrets if value]
    secrets += [segment for segment in parts.path.split("/") if len(segment) >= 4]
    for secret in sorted({s for s in secrets if s and len(s) >= 3}, key=len, reverse=True):
        text = text.replace(secret, "…")
    return text


_SHORT = 200  # characters of a reason a message shows at most


def _first_lower(text: str) -> str:
    text = text.strip()
    return text[:1].lower() + text[1:]


def system_words(exc: BaseException) -> str | None:
    """The words of the system (or of http.client or ssl) for what cut the connection ("connection refused",
    "connection reset by peer", "remote end closed connection without response", "timed out", "TLS: wrong
    version number", "the answer was cut off after 10 bytes, 990 more expected", "proxy: connection refused"),
    from what requests, urllib3 and httpx wrap: they hold it in `args` (a ProtocolError's
    ("Connection aborted.", ConnectionResetError(104, ...))), in `reason` (a MaxRetryError's) or as the
    exception they were raised from. The first of the system's errors found names it; failing one, the words
    of urllib3's ProtocolError ("response ended prematurely"). None if there are neither."""
    seen: set[int] = set()
    pending: list[object] = [exc]
    proxy = ""
    protocol: str | None = None
    while pending:
        current = pending.pop(0)
        if not isinstance(current, BaseException) or id(current) in seen:
            continue
        seen.add(id(current))
        words = _words_of(current)
        if words is not None:
            return proxy + words
        name = type(current).__name__
        if name == "ProxyError":  # requests', urllib3's and httpx's: what follows is the proxy's failure
            proxy = "proxy: "
        elif name == "ProtocolError" and protocol is None and isinstance(next(iter(current.args), None), str):
            protocol = _first_lower(current.args[0])
        pending.extend(current.args)
        pending.extend((getattr(current, "reason", None), current.__cause__, current.__context__))
    return proxy + protocol if protocol else None


def _words_of(error: BaseException) -> str | None:
    """The words of one of the system's errors (socket, TLS, http.client), None for any other."""
    if type(error).__name__ == "InvalidChunkLength":  # urllib3's, an IncompleteRead of 0 bytes
        return "the answer's chunked encoding is broken"
    if isinstance(error, http.client.IncompleteRead):  # http.client's, or urllib3's subclass
        # urllib3's keeps a count in `partial`, http.client's the bytes themselves.
        read = error.partial if isinstance(error.partial, int) else len(error.partial)
        more = f", {error.expected} more expected" if error.expected is not None else ""
        return f"the answer was cut off after {read} bytes{more}"
    if type(error).__module__.startswith(("requests", "urllib3", "httpx", "httpcore", "filon")):
        return None  # their own errors (some are OSErrors): the system's is inside
    if isinstance(error, TimeoutError):  # a socket's, or a TLS handshake's ("_ssl.c:989: The handshake ...")
        return "timed out"
    if isinstance(error, ssl.SSLError):
        # "[SSL: CERTIFICATE_VERIFY_FAILED] certificate verify failed: ... (_ssl.c:1006)"
        return "TLS: " + re.sub(r"^\[[^]]*\]\s*|\s*\(_ssl\.c:\d+\)$", "", error.strerror or str(error))
    if isinstance(error, OSError):
        # No errno: http.client's RemoteDisconnected ("Remote end closed connection without response": the
        # node closed the connection unanswered).
        said: object = error.strerror if error.errno is not None else next(iter(error.args), None)
        return _first_lower(said) if isinstance(said, str) and said.strip() else None
    if isinstance(error, http.client.BadStatusLine):
        return "not an HTTP answer"
    if isinstance(error, http.client.HTTPException):
        return _first_lower(str(error) or type(error).__name__)
    return None


def short(text: str) -> str:
    """The first line of `text`, at most 200 characters: a reason as a one-line message shows it."""
    lines = text.strip().splitlines()
    return lines[0][:_SHORT] if lines else ""


def transport_reason(exc: BaseException, url: str) -> str:
    """Why requests could not get an answer from `url`, in a few words for a message: the HTTP status a node
    or proxy answered with, else `system_words`, else the first line of the error; secrets cut (before it is
    shortened: a cut could leave part of a secret unmatched)."""
    response = getattr(exc, "response", None)
    status = getattr(response, "status_code", None)
    if isinstance(status, int):  # requests' HTTPError: the node (or a proxy) answered with an HTTP error
        reason = getattr(response, "reason", "") or ""
        return short(scrub(f"HTTP {status} {reason}".strip(), url))
    words = system_words(exc)
    if words is None:
        text = str(exc)
        errno = re.search(r"\[Errno -?\d+\] ([^'\")]+)", text)
        timed_out = "timed out" in text.lower()
        words = errno.group(1).strip().lower() if errno else "timed out" if timed_out else text
    return short(scrub(words, url)) or type(exc).__name__
