"""Closing the cycle: honest figures at the close, the snapshot and its hash, reopening on the record, the rules."""

from __future__ import annotations

import hashlib
import html
import json

import pytest
import sqlalchemy as sa
from helpers import csrf_token, login

from story import build_world


def visit_and_decide(app, task_id, decision, finding="verified", reviewers=("rev",)):
    """exa visits the task; each reviewer in turn posts the decision (a rejection needs two)."""
    from test_loop import visit_form

    from fieldcheck.assignment.models import Task
    from fieldcheck.extensions import db

    examiner = app.test_client()
    login(examiner, "exa")
    assert examiner.post(f"/tasks/{task_id}", data={"csrf_token": csrf_token(examiner, "/tasks"),
                                                    **visit_form(app, task_id, finding=finding, ratings=(5, 5, 5))},
                         content_type="multipart/form-data").status_code == 302
    with app.app_context():
        vid = db.session.get(Task, task_id).latest.id
    for name in reviewers:
        reviewer = app.test_client()
        login(reviewer, name)
        assert reviewer.post(f"/review/{vid}", data={"csrf_token": csrf_token(reviewer, "/review/"),
                                                     "decision": decision, "reason_code": "photos_doubtful",
                                                     "reason": "照片不是现场"}).status_code == 302


def report_row(org, code="2025"):
    return json.loads(org.get(f"/cycles/{code}/scores/export.json").get_data(as_text=True))["rows"][0]


def test_a_rejected_drawn_claim_counts_at_once_and_every_undecided_one_at_close(app):
    from fieldcheck.audit.models import AuditEvent
    from fieldcheck.cycles.models import CycleSnapshot
    from fieldcheck.extensions import db

    world = build_world(app)
    drawn = len(world.task_ids)
    assert drawn >= 3
    visit_and_decide(app, world.task_ids[0], "approve")
    visit_and_decide(app, world.task_ids[1], "reject", reviewers=("rev", "multi"))
    org = app.test_client()
    login(org, "org")
    row = report_row(org)
    # Before the close: decided 2 of the drawn, the rejected one counted as not verified (1 of 2).
    assert (row["drawn"], row["decided"], row["sample_size"], row["failures"]) == (drawn, 2, 2, 1)
    assert row["verified_share"] == 0.5 and row["provisional"] is True
    page = org.get("/cycles/2025/scores/").get_data(as_text=True)
    assert "暂定" in page and "已决定 2 / 抽中 %d" % drawn in page
    token = csrf_token(org, "/")
    org.post("/cycles/2025/end-fieldwork", data={"csrf_token": token, "reason": "到期"})
    r = org.post("/cycles/2025/close", data={"csrf_token": token, "reason": "定稿", "confirm": "1"})
    assert r.status_code == 302
    row = report_row(org)
    # At the close every drawn claim counts: the approved one verified, all the others not.
    assert (row["sample_size"], row["failures"], row["provisional"]) == (drawn, drawn - 1, False)
    assert row["verified_share"] == pytest.approx(1 / drawn)
    claims = json.loads(org.get("/cycles/2025/scores/export.json?level=claim").get_data(as_text=True))["rows"]
    reasons = sorted(c["unverified_reason"] or "" for c in claims)
    assert all(c["score"] == 0.0 for c in claims if c["unverified_reason"])
    assert reasons == sorted([""] + ["rejected"] + ["not_visited"] * (drawn - 2))
    with app.app_context():
        snapshot = db.session.scalar(sa.select(CycleSnapshot))
        body = snapshot.body.encode("utf-8")
        assert hashlib.sha256(body).hexdigest() == snapshot.sha256
        document = json.loads(body)
        assert document["reports"][0]["sample_size"] == drawn and document["confidence"] == 0.9
        assert document["audit_head"] == snapshot.audit_head
        event = db.session.scalar(sa.select(AuditEvent).where(AuditEvent.action == "cycle.snapshot"))
        assert snapshot.sha256 in event.after
        snapshot_id, sha = snapshot.id, snapshot.sha256
    # The hash is on the public page, and the organizer downloads exactly the bytes hashed.
    assert sha in app.test_client().get("/p/2025").get_data(as_text=True)
    download = org.get(f"/cycles/2025/snapshots/{snapshot_id}.json")
    assert hashlib.sha256(download.data).hexdigest() == sha
    # Frozen: the figures do not move, and no grade, ballot or rule is taken any more.
    assert report_row(org) == row
    r = org.post("/cycles/2025/grades/qingshan-county", data={"csrf_token": token, "grade": "好"})
    with app.app_context():
        from fieldcheck.grading.models import GradeDecision

        assert db.session.scalar(sa.select(sa.func.count()).select_from(GradeDecision)) == 0


def test_bounds_follow_the_cycle_confidence_in_the_export(app):
    from fieldcheck.cycles.models import Cycle
    from fieldcheck.extensions import db

    world = build_world(app)
    visit_and_decide(app, world.task_ids[0], "approve")
    org = app.test_client()
    login(org, "org")
    at_90 = report_row(org)
    with app.app_context():
        db.session.execute(sa.update(Cycle).values(confidence=0.5))
        db.session.commit()
    at_50 = report_row(org)
    assert at_90["confidence"] == 0.9 and at_50["confidence"] == 0.5
    assert at_50["false_claims_upper_bound"] < at_90["false_claims_upper_bound"]


def test_reopening_needs_a_reason_and_a_second_organizer_and_keeps_the_old_snapshot(app):
    from fieldcheck.accounts.operations import create_user
    from fieldcheck.audit.models import AuditEvent
    from fieldcheck.cycles.models import Cycle, CycleSnapshot
    from fieldcheck.extensions import db

    world = build_world(app)
    with app.test_request_context():
        create_user("org2", "PASSWORD-2", ["organizer"])
        db.session.commit()
    runner = app.test_cli_runner()
    assert runner.invoke(args=["cycle", "end-fieldwork", world.cycle_code, "--reason", "到期", "--as", "org"]).exit_code == 0
    closed = runner.invoke(args=["cycle", "close", world.cycle_code, "--as", "org"])
    assert closed.exit_code == 0, closed.output
    first_sha = closed.output.strip()
    org = app.test_client()
    login(org, "org")
    token = csrf_token(org, "/")
    # No reason: refused, nothing asked.
    org.post("/cycles/2025/reopen", data={"csrf_token": token, "reason": " "})
    # The same organizer cannot confirm their own request.
    org.post("/cycles/2025/reopen", data={"csrf_token": token, "reason": "一份访谈漏录"})
    org.post("/cycles/2025/reopen", data={"csrf_token": token, "action": "confirm"})
    with app.app_context():
        assert db.session.scalar(sa.select(Cycle.state)) == "closed"
    refused = runner.invoke(args=["cycle", "reopen", world.cycle_code, "--confirm", "--as", "org"])
    assert refused.exit_code != 0 and "第二位" in refused.output
    second = app.test_client()
    login(second, "org2", "PASSWORD-2")
    assert "一份访谈漏录" in second.get("/cycles/2025").get_data(as_text=True)
    second.post("/cycles/2025/reopen", data={"csrf_token": csrf_token(second, "/"), "action": "confirm"})
    with app.app_context():
        assert db.session.scalar(sa.select(Cycle.state)) == "review"
        old = db.session.scalar(sa.select(CycleSnapshot))
        assert old.sha256 == first_sha and old.superseded_at is not None
        reopen = db.session.scalar(sa.select(AuditEvent).where(AuditEvent.action == "cycle.reopen"))
        assert first_sha in reopen.before and "一份访谈漏录" in reopen.after
    public = app.test_client().get("/p/2025").get_data(as_text=True)
    assert first_sha in public and 'id="snapshot-sha256"' not in public
    # Closed again: a new snapshot in force, the old one still listed.
    assert runner.invoke(args=["cycle", "close", world.cycle_code, "--as", "org2"]).exit_code == 0
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(CycleSnapshot)) == 2


def test_weights_and_grade_rules_are_edited_until_the_close_on_the_record(app):
    from fieldcheck.audit.models import AuditEvent
    from fieldcheck.cycles.models import Cycle
    from fieldcheck.extensions import db

    world = build_world(app)
    org = app.test_client()
    login(org, "org")
    page = html.unescape(org.get("/cycles/2025/rules").get_data(as_text=True))
    assert "100 × (0.6 × 核查结论 + 0.4 × 满意度/100)" in page and "“好”不低于 90" in page
    with app.app_context():
        aspects = [a.code for a in db.session.scalar(sa.select(Cycle)).aspects]
    form = {"csrf_token": csrf_token(org, "/cycles/2025/rules"), "finding_weight": "0.7", "satisfaction_weight": "0.3",
            "partly_value": "0.5", **{f"aspect-{a}": "1" for a in aspects}, "gw-verification": "0.6",
            "gw-ballot": "0.2", "gw-routine": "0.2", "bp-0": "100", "bp-1": "75", "bp-2": "50", "bp-3": "0",
            "th-0": "92", "th-1": "80", "th-2": "60", "cap": "0.3", "k": "2"}
    # Weights that do not add up, and a word for a number: refused with the reason, nothing changed.
    bad = org.post("/cycles/2025/rules", data={**form, "gw-routine": "0.5"})
    assert bad.status_code == 400 and "加起来" in bad.get_data(as_text=True)
    bad = org.post("/cycles/2025/rules", data={**form, "th-0": "九十"})
    assert bad.status_code == 400
    with app.app_context():
        assert db.session.scalar(sa.select(Cycle.grade_rules)) is None
    assert org.post("/cycles/2025/rules", data=form).status_code == 302
    page = html.unescape(org.get("/cycles/2025/rules").get_data(as_text=True))
    assert "100 × (0.7 × 核查结论 + 0.3 × 满意度/100)" in page and "“好”不低于 92" in page
    assert "超过 2 项" in page and "0.3" in page
    [row] = json.loads(app.test_cli_runner().invoke(args=["grade", world.cycle_code, "--json"]).output)
    with app.app_context():
        event = db.session.scalar(sa.select(AuditEvent).where(AuditEvent.action == "cycle.rules"))
        assert '"false_bound_k": 2' in event.after and '"false_bound_k": null' in event.before
    export = json.loads(org.get("/cycles/2025/scores/export.json").get_data(as_text=True))
    assert export["score_weights"]["finding"] == 0.7 and "0.7*f" in export["formula"]
    assert row["report"] == world.report_slug


def test_fieldwork_ends_without_a_reason_only_when_every_drawn_claim_is_decided(app):
    from fieldcheck.assignment.models import Task
    from fieldcheck.cycles.models import Cycle
    from fieldcheck.extensions import db

    world = build_world(app)
    runner = app.test_cli_runner()
    refused = runner.invoke(args=["cycle", "end-fieldwork", world.cycle_code, "--as", "org"])
    assert refused.exit_code != 0 and f"{len(world.task_ids)} 项" in refused.output
    with app.app_context():
        assert db.session.scalar(sa.select(Cycle.state)) == "fieldwork"
        # Every visit decided (set directly: the pages' decisions are tested elsewhere).
        db.session.execute(sa.update(Task).values(state="approved"))
        db.session.execute(sa.update(Task).where(Task.id == world.task_ids[0]).values(state="rejected"))
        db.session.commit()
    done = runner.invoke(args=["cycle", "end-fieldwork", world.cycle_code, "--as", "org"])
    assert done.exit_code == 0, done.output
    with app.app_context():
        assert db.session.scalar(sa.select(Cycle.state)) == "review"
