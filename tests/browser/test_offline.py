"""The examiner's offline capture in a real browser: service worker, IndexedDB drafts, the outbox.

"Offline" here is the real thing: the server is stopped AND the browser is told it is offline, so
nothing can be fetched; the phone's storage lives in a profile directory that survives closing the
browser. Elements are found by ids, names and attributes, never by wording.
"""

from __future__ import annotations

import hashlib
import os
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
    expect(page.locator("#pack-status")).to_be_visible()  # drawn by the page script, not the plain form
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


def wait_delivered(page):
    expect(page.locator("#visit-status.delivered")).to_be_visible(timeout=30_000)
    expect(page.locator("html")).to_have_attribute("data-outbox-pending", "0")


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
    # The session outlives the browser (a week from its last use), so the reopened phone sends the visit
    # by itself as soon as it is online; no sign-in needed in the village.
    page.goto("/tasks")
    expect(page.locator("#username")).to_have_count(0)
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


def wait_for(page, condition, timeout_s: float = 15.0):
    """Let Playwright process events (route handlers run then) until condition() holds."""
    for _ in range(int(timeout_s * 10)):
        if condition():
            return
        page.wait_for_timeout(100)
    raise AssertionError("condition not reached")


def visit_online(app, restartable_server, phone_profile, index: int = 0, photos=PHOTOS):
    world = story.build_world(app)
    task_id, (lat, lon), question_ids = place_task(app, world, index)
    context = phone_profile(lat, lon)
    page = open_online(context)
    page.goto(f"/tasks/{task_id}")
    record_blind_count(page)
    expect(page.locator("#blind-note")).to_have_count(0)  # online: the server has the count at once
    return context, page, task_id, question_ids


@pytest.mark.browser
def test_a_500_on_submit_is_sent_again_and_stores_one_verification(app, restartable_server, phone_profile):
    context, page, task_id, question_ids = visit_online(app, restartable_server, phone_profile)
    declared = fill_visit(page, question_ids, PHOTOS[:1])
    answered = []

    def fail_once(route):
        answered.append(route.request.method)
        if len(answered) == 1:
            route.fulfill(status=500, content_type="application/json",
                          body='{"error": "server_error", "message": "boom"}')
        else:
            route.continue_()

    context.route("**/api/tasks/*/verifications", fail_once)
    submit_anyway(page)
    wait_delivered(page)
    assert len(answered) == 2
    rows = verifications_of(app, task_id)
    assert len(rows) == 1 and rows[0]["photos"] == declared


@pytest.mark.browser
def test_a_dropped_upload_and_a_reload_mid_upload_end_with_one_verification(app, restartable_server, phone_profile):
    context, page, task_id, question_ids = visit_online(app, restartable_server, phone_profile)
    accept_dialogs(page)
    declared = fill_visit(page, question_ids)
    calls = []

    def flaky(route):
        calls.append(route.request.url)
        if len(calls) == 1:
            route.abort("connectionreset")  # the link drops in the middle of the first photo
        elif len(calls) == 2:
            pass  # the second try hangs: the examiner reloads the page meanwhile
        else:
            route.continue_()

    context.route("**/api/photos", flaky)
    submit_anyway(page)
    wait_for(page, lambda: len(calls) >= 2)
    expect(page.locator("html")).to_have_attribute("data-outbox-pending", "1")
    page.reload()
    expect(page.locator("html")).to_have_attribute("data-outbox-pending", "0", timeout=30_000)
    rows = verifications_of(app, task_id)
    assert len(rows) == 1 and rows[0]["photos"] == sorted(declared)
    assert len(calls) >= 4  # two failed tries of the first photo, then both photos


@pytest.mark.browser
def test_a_refused_visit_keeps_its_draft_and_says_why(app, restartable_server, phone_profile):
    context, page, task_id, question_ids = visit_online(app, restartable_server, phone_profile)
    go_offline(context, restartable_server)
    fill_visit(page, question_ids, PHOTOS[:1])
    submit_anyway(page)
    expect(page.locator("html")).to_have_attribute("data-outbox-pending", "1")
    # Meanwhile the organizer gives the task to another examiner.
    from fieldcheck.accounts.models import User
    from fieldcheck.assignment.models import Task
    from fieldcheck.assignment.operations import assign_task
    from fieldcheck.extensions import db

    with app.test_request_context():
        other = db.session.scalar(sa.select(User).where(User.username == "exb"))
        assign_task(db.session.get(Task, task_id), other)
        db.session.commit()
    go_online(context, restartable_server)
    expect(page.locator("#visit-status.refused")).to_be_visible(timeout=30_000)
    assert page.locator("#visit-status").inner_text().strip()
    expect(page.locator("html")).to_have_attribute("data-outbox-pending", "1")
    page.reload()
    expect(page.locator("#visit-status.refused")).to_be_visible()
    expect(page.locator("#notes")).to_have_value("离线测试：现场查看，已挂牌。")
    expect(page.locator("#photo-list li.ready")).to_have_count(1)
    expect(page.locator("#send")).to_be_enabled()
    assert verifications_of(app, task_id) == []
    page.goto("/tasks")
    expect(page.locator("#outbox .outbox-item.refused")).to_have_count(1)


@pytest.mark.browser
def test_a_qr_rating_made_before_a_reload_is_attached_to_the_visit(app, restartable_server, phone_profile, browser):
    context, page, task_id, question_ids = visit_online(app, restartable_server, phone_profile)
    page.locator("#qr-show").click()
    expect(page.locator("#qr svg")).to_be_visible()
    expect(page.locator("#qr p.hint").nth(1)).to_contain_text("北京时间")
    url = page.locator("#qr p.mono").inner_text().strip()
    resident = browser.new_context(locale="zh-CN").new_page()
    resident.goto(url)
    choose(resident, "respondent", "member")
    for qid in question_ids:
        choose(resident, f"q{qid}", "5")
    resident.locator("main form button[type=submit]").click()
    expect(resident.locator("#thanks")).to_be_visible()
    resident.context.close()
    page.reload()  # the visit's UUID is kept: the answer still belongs to this visit
    expect(page.locator("#qr-count")).to_contain_text("1")
    choose(page, "finding", "verified")
    page.set_input_files("#photos", str(PHOTOS[0]))
    expect(page.locator("#photo-list li.ready")).to_have_count(1, timeout=30_000)
    submit_anyway(page)  # no interview typed on the phone: the resident's own answer counts
    wait_delivered(page)
    from fieldcheck.extensions import db
    from fieldcheck.field.models import Verification

    with app.app_context():
        verification = db.session.scalars(sa.select(Verification).where(Verification.task_id == task_id)).one()
        assert [(i.source, i.respondent) for i in verification.interviews] == [("qr", "member")]


@pytest.mark.browser
def test_a_returned_task_reopens_with_its_previous_answers_and_photos(app, restartable_server, phone_profile):
    context, page, task_id, question_ids = visit_online(app, restartable_server, phone_profile)
    declared = fill_visit(page, question_ids, PHOTOS[:1])
    submit_anyway(page)
    wait_delivered(page)
    from fieldcheck.accounts.models import User
    from fieldcheck.extensions import db
    from fieldcheck.field.models import Verification
    from fieldcheck.review.operations import decide

    with app.test_request_context():
        reviewer = db.session.scalar(sa.select(User).where(User.username == "rev"))
        first = db.session.scalars(sa.select(Verification).where(Verification.task_id == task_id)).one()
        decide(first, reviewer, "return", "请补拍村委会门牌")
        db.session.commit()
    page.goto("/tasks")
    expect(page.locator(f"#task-list li[data-task='{task_id}'] .state")).to_have_class("state returned")
    page.goto(f"/tasks/{task_id}")
    expect(page.locator("#return-reason")).to_contain_text("请补拍村委会门牌")
    expect(page.locator('input[name=finding][value=verified]')).to_be_checked()
    expect(page.locator("#notes")).to_have_value("离线测试：现场查看，已挂牌。")
    expect(page.locator(f'input[name="interview-0-q{question_ids[0]}"][value="4"]')).to_be_checked()
    old = page.locator("#photo-list li.old")
    expect(old).to_have_count(1)
    assert old.get_attribute("data-sha256") == declared[0]
    page.wait_for_function("img => img.complete && img.naturalWidth > 0", arg=old.locator("img").element_handle())
    page.set_input_files("#photos", str(PHOTOS[1]))
    expect(page.locator("#photo-list li.ready")).to_have_count(2, timeout=30_000)
    new = page.locator("#photo-list li.ready:not(.old)").get_attribute("data-sha256")
    submit_anyway(page)
    wait_delivered(page)
    rows = verifications_of(app, task_id)
    assert len(rows) == 2
    assert sorted(r["photos"] for r in rows)[-1] == sorted([declared[0], new]) or \
        any(r["photos"] == sorted([declared[0], new]) for r in rows)


@pytest.mark.browser
def test_screenshot_of_the_visit_page_at_360(app, restartable_server, phone_profile, tmp_path):
    context, page, task_id, question_ids = visit_online(app, restartable_server, phone_profile)
    fill_visit(page, question_ids)
    expect(page.locator("#geo-distance")).not_to_be_empty()
    # Into the docs only when asked (FIELDCHECK_SCREENSHOT=1): a test run leaves the source tree alone.
    shot = SCREENSHOT if os.environ.get("FIELDCHECK_SCREENSHOT") == "1" else tmp_path / SCREENSHOT.name
    shot.parent.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(shot), full_page=True)
    assert shot.stat().st_size > 10_000


@pytest.mark.browser
def test_without_javascript_the_plain_form_still_records_a_visit(app, live_server, browser):
    world = story.build_world(app)
    task_id, _place, question_ids = place_task(app, world)
    context = browser.new_context(base_url=live_server, java_script_enabled=False, locale="zh-CN",
                                  viewport={"width": 360, "height": 740})
    page = context.new_page()
    login(page, "exa")
    page.goto(f"/tasks/{task_id}")
    page.fill("#blind_qty", "3")
    page.locator("#blind-form button[type=submit]").click()
    choose(page, "finding", "verified")
    page.set_input_files("#photos", str(PHOTOS[0]))
    choose(page, "interview-0-respondent", "resident")
    for qid in question_ids:
        choose(page, f"interview-0-q{qid}", "4")
    page.locator("#visit-form button[type=submit]").click()
    expect(page).to_have_url(f"{live_server}/tasks")
    rows = verifications_of(app, task_id)
    assert len(rows) == 1
    assert rows[0]["photos"] == [hashlib.sha256(PHOTOS[0].read_bytes()).hexdigest()]
    context.close()


@pytest.mark.browser
def test_a_change_of_language_is_not_hidden_by_the_cached_pages(app, restartable_server, phone_profile):
    world = story.build_world(app)
    _task_id, (lat, lon), _questions = place_task(app, world)
    page = open_online(phone_profile(lat, lon))
    assert page.locator("html").get_attribute("lang") == "zh-CN"
    page.locator("header nav a[lang=en]").click()
    expect(page.locator("html")).to_have_attribute("lang", "en")
    expect(page.locator("#pack-status")).to_contain_text("Tasks as of")


@pytest.mark.browser
def test_a_picture_the_phone_cannot_decode_goes_up_whole_with_a_warning(app, restartable_server, phone_profile):
    heif = FIXTURES / "sample.heif"
    context, page, task_id, question_ids = visit_online(app, restartable_server, phone_profile)
    page.set_input_files("#photos", str(heif))
    row = page.locator("#photo-list li.ready")
    expect(row).to_have_count(1, timeout=30_000)
    expect(row.locator("small.error")).to_contain_text(str(max(1, round(heif.stat().st_size / 1024))))
    assert row.get_attribute("data-sha256") == hashlib.sha256(heif.read_bytes()).hexdigest()


@pytest.mark.browser
def test_the_location_wait_ends_with_the_best_reading_and_says_so(app, restartable_server, phone_profile):
    world = story.build_world(app)
    task_id, (lat, lon), question_ids = place_task(app, world)
    from fieldcheck.cycles.models import Cycle
    from fieldcheck.extensions import db

    with app.app_context():
        cycle = db.session.scalar(sa.select(Cycle).where(Cycle.code == world.cycle_code))
        cycle.geo_wait_s, threshold = 3, cycle.accuracy_threshold_m
        db.session.commit()
    context = phone_profile(lat, lon, accuracy=threshold * 4)  # a poor reading that never improves
    page = open_online(context)
    page.goto(f"/tasks/{task_id}")
    record_blind_count(page)
    fill_visit(page, question_ids, PHOTOS[:1])
    page.locator("#relocate").click()  # a fresh reading: the wait for a good one starts again
    expect(page.locator("#geo-status")).to_contain_text(str(round(threshold * 4)))
    submit_anyway(page)  # waits for a better reading (the page stays usable), then sends with the best one
    expect(page.locator("#geo-ended")).to_contain_text(str(round(threshold * 4)))
    wait_delivered(page)
    from fieldcheck.field.models import Verification

    with app.app_context():
        verification = db.session.scalars(sa.select(Verification).where(Verification.task_id == task_id)).one()
        assert verification.accuracy_m == pytest.approx(threshold * 4)
