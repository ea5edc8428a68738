"""`filon.connect`: a `Client` of a deployment, on a node checked to serve it."""

from __future__ import annotations

import os
from pathlib import Path

from eth_account.signers.local import LocalAccount

from filon._client import Client
from filon._deployment import Deployment, open_chain
from filon.passport._remote import open_store
from filon.passport._store import DocumentStore


def connect(
    rpc_url: str,
    deployment: Deployment | str | os.PathLike[str],
    account: LocalAccount | None = None,
    *,
    timeout: float = 120.0,
    request_timeout: float = 30.0,
    max_log_range: int | None = None,
    store: DocumentStore | str | os.PathLike[str] | None = None,
    store_cache: str | os.PathLike[str] | None = None,
    salts_folder: str | os.PathLike[str] | None = None,
) -> Client:
    """Connects to a Filón deployment, checking that the node serves the chain it was deployed on.

    Args:
        rpc_url: The node's HTTP JSON-RPC URL.
        deployment: A `Deployment`, or the path of a manifest saved by `Deployment.save`.
        account: The eth-account `LocalAccount` that signs writes; None for a read-only client.
        timeout: Seconds to wait for a sent transaction to be mined.
        request_timeout: Seconds to wait for any single RPC response.
        max_log_range: The most blocks one `eth_getLogs` may span, for nodes that cap it; None for one
            request over the whole range.
        store: The document store for passports and the documents they cite: a folder, the http(s) URL of
            the store the supply chain shares (an explorer's, e.g. "https://trace.example.org"), or a store
            already open; by default `FILON_STORE`, else `.filon/store`. A shared store's uploads are signed
            with `account` (without one it only reads).
        store_cache: A shared store's local cache folder; by default `FILON_STORE_CACHE`, else
            `.filon/store`.
        salts_folder: Where the holder keeps its passports' salts (its secret, never uploaded); by default
            `salts/` beside the store's folder (or its cache).

    Returns:
        The client.

    Raises:
        ManifestNotFound, ManifestInvalid: The manifest path cannot be used.
        RpcUnavailable: The node cannot be reached.
        DeploymentMismatch: The node's chain id differs from the manifest's, or there is no contract at
            the manifest's address.
        InvalidInput: `store` is a URL that is not http(s).
    """
    chain, deployment = open_chain(
        rpc_url, deployment, request_timeout=request_timeout, max_log_range=max_log_range
    )
    opened = open_store(store, cache=store_cache, account=account, deployment=deployment)
    return Client(
        chain,
        deployment,
        account,
        timeout=timeout,
        store=opened,
        salts_folder=Path(salts_folder) if salts_folder is not None else None,
    )
