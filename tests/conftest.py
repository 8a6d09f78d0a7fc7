"""Fixtures: a real database (SQLite, and PostgreSQL when reachable), real files, a real app.

Every test that takes `app` runs once per backend. PostgreSQL is the server at
FIELDCHECK_TEST_POSTGRES_URL (default: the local `test` database); a private
database is created for the run and dropped at the end. Without a reachable
server the PostgreSQL variants skip with the reason; under CI (CI=true) that
is a failure instead, so CI can never pass by skipping.
"""

from __future__ import annotations

import os
import shutil
import uuid
from pathlib import Path

import pytest
import sqlalchemy as sa

from helpers import skip_or_fail, truncate_postgres

FIXTURES = Path(__file__).parent / "fixtures"
DEFAULT_PG = "postgresql+psycopg://postgres@127.0.0.1:5432/test"
def _migrate(url: str) -> None:
    from flask_migrate import upgrade

    from fieldcheck import create_app

    app = create_app({"SQLALCHEMY_DATABASE_URI": url, "TESTING": True, "SECRET_KEY": "x"})
    with app.app_context():
        from fieldcheck.extensions import db

        upgrade()
        # Closing the last connection checkpoints SQLite's WAL into the main file we copy.
        db.session.remove()
        db.engine.dispose()


@pytest.fixture(scope="session", autouse=True)
def export_key_outside_the_tree(tmp_path_factory):
    """An app made without EXPORT_KEY_FILE keeps its signing key in this worker's folder, not in instance/
    (two workers would race to create the same file there)."""
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("FIELDCHECK_EXPORT_KEY_FILE", str(tmp_path_factory.mktemp("keys") / "export-signing-key.pem"))
        yield


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory) -> Path:
    """One migrated SQLite file, copied for each test (the migrations run once)."""
    path = tmp_path_factory.mktemp("db") / "template.sqlite3"
    _migrate(f"sqlite:///{path}")
    return path


@pytest.fixture(scope="session")
def postgres_url():
    """A private, migrated PostgreSQL database for this test run."""
    base = os.environ.get("FIELDCHECK_TEST_POSTGRES_URL", DEFAULT_PG)
    try:
        admin = sa.create_engine(base, isolation_level="AUTOCOMMIT")
        with admin.connect() as conn:
            conn.execute(sa.text("SELECT 1"))
    except Exception as exc:  # noqa: BLE001 - any failure to connect means "no PostgreSQL here"
        skip_or_fail(f"PostgreSQL not reachable at {base}: {exc.__class__.__name__}")
    name = f"fieldcheck_test_{uuid.uuid4().hex[:10]}"
    with admin.connect() as conn:
        conn.execute(sa.text(f'CREATE DATABASE "{name}"'))
    url = admin.url.set(database=name).render_as_string(hide_password=False)
    try:
        _migrate(url)
        yield url
    finally:
        sa.create_engine(url).dispose()
        with admin.connect() as conn:
            conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


@pytest.fixture(params=["sqlite", "postgresql"])
def database_url(request, tmp_path) -> str:
    if request.param == "sqlite":
        path = tmp_path / "fieldcheck.sqlite3"
        shutil.copy(request.getfixturevalue("sqlite_template"), path)
        return f"sqlite:///{path}"
    url = request.getfixturevalue("postgres_url")
    truncate_postgres(url)
    return url


@pytest.fixture
def app(database_url, tmp_path):
    from fieldcheck import create_app
    from fieldcheck.extensions import db

    upload = tmp_path / "uploads"
    app = create_app({
        "SQLALCHEMY_DATABASE_URI": database_url, "TESTING": True, "SECRET_KEY": "test-secret",
        "UPLOAD_FOLDER": str(upload), "MAX_UPLOAD_MB": 5,
        # The export signing key lives outside the database and the uploads: here, per test.
        "EXPORT_KEY_FILE": str(tmp_path / "export-signing-key.pem"),
    })
    yield app
    with app.app_context():
        db.session.remove()
        db.engine.dispose()


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def runner(app):
    return app.test_cli_runner()


@pytest.fixture(scope="session")
def seaweed(tmp_path_factory):
    """A running S3-compatible server (SeaweedFS) for the whole test run, started on first use."""
    from s3server import SeaweedS3

    server = SeaweedS3(tmp_path_factory.mktemp("seaweed"))
    yield server
    server.stop()
