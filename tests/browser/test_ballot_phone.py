"""A meeting attendee scans their printed ballot code and grades every secretary on their own phone."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

import story
from test_e2e import login

HERE = (31.2304, 121.4737)


@pytest.mark.browser
def test_an_attendee_votes_from_a_printed_code_on_a_phone(app, live_server, phone, desktop, tmp_path):
    world = story.build_world(app)
    organizer = desktop().new_page()
    login(organizer, "org")
    organizer.goto(f"/cycles/{world.cycle_code}/ballots")
    organizer.fill("#count", "2")
    organizer.locator("form.stack button[type=submit]").last.click()
    expect(organizer.locator(".ballot-code svg").first).to_be_visible()
    urls = [re.sub(r"\s+", "", t) for t in organizer.locator(".ballot-code .mono").all_inner_texts()]
    assert len(urls) == 2 and all("/b/" in u for u in urls)

    attendee = phone(*HERE).new_page()  # no account: the code is the only key
    attendee.goto(urls[0])
    expect(attendee.locator("h1")).to_contain_text("测评")
    for fieldset in attendee.locator("fieldset").all():
        fieldset.locator("label").filter(has_text="较好").click()
    attendee.screenshot(path=str(tmp_path / "ballot.png"), full_page=True)  # docs/screenshot-ballot.png
    attendee.get_by_role("button", name="提交测评").click()
    expect(attendee.locator("h1")).to_have_text("谢谢！")
    attendee.goto(urls[0])
    expect(attendee.locator(".error")).to_contain_text("已使用")

    organizer.goto(f"/cycles/{world.cycle_code}/ballots")
    expect(organizer.locator("table").first).to_contain_text("1")
    expect(organizer.locator("text=1 / 2")).to_be_visible()
