"""A resident scans the examiner's code with their own phone: once, and not after it expired."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
import sqlalchemy as sa
from playwright.sync_api import expect

import story
from test_e2e import choose, login

HERE = (31.2304, 121.4737)


@pytest.mark.browser
def test_a_resident_rates_once_on_their_own_phone(app, live_server, phone):
    world = story.build_world(app)
    task_id = world.task_ids[0]
    examiner = phone(*HERE).new_page()
    login(examiner, "exa")
    examiner.goto(f"/tasks/{task_id}")
    expect(examiner.locator("#pack-status")).to_be_visible()  # the page script has drawn the visit
    examiner.fill("#blind_qty", "2")
    examiner.locator("#blind-form button[type=submit]").click()
    expect(examiner.locator("#qr-show")).to_be_visible()
    shown = []

    def new_code():
        examiner.locator("#qr-show").click()
        expect(examiner.locator("#qr svg")).to_be_visible()
        code = examiner.locator("#qr p.mono")
        if shown:
            expect(code).not_to_have_text(shown[-1])
        shown.append(code.inner_text().strip())
        return shown[-1]

    url = new_code()
    assert re.search(r"/r/[A-Za-z0-9_-]{16,}$", url)
    # The resident: another phone, no account, no cookies shared with the examiner.
    resident = phone(*HERE).new_page()
    resident.goto(url)
    expect(resident.locator(".claimtext")).to_be_visible()
    choose(resident, "respondent", "member")
    from fieldcheck.extensions import db
    from fieldcheck.field.models import Interview
    from fieldcheck.residents.models import RatingToken
    from fieldcheck.assignment.models import Task

    with app.app_context():
        qids = [q.id for q in db.session.get(Task, task_id).claim.report.cycle.questions]
    for qid in qids:
        choose(resident, f"q{qid}", "4")
    resident.fill("#comment", "确实办了")
    resident.locator("main form button[type=submit]").click()
    expect(resident.locator("#thanks")).to_be_visible()
    # A second use of the same code, even from a fresh phone, is refused.
    again = phone(*HERE).new_page()
    again.goto(url)
    expect(again.locator("#refused")).to_be_visible()
    # An expired code is refused too.
    url2 = new_code()
    with app.app_context():
        token = db.session.scalars(sa.select(RatingToken).order_by(RatingToken.id.desc())).first()
        token.expires_at = token.created_at - timedelta(seconds=1)
        db.session.commit()
    late = phone(*HERE).new_page()
    late.goto(url2)
    expect(late.locator("#refused")).to_be_visible()
    with app.app_context():
        answers = db.session.scalars(sa.select(Interview)).all()
        assert [(a.source, a.respondent, a.comment) for a in answers] == [("qr", "member", "确实办了")]
