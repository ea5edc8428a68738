"""Loaded (through PYTHONPATH) into a compile run that must stay offline.

It makes every way of fetching a compiler fail loudly: py-solc-x's installers raise, and sockets may only
connect to loopback. A compile that succeeds under it used nothing but the project's own solc-js wrapper.
"""

import ipaddress
import socket

import solcx
import solcx.install


class ForbiddenDownload(RuntimeError):
    pass


def _forbidden(*args, **kwargs):
    raise ForbiddenDownload("a solc download was attempted")


for _module in (solcx, solcx.install):
    for _name in ("install_solc", "get_installable_solc_versions", "compile_solc"):
        if hasattr(_module, _name):
            setattr(_module, _name, _forbidden)

_real_connect = socket.socket.connect


def _loopback_only(self, address):
    remote = isinstance(address, tuple) and address[0] != "localhost"
    if remote and not ipaddress.ip_address(address[0]).is_loopback:
        raise ForbiddenDownload(f"network access to {address[0]} was attempted")
    return _real_connect(self, address)


socket.socket.connect = _loopback_only
_real_getaddrinfo = socket.getaddrinfo


def _no_remote_names(host, *args, **kwargs):
    if host not in (None, "localhost") and not str(host).startswith("127.") and host != "::1":
        raise ForbiddenDownload(f"name lookup of {host} was attempted")
    return _real_getaddrinfo(host, *args, **kwargs)


socket.getaddrinfo = _no_remote_names
