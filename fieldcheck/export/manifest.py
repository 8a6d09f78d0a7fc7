"""The package's manifest: resource descriptors with their SHA-256, datapackage.json and its signature.

Pure functions (no Flask, no database): the bytes of each file come in, the manifest and the
signature file go out. `verify_package.py` (standalone) checks what this writes.
"""

from __future__ import annotations

import base64
import hashlib
import json
import re
from collections.abc import Iterable, Iterator

from .cells import CONVENTION
from .verify_package import MANIFEST, SIGNATURE, fingerprint

# The version of the tables' layout: raised when a column is renamed, removed or changes meaning
# (adding a column or a table raises the minor number).
SCHEMA_VERSION = "1.0"
DATA_DIR = "data"
# Lines of CSV gathered before a write: few large writes instead of many small ones.
CHUNK_BYTES = 1 << 16


class Hashed:
    """Bytes passing through, counted and hashed (SHA-256) on the way."""

    def __init__(self, chunks: Iterable[bytes]):
        self.chunks = chunks
        self.digest = hashlib.sha256()
        self.bytes = 0
        self.done = False

    def __iter__(self) -> Iterator[bytes]:
        for chunk in self.chunks:
            self.digest.update(chunk)
            self.bytes += len(chunk)
            yield chunk
        self.done = True

    @property
    def hash(self) -> str:
        if not self.done:
            raise RuntimeError("the file has not been written to the end")
        return "sha256:" + self.digest.hexdigest()


def batched(lines: Iterable[str], size: int = CHUNK_BYTES) -> Iterator[bytes]:
    """Text lines as UTF-8 chunks of about `size` bytes."""
    parts, length = [], 0
    for line in lines:
        parts.append(line)
        length += len(line)
        if length >= size:
            yield "".join(parts).encode("utf-8")
            parts, length = [], 0
    if parts:
        yield "".join(parts).encode("utf-8")


def package_name(code: str) -> str:
    """A Data Package name (lowercase letters, digits, - _ .) for a cycle code."""
    return "fieldcheck-" + (re.sub(r"[^a-z0-9._-]+", "-", code.lower()).strip("-") or "cycle")


def resource(name: str, en: str, zh: str, schema: dict, hashed: Hashed, *, verbatim: bool = False) -> dict:
    """The descriptor of one CSV resource, with its size and SHA-256."""
    descriptor = {
        "name": name,
        "path": f"{DATA_DIR}/{name}.csv",
        "profile": "tabular-data-resource",
        "format": "csv",
        "mediatype": "text/csv",
        "encoding": "utf-8",
        "title": en,
        "description": en + (" Written verbatim (its bytes are the ones hashed when the frame was frozen)."
                             if verbatim else " String cells are neutralised against spreadsheet formulas "
                             "(see fieldcheck.csv.formula_injection)."),
        "description_zh": zh,
        "dialect": {"delimiter": ",", "lineTerminator": "\n", "quoteChar": '"', "doubleQuote": True, "header": True},
        "schema": schema,
        "bytes": hashed.bytes,
        "hash": hashed.hash,
    }
    return descriptor


def datapackage(name: str, title: str, created: str, resources: list[dict], fieldcheck: dict) -> dict:
    return {
        "profile": "tabular-data-package",
        "name": name,
        "title": title,
        "created": created,
        "schema_version": SCHEMA_VERSION,
        "resources": resources,
        "fieldcheck": {"schema_version": SCHEMA_VERSION, "csv": CONVENTION, **fieldcheck},
    }


def dumps(document: dict) -> bytes:
    """datapackage.json as written (UTF-8, indented, LF): these exact bytes are signed."""
    return (json.dumps(document, ensure_ascii=False, indent=2) + "\n").encode("utf-8")


def public_key_text(raw: bytes) -> str:
    return base64.b64encode(raw).decode("ascii")


def signature_block(raw_public_key: bytes) -> dict:
    """What datapackage.json says about its signature (the key is signed along with the rest)."""
    return {"algorithm": "Ed25519", "public_key": public_key_text(raw_public_key),
            "key_fingerprint_sha256": fingerprint(raw_public_key), "file": SIGNATURE, "signs": MANIFEST}


def signature_file(manifest_bytes: bytes, private_key) -> bytes:
    """datapackage.json.sig: the Ed25519 signature of the exact datapackage.json bytes.

    `private_key` is a cryptography Ed25519PrivateKey. The file also names the signed file's SHA-256,
    so that a checker can tell a changed datapackage.json from a replaced signature.
    """
    from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

    raw = private_key.public_key().public_bytes(Encoding.Raw, PublicFormat.Raw)
    return dumps({
        "algorithm": "Ed25519", "signed_file": MANIFEST,
        "signed_sha256": hashlib.sha256(manifest_bytes).hexdigest(),
        "public_key": public_key_text(raw),
        "signature": base64.b64encode(private_key.sign(manifest_bytes)).decode("ascii"),
    })
