"""Backups that restore, made while examiners keep submitting; and a doctor that finds what is out of step."""

from __future__ import annotations

import hashlib
import os
import threading
import time
import uuid
from contextlib import contextmanager
from pathlib import Path

import pytest
import sqlalchemy as sa
from helpers import csrf_token, login, submit_visit

from story import build_world

PHOTOS = ["gps_DSCN0010.jpg", "gps_DSCN0012.jpg", "gps_DSCN0021.jpg", "gps_DSCN0025.jpg", "nogps_canon_40d.jpg",
          "phone_nokia_8_3.jpg"]


@contextmanager
def empty_instance(database_url: str, tmp_path: Path):
    """A second installation with an empty database of the same kind and an empty upload folder."""
    from fieldcheck import create_app
    from fieldcheck.extensions import db

    if database_url.startswith("sqlite"):
        url, drop = f"sqlite:///{tmp_path / 'restored.sqlite3'}", None
    else:
        admin = sa.create_engine(database_url, isolation_level="AUTOCOMMIT")
        name = f"fieldcheck_restore_{uuid.uuid4().hex[:8]}"
        with admin.connect() as conn:
            conn.execute(sa.text(f'CREATE DATABASE "{name}"'))
        url = admin.url.set(database=name).render_as_string(hide_password=False)

        def drop():
            with admin.connect() as conn:
                conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
            admin.dispose()
    app = create_app({"SQLALCHEMY_DATABASE_URI": url, "TESTING": True, "SECRET_KEY": "x",
                      "UPLOAD_FOLDER": str(tmp_path / "restored-uploads")})
    try:
        yield app
    finally:
        with app.app_context():
            db.session.remove()
            db.engine.dispose()
        if drop:
            drop()


def submit_visits(app, world, examiner):
    """The examiner visits each assigned task with a photo of its own, through the JSON API."""
    token = csrf_token(examiner, "/tasks")
    for task_id, photo in zip(world.task_ids, PHOTOS):
        submit_visit(app, examiner, task_id, photo, token)


def counts(app) -> dict[str, int]:
    from fieldcheck.extensions import db

    with app.app_context():
        tables = ("user", "cycle", "report", "claim", "task", "verification", "photo", "interview", "audit_event")
        return {t: db.session.scalar(sa.text(f'SELECT count(*) FROM "{t}"')) for t in tables}


def test_a_backup_made_during_visits_restores_every_row_and_photo(app, database_url, tmp_path):
    from fieldcheck.evidence.models import Photo
    from fieldcheck.evidence.storage import blob_path
    from fieldcheck.extensions import db

    world = build_world(app)
    examiner = app.test_client()
    login(examiner, "exa")
    before = counts(app)
    visits = threading.Thread(target=submit_visits, args=(app, world, examiner))
    visits.start()
    time.sleep(0.2)  # the visits are arriving while the backup runs
    backup_dir = tmp_path / "backup"
    created = app.test_cli_runner().invoke(args=["backup", "create", str(backup_dir)])
    visits.join(timeout=120)
    assert created.exit_code == 0, created.output
    after = counts(app)
    verified = app.test_cli_runner().invoke(args=["backup", "verify", str(backup_dir)])
    assert verified.exit_code == 0, verified.output

    with empty_instance(database_url, tmp_path) as other:
        restored = other.test_cli_runner().invoke(args=["backup", "restore", str(backup_dir)])
        assert restored.exit_code == 0, restored.output
        got = counts(other)
        assert all(before[t] <= got[t] <= after[t] for t in got), (before, got, after)
        assert got["user"] == before["user"] and got["claim"] == before["claim"]
        with other.app_context():
            root = Path(other.config["UPLOAD_FOLDER"])
            for sha in db.session.scalars(sa.select(Photo.sha256)):
                path = blob_path(root, sha)
                assert hashlib.sha256(path.read_bytes()).hexdigest() == sha
        audit = other.test_cli_runner().invoke(args=["audit", "verify"])
        assert audit.exit_code == 0, audit.output
        # The restored copy serves the photos through the same access checks.
        org = other.test_client()
        login(org, "org")
        with other.app_context():
            sha = db.session.scalar(sa.select(Photo.sha256).limit(1))
        if sha:
            assert org.get(f"/photos/{sha}/thumb").status_code == 200
        again = other.test_cli_runner().invoke(args=["backup", "restore", str(backup_dir)])
        assert again.exit_code == 1  # never over an instance that has data


def test_a_damaged_backup_is_named_and_not_restored(app, database_url, tmp_path):
    build_world(app)
    backup_dir = tmp_path / "backup"
    assert app.test_cli_runner().invoke(args=["backup", "create", str(backup_dir)]).exit_code == 0
    database = next(backup_dir.glob("database.*"))
    data = bytearray(database.read_bytes())
    data[len(data) // 2] ^= 0xFF
    database.write_bytes(bytes(data))
    verified = app.test_cli_runner().invoke(args=["backup", "verify", str(backup_dir)])
    assert verified.exit_code == 1 and database.name in verified.output
    with empty_instance(database_url, tmp_path) as other:
        restored = other.test_cli_runner().invoke(args=["backup", "restore", str(backup_dir)])
        assert restored.exit_code == 1 and database.name in restored.output
    assert app.test_cli_runner().invoke(args=["backup", "create", str(backup_dir)]).exit_code == 1  # not empty


def test_the_doctor_finds_and_fixes_only_what_is_provably_orphaned(app, tmp_path):
    from fieldcheck.evidence.models import Photo
    from fieldcheck.evidence.storage import blob_path, derived_path, store_blob
    from fieldcheck.extensions import db

    world = build_world(app)
    examiner = app.test_client()
    login(examiner, "exa")
    submit_visits(app, world, examiner)
    root = Path(app.config["UPLOAD_FOLDER"])
    with app.app_context():
        shas = list(db.session.scalars(sa.select(Photo.sha256).order_by(Photo.id)))
    runner = app.test_cli_runner()
    healthy = runner.invoke(args=["doctor"])
    assert healthy.exit_code == 0, healthy.output
    # A thumbnail lost, an old orphan original, a fresh one (an upload in flight), an old partial file.
    derived_path(root, shas[0], "thumb").unlink()
    orphan = store_blob(root, b"not a photo row, old")
    fresh = store_blob(root, b"not a photo row, just written")
    partial = blob_path(root, shas[1]).with_name(".tmp-abc.part")
    partial.write_bytes(b"half")
    old = time.time() - 3 * 24 * 3600
    for path in (orphan, partial):
        os.utime(path, (old, old))
    found = runner.invoke(args=["doctor"])
    assert found.exit_code == 1
    assert orphan.name in found.output and ".tmp-abc.part" in found.output and f"{shas[0]}.thumb" in found.output
    assert fresh.name not in found.output
    fixed = runner.invoke(args=["doctor", "--fix"])
    assert fixed.exit_code == 0, fixed.output
    assert not orphan.exists() and not partial.exists() and fresh.exists()
    assert derived_path(root, shas[0], "thumb").is_file()
    # A photo row whose file is gone cannot be fixed here: it stays a finding.
    blob_path(root, shas[2]).unlink()
    missing = runner.invoke(args=["doctor", "--fix"])
    assert missing.exit_code == 1 and shas[2] in missing.output
