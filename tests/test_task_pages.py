"""The examiner's task list comes a page at a time (keyset pages) and the pages cover every task once;
the task pack still carries every task, for the phone's offline work."""

from __future__ import annotations

import re

import sqlalchemy as sa
from helpers import login

from bulk import grow
from story import build_world

PAGE_LINK = re.compile(r'href="([^"]*after=[oud]\d+)" id="next-page"')
TASK_LINK = re.compile(r'<a href="/tasks/(\d+)">')


def exa_id(app) -> int:
    from fieldcheck.accounts.models import User
    from fieldcheck.extensions import db

    with app.app_context():
        return db.session.scalar(sa.select(User.id).where(User.username == "exa"))


def stop_count(app) -> int:
    from fieldcheck.assignment.models import RouteStop
    from fieldcheck.extensions import db

    with app.app_context():
        return db.session.scalar(sa.select(sa.func.count()).select_from(RouteStop))


def test_the_task_list_pages_cover_every_task_once_in_route_order(app):
    from fieldcheck.assignment.models import RouteStop, Task
    from fieldcheck.cycles.models import Cycle
    from fieldcheck.extensions import db
    from fieldcheck.field.views import TASKS_PAGE

    build_world(app)  # exa's tasks assigned in the app: on day routes
    grow(app, 230)  # bulk-loaded: a quarter each assigned, submitted, approved, returned; on no route
    stops = stop_count(app)
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
    exa = exa_id(app)
    with app.app_context():
        open_ = Task.state.in_(("assigned", "returned"))
        # Open tasks in the stored route order, then the open ones on no route by id, then the others by id.
        routed = list(db.session.scalars(
            sa.select(RouteStop.task_id).join(Task, Task.id == RouteStop.task_id).join(Cycle)
            .where(RouteStop.examiner_id == exa, open_).order_by(Cycle.code, RouteStop.day, RouteStop.position)))
        unplanned = list(db.session.scalars(
            sa.select(Task.id).where(Task.examiner_id == exa, open_, Task.id.not_in(routed)).order_by(Task.id)))
        others = list(db.session.scalars(sa.select(Task.id).where(
            Task.examiner_id == exa, Task.state.not_in(("assigned", "returned"))).order_by(Task.id)))
        total = db.session.scalar(sa.select(sa.func.count()).select_from(Task).where(Task.examiner_id == exa))
    assert routed and len(unplanned) > TASKS_PAGE and others  # every part, and one runs over a page
    assert len(seen) == total == len(set(seen)) and pages == -(-total // TASKS_PAGE)
    assert seen == routed + unplanned + others
    assert stop_count(app) == stops  # reading the list planned nothing
    assert "尚未排入路线" in client.get(f"/tasks?after=o{routed[-1]}").get_data(as_text=True)
    # The pack carries them all.
    pack = client.get("/api/pack").get_json()
    assert sorted(t["id"] for t in pack["tasks"]) == sorted(seen)


def test_a_returned_visit_goes_back_on_a_day_route(app):
    from fieldcheck.accounts.models import User
    from fieldcheck.assignment.models import RouteStop, Task
    from fieldcheck.extensions import db
    from fieldcheck.review.operations import decide

    build_world(app)
    grow(app, 8, states=("submitted",))  # bulk-loaded visits: their tasks are on no route
    exa = exa_id(app)
    with app.test_request_context():
        task = db.session.scalars(sa.select(Task).where(Task.examiner_id == exa, Task.state == "submitted")
                                  .order_by(Task.id.desc())).first()
        assert db.session.get(RouteStop, task.id) is None
        rev = db.session.scalar(sa.select(User).where(User.username == "rev"))
        decide(task.latest, rev, "return", "the photo shows another building")
        db.session.commit()
        stop = db.session.get(RouteStop, task.id)
        assert stop is not None and stop.examiner_id == exa and task.state == "returned"
    client = app.test_client()
    login(client, "exa")
    html = client.get("/tasks").get_data(as_text=True)
    assert f'href="/tasks/{task.id}"' in html and "尚未排入路线" not in html


def test_the_doctor_finds_open_tasks_on_no_route_and_plans_them(app):
    from fieldcheck.assignment.models import Task
    from fieldcheck.extensions import db

    build_world(app)
    runner = app.test_cli_runner()
    assert runner.invoke(args=["doctor"]).exit_code == 0, runner.invoke(args=["doctor"]).output
    grow(app, 12, states=("assigned",))
    with app.app_context():
        bulk = list(db.session.scalars(sa.select(Task.id).where(Task.state == "assigned").order_by(Task.id)))[-12:]
    found = runner.invoke(args=["doctor"])
    assert found.exit_code == 1 and all(f"task {i}\n" in found.output for i in bulk), found.output
    fixed = runner.invoke(args=["doctor", "--fix"])
    assert fixed.exit_code == 0, fixed.output
    assert runner.invoke(args=["doctor"]).exit_code == 0
    client = app.test_client()
    login(client, "exa")
    html = client.get("/tasks").get_data(as_text=True)
    assert "尚未排入路线" not in html and all(f'href="/tasks/{i}"' in html for i in bulk)


def test_a_page_key_of_someone_else_or_made_up_shows_an_empty_page(app):
    world = build_world(app)
    client = app.test_client()
    login(client, "exb")
    html = client.get(f"/tasks?after=o{world.task_ids[0]}").get_data(as_text=True)
    assert TASK_LINK.findall(html) == [] and 'id="next-page"' not in html
    assert client.get("/tasks").get_data(as_text=True).count('href="/tasks/') == 0  # exb has no task
    for bad in ("x1", "o", "d-1", "o99999999999999", "d999999999999", "u999999999999"):
        assert client.get(f"/tasks?after={bad}").status_code == 200


def test_each_page_shows_the_whole_day_total_also_when_a_day_runs_over_two_pages(app):
    from fieldcheck.accounts.models import User
    from fieldcheck.assignment.models import RouteStop, Task
    from fieldcheck.assignment.routing import plan_missing
    from fieldcheck.field.tasklist import task_page
    from fieldcheck.extensions import db

    build_world(app)
    grow(app, 120)
    with app.test_request_context():
        exa = db.session.scalar(sa.select(User).where(User.username == "exa"))
        plan_missing(None, exa.id)  # the bulk-loaded tasks on day routes too
        db.session.commit()
        pages, after = [], None
        while True:
            page = task_page(exa.id, after, 7)  # small pages: days cross page boundaries
            pages.append(page.days)
            after = page.next_after
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


def test_the_list_hides_a_blind_claims_figures_until_the_examiner_has_counted(app):
    from markupsafe import escape

    from fieldcheck.assignment.models import Task
    from fieldcheck.db import utcnow
    from fieldcheck.extensions import db
    from fieldcheck.field.operations import masked_claim_text, needs_blind_step

    world = build_world(app)  # the story's cycle verifies blind
    with app.app_context():
        tasks = [db.session.get(Task, i) for i in world.task_ids]
        blind = [t.id for t in tasks if needs_blind_step(t)]
        texts = {t.id: t.claim.text for t in tasks}
    assert blind
    client = app.test_client()
    login(client, "exa")

    def card(task_id: int) -> str:
        html = client.get("/tasks").get_data(as_text=True)
        start = html.index(f'<a href="/tasks/{task_id}">')
        return html[start:html.index("</a>", start)]

    def shown(text: str) -> str:
        return str(escape(text if len(text) <= 90 else text[:87]))  # truncate(90) keeps whole words

    for task_id in world.task_ids:
        expected = masked_claim_text(texts[task_id]) if task_id in blind else texts[task_id]
        assert shown(expected)[:20] in card(task_id) and ("▢" in card(task_id)) == (task_id in blind), task_id
    with app.app_context():
        db.session.get(Task, blind[0]).revealed_at = utcnow()  # the examiner recorded their count
        db.session.commit()
    assert shown(texts[blind[0]])[:20] in card(blind[0]) and "▢" not in card(blind[0])
