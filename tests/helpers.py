"""Helpers shared by the tests (a plain module: importing from conftest is ambiguous with
tests/browser/conftest.py on the path)."""

from __future__ import annotations

import os
import re

import pytest

IN_CI = os.environ.get("CI", "").lower() in ("1", "true", "yes")


def skip_or_fail(reason: str):
    if IN_CI:
        pytest.fail(f"CI=true but {reason}", pytrace=False)
    pytest.skip(reason)


CSRF_RE = re.compile(r'name="csrf-token" content="([^"]+)"')


def csrf_token(client, path: str = "/login") -> str:
    """The CSRF token the pages embed for this client's session."""
    html = client.get(path).get_data(as_text=True)
    match = CSRF_RE.search(html)
    assert match, "page carries no CSRF token"
    return match.group(1)


def login(client, username: str, password: str = "correct horse 1"):
    token = csrf_token(client)
    response = client.post("/login", data={"username": username, "password": password, "csrf_token": token})
    assert response.status_code == 302, response.get_data(as_text=True)[:500]
    return response


def truncate_postgres(url: str) -> None:
    """Empty every table of the test database (the schema stays migrated)."""
    import sqlalchemy as sa

    engine = sa.create_engine(url)
    with engine.begin() as conn:
        tables = [r[0] for r in conn.execute(sa.text(
            "SELECT tablename FROM pg_tables WHERE schemaname = 'public' AND tablename <> 'alembic_version'"))]
        if tables:
            conn.execute(sa.text("TRUNCATE " + ", ".join(f'"{t}"' for t in tables) + " RESTART IDENTITY CASCADE"))
    engine.dispose()


def submit_visit(app, examiner, task_id: int, photo: str, token: str | None = None) -> int:
    """One visit through the JSON API with one fixture photo and one interview; returns the verification id."""
    import hashlib
    import io
    import uuid
    from pathlib import Path

    from fieldcheck.assignment.models import Task
    from fieldcheck.extensions import db

    with app.app_context():
        questions = [q.id for q in db.session.get(Task, task_id).claim.report.cycle.questions]
    token = token or csrf_token(examiner, "/tasks")
    data = (Path(__file__).parent / "fixtures" / "photos" / photo).read_bytes()
    sha = hashlib.sha256(data).hexdigest()
    up = examiner.post("/api/photos", data={"photo": (io.BytesIO(data), photo), "sha256": sha},
                       headers={"X-CSRFToken": token}, content_type="multipart/form-data")
    assert up.status_code == 200, up.get_data(as_text=True)
    body = {"client_uuid": str(uuid.uuid4()), "finding": "verified", "photo_sha256": [sha],
            "interviews": [{"respondent": "resident", "ratings": {str(q): 4 for q in questions}}]}
    done = examiner.post(f"/api/tasks/{task_id}/verifications", json=body, headers={"X-CSRFToken": token})
    assert done.status_code == 201, done.get_data(as_text=True)
    return done.get_json()["id"]
