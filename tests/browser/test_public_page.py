"""The public page on a phone: read a report, see what was drawn, leave a lead."""

from __future__ import annotations

import pytest
import sqlalchemy as sa
from playwright.sync_api import expect

import story


@pytest.mark.browser
def test_a_resident_reads_the_report_on_a_phone_and_leaves_a_lead(app, live_server, phone):
    story.build_world(app)
    page = phone(31.23, 121.47).new_page()
    page.goto("/")
    page.locator("main a[href='/p/2025']").click()
    expect(page.locator("#seed")).to_have_text(story.SEED)
    page.locator("main a[href='/p/2025/qingshan-county']").click()
    expect(page.locator(".reporttext mark.sampled").first).to_be_visible()
    # tap a highlighted achievement: the page jumps to it and its feedback form
    first = page.locator(".reporttext mark a").first
    target = first.get_attribute("href")
    first.click()
    card = page.locator(target)
    expect(card).to_be_in_viewport()
    card.locator("summary").click()
    honeypot = card.locator("input[name=website]")
    box = honeypot.bounding_box()
    assert box is None or box["x"] + box["width"] <= 0  # out of sight for people
    card.locator("textarea[name=text]").fill("这条说的事我们社区确实办了，路灯都亮了。")
    card.locator("button[type=submit]").click()
    expect(page.locator("main .flash")).to_be_visible()
    # one column on the phone: nothing wider than the screen
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 390
    from fieldcheck.extensions import db
    from fieldcheck.reports.models import Feedback

    with app.app_context():
        texts = db.session.scalars(sa.select(Feedback.text)).all()
    assert texts == ["这条说的事我们社区确实办了，路灯都亮了。"]
