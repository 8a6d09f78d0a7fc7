"""No 500 from input: what a database or parser would choke on is refused as the user's mistake (400/404)."""

from __future__ import annotations

import pytest
import sqlalchemy as sa
from helpers import csrf_token, login

from story import build_world


@pytest.fixture
def world_clients(app):
    world = build_world(app)
    clients = {}
    for name in ("org", "exa", "rev"):
        clients[name] = app.test_client()
        login(clients[name], name)
    return world, clients


def post(client, url, data=None, json=None):
    token = csrf_token(client, "/")
    if json is not None:
        return client.post(url, json=json, headers={"X-CSRFToken": token})
    return client.post(url, data={"csrf_token": token, **(data or {})})


def test_nul_bytes_and_control_characters_are_refused_before_the_database(app, world_clients):
    world, c = world_clients
    anonymous = app.test_client()
    token = csrf_token(anonymous, "/login")
    cases = [
        anonymous.post("/login", data={"csrf_token": token, "username": "org\x00", "password": "x"}),
        post(c["org"], "/cycles/", {"code": "2031", "title": "标题\x00", "aspects": "a | 甲 | A | 1",
                                    "questions": "好吗？", "min_per_stratum": "3"}),
        post(c["org"], f"/cycles/{world.cycle_code}/reports/new", {"unit": "单位", "secretary": "王", "slug": "x",
                                                                   "text": "报告\x00正文"}),
        post(c["org"], "/units/group", {"unit": "青山\x00县", "group": "g"}),
        post(c["exa"], f"/api/tasks/{world.task_ids[0]}/verifications",
             json={"client_uuid": "6f1c2a3e-1111-4222-8333-444455556666", "finding": "verified", "notes": "看\x00到"}),
        post(c["rev"], "/review/1", {"decision": "approve", "reason": "\x07"}),
        c["org"].get("/lang/zh?next=/%00"),
        anonymous.get("/p/20%0025"),
        anonymous.post(f"/p/{world.cycle_code}/{world.report_slug}/claims/1/feedback",
                       data={"csrf_token": token, "text": "有线索\x00"}),
    ]
    statuses = [r.status_code for r in cases]
    assert statuses == [400] * len(cases), statuses
    api = cases[4].get_json()
    assert api["error"] == "control_characters" and "控制字符" in api["message"]
    assert "控制字符" in cases[1].get_data(as_text=True)


def test_ids_beyond_the_database_range_are_404(app, world_clients):
    _world, c = world_clients
    big = 2**31
    assert c["exa"].get(f"/tasks/{big}").status_code == 404
    assert c["rev"].get(f"/review/{big * 1000}").status_code == 404
    assert post(c["org"], f"/people/{big}/unit", {"unit": ""}).status_code == 404
    response = post(c["exa"], f"/api/tasks/{big}/verifications", json={})
    assert response.status_code == 404 and response.get_json()["error"] == "not_found"


def test_deeply_nested_or_huge_json_is_refused(app, world_clients):
    world, c = world_clients
    token = csrf_token(c["exa"], "/")
    deep = "[" * 100_000 + "]" * 100_000
    response = c["exa"].post(f"/api/tasks/{world.task_ids[0]}/verifications", data=deep,
                             content_type="application/json", headers={"X-CSRFToken": token})
    assert response.status_code == 400 and response.get_json()["error"] == "bad_json"
    huge = '{"notes": "' + "字" * 600_000 + '"}'
    response = c["exa"].post(f"/api/tasks/{world.task_ids[0]}/verifications", data=huge.encode(),
                             content_type="application/json", headers={"X-CSRFToken": token})
    assert response.status_code == 413


def test_a_text_longer_than_its_column_is_refused_every_time(app, world_clients):
    from fieldcheck.accounts.models import Unit
    from fieldcheck.extensions import db

    _world, c = world_clients
    with app.app_context():
        org_id = db.session.scalar(sa.text("SELECT id FROM \"user\" WHERE username = 'org'"))
    long_name = "县" * 300
    for _ in range(2):
        response = post(c["org"], f"/people/{org_id}/unit", {"unit": long_name})
        assert response.status_code == 302
        assert "200" in c["org"].get("/people").get_data(as_text=True)
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(Unit).where(Unit.name.like("县县县%"))) == 0


def test_the_length_guard_catches_any_column(app):
    """A change that slips past its operation's own checks is still refused before the database."""
    from fieldcheck.errors import OperationError
    from fieldcheck.extensions import db
    from fieldcheck.places.models import Place

    with app.app_context():
        db.session.add(Place(name="村" * 101, lat=30.0, lon=120.0))
        with pytest.raises(OperationError) as refusal:
            db.session.flush()
        assert refusal.value.code == "too_long"
        db.session.rollback()


def test_a_long_unit_name_or_group_is_not_a_server_error(app, world_clients):
    """Found by tests/test_fuzz.py: a unit name of 154 characters (the audit key holds 128) was a 500,
    and a group longer than its column failed only at the final commit."""
    from fieldcheck.accounts.models import Unit
    from fieldcheck.extensions import db

    _world, c = world_clients
    long_name = "长" * 154
    assert post(c["org"], "/units/group", {"unit": long_name, "group": "青山县"}).status_code == 302
    with app.app_context():
        assert db.session.scalar(sa.select(Unit.group).where(Unit.name == long_name)) == "青山县"
    response = post(c["org"], "/units/group", {"unit": long_name, "group": "县" * 201})
    assert response.status_code == 302
    assert "200" in c["org"].get("/people").get_data(as_text=True)  # the refusal is shown with the limit
    with app.app_context():
        assert db.session.scalar(sa.select(Unit.group).where(Unit.name == long_name)) == "青山县"
    assert app.test_cli_runner().invoke(args=["audit", "verify"]).exit_code == 0


def test_a_multipart_field_name_with_a_line_break_is_not_a_server_error(app, world_clients):
    """Found by tests/test_fuzz.py: werkzeug reads such a name as None, which the guard tripped over."""
    world, c = world_clients
    token = csrf_token(c["exa"], "/tasks")
    response = c["exa"].post(f"/tasks/{world.task_ids[0]}/qr", data={"csrf_token": token, "a\nb": "\x7f"},
                             content_type="multipart/form-data")
    assert response.status_code == 400
