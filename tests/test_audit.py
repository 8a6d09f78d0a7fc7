"""The audit trail is a hash chain: edits, deletions, insertions and reorderings are named; actors are recorded."""

from __future__ import annotations

import csv
import io
import json
from datetime import datetime, timedelta

import pytest
import sqlalchemy as sa
from helpers import csrf_token, login

from story import PASSWORD, build_world


def verify(app):
    return app.test_cli_runner().invoke(args=["audit", "verify"])


def events(app):
    from fieldcheck.audit.models import AuditEvent
    from fieldcheck.extensions import db

    with app.app_context():
        return [(e.id, e.seq, e.action) for e in db.session.scalars(sa.select(AuditEvent).order_by(AuditEvent.seq))]


@pytest.fixture
def world(app):
    world = build_world(app)
    client = app.test_client()
    login(client, "org")
    return world


def test_every_committed_event_is_in_the_chain_and_verify_passes(app, world):
    from fieldcheck.audit.models import AuditEvent, AuditHead
    from fieldcheck.extensions import db

    rows = events(app)
    assert rows and [seq for _id, seq, _a in rows] == list(range(1, len(rows) + 1))
    result = verify(app)
    assert result.exit_code == 0, result.output
    with app.app_context():
        head = db.session.get(AuditHead, 1)
        last = db.session.scalar(sa.select(AuditEvent).order_by(AuditEvent.seq.desc()).limit(1))
        assert (head.seq, head.sha256) == (last.seq, last.sha256) == (len(rows), last.sha256)
        assert head.sha256 in result.output


def tamper(app, statement: str, **params):
    from fieldcheck.extensions import db

    with app.app_context():
        with db.engine.begin() as conn:  # outside the app, as someone with database access would
            conn.execute(sa.text(statement), params)


def test_an_edited_event_is_named(app, world):
    decided = next((i, s) for i, s, a in events(app) if a == "task.assign")
    tamper(app, "UPDATE audit_event SET after = :after WHERE id = :id", after='{"state": "approved"}', id=decided[0])
    result = verify(app)
    assert result.exit_code == 1 and f"第 {decided[1]} 条记录" in result.output and "修改" in result.output


def test_an_event_moved_back_in_time_is_named(app, world):
    from fieldcheck.audit.models import AuditEvent
    from fieldcheck.extensions import db

    target = events(app)[3]
    with app.app_context():
        at = db.session.get(AuditEvent, target[0]).at - timedelta(days=3)
    tamper(app, "UPDATE audit_event SET at = :at WHERE id = :id", at=at.replace(tzinfo=None), id=target[0])
    result = verify(app)
    assert result.exit_code == 1 and f"第 {target[1]} 条记录" in result.output


def test_a_deleted_event_is_named(app, world):
    rows = events(app)
    middle = rows[len(rows) // 2]
    tamper(app, "DELETE FROM audit_event WHERE id = :id", id=middle[0])
    result = verify(app)
    assert result.exit_code == 1 and f"第 {middle[1]} 条之前有记录缺失" in result.output


def test_deleting_the_newest_event_is_named_against_the_head(app, world):
    rows = events(app)
    tamper(app, "DELETE FROM audit_event WHERE id = :id", id=rows[-1][0])
    result = verify(app)
    assert result.exit_code == 1 and "缺失" in result.output


def test_an_inserted_event_is_named(app, world):
    tamper(app, "INSERT INTO audit_event (at, action, entity, entity_id, origin) "
                "VALUES (:at, 'task.approve', 'task', '2025/qingshan-county/1', 'web')",
           at=datetime(2025, 6, 1))
    result = verify(app)
    assert result.exit_code == 1 and "不在哈希链中" in result.output


def test_two_events_swapped_are_named(app, world):
    rows = events(app)
    a, b = rows[2], rows[5]
    tamper(app, "UPDATE audit_event SET seq = -1 WHERE id = :id", id=a[0])
    tamper(app, "UPDATE audit_event SET seq = :seq WHERE id = :id", seq=a[1], id=b[0])
    tamper(app, "UPDATE audit_event SET seq = :seq WHERE id = :id", seq=b[1], id=a[0])
    result = verify(app)
    assert result.exit_code == 1 and f"第 {a[1]} 条记录" in result.output and "接不上" in result.output


def test_commands_record_who_acted_with_the_os_user_and_host(app, world, tmp_path):
    from fieldcheck.accounts.models import User
    from fieldcheck.audit.models import AuditEvent
    from fieldcheck.extensions import db

    runner = app.test_cli_runner()
    refused = runner.invoke(args=["cycle", "create", "2026", "--title", "下一年"])
    assert refused.exit_code == 1 and "--as" in refused.output
    wrong_role = runner.invoke(args=["cycle", "create", "2026", "--title", "下一年", "--as", "exa"])
    assert wrong_role.exit_code == 1 and "organizer" not in wrong_role.output and "组织部" in wrong_role.output
    done = runner.invoke(args=["cycle", "create", "2026", "--title", "下一年", "--as", "org"])
    assert done.exit_code == 0, done.output
    with app.app_context():
        event = db.session.scalar(sa.select(AuditEvent).where(AuditEvent.action == "cycle.create",
                                                             AuditEvent.entity_id == "2026"))
        actor = db.session.get(User, event.actor_id)
        assert actor.username == "org" and event.origin.startswith("cli ") and "@" in event.origin
    assert verify(app).exit_code == 0


def test_logins_failed_logins_and_logouts_are_recorded_and_logout_ends_every_copy(app, world):
    from fieldcheck.audit.models import AuditEvent
    from fieldcheck.extensions import db

    anonymous = app.test_client()
    token = csrf_token(anonymous, "/login")
    wrong = anonymous.post("/login", data={"csrf_token": token, "username": "exa", "password": "wrong password"})
    assert wrong.status_code == 401
    phone = app.test_client()
    login(phone, "exa", PASSWORD)
    copy = app.test_client()
    copy.set_cookie("session", phone.get_cookie("session").value)
    assert copy.get("/tasks").status_code == 200  # a copied cookie works while the session lasts
    assert phone.post("/logout", data={"csrf_token": csrf_token(phone, "/tasks")}).status_code == 302
    assert copy.get("/tasks").status_code == 302  # ...and not after signing out anywhere
    with app.app_context():
        actions = [(e.action, e.entity_id, e.after) for e in db.session.scalars(
            sa.select(AuditEvent).where(AuditEvent.action.startswith("user.")).order_by(AuditEvent.id))]
    assert ("user.login_failed", "exa", json.dumps({"known_user": True})) in actions
    assert [a for a, *_ in actions][-2:] == ["user.login", "user.logout"]
    assert "wrong password" not in str(actions)


def test_the_organizer_reads_and_exports_the_trail_filtered(app, world):
    org = app.test_client()
    login(org, "org")
    page = org.get(f"/audit?cycle={world.cycle_code}&action=task.")
    text = page.get_data(as_text=True)
    assert page.status_code == 200 and "task.assign" in text and "cycle.create" not in text
    body = org.get("/audit.csv?action=sample.draw").get_data(as_text=True)
    rows = list(csv.DictReader(io.StringIO(body.lstrip("\ufeff"))))
    assert [r["action"] for r in rows] == ["sample.draw"] and len(rows[0]["sha256"]) == 64
    exported = app.test_cli_runner().invoke(args=["audit", "export", "--action", "task."])
    assert exported.exit_code == 0 and exported.output.count("task.assign") == len(world.task_ids)
    dashboard = org.get(f"/cycles/{world.cycle_code}").get_data(as_text=True)
    assert "哈希链" in dashboard
