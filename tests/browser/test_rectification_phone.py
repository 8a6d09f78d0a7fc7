"""A unit contact works off a rectification item on a 360 px phone: measure, progress and a real photo."""

from __future__ import annotations

import pytest
import sqlalchemy as sa
from playwright.sync_api import expect

import story
from test_e2e import login

# The unit contact's phone: 360×740, Chinese, China's time zone.
PHONE = {"viewport": {"width": 360, "height": 740}, "device_scale_factor": 2, "is_mobile": True, "has_touch": True,
         "locale": "zh-CN", "timezone_id": "Asia/Shanghai"}
PHOTO = story.FIXTURES / "photos" / "orientation_portrait_6.jpg"  # EXIF orientation 6: shown upright


@pytest.mark.browser
def test_a_unit_contact_updates_a_rectification_item_with_a_photo_on_a_phone(app, live_server, browser, desktop,
                                                                             tmp_path):
    from fieldcheck.accounts.operations import create_user, set_user_unit
    from fieldcheck.extensions import db
    from fieldcheck.rectification.models import RectificationItem
    from fieldcheck.rectification.operations import add_item
    from fieldcheck.reports.models import Report

    world = story.build_world(app)
    with app.test_request_context():
        set_user_unit(create_user("unitc", story.PASSWORD, ["unit"]), "中共青山县委")
        report = db.session.scalar(sa.select(Report))
        item_id = add_item(report, None, "村务公开栏内容未及时更新", deadline="2030-06-30").id
        db.session.commit()

    context = browser.new_context(base_url=live_server, **PHONE)
    try:
        phone = context.new_page()
        login(phone, "unitc")
        expect(phone.locator("h1")).to_have_text("本单位")  # the contact's start page
        phone.locator("ul.cards a").first.click()
        expect(phone.locator("h1")).to_have_text("整改清单")
        phone.locator("#items a").filter(has_text="村务公开栏").click()
        expect(phone.locator("h1")).to_contain_text("整改事项")
        phone.fill("textarea[name=measure]", "每月5日前更新村务公开栏，由支部委员负责核对")
        phone.fill("input[name=responsible]", "村党支部书记")
        phone.fill("textarea[name=progress]", "5月已更新，附照片")
        phone.set_input_files("input[name=photo]", str(PHOTO))
        phone.get_by_role("button", name="保存").click()
        expect(phone.locator("p.flash")).to_have_text("已保存。")
        thumb = phone.locator(".photos img").first
        expect(thumb).to_be_visible()
        # The thumbnail arrived through the access check and decoded, upright (portrait: taller than wide).
        width, height = thumb.evaluate("img => [img.naturalWidth, img.naturalHeight]")
        assert 0 < width < height
        # Phone first: nothing wider than the screen.
        assert phone.evaluate("document.documentElement.scrollWidth") <= 360
        phone.screenshot(path=str(tmp_path / "rectification-item.png"), full_page=True)
        phone.get_by_role("button", name="标记为已完成").click()
        expect(phone.locator("text=已标记完成，等待组织方销号。")).to_be_visible()
        expect(phone.get_by_role("button", name="销号")).to_have_count(0)  # only an organizer signs off
    finally:
        context.close()

    organizer = desktop().new_page()
    login(organizer, "org")
    organizer.goto(f"/cycles/{world.cycle_code}/reports/{world.report_slug}/rectification/items/{item_id}")
    expect(organizer.locator(".photos img")).to_have_count(1)
    organizer.get_by_role("button", name="销号").click()
    expect(organizer.locator("text=组织方已销号。")).to_be_visible()
    with app.app_context():
        item = db.session.get(RectificationItem, item_id)
        assert item.state == "signed_off" and item.responsible == "村党支部书记"
        assert len(item.photos) == 1 and item.photos[0].width < item.photos[0].height
