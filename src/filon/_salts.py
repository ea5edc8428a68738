"""`SaltFolder`: where a holder keeps the salts of its passports, its one secret that cannot be made again,
and the content keys of their confidential layers.

A passport's Merkle leaves are salted; whoever has a field's salt can disclose that field with a proof. The
salts therefore never leave the holder's machine (the published package carries only the salts of the fields
it discloses). Each file is written owner-only, synced, and atomically replaced.
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable, Mapping
from pathlib import Path

from filon._deployment import Deployment
from filon._errors import PassportUnavailable


def default_salts_folder(store_path: Path) -> Path:
    """The holder's secret folder beside a document store folder: `<store's parent>/salts`. Every secret
    Filón keeps for the holder lives under it, so that a backup of it (`filon backup`) covers them all."""
    return store_path.parent / "salts"


class SaltFolder:
    """The salts of one deployment's passports under `path` (`<path>/<chain id>-<contract>/`).

    Args:
        path: The holder's salt folder.
        deployment: The deployment whose passports these are.
    """

    def __init__(self, path: Path, deployment: Deployment) -> None:
        self.path = path
        self._folder = path / f"{deployment.chain_id}-{deployment.address}"

    def __repr__(self) -> str:
        return f"<SaltFolder {self._folder}>"

    def keep(self, root: bytes, salts: Mapping[str, bytes]) -> Path:
        """Writes a prepared passport's salts under its root, before anything is sent: a transaction that
        times out, or a crash before `save`, must never lose them."""
        return _write_private(self._folder / f"root-{root.hex()}.json", salts)

    def save(self, lot_id: int, version: int, salts: Mapping[str, bytes]) -> Path:
        """Writes the salts of a recorded passport version."""
        return _write_private(self._lot_path(lot_id, version), salts)

    def load(self, lot_id: int, version: int, root: Callable[[], bytes]) -> dict[str, bytes]:
        """The salts of a passport version, by lot and version, else by its root (`root()` gives the root
        recorded for that version; it is asked only when needed).

        Raises:
            PassportUnavailable: This holder kept no salts for that version.
        """
        path = self._lot_path(lot_id, version)
        if not path.exists():
            path = self._folder / f"root-{root().hex()}.json"
        try:
            data = json.loads(path.read_text())
        except FileNotFoundError:
            raise PassportUnavailable(
                f"No salts are kept for lot {lot_id} version {version} in {self.path}"
            ) from None
        return {name: bytes.fromhex(text.removeprefix("0x")) for name, text in data.items()}

    def keep_content_key(self, root: bytes, holder: str, content_key: bytes) -> Path:
        """Writes the content key of a prepared passport's confidential layer under its root and its holder's
        address, before anything is sent (like the salts): without it the holder could not grant its layer
        to anyone. Filed by holder so that accounts sharing one folder (a demo on one machine) each read
        only their own layers' keys."""
        return _write_private(self._key_path(root, holder), {"content_key": content_key})

    def content_key(self, root: bytes, holder: str) -> bytes | None:
        """The content key `holder` kept for the confidential layer of the passport of this root, or None."""
        try:
            data = json.loads(self._key_path(root, holder).read_text())
        except FileNotFoundError:
            return None
        return bytes.fromhex(str(data["content_key"]).removeprefix("0x"))

    def _key_path(self, root: bytes, holder: str) -> Path:
        return self._folder / f"layer-{root.hex()}-{holder.lower()}.json"

    def _lot_path(self, lot_id: int, version: int) -> Path:
        return self._folder / f"lot-{lot_id}-v{version}.json"


def _write_private(path: Path, salts: Mapping[str, bytes]) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_suffix(".tmp")
    fd = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as out:
        json.dump({name: "0x" + salt.hex() for name, salt in salts.items()}, out, sort_keys=True)
        out.flush()
        os.fsync(out.fileno())
    temporary.replace(path)
    return path
