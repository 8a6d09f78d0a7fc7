"""Each task names its latest visit (Task.latest_verification_id): the submit writes it, the lists read it,
the migration fills it for visits stored before, and the doctor finds and mends a wrong one."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import timedelta

import pytest
import sqlalchemy as sa
from helpers import login, submit_visit

from story import build_world


def submit(app, examiner, task_id: int, photo: str = "gps_DSCN0010.jpg") -> int:
    return submit_visit(app, examiner, task_id, photo)


def add_older_visit(app, task_id: int, before_id: int) -> int:
    """A visit stored after `before_id` (a higher id) but made earlier: never the task's latest."""
    from fieldcheck.extensions import db
    from fieldcheck.field.models import Verification

    with app.app_context():
        first = db.session.get(Verification, before_id)
        older = Verification(client_uuid=str(uuid.uuid4()), task_id=task_id, examiner_id=first.examiner_id,
                             finding="not_verified", notes="旧", submitted_at=first.submitted_at - timedelta(days=2))
        db.session.add(older)
        db.session.commit()
        return older.id


def latest_of(app, task_id: int) -> int | None:
    from fieldcheck.assignment.models import Task
    from fieldcheck.extensions import db

    with app.app_context():
        return db.session.scalar(sa.select(Task.latest_verification_id).where(Task.id == task_id))


@dataclass
class Visited:
    world: object
    examiner: object  # exa's signed-in client
    task_id: int
    latest: int  # the visit exa submitted
    older: int  # a visit stored after it (higher id) but made earlier


@pytest.fixture
def visited(app) -> Visited:
    """The story's world, with exa's visit to its first task and an older visit stored after it."""
    world = build_world(app)
    examiner = app.test_client()
    login(examiner, "exa")
    task_id = world.task_ids[0]
    latest = submit(app, examiner, task_id)
    return Visited(world, examiner, task_id, latest, add_older_visit(app, task_id, latest))


def test_the_submit_names_its_visit_and_the_queue_shows_only_that_one(app, visited):
    from fieldcheck.accounts.models import User
    from fieldcheck.extensions import db
    from fieldcheck.review.queue import Filters, queue_counts, queue_page

    first, second = visited.world.task_ids[:2]
    v1 = visited.latest
    assert first == visited.task_id and visited.older > v1 and latest_of(app, first) == v1
    v2 = submit(app, visited.examiner, second, "gps_DSCN0012.jpg")
    assert latest_of(app, second) == v2 and latest_of(app, first) == v1
    with app.app_context():
        rev = db.session.scalar(sa.select(User).where(User.username == "rev"))
        items, _ = queue_page(rev, Filters())
        assert [i.verification_id for i in items] == [v1, v2]
        assert queue_counts(rev).total == 2


def test_the_scores_and_the_claim_export_read_the_named_visit(app, visited):
    from fieldcheck.assignment.models import Task
    from fieldcheck.cycles.models import Cycle
    from fieldcheck.export.rows import claim_rows
    from fieldcheck.extensions import db
    from fieldcheck.scores.compute import approved_results

    task_id, v1 = visited.task_id, visited.latest
    with app.app_context():
        db.session.get(Task, task_id).state = "approved"
        db.session.commit()
        cycle = db.session.scalar(sa.select(Cycle).where(Cycle.code == visited.world.cycle_code))
        results = [r for rs in approved_results(cycle).values() for r in rs]
        assert [r.finding for r in results] == ["verified"]
        rows = [r for r in claim_rows(cycle) if r["verification"] is not None]
        assert [(r["verification"], r["finding"]) for r in rows] == [(v1, "verified")]


def test_the_doctor_finds_a_wrong_latest_visit_and_mends_it(app, visited):
    from fieldcheck.assignment.models import Task
    from fieldcheck.extensions import db

    world, task_id, v1, older = visited.world, visited.task_id, visited.latest, visited.older
    runner = app.test_cli_runner()
    assert runner.invoke(args=["doctor"]).exit_code == 0
    with app.app_context():
        db.session.get(Task, task_id).latest_verification_id = older
        db.session.get(Task, world.task_ids[1]).latest_verification_id = v1  # a task never visited
        db.session.commit()
    found = runner.invoke(args=["doctor"])
    assert found.exit_code == 1 and f"task {task_id}" in found.output and f"task {world.task_ids[1]}" in found.output
    fixed = runner.invoke(args=["doctor", "--fix"])
    assert fixed.exit_code == 0, fixed.output
    assert latest_of(app, task_id) == v1 and latest_of(app, world.task_ids[1]) is None
    assert runner.invoke(args=["doctor"]).exit_code == 0


def test_the_migration_names_the_latest_visit_of_visits_stored_before_it(app, visited):
    from flask_migrate import downgrade, upgrade

    from fieldcheck.extensions import db

    world, task_id, v1 = visited.world, visited.task_id, visited.latest
    with app.app_context():
        db.session.remove()
        downgrade(revision="0016")
        columns = {c["name"] for c in sa.inspect(db.engine).get_columns("task")}
        assert "latest_verification_id" not in columns
        upgrade()
        db.session.remove()
    assert latest_of(app, task_id) == v1
    assert latest_of(app, world.task_ids[1]) is None
