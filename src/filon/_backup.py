"""Backups of what a participant cannot fetch again, in one file encrypted with a passphrase.

A holder's passport salts are its one secret that nothing can make again: lose them and no field of its
passports can ever be disclosed. Documents can be fetched again from whoever holds them, but the holder's own
store may be the only copy. A backup therefore holds the whole secret folder (the salts, and every other
secret Filón keeps beside them) and the local document store, with a manifest saying what it holds.

The file: `MAGIC`, then one line of JSON (the format, the scrypt parameters and salt, the AES-256-GCM nonce),
then the ciphertext and its 16-byte tag. The key is scrypt(passphrase); the header line is authenticated with
the ciphertext, so any change to the file (or a wrong passphrase) fails the tag check and nothing is restored.
The plaintext is a gzipped tar of `manifest.json`, `secrets/...` and `store/...`. The ciphers come from
pycryptodome, which eth-account already relies on for keystores.
"""

from __future__ import annotations

import datetime
import gzip
import io
import json
import os
import tarfile
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import Any

from Crypto.Cipher import AES
from Crypto.Protocol.KDF import scrypt
from Crypto.Random import get_random_bytes

from filon._deployment import Deployment
from filon._errors import FilonError, InvalidInput

MAGIC = b"FILON-BACKUP\n"
FORMAT = 1
SCRYPT_N = 2**17  # 128 MiB and about half a second: each guess of the passphrase costs as much
SCRYPT_R = 8
SCRYPT_P = 1
MIN_PASSPHRASE_CHARS = 10
_TAG_BYTES = 16
_MAX_HEADER_BYTES = 4_096
_AREAS = ("secrets", "store")
_EXISTS = "{path} already exists: a backup is never overwritten, choose another file"


class BackupError(FilonError):
    """A backup cannot be written or read as asked; nothing was written."""


class BackupRefused(BackupError):
    """The backup file does not open: a wrong passphrase, or a file altered, damaged or not a backup."""


class BackupConflict(BackupError, FileExistsError):
    """Restoring would replace files that differ from the backup's; nothing was restored.

    Attributes:
        paths: The differing files.
    """

    def __init__(self, message: str, *, paths: tuple[Path, ...]) -> None:
        super().__init__(message)
        self.paths = paths


@dataclass(frozen=True)
class BackupContents:
    """What a backup holds, from its manifest.

    Attributes:
        created: When it was made (ISO 8601, UTC).
        deployment: The deployment it was made for (`chain_id`, `contract`), if one was named.
        account: The participant's address, if one was named.
        secrets: The files of the secret folder, relative to it.
        documents: The files of the document store, relative to it.
    """

    created: str
    deployment: dict[str, Any] | None
    account: str | None
    secrets: tuple[str, ...]
    documents: tuple[str, ...]


@dataclass(frozen=True)
class Restored:
    """What `restore_backup` did.

    Attributes:
        contents: The backup's manifest.
        written: The files written (they were missing).
        unchanged: The files already there with the same bytes.
    """

    contents: BackupContents
    written: tuple[Path, ...]
    unchanged: tuple[Path, ...]


def create_backup(
    path: Path,
    passphrase: str,
    *,
    secrets_folder: Path,
    store_folder: Path,
    deployment: Deployment | None = None,
    account: str | None = None,
) -> BackupContents:
    """Writes a new backup of `secrets_folder` and `store_folder` to `path`.

    Args:
        path: The backup file; it must not exist (a backup is never overwritten).
        passphrase: What encrypts it (at least `MIN_PASSPHRASE_CHARS` characters).
        secrets_folder: The holder's secret folder (its salts), all of it.
        store_folder: Its local document store.
        deployment: The deployment, recorded in the manifest.
        account: The participant's address, recorded in the manifest.

    Returns:
        What the backup holds.

    Raises:
        InvalidInput: The passphrase is too short.
        BackupError: `path` exists, or a file cannot be read or written.
    """
    _check_passphrase(passphrase)
    if path.exists():
        raise BackupError(_EXISTS.format(path=path))
    files = {
        area: dict(_files(folder))
        for area, folder in zip(_AREAS, (secrets_folder, store_folder), strict=True)
    }
    contents = BackupContents(
        created=datetime.datetime.now(datetime.UTC).isoformat(timespec="seconds"),
        deployment=None
        if deployment is None
        else {"chain_id": deployment.chain_id, "contract": deployment.address},
        account=account,
        secrets=tuple(sorted(files["secrets"])),
        documents=tuple(sorted(files["store"])),
    )
    archive = io.BytesIO()
    with tarfile.open(fileobj=archive, mode="w:gz", format=tarfile.PAX_FORMAT) as tar:
        _add(tar, "manifest.json", json.dumps(_manifest(contents), indent=2).encode())
        for area, found in files.items():
            for name, data in sorted(found.items()):
                _add(tar, f"{area}/{name}", data)
    _write_new(path, _seal(archive.getvalue(), passphrase))
    return contents


def restore_backup(path: Path, passphrase: str, *, secrets_folder: Path, store_folder: Path) -> Restored:
    """Restores a backup into `secrets_folder` and `store_folder`: the files missing there are written (the
    secrets readable by their owner only), those already there with the same bytes are left alone.

    Nothing is written unless the whole file opens and checks out, and no file already there differs from the
    backup's (a file is never overwritten silently: move the differing ones away and restore again).

    Raises:
        BackupRefused: A wrong passphrase, or a file altered, damaged or not a backup.
        BackupConflict: Files already there differ from the backup's.
        BackupError: A file cannot be read or written.
    """
    contents, files = read_backup(path, passphrase)
    roots = dict(zip(_AREAS, (secrets_folder, store_folder), strict=True))
    targets = [(roots[area] / name, area, data) for (area, name), data in files.items()]
    differing = tuple(target for target, _, data in targets if _differs(target, data))
    if differing:
        shown = ", ".join(str(target) for target in differing[:5])
        more = f" and {len(differing) - 5} more" if len(differing) > 5 else ""
        raise BackupConflict(
            f"Not restored: {len(differing)} file(s) already there differ from the backup's ({shown}{more}); "
            "move them away and restore again",
            paths=differing,
        )
    written, unchanged = [], []
    for target, area, data in targets:
        if target.exists():
            unchanged.append(target)
            continue
        _write_file(target, data, private=area == "secrets")
        written.append(target)
    return Restored(contents, tuple(written), tuple(unchanged))


def read_backup(path: Path, passphrase: str) -> tuple[BackupContents, dict[tuple[str, str], bytes]]:
    """Opens a backup: its manifest, and its files by (area, relative path) (areas `secrets` and `store`).

    Raises:
        BackupRefused: A wrong passphrase, or a file altered, damaged or not a backup.
        BackupError: The file cannot be read.
    """
    try:
        sealed = path.read_bytes()
    except OSError as exc:
        raise BackupError(f"Cannot read {path}: {exc.strerror or exc}") from None
    archive = _open(sealed, passphrase, path)
    files: dict[tuple[str, str], bytes] = {}
    manifest: dict[str, Any] | None = None
    try:
        with tarfile.open(fileobj=io.BytesIO(archive), mode="r:gz") as tar:
            for member in tar:
                data = _member(tar, member, path)
                if member.name == "manifest.json":
                    manifest = json.loads(data)
                    continue
                area, _, name = member.name.partition("/")
                files[(area, name)] = data
        if manifest is None:
            raise ValueError("no manifest")
        contents = BackupContents(
            created=str(manifest["created"]),
            deployment=manifest["deployment"],
            account=manifest["account"],
            secrets=tuple(manifest["secrets"]),
            documents=tuple(manifest["documents"]),
        )
    except (tarfile.TarError, gzip.BadGzipFile, EOFError, ValueError, KeyError, TypeError) as exc:
        raise BackupRefused(f"{path} opens but is not a Filón backup this version reads ({exc})") from None
    return contents, files


# ----------------------------------------------------------------------------- the sealed file


def _check_passphrase(passphrase: str) -> None:
    if len(passphrase) < MIN_PASSPHRASE_CHARS:
        raise InvalidInput(
            f"A backup passphrase has at least {MIN_PASSPHRASE_CHARS} characters: it is all that protects "
            "the salts once the file leaves the machine"
        )


def _seal(plaintext: bytes, passphrase: str) -> bytes:
    salt, nonce = get_random_bytes(16), get_random_bytes(12)
    header = {
        "format": FORMAT,
        "kdf": {"name": "scrypt", "n": SCRYPT_N, "r": SCRYPT_R, "p": SCRYPT_P, "salt": salt.hex()},
        "cipher": {"name": "AES-256-GCM", "nonce": nonce.hex()},
    }
    line = json.dumps(header, sort_keys=True).encode() + b"\n"
    cipher = AES.new(_key(passphrase, salt, SCRYPT_N, SCRYPT_R, SCRYPT_P), AES.MODE_GCM, nonce=nonce)
    cipher.update(MAGIC + line)
    ciphertext, tag = cipher.encrypt_and_digest(plaintext)
    return MAGIC + line + ciphertext + tag


def _open(sealed: bytes, passphrase: str, path: Path) -> bytes:
    refused = f"{path} does not open: wrong passphrase, or the file was altered or damaged"
    if not sealed.startswith(MAGIC):
        raise BackupRefused(f"{path} is not a Filón backup file")
    end = sealed.find(b"\n", len(MAGIC), len(MAGIC) + _MAX_HEADER_BYTES)
    if end < 0:
        raise BackupRefused(refused)
    line = sealed[len(MAGIC) : end + 1]
    try:
        header = json.loads(line)
        if header["format"] != FORMAT:
            raise BackupRefused(f"{path} is a backup of format {header['format']}; this Filón reads {FORMAT}")
        kdf, cipher_spec = header["kdf"], header["cipher"]
        if kdf["name"] != "scrypt" or cipher_spec["name"] != "AES-256-GCM":
            raise ValueError("unknown algorithm")
        n, r, p = int(kdf["n"]), int(kdf["r"]), int(kdf["p"])
        # A file states its own cost: bounded so that opening one never takes more than 512 MiB.
        if not (2**14 <= n <= 2**18 and n & (n - 1) == 0 and 1 <= r <= 16 and 1 <= p <= 4):
            raise ValueError("scrypt parameters out of range")
        key = _key(passphrase, bytes.fromhex(kdf["salt"]), n, r, p)
        nonce = bytes.fromhex(cipher_spec["nonce"])
    except (ValueError, KeyError, TypeError):
        raise BackupRefused(refused) from None
    body = sealed[end + 1 :]
    if len(body) < _TAG_BYTES:
        raise BackupRefused(refused)
    cipher = AES.new(key, AES.MODE_GCM, nonce=nonce)
    cipher.update(MAGIC + line)
    try:
        return bytes(cipher.decrypt_and_verify(body[:-_TAG_BYTES], body[-_TAG_BYTES:]))
    except ValueError:  # the tag does not match
        raise BackupRefused(refused) from None


def _key(passphrase: str, salt: bytes, n: int, r: int, p: int) -> bytes:
    key = scrypt(passphrase.encode(), salt, key_len=32, N=n, r=r, p=p)  # type: ignore[arg-type]
    assert isinstance(key, bytes)
    return key


# ----------------------------------------------------------------------------- files


def _files(folder: Path) -> Iterator[tuple[str, bytes]]:
    """Every regular file under `folder` (relative POSIX path, bytes); links are not followed, temporary
    files of an interrupted write are left out."""
    if not folder.is_dir():
        return
    for root, dirs, names in os.walk(folder):
        dirs.sort()
        for name in sorted(names):
            file = Path(root) / name
            if file.is_symlink() or not file.is_file() or name.startswith(".tmp") or name.endswith(".tmp"):
                continue
            try:
                yield file.relative_to(folder).as_posix(), file.read_bytes()
            except OSError as exc:
                raise BackupError(f"Cannot read {file}: {exc.strerror or exc}") from None


def _manifest(contents: BackupContents) -> dict[str, Any]:
    return {
        "format": FORMAT,
        "created": contents.created,
        "deployment": contents.deployment,
        "account": contents.account,
        "includes": {
            "secrets": "the whole secret folder: passport salts, and any other secret kept beside them",
            "store": "the local document store: documents and published passport packages",
        },
        "secrets": list(contents.secrets),
        "documents": list(contents.documents),
    }


def _add(tar: tarfile.TarFile, name: str, data: bytes) -> None:
    info = tarfile.TarInfo(name)
    info.size = len(data)
    info.mode = 0o600
    tar.addfile(info, io.BytesIO(data))


def _member(tar: tarfile.TarFile, member: tarfile.TarInfo, path: Path) -> bytes:
    """A member's bytes; only regular files with a plain relative name under an area, or the manifest."""
    parts = PurePosixPath(member.name).parts
    safe = member.name == "manifest.json" or (
        len(parts) >= 2
        and parts[0] in _AREAS
        and all(part not in ("", ".", "..") for part in parts)
        and not PurePosixPath(member.name).is_absolute()
        and "\\" not in member.name
    )
    if not member.isfile() or not safe:
        raise ValueError(f"unexpected entry {member.name!r}")
    extracted = tar.extractfile(member)
    if extracted is None:
        raise ValueError(f"unreadable entry {member.name!r}")
    return extracted.read()


def _differs(target: Path, data: bytes) -> bool:
    if target.is_symlink() or (target.exists() and not target.is_file()):
        return True
    try:
        return target.read_bytes() != data
    except FileNotFoundError:
        return False
    except OSError as exc:
        raise BackupError(f"Cannot read {target}: {exc.strerror or exc}") from None


def _write_new(path: Path, data: bytes) -> None:
    """Writes `path`, which must not exist, whole or not at all: a temporary file beside it, synced, then
    linked to its name (which fails if the name was taken meanwhile)."""
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=".tmp-backup-")
        try:
            with os.fdopen(handle, "wb") as out:
                out.write(data)
                out.flush()
                os.fsync(out.fileno())
            os.link(temporary, path)
        finally:
            os.unlink(temporary)
    except FileExistsError:
        raise BackupError(
            f"{path} already exists: a backup is never overwritten, choose another file"
        ) from None
    except OSError as exc:
        raise BackupError(f"Cannot write {path}: {exc.strerror or exc}") from None


def _write_file(target: Path, data: bytes, *, private: bool) -> None:
    try:
        target.parent.mkdir(parents=True, exist_ok=True, mode=0o700 if private else 0o777)
        handle, temporary = tempfile.mkstemp(dir=target.parent, prefix=".tmp-restore-")
        try:
            os.fchmod(handle, 0o600 if private else 0o644)
            with os.fdopen(handle, "wb") as out:
                out.write(data)
                out.flush()
                os.fsync(out.fileno())
            os.replace(temporary, target)
        except BaseException:
            if os.path.exists(temporary):
                os.unlink(temporary)
            raise
    except OSError as exc:
        raise BackupError(f"Cannot write {target}: {exc.strerror or exc}") from None
