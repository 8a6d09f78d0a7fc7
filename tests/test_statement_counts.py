"""Flat cost at any size: every page and API call sends as many statements with 500 items as with 10.

The bigger world is built in bulk (tests/bulk.py, core INSERTs), never through the pages; each
test measures a request at 10 items, grows the same cycle to 500 and measures it again.
"""

from __future__ import annotations

import io
import uuid

import pytest
import sqlalchemy as sa
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


def _drafting_with_two_rounds(app) -> None:
    """The story's draft cycle with a drafting in its second round (returned once, revised)."""
    from fieldcheck.accounts.models import User
    from fieldcheck.cycles.models import Cycle
    from fieldcheck.extensions import db
    from fieldcheck.reports.drafts import return_draft, start_drafting, upload_next

    build_world(app, draw=False)
    with app.test_request_context():
        org = db.session.scalar(sa.select(User).where(User.username == "org"))
        cycle = db.session.scalar(sa.select(Cycle).where(Cycle.code == "2025"))
        drafting = start_drafting(cycle, org, unit_name="中共青山县石桥镇委员会", secretary="李强", title="",
                                  slug="shiqiao", text=(FIXTURES / "drafts" / "shiqiao-draft-1.md").read_text().strip())
        return_draft(drafting, org)
        upload_next(drafting, org, (FIXTURES / "drafts" / "shiqiao-draft-2.md").read_text().strip())
        db.session.commit()


def _add_comments(app, count: int) -> None:
    """`count` more comments, in bulk, on both drafts (half carried from draft 1, half on draft 2)."""
    from fieldcheck.db import utcnow
    from fieldcheck.extensions import db

    with app.app_context():
        table = db.metadata.tables["draft_comment"]
        with db.engine.begin() as conn:
            drafts = conn.execute(sa.text("SELECT id, text FROM draft ORDER BY n")).all()
            rows = []
            for i in range(count):
                draft_id, text = drafts[i % 2]
                at = text.index("新建河湾村") + i % 5
                rows.append({"draft_id": draft_id, "start": at, "end": at + 3, "kind": "comment", "code": "",
                             "body": f"意见{i}", "created_at": utcnow()})
            conn.execute(table.insert(), rows)


def test_the_drafting_page_is_bounded(app):
    _drafting_with_two_rounds(app)
    client = signed_in(app, "org")
    counts = []
    for extra in (SMALL, LARGE - SMALL):
        _add_comments(app, extra)
        client.get("/cycles/2025/reports/drafts/shiqiao")
        response, statements = statements_of(app, lambda: client.get("/cycles/2025/reports/drafts/shiqiao"))
        page = response.get_data(as_text=True)
        assert response.status_code == 200 and f"意见{extra - 1}<" in page
        counts.append(len(statements))
    assert counts[0] == counts[1], f"{counts[0]} statements at {SMALL} comments, {counts[1]} at {LARGE}"


def rectification_bulk(app, count: int, unit_report_share: int = 2) -> None:
    """`count` rectification items (core INSERTs): half on the world's report, the rest over the cycle's other
    reports; each with an evidence photo, a public lead per item on the world's report, a carried row each."""
    from datetime import date, datetime, timedelta, timezone

    import sqlalchemy as sa

    from fieldcheck.extensions import db

    meta = db.metadata
    now = datetime.now(timezone.utc)
    with app.app_context():
        with db.engine.begin() as conn:
            cycle_id, = conn.execute(sa.text("SELECT id FROM cycle WHERE code = '2025'")).one()
            reports = conn.execute(sa.text("SELECT id, unit_id FROM report WHERE cycle_id = :c ORDER BY id"),
                                   {"c": cycle_id}).all()
            world_report = reports[0]
            claim_id = conn.execute(sa.text("SELECT id FROM claim WHERE report_id = :r ORDER BY id LIMIT 1"),
                                    {"r": world_report.id}).scalar_one()
            photos = [r[0] for r in conn.execute(sa.text("SELECT id FROM photo ORDER BY id"))]
            first = (conn.execute(sa.text("SELECT COALESCE(MAX(id), 0) FROM rectification_item")).scalar() or 0) + 1
            items, links, carried, leads = [], [], [], []
            for k in range(count):
                report = world_report if k % unit_report_share == 0 else reports[k % len(reports)]
                item_id = first + k
                items.append({"id": item_id, "report_id": report.id, "source": "unit", "source_key": None,
                              "source_label": "", "finding": "unit", "problem": f"问题 {item_id}", "measure": "",
                              "responsible": "", "deadline": date.today() - timedelta(days=k % 3), "progress": "",
                              "state": ("open", "in_progress", "done", "signed_off")[k % 4], "created_at": now,
                              "done_at": now if k % 4 == 2 else None})
                if photos:
                    links.append({"item_id": item_id, "photo_id": photos[k % len(photos)]})
                carried.append({"cycle_id": cycle_id, "unit_id": report.unit_id, "item_id": item_id, "note": ""})
                if report is world_report:
                    leads.append({"claim_id": claim_id, "text": f"线索 {item_id}", "contact": "", "created_at": now,
                                  "status": "new"})
            conn.execute(meta.tables["rectification_item"].insert(), items)
            if links:
                conn.execute(meta.tables["rectification_photo"].insert(), links)
            conn.execute(meta.tables["carried_item"].insert(), carried)
            if leads:
                conn.execute(meta.tables["feedback"].insert(), leads)
            if conn.dialect.name == "postgresql":
                for table in ("rectification_item", "carried_item", "feedback"):
                    conn.execute(sa.text(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
                                         f"(SELECT MAX(id) FROM {table}))"))


@pytest.mark.parametrize("path,user", [
    ("/cycles/2025/rectification", "org"),
    ("/cycles/2025/rectification?overdue=1", "org"),
    ("/cycles/2025/reports/qingshan-county/rectification", "org"),
    ("/cycles/2025/reports/qingshan-county/rectification", "unitc"),
    ("/my-unit", "unitc"),
    ("/cycles/2025/rectification/carried", "org"),
])
def test_rectification_lists_are_bounded(app, path, user):
    from statements import statements_of

    from fieldcheck.accounts.operations import create_user, set_user_unit
    from fieldcheck.extensions import db

    build_world(app)
    grow(app, 20)  # more reports (units) and photos in the cycle
    with app.test_request_context():
        set_user_unit(create_user("unitc", "correct horse 1", ["unit"]), "中共青山县委")
        db.session.commit()
    client = signed_in(app, user)
    counts = []
    for extra in (SMALL, LARGE - SMALL):
        rectification_bulk(app, extra)
        client.get(path)
        response, statements = statements_of(app, lambda: client.get(path))
        assert response.status_code == 200, response.get_data(as_text=True)[:300]
        counts.append(len(statements))
    assert counts[0] == counts[1], f"{path}: {counts[0]} statements at {SMALL} items, {counts[1]} at {LARGE}"


def add_photos(app, verification_id: int, count: int, interviews: int = 0) -> None:
    """Give a stored visit `count` more photos (camera time and position each), a warning per photo and
    `interviews` more interviews with a rating per question."""
    import hashlib
    import json

    import sqlalchemy as sa

    from fieldcheck.evidence.models import Flag, Photo, verification_photo
    from fieldcheck.extensions import db
    from fieldcheck.field.models import Interview, Rating, Verification

    with app.app_context():
        v = db.session.scalar(sa.select(sa.func.min(Photo.uploaded_by_id)))
        visit = db.session.get(Verification, verification_id)
        questions = [q.id for q in visit.task.claim.report.cycle.questions]
        for k in range(interviews):
            visit.interviews.append(Interview(task_id=visit.task_id, respondent="resident", source="examiner",
                                              ratings=[Rating(question_id=q, value=1 + k % 5) for q in questions]))
        for k in range(count):
            sha = hashlib.sha256(f"extra/{verification_id}/{k}".encode()).hexdigest()
            photo = Photo(sha256=sha, size_bytes=1000, format="JPEG", width=640, height=480, camera="某相机",
                          phash=f"{k:016x}", taken_at="2025-06-01T10:00:00", gps_lat=44.6 + k / 1000,
                          gps_lon=129.6, uploaded_by_id=v)
            db.session.add(photo)
            db.session.flush()
            db.session.execute(verification_photo.insert().values(verification_id=verification_id,
                                                                  photo_id=photo.id))
            db.session.add(Flag(verification_id=verification_id, code="exif_gps_far",
                                figures=json.dumps({"photo": sha, "distance_m": 900.0, "limit_m": 500,
                                                    "reference": "place"})))
        db.session.commit()


def test_a_review_page_sends_as_many_statements_with_30_photos_as_with_1(app):
    """The evidence page of one visit: 1 photo and 2 interviews cost what 30 photos and 20 interviews do."""
    build_world(app)
    first = grow(app, SMALL)
    one, many = first["submitted_verification_ids"][:2]
    add_photos(app, many, 29, interviews=18)
    client = signed_in(app, "rev")
    counts = []
    for vid, photos in ((one, 1), (many, 30)):
        client.get(f"/review/{vid}")
        response, statements = statements_of(app, lambda: client.get(f"/review/{vid}"))
        html = response.get_data(as_text=True)
        assert response.status_code == 200, html[:300]
        assert html.count('class="photo card"') == photos
        assert html.count('<td class="num">') == (2 if photos == 1 else 20) * 3  # 3 questions per interview
        counts.append(len(statements))
    assert counts[0] == counts[1], f"review page: {counts[0]} statements with 1 photo, {counts[1]} with 30"


def test_a_photo_reused_in_many_visits_costs_a_submit_the_same_statements(app):
    """Every stored visit's photo looks like the new one: the check reads a bounded number of candidates and
    names three matches per photo, counting the rest, whether 10 or 500 visits match."""
    import sqlalchemy as sa

    from fieldcheck.evidence.models import Photo
    from fieldcheck.extensions import db
    from fieldcheck.field.models import Verification

    world = build_world(app)
    grow(app, SMALL)
    client = signed_in(app, "exa")
    headers = {"X-CSRFToken": csrf_token(client, "/tasks")}
    tasks = world.task_ids
    response, _ = submit(app, client, headers, tasks[0], upload(client, headers, "gps_DSCN0010.jpg"))
    assert response.status_code == 201, response.get_data(as_text=True)
    results = []
    for task_id, photo, extra in ((tasks[1], "gps_DSCN0012.jpg", 0), (tasks[2], "gps_DSCN0021.jpg", LARGE - SMALL)):
        if extra:
            grow(app, extra)
        sha = upload(client, headers, photo)
        with app.app_context():
            phash = db.session.scalar(sa.select(Photo.phash).where(Photo.sha256 == sha))
            db.session.execute(sa.update(Photo).where(Photo.sha256 != sha).values(
                phash=phash, **{f"phash_b{b}": phash[4 * b:4 * b + 4] for b in range(4)}))
            db.session.commit()
            visits = db.session.scalar(sa.select(sa.func.count()).select_from(Verification))
        response, statements = submit(app, client, headers, task_id, sha)
        assert response.status_code == 201, response.get_data(as_text=True)
        with app.app_context():
            stored = db.session.get(Verification, response.get_json()["id"])
            near = [f.figure_data for f in stored.flags if f.code == "near_duplicate_photo"]
        assert len(near) == 3 and near[-1]["more"] >= min(visits, 200) - 3, (visits, near)
        results.append(len(statements))
    assert results[0] == results[1], f"submit: {results[0]} statements with 10 matching visits, {results[1]} with 500"


@pytest.mark.parametrize("path", [
    "/api/v1/cycles/2025/claims?limit=1000",  # the whole sample in one page: ~10 rows, then ~500
    "/api/v1/cycles/2025/claims",
    "/api/v1/cycles/2025/reports?limit=1000",
    "/api/v1/cycles/2025/aspects?limit=1000",
    "/api/v1/cycles/2025/grades?limit=1000",
    "/api/v1/cycles/2025/rectification?limit=1000",
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


def test_the_review_queue_counted_afresh_is_bounded_and_kept_counts_cost_less(app):
    """The queue's counts are kept per data version: both paths, counted afresh and kept, stay flat."""
    build_world(app)
    client = signed_in(app, "rev")
    fresh, kept = [], []
    for extra in (SMALL, LARGE - SMALL):
        grow(app, extra)
        client.get("/review/")
        _response, statements = statements_of(app, lambda: client.get("/review/"))
        kept.append(len(statements))
        app.extensions["fieldcheck.review_counts"][0].clear()
        response, statements = statements_of(app, lambda: client.get("/review/"))
        assert response.status_code == 200
        fresh.append(len(statements))
    assert fresh[0] == fresh[1] and kept[0] == kept[1]
    assert kept[0] == fresh[0] - 3  # the three counting statements
