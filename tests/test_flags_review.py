"""The reviewer sees the automatic evidence checks with their figures."""

from __future__ import annotations

import io
import uuid
from datetime import timedelta

import sqlalchemy as sa
from helpers import csrf_token, login

from story import FIXTURES, build_world


def submit(app, client, task_id, *, lat, lon, photo, ratings=(4, 4, 4), interviews=1, started_minutes_ago=30):
    from fieldcheck.db import utcnow
    from fieldcheck.extensions import db
    from fieldcheck.assignment.models import Task

    with app.app_context():
        qids = [q.id for q in db.session.get(Task, task_id).claim.report.cycle.questions]
    data = {"csrf_token": csrf_token(client, "/tasks"), "client_uuid": str(uuid.uuid4()), "finding": "verified",
            "lat": str(lat), "lon": str(lon), "accuracy_m": "250",
            "started_at": (utcnow() - timedelta(minutes=started_minutes_ago)).isoformat(),
            "photos": (io.BytesIO((FIXTURES / "photos" / photo).read_bytes()), "p.jpg")}
    for i in range(interviews):
        data[f"interview-{i}-respondent"] = "resident"
        data.update({f"interview-{i}-q{q}": str(v) for q, v in zip(qids, ratings)})
    r = client.post(f"/tasks/{task_id}", data=data, content_type="multipart/form-data")
    assert r.status_code == 302, r.get_data(as_text=True)[:2000]
    with app.app_context():
        verification = db.session.get(Task, task_id).latest
        return verification.id, {f.code: f.figure_data for f in verification.flags}


def test_far_inaccurate_reused_photos_and_uniform_ratings_are_flagged(app):
    world = build_world(app)
    examiner = app.test_client()
    login(examiner, "exa")
    from fieldcheck.extensions import db
    from fieldcheck.assignment.models import Task
    from fieldcheck.places.geo import geodesic_distance_m

    with app.app_context():
        tasks = [db.session.get(Task, i) for i in world.task_ids]
        placed = [t for t in tasks if t.claim.place is not None]
        first, second = placed[0].id, placed[1].id
        place = placed[0].claim.place.wgs84()
    # 1. in Tuscany with a Tuscan camera photo, 3 identical interviews, for a claim in China
    vid, flags = submit(app, examiner, first, lat=43.4674, lon=11.8851, photo="gps_DSCN0010.jpg",
                        interviews=3, ratings=(5, 5, 5))
    assert set(flags) >= {"far_from_place", "poor_accuracy", "exif_gps_far", "exif_time_old", "identical_ratings"}
    assert "few_interviews" not in flags and "short_visit" not in flags and "duplicate_photo" not in flags
    expected_m = geodesic_distance_m((43.4674, 11.8851), place)
    assert abs(flags["far_from_place"]["distance_m"] - expected_m) < 1
    assert flags["far_from_place"]["limit_m"] == 500
    assert flags["poor_accuracy"] == {"accuracy_m": 250.0, "limit_m": 50.0}
    # 2. the same photo again for another claim, a two-minute visit with one interview
    _vid2, flags2 = submit(app, examiner, second, lat=place[0], lon=place[1], photo="gps_DSCN0010.jpg",
                           started_minutes_ago=2)
    assert {"duplicate_photo", "few_interviews", "short_visit"} <= set(flags2)
    assert flags2["few_interviews"] == {"count": 1, "minimum": 3}
    reviewer = app.test_client()
    login(reviewer, "rev")
    page = reviewer.get(f"/review/{vid}").get_data(as_text=True)
    assert 'id="flags"' in page and 'data-code="far_from_place"' in page
    assert "figure_" not in page and "flag_" not in page  # every code and figure name is translated
    from flask_babel import gettext

    with app.test_request_context():
        assert gettext("flag_far_from_place") in page
