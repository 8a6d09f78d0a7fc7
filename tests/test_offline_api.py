"""The offline field capture's server side: task pack, photo check, blind count, QR count, races."""

from __future__ import annotations

import hashlib
import io
import re
import threading
import uuid

import pytest
import sqlalchemy as sa
from helpers import csrf_token, login

from story import FIXTURES, build_world

PHOTOS = FIXTURES / "photos"
DIGITS = re.compile(r"[0-9０-９]")


def examiner(app, name="exa"):
    client = app.test_client()
    login(client, name)
    return client, {"X-CSRFToken": csrf_token(client, "/tasks")}


def upload(client, headers, name="gps_DSCN0010.jpg"):
    data = (PHOTOS / name).read_bytes()
    r = client.post("/api/photos", data={"photo": (io.BytesIO(data), name)}, headers=headers,
                    content_type="multipart/form-data")
    assert r.status_code == 200, r.get_data(as_text=True)
    return r.get_json()["sha256"]


def question_ids(app, task_id):
    from fieldcheck.assignment.models import Task
    from fieldcheck.extensions import db

    with app.app_context():
        return [q.id for q in db.session.get(Task, task_id).claim.report.cycle.questions]


def visit(app, task_id, sha, **extra):
    body = {"client_uuid": str(uuid.uuid4()), "finding": "partly", "observed_qty": 2, "notes": "看到了",
            "photo_sha256": [sha], "lat": 43.0, "lon": 11.0, "accuracy_m": 8,
            "interviews": [{"respondent": "member", "ratings": {str(q): 4 for q in question_ids(app, task_id)}}]}
    body.update(extra)
    return body


def blind_task(app, task_ids):
    """A task whose claim has figures, so the pack must hide them."""
    from fieldcheck.assignment.models import Task
    from fieldcheck.extensions import db
    from fieldcheck.field.operations import needs_blind_step

    with app.app_context():
        for task_id in task_ids:
            task = db.session.get(Task, task_id)
            if needs_blind_step(task) and task.claim.claimed_qty is not None:
                return task_id, task.claim.text, task.claim.claimed_qty
    raise AssertionError("the story has no blind claim with a quantity")


def test_the_pack_holds_the_examiners_tasks_without_a_blind_claims_figures(app):
    world = build_world(app)
    client, headers = examiner(app)
    r = client.get("/api/pack")
    assert r.status_code == 200 and r.headers["Cache-Control"] == "private, no-cache"
    pack = r.get_json()
    assert pack["generated_at"].endswith("Z") and pack["user"]["username"] == "exa"
    assert sorted(t["id"] for t in pack["tasks"]) == sorted(world.task_ids)
    cycle = pack["cycles"]["2025"]
    assert cycle["tz"] == "Asia/Shanghai" and cycle["blind"] is True and len(cycle["questions"]) == 3
    assert [f["code"] for f in cycle["findings"]] == ["verified", "partly", "not_verified", "site_not_found"]
    assert {r["code"]: r["label"] for r in cycle["respondents"]} == {"member": "党员", "resident": "群众"}
    assert pack["strings"]["delivered"] == "已送达"
    task_id, text, qty = blind_task(app, world.task_ids)
    task = next(t for t in pack["tasks"] if t["id"] == task_id)
    assert task["blind_pending"] is True and task["claimed_qty"] is None and task["editable"] is True
    assert "▢" in task["claim_text"] and not DIGITS.search(task["claim_text"])
    for blind in (t for t in pack["tasks"] if t["blind_pending"]):
        assert blind["claimed_qty"] is None and not DIGITS.search(blind["claim_text"])
    assert text not in r.get_data(as_text=True)
    placed = [t for t in pack["tasks"] if t["place"]]
    assert placed and all(-90 <= t["place"]["lat"] <= 90 and t["place"]["full_name"] for t in placed)

    # Unchanged: 304 with no body; after the count is recorded the figures come and the ETag moves.
    etag = r.headers["ETag"]
    again = client.get("/api/pack", headers={"If-None-Match": etag})
    assert again.status_code == 304 and again.data == b""
    revealed = client.post(f"/api/tasks/{task_id}/reveal", json={"observed_qty": 5}, headers=headers)
    assert revealed.status_code == 200
    fresh = client.get("/api/pack", headers={"If-None-Match": etag})
    assert fresh.status_code == 200 and fresh.headers["ETag"] != etag
    task = next(t for t in fresh.get_json()["tasks"] if t["id"] == task_id)
    assert task["claimed_qty"] == qty and task["claim_text"] == text and task["blind_qty"] == 5


def test_the_pack_is_the_examiners_own_and_in_their_language(app):
    build_world(app)
    other, _h = examiner(app, "exb")
    assert other.get("/api/pack").get_json()["tasks"] == []
    reviewer = app.test_client()
    login(reviewer, "rev")
    r = reviewer.get("/api/pack")
    assert r.status_code == 403 and r.get_json()["error"] == "forbidden"
    assert app.test_client().get("/api/pack").status_code == 401
    english, _h = examiner(app)
    english.set_cookie("lang", "en")
    strings = english.get("/api/pack").get_json()["strings"]
    assert strings["delivered"] == "Delivered" and "{kb}" in strings["uploaded"]


def test_the_pack_takes_the_same_number_of_statements_for_one_task_or_many(app):
    from fieldcheck.accounts.models import User
    from fieldcheck.assignment.models import Task
    from fieldcheck.assignment.operations import assign_task
    from fieldcheck.extensions import db

    world = build_world(app)
    with app.test_request_context():
        exb = db.session.scalar(sa.select(User).where(User.username == "exb"))
        assign_task(db.session.get(Task, world.task_ids[0]), exb)
        db.session.commit()
    many, _h = examiner(app)
    one, _h = examiner(app, "exb")
    with app.app_context():
        engine = db.engine
    counts = []

    def count(*_args, **_kwargs):
        counts[-1] += 1

    sa.event.listen(engine, "before_cursor_execute", count)
    try:
        for client, expected in ((many, len(world.task_ids) - 1), (one, 1)):
            counts.append(0)
            assert len(client.get("/api/pack").get_json()["tasks"]) == expected
    finally:
        sa.event.remove(engine, "before_cursor_execute", count)
    assert len(world.task_ids) - 1 > 3
    assert counts[0] == counts[1] and counts[0] <= 10, counts


def test_a_returned_task_carries_the_previous_visit(app):
    world = build_world(app)
    client, headers = examiner(app)
    task_id = world.task_ids[0]
    sha = upload(client, headers)
    client.post(f"/api/tasks/{task_id}/reveal", json={"observed_qty": 2}, headers=headers)
    r = client.post(f"/api/tasks/{task_id}/verifications", json=visit(app, task_id, sha), headers=headers)
    assert r.status_code == 201, r.get_data(as_text=True)
    vid = r.get_json()["id"]
    reviewer = app.test_client()
    login(reviewer, "rev")
    r = reviewer.post(f"/review/{vid}", data={"csrf_token": csrf_token(reviewer, f"/review/{vid}"),
                                              "decision": "return", "reason": "请补拍门牌"})
    assert r.status_code == 302
    task = next(t for t in client.get("/api/pack").get_json()["tasks"] if t["id"] == task_id)
    assert task["state"] == "returned" and task["editable"] is True and task["return_reason"] == "请补拍门牌"
    previous = task["previous"]
    assert previous["finding"] == "partly" and previous["observed_qty"] == 2 and previous["notes"] == "看到了"
    assert previous["photos"] == [{"sha256": sha, "thumb_url": f"/photos/{sha}/thumb"}]
    assert client.get(previous["photos"][0]["thumb_url"]).status_code == 200
    assert previous["interviews"][0]["respondent"] == "member"
    assert set(previous["interviews"][0]["ratings"].values()) == {4}
    others = [t for t in client.get("/api/pack").get_json()["tasks"] if t["id"] != task_id]
    assert all(t["previous"] is None for t in others)


def test_have_names_only_this_examiners_photos(app):
    build_world(app)
    a, ha = examiner(app)
    b, hb = examiner(app, "exb")
    mine = upload(a, ha, "gps_DSCN0010.jpg")
    theirs = upload(b, hb, "gps_DSCN0012.jpg")
    unknown = "ab" * 32
    r = a.post("/api/photos/have", json={"sha256": [unknown, theirs, mine.upper()]}, headers=ha)
    assert r.status_code == 200 and r.get_json() == {"have": [mine]}
    assert b.post("/api/photos/have", json={"sha256": [mine, theirs]}, headers=hb).get_json() == {"have": [theirs]}
    hundred = [f"{i:064x}" for i in range(99)] + [mine]
    assert a.post("/api/photos/have", json={"sha256": hundred}, headers=ha).get_json() == {"have": [mine]}
    for bad in ({"sha256": ["xyz"]}, {"sha256": "ab" * 32}, {"sha256": hundred + [unknown]}, [1]):
        r = a.post("/api/photos/have", json=bad, headers=ha)
        assert r.status_code == 400 and r.get_json()["message"], bad
    assert a.post("/api/photos/have", json={"sha256": [mine]}).status_code == 400  # no CSRF token
    reviewer = app.test_client()
    login(reviewer, "rev")
    r = reviewer.post("/api/photos/have", json={"sha256": [mine]},
                      headers={"X-CSRFToken": csrf_token(reviewer, "/review/")})
    assert r.status_code == 403


def test_the_blind_count_is_kept_once_and_only_by_the_tasks_examiner(app):
    from fieldcheck.assignment.models import Task
    from fieldcheck.audit.models import AuditEvent
    from fieldcheck.extensions import db

    world = build_world(app)
    task_id, text, qty = blind_task(app, world.task_ids)
    other, ho = examiner(app, "exb")
    assert other.post(f"/api/tasks/{task_id}/reveal", json={"observed_qty": 1}, headers=ho).status_code == 403
    client, headers = examiner(app)
    for bad in ({"observed_qty": "x"}, {"observed_qty": -1}, {"observed_qty": True}, {}, ["x"]):
        r = client.post(f"/api/tasks/{task_id}/reveal", json=bad, headers=headers)
        assert r.status_code == 400 and r.get_json()["error"] in ("bad_quantity", "bad_json"), bad
    with app.app_context():
        assert db.session.get(Task, task_id).revealed_at is None
    r = client.post(f"/api/tasks/{task_id}/reveal", json={"observed_qty": 7, "counted_at": "2026-03-01T02:00:00Z"},
                    headers=headers)
    assert r.status_code == 200
    assert r.get_json() == {"claim_text": text, "claimed_qty": qty, "qty_unit": r.get_json()["qty_unit"],
                            "blind_qty": 7}
    repeat = client.post(f"/api/tasks/{task_id}/reveal", json={"observed_qty": 9}, headers=headers)
    assert repeat.status_code == 200 and repeat.get_json() == r.get_json()
    with app.app_context():
        events = db.session.scalars(sa.select(AuditEvent).where(AuditEvent.action == "task.reveal")).all()
        assert len(events) == 1 and events[0].after_data["counted_at"].startswith("2026-03-01T02:00:00")
    assert client.post(f"/api/tasks/{task_id}/reveal", json={"observed_qty": 7}).status_code == 400  # no CSRF
    assert client.post("/api/tasks/999999/reveal", json={"observed_qty": 7}, headers=headers).status_code == 404


def test_the_qr_count_counts_this_visits_resident_answers(app):
    world = build_world(app)
    client, headers = examiner(app)
    task_id = world.task_ids[0]
    visit_uuid = str(uuid.uuid4())
    assert client.get(f"/api/tasks/{task_id}/qr-count?client_uuid={visit_uuid}").get_json() == {"count": 0}
    client.post(f"/api/tasks/{task_id}/reveal", json={"observed_qty": 2}, headers=headers)
    r = client.post(f"/api/tasks/{task_id}/rating-tokens", json={"client_uuid": visit_uuid}, headers=headers)
    assert r.status_code == 201, r.get_data(as_text=True)
    path = "/r/" + r.get_json()["url"].rsplit("/r/", 1)[1]
    resident = app.test_client()
    token = csrf_token(resident, path)
    answers = {f"q{q}": "5" for q in question_ids(app, task_id)}
    assert resident.post(path, data={"csrf_token": token, "respondent": "resident", **answers}).status_code == 200
    r = client.get(f"/api/tasks/{task_id}/qr-count?client_uuid={visit_uuid}")
    assert r.status_code == 200 and r.get_json() == {"count": 1} and r.headers["Cache-Control"] == "no-store"
    assert client.get(f"/api/tasks/{task_id}/qr-count?client_uuid={uuid.uuid4()}").get_json() == {"count": 0}
    r = client.get(f"/api/tasks/{task_id}/qr-count?client_uuid=nope")
    assert r.status_code == 400 and r.get_json()["message"]
    other, _h = examiner(app, "exb")
    assert other.get(f"/api/tasks/{task_id}/qr-count?client_uuid={visit_uuid}").status_code == 403


def test_a_repeat_sent_while_the_first_try_is_running_gets_the_same_answer(app):
    from fieldcheck.extensions import db
    from fieldcheck.field.models import Verification

    world = build_world(app)
    task_id = world.task_ids[0]
    pairs = [examiner(app), examiner(app)]
    sha = upload(*pairs[0])
    body = visit(app, task_id, sha)
    barrier = threading.Barrier(2)
    answers = []

    def send(client, headers):
        barrier.wait()
        r = client.post(f"/api/tasks/{task_id}/verifications", json=body, headers=headers)
        answers.append((r.status_code, r.get_json()))

    threads = [threading.Thread(target=send, args=pair) for pair in pairs]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert sorted(s for s, _b in answers) == [200, 201], answers
    assert answers[0][1] == answers[1][1] and answers[0][1]["client_uuid"] == body["client_uuid"]
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(Verification)) == 1
    later = pairs[0][0].post(f"/api/tasks/{task_id}/verifications", json=body, headers=pairs[0][1])
    assert later.status_code == 200 and later.get_json() == answers[0][1]


@pytest.mark.parametrize("repeat", range(3))
def test_the_race_holds_every_time(app, repeat):
    """The race above, repeated: a lucky interleaving must not be what makes it pass."""
    test_a_repeat_sent_while_the_first_try_is_running_gets_the_same_answer(app)


# --- The shell's bytes: compression, hashed static URLs, the root entry points -------------------------

@pytest.fixture
def shell_app(tmp_path):
    """An app whose static folder is a copy, so a test may change a file (no database needed)."""
    import shutil

    from fieldcheck import create_app
    from fieldcheck.config import PROJECT_ROOT
    from fieldcheck.field.shell import StaticAssets

    app = create_app({"TESTING": True, "SECRET_KEY": "x", "SQLALCHEMY_DATABASE_URI": "sqlite://",
                      "UPLOAD_FOLDER": str(tmp_path / "uploads")})
    static = tmp_path / "static"
    shutil.copytree(PROJECT_ROOT / "static", static)
    app.static_folder = str(static)
    app.extensions["fieldcheck_assets"] = StaticAssets(static)
    return app


def decoded(response) -> bytes:
    import gzip

    import brotli

    encoding = response.headers.get("Content-Encoding")
    return {"br": brotli.decompress, "gzip": gzip.decompress, None: bytes}[encoding](response.data)


def test_pages_go_out_compressed_when_the_browser_asks(shell_app):
    client = shell_app.test_client()
    plain = client.get("/login")
    assert plain.status_code == 200 and "Content-Encoding" not in plain.headers
    for asked, chosen in (("gzip, deflate, br", "br"), ("gzip", "gzip"), ("br;q=0, gzip", "gzip")):
        r = client.get("/login", headers={"Accept-Encoding": asked})
        assert r.headers["Content-Encoding"] == chosen and "Accept-Encoding" in r.headers["Vary"]
        assert len(r.data) < len(plain.data) * 0.6
        # The page carries a fresh CSRF token each time; the rest is the same page.
        assert decoded(r).split(b'name="csrf-token"')[0] == plain.data.split(b'name="csrf-token"')[0]


def test_the_pack_goes_out_compressed(app):
    build_world(app)
    client, _h = examiner(app)
    plain = client.get("/api/pack")
    packed = client.get("/api/pack", headers={"Accept-Encoding": "br"})
    assert packed.headers["Content-Encoding"] == "br" and len(packed.data) < len(plain.data) / 3
    import json

    assert json.loads(decoded(packed))["tasks"] == plain.get_json()["tasks"]
    again = client.get("/api/pack", headers={"Accept-Encoding": "br", "If-None-Match": packed.headers["ETag"]})
    assert again.status_code == 304


def test_hashed_static_urls_are_kept_a_year_and_change_with_the_file(shell_app):
    from fieldcheck.field.shell import StaticAssets, static_url

    static = __import__("pathlib").Path(shell_app.static_folder)
    css = (static / "app.css").read_bytes()
    with shell_app.test_request_context():
        url = static_url("app.css")
    assert re.fullmatch(r"/static/app\.[0-9a-f]{12}\.css", url)
    client = shell_app.test_client()
    for asked in ("br", "gzip", ""):
        r = client.get(url, headers={"Accept-Encoding": asked})
        assert r.status_code == 200 and r.headers["Cache-Control"] == "public, max-age=31536000, immutable"
        assert r.mimetype == "text/css" and decoded(r) == css and "Cookie" not in r.headers.get("Vary", "")
    plain = client.get("/static/app.css")
    assert plain.headers["Cache-Control"] == "no-cache" and plain.data == css
    assert client.get("/static/app.css", headers={"If-None-Match": plain.headers["ETag"]}).status_code == 304
    assert client.get("/static/app.000000000000.css").status_code == 404
    assert client.get("/static/../fieldcheck/app.py").status_code == 404

    (static / "app.css").write_bytes(css + b"\n.changed{color:red}\n")
    with shell_app.test_request_context():
        assert static_url("app.css") == url  # computed once per process
    shell_app.extensions["fieldcheck_assets"] = StaticAssets(static)  # the next process
    with shell_app.test_request_context():
        new_url = static_url("app.css")
    assert new_url != url and decoded(client.get(new_url, headers={"Accept-Encoding": "br"})).endswith(b".changed{color:red}\n")
    assert client.get(url).status_code == 404  # the old name never serves the new bytes


def test_the_service_worker_manifest_and_icon_are_served_at_the_root(shell_app):
    import json

    from PIL import Image

    client = shell_app.test_client()  # nobody signed in: these are public
    sw = client.get("/sw.js", headers={"Accept-Encoding": "br"})
    assert sw.status_code == 200 and sw.mimetype == "text/javascript"
    assert sw.headers["Service-Worker-Allowed"] == "/" and sw.headers["Cache-Control"] == "no-cache"
    script = decoded(sw).decode()
    shell = json.loads(re.search(r"var SHELL = (\[.*?\]);", script).group(1))
    assert any(u.startswith("/static/app.") for u in shell) and "var SHELL = [];" not in script
    for url in shell:
        r = client.get(url)
        assert r.status_code == 200 and r.headers["Cache-Control"] == "public, max-age=31536000, immutable", url
    assert client.get("/sw.js", headers={"Accept-Encoding": "br", "If-None-Match": sw.headers["ETag"]}).status_code == 304

    manifest = client.get("/manifest.webmanifest")
    assert manifest.status_code == 200 and manifest.mimetype == "application/manifest+json"
    doc = manifest.get_json(force=True)
    assert doc["start_url"] and doc["icons"]
    for icon in doc["icons"]:
        assert client.get(icon["src"]).status_code == 200, icon
    favicon = client.get("/favicon.ico")
    assert favicon.status_code == 200 and favicon.mimetype == "image/x-icon"
    with Image.open(io.BytesIO(favicon.data)) as image:
        assert image.format == "ICO" and max(image.size) <= 64
    assert json.loads(json.dumps(doc))  # the manifest is JSON


def test_the_pack_carries_only_the_latest_visit_of_a_returned_task_whatever_its_history(app):
    """Older visits of a returned task (and every visit of the other tasks) stay out of the pack: the
    latest by submit time is the one to start from, even when older ones were stored after it."""
    from datetime import timedelta

    from fieldcheck.assignment.models import Task
    from fieldcheck.extensions import db
    from fieldcheck.field.models import Verification

    world = build_world(app)
    client, headers = examiner(app)
    task_id = world.task_ids[0]
    sha = upload(client, headers)
    client.post(f"/api/tasks/{task_id}/reveal", json={"observed_qty": 2}, headers=headers)
    r = client.post(f"/api/tasks/{task_id}/verifications", json=visit(app, task_id, sha), headers=headers)
    assert r.status_code == 201, r.get_data(as_text=True)
    vid = r.get_json()["id"]
    with app.app_context():
        first = db.session.get(Verification, vid)
        for k in range(30):  # older visits, stored later (higher ids)
            db.session.add(Verification(client_uuid=str(uuid.uuid4()), task_id=task_id, examiner_id=first.examiner_id,
                                        finding="not_verified", notes=f"旧{k}",
                                        submitted_at=first.submitted_at - timedelta(days=1 + k)))
        db.session.get(Task, task_id).state = "returned"
        db.session.commit()
    loaded = []

    def note(target, context):
        loaded.append(target.id)

    sa.event.listen(Verification, "load", note)
    try:
        pack = client.get("/api/pack").get_json()
    finally:
        sa.event.remove(Verification, "load", note)
    task = next(t for t in pack["tasks"] if t["id"] == task_id)
    assert task["previous"]["notes"] == "看到了" and task["previous"]["finding"] == "partly"
    assert loaded == [vid]  # not the 30 older ones
