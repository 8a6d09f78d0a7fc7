"""Content-addressed photo storage: the local file system (default) or an S3-compatible bucket.

An original lives at ``root/ab/cd/<sha256>`` (ab, cd: the first two pairs of hex digits, so no
directory grows huge); its rendered copies at ``root/ab/cd/<sha256>.<kind>.jpg``. Every write
goes to a temporary file in the target directory, is fsynced and then renamed over the target,
so a reader or a crash never sees half a file. Files are created readable by the app's user
only (mkstemp's 0600): photos show people and places.
"""

from __future__ import annotations

import hashlib
import os
import re
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import parse_qsl, urlsplit

DERIVED_KINDS: frozenset[str] = frozenset({"display", "thumb"})
_SHA256_RE = re.compile(r"[0-9a-f]{64}")


def is_sha256(text: str) -> bool:
    """Whether `text` is 64 lowercase hex digits (a content address)."""
    return isinstance(text, str) and _SHA256_RE.fullmatch(text) is not None


def blob_path(root: Path, sha256: str) -> Path:
    """Where the original with this digest lives; ValueError unless 64 lowercase hex digits."""
    # The strict check is what keeps a caller-supplied digest from ever becoming a path
    # traversal ("../..", absolute paths, separators).
    if not isinstance(sha256, str) or _SHA256_RE.fullmatch(sha256) is None:
        raise ValueError(f"not a lowercase hex SHA-256: {sha256!r}")
    return Path(root) / sha256[:2] / sha256[2:4] / sha256


def derived_path(root: Path, sha256: str, kind: str) -> Path:
    """Where the rendered copy of this kind ("display" or "thumb") of an original lives."""
    if kind not in DERIVED_KINDS:
        raise ValueError(f"unknown derived kind: {kind!r}")
    original = blob_path(root, sha256)
    return original.with_name(f"{sha256}.{kind}.jpg")


def store_blob(root: Path, data: bytes, sha256: str | None = None) -> Path:
    """Store an original under its SHA-256 and return its path; a no-op if already stored.

    When ``sha256`` is given it must match the data (ValueError otherwise), which catches a
    client and server disagreeing about what was uploaded.
    """
    actual = hashlib.sha256(data).hexdigest()
    if sha256 is not None:
        blob_path(root, sha256)  # validates the format first, for a clearer error
        if sha256 != actual:
            raise ValueError(f"SHA-256 mismatch: expected {sha256}, data is {actual}")
    path = blob_path(root, actual)
    if not path.exists():
        # Two concurrent uploads of the same photo both write the same bytes; the rename
        # makes either outcome a complete file.
        _atomic_write(path, data)
    return path


def store_derived(root: Path, sha256: str, kind: str, data: bytes) -> Path:
    """Store (or replace) a rendered copy of an original and return its path."""
    path = derived_path(root, sha256, kind)
    # Replaced rather than skipped: a re-render (e.g. after a Pillow upgrade) should win.
    _atomic_write(path, data)
    return path


def _atomic_write(path: Path, data: bytes) -> None:
    directory = path.parent
    directory.mkdir(parents=True, exist_ok=True)
    fd, tmp_name = tempfile.mkstemp(dir=directory, prefix=".tmp-", suffix=".part")
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp_name, path)
    except BaseException:
        # Never leave a stray temporary file behind, whatever went wrong.
        try:
            os.unlink(tmp_name)
        except FileNotFoundError:
            pass
        raise
    _fsync_dir(directory)


def _fsync_dir(directory: Path) -> None:
    """Persist the rename itself; POSIX only (Windows cannot open directories)."""
    if os.name != "posix":
        return
    dir_fd = os.open(directory, os.O_RDONLY)
    try:
        os.fsync(dir_fd)
    finally:
        os.close(dir_fd)


# --- Where photos live: the local folder above, or any S3-compatible store -----------------------

@dataclass(frozen=True)
class StoredFile:
    key: str  # "ab/cd/<sha256>" or "ab/cd/<sha256>.<kind>.jpg"
    size: int
    modified_at: float  # seconds since the epoch


def original_key(sha256: str) -> str:
    return blob_path(Path(""), sha256).as_posix()


def derived_key(sha256: str, kind: str) -> str:
    return derived_path(Path(""), sha256, kind).as_posix()


class FolderStore:
    """Photos in a local folder (the default): atomic writes, files readable by the app's user only."""

    def __init__(self, root: Path):
        self.root = Path(root)

    def path(self, key: str) -> Path:
        return self.root / key

    def put(self, key: str, data: bytes) -> None:
        _atomic_write(self.path(key), data)

    def get(self, key: str) -> bytes | None:
        try:
            return self.path(key).read_bytes()
        except FileNotFoundError:
            return None

    def exists(self, key: str) -> bool:
        return self.path(key).is_file()

    def delete(self, key: str) -> None:
        self.path(key).unlink(missing_ok=True)

    def listing(self) -> Iterator[StoredFile]:
        if not self.root.is_dir():
            return
        for path in sorted(self.root.rglob("*")):
            if path.is_file():
                stat = path.stat()
                yield StoredFile(path.relative_to(self.root).as_posix(), stat.st_size, stat.st_mtime)


class S3Store:
    """Photos in a bucket of an S3-compatible store (AWS, MinIO, SeaweedFS…), never publicly readable.

    An object is written in one PUT, which S3 makes visible whole or not at all; photos reach people
    only through the app's access checks (the app reads the object and serves it).
    """

    def __init__(self, bucket: str, *, endpoint: str | None = None, region: str | None = None,
                 access_key: str | None = None, secret_key: str | None = None, prefix: str = ""):
        import boto3  # on use: the folder store, the default, needs none of boto3's 0.5 s import
        from botocore.config import Config

        self.bucket, self.prefix = bucket, prefix.strip("/") + "/" if prefix.strip("/") else ""
        self.client = boto3.client(
            "s3", endpoint_url=endpoint, region_name=region or "us-east-1", aws_access_key_id=access_key,
            aws_secret_access_key=secret_key,
            config=Config(s3={"addressing_style": "path"}, retries={"max_attempts": 5, "mode": "standard"}))

    def _key(self, key: str) -> str:
        return self.prefix + key

    def put(self, key: str, data: bytes) -> None:
        self.client.put_object(Bucket=self.bucket, Key=self._key(key), Body=data,
                               ChecksumAlgorithm="SHA256")

    def get(self, key: str) -> bytes | None:
        try:
            return self.client.get_object(Bucket=self.bucket, Key=self._key(key))["Body"].read()
        except self.client.exceptions.NoSuchKey:
            return None

    def exists(self, key: str) -> bool:
        try:
            self.client.head_object(Bucket=self.bucket, Key=self._key(key))
            return True
        except self.client.exceptions.ClientError as exc:
            if exc.response.get("Error", {}).get("Code") in ("404", "NoSuchKey", "NotFound"):
                return False
            raise

    def delete(self, key: str) -> None:
        self.client.delete_object(Bucket=self.bucket, Key=self._key(key))

    def listing(self) -> Iterator[StoredFile]:
        pages = self.client.get_paginator("list_objects_v2").paginate(Bucket=self.bucket, Prefix=self.prefix)
        for page in pages:
            for item in page.get("Contents", []):
                yield StoredFile(item["Key"][len(self.prefix):], item["Size"], item["LastModified"].timestamp())


PhotoStore = FolderStore | S3Store


def open_store(url: str | None, folder: Path, access_key: str | None = None,
               secret_key: str | None = None) -> PhotoStore:
    """The store a storage URL names: none or `file:` for the folder, `s3://bucket[/prefix]?endpoint=…&region=…`."""
    if not url or url.startswith("file:"):
        return FolderStore(Path(url[len("file:"):]) if url and len(url) > 5 else folder)
    parts = urlsplit(url)
    if parts.scheme != "s3" or not parts.netloc:
        raise ValueError(f"not a storage URL: {url!r} (use s3://bucket?endpoint=…)")
    query = dict(parse_qsl(parts.query))
    return S3Store(parts.netloc, endpoint=query.get("endpoint"), region=query.get("region"), access_key=access_key,
                   secret_key=secret_key, prefix=parts.path)


def store_original(store: PhotoStore, data: bytes, sha256: str) -> None:
    """Store an original under its SHA-256 (checked against the data); a no-op when it is there."""
    if hashlib.sha256(data).hexdigest() != sha256:
        raise ValueError(f"SHA-256 mismatch for {sha256}")
    key = original_key(sha256)
    if not store.exists(key):
        store.put(key, data)
