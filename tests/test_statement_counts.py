"""Flat cost at any size: every page and API call sends as many statements with 500 items as with 10.

The bigger world is built in bulk (tests/bulk.py, core INSERTs), never through the pages; each
test measures a request at 10 items, grows the same cycle to 500 and measures it again.
"""

from __future__ import annotations

import io
import uuid

import pytest
from helpers import csrf_token, login

from bulk import grow
from statements import counted, statements_of
from story import FIXTURES, build_world

SMALL, LARGE = 10, 500


def signed_in(app, username):
    client = app.test_client()
    login(client, username)
    return client


def grown(app, count):
    """The story's cycle with `count` bulk items in it."""
    build_world(app)
    return grow(app, count)


def same_count(app, client, path, first, more, status=200):
    """`path` (str, or a function of the size -> str) sends the same statements at SMALL and at LARGE."""
    counts = []
    for size, extra in ((SMALL, first), (LARGE, more)):
        if extra:
            grow(app, extra)
        url = path(size) if callable(path) else path
        client.get(url)  # warm: the session's user, Babel, the first-request work
        response, statements = statements_of(app, lambda: client.get(url))
        assert response.status_code == status, (url, response.status_code, response.get_data(as_text=True)[:300])
        counts.append(len(statements))
    assert counts[0] == counts[1], f"{path}: {counts[0]} statements at {SMALL} items, {counts[1]} at {LARGE}"
    return counts


@pytest.mark.parametrize("path,user", [
    ("/cycles/2025", "org"),
    ("/cycles/2025/assign", "org"),
    ("/cycles/2025/routes", "org"),
    ("/cycles/2025/scores/", "org"),
    ("/cycles/2025/export/", "org"),
    ("/tasks", "exa"),
    ("/api/pack", "exa"),
    ("/p/2025", "org"),
])
def test_pages_send_as_many_statements_at_500_items_as_at_10(app, path, user):
    build_world(app)
    client = signed_in(app, user)
    same_count(app, client, path, SMALL, LARGE - SMALL)


@pytest.mark.parametrize("path", [
    "/cycles/2025/export/package.zip",
    "/cycles/2025/export/workbook.xlsx",
    "/cycles/2025/scores/export.csv",
    "/cycles/2025/scores/export.json?level=claim",
    "/cycles/2025/scores/export.csv?level=interviews",
    "/cycles/2025/scores/export.json?level=flags",
])
def test_streamed_exports_send_as_many_statements_at_500_items_as_at_10(app, path):
    """The body streams after the view returned: the statements it sends while streaming count too."""
    build_world(app)
    client = signed_in(app, "org")
    counts = []
    for extra in (SMALL, LARGE - SMALL):
        grow(app, extra)
        client.get(path).get_data()  # warm
        response, statements = statements_of(app, lambda: client.get(path))
        assert response.status_code == 200
        with counted(app) as streamed:
            body = response.get_data()
            with_body = list(streamed)
        assert body
        counts.append(len(statements) + len(with_body))
    assert counts[0] == counts[1], f"{path}: {counts[0]} statements at {SMALL} items, {counts[1]} at {LARGE}"


def test_the_public_report_page_is_bounded(app):
    world = build_world(app)
    client = app.test_client()
    same_count(app, client, f"/p/2025/{world.report_slug}", SMALL, LARGE - SMALL)


def test_a_task_page_is_bounded(app):
    build_world(app)
    first = grow(app, SMALL)
    client = signed_in(app, "exa")
    task = first["assigned_task_ids"][0]
    same_count(app, client, f"/tasks/{task}", 0, LARGE - SMALL)


def test_the_review_queue_is_bounded(app):
    build_world(app)
    client = signed_in(app, "rev")
    same_count(app, client, "/review/", SMALL, LARGE - SMALL)


def test_a_review_page_is_bounded(app):
    build_world(app)
    first = grow(app, SMALL)
    client = signed_in(app, "rev")
    same_count(app, client, f"/review/{first['submitted_verification_ids'][0]}", 0, LARGE - SMALL)


def submit(app, client, headers, task_id, sha):
    from fieldcheck.assignment.models import Task
    from fieldcheck.extensions import db

    with app.app_context():
        questions = [q.id for q in db.session.get(Task, task_id).claim.report.cycle.questions]
    body = {"client_uuid": str(uuid.uuid4()), "finding": "partly", "observed_qty": 2, "notes": "看到了",
            "photo_sha256": [sha], "lat": 44.6, "lon": 129.6, "accuracy_m": 8,
            "interviews": [{"respondent": "member", "ratings": {str(q): 4 for q in questions}},
                           {"respondent": "resident", "ratings": {str(q): 3 for q in questions}}]}
    return statements_of(app, lambda: client.post(f"/api/tasks/{task_id}/verifications", json=body,
                                                  headers=headers))


def upload(client, headers, name):
    data = (FIXTURES / "photos" / name).read_bytes()
    r = client.post("/api/photos", data={"photo": (io.BytesIO(data), name)}, headers=headers,
                    content_type="multipart/form-data")
    assert r.status_code == 200, r.get_data(as_text=True)
    return r.get_json()["sha256"]


def test_a_submit_sends_as_many_statements_with_500_visits_stored_as_with_10(app):
    world = build_world(app)
    grow(app, SMALL)
    client = signed_in(app, "exa")
    headers = {"X-CSRFToken": csrf_token(client, "/tasks")}
    tasks = world.task_ids
    warm = upload(client, headers, "gps_DSCN0010.jpg")
    response, _ = submit(app, client, headers, tasks[0], warm)
    assert response.status_code == 201, response.get_data(as_text=True)
    counts = []
    for task_id, photo, extra in ((tasks[1], "gps_DSCN0012.jpg", 0), (tasks[2], "gps_DSCN0021.jpg", LARGE - SMALL)):
        if extra:
            grow(app, extra)
        sha = upload(client, headers, photo)
        response, statements = submit(app, client, headers, task_id, sha)
        assert response.status_code == 201, response.get_data(as_text=True)
        counts.append(len(statements))
    assert counts[0] == counts[1], f"submit: {counts[0]} statements at {SMALL} visits, {counts[1]} at {LARGE}"


@pytest.mark.parametrize("path,user", [("/cycles/2025/assign", "org"), ("/p/2025", None)])
def test_long_lists_come_a_page_at_a_time_and_the_pages_cover_the_sample_once(app, path, user):
    import re

    build_world(app)
    grow(app, 450)
    client = signed_in(app, user) if user else app.test_client()
    with app.app_context():
        from fieldcheck.extensions import db
        from fieldcheck.sampling.models import SampleItem
        import sqlalchemy as sa
        expected = sorted(db.session.scalars(sa.select(SampleItem.public_id)))
    seen, url, pages = [], path, 0
    while url:
        html = client.get(url).get_data(as_text=True)
        ids = re.findall(r'class="mono">(2025/[^<]+)</', html)
        assert 0 < len(ids) <= 200
        seen.extend(ids)
        pages += 1
        nxt = re.search(r'href="([^"]*after=\d+)">下一页', html)
        url = nxt.group(1).replace("&amp;", "&") if nxt else None
    assert pages == 3 and sorted(seen) == expected and len(seen) == len(set(seen))


@pytest.mark.parametrize("path", [
    "/api/v1/cycles/2025/claims?limit=1000",  # the whole sample in one page: ~10 rows, then ~500
    "/api/v1/cycles/2025/claims",
    "/api/v1/cycles/2025/reports?limit=1000",
    "/api/v1/cycles/2025/aspects?limit=1000",
    "/api/v1/cycles/2025/grades?limit=1000",
    "/api/v1/cycles",
    "/api/v1/cycles/2025",
])
def test_the_read_api_sends_as_many_statements_at_500_claims_as_at_10(app, path):
    from fieldcheck.accounts.models import User
    from fieldcheck.api.operations import create_token
    from fieldcheck.extensions import db
    import sqlalchemy as sa

    build_world(app)
    with app.test_request_context():
        secret, _row = create_token(None, "counted", "1d",
                                    db.session.scalar(sa.select(User).where(User.username == "org")))
        db.session.commit()
    client = app.test_client()
    client.environ_base["HTTP_AUTHORIZATION"] = f"Bearer {secret}"
    same_count(app, client, path, SMALL, LARGE - SMALL)
    if "limit=1000" in path and "claims" in path:
        assert len(client.get(path).get_json()["data"]) > LARGE  # the page really grew with the sample


def test_the_api_token_page_is_bounded(app):
    """The organizer's token list: one statement for the tokens with their cycles and makers, at 10 or 500."""
    import sqlalchemy as sa

    from fieldcheck.api.models import ApiToken
    from fieldcheck.db import utcnow
    from fieldcheck.extensions import db

    build_world(app)
    client = signed_in(app, "org")

    def add_tokens(count, start):
        with app.app_context():
            cycle_id = db.session.scalar(sa.text("SELECT id FROM cycle WHERE code = '2025'"))
            org_id = db.session.scalar(sa.text("SELECT id FROM \"user\" WHERE username = 'org'"))
            now = utcnow()
            db.session.execute(sa.insert(ApiToken), [
                {"name": f"t{i}", "label": f"fc_{i:05d}", "state": "active", "token_sha256": f"{i:064x}",
                 "cycle_id": cycle_id if i % 2 else None, "created_by_id": org_id, "created_at": now,
                 "expires_at": now, "last_used_at": now if i % 3 else None} for i in range(start, start + count)])
            db.session.commit()

    counts = []
    for count, start in ((SMALL, 0), (LARGE - SMALL, SMALL)):
        add_tokens(count, start)
        client.get("/api-tokens")
        response, statements = statements_of(app, lambda: client.get("/api-tokens"))
        assert response.status_code == 200
        counts.append(len(statements))
    assert response.get_data(as_text=True).count("fc_00") >= 100  # the 500 tokens are on the page
    assert counts[0] == counts[1], counts
