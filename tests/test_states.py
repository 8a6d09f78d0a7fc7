"""One table of transitions per entity, and the one function that moves state refuses every illegal pair."""

from __future__ import annotations

import itertools
import json

import pytest
import sqlalchemy as sa

from story import build_world


def machines():
    from fieldcheck.assignment.states import TASK
    from fieldcheck.cycles.states import CYCLE
    from fieldcheck.rectification.states import ITEM
    from fieldcheck.reports.states import CLAIM, DRAFTING

    return {"cycle": CYCLE, "claim": CLAIM, "task": TASK, "drafting": DRAFTING, "rectification_item": ITEM}


def test_the_tables_match_the_documented_states():
    m = machines()
    assert m["cycle"].states == {"draft", "published", "sampled", "fieldwork", "review", "closed"}
    assert m["claim"].states == {"proposed", "confirmed", "excluded"}
    assert m["task"].states == {"unassigned", "assigned", "submitted", "approved", "returned", "rejected"}
    assert m["drafting"].states == {"submitted", "returned", "filed"}
    assert m["drafting"].transitions["filed"] == frozenset()  # a filed report is frozen
    # overdue is computed from the deadline, never a stored state.
    assert m["rectification_item"].states == {"open", "in_progress", "done", "signed_off"}
    # The cycle moves forward one step at a time; the one way back is reopening a closed cycle for review
    # (on the record, with a second organizer: grading/closing.py).
    order = ["draft", "published", "sampled", "fieldwork", "review", "closed"]
    for before, after in itertools.product(order, order):
        reopen = (before, after) == ("closed", "review")
        assert m["cycle"].can(before, after) == (order.index(after) == order.index(before) + 1 or reopen)


def rows_for(app):
    """One real row of each entity, in the same database."""
    from fieldcheck.assignment.models import Task
    from fieldcheck.cycles.models import Cycle
    from fieldcheck.extensions import db
    from fieldcheck.reports.draft_models import Drafting
    from fieldcheck.reports.models import Claim, Report

    from fieldcheck.rectification.models import RectificationItem
    from fieldcheck.rectification.operations import add_item

    world = build_world(app)
    with app.test_request_context():
        cycle_id = db.session.scalar(sa.select(Cycle.id).where(Cycle.code == world.cycle_code))
        task_id = world.task_ids[0]
        claim_id = db.session.get(Task, task_id).claim_id
        report = db.session.scalar(sa.select(Report))
        drafting = Drafting(cycle_id=cycle_id, unit_id=report.unit_id, slug="drafted", title="t", secretary="s",
                            state="submitted", round=1, filed_sha256="")
        db.session.add(drafting)
        db.session.commit()
        drafting_id = drafting.id
        item_id = add_item(db.session.get(Claim, claim_id).report, None, "问题").id
        db.session.commit()
    return {"cycle": (Cycle, cycle_id), "claim": (Claim, claim_id), "task": (Task, task_id),
            "drafting": (Drafting, drafting_id), "rectification_item": (RectificationItem, item_id)}


@pytest.mark.parametrize("entity", ["cycle", "claim", "task", "drafting", "rectification_item"])
def test_every_illegal_transition_is_refused_and_changes_nothing(app, entity):
    from fieldcheck.audit.models import AuditEvent
    from fieldcheck.errors import OperationError
    from fieldcheck.extensions import db

    machine = machines()[entity]
    model, row_id = rows_for(app)[entity]
    refused = allowed = 0
    for before, after in itertools.product(sorted(machine.states), sorted(machine.states)):
        with app.test_request_context():
            db.session.execute(sa.update(model).where(model.id == row_id).values(state=before))
            events = db.session.scalar(sa.select(sa.func.count()).select_from(AuditEvent))
            obj = db.session.get(model, row_id)
            if machine.can(before, after):
                event = machine.move(obj, after, f"{entity}.test", "label")
                assert obj.state == after and event.before_data["state"] == before
                assert json.loads(event.after)["state"] == after
                allowed += 1
            else:
                with pytest.raises(OperationError) as refusal:
                    machine.move(obj, after, f"{entity}.test", "label")
                assert refusal.value.status == 409 and refusal.value.code == "illegal_transition"
                db.session.expire_all()
                assert db.session.get(model, row_id).state == before
                assert db.session.scalar(sa.select(sa.func.count()).select_from(AuditEvent)) == events
                refused += 1
            db.session.rollback()
    assert allowed == sum(len(v) for v in machine.transitions.values())
    assert refused == len(machine.states) ** 2 - allowed


def test_a_move_from_a_state_read_before_someone_else_moved_the_row_is_refused(app):
    """The conditional UPDATE: two requests read 'submitted'; the second decision finds the row moved."""
    from fieldcheck.assignment.models import Task
    from fieldcheck.assignment.states import TASK
    from fieldcheck.errors import OperationError
    from fieldcheck.extensions import db

    task_id = rows_for(app)["task"][1]
    with app.test_request_context():
        db.session.execute(sa.update(Task).where(Task.id == task_id).values(state="submitted"))
        db.session.commit()
        stale = db.session.get(Task, task_id)
        assert stale.state == "submitted"
        # Another request approves it meanwhile (a raw UPDATE outside this session's identity map).
        with db.engine.begin() as other:
            other.execute(sa.update(Task).where(Task.id == task_id).values(state="approved"))
        with pytest.raises(OperationError) as refusal:
            TASK.move(stale, "returned", "task.return", "label")
        assert refusal.value.code == "conflict"
        db.session.rollback()
        assert db.session.get(Task, task_id).state == "approved"


def test_the_cycle_walks_through_review_to_closed_and_then_refuses_work(app):
    from helpers import csrf_token, login

    from fieldcheck.assignment.models import Task
    from fieldcheck.audit.models import AuditEvent
    from fieldcheck.cycles.models import Cycle
    from fieldcheck.extensions import db

    world = build_world(app)
    org = app.test_client()
    login(org, "org")
    token = csrf_token(org, "/")
    base = f"/cycles/{world.cycle_code}"
    # Closing straight from fieldwork is not a step of the table.
    assert org.post(f"{base}/close", data={"csrf_token": token}).status_code == 302
    with app.app_context():
        assert db.session.scalar(sa.select(Cycle.state).where(Cycle.code == world.cycle_code)) == "fieldwork"
    # Ending fieldwork needs a reason, then moves to review.
    org.post(f"{base}/end-fieldwork", data={"csrf_token": token, "reason": ""})
    with app.app_context():
        assert db.session.scalar(sa.select(Cycle.state).where(Cycle.code == world.cycle_code)) == "fieldwork"
    org.post(f"{base}/end-fieldwork", data={"csrf_token": token, "reason": "村里下大雪，提前结束"})
    with app.app_context():
        assert db.session.scalar(sa.select(Cycle.state).where(Cycle.code == world.cycle_code)) == "review"
    # In review no task is assigned and no visit is taken.
    exa = app.test_client()
    login(exa, "exa")
    page = exa.post(f"/api/tasks/{world.task_ids[0]}/verifications", json={"client_uuid": "0" * 8 + "-0000-4000-8000-" + "0" * 12,
                                                                      "finding": "site_not_found"},
                    headers={"X-CSRFToken": csrf_token(exa, "/")})
    assert page.status_code == 409 and page.get_json()["error"] == "fieldwork_ended"
    assert org.post(f"{base}/close", data={"csrf_token": token, "reason": "定稿", "confirm": "1"}).status_code == 302
    with app.app_context():
        assert db.session.scalar(sa.select(Cycle.state).where(Cycle.code == world.cycle_code)) == "closed"
        actions = db.session.scalars(sa.select(AuditEvent.action).where(AuditEvent.entity == "cycle")
                                     .order_by(AuditEvent.id)).all()
        assert actions[-3:] == ["cycle.review", "cycle.close", "cycle.snapshot"]
        assert db.session.get(Task, world.task_ids[0]).state == "assigned"
