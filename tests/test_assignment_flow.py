"""Sending the right examiner: no conflicts of interest, short routes, independent back-checks."""

from __future__ import annotations

import io
import uuid

import sqlalchemy as sa
from helpers import csrf_token, login

from story import FIXTURES, build_world


def put_in_unit(app, username: str, unit_name: str, group: str = "") -> None:
    from fieldcheck.accounts.models import User
    from fieldcheck.extensions import db
    from fieldcheck.accounts.models import Unit

    with app.app_context():
        unit = db.session.scalar(sa.select(Unit).where(Unit.name == unit_name))
        if unit is None:
            unit = Unit(name=unit_name)
            db.session.add(unit)
        unit.group = group
        user = db.session.scalar(sa.select(User).where(User.username == username))
        db.session.flush()
        user.unit_id = unit.id
        db.session.commit()


def tasks_by_examiner(app) -> dict[str, int]:
    from fieldcheck.extensions import db
    from fieldcheck.assignment.models import Task

    with app.app_context():
        counts: dict[str, int] = {}
        for task in db.session.scalars(sa.select(Task).where(Task.kind == "primary")):
            key = task.examiner.username if task.examiner else None
            counts[key] = counts.get(key, 0) + 1
        return counts


def test_an_examiner_of_a_related_unit_is_never_sent(app):
    world = build_world(app, assign=False)
    with app.app_context():
        from fieldcheck.extensions import db
        from fieldcheck.accounts.models import Unit

        db.session.scalar(sa.select(Unit).where(Unit.name == "中共青山县委")).group = "青山县"
        db.session.commit()
    put_in_unit(app, "exb", "青山县柳河镇党委", group="青山县")  # related: same county
    org = app.test_client()
    login(org, "org")
    token = csrf_token(org, "/cycles/2025/assign")
    from fieldcheck.accounts.models import User
    from fieldcheck.extensions import db

    with app.app_context():
        exb_id = db.session.scalar(sa.select(User.id).where(User.username == "exb"))
    r = org.post("/cycles/2025/assign", data={"csrf_token": token, f"task-{world.task_ids[0]}": exb_id})
    assert r.status_code == 400
    assert tasks_by_examiner(app) == {None: len(world.task_ids)}
    r = org.post("/cycles/2025/assign/plan", data={"csrf_token": token})
    assert r.status_code == 302
    assert tasks_by_examiner(app) == {"exa": len(world.task_ids)}  # everything to the one without conflict


def test_the_plan_balances_examiners_and_shows_day_routes(app):
    world = build_world(app, assign=False)
    org = app.test_client()
    login(org, "org")
    token = csrf_token(org, "/cycles/2025/assign")
    assert org.post("/cycles/2025/assign/plan", data={"csrf_token": token}).status_code == 302
    counts = tasks_by_examiner(app)
    assert set(counts) == {"exa", "exb"} and abs(counts["exa"] - counts["exb"]) <= 1
    assert sum(counts.values()) == len(world.task_ids)
    page = org.get("/cycles/2025/routes").get_data(as_text=True)
    assert "km" in page and "/qingshan-county/" in page
    examiner = app.test_client()
    login(examiner, "exa")
    assert "km" in examiner.get("/tasks").get_data(as_text=True)


def submit(app, client, task_id, finding, qty, notes, photo="gps_DSCN0021.jpg"):
    """A plain-form visit; each examiner takes their own photo (another's would be refused)."""
    from fieldcheck.extensions import db
    from fieldcheck.assignment.models import Task

    with app.app_context():
        qids = [q.id for q in db.session.get(Task, task_id).claim.report.cycle.questions]
    data = {"csrf_token": csrf_token(client, "/tasks"), "client_uuid": str(uuid.uuid4()), "finding": finding,
            "observed_qty": str(qty), "notes": notes, "interview-0-respondent": "member",
            "photos": (io.BytesIO((FIXTURES / "photos" / photo).read_bytes()), "p.jpg"),
            **{f"interview-0-q{q}": "4" for q in qids}}
    r = client.post(f"/tasks/{task_id}", data=data, content_type="multipart/form-data")
    assert r.status_code == 302, r.get_data(as_text=True)[:3000]


def approve_latest(app, reviewer, task_id):
    from fieldcheck.extensions import db
    from fieldcheck.assignment.models import Task

    with app.app_context():
        vid = db.session.get(Task, task_id).latest.id
    r = reviewer.post(f"/review/{vid}", data={"csrf_token": csrf_token(reviewer, "/review/"), "decision": "approve"})
    assert r.status_code == 302
    return vid


def test_a_back_check_goes_to_a_second_examiner_blind_and_disagreement_is_flagged(app):
    world = build_world(app)  # everything assigned to exa
    exa, exb, rev, org = (app.test_client() for _ in range(4))
    for client, name in ((exa, "exa"), (exb, "exb"), (rev, "rev"), (org, "org")):
        login(client, name)
    first = world.task_ids[0]
    submit(app, exa, first, "verified", 3, "EXA-SECRET-NOTE")
    approve_latest(app, rev, first)
    r = org.post("/cycles/2025/backchecks", data={"csrf_token": csrf_token(org, "/cycles/2025/assign")})
    assert r.status_code == 302
    from fieldcheck.audit.models import AuditEvent
    from fieldcheck.extensions import db
    from fieldcheck.assignment.models import Task

    with app.app_context():
        back = db.session.scalar(sa.select(Task).where(Task.kind == "backcheck"))
        assert back is not None and back.examiner.username == "exb" and back.claim_id == db.session.get(Task, first).claim_id
        event = db.session.scalar(sa.select(AuditEvent).where(AuditEvent.action == "task.backcheck"))
        assert event.after_data["salt"].endswith("/backcheck")
        back_id = back.id
    page = exb.get(f"/tasks/{back_id}").get_data(as_text=True)
    assert "EXA-SECRET-NOTE" not in page  # the second examiner does not see the first result
    assert exb.get(f"/tasks/{first}").status_code == 403
    submit(app, exb, back_id, "not_verified", 0, "nothing there", photo="gps_DSCN0025.jpg")
    with app.app_context():
        vid = db.session.get(Task, back_id).latest.id
    review_page = rev.get(f"/review/{vid}").get_data(as_text=True)
    assert 'id="disagreement"' in review_page
    # the scores count the primary visit only
    import json

    doc = json.loads(rev.get("/cycles/2025/scores/export.json?level=claim").get_data(as_text=True))
    approved = [r for r in doc["rows"] if r["state"] == "approved"]
    assert len(approved) == 1 and approved[0]["finding_value"] == 1.0
    assert all(r["visit_kind"] == "primary" for r in json.loads(rev.get(
        "/cycles/2025/scores/export.json?level=interviews").get_data(as_text=True))["rows"]
        if r["claim"] == approved[0]["public_id"] and r["verification"] == approved[0]["verification"])
    # drawing again adds nothing new for the same approvals
    org.post("/cycles/2025/backchecks", data={"csrf_token": csrf_token(org, "/cycles/2025/assign")})
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(Task).where(Task.kind == "backcheck")) == 1


def test_the_first_examiner_cannot_review_the_back_check_and_a_reassignment_starts_blind(app):
    world = build_world(app)
    from fieldcheck.accounts.models import User
    from fieldcheck.extensions import db
    from fieldcheck.assignment.models import Task

    with app.app_context():
        exa = db.session.scalar(sa.select(User).where(User.username == "exa"))
        exa.set_roles(["examiner", "reviewer"])
        db.session.commit()
    exa, exb, rev, org = (app.test_client() for _ in range(4))
    for client, name in ((exa, "exa"), (exb, "exb"), (rev, "rev"), (org, "org")):
        login(client, name)
    first = world.task_ids[0]
    submit(app, exa, first, "verified", 3, "first visit")
    approve_latest(app, rev, first)
    org.post("/cycles/2025/backchecks", data={"csrf_token": csrf_token(org, "/cycles/2025/assign")})
    with app.app_context():
        back_id = db.session.scalar(sa.select(Task.id).where(Task.kind == "backcheck"))
    submit(app, exb, back_id, "not_verified", 0, "nothing there", photo="gps_DSCN0025.jpg")
    with app.app_context():
        vid = db.session.get(Task, back_id).latest.id
    assert f"/review/{vid}" not in exa.get("/review/").get_data(as_text=True)
    r = exa.post(f"/review/{vid}", data={"csrf_token": csrf_token(exa, "/review/"), "decision": "reject",
                                         "reason": "不同意"})
    assert r.status_code == 403
    # a blind count belongs to the examiner who made it
    second = world.task_ids[1]
    token = csrf_token(exa, "/tasks")
    exa.post(f"/tasks/{second}/reveal", data={"csrf_token": token, "observed_qty": "3"})
    with app.app_context():
        exb_id = db.session.scalar(sa.select(User.id).where(User.username == "exb"))
    org.post("/cycles/2025/assign", data={"csrf_token": csrf_token(org, "/cycles/2025/assign"), f"task-{second}": exb_id})
    with app.app_context():
        task = db.session.get(Task, second)
        assert task.examiner.username == "exb" and task.blind_qty is None and task.revealed_at is None


def test_units_recorded_on_the_page_and_the_command_line_keep_people_off_their_own_claims(app):
    world = build_world(app, assign=False)
    org = app.test_client()
    login(org, "org")
    token = csrf_token(org, "/people")
    from fieldcheck.accounts.models import User
    from fieldcheck.extensions import db

    with app.app_context():
        exa_id = db.session.scalar(sa.select(User.id).where(User.username == "exa"))
    assert org.post(f"/people/{exa_id}/unit", data={"csrf_token": token, "unit": "青山县柳河镇党委"}).status_code == 302
    assert org.post("/units/group", data={"csrf_token": token, "unit": "青山县柳河镇党委", "group": "青山县"}).status_code == 302
    runner = app.test_cli_runner()
    assert runner.invoke(args=["units", "relate", "青山县", "中共青山县委", "--as", "org"]).exit_code == 0
    result = runner.invoke(args=["users", "create", "exc", "--roles", "examiner", "--unit", "白水县委组织部",
                                 "--password", "long enough 1", "--as", "org"])
    assert result.exit_code == 0, result.output
    page = org.get("/people").get_data(as_text=True)
    assert "青山县柳河镇党委" in page and "白水县委组织部" in page
    r = org.post(f"/cycles/2025/assign", data={"csrf_token": token, f"task-{world.task_ids[0]}": exa_id})
    assert r.status_code == 400  # exa's unit is related to the reporting county
    org.post("/cycles/2025/assign/plan", data={"csrf_token": token})
    counts = tasks_by_examiner(app)
    assert "exa" not in counts and sum(counts.values()) == len(world.task_ids)
