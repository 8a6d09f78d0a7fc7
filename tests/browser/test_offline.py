"""The examiner's offline capture in a real browser: service worker, IndexedDB drafts, the outbox.

"Offline" here is the real thing: the server is stopped AND the browser is told it is offline, so
nothing can be fetched; the phone's storage lives in a profile directory that survives closing the
browser. Elements are found by ids, names and attributes, never by wording.
"""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest
import sqlalchemy as sa
from playwright.sync_api import expect

import story
from test_e2e import choose, login

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures" / "photos"
PHOTOS = [FIXTURES / "gps_DSCN0010.jpg", FIXTURES / "gps_DSCN0012.jpg"]
SCREENSHOT = Path(__file__).resolve().parents[2] / "docs" / "screenshot-examiner.png"


def place_task(app, world, index: int = 0):
    """(task id, WGS-84 place, question ids) of the index-th sampled task that names a place."""
    from fieldcheck.assignment.models import Task
    from fieldcheck.extensions import db

    with app.app_context():
        tasks = [t for t in (db.session.get(Task, i) for i in world.task_ids) if t.claim.place is not None]
        task = tasks[index]
        out = task.id, task.claim.place.wgs84(), [q.id for q in task.claim.report.cycle.questions]
        db.session.remove()
    return out


def open_online(context, username: str = "exa"):
    """Sign in, open the task list once with a network and wait until the phone holds the app."""
    page = context.pages[0] if context.pages else context.new_page()
    login(page, username)
    page.goto("/tasks")
    page.wait_for_function("""async () => {
        const reg = await navigator.serviceWorker.ready;
        return !!reg.active && !!navigator.serviceWorker.controller; }""")
    expect(page.locator("#pack-status")).to_be_visible()
    expect(page.locator("#task-list")).to_be_visible()
    return page


def go_offline(context, server):
    server.stop()
    context.set_offline(True)


def go_online(context, server):
    server.start()
    context.set_offline(False)


def fill_visit(page, question_ids, photos=PHOTOS):
    choose(page, "finding", "verified")
    page.fill("#observed_qty", "3")
    page.fill("#notes", "离线测试：现场查看，已挂牌。")
    page.set_input_files("#photos", [str(p) for p in photos])
    expect(page.locator("#photo-list li.ready")).to_have_count(len(photos), timeout=30_000)
    choose(page, "interview-0-respondent", "resident")
    for qid in question_ids:
        choose(page, f"interview-0-q{qid}", "4")
    return page.locator("#photo-list li.ready").evaluate_all("rows => rows.map(r => r.dataset.sha256)")


def record_blind_count(page, qty: str = "3"):
    expect(page.locator("#blind-form")).to_be_visible()
    page.fill("#blind_qty", qty)
    page.locator("#blind-form button[type=submit]").click()
    expect(page.locator("#visit-form")).to_be_visible()


def verifications_of(app, task_id):
    from fieldcheck.extensions import db
    from fieldcheck.field.models import Verification

    with app.app_context():
        rows = db.session.scalars(sa.select(Verification).where(Verification.task_id == task_id)).all()
        out = [{"uuid": v.client_uuid, "photos": sorted(p.sha256 for p in v.photos),
                "interviews": len(v.interviews), "notes": v.notes} for v in rows]
        db.session.remove()
    return out


def submit_anyway(page):
    """Tap 提交; the cycle asks for more interviews than one, so the phone warns once and the second tap sends."""
    page.locator("#send").click()
    expect(page.locator("#submit-note")).not_to_be_empty()
    page.locator("#send").click()


def accept_dialogs(page):
    page.on("dialog", lambda dialog: dialog.accept())


@pytest.mark.browser
def test_a_visit_made_offline_is_delivered_after_the_browser_is_reopened(app, restartable_server, phone_profile):
    world = story.build_world(app)
    task_id, (lat, lon), question_ids = place_task(app, world)
    context = phone_profile(lat + 0.002, lon + 0.002)
    page = open_online(context)

    go_offline(context, restartable_server)
    page.goto(f"/tasks/{task_id}")  # never opened before: the service worker's visit page, the phone's pack
    expect(page.locator("#pack-status")).to_be_visible()
    record_blind_count(page)
    expect(page.locator("#blind-note")).to_be_visible()  # kept on the phone; figures not shown offline
    expect(page.locator("#geo-distance")).to_contain_text("米")
    declared = fill_visit(page, question_ids)
    assert len(declared) == 2 and all(len(s) == 64 for s in declared)
    # A reload offline reopens the draft exactly as it was.
    page.reload()
    expect(page.locator('input[name=finding][value=verified]')).to_be_checked()
    expect(page.locator("#notes")).to_have_value("离线测试：现场查看，已挂牌。")
    expect(page.locator("#photo-list li.ready")).to_have_count(2)
    submit_anyway(page)
    expect(page.locator("html")).to_have_attribute("data-outbox-pending", "1")
    expect(page.locator("#visit-status")).to_have_class("flash queued")
    context.close()

    restartable_server.start()
    context = phone_profile(lat + 0.002, lon + 0.002)
    page = context.pages[0] if context.pages else context.new_page()
    page.goto("/tasks")  # the session ended with the browser: the list says so and keeps the visit
    expect(page.locator("html")).to_have_attribute("data-outbox-pending", "1")
    expect(page.locator("#outbox .outbox-item")).to_have_count(1)
    login(page, "exa")
    expect(page.locator("html")).to_have_attribute("data-outbox-pending", "0", timeout=30_000)
    rows = verifications_of(app, task_id)
    assert len(rows) == 1, rows
    assert rows[0]["photos"] == sorted(declared)
    assert rows[0]["interviews"] == 1
    from fieldcheck.assignment.models import Task
    from fieldcheck.extensions import db

    with app.app_context():
        task = db.session.get(Task, task_id)
        assert task.state == "submitted" and task.blind_qty == 3
