"""The combined evaluation: verification + meeting ballot + routine research → a proposed grade the organizer decides."""

from __future__ import annotations

import json
import re

import sqlalchemy as sa
from helpers import csrf_token, login

from story import build_world


def approve_first_visit(app, world):
    """exa visits the first task (verified, ratings 5/5/5), rev approves: claim score 100."""
    from test_loop import visit_form

    examiner = app.test_client()
    login(examiner, "exa")
    task_id = world.task_ids[0]
    token = csrf_token(examiner, "/tasks")
    assert examiner.post(f"/tasks/{task_id}", data={"csrf_token": token, **visit_form(app, task_id, ratings=(5, 5, 5))},
                         content_type="multipart/form-data").status_code == 302
    from fieldcheck.assignment.models import Task
    from fieldcheck.extensions import db

    with app.app_context():
        vid = db.session.get(Task, task_id).latest.id
    reviewer = app.test_client()
    login(reviewer, "rev")
    assert reviewer.post(f"/review/{vid}", data={"csrf_token": csrf_token(reviewer, "/review/"),
                                                 "decision": "approve"}).status_code == 302


def test_the_grade_combines_the_three_parts_and_the_organizer_decides_on_the_record(app, tmp_path):
    from fieldcheck.audit.models import AuditEvent
    from fieldcheck.extensions import db

    world = build_world(app)
    approve_first_visit(app, world)
    runner = app.test_cli_runner()
    # Paper ballots: 6 好, 3 较好, 1 一般 → (600 + 240 + 60) / 10 = 90
    org = app.test_client()
    login(org, "org")
    org.post(f"/cycles/{world.cycle_code}/ballots", data={"csrf_token": csrf_token(org, "/"), "count": "1",
                                                          "hours": "1"})
    tally = tmp_path / "tally.csv"
    tally.write_text("unit,好,较好,一般,差\n中共青山县委,6,3,1,0\n", "utf-8")
    assert runner.invoke(args=["ballot", "import", world.cycle_code, str(tally), "--as", "org"]).exit_code == 0
    routine = tmp_path / "routine.csv"
    routine.write_text("unit,score,note\n中共青山县委,84,走访两次\n", "utf-8")
    assert runner.invoke(args=["routine", "import", world.cycle_code, str(routine), "--as", "org"]).exit_code == 0
    [row] = json.loads(runner.invoke(args=["grade", world.cycle_code, "--json"]).output)
    # verification total 100 (one approved claim scoring 100); composite 0.5×100 + 0.3×90 + 0.2×84 = 93.8
    assert (row["verification_total"], row["ballot_score"], row["routine_score"]) == (100.0, 90.0, 84.0)
    assert row["composite"] == 93.8 and row["proposed_grade"] == "好" and row["grade"] is None
    assert row["provisional"] is True  # fieldwork still open: only 1 of the drawn claims decided
    assert row["sample_size"] == len(world.task_ids) and row["decided"] == 1
    assert set(row) >= {"report", "unit", "verification_total", "ballot_score", "routine_score", "composite",
                        "proposed_grade", "grade", "provisional", "annual_excellent_allowed", "talk_required",
                        "sample_size", "population", "not_verified", "confidence", "verified_share_lower",
                        "false_claims_upper"}
    board = org.get(f"/cycles/{world.cycle_code}/grades").get_data(as_text=True)
    assert "93.8" in board and "暂定" in board
    # Grades are decided once fieldwork has ended; a grade other than proposed needs a reason.
    token = csrf_token(org, "/")
    org.post(f"/cycles/{world.cycle_code}/grades/{world.report_slug}", data={"csrf_token": token, "grade": "好"})
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(AuditEvent)
                                 .where(AuditEvent.action == "grade.decide")) == 0
    org.post(f"/cycles/{world.cycle_code}/end-fieldwork", data={"csrf_token": token, "reason": "按期结束"})
    refused = org.post(f"/cycles/{world.cycle_code}/grades/{world.report_slug}",
                       data={"csrf_token": token, "grade": "较好", "reason": ""}, follow_redirects=True)
    assert "书面理由" in refused.get_data(as_text=True)
    org.post(f"/cycles/{world.cycle_code}/grades/{world.report_slug}",
             data={"csrf_token": token, "grade": "较好", "reason": "常委会研究决定：群众反映的问题尚未整改"})
    [row] = json.loads(runner.invoke(args=["grade", world.cycle_code, "--json"]).output)
    assert row["grade"] == "较好" and row["annual_excellent_allowed"] is False and row["talk_required"] is False
    with app.app_context():
        event = db.session.scalar(sa.select(AuditEvent).where(AuditEvent.action == "grade.decide"))
        assert event.after_data == {"proposed": "好", "grade": "较好",
                                    "reason": "常委会研究决定：群众反映的问题尚未整改"}


def test_routine_scores_are_all_or_nothing(app, tmp_path):
    from fieldcheck.extensions import db
    from fieldcheck.grading.models import RoutineScore

    world = build_world(app)
    bad = tmp_path / "routine.csv"
    bad.write_text("unit,score,note\n中共青山县委,101,\n", "utf-8")
    result = app.test_cli_runner().invoke(args=["routine", "import", world.cycle_code, str(bad), "--as", "org"])
    assert result.exit_code == 1 and re.search(r"第 2 行.*0 到 100", result.output)
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(RoutineScore)) == 0
