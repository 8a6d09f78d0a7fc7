"""Content-addressed photo storage on the local file system.

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
from pathlib import Path

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
