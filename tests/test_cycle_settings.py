"""Every figure a cycle configures reaches its consumer: change the cycle's value, see the effect.

The flags are recomputed for stored verifications the way a submit computes them
(field/checks.py store_flags); the scores are read from the export pages. Limits are set just
past and just short of the figure each check measured, so each test fails if the figure is not
taken from the cycle.
"""

from __future__ import annotations

import json
from dataclasses import fields

import pytest
import sqlalchemy as sa
from helpers import csrf_token, login
from test_flags_review import submit
from test_loop import visit_form

from story import build_world

# --- helpers ------------------------------------------------------------------------------------


def set_cycle(app, code: str = "2025", **values) -> None:
    """Change the stored cycle (as an organizer would have configured it)."""
    from fieldcheck.cycles.models import Cycle
    from fieldcheck.extensions import db

    with app.app_context():
        cycle = db.session.scalar(sa.select(Cycle).where(Cycle.code == code))
        for name, value in values.items():
            setattr(cycle, name, value)
        db.session.commit()


def set_aspect_weights(app, weights: dict[str, float], code: str = "2025") -> None:
    from fieldcheck.cycles.models import Aspect, Cycle
    from fieldcheck.extensions import db

    with app.app_context():
        for aspect in db.session.scalars(sa.select(Aspect).join(Cycle).where(Cycle.code == code)):
            if aspect.code in weights:
                aspect.weight = weights[aspect.code]
        db.session.commit()


def flags_of(app, vid: int) -> dict[str, list[dict]]:
    """The flags of a stored verification recomputed with the cycle's current settings."""
    from fieldcheck.extensions import db
    from fieldcheck.field.checks import store_flags
    from fieldcheck.field.models import Verification

    with app.test_request_context():
        found: dict[str, list[dict]] = {}
        for flag in store_flags(db.session.get(Verification, vid)):
            found.setdefault(flag.code, []).append(flag.figure_data)
        db.session.commit()
        return found


@pytest.fixture
def visits(app):
    """Two submitted visits: (1) in Tuscany for a place in China, three identical interviews;
    (2) at the place with another Tuscan photo and a single interview."""
    from fieldcheck.assignment.models import Task
    from fieldcheck.extensions import db

    world = build_world(app)
    examiner = app.test_client()
    login(examiner, "exa")
    with app.app_context():
        tasks = [db.session.get(Task, i) for i in world.task_ids]
        placed = [t for t in tasks if t.claim.place is not None]
        first, second = placed[0].id, placed[1].id
        place = placed[1].claim.place.wgs84()
    vid1, _ = submit(app, examiner, first, lat=43.4674, lon=11.8851, photo="gps_DSCN0010.jpg", interviews=3,
                     ratings=(5, 5, 5))
    vid2, _ = submit(app, examiner, second, lat=place[0], lon=place[1], photo="gps_DSCN0012.jpg", interviews=1)
    return vid1, vid2


def test_the_flag_limits_name_every_threshold_of_the_checks(app):
    from fieldcheck.cycles.operations import create_cycle
    from fieldcheck.cycles.settings import settings_of
    from fieldcheck.evidence.flags import FlagSettings

    with app.test_request_context():
        settings = settings_of(create_cycle("2030", "t"))
    assert set(settings.flag_thresholds()) == {f.name for f in fields(FlagSettings)}
    # A new cycle's limits are the checks' own defaults: one home for each figure.
    assert FlagSettings(**settings.flag_thresholds()) == FlagSettings()


# --- each flag threshold ------------------------------------------------------------------------


def test_max_distance(app, visits):
    vid, _ = visits
    distance = flags_of(app, vid)["far_from_place"][0]["distance_m"]
    set_cycle(app, max_distance_m=int(distance) + 1)
    assert "far_from_place" not in flags_of(app, vid)
    set_cycle(app, max_distance_m=int(distance) - 1)
    assert flags_of(app, vid)["far_from_place"][0]["limit_m"] == int(distance) - 1


def test_accuracy_threshold(app, visits):
    vid, _ = visits  # the geotag's accuracy is 250 m
    assert flags_of(app, vid)["poor_accuracy"] == [{"accuracy_m": 250.0, "limit_m": 50.0}]
    set_cycle(app, accuracy_threshold_m=250)
    assert "poor_accuracy" not in flags_of(app, vid)
    set_cycle(app, accuracy_threshold_m=249.5)
    assert flags_of(app, vid)["poor_accuracy"] == [{"accuracy_m": 250.0, "limit_m": 249.5}]


def test_exif_gps_max(app, visits):
    vid, _ = visits  # the photo was taken in Tuscany, next to the geotag, far from the place

    def by_reference():
        return {f["reference"]: f for f in flags_of(app, vid).get("exif_gps_far", [])}

    assert set(by_reference()) == {"place"}
    from_place = by_reference()["place"]["distance_m"]
    set_cycle(app, exif_gps_max_m=from_place + 1)
    assert by_reference() == {}
    set_cycle(app, exif_gps_max_m=1)  # now even the few metres to the geotag are too far
    assert set(by_reference()) == {"geotag", "place"} and by_reference()["geotag"]["limit_m"] == 1


def test_exif_time_window(app, visits):
    vid, _ = visits
    outside = flags_of(app, vid)["exif_time_outside_visit"][0]["outside_h"]
    assert outside > 2
    set_cycle(app, exif_time_window_h=outside + 0.1)
    assert "exif_time_outside_visit" not in flags_of(app, vid)
    set_cycle(app, exif_time_window_h=outside - 0.1)
    assert flags_of(app, vid)["exif_time_outside_visit"][0]["window_h"] == pytest.approx(outside - 0.1)


def test_exif_max_age(app, visits):
    vid, _ = visits
    age = flags_of(app, vid)["exif_time_old"][0]["age_days"]
    set_cycle(app, exif_max_age_days=age + 1)
    assert "exif_time_old" not in flags_of(app, vid)
    set_cycle(app, exif_max_age_days=age - 1)
    assert flags_of(app, vid)["exif_time_old"][0]["limit_days"] == pytest.approx(age - 1)


def test_phash_max_distance(app, visits):
    from fieldcheck.evidence.flags import phash_distance
    from fieldcheck.extensions import db
    from fieldcheck.field.models import Verification

    vid1, vid2 = visits
    with app.app_context():
        distance = phash_distance(db.session.get(Verification, vid1).photos[0].phash,
                                  db.session.get(Verification, vid2).photos[0].phash)
    assert distance is not None and distance >= 1  # two different pictures
    set_cycle(app, phash_max_distance=distance)
    near = flags_of(app, vid2)["near_duplicate_photo"]
    assert [(f["distance"], f["limit"]) for f in near] == [(distance, distance)]
    set_cycle(app, phash_max_distance=distance - 1)
    assert "near_duplicate_photo" not in flags_of(app, vid2)


def test_min_visit_minutes(app, visits):
    vid, _ = visits  # the visit took 30 minutes
    assert "short_visit" not in flags_of(app, vid)
    set_cycle(app, min_visit_minutes=45)
    short = flags_of(app, vid)["short_visit"][0]
    assert short["minimum_minutes"] == 45 and 29 < short["minutes"] < 31


def test_camera_utc_offset(app, visits):
    from fieldcheck.extensions import db
    from fieldcheck.field.models import Verification

    vid, _ = visits
    with app.app_context():
        assert not db.session.get(Verification, vid).photos[0].taken_at_offset  # a naive camera time
    outside = flags_of(app, vid)["exif_time_outside_visit"][0]
    set_cycle(app, exif_time_window_h=outside["outside_h"] - 4)
    assert "exif_time_outside_visit" in flags_of(app, vid)
    # Read at UTC+0 the same camera time is 8 hours later, so 8 hours less before the visit.
    set_cycle(app, camera_utc_offset_h=0)
    assert "exif_time_outside_visit" not in flags_of(app, vid)
    old = flags_of(app, vid)["exif_time_old"][0]
    assert old["taken_at"] != outside["taken_at"] and old["taken_at"][:10] == outside["taken_at"][:10]


def test_min_interviews(app, visits):
    _, vid = visits  # one interview
    assert flags_of(app, vid)["few_interviews"] == [{"count": 1, "minimum": 3}]
    set_cycle(app, min_interviews=1)
    assert "few_interviews" not in flags_of(app, vid)
    set_cycle(app, min_interviews=2)
    assert flags_of(app, vid)["few_interviews"] == [{"count": 1, "minimum": 2}]


# --- scores and the export ----------------------------------------------------------------------


@pytest.fixture
def scored(app):
    """Two approved claims of different aspects: one verified with ratings 4, 5, 3 (s = 75, score 90
    with the default weights); one partly verified without quantities, ratings 5, 5, 5 (f = 0.5,
    s = 100, score 70)."""
    from fieldcheck.assignment.models import Task
    from fieldcheck.extensions import db

    world = build_world(app)
    with app.app_context():
        tasks = [db.session.get(Task, i) for i in world.task_ids]
        first = tasks[0]
        second = next(t for t in tasks if t.claim.aspect.code != first.claim.aspect.code)
        ids = {"verified": (first.id, first.claim.public_id, first.claim.aspect.code),
               "partly": (second.id, second.claim.public_id, second.claim.aspect.code)}
    examiner, reviewer = app.test_client(), app.test_client()
    login(examiner, "exa")
    login(reviewer, "rev")
    token, rtoken = csrf_token(examiner, "/tasks"), None
    for finding, ratings in (("verified", (4, 5, 3)), ("partly", (5, 5, 5))):
        task_id = ids[finding][0]
        data = visit_form(app, task_id, finding=finding, ratings=ratings)
        data["observed_qty"] = ""  # "partly" with nothing counted: the cycle's partly value
        r = examiner.post(f"/tasks/{task_id}", data={"csrf_token": token, **data}, content_type="multipart/form-data")
        assert r.status_code == 302, r.get_data(as_text=True)[:2000]
        with app.app_context():
            vid = db.session.get(Task, task_id).latest.id
        rtoken = rtoken or csrf_token(reviewer, f"/review/{vid}")
        r = reviewer.post(f"/review/{vid}", data={"csrf_token": rtoken, "decision": "approve", "reason": ""})
        assert r.status_code == 302
    return reviewer, ids


def export(client, level: str = "report") -> dict:
    response = client.get(f"/cycles/2025/scores/export.json?level={level}")
    assert response.status_code == 200
    return json.loads(response.get_data(as_text=True))


def claim_scores(client) -> dict[str, tuple[float, float]]:
    # Every drawn claim is a row; the approved ones carry their finding value and score.
    return {r["public_id"]: (r["finding_value"], r["score"]) for r in export(client, "claim")["rows"]
            if r["state"] == "approved"}


def test_finding_and_satisfaction_weights(app, scored):
    client, ids = scored
    verified, partly = ids["verified"][1], ids["partly"][1]
    doc = export(client)
    assert doc["formula"].startswith("claim = 100*(0.6*f + 0.4*s/100)")
    assert claim_scores(client) == {verified: (1.0, 90.0), partly: (0.5, 70.0)}
    set_cycle(app, finding_weight=0.8, satisfaction_weight=0.2)
    assert claim_scores(client) == {verified: (1.0, 95.0), partly: (0.5, 60.0)}
    doc = export(client)
    assert doc["formula"].startswith("claim = 100*(0.8*f + 0.2*s/100)")
    assert doc["score_weights"]["finding"] == 0.8 and doc["score_weights"]["satisfaction"] == 0.2
    assert doc["rows"][0]["total"] == pytest.approx((95.0 + 60.0) / 2)  # default aspect weights are equal


def test_partly_value(app, scored):
    client, ids = scored
    partly = ids["partly"][1]
    assert "(0.5 if not quantitative)" in export(client)["formula"]
    assert export(client)["rows"][0]["failures"] == 0
    set_cycle(app, partly_value=0.25)
    assert claim_scores(client)[partly] == (0.25, pytest.approx(100 * (0.6 * 0.25 + 0.4)))
    doc = export(client)
    assert "(0.25 if not quantitative)" in doc["formula"]
    assert doc["rows"][0]["failures"] == 1  # below half: a partly claim now counts as false


def test_confidence(app, scored):
    from fieldcheck.sampling.estimates import verified_share_bounds

    client, _ids = scored
    row = export(client)["rows"][0]
    assert row["confidence"] == 0.9
    set_cycle(app, confidence=0.99)
    doc = export(client)
    row = doc["rows"][0]
    expected = verified_share_bounds(row["population"], row["approved"], row["failures"], 0.99)
    assert doc["confidence"] == 0.99 and row["confidence"] == 0.99
    assert row["verified_share_lower"] == pytest.approx(float(expected["lower_share"]), abs=1e-9)
    assert "confidence 0.99" in doc["method"] and "0.9;" not in doc["method"]
    # the scores page states the same confidence
    assert "99%" in client.get("/cycles/2025/scores/").get_data(as_text=True)


def test_aspect_weight(app, scored):
    client, ids = scored
    (_, _, verified_aspect), (_, _, partly_aspect) = ids["verified"], ids["partly"]
    assert export(client)["rows"][0]["total"] == 80.0  # (90 + 70) / 2
    set_aspect_weights(app, {verified_aspect: 0.6, partly_aspect: 0.1})
    doc = export(client)
    assert doc["rows"][0]["total"] == pytest.approx((0.6 * 90 + 0.1 * 70) / 0.7, abs=1e-6)
    assert doc["aspect_weights"][verified_aspect] == 0.6


def test_the_export_names_the_draw_rule_it_was_drawn_with(app, scored):
    client, _ids = scored
    method = export(client)["draw_method"]
    assert method.startswith("fieldcheck-draw/1") and " c=0.9 " in method


# --- the cycle page -----------------------------------------------------------------------------


SETTING_DEFAULT_NAMES = {"strata": "DEFAULT_STRATA"}


def test_a_new_cycle_and_the_form_start_from_the_one_set_of_defaults(app):
    from fieldcheck.cycles import defaults
    from fieldcheck.cycles.forms import SETTINGS, CycleForm
    from fieldcheck.cycles.operations import create_cycle
    from fieldcheck.cycles.settings import CycleSettings, settings_of

    with app.test_request_context():
        settings = settings_of(create_cycle("2030", "t"))
        form = CycleForm(meta={"csrf": False})
    # The grade rules are edited on their own page (grading: /cycles/<code>/rules) until the close.
    names = [f.name for f in fields(CycleSettings) if f.name not in ("aspect_weights", "grade_rules")]
    assert set(names) == set(SETTINGS)  # the form edits every figure
    assert settings.grade_rules == defaults.grade_rules()
    for name in names:
        default = getattr(defaults, SETTING_DEFAULT_NAMES.get(name, name.upper()))
        assert getattr(settings, name) == default, name
        # The reasons are edited as lines (code | 中文 | English), one per reason.
        form_default = defaults.review_reason_lines() if name == "review_reasons" else default
        assert getattr(form, name).default == form_default, name


def draft_form(app, **changes) -> dict:
    from fieldcheck.cycles.forms import SETTINGS
    from fieldcheck.cycles.models import Cycle
    from fieldcheck.cycles.operations import format_aspect_lines
    from fieldcheck.extensions import db

    with app.app_context():
        cycle = db.session.scalar(sa.select(Cycle).where(Cycle.code == "2025"))
        data = {name: getattr(cycle, name) for name in SETTINGS}
        data.update(title=cycle.title, questions="\n".join(q.text for q in cycle.questions),
                    aspects=format_aspect_lines([(a.code, a.name_zh, a.name_en, a.weight) for a in cycle.aspects]))
    data.update(changes)
    for name in ("cover_aspects", "blind"):  # an unchecked box is simply not sent
        if data[name]:
            data[name] = "y"
        else:
            data.pop(name)
    return data


def test_the_edit_page_sets_thresholds_and_weights_of_a_draft_and_refuses_bad_ones(app):
    from fieldcheck.cycles.models import Cycle
    from fieldcheck.extensions import db

    build_world(app, draw=False)
    client = app.test_client()
    login(client, "org")
    token = csrf_token(client, "/cycles/2025/edit")
    page = client.get("/cycles/2025/edit").get_data(as_text=True)
    assert 'name="phash_max_distance"' in page and 'name="finding_weight"' in page
    # weights that do not add up to 1: refused with the figures, nothing saved
    r = client.post("/cycles/2025/edit", data={"csrf_token": token, **draft_form(
        app, finding_weight=0.7, satisfaction_weight=0.4, min_visit_minutes=9)})
    assert r.status_code == 400
    assert "核查结论权重与满意度权重之和须为 1（目前为 1.1）。" in r.get_data(as_text=True)
    # a figure out of its range: the field is marked
    r = client.post("/cycles/2025/edit", data={"csrf_token": token, **draft_form(app, phash_max_distance=65)})
    assert r.status_code == 400 and "has-error" in r.get_data(as_text=True)
    with app.app_context():
        cycle = db.session.scalar(sa.select(Cycle).where(Cycle.code == "2025"))
        assert (cycle.min_visit_minutes, cycle.finding_weight, cycle.phash_max_distance) == (5, 0.6, 6)
    changes = {"finding_weight": 0.7, "satisfaction_weight": 0.3, "partly_value": 0.4, "exif_gps_max_m": 800,
               "exif_time_window_h": 3, "exif_max_age_days": 10, "phash_max_distance": 4, "min_visit_minutes": 8,
               "camera_utc_offset_h": 7}
    r = client.post("/cycles/2025/edit", data={"csrf_token": token, **draft_form(app, **changes)})
    assert r.status_code == 302, r.get_data(as_text=True)[:3000]
    with app.app_context():
        cycle = db.session.scalar(sa.select(Cycle).where(Cycle.code == "2025"))
        assert {name: getattr(cycle, name) for name in changes} == changes
