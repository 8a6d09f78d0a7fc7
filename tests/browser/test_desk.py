"""The reviewer's and the organizer's desk in a real Chromium, at 360 px and at desktop size, and
axe-core (vendored under tests/browser/vendor, for the tests only) on every page of every role."""

from __future__ import annotations

import io
import os
import re
import uuid
from datetime import timedelta
from pathlib import Path

import pytest
import sqlalchemy as sa
from helpers import csrf_token, login as client_login
from playwright.sync_api import expect

import story
TIMEOUT_MS = 15_000  # the same as tests/browser/conftest.py (two modules are called conftest)

AXE = Path(__file__).parent / "vendor" / "axe.min.js"
DOCS = Path(__file__).resolve().parents[2] / "docs"
SIZES = {"phone": {"viewport": {"width": 360, "height": 740}, "device_scale_factor": 2, "is_mobile": True,
                   "has_touch": True},
         "desktop": {"viewport": {"width": 1280, "height": 900}}}


def context_for(browser, live_server, size: str):
    # bypass_csp: axe is injected as an inline script, which the app's CSP (rightly) refuses.
    context = browser.new_context(base_url=live_server, locale="zh-CN", timezone_id="Asia/Shanghai",
                                  bypass_csp=True, **SIZES[size])
    context.set_default_timeout(TIMEOUT_MS)
    return context


def sign_in(page, username: str) -> None:
    page.goto("/login")
    page.fill("#username", username)
    page.fill("#password", story.PASSWORD)
    page.locator("main form button[type=submit]").click()
    expect(page.locator("header nav form.inline button")).to_contain_text(username)


def axe_violations(page) -> list[dict]:
    page.add_script_tag(path=str(AXE))
    return page.evaluate("""async () => (await axe.run(document, {resultTypes: ['violations']})).violations
        .map(v => ({id: v.id, impact: v.impact, nodes: v.nodes.slice(0, 3).map(n => n.target.join(' ')
                    + ' — ' + (n.failureSummary || '').replace(/\\s+/g, ' ').slice(0, 160))}))""")


def submit_visit(app, client, task_id, lat, lon, photo="nogps_canon_40d.jpg", minutes=30) -> int:
    from fieldcheck.assignment.models import Task
    from fieldcheck.db import utcnow
    from fieldcheck.extensions import db

    with app.app_context():
        qids = [q.id for q in db.session.get(Task, task_id).claim.report.cycle.questions]
    data = {"csrf_token": csrf_token(client, "/tasks"), "client_uuid": str(uuid.uuid4()), "finding": "verified",
            "observed_qty": "3", "lat": str(lat), "lon": str(lon), "accuracy_m": "35",
            "started_at": (utcnow() - timedelta(minutes=minutes)).isoformat(),
            "photos": (io.BytesIO((story.FIXTURES / "photos" / photo).read_bytes()), "p.jpg")}
    for i, ratings in enumerate(((4, 5, 4), (3, 4, 5), (5, 5, 4))):
        data[f"interview-{i}-respondent"] = "resident" if i else "member"
        data.update({f"interview-{i}-q{q}": str(v) for q, v in zip(qids, ratings)})
    r = client.post(f"/tasks/{task_id}", data=data, content_type="multipart/form-data")
    assert r.status_code == 302, r.get_data(as_text=True)[:2000]
    with app.app_context():
        return db.session.get(Task, task_id).latest.id


@pytest.fixture
def reviewed_world(app):
    """A drawn cycle with three submitted visits: one near the place, one 2 km off with a far photo, one clean."""
    from fieldcheck.assignment.models import Task
    from fieldcheck.extensions import db

    world = story.build_world(app)
    with app.app_context():
        tasks = [db.session.get(Task, i) for i in world.task_ids]
        placed = [t for t in tasks if t.claim.place is not None]
        home = placed[0].claim.place.wgs84()
        chosen = placed[:2] + [t for t in tasks if t not in placed[:2]][:1]
        spots = [(t.id, t.claim.place.wgs84() if t.claim.place else home) for t in chosen]
    examiner = app.test_client()
    client_login(examiner, "exa")
    vids = [submit_visit(app, examiner, spots[0][0], spots[0][1][0] + 0.0002, spots[0][1][1] + 0.0003),
            submit_visit(app, examiner, spots[1][0], spots[1][1][0] + 0.018, spots[1][1][1],
                         photo="gps_DSCN0010.jpg", minutes=3),
            submit_visit(app, examiner, spots[2][0], spots[2][1][0], spots[2][1][1] + 0.0002)]
    return world, vids


@pytest.mark.parametrize("size", ["phone", "desktop"])
def test_a_reviewer_filters_opens_an_item_sees_the_evidence_and_decides_from_the_keyboard(
        app, browser, live_server, reviewed_world, size):
    world, vids = reviewed_world
    context = context_for(browser, live_server, size)
    page = context.new_page()
    sign_in(page, "rev")
    page.goto("/review/")
    expect(page.locator("#queue li.card")).to_have_count(3)
    # Filter: only visits with the geotag far from the place; the count is in the option.
    page.locator("#filters > summary").click()
    option = page.locator("#f-flag option[value=far_from_place]")
    expect(option).to_contain_text("（1）")
    page.select_option("#f-flag", "far_from_place")
    page.locator("#apply-filters").click()
    expect(page).to_have_url(re.compile(r"flag=far_from_place"))
    expect(page.locator("#queue li.card")).to_have_count(1)
    # Open it from the keyboard.
    page.locator("#queue li.card a").focus()
    page.keyboard.press("Enter")
    expect(page).to_have_url(re.compile(rf"/review/{vids[1]}\?flag=far_from_place"))
    # Finding and figures first; then the warnings, the plot, the photos with their own warnings.
    order = page.evaluate("""() => ['summary', 'flags', 'plot', 'photos', 'interviews']
        .map(id => document.getElementById(id).getBoundingClientRect().top + window.scrollY)""")
    assert order == sorted(order), order
    expect(page.locator("#flags li[data-code=far_from_place]")).to_contain_text("2.0 km（上限 500 m）")
    expect(page.locator("#plot .pt-place")).to_have_count(1)
    expect(page.locator("#plot .pt-geotag")).to_have_count(1)
    expect(page.locator("#plot .pt-photo")).to_have_count(1)
    expect(page.locator("#photo-1 .photo-flags li").first).to_contain_text("照片1")
    assert not re.search(r"[0-9a-f]{12}", page.locator("#flags").inner_text())
    expect(page.locator("#summary")).to_contain_text("Asia/Shanghai")
    # No horizontal scrolling at this size: the interviews table and figures fit.
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth + 1")
    if os.environ.get("FIELDCHECK_SCREENSHOT") == "1":
        page.screenshot(path=str(DOCS / f"screenshot-review-{size}.png"), full_page=True)
    # R: return for more evidence; the reason list takes the focus; pick with the arrow keys.
    page.locator("body").focus()
    page.keyboard.press("r")
    expect(page.locator("input[name=decision][value=return]")).to_be_checked()
    expect(page.locator("#reason_code")).to_be_focused()
    page.keyboard.press("ArrowDown")
    page.keyboard.press("ArrowDown")
    expect(page.locator("#reason_code")).to_have_value("count_differs")
    page.keyboard.press("Tab")
    expect(page.locator("#reason")).to_be_focused()
    page.keyboard.type("请补拍现场照片")
    page.keyboard.press("Tab")
    expect(page.locator("#save-decision")).to_be_focused()
    page.keyboard.press("Enter")
    # The only item of the filtered queue is decided: back to the (filtered) list, now empty.
    expect(page.locator("main .flash").first).to_be_visible()
    from fieldcheck.extensions import db
    from fieldcheck.field.models import Verification

    with app.app_context():
        v = db.session.get(Verification, vids[1])
        assert v.task.state == "returned" and v.reviews[-1].reason_code == "count_differs"
        assert "请补拍现场照片" in v.task.return_reason
    context.close()


@pytest.mark.parametrize("size", ["phone", "desktop"])
def test_an_organizer_creates_a_user_imports_an_incremental_place_list_and_publishes_after_confirming(
        app, browser, live_server, tmp_path, size):
    world = story.build_world(app, draw=False)
    from fieldcheck.accounts.models import User
    from fieldcheck.accounts.operations import set_user_unit
    from fieldcheck.extensions import db

    with app.test_request_context():
        for name, unit in (("exa", "市委组织部考核组"), ("exb", "市纪委监委派驻组"), ("rev", "市委组织部"),
                           ("org", "市委组织部")):
            set_user_unit(db.session.scalar(sa.select(User).where(User.username == name)), unit)
        db.session.commit()
    context = context_for(browser, live_server, size)
    page = context.new_page()
    sign_in(page, "org")
    # A person with a login name, two roles and a unit; the password is shown once.
    page.goto("/people")
    page.locator("#new-person > summary").click()
    page.fill("#np-username", "wang.li")
    page.fill("#np-name", "王力")
    page.fill("#np-unit", "中共柳河镇委员会")
    page.locator("#new-person-form input[name=roles][value=examiner]").check()
    page.locator("#new-person-form input[name=roles][value=reviewer]").check()
    page.locator("#create-person").click()
    expect(page.locator("#once-username")).to_have_text("wang.li")
    password = page.locator("#once-password").inner_text()
    assert len(password) >= 8
    expect(page.locator("#user-" + page.locator("#people li.card").filter(has_text="wang.li")
                        .get_attribute("id").split("-")[1])).to_contain_text("王力")
    if os.environ.get("FIELDCHECK_SCREENSHOT") == "1" and size == "desktop":
        page.screenshot(path=str(DOCS / "screenshot-people.png"), full_page=True)
    other = browser.new_context(base_url=live_server, locale="zh-CN")
    other_page = other.new_page()
    other_page.goto("/login")
    other_page.fill("#username", "wang.li")
    other_page.fill("#password", password)
    other_page.locator("main form button[type=submit]").click()
    expect(other_page.locator("header nav a[href='/review/']")).to_be_visible()
    other.close()
    # A new village under a town imported before.
    csv_path = tmp_path / "new-villages.csv"
    csv_path.write_text("name,kind,parent,lat,lon,crs\n柳树村,village,柳河镇,44.6500,129.5300,wgs84\n", "utf-8")
    page.goto("/places/")
    page.set_input_files("#csv", str(csv_path))
    page.locator("main form button[type=submit]").click()
    expect(page.locator("main .flash").first).to_contain_text("1")
    expect(page.locator("#places")).to_contain_text("柳河镇 柳树村")
    # Publishing asks first, saying what it freezes; cancel keeps the draft.
    page.goto(f"/cycles/{world.cycle_code}")
    page.locator("main form button[type=submit]").filter(has_text="公布").click()
    expect(page.locator("#freezes li")).to_have_count(3)
    page.locator("#cancel-button").click()
    expect(page.locator("#cycle-state")).to_have_text("草稿")
    page.locator("main form button[type=submit]").filter(has_text="公布").click()
    page.locator("#confirm-button").click()
    expect(page.locator("#cycle-state")).to_have_text("已公布")
    context.close()


def axe_pages(app, world, vids) -> dict[str, list[str]]:
    from fieldcheck.assignment.models import Task
    from fieldcheck.extensions import db

    c, slug = world.cycle_code, world.report_slug
    with app.app_context():
        claim_id = db.session.get(Task, world.task_ids[0]).claim_id
        open_task = next(i for i in world.task_ids if db.session.get(Task, i).state == "assigned")
    item = rectification_item(app, claim_id)
    rect = f"/cycles/{c}/reports/{slug}/rectification"
    return {
        "": ["/", "/login", f"/p/{c}", f"/p/{c}/{slug}"],
        "exa": ["/tasks", f"/tasks/{open_task}"],
        "rev": ["/review/", "/review/?flag=none", f"/review/{vids[0]}", f"/review/{vids[1]}"],
        "org": ["/cycles/", f"/cycles/{c}", f"/cycles/{c}/edit", f"/cycles/{c}/draw", f"/cycles/{c}/assign",
                f"/cycles/{c}/routes", f"/cycles/{c}/reports/new", f"/cycles/{c}/reports/{slug}",
                f"/cycles/{c}/reports/{slug}/claims/{claim_id}", f"/cycles/{c}/scores/", "/audit", "/places/",
                "/people", f"/cycles/{c}/rectification", rect, f"{rect}/items/{item}",
                f"/cycles/{c}/rectification/carried"],
        "unitc": ["/my-unit", rect, f"{rect}/items/{item}"],
    }


def rectification_item(app, claim_id: int) -> int:
    """The unit's contact (unitc) and an overdue item with a photo on the world's report, carried too."""
    from fieldcheck.accounts.operations import create_user, set_user_unit
    from fieldcheck.extensions import db
    from fieldcheck.rectification.models import CarriedItem
    from fieldcheck.rectification.operations import add_item, update_item
    from fieldcheck.reports.models import Claim

    with app.test_request_context():
        unitc = create_user("unitc", story.PASSWORD, ["unit"])
        set_user_unit(unitc, "中共青山县委")
        report = db.session.get(Claim, claim_id).report
        item = add_item(report, unitc, "村务公开栏未更新", "每月更新", "村党支部书记", "2020-01-01")
        update_item(item, unitc, {"measure": "每月更新", "progress": "已更新"},
                    (story.FIXTURES / "photos" / "phone_nokia_8_3.jpg").read_bytes())
        db.session.add(CarriedItem(cycle_id=report.cycle_id, unit_id=report.unit_id, item_id=item.id))
        db.session.commit()
        return item.id


@pytest.mark.parametrize("size", ["phone", "desktop"])
def test_axe_finds_nothing_on_any_page(app, browser, live_server, reviewed_world, size):
    world, vids = reviewed_world
    found = {}
    checked = 0
    for person, urls in axe_pages(app, world, vids).items():
        context = context_for(browser, live_server, size)
        page = context.new_page()
        if person:
            sign_in(page, person)
        for url in urls:
            response = page.goto(url)
            assert response is not None and response.status == 200, (url, response and response.status)
            violations = axe_violations(page)
            if violations:
                found[f"{person or 'public'} {url}"] = violations
            checked += 1
        context.close()
    assert checked >= 20
    assert not found, found


def contrast(rgb_a: str, rgb_b: str) -> float:
    def luminance(css: str) -> float:
        channels = [int(x) / 255 for x in re.findall(r"\d+", css)[:3]]
        linear = [c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]
        return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]
    high, low = sorted((luminance(rgb_a), luminance(rgb_b)), reverse=True)
    return (high + 0.05) / (low + 0.05)


def test_claim_links_in_the_highlight_and_the_borders_of_choices_can_be_told_apart(app, browser, live_server):
    world = story.build_world(app)
    context = context_for(browser, live_server, "phone")
    page = context.new_page()
    page.goto(f"/p/{world.cycle_code}/{world.report_slug}")
    link = page.locator(".reporttext mark a").first
    style = link.evaluate("""a => { const s = getComputedStyle(a), m = getComputedStyle(a.closest('mark'));
        return {line: s.textDecorationLine, color: s.color, text: getComputedStyle(a.closest('.reporttext')).color,
                mark: m.backgroundColor}; }""")
    assert "underline" in style["line"], style
    assert contrast(style["color"], style["mark"]) >= 4.5, style
    sign_in(page, "org")
    page.goto(f"/cycles/{world.cycle_code}/edit")
    border = page.locator("fieldset").first.evaluate("f => getComputedStyle(f).borderTopColor")
    assert contrast(border, "rgb(255, 255, 255)") >= 3, border
    page.set_content('<link rel="stylesheet" href="/static/app.css"><fieldset class="choices"><legend>x</legend>'
                     '<label><input type="radio">a</label></fieldset>')
    page.wait_for_function("getComputedStyle(document.querySelector('.choices label')).borderTopStyle === 'solid'")
    border = page.locator(".choices label").evaluate("l => getComputedStyle(l).borderTopColor")
    assert contrast(border, "rgb(255, 255, 255)") >= 3, border
    context.close()

