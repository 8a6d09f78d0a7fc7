#!/usr/bin/env python3
"""Check a fieldcheck export package offline: every file's SHA-256 and the Ed25519 signature.

    pip install cryptography
    python3 verify_package.py fieldcheck-2025.zip --public-key KEY
    python3 verify_package.py fieldcheck-2025/          (a directory works too)

KEY is the export public key shown on the office's public page (base64, 44 characters), or a file
holding it. Without --public-key the key written in the package is used and its fingerprint printed:
compare it with the fingerprint on the public page, or the check proves only that the package is
whole, not who made it.

Exit status 0 only when every file listed in datapackage.json is present with its size and SHA-256,
no other file is there, and datapackage.json is signed by the key; otherwise 1, and the first thing
that does not hold is named. Needs Python 3.9+ and the `cryptography` package, nothing else.
"""

from __future__ import annotations

import argparse
import base64
import hashlib
import json
import os
import sys
import zipfile
import zlib
from pathlib import Path, PurePosixPath

MANIFEST = "datapackage.json"
SIGNATURE = "datapackage.json.sig"
CHUNK = 1 << 20


class Failure(Exception):
    """The first thing that does not hold: which file, and what."""

    def __init__(self, name: str, problem: str):
        super().__init__(f"{name}: {problem}")
        self.name, self.problem = name, problem


def decode_key(text: str) -> bytes:
    """A raw 32-byte Ed25519 public key from its base64 text (or a file holding it)."""
    if os.path.isfile(text):
        text = Path(text).read_text("utf-8")
    text = text.strip()
    if text.startswith("ed25519:"):
        text = text[len("ed25519:"):]
    try:
        raw = base64.b64decode(text, validate=True)
    except ValueError:
        raise Failure("--public-key", "not base64") from None
    if len(raw) != 32:
        raise Failure("--public-key", "an Ed25519 public key is 32 bytes")
    return raw


def fingerprint(raw_key: bytes) -> str:
    """SHA-256 of the raw public key, hex: what the public page shows beside the key."""
    return hashlib.sha256(raw_key).hexdigest()


class Source:
    """The package's files, from a directory or a ZIP file, by their names inside the package."""

    def __init__(self, path: str):
        self.path = Path(path)
        self.zip = None
        if self.path.is_dir():
            names = []
            for root, dirs, files in os.walk(self.path):
                dirs.sort()
                for file in sorted(files):
                    names.append(Path(root, file).relative_to(self.path).as_posix())
            self.names = names
        elif zipfile.is_zipfile(self.path):
            self.zip = zipfile.ZipFile(self.path)
            names = [info.filename for info in self.zip.infolist() if not info.is_dir()]
            if len(names) != len(set(names)):
                raise Failure(str(self.path), "the ZIP holds a file name twice")
            self.names = names
        else:
            raise Failure(str(path), "neither a directory nor a ZIP file")

    def has(self, name: str) -> bool:
        return name in self.names

    def open(self, name: str):
        if self.zip is not None:
            return self.zip.open(name)
        return open(self.path / name, "rb")

    def read(self, name: str) -> bytes:
        with self.open(name) as handle:
            return handle.read()


def safe_name(name) -> str:
    """A resource path must stay inside the package."""
    if not isinstance(name, str) or not name:
        raise Failure(MANIFEST, f"a resource path is not a file name: {name!r}")
    path = PurePosixPath(name)
    if path.is_absolute() or ".." in path.parts or "\\" in name:
        raise Failure(MANIFEST, f"the resource path {name!r} leaves the package")
    return name


def check_signature(source: Source, manifest_bytes: bytes, manifest: dict, trusted: bytes | None) -> bytes:
    """The signature file must sign exactly these datapackage.json bytes with the expected key."""
    from cryptography.exceptions import InvalidSignature
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

    if not source.has(SIGNATURE):
        raise Failure(SIGNATURE, "missing: the package is not signed")
    try:
        signed = json.loads(source.read(SIGNATURE).decode("utf-8"))
    except (zipfile.BadZipFile, zlib.error, EOFError) as exc:
        raise Failure(SIGNATURE, f"damaged: {exc}") from None
    try:
        signature = base64.b64decode(signed["signature"], validate=True)
        stated_sha256 = signed["signed_sha256"]
        stated = (signed["algorithm"], signed["signed_file"], signed["public_key"])
        canonical = (json.dumps(signed, ensure_ascii=False, indent=2) + "\n").encode("utf-8")
    except (ValueError, KeyError, TypeError):
        raise Failure(SIGNATURE, "not a fieldcheck signature file") from None
    if source.read(SIGNATURE) != canonical:
        raise Failure(SIGNATURE, "not written as fieldcheck writes it (changed)")
    if stated_sha256 != hashlib.sha256(manifest_bytes).hexdigest():
        raise Failure(MANIFEST, "changed after it was signed (its SHA-256 is not the signed one)")
    stated_key = (manifest.get("fieldcheck") or {}).get("signature", {}).get("public_key")
    try:
        package_key = decode_key(stated_key or "")
    except Failure:
        raise Failure(MANIFEST, "names no valid signing key (fieldcheck.signature.public_key)") from None
    if stated != ("Ed25519", MANIFEST, stated_key):
        raise Failure(SIGNATURE, "names another algorithm, file or key than datapackage.json")
    key = trusted if trusted is not None else package_key
    if trusted is not None and trusted != package_key:
        raise Failure(SIGNATURE, f"made with key {fingerprint(package_key)}, not with the expected key "
                                 f"{fingerprint(trusted)}")
    try:
        Ed25519PublicKey.from_public_bytes(key).verify(signature, manifest_bytes)
    except InvalidSignature:
        raise Failure(SIGNATURE, "the signature does not verify with key " + fingerprint(key)) from None
    return key


def check_file(source: Source, resource: dict) -> str:
    name = safe_name(resource.get("path"))
    if not source.has(name):
        raise Failure(name, "missing")
    expected = resource.get("hash", "")
    if not isinstance(expected, str) or not expected.startswith("sha256:"):
        raise Failure(MANIFEST, f"no sha256 hash for {name}")
    digest, size = hashlib.sha256(), 0
    try:
        with source.open(name) as handle:
            for chunk in iter(lambda: handle.read(CHUNK), b""):
                digest.update(chunk)
                size += len(chunk)
    except (zipfile.BadZipFile, zlib.error, EOFError) as exc:
        raise Failure(name, f"damaged: {exc}") from None
    if "bytes" in resource and resource["bytes"] != size:
        raise Failure(name, f"{size} bytes, datapackage.json says {resource['bytes']}")
    if digest.hexdigest() != expected[len("sha256:"):]:
        raise Failure(name, f"SHA-256 {digest.hexdigest()} differs from datapackage.json's {expected[7:]}")
    return name


def verify(path: str, public_key: str | bytes | None = None, report=None) -> dict:
    """Check the package at `path`; raise Failure naming the first problem, else return a summary.

    `report(line)` is called for each file that holds (for a progress print).
    """
    trusted = decode_key(public_key) if isinstance(public_key, str) else public_key
    source = Source(path)
    if not source.has(MANIFEST):
        raise Failure(MANIFEST, "missing")
    try:
        manifest_bytes = source.read(MANIFEST)
    except (zipfile.BadZipFile, zlib.error, EOFError) as exc:
        raise Failure(MANIFEST, f"damaged: {exc}") from None
    try:
        manifest = json.loads(manifest_bytes.decode("utf-8"))
        resources = list(manifest["resources"])
    except (ValueError, KeyError, TypeError):
        raise Failure(MANIFEST, "not a data package (JSON with resources)") from None
    key = check_signature(source, manifest_bytes, manifest, trusted)
    if report:
        report(f"ok  {MANIFEST} signed by key {fingerprint(key)}")
    listed = {MANIFEST, SIGNATURE}
    for resource in resources:
        name = check_file(source, resource)
        listed.add(name)
        if report:
            report(f"ok  {name}  {resource['hash']}")
    for name in source.names:
        if name not in listed:
            raise Failure(name, "not listed in datapackage.json")
    return {"files": len(listed) - 2, "key_fingerprint": fingerprint(key), "key_given": trusted is not None,
            "cycle": (manifest.get("fieldcheck") or {}).get("cycle", {}).get("code")}


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description="Check a fieldcheck export package (directory or ZIP).")
    parser.add_argument("package")
    parser.add_argument("--public-key", help="the export public key from the public page (base64) or a file")
    parser.add_argument("--quiet", action="store_true")
    args = parser.parse_args(argv)
    try:
        summary = verify(args.package, args.public_key, None if args.quiet else print)
    except Failure as failure:
        print(f"FAILED  {failure.name}: {failure.problem}", file=sys.stderr)
        return 1
    except (OSError, zipfile.BadZipFile) as exc:
        print(f"FAILED  {args.package}: {exc}", file=sys.stderr)
        return 1
    print(f"OK  {summary['files']} files and the signature hold; key fingerprint {summary['key_fingerprint']}")
    if not summary["key_given"]:
        print("    (checked with the key inside the package: compare this fingerprint with the public page)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
