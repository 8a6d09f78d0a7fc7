"""The whole loop through the pages: an organizer sets up, an examiner submits, a reviewer decides."""

from __future__ import annotations

import io
import json
import uuid

import sqlalchemy as sa
from helpers import csrf_token, login

from story import FIXTURES, SEED, build_world, make_users

PHOTO = FIXTURES / "photos" / "gps_DSCN0010.jpg"


def organizer_client(app):
    with app.test_request_context():
        from fieldcheck.extensions import db

        make_users()
        db.session.commit()
    client = app.test_client()
    login(client, "org")
    return client


def test_organizer_sets_up_a_cycle_through_the_pages(app):
    client = organizer_client(app)
    token = csrf_token(client, "/cycles/")
    # 1. a cycle with the default aspects, edited questions
    page = client.get("/cycles/").get_data(as_text=True)
    assert "organization" in page  # the five default aspects are prefilled
    from fieldcheck.cycles.operations import default_aspects, format_aspect_lines

    with app.test_request_context():
        aspects = format_aspect_lines(default_aspects())
    settings = {"min_per_stratum": 2, "tolerable_share": 0.2, "confidence": 0.9, "cover_aspects": "y",
                "strata": "report", "blind": "y", "min_interviews": 3, "max_distance_m": 500,
                "accuracy_threshold_m": 50, "geo_wait_s": 30, "qr_token_hours": 2, "backcheck_share": 0.1,
                "max_route_km": 30, "exif_gps_max_m": 1000, "exif_time_window_h": 2, "exif_max_age_days": 30,
                "phash_max_distance": 6, "min_visit_minutes": 5, "camera_utc_offset_h": 8, "finding_weight": 0.6,
                "satisfaction_weight": 0.4, "partly_value": 0.5}
    r = client.post("/cycles/", data={"csrf_token": token, "code": "2026", "title": "测试批次",
                                     "aspects": aspects, "questions": "办成了吗？\n满意吗？", **settings})
    assert r.status_code == 302
    # the configuration can be changed while the cycle is a draft, and each change is recorded
    r = client.post("/cycles/2026/edit", data={"csrf_token": token, "title": "测试批次", "aspects": aspects,
                                              "questions": "办成了吗？\n满意吗？",
                                              **dict(settings, qr_token_hours=1.5, tolerable_share=1.5)})
    assert r.status_code == 400  # a share above 1 is refused
    r = client.post("/cycles/2026/edit", data={"csrf_token": token, "title": "测试批次", "aspects": aspects,
                                              "questions": "办成了吗？\n满意吗？", **dict(settings, qr_token_hours=1.5)})
    assert r.status_code == 302
    from fieldcheck.audit.models import AuditEvent
    from fieldcheck.extensions import db as _db

    with app.app_context():
        event = _db.session.scalars(_db.select(AuditEvent).where(AuditEvent.action == "cycle.update")).one()
        assert (event.before_data["qr_token_hours"], event.after_data["qr_token_hours"]) == (2.0, 1.5)
    # 2. import a report as an uploaded .md file
    report_bytes = (FIXTURES / "reports" / "qingshan-county-2025.md").read_bytes()
    r = client.post("/cycles/2026/reports/new", data={
        "csrf_token": token, "unit": "中共青山县委", "unit_kind": "county", "secretary": "张明",
        "slug": "qingshan-county", "title": "", "text": "",
        "upload": (io.BytesIO(report_bytes), "report.md")}, content_type="multipart/form-data")
    assert r.status_code == 302
    page = client.get(r.headers["Location"]).get_data(as_text=True)
    import hashlib
    import unicodedata

    expected_sha = hashlib.sha256(unicodedata.normalize("NFC", report_bytes.decode("utf-8")).strip().encode()).hexdigest()
    assert expected_sha in page  # the stored text's SHA-256 is shown back
    # 3. accept one proposal, and mark a passage by its text
    from fieldcheck.extensions import db
    from fieldcheck.reports.models import Claim, Report

    with app.app_context():
        report = db.session.scalar(sa.select(Report))
        text = report.text
    passage = text[text.index("2025年") : text.index("2025年") + 12]
    r = client.post("/cycles/2026/reports/qingshan-county", data={
        "csrf_token": token, "passage": passage, "aspect": "organization", "place": 0, "claimed_qty": "", "qty_unit": ""})
    assert r.status_code == 302, r.get_data(as_text=True)
    r = client.post("/cycles/2026/reports/qingshan-county/accept", data={"csrf_token": token})
    assert r.status_code == 302
    with app.app_context():
        claims = db.session.scalars(sa.select(Claim).order_by(Claim.start)).all()
        assert len(claims) >= 10
        assert all(text[c.start:c.end] == c.text for c in claims)
    # 4. publish (freeze) and draw
    assert client.post("/cycles/2026/publish", data={"csrf_token": token, "confirm": "1"}).status_code == 302
    # the seed ceremony: one organizer enters the seed, a second confirms it
    r = client.post("/cycles/2026/draw", data={"csrf_token": token, "seed": SEED, "action": "enter"})
    assert r.status_code == 302
    second = app.test_client()
    login(second, "multi")
    assert SEED in second.get("/cycles/2026/draw").get_data(as_text=True)
    r = second.post("/cycles/2026/draw", data={"csrf_token": csrf_token(second, "/cycles/2026/draw"),
                                               "seed": SEED.replace(" ", ""), "action": "confirm"})
    assert r.status_code == 302
    from fieldcheck.sampling.draw import parse_frame_csv
    from fieldcheck.sampling.models import Sample
    from fieldcheck.sampling.rule import DrawRule, draw_frame

    with app.app_context():
        sample = db.session.scalar(sa.select(Sample))
        ids = [i.public_id for i in sample.items]
        rows = parse_frame_csv(sample.frame_csv)
    rule = DrawRule(minimum=2)
    assert sample.method == rule.method
    assert ids == [d.public_id for d in draw_frame(rows, SEED, rule)]  # anyone can re-derive it
    public = client.get("/p/2026").get_data(as_text=True)
    assert SEED in public and ids[0] in public
    # 5. assign to an examiner
    with app.app_context():
        from fieldcheck.accounts.models import User
        from fieldcheck.assignment.models import Task

        exa = db.session.scalar(sa.select(User).where(User.username == "exa"))
        task_ids = db.session.scalars(sa.select(Task.id)).all()
    r = client.post("/cycles/2026/assign", data={"csrf_token": token, **{f"task-{t}": exa.id for t in task_ids}})
    assert r.status_code == 302
    with app.app_context():
        assert set(db.session.scalars(sa.select(Task.state))) == {"assigned"}
        from fieldcheck.cycles.models import Cycle

        assert db.session.scalar(sa.select(Cycle.state)) == "fieldwork"


def visit_form(app, task_id, *, finding="verified", uuid_=None, photos=True, ratings=(4, 5, 3)):
    from fieldcheck.extensions import db
    from fieldcheck.assignment.models import Task

    with app.app_context():
        task = db.session.get(Task, task_id)
        qids = [q.id for q in task.claim.report.cycle.questions]
    data = {"client_uuid": uuid_ or str(uuid.uuid4()), "finding": finding, "observed_qty": "3", "notes": "看到了",
            "lat": "43.4674", "lon": "11.8851", "accuracy_m": "12", "interview-0-respondent": "resident"}
    for qid, value in zip(qids, ratings):
        data[f"interview-0-q{qid}"] = str(value)
    if photos:
        data["photos"] = (io.BytesIO(PHOTO.read_bytes()), "IMG_0001.jpg")
    return data


def test_examiner_submits_reviewer_returns_examiner_resubmits_then_approval_scores(app):
    from fieldcheck.field.models import Verification

    world = build_world(app)
    task_id = world.task_ids[0]
    examiner = app.test_client()
    login(examiner, "exa")
    tasks_page = examiner.get("/tasks").get_data(as_text=True)
    assert f"/tasks/{task_id}" in tasks_page
    token = csrf_token(examiner, f"/tasks/{task_id}")
    r = examiner.post(f"/tasks/{task_id}", data={"csrf_token": token, **visit_form(app, task_id)},
                      content_type="multipart/form-data")
    assert r.status_code == 302, r.get_data(as_text=True)[:2000]

    from fieldcheck.audit.models import AuditEvent
    from fieldcheck.extensions import db
    from fieldcheck.assignment.models import Task

    with app.app_context():
        task = db.session.get(Task, task_id)
        assert task.state == "submitted"
        verification = task.latest
        assert len(verification.photos) == 1 and verification.photos[0].gps_lat is not None
        assert [r.value for r in verification.interviews[0].ratings] == [4, 5, 3]
        vid = verification.id
        public_id = task.claim.public_id
    reviewer = app.test_client()
    login(reviewer, "rev")
    assert f"/review/{vid}" in reviewer.get("/review/").get_data(as_text=True)
    page = reviewer.get(f"/review/{vid}").get_data(as_text=True)
    assert "43.467400" in page and "/photos/" in page
    rtoken = csrf_token(reviewer, f"/review/{vid}")
    # a return needs a reason
    r = reviewer.post(f"/review/{vid}", data={"csrf_token": rtoken, "decision": "return", "reason": ""})
    assert r.status_code == 400
    r = reviewer.post(f"/review/{vid}", data={"csrf_token": rtoken, "decision": "return", "reason": "请补拍门牌"})
    assert r.status_code == 302
    assert "请补拍门牌" in examiner.get("/tasks").get_data(as_text=True)
    # resubmission
    r = examiner.post(f"/tasks/{task_id}", data={"csrf_token": token, **visit_form(app, task_id, ratings=(5, 5, 5))},
                      content_type="multipart/form-data")
    assert r.status_code == 302
    with app.app_context():
        task = db.session.get(Task, task_id)
        visits = db.session.scalars(sa.select(Verification.id).where(Verification.task_id == task_id)).all()
        assert task.state == "submitted" and len(visits) == 2
        vid2 = task.latest.id
        assert vid2 == max(visits) != vid
    r = reviewer.post(f"/review/{vid2}", data={"csrf_token": rtoken, "decision": "approve", "reason": ""})
    assert r.status_code == 302
    # the score: verified (f=1), satisfaction of (5,5,5) = 100 -> 100
    scores = reviewer.get("/cycles/2025/scores/?report=qingshan-county").get_data(as_text=True)
    assert public_id in scores and "100.0" in scores
    doc = json.loads(reviewer.get("/cycles/2025/scores/export.json?level=claim").get_data(as_text=True))
    row = next(r for r in doc["rows"] if r["public_id"] == public_id)
    assert row["score"] == 100.0 and row["finding_value"] == 1.0
    csv_text = reviewer.get("/cycles/2025/scores/export.csv").get_data(as_text=True)
    assert csv_text.startswith("report,cycle,unit") and "qingshan-county" in csv_text  # no BOM: one convention
    report_doc = json.loads(reviewer.get("/cycles/2025/scores/export.json").get_data(as_text=True))
    report_row = report_doc["rows"][0]
    assert report_row["approved"] == 1 and report_row["population"] > 10 and report_row["total"] == 100.0
    # every change of state left an audit event with before and after
    with app.app_context():
        actions = [e.action for e in db.session.scalars(
            sa.select(AuditEvent).where(AuditEvent.entity_id == public_id).order_by(AuditEvent.id))]
        assert actions == ["task.assign", "task.submit", "task.return", "task.submit", "task.approve"]
        ret = db.session.scalar(sa.select(AuditEvent).where(AuditEvent.action == "task.return"))
        assert ret.before_data == {"state": "submitted"} and ret.after_data["state"] == "returned"
        assert ret.actor_id is not None


def test_repeated_submit_is_harmless_and_answers_with_the_first_result(app):
    world = build_world(app)
    task_id = world.task_ids[0]
    examiner = app.test_client()
    login(examiner, "exa")
    token = csrf_token(examiner, "/tasks")
    headers = {"X-CSRFToken": token}
    photo = PHOTO.read_bytes()
    import hashlib

    sha = hashlib.sha256(photo).hexdigest()
    for _ in range(2):  # the outbox retries the photo after a dropped connection
        r = examiner.post("/api/photos", data={"photo": (io.BytesIO(photo), "x.jpg"), "sha256": sha},
                          headers=headers, content_type="multipart/form-data")
        assert r.status_code == 200 and r.get_json()["sha256"] == sha
    from fieldcheck.extensions import db
    from fieldcheck.evidence.models import Photo
    from fieldcheck.assignment.models import Task
    from fieldcheck.field.models import Verification

    with app.app_context():
        qids = [q.id for q in db.session.get(Task, task_id).claim.report.cycle.questions]
    body = {"client_uuid": str(uuid.uuid4()), "finding": "partly", "observed_qty": 2, "photo_sha256": [sha],
            "lat": 43.0, "lon": 11.0, "accuracy_m": 8,
            "interviews": [{"respondent": "member", "ratings": {str(q): 4 for q in qids}}]}
    first = examiner.post(f"/api/tasks/{task_id}/verifications", json=body, headers=headers)
    assert first.status_code == 201, first.get_data(as_text=True)
    again = examiner.post(f"/api/tasks/{task_id}/verifications", json=body, headers=headers)
    assert again.status_code == 200
    assert again.get_json() == first.get_json()  # the same body: the status tells first from repeat
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(Verification)) == 1
        assert db.session.scalar(sa.select(sa.func.count()).select_from(Photo)) == 1
    # a photo the server never received is named, not silently dropped
    body2 = dict(body, client_uuid=str(uuid.uuid4()), photo_sha256=["ab" * 32])
    r = examiner.post(f"/api/tasks/{world.task_ids[1]}/verifications", json=body2, headers=headers)
    assert r.status_code == 409 and r.get_json()["error"] == "photo_missing"


def test_an_export_before_any_approval_still_has_its_header(app):
    world = build_world(app)
    org = app.test_client()
    login(org, "org")
    body = org.get("/cycles/2025/scores/export.csv?level=claim").get_data(as_text=True)
    lines = body.splitlines()
    # Every drawn claim has its row, open ones too; the header names the stable columns.
    assert lines[0].startswith("public_id,report,n,stratum,aspect,") and len(lines) == len(world.task_ids) + 1


def test_two_racing_submits_of_one_task_store_one_visit(app):
    import threading

    world = build_world(app)
    task_id = world.task_ids[0]
    clients = [app.test_client(), app.test_client()]
    for client in clients:
        login(client, "exa")
    tokens = [csrf_token(c, "/tasks") for c in clients]
    photo = PHOTO.read_bytes()
    import hashlib

    sha = hashlib.sha256(photo).hexdigest()
    clients[0].post("/api/photos", data={"photo": (io.BytesIO(photo), "x.jpg")}, headers={"X-CSRFToken": tokens[0]},
                    content_type="multipart/form-data")
    from fieldcheck.extensions import db
    from fieldcheck.assignment.models import Task
    from fieldcheck.field.models import Verification

    with app.app_context():
        qids = [q.id for q in db.session.get(Task, task_id).claim.report.cycle.questions]
    barrier = threading.Barrier(2)
    statuses = []

    def send(client, token):
        body = {"client_uuid": str(uuid.uuid4()), "finding": "verified", "photo_sha256": [sha],
                "interviews": [{"respondent": "member", "ratings": {str(q): 4 for q in qids}}]}
        barrier.wait()
        statuses.append(client.post(f"/api/tasks/{task_id}/verifications", json=body,
                                    headers={"X-CSRFToken": token}).status_code)

    threads = [threading.Thread(target=send, args=pair) for pair in zip(clients, tokens)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert sorted(statuses) == [201, 409], statuses
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(Verification)) == 1


def test_a_rejected_visit_stays_visible_in_the_export_and_can_be_sent_out_again(app):
    world = build_world(app)
    task_id = world.task_ids[0]
    examiner, reviewer, org = app.test_client(), app.test_client(), app.test_client()
    login(examiner, "exa")
    login(reviewer, "rev")
    login(org, "org")
    r = examiner.post(f"/tasks/{task_id}", data={"csrf_token": csrf_token(examiner, "/tasks"),
                                                **visit_form(app, task_id, finding="not_verified")},
                      content_type="multipart/form-data")
    assert r.status_code == 302
    from fieldcheck.extensions import db
    from fieldcheck.assignment.models import Task

    with app.app_context():
        vid = db.session.get(Task, task_id).latest.id
    reviewer.post(f"/review/{vid}", data={"csrf_token": csrf_token(reviewer, "/review/"), "decision": "reject",
                                          "reason": "照片不是现场"})
    # The cycle asks for a second reviewer: the rejection is only proposed until another confirms it.
    row = json.loads(org.get("/cycles/2025/scores/export.json").get_data(as_text=True))["rows"][0]
    assert (row["rejected"], row["open"]) == (0, len(world.task_ids))
    second = app.test_client()
    login(second, "multi")
    r = second.post(f"/review/{vid}", data={"csrf_token": csrf_token(second, "/review/"), "decision": "reject",
                                            "reason_code": "photos_doubtful", "reason": ""})
    assert r.status_code == 302
    row = json.loads(org.get("/cycles/2025/scores/export.json").get_data(as_text=True))["rows"][0]
    assert (row["drawn"], row["approved"], row["rejected"], row["open"]) == (len(world.task_ids), 0, 1,
                                                                       len(world.task_ids) - 1)
    # The rejected claim counts at once, as not verified (the open ones wait for the close).
    assert (row["sample_size"], row["not_verified"], row["verified_share"]) == (1, 1, 0.0)
    with app.app_context():
        from fieldcheck.accounts.models import User

        exb = db.session.scalar(sa.select(User.id).where(User.username == "exb"))
    r = org.post("/cycles/2025/assign", data={"csrf_token": csrf_token(org, "/cycles/2025/assign"),
                                              f"task-{task_id}": exb})
    assert r.status_code == 302
    with app.app_context():
        task = db.session.get(Task, task_id)
        assert (task.state, task.examiner.username) == ("assigned", "exb")
