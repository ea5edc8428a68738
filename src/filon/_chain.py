"""The one boundary between Filón and web3.py: every request to the node goes through `Chain`.

Whatever web3, requests or the node raise is translated here, and only here, into a `FilonError`:
contract reverts into the specific class of their custom error, transport failures into `RpcUnavailable`,
other node errors into `RpcError`, unencodable arguments into `InvalidInput`.
"""

from __future__ import annotations

import re
import threading
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from functools import cache, lru_cache
from typing import Any, TypedDict, cast

import orjson
import requests
import urllib3
from eth_abi.exceptions import EncodingError
from eth_typing import BlockIdentifier, ChecksumAddress, HexStr
from requests import PreparedRequest, Response
from requests.adapters import HTTPAdapter
from web3 import HTTPProvider, Web3
from web3.exceptions import (
    ContractLogicError,
    TransactionNotFound,
    Web3Exception,
    Web3RPCError,
    Web3TypeError,
    Web3ValidationError,
    Web3ValueError,
)
from web3.types import RPCEndpoint, RPCResponse, TxParams

from filon import _artifact
from filon._errors import FilonError, InvalidInput, RpcError, RpcUnavailable, decode_revert
from filon._transport import scrub, shown_url, transport_reason

Topic = HexStr | Sequence[HexStr] | None


class Log(TypedDict):
    """A log as `Chain.logs` and receipts give it: the node's JSON with its fields typed, but for the topics,
    kept as the node's 0x hex (what filters and the event table use; the decoder reads ids and addresses
    from them directly)."""

    address: str
    topics: list[HexStr]
    data: bytes
    blockNumber: int
    blockHash: bytes
    logIndex: int
    transactionHash: bytes


class Receipt(TypedDict):
    """A transaction's receipt as `Chain.receipts` gives it: the fields Filón reads, typed."""

    transactionHash: bytes
    blockNumber: int
    status: int
    gasUsed: int
    contractAddress: str | None
    logs: list[Log]


def _abi_type(param: dict[str, Any]) -> str:
    """The canonical ABI type of a parameter, tuples spelled out: `(uint8,uint256,uint256)[]`."""
    kind: str = param["type"]
    if kind.startswith("tuple"):
        inner = ",".join(_abi_type(component) for component in param["components"])
        return f"({inner}){kind[len('tuple') :]}"
    return kind


@cache
def _functions() -> dict[str, tuple[bytes, tuple[str, ...], tuple[str, ...]]]:
    """Function name (its first overload) and full signature -> (selector, input types, output types)."""
    table: dict[str, tuple[bytes, tuple[str, ...], tuple[str, ...]]] = {}
    for item in _artifact.abi():
        if item.get("type") != "function":
            continue
        inputs = tuple(_abi_type(p) for p in item["inputs"])
        outputs = tuple(_abi_type(p) for p in item["outputs"])
        signature = f"{item['name']}({','.join(inputs)})"
        entry = (bytes(Web3.keccak(text=signature)[:4]), inputs, outputs)
        table.setdefault(item["name"], entry)
        table[signature] = entry
    return table


def uint_topic(value: int) -> HexStr:
    """An indexed uint256 as a topic.

    Raises:
        InvalidInput: `value` is not a uint256.
    """
    if not 0 <= value < 2**256:
        raise InvalidInput(f"{value} is not a uint256 (from 0 to 2^256 - 1)")
    return HexStr("0x" + value.to_bytes(32, "big").hex())


def address_topic(address: str) -> HexStr:
    """An indexed address as a topic."""
    return HexStr("0x" + bytes.fromhex(address.removeprefix("0x")).rjust(32, b"\0").hex())


BATCH_SIZE = 100
"""Requests per JSON-RPC batch: providers commonly accept 100 and more."""


def _hex(value: bytes) -> str:
    return "0x" + bytes(value).hex()


def _json_tx(tx: dict[str, Any]) -> dict[str, Any]:
    """A transaction object as JSON-RPC takes it (quantities as hex strings, data as hex)."""
    out: dict[str, Any] = {}
    for key, value in tx.items():
        if isinstance(value, bytes):
            out[key] = _hex(value)
        elif isinstance(value, int):
            out[key] = hex(value)
        else:
            out[key] = value
    return out


@lru_cache(maxsize=4_096)
def _checksummed(address: str) -> str:
    """`address` checksummed (cached: logs come from few contracts, and each checksum is a keccak)."""
    return str(Web3.to_checksum_address(address))


class _RawProvider(HTTPProvider):
    """web3's HTTP provider, with the node's answers parsed by orjson: an index sync reads megabytes of logs,
    and the standard library's parser took a tenth of its time. Only for the answers Filón reads itself
    (`Chain.logs`, `Chain.batch`), whose quantities JSON-RPC writes as hex strings: orjson would read a JSON
    number over 64 bits as a float."""

    @staticmethod
    def decode_rpc_response(raw_response: bytes) -> RPCResponse:
        try:
            return cast(RPCResponse, orjson.loads(raw_response))
        except orjson.JSONDecodeError:
            # What orjson refuses (NaN, Infinity, a byte-order mark), web3's parser reads or explains.
            return HTTPProvider.decode_rpc_response(raw_response)


class _WholeBody(HTTPAdapter):
    """requests' transport, reading each answer's body in one call: requests reads a body in 10 KB chunks,
    which took more CPU for the 2.5 MB of logs of a from-scratch index sync (15 ms) than orjson's parsing of
    them; one read takes 4 ms. The response keeps its urllib3 `raw` (requests reads the cookies from it)."""

    def send(
        self,
        request: PreparedRequest,
        stream: bool = False,
        timeout: float | tuple[float, float] | tuple[float, None] | None = None,
        verify: bool | str = True,
        cert: bytes | str | tuple[bytes | str, bytes | str] | None = None,
        proxies: Mapping[str, str] | None = None,
    ) -> Response:
        response = super().send(request, True, timeout, verify, cert, proxies)
        if stream:
            return response
        try:
            body = response.raw.read(decode_content=True)
        except urllib3.exceptions.HTTPError as exc:  # a timeout, a connection cut mid-body, a bad encoding
            response.close()
            raise requests.exceptions.ConnectionError(exc, request=request) from None
        # Where `Response.content` keeps a body it has read (it reads nothing more then).
        response._content = body
        response._content_consumed = True  # type: ignore[attr-defined]
        return response


def _log(raw: dict[str, Any]) -> Log:
    """A JSON-RPC log with its fields typed: quantities as ints, hashes and data as bytes. The node's own
    object is typed in place (no copy per log of an index sync); its other fields stay as they came."""
    raw["address"] = _checksummed(raw["address"])
    raw["topics"] = list(map(_lower, raw["topics"]))
    raw["data"] = _fromhex(raw["data"][2:])
    raw["blockNumber"] = int(raw["blockNumber"], 16)
    raw["blockHash"] = _fromhex(raw["blockHash"][2:])
    raw["logIndex"] = int(raw["logIndex"], 16)
    raw["transactionHash"] = _fromhex(raw["transactionHash"][2:])
    return cast(Log, raw)


# Bound once: `_log` runs for every log of an index sync.
_fromhex = bytes.fromhex
_lower = str.lower


def _receipt(raw: dict[str, Any]) -> Receipt:
    """A JSON-RPC receipt with the fields Filón reads, typed."""
    contract = raw.get("contractAddress")
    return {
        "transactionHash": bytes.fromhex(raw["transactionHash"][2:]),
        "blockNumber": int(raw["blockNumber"], 16),
        "status": int(raw["status"], 16),
        "gasUsed": int(raw["gasUsed"], 16),
        "contractAddress": _checksummed(contract) if contract else None,
        "logs": [_log(log) for log in raw["logs"]],
    }


def _revert_data(exc: ContractLogicError) -> bytes:
    data: Any = exc.data
    if isinstance(data, dict):
        data = data.get("data")
    if isinstance(data, str) and data.startswith("Reverted "):
        data = data.removeprefix("Reverted ")
    if isinstance(data, str) and re.fullmatch(r"0x(?:[0-9a-fA-F]{2})*", data):
        return bytes.fromhex(data[2:])
    return b""


class Chain:
    """A node reached over HTTP JSON-RPC, and the FilonLots ABI to talk to it.

    Args:
        rpc_url: The node's HTTP(S) JSON-RPC URL.
        request_timeout: Seconds to wait for any single HTTP response.
        max_log_range: The most blocks one `eth_getLogs` may span (public nodes often cap it); None for
            one request over the whole range.
    """

    def __init__(
        self, rpc_url: str, *, request_timeout: float = 30.0, max_log_range: int | None = None
    ) -> None:
        self.url = rpc_url
        self.shown_url = shown_url(rpc_url)
        self.max_log_range = max_log_range
        provider = HTTPProvider(rpc_url, request_kwargs={"timeout": request_timeout})
        self._request_timeout = request_timeout
        # Raw reads (`logs`, `batch`): see `_raw`.
        self._local = threading.local()
        # No middleware: the library formats and checks what it sends itself, and each default
        # middleware would add requests (chain id checks) or reshape responses.
        self.w3 = Web3(provider, middleware=[])

    @contextmanager
    def translated(self) -> Iterator[None]:
        """Turns anything raised inside into the most specific `FilonError`."""
        try:
            yield
        except FilonError:
            raise
        except ContractLogicError as exc:
            raise decode_revert(_revert_data(exc), self.w3.codec) from None
        except OSError as exc:  # requests' ConnectionError and Timeout are OSErrors
            raise RpcUnavailable(
                f"Cannot reach the Ethereum node at {self.shown_url} ({transport_reason(exc, self.url)}).",
                url=self.shown_url,
            ) from None
        except Web3RPCError as exc:
            raise RpcError(
                f"The Ethereum node at {self.shown_url} answered with an error: {self._scrub(exc.message)}"
            ) from None
        except (Web3Exception, ValueError) as exc:
            raise RpcError(
                f"Unexpected answer from the Ethereum node at {self.shown_url}: {self._scrub(str(exc))}"
            ) from None

    def _scrub(self, text: str) -> str:
        return scrub(text, self.url)

    def _raw(self) -> _RawProvider:
        """This thread's provider for the raw reads (`logs`, `batch`): answers parsed by orjson and read in
        one call (`_WholeBody`), the environment's proxies, CA bundle and .netrc read when it is made; what
        web3 formats keeps its own provider. One per thread, as web3 keeps its sessions: an index sync step's
        two reading threads read at once (one session shared by them made a from-scratch sync slower: 257 ms
        against 240, median of 20 paired syncs). A thread's session goes with the `Chain` or the thread."""
        provider: _RawProvider | None = getattr(self._local, "provider", None)
        if provider is None:
            session = requests.Session()
            session.mount("http://", _WholeBody())
            session.mount("https://", _WholeBody())
            # requests looks the proxies, the CA bundle and .netrc up in the environment at every request,
            # scanning every variable: a third of a raw read's CPU (0.7 of 2.3 ms here). Looked up once, for
            # this session, as requests would.
            found = session.merge_environment_settings(self.url, {}, None, None, None)
            session.proxies.update(found["proxies"])
            session.verify = found["verify"]
            session.auth = requests.utils.get_netrc_auth(self.url)
            session.trust_env = False
            timeout = {"timeout": self._request_timeout}
            provider = _RawProvider(self.url, request_kwargs=timeout, session=session)
            self._local.provider = provider
        return provider

    # ------------------------------------------------------------------ ABI

    def encode_call(self, function: str, args: Sequence[Any]) -> bytes:
        """Calldata for `function(*args)`.

        Raises:
            InvalidInput: The contract has no such function, or an argument does not fit its ABI type.
        """
        entry = _functions().get(function)
        if entry is None:
            raise InvalidInput(f"FilonLots has no function {function!r}")
        selector, types, _ = entry
        return selector + self.encode(types, args, what=function)

    def encode(self, types: Sequence[str], args: Sequence[Any], *, what: str) -> bytes:
        """ABI-encoded `args`.

        Raises:
            InvalidInput: An argument does not fit its ABI type.
        """
        try:
            return bytes(self.w3.codec.encode(list(types), list(args)))
        except (
            Web3ValidationError,
            Web3TypeError,
            Web3ValueError,
            EncodingError,  # eth-abi's, e.g. ValueOutOfBounds, which is not a ValueError
            TypeError,
            ValueError,
            OverflowError,
        ) as exc:
            raise InvalidInput(f"Invalid arguments for {what}: {exc}") from None

    def decode_output(self, function: str, data: bytes) -> tuple[Any, ...]:
        """The decoded return values of `function`."""
        _, _, types = _functions()[function]
        with self.translated():
            return tuple(self.w3.codec.decode(list(types), data))

    # ------------------------------------------------------------------ requests

    def chain_id(self) -> int:
        """The node's chain id."""
        with self.translated():
            return int(self.w3.eth.chain_id)

    def code(self, address: str) -> bytes:
        """The runtime code at `address` (empty for an account without code)."""
        with self.translated():
            return bytes(self.w3.eth.get_code(Web3.to_checksum_address(address)))

    def block_number(self) -> int:
        """The number of the latest block."""
        with self.translated():
            return int(self.w3.eth.block_number)

    def pending_nonce(self, address: str) -> int:
        """The next nonce of `address`, counting its transactions still in the node's pool."""
        with self.translated():
            return int(self.w3.eth.get_transaction_count(Web3.to_checksum_address(address), "pending"))

    def fees_and_gas(self, txs: Sequence[dict[str, Any]]) -> tuple[dict[str, int], list[int | FilonError]]:
        """Fee fields for transactions sent now, and the gas each of `txs` needs, in one JSON-RPC batch.

        The fees are EIP-1559 fields when the chain has a base fee, else a legacy gas price. Each estimate
        is an int, or the error estimation raised (the contract's specific revert).
        """
        fee_requests: list[tuple[str, list[Any]]] = [
            ("eth_getBlockByNumber", ["latest", False]),
            ("eth_gasPrice", []),
            ("eth_maxPriorityFeePerGas", []),
        ]
        results = self.batch(fee_requests + [("eth_estimateGas", [_json_tx(tx)]) for tx in txs])
        block, gas_price, tip = results[:3]
        for result in (block, gas_price):
            if isinstance(result, FilonError):
                raise result
        estimates = [r if isinstance(r, FilonError) else int(str(r), 16) for r in results[3:]]
        price = int(str(gas_price), 16)
        base_fee = block.get("baseFeePerGas") if isinstance(block, dict) else None
        if base_fee is None:
            return {"gasPrice": price}, estimates
        base = int(str(base_fee), 16)
        priority = max(price - base, 0) if isinstance(tip, FilonError) else int(str(tip), 16)
        # Twice the base fee stays valid through six full blocks of base-fee increases.
        return {"maxFeePerGas": 2 * base + priority, "maxPriorityFeePerGas": priority}, estimates

    def call(self, tx: TxParams, block: BlockIdentifier = "latest") -> bytes:
        """The return data of `tx` run as a call at `block`; a revert raises the specific error."""
        with self.translated():
            return bytes(self.w3.eth.call(tx, block))

    def read(self, address: str, function: str, *args: Any) -> tuple[Any, ...]:
        """The decoded return values of view `function(*args)` of the contract at `address`."""
        tx: TxParams = {
            "to": cast(ChecksumAddress, address),
            "data": HexStr(_hex(self.encode_call(function, args))),
        }
        return self.decode_output(function, self.call(tx))

    def read_many(
        self, address: str, function: str, args_list: Sequence[Sequence[Any]]
    ) -> list[tuple[Any, ...]]:
        """`read` for several argument lists, in JSON-RPC batches (one HTTP round trip per batch)."""
        calls = [{"to": address, "data": _hex(self.encode_call(function, args))} for args in args_list]
        results = []
        for result in self.batch([("eth_call", [call, "latest"]) for call in calls]):
            if isinstance(result, FilonError):
                raise result
            results.append(self.decode_output(function, bytes.fromhex(str(result)[2:])))
        return results

    def send_raw_many(self, raws: Sequence[bytes]) -> list[str | FilonError]:
        """Sends signed transactions in JSON-RPC batches, in order; each one's hash or why it was not sent.

        Sending stops after the first batch with a rejection (or a transport failure): the transactions
        not sent then carry that first error.
        """
        results: list[str | FilonError] = []
        for start in range(0, len(raws), BATCH_SIZE):
            requests = [("eth_sendRawTransaction", [_hex(raw)]) for raw in raws[start : start + BATCH_SIZE]]
            try:
                answers = self.batch(requests)
            except FilonError as error:
                answers = [error] * len(requests)
            results += [a if isinstance(a, FilonError) else str(a) for a in answers]
            first_error = next((r for r in results if isinstance(r, FilonError)), None)
            if first_error is not None:
                return results + [first_error] * (len(raws) - len(results))
        return results

    def send_raw(self, raw: bytes) -> str:
        """Sends a signed transaction; returns its hash."""
        with self.translated():
            return "0x" + bytes(self.w3.eth.send_raw_transaction(raw)).hex()

    def receipts(self, transaction_hashes: Sequence[str]) -> list[Receipt | None]:
        """The receipts of transactions, None for those not mined yet, in JSON-RPC batches."""
        found: list[Receipt | None] = []
        for result in self.batch([("eth_getTransactionReceipt", [h]) for h in transaction_hashes]):
            if isinstance(result, FilonError):
                raise result
            found.append(_receipt(result) if result else None)
        return found

    def is_known(self, transaction_hash: str) -> bool:
        """Whether the node knows the transaction (mined or in its pool)."""
        with self.translated():
            try:
                self.w3.eth.get_transaction(HexStr(transaction_hash))
            except TransactionNotFound:
                return False
            return True

    def logs(
        self,
        address: str,
        topics: Sequence[Topic],
        *,
        from_block: int,
        to_block: BlockIdentifier = "latest",
    ) -> list[Log]:
        """The logs of `address` matching `topics` (OR-lists allowed at each position), in chain order.

        One `eth_getLogs` request over the whole range, or one per `max_log_range` blocks when set. The
        answer is parsed here rather than by web3's result formatters: they checksum every log's address
        (a keccak each) and wrap every hash, which took half of an index sync's time.
        """
        ranges: list[tuple[int, BlockIdentifier]] = [(from_block, to_block)]
        if self.max_log_range is not None:
            last = self.block_number() if to_block == "latest" else int(cast(int, to_block))
            step = self.max_log_range
            ranges = [(start, min(start + step - 1, last)) for start in range(from_block, last + 1, step)]
        found: list[Log] = []
        for start, end in ranges:
            params = {
                "address": address,
                "fromBlock": hex(start),
                "toBlock": hex(end) if isinstance(end, int) else end,
                "topics": list(topics),
            }
            answer = self._request("eth_getLogs", [params])
            try:
                found.extend(_log(log) for log in answer)
            except (KeyError, TypeError, ValueError, AttributeError):
                raise RpcError(
                    f"Unexpected answer from the Ethereum node at {self.shown_url}: eth_getLogs gave "
                    "something other than a list of logs"
                ) from None
        return sorted(found, key=lambda log: (log["blockNumber"], log["logIndex"]))

    def _request(self, method: str, params: list[Any]) -> Any:
        """The raw result of one JSON-RPC request; an error answer raises it, translated."""
        with self.translated():
            response = self._raw().make_request(RPCEndpoint(method), params)
        if not isinstance(response, dict):
            raise RpcError(
                f"Unexpected answer from the Ethereum node at {self.shown_url}: {method} gave no JSON-RPC "
                "response"
            )
        error = response.get("error")
        if error is not None:
            raise self._error(error)
        return response.get("result")

    def batch(self, requests: Sequence[tuple[str, list[Any]]]) -> list[Any]:
        """Raw results of JSON-RPC `requests`, sent `BATCH_SIZE` per HTTP request, in order.

        A request the node answered with an error yields that error, translated, in its place.
        """
        results: list[Any] = []
        for start in range(0, len(requests), BATCH_SIZE):
            chunk = [(RPCEndpoint(method), params) for method, params in requests[start : start + BATCH_SIZE]]
            with self.translated():
                responses = self._raw().make_batch_request(chunk)
            if not isinstance(responses, list) or len(responses) != len(chunk):
                error = responses.get("error") if isinstance(responses, dict) else responses
                raise RpcError(
                    f"The Ethereum node at {self.shown_url} rejected a batch of requests: "
                    f"{self._scrub(str(error))}"
                )
            for response in responses:
                error = response.get("error")
                results.append(self._error(error) if error is not None else response.get("result"))
        return results

    def _error(self, error: Any) -> FilonError:
        """The `FilonError` for a JSON-RPC error object."""
        if not isinstance(error, dict):
            return RpcError(
                f"The Ethereum node at {self.shown_url} answered with an error: {self._scrub(str(error))}"
            )
        data = error.get("data")
        if isinstance(data, dict):
            data = data.get("data")
        message = str(error.get("message", ""))
        if (
            isinstance(data, str)
            and re.fullmatch(r"0x(?:[0-9a-fA-F]{2})*", data)
            and (data != "0x" or "revert" in message)
        ):
            return decode_revert(bytes.fromhex(data[2:]), self.w3.codec)
        if "revert" in message.lower():
            return decode_revert(b"", self.w3.codec)
        return RpcError(
            f"The Ethereum node at {self.shown_url} answered with an error: {self._scrub(message)}"
        )
