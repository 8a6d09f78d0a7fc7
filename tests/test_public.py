"""The public reads the reports and leaves leads; bots and floods are kept out."""

from __future__ import annotations

import re

import sqlalchemy as sa

from story import build_world


def feedback_count(app) -> int:
    from fieldcheck.extensions import db
    from fieldcheck.reports.models import Feedback

    with app.app_context():
        return db.session.scalar(sa.select(sa.func.count()).select_from(Feedback))


def post_feedback(client, n=1, **fields):
    page = client.get("/p/2025/qingshan-county").get_data(as_text=True)
    token = re.search(r'name="csrf-token" content="([^"]+)"', page).group(1)
    data = {"csrf_token": token, "text": "我们村确实建了党群服务中心", "contact": "", "website": ""}
    data.update(fields)
    return client.post(f"/p/2025/qingshan-county/claims/{n}/feedback", data=data)


def test_the_public_reads_a_report_with_its_claims_and_sample_without_an_account(app):
    build_world(app)
    public = app.test_client()
    page = public.get("/p/2025/qingshan-county").get_data(as_text=True)
    from fieldcheck.extensions import db
    from fieldcheck.reports.models import Report

    with app.app_context():
        report = db.session.scalar(sa.select(Report))
        confirmed = [c for c in report.claims if c.state == "confirmed"]
        sha = report.sha256
    assert sha in page
    assert page.count("<mark") == len(confirmed)
    assert 'class="sampled"' in page
    assert public.get("/p/2025").status_code == 200


def test_feedback_reaches_the_organizers_as_a_lead(app):
    build_world(app)
    r = post_feedback(app.test_client(), text="第3条说的服务中心其实还没建好", contact="微信 abc")
    assert r.status_code == 302 and feedback_count(app) == 1
    from helpers import login

    org = app.test_client()
    login(org, "org")
    page = org.get("/cycles/2025/reports/qingshan-county").get_data(as_text=True)
    assert "第3条说的服务中心其实还没建好" in page and "微信 abc" in page


def test_a_bot_filling_the_honeypot_stores_nothing_and_a_flood_is_limited(app):
    build_world(app)
    client = app.test_client()
    r = post_feedback(client, website="http://spam.example")
    assert r.status_code == 302 and feedback_count(app) == 0
    r = post_feedback(client, text="短")
    assert r.status_code == 302 and feedback_count(app) == 0
    statuses = [post_feedback(client, text=f"第{i}次反馈的内容").status_code for i in range(5)]
    # 5 per hour per address: the honeypot and the too-short message used two of them
    assert statuses == [302, 302, 302, 429, 429] and feedback_count(app) == 3


def test_the_place_list_is_imported_whole_or_not_at_all(app):
    import io

    from helpers import csrf_token, login
    from story import make_users

    with app.test_request_context():
        from fieldcheck.extensions import db

        make_users()
        db.session.commit()
    org = app.test_client()
    login(org, "org")
    token = csrf_token(org, "/places/")
    bad = "name,kind,parent,lat,lon,crs\n甲村,village,,30.1,120.2,wgs84\n乙村,village,丙镇,91,120.2,gcj02\n"
    r = org.post("/places/", data={"csrf_token": token, "csv": (io.BytesIO(bad.encode()), "p.csv")},
                 content_type="multipart/form-data")
    page = r.get_data(as_text=True)
    assert r.status_code == 400 and "3" in page and "甲村" not in page.split('id="places"')[1]
    good = "name,kind,parent,lat,lon,crs\n丙镇,town,,30.0,120.0,wgs84\n乙村,village,丙镇,30.1,120.2,gcj02\n"
    r = org.post("/places/", data={"csrf_token": token, "csv": (io.BytesIO(good.encode()), "p.csv")},
                 content_type="multipart/form-data")
    assert r.status_code == 302
    page = org.get("/places/").get_data(as_text=True)
    assert "丙镇 乙村" in page and "gcj02" in page
    from fieldcheck.places.geo import gcj02_to_wgs84

    lat, lon = gcj02_to_wgs84(30.1, 120.2)
    assert f"{lat:.5f}, {lon:.5f}" in page  # shown converted for distances


def test_a_gcj02_place_lands_within_5_m_of_the_true_spot(app):
    """A place copied from Amap (GCJ-02) and a phone's WGS-84 reading of the same spot."""
    from fieldcheck.extensions import db
    from fieldcheck.places.geo import geodesic_distance_m, wgs84_to_gcj02
    from fieldcheck.places.models import Place
    from fieldcheck.places.operations import import_places

    true_spot = (34.8985, 113.6042)  # WGS-84, as a browser reports it
    lat, lon = wgs84_to_gcj02(*true_spot)
    csv_text = f"name,kind,parent,lat,lon,crs\n文昌社区,community,,{lat:.7f},{lon:.7f},gcj02\n"
    with app.test_request_context():
        import_places(csv_text.encode())
        db.session.commit()
        place = db.session.scalar(sa.select(Place))
        raw = geodesic_distance_m((place.lat, place.lon), true_spot)
        converted = geodesic_distance_m(place.wgs84(), true_spot)
    assert raw > 100 and converted < 5, (raw, converted)


def test_two_villages_of_the_same_name_are_told_apart_by_the_town_or_shown_as_ambiguous(app):
    from fieldcheck.extensions import db
    from fieldcheck.places.operations import import_places
    from fieldcheck.reports.operations import match_place

    csv_text = ("name,kind,parent,lat,lon,crs\n清河镇,town,,34.95,113.54,wgs84\n龙泉镇,town,,34.86,113.67,wgs84\n"
                "新民村,village,清河镇,34.944,113.551,wgs84\n新民村,village,龙泉镇,34.853,113.685,wgs84\n")
    with app.test_request_context():
        import_places(csv_text.encode())
        db.session.commit()
        told = match_place("在龙泉镇新民村建成党群服务中心1个")
        assert told is not None and told.parent.name == "龙泉镇"
        assert match_place("在新民村建成党群服务中心1个") is None  # not guessed


def test_a_markdown_report_gets_its_heading_as_title(app):
    build_world(app, draw=False)
    from fieldcheck.extensions import db
    from fieldcheck.reports.models import Report

    with app.app_context():
        title = db.session.scalar(sa.select(Report.title))
    assert title.startswith("中共青山县委") and not title.startswith("#")
