"""Every route, every role, every ownership case: the exact status each person gets.

The world is real: a drawn cycle whose first task was visited by `exa` (photo PA) and whose second
task was given to `selfrev` (an examiner who also reviews) and visited (photo PB). `revu` reviews
but belongs to the reporting unit; `unitc` is that unit's contact; `exb` examines but owns none of these tasks. Requests that would
change the world are sent with input the view refuses, so the table's answers do not depend on order.

Each row lists the status for every signed-in person who holds one of the route's roles; everybody
else must get 403, and an anonymous visitor is sent to sign in (302, or 401 for the JSON API and `.json`).
"""

from __future__ import annotations

import io
import uuid

import pytest
import sqlalchemy as sa
from flask import Blueprint
from helpers import csrf_token, login

from story import FIXTURES, PASSWORD, build_world

HOLDS = {"org": {"organizer"}, "exa": {"examiner"}, "exb": {"examiner"}, "rev": {"reviewer"},
         "revu": {"reviewer"}, "selfrev": {"examiner", "reviewer"}, "unitc": {"unit"}}
PUBLIC_ROLE = "public"


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


def visit(client, task_id: int, photo: str, questions: list[int]) -> None:
    """A plain-form visit with one photo; it must be stored."""
    data = {"csrf_token": csrf_token(client, "/tasks"), "client_uuid": str(uuid.uuid4()), "finding": "verified",
            "observed_qty": "3", "notes": "seen", "interview-0-respondent": "resident",
            "photos": (io.BytesIO((FIXTURES / "photos" / photo).read_bytes()), "p.jpg"),
            **{f"interview-0-q{q}": "4" for q in questions}}
    response = client.post(f"/tasks/{task_id}", data=data, content_type="multipart/form-data")
    assert response.status_code == 302, response.get_data(as_text=True)[:2000]


@pytest.fixture
def scene(app):
    """The world above, with a signed-in test client per person."""
    from fieldcheck.accounts.models import User
    from fieldcheck.accounts.operations import create_user, set_user_unit
    from fieldcheck.assignment.models import Task
    from fieldcheck.assignment.operations import assign_task
    from fieldcheck.evidence.models import Photo
    from fieldcheck.extensions import db
    from fieldcheck.field.models import Verification

    world = build_world(app)
    task_a, task_b, task_c = world.task_ids[:3]
    with app.test_request_context():
        create_user("revu", PASSWORD, ["reviewer"])
        create_user("selfrev", PASSWORD, ["examiner", "reviewer"])
        # The reporting unit's own contact: sees nothing but what is its unit's.
        set_user_unit(create_user("unitc", PASSWORD, ["unit"]), "中共青山县委")
        set_user_unit(db.session.scalar(sa.select(User).where(User.username == "revu")), "中共青山县委")
        assign_task(db.session.get(Task, task_b), db.session.scalar(sa.select(User).where(User.username == "selfrev")))
        questions = [q.id for q in db.session.get(Task, task_a).claim.report.cycle.questions]
        # The world's report was drafted and filed before the cycle was published (drafting rounds).
        from fieldcheck.reports.draft_models import Draft, Drafting
        from fieldcheck.reports.models import Report

        report = db.session.scalar(sa.select(Report).where(Report.slug == world.report_slug))
        drafting = Drafting(cycle_id=report.cycle_id, unit_id=report.unit_id, slug=report.slug, title=report.title,
                            secretary=report.secretary, state="filed", round=1, report_id=report.id,
                            filed_at=report.imported_at, filed_sha256=report.sha256)
        db.session.add(drafting)
        db.session.flush()
        db.session.add(Draft(drafting_id=drafting.id, n=1, text=report.text, sha256=report.sha256))
        db.session.commit()
    clients = {}
    for name in HOLDS:
        clients[name] = app.test_client()
        login(clients[name], name)
    visit(clients["exa"], task_a, "gps_DSCN0021.jpg", questions)
    visit(clients["selfrev"], task_b, "gps_DSCN0025.jpg", questions)
    with app.app_context():
        va = db.session.scalar(sa.select(Verification.id).where(Verification.task_id == task_a))
        vb = db.session.scalar(sa.select(Verification.id).where(Verification.task_id == task_b))
        pa, pb = (db.session.scalar(sa.select(Photo.sha256).join(User, Photo.uploaded_by_id == User.id)
                                    .where(User.username == name)) for name in ("exa", "selfrev"))
        claim_id = db.session.get(Task, task_a).claim_id
        org_id = db.session.scalar(sa.select(User.id).where(User.username == "org"))
    rect = rectification_scene(app, claim_id)
    anonymous = app.test_client()
    csrf_token(anonymous, "/")  # the anonymous session gets a token, so its POSTs reach the role check
    return {"clients": clients, "anonymous": anonymous, "A": task_a, "B": task_b, "C": task_c, "VA": va, "VB": vb,
            "PA": pa, "PB": pb, "claim": claim_id, "org_id": org_id, "code": world.cycle_code,
            "slug": world.report_slug, **rect}


def rectification_scene(app, claim_id: int) -> dict:
    """The unit's rectification item with an evidence photo it uploaded, a confirmed lead, a carried item."""
    from fieldcheck.accounts.models import User
    from fieldcheck.extensions import db
    from fieldcheck.rectification.models import CarriedItem
    from fieldcheck.rectification.operations import add_item, update_item
    from fieldcheck.reports.models import Claim, Feedback

    with app.test_request_context():
        unitc = db.session.scalar(sa.select(User).where(User.username == "unitc"))
        report = db.session.get(Claim, claim_id).report
        item = add_item(report, unitc, "村务公开栏未更新", "每月更新", "村党支部书记", "2030-01-01")
        update_item(item, unitc, {"measure": "每月更新"},
                    (FIXTURES / "photos" / "phone_nokia_8_3.jpg").read_bytes())
        lead = Feedback(claim_id=claim_id, text="线索", status="confirmed")
        db.session.add(lead)
        db.session.flush()
        carried = CarriedItem(cycle_id=report.cycle_id, unit_id=report.unit_id, item_id=item.id)
        db.session.add(carried)
        db.session.commit()
        return {"I": item.id, "IP": item.photos[0].sha256, "L": lead.id, "CI": carried.id}


def rows(s) -> list[tuple[str, str, str, dict | None, dict[str, int]]]:
    """(endpoint, method, url, form or JSON body, {person: status}) for every route."""
    c, r = s["code"], f"/cycles/{s['code']}/reports/{s['slug']}"
    org = lambda status: {"org": status}  # noqa: E731
    examiners = lambda exa, exb, selfrev: {"exa": exa, "exb": exb, "selfrev": selfrev}  # noqa: E731
    reviewers = lambda rev, revu, selfrev: {"rev": rev, "revu": revu, "selfrev": selfrev}  # noqa: E731
    everyone = lambda status: {name: status for name in HOLDS}  # noqa: E731
    unit = lambda status: {"unitc": status}  # noqa: E731
    return [
        # The public pages answer the same to everyone, signed in or not ("anon" is checked too).
        ("public.index", "GET", "/", None, {"anon": 200}),
        ("public.healthz", "GET", "/healthz", None, {"anon": 200}),
        ("public.cycles_redirect", "GET", "/p", None, {"anon": 302}),
        ("public.cycle", "GET", f"/p/{c}", None, {"anon": 200}),
        ("public.cycle", "GET", "/p/no-such-cycle", None, {"anon": 404}),
        ("public.report", "GET", f"/p/{c}/{s['slug']}", None, {"anon": 200}),
        ("public.report", "GET", f"/p/{c}/no-such-report", None, {"anon": 404}),
        ("public.frame", "GET", f"/p/{c}/frame.csv", None, {"anon": 200}),
        ("public.sample_csv_view", "GET", f"/p/{c}/sample.csv", None, {"anon": 200}),
        ("public.verify_script", "GET", "/verify_sample.py", None, {"anon": 200}),
        ("api_v1.openapi", "GET", "/api/v1/openapi.json", None, {"anon": 200}),
        ("export_public.key", "GET", "/export-key", None, {"anon": 200}),
        ("export_public.checker", "GET", "/verify_package.py", None, {"anon": 200}),
        ("shell.service_worker", "GET", "/sw.js", None, {"anon": 200}),
        ("shell.manifest", "GET", "/manifest.webmanifest", None, {"anon": 200}),
        ("shell.favicon", "GET", "/favicon.ico", None, {"anon": 200}),
        ("public.feedback", "POST", f"/p/{c}/{s['slug']}/claims/1/feedback", {"text": "x"}, {"anon": 302}),
        ("public.feedback", "POST", f"/p/{c}/{s['slug']}/claims/9999/feedback", {"text": "x"}, {"anon": 404}),
        ("residents.rate", "GET", "/r/not-a-token", None, {"anon": 404}),
        ("ballots.vote", "GET", "/b/not-a-token", None, {"anon": 404}),
        ("accounts.set_language", "GET", "/lang/zh?next=/", None, {"anon": 302}),
        ("accounts.login", "GET", "/login", None, {"anon": 200, **everyone(302)}),
        # Organizer.
        ("cycles.index", "GET", "/cycles/", None, org(200)),
        ("cycles.index", "POST", "/cycles/", {}, org(400)),
        ("cycles.edit", "GET", f"/cycles/{c}/edit", None, org(200)),
        ("cycles.edit", "POST", f"/cycles/{c}/edit", {}, org(400)),
        ("cycles.edit", "GET", "/cycles/no-such-cycle/edit", None, org(404)),
        ("dashboard.cycle", "GET", f"/cycles/{c}", None, org(200)),
        ("dashboard.cycle", "GET", "/cycles/no-such-cycle", None, org(404)),
        ("dashboard.finish_fieldwork", "POST", f"/cycles/{c}/end-fieldwork", {"reason": ""}, org(302)),
        ("grading.close", "POST", f"/cycles/{c}/close", {}, org(302)),
        ("grading.reopen", "POST", f"/cycles/{c}/reopen", {"reason": ""}, org(302)),
        ("grading.snapshot", "GET", f"/cycles/{c}/snapshots/999999.json", None, org(404)),
        ("grading.rules", "GET", f"/cycles/{c}/rules", None, org(200)),
        ("grading.rules", "POST", f"/cycles/{c}/rules", {}, org(400)),
        ("sampling.publish", "POST", f"/cycles/{c}/publish", {}, org(302)),
        ("sampling.draw", "GET", f"/cycles/{c}/draw", None, org(200)),
        ("sampling.draw", "POST", f"/cycles/{c}/draw", {"seed": ""}, org(409)),
        ("sampling.extend", "POST", f"/cycles/{c}/sample/extend", {"count": "0"}, org(302)),
        ("sampling.assign", "GET", f"/cycles/{c}/assign", None, org(200)),
        ("sampling.assign", "POST", f"/cycles/{c}/assign", {}, org(302)),
        ("sampling.plan", "POST", f"/cycles/{c}/assign/plan", {}, org(302)),
        ("sampling.routes", "GET", f"/cycles/{c}/routes", None, org(200)),
        ("sampling.backchecks", "POST", f"/cycles/{c}/backchecks", {}, org(302)),
        ("sampling_api.draw", "POST", f"/api/cycles/{c}/draw", {}, org(400)),
        ("sampling_api.sample", "GET", f"/api/cycles/{c}/sample", None, {**org(200), **reviewers(200, 200, 200)}),
        ("sampling_api.sample", "GET", "/api/cycles/no-such-cycle/sample", None,
         {**org(404), **reviewers(404, 404, 404)}),
        ("reports.import_report", "GET", f"/cycles/{c}/reports/new", None, org(200)),
        ("reports.import_report", "POST", f"/cycles/{c}/reports/new", {}, org(400)),
        ("reports.claims", "GET", r, None, org(200)),
        ("reports.claims", "POST", r, {}, org(400)),
        ("reports.claims", "GET", f"/cycles/{c}/reports/no-such-report", None, org(404)),
        ("reports.accept", "POST", f"{r}/accept", {}, org(302)),
        ("reports.reject", "POST", f"{r}/reject", {}, org(400)),
        ("reports.edit", "GET", f"{r}/claims/{s['claim']}", None, org(200)),
        ("reports.edit", "POST", f"{r}/claims/{s['claim']}", {}, org(400)),
        ("reports.edit", "GET", f"{r}/claims/999999", None, org(404)),
        ("reports.exclude", "POST", f"{r}/claims/{s['claim']}/exclude", {}, org(302)),
        ("reports.split", "POST", f"{r}/claims/{s['claim']}/split", {}, org(302)),
        ("reports.merge", "POST", f"{r}/claims/{s['claim']}/merge", {}, org(302)),
        # Drafting rounds: the office, and the contact of the drafting's own unit (unitc: 中共青山县委).
        ("reports.drafts", "GET", f"/cycles/{c}/reports/drafts", None, {**org(200), "unitc": 200}),
        ("reports.drafts", "POST", f"/cycles/{c}/reports/drafts", {}, {**org(400), "unitc": 400}),
        ("reports.drafts", "GET", "/cycles/no-such-cycle/reports/drafts", None, {**org(404), "unitc": 404}),
        ("reports.draft", "GET", f"/cycles/{c}/reports/drafts/{s['slug']}", None, {**org(200), "unitc": 200}),
        ("reports.draft", "GET", f"/cycles/{c}/reports/drafts/no-such-draft", None, {**org(404), "unitc": 404}),
        ("reports.draft_upload", "POST", f"/cycles/{c}/reports/drafts/{s['slug']}/upload", {},
         {**org(400), "unitc": 400}),
        ("reports.draft_upload", "POST", f"/cycles/{c}/reports/drafts/no-such-draft/upload", {},
         {**org(404), "unitc": 404}),
        ("reports.draft_comment", "POST", f"/cycles/{c}/reports/drafts/{s['slug']}/comments", {}, org(400)),
        ("reports.draft_suggestion", "POST", f"/cycles/{c}/reports/drafts/{s['slug']}/suggestions", {}, org(400)),
        ("reports.draft_return", "POST", f"/cycles/{c}/reports/drafts/{s['slug']}/return", {}, org(302)),
        ("reports.draft_approve", "POST", f"/cycles/{c}/reports/drafts/{s['slug']}/approve", {}, org(302)),
        ("reports.draft_approve", "POST", f"/cycles/{c}/reports/drafts/no-such-draft/approve", {}, org(404)),
        ("dashboard.audit", "GET", f"/audit?cycle={c}&action=task.", None, org(200)),
        ("dashboard.audit_csv", "GET", "/audit.csv?actor=org", None, org(200)),
        ("ballots.index", "GET", f"/cycles/{c}/ballots", None, org(200)),
        ("ballots.index", "POST", f"/cycles/{c}/ballots", {"count": "x"}, org(400)),
        ("ballots.index", "GET", "/cycles/no-such-cycle/ballots", None, org(404)),
        ("ballots.paper", "POST", f"/cycles/{c}/ballots/999999/paper", {}, org(404)),
        ("api_tokens.index", "GET", "/api-tokens", None, org(200)),
        ("api_tokens.index", "POST", "/api-tokens", {"cycle": c, "expires": "never"}, org(400)),
        ("api_tokens.revoke", "POST", "/api-tokens/999999/revoke", {}, org(404)),
        ("grading.board", "GET", f"/cycles/{c}/grades", None, org(200)),
        ("grading.decide", "POST", f"/cycles/{c}/grades/{s['slug']}", {"grade": "好"}, org(302)),
        ("grading.decide", "POST", f"/cycles/{c}/grades/no-such-report", {"grade": "好"}, org(404)),
        ("places.index", "GET", "/places/", None, org(200)),
        ("places.index", "POST", "/places/", {}, org(400)),
        ("accounts.people", "GET", "/people", None, org(200)),
        ("accounts.person_unit", "POST", f"/people/{s['org_id']}/unit", {"unit": ""}, org(302)),
        ("accounts.person_unit", "POST", "/people/999999/unit", {"unit": ""}, org(404)),
        ("accounts.unit_group", "POST", "/units/group", {}, org(302)),
        ("accounts.person_new", "POST", "/people/new", {}, org(400)),
        ("accounts.person_edit", "POST", f"/people/{s['org_id']}", {}, org(302)),
        ("accounts.person_edit", "POST", "/people/999999", {}, org(404)),
        ("accounts.person_password", "POST", "/people/999999/password", {}, org(404)),
        ("scores.show", "GET", f"/cycles/{c}/scores/", None, {**org(200), **reviewers(200, 200, 200)}),
        ("export.download", "GET", f"/cycles/{c}/scores/export.csv", None, {**org(200), **reviewers(200, 200, 200)}),
        ("export.download", "GET", f"/cycles/{c}/scores/export.json?level=interviews", None,
         {**org(200), **reviewers(200, 200, 200)}),
        ("export.download", "GET", f"/cycles/{c}/scores/export.json?level=bogus", None,
         {**org(400), **reviewers(400, 400, 400)}),
        ("export.download", "GET", f"/cycles/{c}/scores/export.bogus", None,
         {**org(404), **reviewers(404, 404, 404)}),
        # Rectification: the organizer, and the contact of the report's own unit (unitc); nobody else.
        ("rectification.mine", "GET", "/my-unit", None, {"unitc": 200}),
        ("rectification.cycle_list", "GET", f"/cycles/{c}/rectification?overdue=1", None, org(200)),
        ("rectification.cycle_list", "GET", "/cycles/no-such-cycle/rectification", None, org(404)),
        ("rectification.generate_all", "POST", f"/cycles/{c}/rectification/generate", {"deadline": "x"}, org(302)),
        ("rectification.report", "GET", f"{r}/rectification", None, {**org(200), **unit(200)}),
        ("rectification.report", "GET", f"/cycles/{c}/reports/no-such-report/rectification", None,
         {**org(404), **unit(404)}),
        ("rectification.generate", "POST", f"{r}/rectification/generate", {"deadline": "x"}, org(302)),
        ("rectification.talk", "POST", f"{r}/rectification/talk", {}, org(302)),
        ("rectification.lead", "POST", f"{r}/rectification/leads/{s['L']}", {}, org(302)),
        ("rectification.lead", "POST", f"{r}/rectification/leads/999999", {}, org(404)),
        ("rectification.add", "POST", f"{r}/rectification/items", {"problem": ""}, {**org(400), **unit(400)}),
        ("rectification.item", "GET", f"{r}/rectification/items/{s['I']}", None, {**org(200), **unit(200)}),
        ("rectification.item", "POST", f"{r}/rectification/items/{s['I']}", {"deadline": "x"},
         {**org(400), **unit(400)}),
        ("rectification.item", "GET", f"{r}/rectification/items/999999", None, {**org(404), **unit(404)}),
        ("rectification.move", "POST", f"{r}/rectification/items/{s['I']}/move", {"to": "x"},
         {**org(302), **unit(302)}),
        ("rectification.photo", "GET", f"{r}/rectification/items/{s['I']}/photos/{s['IP']}/thumb", None,
         {**org(200), **unit(200)}),
        ("rectification.photo", "GET", f"{r}/rectification/items/{s['I']}/photos/{s['PA']}/thumb", None,
         {**org(404), **unit(404)}),
        ("rectification.carried", "GET", f"/cycles/{c}/rectification/carried", None, org(200)),
        ("rectification.carried", "POST", f"/cycles/{c}/rectification/carried", {}, org(302)),
        ("rectification.mark", "POST", f"/cycles/{c}/rectification/carried/{s['CI']}", {"answered": "x"}, org(302)),
        ("rectification.mark", "POST", f"/cycles/{c}/rectification/carried/999999", {}, org(404)),
        ("rectification.frame", "POST", f"/cycles/{c}/rectification/carried/{s['CI']}/frame", {}, org(302)),
        ("export.download", "GET", "/cycles/no-such-cycle/scores/export.csv", None,
         {**org(404), **reviewers(404, 404, 404)}),
        ("export.page", "GET", f"/cycles/{c}/export/", None, {**org(200), **reviewers(200, 200, 200)}),
        ("export.package_zip", "GET", f"/cycles/{c}/export/package.zip", None,
         {**org(200), **reviewers(200, 200, 200)}),
        ("export.package_zip", "GET", "/cycles/no-such-cycle/export/package.zip", None,
         {**org(404), **reviewers(404, 404, 404)}),
        ("export.workbook", "GET", f"/cycles/{c}/export/workbook.xlsx", None,
         {**org(200), **reviewers(200, 200, 200)}),
        # Examiners: only the one the task is assigned to.
        ("field.my_tasks", "GET", "/tasks", None, examiners(200, 200, 200)),
        ("field.task", "GET", f"/tasks/{s['A']}", None, examiners(200, 403, 403)),
        ("field.task", "GET", f"/tasks/{s['B']}", None, examiners(403, 403, 200)),
        ("field.task", "GET", "/tasks/999999", None, examiners(404, 404, 404)),
        ("field.task", "POST", f"/tasks/{s['C']}", {}, examiners(400, 403, 403)),
        ("field.reveal", "POST", f"/tasks/{s['C']}/reveal", {"observed_qty": "x"}, examiners(302, 403, 403)),
        ("residents.show_code", "POST", f"/tasks/{s['C']}/qr", {}, examiners(400, 403, 403)),
        ("residents.api_code", "POST", f"/api/tasks/{s['C']}/rating-tokens", {}, examiners(400, 403, 403)),
        ("field_api.submit", "POST", f"/api/tasks/{s['C']}/verifications", {}, examiners(400, 403, 403)),
        ("field_api.submit", "POST", "/api/tasks/999999/verifications", {}, examiners(404, 404, 404)),
        ("field_api.upload_photo", "POST", "/api/photos", {}, examiners(400, 400, 400)),
        ("field_api.pack", "GET", "/api/pack", None, examiners(200, 200, 200)),
        ("field_api.photos_have", "POST", "/api/photos/have", {}, examiners(400, 400, 400)),
        ("field_api.photos_have", "POST", "/api/photos/have", {"sha256": [s["PA"]]}, examiners(200, 200, 200)),
        ("field_api.qr_count", "GET", f"/api/tasks/{s['C']}/qr-count?client_uuid=6f1c2a3e-1111-4222-8333-444455556666",
         None, examiners(200, 403, 403)),
        ("field_api.qr_count", "GET", f"/api/tasks/{s['C']}/qr-count", None, examiners(400, 403, 403)),
        ("field_api.reveal", "POST", f"/api/tasks/{s['C']}/reveal", {}, examiners(400, 403, 403)),
        # Photos: the uploader, the organizer, and reviewers who may decide a visit that uses them.
        ("field.photo", "GET", f"/photos/{s['PA']}/thumb", None,
         {**org(200), **examiners(200, 403, 200), "rev": 200, "revu": 403}),
        ("field.photo", "GET", f"/photos/{s['PB']}/thumb", None,
         {**org(200), **examiners(403, 403, 200), "rev": 200, "revu": 403}),
        ("field.photo", "GET", f"/photos/{'0' * 64}/thumb", None, {**org(404), **examiners(404, 404, 404),
                                                                  "rev": 404, "revu": 404}),
        ("field.photo", "GET", f"/photos/{s['PA']}/original", None, {**org(404), **examiners(404, 403, 404),
                                                                     "rev": 404, "revu": 403}),
        # Reviewers: never their own work, never a claim of their own unit.
        ("review.queue", "GET", "/review/", None, reviewers(200, 200, 200)),
        ("review.show", "GET", f"/review/{s['VA']}", None, reviewers(200, 403, 200)),
        ("review.show", "GET", f"/review/{s['VB']}", None, reviewers(200, 403, 403)),
        ("review.show", "GET", "/review/999999", None, reviewers(404, 404, 404)),
        ("review.show", "POST", f"/review/{s['VA']}", {}, reviewers(400, 403, 400)),
        ("review.bulk_approve", "POST", "/review/bulk-approve", {}, reviewers(302, 302, 302)),
        # Last: signing out ends the sessions the rows above use.
        ("accounts.logout", "POST", "/logout", {}, everyone(302)),
    ]


def send(client, method: str, url: str, body):
    if method == "GET":
        return client.get(url)
    token = csrf_token(client, "/")
    if url.startswith("/api/"):
        return client.post(url, json=body, headers={"X-CSRFToken": token})
    return client.post(url, data={"csrf_token": token, **(body or {})}, headers={"X-CSRFToken": token})


def test_every_route_answers_each_person_exactly(app, scene):
    from fieldcheck.access import PUBLIC, ROLES_ATTR, TOKEN

    table = rows(scene)
    # Routes opened by an API token, not a person, have their own table (tests/test_api.py).
    declared = {rule.endpoint for rule in app.url_map.iter_rules() if rule.endpoint != "static"
                and getattr(app.view_functions[rule.endpoint], ROLES_ATTR) != TOKEN}
    assert declared - {row[0] for row in table} == set(), "every route needs a row in the table"
    checked = 0
    for endpoint, method, url, body, expected in table:
        roles = getattr(app.view_functions[endpoint], ROLES_ATTR)
        if roles == PUBLIC:
            people = {"anon": scene["anonymous"], **{n: scene["clients"][n] for n in expected if n != "anon"}}
        else:
            holders = {name for name, held in HOLDS.items() if held & roles}
            assert set(expected) == holders, (endpoint, url, "list exactly the people holding its roles")
            people = {"anon": scene["anonymous"], **scene["clients"]}
        for name, client in people.items():
            status = send(client, method, url, body).status_code
            if name in expected:
                want = expected[name]
            elif name == "anon":
                # JSON clients (the API, `….json` downloads) get 401, pages send to sign in.
                want = 401 if url.startswith("/api/") or url.split("?")[0].endswith(".json") else 302
            else:
                want = 403
            assert status == want, (method, url, name, status, want)
            checked += 1
    assert checked > 300


def test_a_reviewer_queue_leaves_out_own_work_and_own_unit(app, scene):
    queues = {name: scene["clients"][name].get("/review/").get_data(as_text=True) for name in ("rev", "revu", "selfrev")}
    link = lambda v: f'href="/review/{v}"'  # noqa: E731
    assert link(scene["VA"]) in queues["rev"] and link(scene["VB"]) in queues["rev"]
    assert link(scene["VA"]) not in queues["revu"] and link(scene["VB"]) not in queues["revu"]
    assert link(scene["VA"]) in queues["selfrev"] and link(scene["VB"]) not in queues["selfrev"]


def test_an_examiner_cannot_cite_or_upload_another_examiners_photo(app, scene):
    from fieldcheck.assignment.models import Task
    from fieldcheck.extensions import db
    from fieldcheck.field.models import Verification

    exb = scene["clients"]["exb"]
    token = csrf_token(exb, "/tasks")
    # The same bytes as exa's photo: refused at upload, not stored for exb.
    upload = exb.post("/api/photos", data={"photo": (io.BytesIO((FIXTURES / "photos" / "gps_DSCN0021.jpg")
                                                                .read_bytes()), "p.jpg")},
                      headers={"X-CSRFToken": token}, content_type="multipart/form-data")
    assert upload.status_code == 409 and upload.get_json()["error"] == "photo_not_yours"
    # Give exb a task of its own, then cite exa's photo by its SHA-256: refused, nothing stored.
    exa_task = scene["C"]
    with app.test_request_context():
        from fieldcheck.accounts.models import User
        from fieldcheck.assignment.operations import assign_task

        task = db.session.get(Task, exa_task)
        assign_task(task, db.session.scalar(sa.select(User).where(User.username == "exb")))
        questions = [q.id for q in task.claim.report.cycle.questions]
        db.session.commit()
    body = {"client_uuid": str(uuid.uuid4()), "finding": "verified", "photo_sha256": [scene["PA"]],
            "interviews": [{"respondent": "resident", "ratings": {str(q): 4 for q in questions}}]}
    refused = exb.post(f"/api/tasks/{exa_task}/verifications", json=body, headers={"X-CSRFToken": token})
    assert refused.status_code == 403 and refused.get_json()["error"] == "photo_not_yours"
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(Verification)
                                 .where(Verification.task_id == exa_task)) == 0
        assert db.session.get(Task, exa_task).state == "assigned"
