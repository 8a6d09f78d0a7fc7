"""Backups that restore: the database as one consistent snapshot, every photo file, and a manifest of hashes.

A backup directory holds:
- `database.sqlite3` (SQLite's online backup API: a consistent copy while the app keeps writing) or
  `database.pgdump` (`pg_dump --format=custom`: one snapshot transaction);
- `uploads/…`: every stored file, same layout as the upload folder (temporary `.tmp-*.part` files left out);
- `manifest.json`: the format, the database kind, the audit chain head at backup time, and the size and
  SHA-256 of every file above. `verify` checks them; `restore` refuses a damaged backup.

Photos are copied after the database snapshot: a photo's file is always written before its row
commits, so every photo the snapshot knows is in the copy (later ones are extra and harmless).
"""

from __future__ import annotations

import hashlib
import json
import sqlite3
import subprocess
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path

import sqlalchemy as sa
from sqlalchemy.engine import Engine

from ..audit.chain import chain_head
from ..evidence.storage import PhotoStore
from ..extensions import db

FORMAT = "fieldcheck-backup/1"
MANIFEST = "manifest.json"


class BackupError(Exception):
    """A backup that cannot be made, checked or restored; `code` and `figures` word it for people."""

    def __init__(self, code: str, **figures):
        super().__init__(code)
        self.code, self.figures = code, figures


def sha256_file(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def libpq_url(engine: Engine) -> str:
    """The SQLAlchemy URL as pg_dump/pg_restore read it (no driver name)."""
    return engine.url.set(drivername="postgresql").render_as_string(hide_password=False)


def sqlite_copy(source: Path, target: Path) -> None:
    """SQLite's online backup API: a consistent copy of `source` while others keep writing to it."""
    reader = sqlite3.connect(source)
    try:
        writer = sqlite3.connect(target)
        try:
            with writer:
                reader.backup(writer)
        finally:
            writer.close()
    finally:
        reader.close()


def _dump_database(engine: Engine, target: Path) -> str:
    if engine.dialect.name == "sqlite":
        out = target / "database.sqlite3"
        sqlite_copy(Path(engine.url.database), out)
        return out.name
    if engine.dialect.name == "postgresql":
        out = target / "database.pgdump"
        done = subprocess.run(["pg_dump", "--format=custom", "--no-owner", "--file", str(out), libpq_url(engine)],
                              capture_output=True, text=True, timeout=3600)
        if done.returncode != 0:
            raise BackupError("dump_failed", detail=done.stderr.strip()[-500:])
        return out.name
    raise BackupError("unsupported_database", kind=engine.dialect.name)


def _stored_files(store: PhotoStore):
    """Every stored file but the temporary ones a killed writer may leave in a folder store."""
    return (item for item in store.listing() if not item.key.rsplit("/", 1)[-1].startswith(".tmp-"))


def create_backup(target: Path, store: PhotoStore) -> dict:
    """Write a backup into the empty (or new) directory `target`; returns the manifest."""
    target = Path(target)
    if target.exists() and any(target.iterdir()):
        raise BackupError("target_not_empty", path=str(target))
    target.mkdir(parents=True, exist_ok=True)
    engine = db.engine
    head = chain_head(db.session)
    db.session.rollback()  # read nothing more in this session: the snapshot is the dump's
    database_file = _dump_database(engine, target)
    files = []
    for item in _stored_files(store):
        data = store.get(item.key)
        if data is None:  # removed since it was listed (doctor --fix); nothing refers to it
            continue
        copy = target / "uploads" / item.key
        copy.parent.mkdir(parents=True, exist_ok=True)
        copy.write_bytes(data)
        files.append({"path": f"uploads/{item.key}", "bytes": len(data), "sha256": hashlib.sha256(data).hexdigest()})
    manifest = {
        "format": FORMAT, "created_at": datetime.now(timezone.utc).isoformat(timespec="seconds"),
        "database": {"kind": engine.dialect.name, "path": database_file,
                     "bytes": (target / database_file).stat().st_size,
                     "sha256": sha256_file(target / database_file)},
        "audit_head": {"seq": head[0], "sha256": head[1]},
        "files": files,
    }
    (target / MANIFEST).write_text(json.dumps(manifest, ensure_ascii=False, indent=1), encoding="utf-8")
    return manifest


@dataclass(frozen=True)
class Problem:
    code: str  # missing | size | hash | manifest
    path: str


def verify_backup(source: Path) -> tuple[dict | None, list[Problem]]:
    """The manifest and every file that does not match it (empty list: the backup is whole)."""
    source = Path(source)
    try:
        manifest = json.loads((source / MANIFEST).read_text("utf-8"))
        if manifest.get("format") != FORMAT:
            raise ValueError
        entries = [manifest["database"], *manifest["files"]]
    except (OSError, ValueError, KeyError, TypeError):
        return None, [Problem("manifest", MANIFEST)]
    problems = []
    for entry in entries:
        path = source / entry["path"]
        if not path.is_file():
            problems.append(Problem("missing", entry["path"]))
        elif path.stat().st_size != entry["bytes"]:
            problems.append(Problem("size", entry["path"]))
        elif sha256_file(path) != entry["sha256"]:
            problems.append(Problem("hash", entry["path"]))
    return manifest, problems


def _is_empty(engine: Engine) -> bool:
    tables = sa.inspect(engine).get_table_names()
    if "user" not in tables:
        return True
    with engine.connect() as conn:
        return all(conn.execute(sa.text(f'SELECT 1 FROM "{t}" LIMIT 1')).first() is None
                   for t in ("user", "cycle", "audit_event") if t in tables)


def restore_backup(source: Path, store: PhotoStore) -> dict:
    """Restore a verified backup into this instance, whose database and upload folder must be empty."""
    manifest, problems = verify_backup(source)
    if problems:
        raise BackupError("damaged", path=problems[0].path, problem=problems[0].code)
    engine = db.engine
    if manifest["database"]["kind"] != engine.dialect.name:
        raise BackupError("wrong_database", kind=manifest["database"]["kind"], here=engine.dialect.name)
    if not _is_empty(engine) or next(_stored_files(store), None) is not None:
        raise BackupError("target_not_empty", path=str(getattr(store, "root", getattr(store, "bucket", ""))))
    db.session.remove()
    database = Path(source) / manifest["database"]["path"]
    if engine.dialect.name == "sqlite":
        engine.dispose()
        sqlite_copy(database, Path(engine.url.database))
    else:
        engine.dispose()
        with engine.begin() as conn:  # pg_restore --clean would need the same objects; start from nothing
            conn.execute(sa.text("DROP SCHEMA public CASCADE; CREATE SCHEMA public"))
        engine.dispose()
        done = subprocess.run(["pg_restore", "--no-owner", "--exit-on-error", "--dbname", libpq_url(engine),
                               str(database)], capture_output=True, text=True, timeout=3600)
        if done.returncode != 0:
            raise BackupError("restore_failed", detail=done.stderr.strip()[-500:])
    for entry in manifest["files"]:
        store.put(Path(entry["path"]).relative_to("uploads").as_posix(), (Path(source) / entry["path"]).read_bytes())
    return manifest
