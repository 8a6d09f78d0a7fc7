"""Drafting rounds in a real Chromium at desktop size: the unit's contact uploads a draft, the office
selects a passage and comments on it, returns the draft, the contact uploads the next one, the office
sees the side-by-side diff with the comment carried over, approves (备案), and the filed report is
published."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from playwright.sync_api import expect

import story
from story import FIXTURES, PASSWORD

TIMEOUT_MS = 15_000
AXE = Path(__file__).parent / "vendor" / "axe.min.js"
DRAFTS = "/cycles/2025/reports/drafts"
PAGE = f"{DRAFTS}/shiqiao-township"
PASSAGE = "新建河湾村党群服务中心1个"


def desktop(browser, live_server):
    # bypass_csp: axe is injected as an inline script, which the app's CSP (rightly) refuses.
    context = browser.new_context(base_url=live_server, locale="zh-CN", timezone_id="Asia/Shanghai",
                                  viewport={"width": 1280, "height": 900}, bypass_csp=True)
    context.set_default_timeout(TIMEOUT_MS)
    return context


def sign_in(page, username: str) -> None:
    page.goto("/login")
    page.fill("#username", username)
    page.fill("#password", PASSWORD)
    page.locator("main form button[type=submit]").click()
    expect(page.locator("header nav form.inline button")).to_contain_text(username)


def axe_violations(page) -> list[dict]:
    page.add_script_tag(path=str(AXE))
    return page.evaluate("""async () => (await axe.run(document, {resultTypes: ['violations']})).violations
        .map(v => ({id: v.id, impact: v.impact, nodes: v.nodes.slice(0, 3).map(n => n.target.join(' '))}))""")


def upload(page, form: str, fixture: str) -> None:
    page.locator(f"{form} input[type=file]").set_input_files(
        {"name": fixture, "mimeType": "text/markdown", "buffer": (FIXTURES / "drafts" / fixture).read_bytes()})
    page.locator(f"{form} button[type=submit]").click()


@pytest.fixture
def draft_world(app):
    from fieldcheck.accounts.operations import create_user, set_user_unit
    from fieldcheck.extensions import db

    story.build_world(app, draw=False)
    with app.test_request_context():
        set_user_unit(create_user("shiqiao", PASSWORD, ["unit"]), "中共青山县石桥镇委员会")
        db.session.commit()


def test_a_draft_goes_through_two_rounds_and_is_filed_and_published(app, draft_world, browser, live_server):
    unit_context, office_context = desktop(browser, live_server), desktop(browser, live_server)
    unit, office = unit_context.new_page(), office_context.new_page()
    try:
        # The unit's contact uploads the first draft for its own unit.
        sign_in(unit, "shiqiao")
        unit.goto(DRAFTS)
        unit.fill("#secretary", "李强")
        unit.fill("#slug", "shiqiao-township")
        upload(unit, "#new-draft", "shiqiao-draft-1.md")
        expect(unit).to_have_url(re.compile(re.escape(PAGE) + "$"))
        expect(unit.locator("#round")).to_contain_text("1")

        # The office selects a passage in the draft: its offsets fill the comment form.
        sign_in(office, "org")
        office.goto(PAGE)
        expect(office.locator("#suggestions li")).not_to_have_count(0)
        office.evaluate("""passage => {
            const box = document.getElementById('reporttext');
            const walker = document.createTreeWalker(box, NodeFilter.SHOW_TEXT);
            let node;
            while ((node = walker.nextNode())) {
                const at = node.data.indexOf(passage);
                if (at >= 0) {
                    const range = document.createRange();
                    range.setStart(node, at);
                    range.setEnd(node, at + passage.length);
                    window.getSelection().removeAllRanges();
                    window.getSelection().addRange(range);
                    return;
                }
            }
            throw new Error('passage not found');
        }""", PASSAGE)
        expect(office.locator("#start")).not_to_have_value("")
        start = int(office.locator("#start").input_value())
        end = int(office.locator("#end").input_value())
        assert end - start == len(PASSAGE)
        office.fill("#body", "写明建成时间和服务人数")
        office.locator("#comment-form button[type=submit]").click()
        expect(office.locator("#comments")).to_contain_text("写明建成时间和服务人数")
        expect(office.locator("#reporttext mark.comment")).to_have_text(PASSAGE)
        office.locator(f"form[action='{PAGE}/return'] button").click()
        expect(office.locator("#drafting-state")).to_have_class(re.compile("returned"))

        # The unit sees the comment and uploads the next draft.
        unit.goto(PAGE)
        expect(unit.locator("#comments")).to_contain_text("写明建成时间和服务人数")
        assert axe_violations(unit) == []
        upload(unit, "#upload-form", "shiqiao-draft-2.md")
        expect(unit.locator("#round")).to_contain_text("2")

        # The office sees the side-by-side diff with its comment carried over to the new draft.
        office.goto(PAGE)
        expect(office.locator("#round")).to_contain_text("2")
        diff = office.locator("#diff")
        expect(diff.locator("tbody tr")).not_to_have_count(0)
        expect(diff.locator("tr.replace td.new mark.changed").filter(has_text="由61%提高到92%")).to_have_count(1)
        expect(diff.locator("td.new mark.comment")).to_have_text(PASSAGE)
        expect(office.locator("#carried")).to_contain_text("写明建成时间和服务人数")
        expect(office.locator("#carried")).to_contain_text(PASSAGE)
        assert axe_violations(office) == []
        # Both columns side by side at desktop size.
        old_box = diff.locator("tr.replace td.old").first.bounding_box()
        new_box = diff.locator("tr.replace td.new").first.bounding_box()
        assert new_box["x"] >= old_box["x"] + old_box["width"] - 1 and abs(new_box["y"] - old_box["y"]) < 2

        # Approve: filed with its SHA-256 and date; the report is the cycle's, its claims proposed.
        office.locator(f"form[action='{PAGE}/approve'] button").click()
        expect(office.locator("#filed")).to_be_visible()
        sha = office.locator("#filed .mono").inner_text()
        assert re.fullmatch(r"[0-9a-f]{64}", sha)
        office.locator("#filed a").click()
        expect(office.locator("#report-sha256")).to_have_text(sha)
        office.locator("form[action$='/shiqiao-township/accept'] button").first.click()
        expect(office.locator("#reporttext mark").first).to_be_visible()

        # Published: the public page shows the filed text under its hash.
        office.goto("/cycles/2025")
        office.locator("form[action='/cycles/2025/publish'] button").click()
        expect(office.locator("#freezes")).to_contain_text("2")  # two reports: the story's and the filed one
        office.locator("#confirm-button").click()
        expect(office).to_have_url(re.compile(r"/cycles/2025$"))
        office.goto("/p/2025/shiqiao-township")
        expect(office.locator("main")).to_contain_text(sha)
        expect(office.locator("main")).to_contain_text("由61%提高到92%")
    finally:
        unit_context.close()
        office_context.close()
