"""``banquan keys``: create an encrypted keystore, show what it holds, export its public key.

Thin on purpose: parse the options, call :mod:`crypto.keystore`, print. The password comes
from ``--password-file``, else ``BANQUAN_KEYSTORE_PASSWORD``, else a hidden prompt.
"""

from __future__ import annotations

import json
import os
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, overload

import typer
from rich.console import Console

from cli.output import AsJson, refused
from registry.core.errors import ConfigurationError, RegistryError

if TYPE_CHECKING:
    from eth_account.signers.local import LocalAccount

    from crypto.signing import KeySigner, PrivateKey, PublicKey

PASSWORD_ENV = "BANQUAN_KEYSTORE_PASSWORD"  # noqa: S105 - the variable's name, not a password

keys_app = typer.Typer(help="Signing keys: SM2 or secp256k1, kept in encrypted keystores.")
console = Console(soft_wrap=True)


class KeystoreFormat(StrEnum):
    BANQUAN = "banquan"
    ETHEREUM_V3 = "ethereum-v3"


class PublicKeyFormat(StrEnum):
    HEX = "hex"
    PEM = "pem"
    JSON = "json"


# The choices and defaults of `keys new`, restated from crypto (Algorithm, Cipher, the default
# SM2 ID and scrypt cost): typer builds every command's options on each start of `banquan`, and
# crypto.signing and crypto.keystore import eth_account (a second). tests/cli/test_keys.py
# checks they agree with crypto's.
class KeyAlgorithm(StrEnum):
    SM2 = "sm2"
    SECP256K1 = "secp256k1"


class KeystoreCipher(StrEnum):
    SM4_GCM = "sm4-gcm"
    AES_256_GCM = "aes-256-gcm"


DEFAULT_SM2_ID = "1234567812345678"
DEFAULT_SCRYPT_N = 2**17


PasswordFile = Annotated[
    Path | None,
    typer.Option(help=f"Read the password from this file (else ${PASSWORD_ENV}, else prompt)"),
]


def open_keystore(path: Path, password_file: Path | None) -> PrivateKey:
    """The private key of a keystore file that only its owner may read (outside dev mode a
    keystore open to group or others is refused, like the master key file: someone else could
    have copied it and guessed its password at leisure).

    Raises :class:`InsecureKeyFile` and the crypto errors of a wrong password or keystore.
    """
    from crypto.keystore import decrypt_key, read_keystore
    from registry.content import check_private_file
    from registry.core.settings import Settings

    check_private_file(path, dev_mode=Settings().mode == "dev", what="keystore")
    return decrypt_key(read_keystore(path), read_password(password_file, confirm=False))


def ethereum_account(path: Path, password_file: Path | None) -> LocalAccount:
    """The Ethereum account of a secp256k1 keystore, which signs transactions; another key or a
    keystore that does not open is :class:`InvalidInput`."""
    from eth_account import Account

    from crypto.errors import CryptoError
    from crypto.secp256k1 import Secp256k1PrivateKey
    from registry.core.errors import InvalidInput

    try:
        private = open_keystore(path, password_file)
    except CryptoError as exc:
        raise InvalidInput(f"无法打开密钥库 cannot open the keystore: {exc}") from exc
    if not isinstance(private, Secp256k1PrivateKey):
        raise InvalidInput(
            "密钥库须为 secp256k1（以太坊）密钥 the keystore must hold a secp256k1 (Ethereum) key"
        )
    account: LocalAccount = Account.from_key(private.to_bytes())
    return account


@overload
def signer_from(path: Path, password_file: Path | None) -> KeySigner: ...
@overload
def signer_from(path: Path | None, password_file: Path | None) -> KeySigner | None: ...
def signer_from(path: Path | None, password_file: Path | None) -> KeySigner | None:
    """A signer over ``path``'s key (None without one); a refusal exits 2 with its reason."""
    if path is None:
        return None
    from crypto.errors import CryptoError
    from crypto.signing import KeySigner

    try:
        return KeySigner(open_keystore(path, password_file))
    except (RegistryError, ConfigurationError) as exc:
        raise refused(exc) from exc
    except CryptoError as exc:
        raise _fail(f"key: {exc}") from exc


def read_password(password_file: Path | None, *, confirm: bool) -> str:
    if password_file is not None:
        return password_file.read_text(encoding="utf-8").rstrip("\r\n")
    from_environment = os.environ.get(PASSWORD_ENV)
    if from_environment is not None:
        return from_environment
    password: str = typer.prompt("Keystore password", hide_input=True, confirmation_prompt=confirm)
    return password


def _fail(message: str) -> typer.Exit:
    console.print(f"[red]error[/red] {message}", markup=True, highlight=False)
    return typer.Exit(code=2)


def _describe(public_key: PublicKey) -> dict[str, str]:
    from crypto.signing import public_key_to_json
    from crypto.sm2 import SM2PublicKey

    description = public_key_to_json(public_key)
    description["public_key_compressed"] = public_key.to_bytes(compressed=True).hex()
    if not isinstance(public_key, SM2PublicKey):
        description["address"] = public_key.address
    return description


@keys_app.command()
def new(
    out: Annotated[Path, typer.Argument(help="Keystore file to create (never overwritten)")],
    algorithm: Annotated[KeyAlgorithm, typer.Option(help="Signature algorithm")] = KeyAlgorithm.SM2,
    sm2_id: Annotated[
        str, typer.Option(help="SM2 distinguishing ID (printable ASCII)")
    ] = DEFAULT_SM2_ID,
    cipher: Annotated[
        KeystoreCipher | None,
        typer.Option(help="Keystore cipher (default: sm4-gcm for SM2, aes-256-gcm)"),
    ] = None,
    keystore_format: Annotated[
        KeystoreFormat, typer.Option("--format", help="Keystore format")
    ] = KeystoreFormat.BANQUAN,
    scrypt_n: Annotated[
        int, typer.Option(help="scrypt cost n (a power of two)")
    ] = DEFAULT_SCRYPT_N,
    password_file: PasswordFile = None,
) -> None:
    """Create a new key and write it, encrypted, to OUT."""
    from crypto.errors import CryptoError
    from crypto.keystore import ETHEREUM_V3, FORMAT, encrypt_key, write_keystore
    from crypto.signing import Algorithm, generate_private_key, sm2_id_from_text
    from crypto.symmetric import Cipher

    if out.exists():
        raise _fail(f"{out} exists; a keystore is never overwritten")
    password = read_password(password_file, confirm=True)
    try:
        key = generate_private_key(Algorithm(algorithm), sm2_id=sm2_id_from_text(sm2_id))
        document = encrypt_key(
            key,
            password,
            cipher=None if cipher is None else Cipher(cipher),
            scrypt_n=scrypt_n,
            format=ETHEREUM_V3 if keystore_format is KeystoreFormat.ETHEREUM_V3 else FORMAT,
        )
        write_keystore(out, document)
    except (CryptoError, ValueError) as exc:
        raise _fail(str(exc)) from exc
    except FileExistsError as exc:
        raise _fail(f"{out} exists; a keystore is never overwritten") from exc
    console.print(f"wrote {out}", highlight=False)
    for name, value in _describe(key.public_key).items():
        console.print(f"{name:22} {value}", highlight=False)


@keys_app.command()
def show(
    keystore: Annotated[Path, typer.Argument(exists=True, dir_okay=False, readable=True)],
    as_json: AsJson = False,
    password_file: PasswordFile = None,
) -> None:
    """Show a keystore's algorithm, public key (and ID or address).

    An Ethereum V3 keystore stores only an address: its public key needs the password.
    """
    from crypto.errors import CryptoError
    from crypto.keystore import ETHEREUM_V3, decrypt_key, inspect_keystore, read_keystore

    try:
        document = read_keystore(keystore)
        if document.get("version") == 3:
            key = decrypt_key(document, read_password(password_file, confirm=False))
            public_key: PublicKey = key.public_key
            keystore_format = ETHEREUM_V3
        else:
            info = inspect_keystore(document)
            public_key, keystore_format = info.public_key, info.format
    except CryptoError as exc:
        raise _fail(str(exc)) from exc
    description = {"format": keystore_format, **_describe(public_key)}
    if as_json:
        print(json.dumps(description, indent=2))
        return
    for name, value in description.items():
        console.print(f"{name:22} {value}", highlight=False)


@keys_app.command(name="export-pub")
def export_pub(
    keystore: Annotated[Path, typer.Argument(exists=True, dir_okay=False, readable=True)],
    output_format: Annotated[
        PublicKeyFormat, typer.Option("--format", help="hex, pem (SM2 only) or json")
    ] = PublicKeyFormat.HEX,
    compressed: Annotated[bool, typer.Option(help="Compressed point (hex only)")] = False,
    password_file: PasswordFile = None,
) -> None:
    """Print a keystore's public key, for registering it or for other tools."""
    from crypto.errors import CryptoError
    from crypto.keystore import decrypt_key, inspect_keystore, read_keystore
    from crypto.signing import public_key_to_json
    from crypto.sm2 import SM2PublicKey

    try:
        document = read_keystore(keystore)
        if document.get("version") == 3:
            public_key: PublicKey = decrypt_key(
                document, read_password(password_file, confirm=False)
            ).public_key
        else:
            public_key = inspect_keystore(document).public_key
    except CryptoError as exc:
        raise _fail(str(exc)) from exc
    if output_format is PublicKeyFormat.PEM:
        if not isinstance(public_key, SM2PublicKey):
            raise _fail("PEM export is for SM2 keys; use --format hex or json")
        print(public_key.to_pem(), end="")
    elif output_format is PublicKeyFormat.JSON:
        print(json.dumps(public_key_to_json(public_key)))
    else:
        print(public_key.to_bytes(compressed=compressed).hex())
