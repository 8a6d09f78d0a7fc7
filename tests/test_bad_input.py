"""Bad input gets a clear message in the user's language and changes nothing."""

from __future__ import annotations

import io
import uuid

import sqlalchemy as sa
from helpers import csrf_token, login

from story import FIXTURES, PASSWORD, SEED, build_world, make_users


def zh(app, msgid: str, **params) -> str:
    """The Chinese message the page must show (and proof that a translation exists)."""
    from flask_babel import gettext

    with app.test_request_context():
        text = gettext(msgid, **params)
    assert text != msgid % params if params else text != msgid, f"no Chinese for {msgid!r}"
    return text


def count(app, model) -> int:
    from fieldcheck.extensions import db

    with app.app_context():
        return db.session.scalar(sa.select(sa.func.count()).select_from(model))


ALREADY = "The sample of this cycle was already drawn; it cannot be drawn again."
NOT_PHOTO = "This file is not a photo. Choose a JPEG, PNG, WebP or HEIC picture."


def report_text(app) -> str:
    from fieldcheck.extensions import db
    from fieldcheck.reports.models import Report

    with app.app_context():
        return db.session.scalar(sa.select(Report.text))


def organizer_with_cycle(app, **world_kwargs):
    world = build_world(app, **world_kwargs)
    client = app.test_client()
    login(client, "org")
    return world, client, csrf_token(client, "/cycles/")


def import_data(token, **overrides):
    data = {"csrf_token": token, "unit": "某单位", "unit_kind": "department", "secretary": "王某",
            "slug": "some-dept", "title": "", "text": ""}
    data.update(overrides)
    return data


def test_empty_and_non_utf8_reports_are_refused_in_chinese(app):
    from fieldcheck.reports.models import Report

    _w, client, token = organizer_with_cycle(app, draw=False)
    before = count(app, Report)
    r = client.post("/cycles/2025/reports/new", data=import_data(token, text="   \n  "))
    assert r.status_code == 400 and zh(app, "The report is empty: paste its text or choose a file.") in r.get_data(as_text=True)
    garbage = b"report \x80 text \xff end"  # valid in neither UTF-8 nor GB18030
    r = client.post("/cycles/2025/reports/new", content_type="multipart/form-data",
                    data=import_data(token, upload=(io.BytesIO(garbage), "r.txt")))
    assert r.status_code == 400
    assert zh(app, "The file is not text in UTF-8 or GB18030. Save it as UTF-8 and upload it again.") \
        in r.get_data(as_text=True)
    renamed_zip = io.BytesIO()
    import zipfile

    with zipfile.ZipFile(renamed_zip, "w") as z:
        z.writestr("photo.jpg", b"not a word document")
    r = client.post("/cycles/2025/reports/new", content_type="multipart/form-data",
                    data=import_data(token, upload=(io.BytesIO(renamed_zip.getvalue()), "report.docx")))
    assert r.status_code == 400
    assert zh(app, "The .docx file is damaged or is not a Word document.") in r.get_data(as_text=True)
    assert count(app, Report) == before
    # GB18030, as some sites publish, is read
    gb = "青山县委书记述职报告\n二是发展党员12名。".encode("gb18030")
    r = client.post("/cycles/2025/reports/new", content_type="multipart/form-data",
                    data=import_data(token, upload=(io.BytesIO(gb), "r.txt")))
    assert r.status_code == 302 and count(app, Report) == before + 1


def test_a_claim_span_outside_the_text_is_refused(app):
    from fieldcheck.reports.models import Claim

    _w, client, token = organizer_with_cycle(app, draw=False)
    before = count(app, Claim)
    r = client.post("/cycles/2025/reports/qingshan-county", data={
        "csrf_token": token, "start": "10", "end": "999999", "aspect": "organization", "place": "0"})
    assert r.status_code == 400
    assert zh(app, "The passage %(start)d–%(end)d lies outside the report text (0–%(len)d).", start=10, end=999999,
              len=len(report_text(app))) in r.get_data(as_text=True)
    assert count(app, Claim) == before


def test_a_second_draw_is_refused_from_the_page_and_the_cli_and_recorded(app):
    from fieldcheck.audit.models import AuditEvent
    from fieldcheck.sampling.models import SampleItem

    _w, client, token = organizer_with_cycle(app)
    items = count(app, SampleItem)
    r = client.post("/cycles/2025/draw", data={"csrf_token": token, "seed": "1111 2222"})
    assert r.status_code == 409 and zh(app, ALREADY) in r.get_data(as_text=True)
    result = app.test_cli_runner().invoke(args=["sample", "draw", "2025", "--seed", "999", "--as", "org"])
    assert result.exit_code != 0 and zh(app, ALREADY) in result.output
    assert count(app, SampleItem) == items
    from fieldcheck.extensions import db
    from fieldcheck.sampling.models import Sample

    with app.app_context():
        assert db.session.scalar(sa.select(Sample.seed)) == SEED
        refused = db.session.scalars(sa.select(AuditEvent).where(AuditEvent.action == "sample.redraw_refused")).all()
        assert [e.after_data["via"] for e in refused] == ["page", "cli"]


def test_a_task_that_is_not_yours_is_forbidden(app):
    world = build_world(app)
    other = app.test_client()
    login(other, "exb")
    assert other.get(f"/tasks/{world.task_ids[0]}").status_code == 403
    token = csrf_token(other, "/tasks")
    r = other.post(f"/tasks/{world.task_ids[0]}", data={"csrf_token": token, "client_uuid": str(uuid.uuid4()),
                                                         "finding": "verified"})
    assert r.status_code == 403
    r = other.post(f"/api/tasks/{world.task_ids[0]}/verifications", headers={"X-CSRFToken": token},
                   json={"client_uuid": str(uuid.uuid4()), "finding": "verified"})
    assert r.status_code == 403
    from fieldcheck.field.models import Verification

    assert count(app, Verification) == 0


def examiner(app):
    world = build_world(app)
    client = app.test_client()
    login(client, "exa")
    return world, client, csrf_token(client, "/tasks")


def test_a_file_that_is_not_an_image_is_refused_and_nothing_stored(app, tmp_path):
    world, client, token = examiner(app)
    html = b"<!doctype html><script>alert(1)</script>"
    r = client.post("/api/photos", headers={"X-CSRFToken": token}, content_type="multipart/form-data",
                    data={"photo": (io.BytesIO(html), "photo.jpg")})
    assert r.status_code == 400 and r.get_json()["message"] == zh(app, NOT_PHOTO)
    r = client.post(f"/tasks/{world.task_ids[0]}", content_type="multipart/form-data", data={
        "csrf_token": token, "client_uuid": str(uuid.uuid4()), "finding": "site_not_found",
        "photos": (io.BytesIO(html), "x.jpg")})
    assert r.status_code == 400 and zh(app, NOT_PHOTO) in r.get_data(as_text=True)
    from fieldcheck.evidence.models import Photo

    assert count(app, Photo) == 0
    assert not any(p.is_file() for p in (tmp_path / "uploads").rglob("*"))


def test_an_upload_over_the_limit_gets_the_413_page(app):
    world, client, token = examiner(app)
    big = b"\xff\xd8" + b"\0" * (6 * 1024 * 1024)  # the test app's limit is 5 MB
    r = client.post(f"/tasks/{world.task_ids[0]}", content_type="multipart/form-data",
                    data={"csrf_token": token, "photos": (io.BytesIO(big), "big.jpg")})
    assert r.status_code == 413
    assert zh(app, "The upload is too large: the limit is %(mb)s MB.", mb="5") in r.get_data(as_text=True)
    r = client.post("/api/photos", headers={"X-CSRFToken": token}, content_type="multipart/form-data",
                    data={"photo": (io.BytesIO(big), "big.jpg")})
    assert r.status_code == 413 and r.get_json()["error"] == "too_large"


def test_latitude_91_or_nan_is_refused(app):
    world, client, token = examiner(app)
    photo = (FIXTURES / "photos" / "gps_DSCN0012.jpg").read_bytes()
    from fieldcheck.assignment.models import Task
    from fieldcheck.field.models import Verification

    lat_range = zh(app, "The latitude must lie between -90 and 90.")
    not_number = zh(app, "The location is not a valid number.")
    for lat, words in (("91", lat_range), ("NaN", not_number), ("inf", not_number)):
        r = client.post(f"/tasks/{world.task_ids[0]}", content_type="multipart/form-data", data={
            "csrf_token": token, "client_uuid": str(uuid.uuid4()), "finding": "verified", "lat": lat,
            "lon": "11.0", "photos": (io.BytesIO(photo), "p.jpg")})
        assert r.status_code == 400, lat
        assert words in r.get_data(as_text=True), lat
    assert count(app, Verification) == 0
    from fieldcheck.extensions import db

    with app.app_context():
        assert db.session.get(Task, world.task_ids[0]).state == "assigned"


def test_a_post_without_csrf_token_is_refused(app):
    with app.test_request_context():
        from fieldcheck.extensions import db

        make_users()
        db.session.commit()
    client = app.test_client()
    login(client, "org")
    from fieldcheck.cycles.models import Cycle

    r = client.post("/cycles/", data={"code": "2030", "title": "x", "min_per_stratum": 3,
                                     "aspects": "a | 甲 | A | 1", "questions": "q"})
    assert r.status_code == 400 and zh(app, "The form expired or was sent from elsewhere. Go back, reload the page and try again.") in r.get_data(as_text=True)
    r = client.post("/api/photos", data={}, headers={"Accept": "application/json"})
    assert r.status_code == 400
    assert count(app, Cycle) == 0


def test_the_claims_editor_adjusts_splits_and_merges_and_refuses_bad_spans(app):
    from fieldcheck.audit.models import AuditEvent
    from fieldcheck.extensions import db
    from fieldcheck.reports.models import Claim

    _w, client, token = organizer_with_cycle(app, draw=False)
    with app.app_context():
        first = db.session.scalars(sa.select(Claim).order_by(Claim.start)).first()
        cid, start, end = first.id, first.start, first.end
        total = db.session.scalar(sa.select(sa.func.count()).select_from(Claim))
    url = f"/cycles/2025/reports/qingshan-county/claims/{cid}"
    r = client.post(url, data={"csrf_token": token, "start": start, "end": 10**6, "aspect": "services", "place": 0})
    assert r.status_code == 400
    r = client.post(url, data={"csrf_token": token, "start": start + 1, "end": end, "aspect": "services",
                               "place": 0, "claimed_qty": "12", "qty_unit": "个"})
    assert r.status_code == 302
    mid = (start + 1 + end) // 2
    assert client.post(url + "/split", data={"csrf_token": token, "at": end + 5}).status_code == 302  # refused
    assert count(app, Claim) == total
    assert client.post(url + "/split", data={"csrf_token": token, "at": mid}).status_code == 302
    assert count(app, Claim) == total + 1
    assert client.post(url + "/merge", data={"csrf_token": token}).status_code == 302
    with app.app_context():
        claim = db.session.get(Claim, cid)
        assert (claim.start, claim.end, claim.aspect.code, claim.claimed_qty) == (start + 1, end, "services", 12)
        assert claim.text == report_text(app)[start + 1:end]
        actions = db.session.scalars(sa.select(AuditEvent.action).where(AuditEvent.action.like("claim.%")
                                     ).order_by(AuditEvent.id)).all()
        assert actions[-3:] == ["claim.edit", "claim.split", "claim.merge"]
    assert count(app, Claim) == total


def test_a_claim_is_excluded_only_with_a_reason_and_leaves_the_frame(app):
    from fieldcheck.extensions import db
    from fieldcheck.reports.models import Claim

    _w, client, token = organizer_with_cycle(app, draw=False)
    with app.app_context():
        cid = db.session.scalars(sa.select(Claim.id).order_by(Claim.start)).first()
    url = f"/cycles/2025/reports/qingshan-county/claims/{cid}/exclude"
    client.post(url, data={"csrf_token": token, "reason": ""})
    with app.app_context():
        assert db.session.get(Claim, cid).state == "confirmed"
    client.post(url, data={"csrf_token": token, "reason": "这是计划，不是已完成的实绩"})
    assert client.post("/cycles/2025/publish", data={"csrf_token": token, "confirm": "1"}).status_code == 302
    with app.app_context():
        claim = db.session.get(Claim, cid)
        assert claim.state == "excluded" and claim.n is None
        from fieldcheck.sampling.operations import frame_rows
        from fieldcheck.cycles.operations import get_cycle

        assert all(row.public_id for row in frame_rows(get_cycle("2025")))
        assert len(frame_rows(get_cycle("2025"))) == db.session.scalar(
            sa.select(sa.func.count()).select_from(Claim).where(Claim.state == "confirmed"))


def test_badly_typed_json_submissions_get_400_not_500(app):
    world = build_world(app)
    client = app.test_client()
    login(client, "exa")
    token = csrf_token(client, "/tasks")
    url = f"/api/tasks/{world.task_ids[0]}/verifications"
    base = {"client_uuid": str(uuid.uuid4()), "finding": "verified", "photo_sha256": ["ab" * 32]}
    bodies = [
        {"interviews": "abc"}, {"interviews": 5}, {"interviews": {"a": 1}},
        {"interviews": [{"respondent": "resident", "ratings": [4, 4, 4]}]},
        {"interviews": [{"respondent": "resident", "ratings": "444"}]},
        {"interviews": [{"respondent": "resident", "ratings": {"1": 1e999}}]},
        {"photo_sha256": 5}, {"photo_sha256": {"a": 1}},
        {"observed_qty": 10 ** 400}, {"accuracy_m": 10 ** 400, "lat": 1, "lon": 1},
        {"observed_qty": [1]}, {"notes": {"x": 1}}, {"lat": [], "lon": {}},
    ]
    for extra in bodies:
        r = client.post(url, json={**base, **extra, "client_uuid": str(uuid.uuid4())}, headers={"X-CSRFToken": token})
        assert 400 <= r.status_code < 500, (extra, r.status_code)
        assert r.get_json()["message"], extra
    # implausible client times are dropped, not stored and not a crash
    from fieldcheck.field.submission import parse_started_at

    assert parse_started_at("9999-12-31T23:59:59-05:00") is None
    assert parse_started_at("0001-01-01T00:00:00+05:00") is None
    assert parse_started_at(5) is None
    r = client.post(f"/api/tasks/{world.task_ids[0]}/rating-tokens", json=[1], headers={"X-CSRFToken": token})
    assert r.status_code == 400


def test_password_guessing_is_slowed_down(app):
    with app.test_request_context():
        from fieldcheck.extensions import db

        make_users()
        db.session.commit()
    client = app.test_client()
    token = csrf_token(client)

    def attempt(username, password, address="10.0.0.1"):
        return client.post("/login", data={"username": username, "password": password, "csrf_token": token},
                           environ_base={"REMOTE_ADDR": address})

    # Five wrong guesses for one account, from five addresses: the sixth is refused, with Retry-After.
    statuses = [attempt("org", f"guess {i}", f"10.0.1.{i}").status_code for i in range(6)]
    assert statuses == [401] * 5 + [429]
    refused = attempt("org", "another guess", "10.0.2.1")
    assert refused.status_code == 429 and 0 < int(refused.headers["Retry-After"]) <= 60
    # Another account is not locked by them, and a correct sign-in does not count as an attempt.
    for _ in range(3):
        assert attempt("exa", PASSWORD, "10.0.3.1").status_code == 302
        client.post("/logout", data={"csrf_token": csrf_token(client, "/tasks")})
        token = csrf_token(client)
    # One address guessing many accounts is slowed too (20 failures a minute).
    statuses = [attempt(f"user{i}", "wrong", "10.0.4.1").status_code for i in range(21)]
    assert statuses[:20] == [401] * 20 and statuses[20] == 429


def test_a_refused_visit_leaves_no_photo_files_behind(app, tmp_path):
    world, client, token = examiner(app)
    photo = (FIXTURES / "photos" / "gps_DSCN0021.jpg").read_bytes()
    r = client.post(f"/tasks/{world.task_ids[0]}", content_type="multipart/form-data", data={
        "csrf_token": token, "client_uuid": str(uuid.uuid4()), "finding": "verified",  # no interview
        "photos": (io.BytesIO(photo), "p.jpg")})
    assert r.status_code == 400
    assert not any(p.is_file() for p in (tmp_path / "uploads").rglob("*"))


def test_a_rejected_proposal_needs_a_reason_and_is_not_offered_again(app):
    from fieldcheck.extensions import db
    from fieldcheck.reports.models import Claim, Report
    from fieldcheck.reports.operations import proposals_for

    build_world(app, draw=False)
    # start from a report whose proposals are all still open
    with app.test_request_context():
        report = db.session.scalar(sa.select(Report))
        for claim in list(report.claims):
            db.session.delete(claim)
        db.session.commit()
        first = proposals_for(report)[0]
        total = len(proposals_for(report))
    client = app.test_client()
    login(client, "org")
    token = csrf_token(client, "/cycles/2025/reports/qingshan-county")
    url = "/cycles/2025/reports/qingshan-county/reject"
    client.post(url, data={"csrf_token": token, "start": first.start, "end": first.end, "reason": ""})
    assert count(app, Claim) == 0
    client.post(url, data={"csrf_token": token, "start": first.start, "end": first.end, "reason": "这是计划"})
    with app.test_request_context():
        report = db.session.scalar(sa.select(Report))
        assert len(proposals_for(report)) == total - 1
        claim = db.session.scalar(sa.select(Claim))
        assert (claim.state, claim.exclude_reason, claim.start) == ("excluded", "这是计划", first.start)
