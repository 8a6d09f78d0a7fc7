"""The installation's Ed25519 export key: created on first use, kept in a file outside the database.

Where: `FIELDCHECK_EXPORT_KEY_FILE` (config `EXPORT_KEY_FILE`), by default
`<instance folder>/export-signing-key.pem`. It is never in the database (a database copy must not
carry the means to sign) and never in the uploads folder (which may be served or synced); the app
refuses a path inside it. The file is created with mode 0600; back it up with the instance folder.
Rotating the key: move the file away; the next export creates a new key, and the public page then
shows the new public key (packages signed before keep verifying with the old public key).
"""

from __future__ import annotations

import os
from pathlib import Path

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives.serialization import (Encoding, NoEncryption, PrivateFormat, PublicFormat,
                                                          load_pem_private_key)
from flask import current_app

from ..errors import OperationError
from .manifest import public_key_text
from .verify_package import fingerprint

KEY_FILE_NAME = "export-signing-key.pem"


def key_path() -> Path:
    configured = current_app.config.get("EXPORT_KEY_FILE") or os.environ.get("FIELDCHECK_EXPORT_KEY_FILE")
    path = Path(configured) if configured else Path(current_app.instance_path) / KEY_FILE_NAME
    path = path.resolve()
    uploads = current_app.config.get("UPLOAD_FOLDER")
    if uploads and path.is_relative_to(Path(uploads).resolve()):
        raise OperationError(f"The export key must not be kept in the uploads folder ({path}).")
    return path


def _load(path: Path) -> Ed25519PrivateKey:
    key = load_pem_private_key(path.read_bytes(), password=None)
    if not isinstance(key, Ed25519PrivateKey):
        raise OperationError(f"{path} does not hold an Ed25519 key.")
    return key


def existing_key() -> Ed25519PrivateKey | None:
    """The key if it has been created (never creates one: for checks and the public page)."""
    path = key_path()
    return _load(path) if path.exists() else None


def signing_key() -> Ed25519PrivateKey:
    """The key, created on first use (two processes racing: one creates, the other reads it)."""
    path = key_path()
    if path.exists():
        return _load(path)
    key = Ed25519PrivateKey.generate()
    pem = key.private_bytes(Encoding.PEM, PrivateFormat.PKCS8, NoEncryption())
    path.parent.mkdir(parents=True, exist_ok=True)
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        return _load(path)
    with os.fdopen(fd, "wb") as handle:
        handle.write(pem)
    return key


def raw_public_key(key: Ed25519PrivateKey) -> bytes:
    return key.public_key().public_bytes(Encoding.Raw, PublicFormat.Raw)


def public_key_info(create: bool = False) -> dict | None:
    """The public key (base64) and its fingerprint for the public page; None when there is no key yet."""
    key = signing_key() if create else existing_key()
    if key is None:
        return None
    raw = raw_public_key(key)
    return {"public_key": public_key_text(raw), "fingerprint": fingerprint(raw)}
