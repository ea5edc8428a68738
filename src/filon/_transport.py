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


def system_words(exc: BaseException) -> str | None:
    """The words of the system (or of http.client or ssl) for what cut the connection ("connection refused",
    "connection reset by peer", "remote end closed connection without response", "TLS: wrong version number",
    "the answer was cut off after 10 bytes, 990 more expected"): the first OSError among what
    requests and urllib3 wrap, other than their own. They hold it in `args` (a ProtocolError's
    ("Connection aborted.", ConnectionResetError(104, ...))), in `reason` (a MaxRetryError's) or as the
    exception they were raised from."""
    seen: set[int] = set()
    pending: list[object] = [exc]
    while pending:
        current = pending.pop(0)
        if not isinstance(current, BaseException) or id(current) in seen:
            continue
        seen.add(id(current))
        if isinstance(current, http.client.IncompleteRead):
            # urllib3's keeps a count in `partial`, http.client's the bytes themselves.
            read = current.partial if isinstance(current.partial, int) else len(current.partial)
            more = f", {current.expected} more expected" if current.expected is not None else ""
            return f"the answer was cut off after {read} bytes{more}"
        if isinstance(current, ssl.SSLError):
            # "[SSL: CERTIFICATE_VERIFY_FAILED] certificate verify failed: ... (_ssl.c:1006)"
            words = re.sub(r"^\[[^]]*\]\s*|\s*\(_ssl\.c:\d+\)$", "", current.strerror or str(current))
            return f"TLS: {words}"
        if isinstance(current, OSError) and not type(current).__module__.startswith(("requests", "urllib3")):
            # No errno: http.client's RemoteDisconnected ("Remote end closed connection without response": the
            # node closed the connection unanswered), a socket's "timed out".
            said: object = current.strerror if current.errno is not None else next(iter(current.args), None)
            if isinstance(said, str) and said.strip():
                return said.strip()[:1].lower() + said.strip()[1:]
        pending.extend(current.args)
        pending.extend((getattr(current, "reason", None), current.__cause__, current.__context__))
    return None


def transport_reason(exc: BaseException, url: str) -> str:
    """Why requests could not get an answer from `url`, in a few words for a message: the HTTP status a node
    or proxy answered with, else `system_words`, else the first line of the error, secrets cut."""
    response = getattr(exc, "response", None)
    status = getattr(response, "status_code", None)
    if isinstance(status, int):  # requests' HTTPError: the node (or a proxy) answered with an HTTP error
        reason = getattr(response, "reason", "") or ""
        return scrub(f"HTTP {status} {reason}".strip(), url)
    system = system_words(exc)
    if system is not None:
        return scrub(system, url)
    text = str(exc)
    errno = re.search(r"\[Errno -?\d+\] ([^'\")]+)", text)
    if errno:
        return scrub(errno.group(1).strip().lower(), url)
    if "timed out" in text.lower():
        return "timed out"
    return scrub(text.splitlines()[0][:200], url) if text else type(exc).__name__
