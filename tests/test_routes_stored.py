"""Day routes are planned when assignments change, stored, and read (not recomputed) by the pages."""

from __future__ import annotations

import sqlalchemy as sa
from helpers import csrf_token, login

from story import build_world


def stops(app):
    from fieldcheck.assignment.models import RouteStop
    from fieldcheck.extensions import db

    with app.app_context():
        return {s.task_id: (s.examiner_id, s.day, s.position, s.leg_km) for s in db.session.scalars(sa.select(RouteStop))}


def user_id(app, name):
    from fieldcheck.accounts.models import User
    from fieldcheck.extensions import db

    with app.app_context():
        return db.session.scalar(sa.select(User.id).where(User.username == name))


def test_assigning_stores_the_routes_and_pages_read_them(app):
    world = build_world(app)
    exa, exb = user_id(app, "exa"), user_id(app, "exb")
    planned = stops(app)
    assert set(planned) == set(world.task_ids) and {e for e, *_ in planned.values()} == {exa}
    for task_id, (_e, day, position, leg) in planned.items():
        assert leg >= 0 and (position > 1 or leg == 0)

    org = app.test_client()
    login(org, "org")
    moved = world.task_ids[0]
    r = org.post("/cycles/2025/assign", data={"csrf_token": csrf_token(org, "/cycles/2025/assign"),
                                              f"task-{moved}": exb})
    assert r.status_code == 302
    after = stops(app)
    assert after[moved][0] == exb and all(after[t][0] == exa for t in world.task_ids[1:])
    # One examiner at a time, with links to the others.
    first = org.get("/cycles/2025/routes").get_data(as_text=True)
    assert f"examiner={exb}" in first
    shown = sum(org.get(f"/cycles/2025/routes?examiner={e}").get_data(as_text=True).count("<li>") for e in (exa, exb))
    assert shown == len(world.task_ids)

    # A task found open without a plan (a bulk load): the examiner's list shows it without writing; the
    # organizer's routes page plans it. (A reviewer's return plans it itself: test_task_pages.)
    from fieldcheck.assignment.models import RouteStop, Task
    from fieldcheck.extensions import db

    again = world.task_ids[1]
    with app.app_context():
        db.session.execute(sa.delete(RouteStop).where(RouteStop.task_id == again))
        db.session.execute(sa.update(Task).where(Task.id == again).values(state="returned"))
        db.session.commit()
    assert again not in stops(app)
    exa_client = app.test_client()
    login(exa_client, "exa")
    listed = exa_client.get("/tasks").get_data(as_text=True)
    assert "尚未排入路线" in listed and f'href="/tasks/{again}"' in listed and again not in stops(app)
    assert org.get(f"/cycles/2025/routes?examiner={exa}").status_code == 200
    assert stops(app)[again][0] == exa


def test_planning_distance_is_close_to_the_geodesic():
    from fieldcheck.assignment.plan import haversine_km
    from fieldcheck.places.geo import geodesic_distance_m

    for a, b in (((44.58, 129.63), (44.64, 129.52)), ((39.9, 116.4), (31.2, 121.5)), ((22.5, 114.1), (22.51, 114.1))):
        geodesic = geodesic_distance_m(a, b) / 1000
        assert abs(haversine_km(a, b) - geodesic) <= 0.005 * geodesic
