"""Two app servers (gunicorn) share one PostgreSQL, one Redis and one S3 store, and act as one.

An examiner signs in on one server, uploads on the other and submits on the first; the sign-in
limit counts failures across both; the photo is served by either; the audit chain stays one chain.
"""

from __future__ import annotations

import hashlib
import os
import re
import subprocess
import sys
import time
import uuid
from pathlib import Path

import pytest
import sqlalchemy as sa

from s3server import ACCESS_KEY, SECRET_KEY, free_port
from story import FIXTURES, PASSWORD, build_world

ROOT = Path(__file__).resolve().parent.parent
REDIS_URL = os.environ.get("FIELDCHECK_TEST_REDIS_URL", "redis://127.0.0.1:6379/7")


def start_gunicorn(env: dict, port: int, log: Path) -> subprocess.Popen:
    gunicorn = Path(sys.executable).with_name("gunicorn")
    process = subprocess.Popen([str(gunicorn), "--workers", "2", "--bind", f"127.0.0.1:{port}", "wsgi:app"],
                               cwd=ROOT, env=env, stdout=log.open("wb"), stderr=subprocess.STDOUT)
    deadline = time.monotonic() + 180  # a loaded 2-core machine boots workers slowly
    import requests

    while time.monotonic() < deadline:
        try:
            if requests.get(f"http://127.0.0.1:{port}/healthz", timeout=10).status_code == 200:
                return process
        except requests.RequestException:
            time.sleep(0.5)
    process.kill()
    raise AssertionError(f"gunicorn on {port} did not start: {log.read_text()[-2000:]}")


def csrf(session, url: str) -> str:
    return re.search(r'name="csrf-token" content="([^"]+)"', session.get(url, timeout=10).text).group(1)


@pytest.fixture
def pg_app(postgres_url, tmp_path):
    """Several servers share PostgreSQL (SQLite is for one machine), so this test runs on PostgreSQL only."""
    from helpers import truncate_postgres

    from fieldcheck import create_app
    from fieldcheck.extensions import db

    truncate_postgres(postgres_url)
    app = create_app({"SQLALCHEMY_DATABASE_URI": postgres_url, "TESTING": True, "SECRET_KEY": "test-secret",
                      "UPLOAD_FOLDER": str(tmp_path / "uploads")})
    yield app
    with app.app_context():
        db.session.remove()
        db.engine.dispose()


@pytest.fixture
def two_servers(pg_app, postgres_url, seaweed, tmp_path):
    import redis

    try:
        redis.Redis.from_url(REDIS_URL).flushdb()
    except redis.ConnectionError as exc:
        from helpers import skip_or_fail

        skip_or_fail(f"Redis not reachable at {REDIS_URL}: {exc}")
    seaweed.empty()
    world = build_world(pg_app)
    env = {**os.environ, "FIELDCHECK_DATABASE_URL": postgres_url, "FIELDCHECK_SECRET_KEY": "shared-" + uuid.uuid4().hex,
           "FIELDCHECK_STORAGE_URL": seaweed.url, "FIELDCHECK_S3_ACCESS_KEY": ACCESS_KEY,
           "FIELDCHECK_S3_SECRET_KEY": SECRET_KEY, "FIELDCHECK_RATELIMIT_STORAGE": REDIS_URL,
           "FIELDCHECK_UPLOAD_FOLDER": str(tmp_path / "unused"), "FIELDCHECK_ENV": "development"}
    ports = [free_port(), free_port()]
    servers = [start_gunicorn(env, port, tmp_path / f"gunicorn-{port}.log") for port in ports]
    try:
        yield world, [f"http://127.0.0.1:{port}" for port in ports]
    finally:
        for server in servers:
            server.terminate()
            server.wait(timeout=20)


def test_an_examiner_alternating_between_two_servers_gets_one_consistent_result(pg_app, two_servers):
    import requests

    from fieldcheck.assignment.models import Task
    from fieldcheck.extensions import db
    from fieldcheck.field.models import Verification

    world, (a, b) = two_servers
    phone = requests.Session()
    signed_in = phone.post(f"{a}/login", data={"username": "exa", "password": PASSWORD,
                                               "csrf_token": csrf(phone, f"{a}/login")}, allow_redirects=False)
    assert signed_in.status_code == 302
    token = csrf(phone, f"{b}/tasks")  # the session made on A works on B
    data = (FIXTURES / "photos" / "gps_DSCN0012.jpg").read_bytes()
    sha = hashlib.sha256(data).hexdigest()
    uploaded = phone.post(f"{b}/api/photos", files={"photo": ("p.jpg", data, "image/jpeg")}, data={"sha256": sha},
                          headers={"X-CSRFToken": token})
    assert uploaded.status_code == 200, uploaded.text
    pack = phone.get(f"{a}/api/pack").json()
    questions = [q["id"] for q in next(iter(pack["cycles"].values()))["questions"]]
    task_id = world.task_ids[0]
    body = {"client_uuid": str(uuid.uuid4()), "finding": "verified", "photo_sha256": [sha],
            "interviews": [{"respondent": "resident", "ratings": {str(q): 5 for q in questions}}]}
    first = phone.post(f"{a}/api/tasks/{task_id}/verifications", json=body, headers={"X-CSRFToken": token})
    repeat = phone.post(f"{b}/api/tasks/{task_id}/verifications", json=body, headers={"X-CSRFToken": token})
    assert (first.status_code, repeat.status_code) == (201, 200) and first.json() == repeat.json()
    assert phone.get(f"{b}/photos/{sha}/thumb").status_code == 200
    assert phone.get(f"{a}/photos/{sha}/thumb").content == phone.get(f"{b}/photos/{sha}/thumb").content
    with pg_app.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(Verification)
                                 .where(Verification.task_id == task_id)) == 1
        assert db.session.get(Task, task_id).state == "submitted"
    # Signing out on one server ends the session on both.
    assert phone.post(f"{b}/logout", data={"csrf_token": csrf(phone, f"{b}/tasks")},
                      allow_redirects=False).status_code == 302
    assert phone.get(f"{a}/tasks", allow_redirects=False).status_code == 302
    # Failed sign-ins count on both servers together (Redis), so alternating does not double the tries.
    guesser = requests.Session()
    statuses = [guesser.post(f"{url}/login", data={"username": "org", "password": "guess",
                                                   "csrf_token": csrf(guesser, f"{url}/login")},
                             allow_redirects=False).status_code for url in (a, b, a, b, a, b)]
    assert statuses == [401] * 5 + [429]
    verified = pg_app.test_cli_runner().invoke(args=["audit", "verify"])
    assert verified.exit_code == 0, verified.output
