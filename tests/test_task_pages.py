"""The examiner's task list comes a page at a time (keyset pages) and the pages cover every task once;
the task pack still carries every task, for the phone's offline work."""

from __future__ import annotations

import re

import sqlalchemy as sa
from helpers import login

from bulk import grow
from story import build_world

PAGE_LINK = re.compile(r'href="([^"]*after=[od]\d+)" id="next-page"')
TASK_LINK = re.compile(r'<a href="/tasks/(\d+)">')


def test_the_task_list_pages_cover_every_task_once_in_route_order(app):
    from fieldcheck.accounts.models import User
    from fieldcheck.assignment.models import RouteStop, Task
    from fieldcheck.cycles.models import Cycle
    from fieldcheck.extensions import db
    from fieldcheck.field.views import TASKS_PAGE

    build_world(app)
    grow(app, 230)  # a quarter each assigned, submitted, approved, returned
    client = app.test_client()
    login(client, "exa")
    seen, url, pages = [], "/tasks", 0
    while url:
        html = client.get(url).get_data(as_text=True)
        ids = [int(i) for i in TASK_LINK.findall(html)]
        assert 0 < len(ids) <= TASKS_PAGE, (url, len(ids))
        seen.extend(ids)
        pages += 1
        nxt = PAGE_LINK.search(html)
        url = nxt.group(1).replace("&amp;", "&") if nxt else None
    with app.app_context():
        exa = db.session.scalar(sa.select(User).where(User.username == "exa"))
        # Open tasks in the stored route order, then the others by id.
        routed = list(db.session.scalars(
            sa.select(RouteStop.task_id).join(Task, Task.id == RouteStop.task_id).join(Cycle)
            .where(RouteStop.examiner_id == exa.id, Task.state.in_(("assigned", "returned")))
            .order_by(Cycle.code, RouteStop.day, RouteStop.position)))
        others = list(db.session.scalars(sa.select(Task.id).where(
            Task.examiner_id == exa.id, Task.state.not_in(("assigned", "returned"))).order_by(Task.id)))
        total = db.session.scalar(sa.select(sa.func.count()).select_from(Task).where(Task.examiner_id == exa.id))
    assert len(seen) == total == len(set(seen)) and pages == -(-total // TASKS_PAGE)
    assert seen == routed + others
    # The pack carries them all.
    pack = client.get("/api/pack").get_json()
    assert sorted(t["id"] for t in pack["tasks"]) == sorted(seen)


def test_a_page_key_of_someone_else_or_made_up_shows_an_empty_page(app):
    world = build_world(app)
    client = app.test_client()
    login(client, "exb")
    html = client.get(f"/tasks?after=o{world.task_ids[0]}").get_data(as_text=True)
    assert TASK_LINK.findall(html) == [] and 'id="next-page"' not in html
    assert client.get("/tasks").get_data(as_text=True).count('href="/tasks/') == 0  # exb has no task
    for bad in ("x1", "o", "d-1", "o99999999999999"):
        assert client.get(f"/tasks?after={bad}").status_code == 200


def test_each_page_shows_the_whole_day_total_also_when_a_day_runs_over_two_pages(app):
    from fieldcheck.accounts.models import User
    from fieldcheck.assignment.models import RouteStop, Task
    from fieldcheck.assignment.routing import route_page
    from fieldcheck.extensions import db

    build_world(app)
    grow(app, 120)
    with app.test_request_context():
        exa = db.session.scalar(sa.select(User).where(User.username == "exa"))
        pages, after = [], None
        while True:
            days, after = route_page(exa.id, after, 7)  # small pages: days cross page boundaries
            pages.append(days)
            if after is None:
                break
        whole = {(c, d): km for c, d, km in db.session.execute(
            sa.select(RouteStop.cycle_id, RouteStop.day, sa.func.sum(RouteStop.leg_km))
            .join(Task, Task.id == RouteStop.task_id)
            .where(RouteStop.examiner_id == exa.id, Task.state.in_(("assigned", "returned")))
            .group_by(RouteStop.cycle_id, RouteStop.day))}
        shown = [(route.day, route.total_km, sum(route.legs_km)) for days in pages for route in days]
        assert len(pages) > 2 and any(len(days) == 1 and sum(days[0].legs_km) < days[0].total_km
                                      for days in pages), shown  # some page shows part of a day
        by_day = {d: km for (_c, d), km in whole.items()}  # one cycle
        for day, total, _part in shown:
            assert abs(total - by_day[day]) < 1e-9, (day, total, by_day[day])
