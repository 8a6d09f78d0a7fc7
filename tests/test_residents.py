"""Residents rate on their own phones; the examiner counts before seeing the claimed figures."""

from __future__ import annotations

import io
import re
import uuid
from datetime import timedelta

import sqlalchemy as sa
from helpers import csrf_token, login

from story import FIXTURES, build_world


def issue_code(client, task_id, visit):
    token = csrf_token(client, "/tasks")
    # the examiner's own count comes first (blind verification), then residents may see the claim
    client.post(f"/tasks/{task_id}/reveal", data={"csrf_token": token, "observed_qty": "1"})
    r = client.post(f"/tasks/{task_id}/qr", data={"csrf_token": token, "client_uuid": visit})
    assert r.status_code == 200
    page = r.get_data(as_text=True)
    assert "<svg" in page
    return re.search(r"/r/([A-Za-z0-9_-]+)", page).group(1)


def question_ids(app, task_id):
    from fieldcheck.extensions import db
    from fieldcheck.assignment.models import Task

    with app.app_context():
        return [q.id for q in db.session.get(Task, task_id).claim.report.cycle.questions]


def rate(app, resident, raw, task_id, value=5):
    page = resident.get(f"/r/{raw}")
    if page.status_code != 200:
        return page
    token = re.search(r'name="csrf-token" content="([^"]+)"', page.get_data(as_text=True)).group(1)
    data = {"csrf_token": token, "respondent": "resident", "comment": "路灯确实装了",
            **{f"q{q}": str(value) for q in question_ids(app, task_id)}}
    return resident.post(f"/r/{raw}", data=data)


def test_a_resident_code_works_once_and_the_answer_joins_the_visit(app):
    world = build_world(app)
    task_id = world.task_ids[0]
    examiner = app.test_client()
    login(examiner, "exa")
    visit = str(uuid.uuid4())
    raw = issue_code(examiner, task_id, visit)
    resident = app.test_client()  # no account
    page = resident.get(f"/r/{raw}").get_data(as_text=True)
    from fieldcheck.extensions import db
    from fieldcheck.field.models import Interview
    from fieldcheck.residents.models import RatingToken
    from fieldcheck.assignment.models import Task

    with app.app_context():
        claim_text = db.session.get(Task, task_id).claim.text
        assert db.session.scalar(sa.select(RatingToken.token_sha256)) != raw  # only the hash is kept
    assert claim_text in page
    r = rate(app, resident, raw, task_id)
    assert r.status_code == 200 and 'id="thanks"' in r.get_data(as_text=True)
    again = rate(app, app.test_client(), raw, task_id)
    assert again.status_code == 410
    # the examiner submits with no interview of their own: the resident's answer counts
    token = csrf_token(examiner, f"/tasks/{task_id}")
    r = examiner.post(f"/tasks/{task_id}", content_type="multipart/form-data", data={
        "csrf_token": token, "client_uuid": visit, "finding": "verified", "observed_qty": "1",
        "photos": (io.BytesIO((FIXTURES / "photos" / "gps_DSCN0025.jpg").read_bytes()), "p.jpg")})
    assert r.status_code == 302, r.get_data(as_text=True)[:2000]
    with app.app_context():
        interviews = db.session.get(Task, task_id).latest.interviews
        assert [(i.source, i.respondent) for i in interviews] == [("qr", "resident")]
        assert [r.value for r in interviews[0].ratings] == [5, 5, 5]
        # nothing about the resident but the answers
        columns = set(Interview.__table__.columns.keys())
        assert not columns & {"name", "phone", "ip", "address", "user_agent"}


def test_an_expired_or_unknown_code_is_refused(app):
    world = build_world(app)
    examiner = app.test_client()
    login(examiner, "exa")
    raw = issue_code(examiner, world.task_ids[0], str(uuid.uuid4()))
    from fieldcheck.db import utcnow
    from fieldcheck.extensions import db
    from fieldcheck.field.models import Interview
    from fieldcheck.residents.models import RatingToken

    with app.app_context():
        db.session.scalar(sa.select(RatingToken)).expires_at = utcnow() - timedelta(minutes=1)
        db.session.commit()
    assert rate(app, app.test_client(), raw, world.task_ids[0]).status_code == 410
    assert app.test_client().get("/r/made-up-token").status_code == 404
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(Interview)) == 0


def test_no_code_before_the_examiners_own_count_and_none_after_the_submit(app):
    world = build_world(app)
    task_id = world.task_ids[0]
    examiner = app.test_client()
    login(examiner, "exa")
    token = csrf_token(examiner, "/tasks")
    r = examiner.post(f"/tasks/{task_id}/qr", data={"csrf_token": token, "client_uuid": str(uuid.uuid4())})
    assert r.status_code == 409  # the resident's page would show the figures
    visit = str(uuid.uuid4())
    raw = issue_code(examiner, task_id, visit)
    r = examiner.post(f"/tasks/{task_id}", content_type="multipart/form-data", data={
        "csrf_token": token, "client_uuid": visit, "finding": "verified", "interview-0-respondent": "member",
        **{f"interview-0-q{q}": "3" for q in question_ids(app, task_id)},
        "photos": (io.BytesIO((FIXTURES / "photos" / "gps_DSCN0025.jpg").read_bytes()), "p.jpg")})
    assert r.status_code == 302
    late = rate(app, app.test_client(), raw, task_id)
    assert late.status_code == 410  # the visit is closed: a late answer would belong to nothing


def test_only_the_assigned_examiner_can_issue_codes(app):
    world = build_world(app)
    other = app.test_client()
    login(other, "exb")
    r = other.post(f"/tasks/{world.task_ids[0]}/qr",
                   data={"csrf_token": csrf_token(other, "/tasks"), "client_uuid": str(uuid.uuid4())})
    assert r.status_code == 403


def test_blind_count_is_recorded_before_the_figures_are_shown(app):
    world = build_world(app)
    task_id = world.task_ids[0]
    examiner = app.test_client()
    login(examiner, "exa")
    from fieldcheck.extensions import db
    from fieldcheck.assignment.models import Task

    with app.app_context():
        text = db.session.get(Task, task_id).claim.text
    figures = re.findall(r"[0-9]+", text)
    assert figures, "the fixture claim should carry a figure"
    page = examiner.get(f"/tasks/{task_id}").get_data(as_text=True)
    claim_html = re.search(r'<p class="claimtext" id="claim">(.*?)</p>', page, re.S).group(1)
    assert not re.search(r"[0-9]", claim_html) and "▢" in claim_html
    token = csrf_token(examiner, f"/tasks/{task_id}")
    r = examiner.post(f"/tasks/{task_id}/reveal", data={"csrf_token": token, "observed_qty": "abc"})
    assert r.status_code == 302
    with app.app_context():
        assert db.session.get(Task, task_id).revealed_at is None
    examiner.post(f"/tasks/{task_id}/reveal", data={"csrf_token": token, "observed_qty": "2"})
    examiner.post(f"/tasks/{task_id}/reveal", data={"csrf_token": token, "observed_qty": "9"})  # cannot be redone
    page = examiner.get(f"/tasks/{task_id}").get_data(as_text=True)
    assert figures[0] in re.search(r'<p class="claimtext" id="claim">(.*?)</p>', page, re.S).group(1)
    with app.app_context():
        task = db.session.get(Task, task_id)
        assert task.blind_qty == 2 and task.revealed_at is not None
