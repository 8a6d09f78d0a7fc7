"""Public pages that read well: the report from its Markdown (safely), a proper rate-limit page, the
feedback limit per claim and per address, no sign-in link for a resident, and languages kept apart."""

from __future__ import annotations

import re
import uuid

from helpers import login
from test_public import post_feedback
from test_residents import issue_code

from story import build_world


def test_the_report_is_rendered_from_its_markdown_with_the_claims_highlighted(app):
    build_world(app)
    page = app.test_client().get("/p/2025/qingshan-county").get_data(as_text=True)
    text = page[page.index('id="report-text"'):page.index("</div>", page.index('id="report-text"'))]
    assert "<h2>" in text and "<h3>" in text
    assert not re.search(r">\s*#", text)  # no raw "#" or "##" before a heading's words
    assert text.count("<mark") >= 1 and 'href="#claim-' in text


def test_html_in_a_report_is_shown_as_text_never_run(app):
    from types import SimpleNamespace

    from fieldcheck.reports.highlight import report_blocks

    report = SimpleNamespace(text="## 标题\n\n<script>alert(1)</script> 段落\n\n- 一项\n- 两项\n", claims=[])
    blocks = report_blocks(report)
    assert [b.tag for b in blocks] == ["h3", "p", "li", "li"]
    assert blocks[1].runs[0][0].startswith("<script>")  # kept as text; Jinja escapes it on the page
    assert [b.first_in_list for b in blocks[2:]] == [True, False] and blocks[2].list_kind == "ul"


def test_the_feedback_limit_is_per_claim_and_the_rate_limit_page_says_what_to_do(app):
    build_world(app)
    client = app.test_client()
    statuses = [post_feedback(client, n=1, text=f"第{i}次反馈的内容").status_code for i in range(6)]
    assert statuses == [302] * 5 + [429]
    page = post_feedback(client, n=1, text="再试一次的内容").get_data(as_text=True)
    assert "<h1>请稍后再试</h1>" in page and 'id="retry-after"' in page and "<h1>429" not in page
    # The same address (a village behind one connection) may still tell about another claim.
    assert post_feedback(client, n=2, text="另一条实绩的线索").status_code == 302


def test_a_resident_sees_no_sign_in_link(app):
    world = build_world(app)
    examiner = app.test_client()
    login(examiner, "exa")
    raw = issue_code(examiner, world.task_ids[0], str(uuid.uuid4()))
    page = app.test_client().get(f"/r/{raw}").get_data(as_text=True)
    assert "/login" not in page and "登录" not in page
    assert "/login" in app.test_client().get("/").get_data(as_text=True)  # elsewhere it stays


def test_the_english_interface_names_the_signed_in_person_by_login_name(app):
    from fieldcheck.accounts.operations import create_user
    from fieldcheck.extensions import db

    build_world(app)
    with app.test_request_context():
        create_user("kaohe", "correct horse 1", ["examiner"], "考核员")
        db.session.commit()
    client = app.test_client()
    login(client, "kaohe")
    zh = client.get("/tasks").get_data(as_text=True)
    assert "退出（考核员）" in zh
    client.get("/lang/en?next=/tasks")
    en = client.get("/tasks").get_data(as_text=True)
    assert "Sign out (kaohe)" in en and "考核员" not in en[:en.index("</header>")]
