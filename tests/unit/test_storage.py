"""Content-addressed, atomic photo storage."""

from __future__ import annotations

import hashlib
import os
from pathlib import Path

import pytest

from fieldcheck.evidence import storage
from fieldcheck.evidence.storage import blob_path, derived_path, store_blob, store_derived

DATA = b"\xff\xd8\xff not really a photo, storage does not care"
SHA = hashlib.sha256(DATA).hexdigest()


def all_files(root: Path) -> list[Path]:
    return sorted(p for p in root.rglob("*") if p.is_file())


def test_store_blob_is_content_addressed(tmp_path: Path) -> None:
    path = store_blob(tmp_path, DATA)
    assert path == tmp_path / SHA[:2] / SHA[2:4] / SHA == blob_path(tmp_path, SHA)
    assert path.read_bytes() == DATA
    assert all_files(tmp_path) == [path]  # no temporary file left behind


def test_same_content_twice_is_one_file(tmp_path: Path) -> None:
    first = store_blob(tmp_path, DATA, SHA)
    mtime = first.stat().st_mtime_ns
    second = store_blob(tmp_path, DATA)
    assert first == second and all_files(tmp_path) == [first]
    assert first.stat().st_mtime_ns == mtime  # left untouched, not rewritten


def test_sha_mismatch_is_rejected_and_nothing_written(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="mismatch"):
        store_blob(tmp_path, DATA, hashlib.sha256(b"other").hexdigest())
    assert all_files(tmp_path) == []


@pytest.mark.parametrize(
    "bad",
    [
        SHA.upper(),
        SHA[:-1],
        SHA + "0",
        "../" + SHA[3:],
        "/etc/passwd",
        "..",
        "",
        "g" * 64,
        SHA[:10] + "/" + SHA[11:],
        SHA + "\n",
    ],
)
def test_bad_sha_is_rejected(tmp_path: Path, bad: str) -> None:
    with pytest.raises(ValueError):
        blob_path(tmp_path, bad)
    with pytest.raises(ValueError):
        store_blob(tmp_path, DATA, bad)
    with pytest.raises(ValueError):
        store_derived(tmp_path, bad, "thumb", b"x")
    assert all_files(tmp_path) == []


def test_store_derived(tmp_path: Path) -> None:
    display = store_derived(tmp_path, SHA, "display", b"v1")
    thumb = store_derived(tmp_path, SHA, "thumb", b"t")
    assert display == tmp_path / SHA[:2] / SHA[2:4] / f"{SHA}.display.jpg"
    assert thumb == derived_path(tmp_path, SHA, "thumb") and thumb.name == f"{SHA}.thumb.jpg"
    assert store_derived(tmp_path, SHA, "display", b"v2").read_bytes() == b"v2"  # re-render wins
    assert all_files(tmp_path) == sorted([display, thumb])


@pytest.mark.parametrize("kind", ["original", "../thumb", "Display", ""])
def test_unknown_derived_kind(tmp_path: Path, kind: str) -> None:
    with pytest.raises(ValueError):
        store_derived(tmp_path, SHA, kind, b"x")


def test_failed_write_leaves_no_temp_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    def broken_replace(src: str, dst: object) -> None:
        raise OSError("disk full")

    monkeypatch.setattr(storage.os, "replace", broken_replace)
    with pytest.raises(OSError, match="disk full"):
        store_blob(tmp_path, DATA)
    assert all_files(tmp_path) == []


def test_files_are_private(tmp_path: Path) -> None:
    if os.name != "posix":
        pytest.skip("POSIX permissions")
    assert store_blob(tmp_path, DATA).stat().st_mode & 0o077 == 0
