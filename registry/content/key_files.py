"""Files that hold secrets (the master key, keystores): readable by their owner only.

Outside dev mode a secret file that its group or others may read (or write) stops start-up
with :class:`InsecureKeyFile`: anyone else on the machine could have copied it. In dev mode that
is a warning, and a missing master key file is created with a new key, mode 0600.
"""

from __future__ import annotations

import logging
import os
import secrets
import stat
from collections.abc import Callable
from pathlib import Path

from crypto.errors import CryptoError
from crypto.sm2 import SM2PrivateKey
from registry.core.errors import ConfigurationError, InsecureKeyFile, InvalidKeyFile

log = logging.getLogger(__name__)

# Bits of group and others: none may be set on a file that holds a secret.
SHARED_BITS = stat.S_IRWXG | stat.S_IRWXO


def check_private_file(path: Path, *, dev_mode: bool, what: str) -> None:
    """Refuse (or, in dev mode, warn about) ``path`` when its group or others have access."""
    mode = stat.S_IMODE(path.stat().st_mode)
    if not mode & SHARED_BITS:
        return
    details = {"path": str(path), "mode": f"{mode:04o}", "required": "0600"}
    message = f"the {what} {path} is accessible to group or others (mode {mode:04o}): chmod 600"
    if dev_mode:
        log.warning("%s (accepted in dev mode only)", message)
        return
    raise InsecureKeyFile(message, details=details)


def create_private_file(path: Path, text: str, *, what: str) -> None:
    """Write ``text`` into the new file ``path``, readable by its owner only (mode 0600 from
    the start); an existing file is never overwritten."""
    path.parent.mkdir(parents=True, exist_ok=True)
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(descriptor, "w", encoding="ascii") as out:
        out.write(text)
    log.info("created the %s %s (mode 0600)", what, path)


def existing_key_file(
    path: Path | None,
    *,
    dev_default: bool,
    new_key: Callable[[], str],
    what: str,
    refusal: type[ConfigurationError],
    unset: str,
) -> Path:
    """``path`` — a configured key file, or (``dev_default``) the development one, created with
    ``new_key()`` (mode 0600) when missing; ``refusal`` when there is none (``unset``, the
    setting to give) or the file does not exist."""
    if path is None:
        raise refusal(unset)
    if dev_default and not path.exists():
        create_private_file(path, new_key(), what=what)
    if not path.exists():
        raise refusal(f"the {what} {path} does not exist", details={"path": str(path)})
    return path


def read_sm2_key_file(
    path: Path, *, dev_mode: bool, what: str, refusal: type[ConfigurationError], named: str
) -> SM2PrivateKey:
    """The SM2 private key (PEM) in ``path``, checked to be private first; ``refusal`` (with
    the path, the file ``named`` so) when it holds no such key."""
    check_private_file(path, dev_mode=dev_mode, what=what)
    try:
        return SM2PrivateKey.from_pem(path.read_bytes())
    except (CryptoError, ValueError) as exc:
        raise refusal(
            f"{named} {path} is not an SM2 private key (PEM)", details={"path": str(path)}
        ) from exc


def read_master_key_file(path: Path, *, dev_mode: bool) -> str:
    """The master key (64 hex digits) held in ``path``, checked to be private first.

    In dev mode a missing file is created with a new random key, readable by its owner only.
    """
    if not path.exists():
        if not dev_mode:
            raise InvalidKeyFile(
                f"the master key file {path} does not exist", details={"path": str(path)}
            )
        create_private_file(path, secrets.token_hex(32) + "\n", what="master key file")
    check_private_file(path, dev_mode=dev_mode, what="master key file")
    text = path.read_text(encoding="ascii", errors="replace").strip().removeprefix("0x")
    try:
        key = bytes.fromhex(text)
    except ValueError:
        key = b""
    if len(key) != 32:
        raise InvalidKeyFile(
            f"the master key file {path} must hold 32 bytes as 64 hex digits",
            details={"path": str(path)},
        )
    return text
