"""Every route declares who may use it, and the declaration holds for every role."""

from __future__ import annotations

import pytest
from helpers import csrf_token, login
from flask import Blueprint

from story import build_world

ROLE_USERS = {"organizer": "org", "examiner": "exa", "reviewer": "rev"}


def test_the_app_refuses_to_start_with_an_undeclared_route(tmp_path):
    from fieldcheck import app as app_module

    rogue = Blueprint("rogue", __name__)

    @rogue.route("/rogue")
    def rogue_view():
        return "open to all by accident"

    original = app_module._register_blueprints

    def with_rogue(app):
        original(app)
        app.register_blueprint(rogue)

    app_module._register_blueprints = with_rogue
    try:
        with pytest.raises(RuntimeError, match="rogue.rogue_view"):
            app_module.build_app({"SQLALCHEMY_DATABASE_URI": "sqlite://", "SECRET_KEY": "x",
                                  "UPLOAD_FOLDER": str(tmp_path)})
    finally:
        app_module._register_blueprints = original


def url_args(app, world, rule) -> dict:
    from fieldcheck.extensions import db
    from fieldcheck.evidence.models import Photo
    from fieldcheck.field.models import Verification

    with app.app_context():
        verification_id = db.session.scalar(db.select(Verification.id)) or 1
        sha = db.session.scalar(db.select(Photo.sha256)) or "0" * 64
    values = {"code": world.cycle_code, "slug": world.report_slug, "task_id": world.task_ids[0],
              "verification_id": verification_id, "claim_id": 1, "sha256": sha, "kind": "thumb",
              "fmt": "csv", "filename": "app.css", "token": "not-a-token", "n": 1, "user_id": 1}
    return {name: values[name] for name in rule.arguments}


def test_every_route_admits_exactly_its_declared_roles(app):
    from fieldcheck.access import PUBLIC, ROLES_ATTR

    world = build_world(app)
    clients = {}
    for role, username in ROLE_USERS.items():
        clients[role] = app.test_client()
        login(clients[role], username)
    anonymous = app.test_client()
    checked = 0
    # Signing out ends the session the other checks use, so it comes last.
    for rule in sorted(app.url_map.iter_rules(), key=lambda r: r.endpoint == "accounts.logout"):
        if rule.endpoint == "static":
            continue
        roles = getattr(app.view_functions[rule.endpoint], ROLES_ATTR)
        with app.test_request_context():
            from flask import url_for

            url = url_for(rule.endpoint, **url_args(app, world, rule))
        method = "GET" if "GET" in rule.methods else "POST"
        if roles == PUBLIC:
            assert anonymous.open(url, method=method).status_code < 500, url
            continue
        anon = anonymous.open(url, method=method, headers={"Accept": "text/html"})
        # Without a session, a POST is refused by CSRF (400) before the role check; GETs go to sign-in.
        assert anon.status_code in ((302, 401) if method == "GET" else (302, 400, 401)), (url, anon.status_code)
        for role, client in clients.items():
            if method == "GET":
                status = client.get(url).status_code
            else:
                status = client.post(url, data={"csrf_token": csrf_token(client, "/")},
                                     headers={"X-CSRFToken": csrf_token(client, "/")}).status_code
            if role in roles:
                assert status != 403, (url, role)
            else:
                assert status == 403, (url, role, status)
        checked += 1
    assert checked >= 15
