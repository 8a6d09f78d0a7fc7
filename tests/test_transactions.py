"""One transaction per request: operations flush, the request commits once or rolls back, in one place."""

from __future__ import annotations

import re
from pathlib import Path

import sqlalchemy as sa
from flask import Blueprint, jsonify
from helpers import csrf_token

PACKAGE = Path(__file__).resolve().parent.parent / "fieldcheck"


def test_no_view_module_commits_or_rolls_back():
    views = [p for p in PACKAGE.rglob("*.py") if p.name.endswith("views.py") or p.name == "api.py"]
    assert len(views) >= 12
    offenders = [f"{p.relative_to(PACKAGE)}:{n}" for p in views
                 for n, line in enumerate(p.read_text("utf-8").splitlines(), start=1)
                 if re.search(r"\b(commit|rollback)\(", line)]
    assert offenders == []


def probe_blueprint():
    """Routes that change the database and then succeed, refuse, refuse-with-a-record, or crash."""
    from fieldcheck.access import public
    from fieldcheck.audit.models import record
    from fieldcheck.errors import OperationError
    from fieldcheck.web import change_or_error

    bp = Blueprint("probe", __name__)

    def add_place(name: str):
        from fieldcheck.extensions import db
        from fieldcheck.places.models import Place

        db.session.add(Place(name=name, lat=30.0, lon=120.0))
        db.session.flush()

    @bp.route("/probe/ok", methods=["POST"])
    @public
    def ok():
        add_place("成功村")
        return jsonify(done=True)

    @bp.route("/probe/refused", methods=["POST"])
    @public
    def refused():
        add_place("拒绝村")
        raise OperationError("no", status=409, code="probe",
                             on_refusal=lambda: record("probe.refused", "probe", "x", after={"kept": True}))

    @bp.route("/probe/form", methods=["POST"])
    @public
    def form():
        def change():
            add_place("表单村")
            raise OperationError("no")

        return jsonify(error=change_or_error(change)), 400

    @bp.route("/probe/crash", methods=["POST"])
    @public
    def crash():
        add_place("出错村")
        raise RuntimeError("boom")

    return bp


def test_a_request_commits_once_on_success_and_leaves_nothing_when_refused(app):
    from fieldcheck.audit.models import AuditEvent
    from fieldcheck.extensions import db
    from fieldcheck.places.models import Place

    app.register_blueprint(probe_blueprint())
    app.config["PROPAGATE_EXCEPTIONS"] = False
    client = app.test_client()
    token = csrf_token(client, "/")
    headers = {"X-CSRFToken": token, "Accept": "application/json"}
    assert client.post("/probe/ok", headers=headers).status_code == 200
    refused = client.post("/probe/refused", headers=headers)
    assert refused.status_code == 409 and refused.get_json() == {"error": "probe", "message": "no"}
    assert client.post("/probe/form", headers=headers).get_json() == {"error": "no"}
    assert client.post("/probe/crash", headers=headers).status_code == 500
    with app.app_context():
        names = set(db.session.scalars(sa.select(Place.name)))
        assert "成功村" in names
        assert not names & {"拒绝村", "表单村", "出错村"}
        # The refusal asked to stay on file: recorded after the rollback, in its own commit.
        kept = db.session.scalars(sa.select(AuditEvent).where(AuditEvent.action == "probe.refused")).all()
        assert len(kept) == 1 and kept[0].after_data == {"kept": True}


def test_a_refused_second_draw_is_recorded_once_by_page_api_and_cli(app):
    """The refused redraw used to be recorded, rolled back and recorded again in three copies."""
    from helpers import login

    from fieldcheck.audit.models import AuditEvent
    from fieldcheck.extensions import db
    from story import build_world

    world = build_world(app)
    org = app.test_client()
    login(org, "org")
    token = csrf_token(org, "/")
    page = org.post(f"/cycles/{world.cycle_code}/draw", data={"csrf_token": token, "seed": "1 2 3", "action": "enter"})
    api = org.post(f"/api/cycles/{world.cycle_code}/draw", json={"seed": "1 2 3", "action": "confirm"},
                   headers={"X-CSRFToken": token})
    cli = app.test_cli_runner().invoke(args=["sample", "draw", world.cycle_code, "--seed", "1 2 3", "--as", "org"])
    assert (page.status_code, api.status_code, cli.exit_code) == (409, 409, 1)
    with app.app_context():
        vias = [e.after_data["via"] for e in db.session.scalars(
            sa.select(AuditEvent).where(AuditEvent.action == "sample.redraw_refused").order_by(AuditEvent.id))]
    assert vias == ["page", "api", "cli"]
