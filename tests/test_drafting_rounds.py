"""Drafting rounds (审稿) through the pages: a unit's contact uploads a draft, the office comments on
passages and takes or drops the check's suggestions, returns it; the next draft shows the diff with
the comments carried over or gone; approving files it as the cycle's report. Bad input is refused
with a message and nothing written; another unit's contact gets 403."""

from __future__ import annotations

import io

import pytest
import sqlalchemy as sa
from helpers import csrf_token, login

from story import FIXTURES, PASSWORD, build_world

DRAFT_1 = (FIXTURES / "drafts" / "shiqiao-draft-1.md").read_bytes()
DRAFT_2 = (FIXTURES / "drafts" / "shiqiao-draft-2.md").read_bytes()
UNIT = "中共青山县石桥镇委员会"
BASE = "/cycles/2025/reports/drafts"
PAGE = f"{BASE}/shiqiao-township"


@pytest.fixture
def people(app):
    """The story's draft cycle (not yet published), the office, this unit's contact and another unit's."""
    from fieldcheck.accounts.operations import create_user, set_user_unit

    build_world(app, draw=False)
    with app.test_request_context():
        from fieldcheck.extensions import db

        set_user_unit(create_user("shiqiao", PASSWORD, ["unit"]), UNIT)
        set_user_unit(create_user("other", PASSWORD, ["unit"]), "中共青山县委")
        db.session.commit()
    clients = {}
    for name in ("org", "shiqiao", "other", "exa"):
        clients[name] = app.test_client()
        clients[name].set_cookie("lang", "en")
        login(clients[name], name)
    return clients


def post(client, url, data, page=None, **kw):
    return client.post(url, data={"csrf_token": csrf_token(client, page or url), **data}, **kw)


def first_draft(client, body=DRAFT_1, name="draft.md", slug="shiqiao-township"):
    # A unit contact's typed unit is ignored: they draft for their own unit.
    return post(client, BASE, {"unit": "中共青山县委", "secretary": "李强", "slug": slug, "title": "",
                               "upload": (io.BytesIO(body), name)}, page=BASE, content_type="multipart/form-data")


def rows(app, model):
    from fieldcheck.extensions import db

    with app.app_context():
        return db.session.scalar(sa.select(sa.func.count()).select_from(model))


def drafting(app):
    from fieldcheck.extensions import db
    from fieldcheck.reports.draft_models import Drafting

    with app.app_context():
        d = db.session.scalar(sa.select(Drafting))
        db.session.expunge_all()
        return d


def test_two_rounds_from_first_draft_to_the_filed_report(app, people):
    from fieldcheck.audit.models import AuditEvent
    from fieldcheck.extensions import db
    from fieldcheck.reports.draft_models import DraftComment
    from fieldcheck.reports.models import Report
    from fieldcheck.reports.operations import proposals_for
    from fieldcheck.reports.text import report_sha256

    org, unit = people["org"], people["shiqiao"]
    assert first_draft(unit).status_code == 302
    d = drafting(app)
    assert (d.state, d.round, d.slug) == ("submitted", 1, "shiqiao-township")
    # The contact drafts for its own unit only: the unit is theirs, not typed.
    with app.app_context():
        from fieldcheck.reports.draft_models import Drafting

        assert db.session.scalar(sa.select(Drafting)).unit.name == UNIT

    page = org.get(PAGE).get_data(as_text=True)
    assert "Round 1" in page and 'id="suggestions"' in page
    assert "Empty or inflated wording" in page and "meetings, documents or instructions" in page
    text1 = DRAFT_1.decode().strip()
    # One suggestion accepted, one dropped: the first becomes a comment, the second disappears.
    with app.app_context():
        from fieldcheck.reports.lint import lint_report

        findings = lint_report(text1).findings
    inflated = next(f for f in findings if f.code == "inflated_wording")
    process = next(f for f in findings if f.code == "process_counts")
    assert post(org, f"{PAGE}/suggestions", {"code": process.code, "start": process.start, "end": process.end,
                                             "decision": "accept"}, page=PAGE).status_code == 302
    assert post(org, f"{PAGE}/suggestions", {"code": inflated.code, "start": inflated.start, "end": inflated.end,
                                             "decision": "drop"}, page=PAGE).status_code == 302
    # Deciding the same suggestion again: refused, nothing more written.
    assert post(org, f"{PAGE}/suggestions", {"code": inflated.code, "start": inflated.start, "end": inflated.end,
                                             "decision": "accept"}, page=PAGE).status_code == 302
    assert rows(app, DraftComment) == 2
    # Two comments of the office's own: one on a passage that survives, one on a passage rewritten.
    assert post(org, f"{PAGE}/comments", {"passage": "新建河湾村党群服务中心1个", "body": "哪一天建成？"},
                page=PAGE).status_code == 302
    start = text1.index("镇党委高度重视")
    assert post(org, f"{PAGE}/comments", {"start": start, "end": start + 12, "body": "写具体做了什么"},
                page=PAGE).status_code == 302
    page = org.get(PAGE).get_data(as_text=True)
    assert "哪一天建成？" in page and "写具体做了什么" in page
    # Before the draft is returned the unit sees it, not yet the comments, and cannot upload.
    seen = unit.get(PAGE).get_data(as_text=True)
    assert "哪一天建成？" not in seen and "office is reviewing" in seen
    early = post(unit, f"{PAGE}/upload", {"upload": (io.BytesIO(DRAFT_2), "d2.md")}, page=PAGE,
                 content_type="multipart/form-data")
    assert early.status_code == 409 and drafting(app).round == 1

    assert post(org, f"{PAGE}/return", {}, page=PAGE).status_code == 302
    assert drafting(app).state == "returned"
    seen = unit.get(PAGE).get_data(as_text=True)
    assert "哪一天建成？" in seen and "meetings, documents or instructions" in seen
    assert 'id="comment-form"' not in seen and 'id="upload-form"' in seen
    # The same text again is refused; then the revised draft.
    same = post(unit, f"{PAGE}/upload", {"upload": (io.BytesIO(DRAFT_1), "d1.md")}, page=PAGE,
                content_type="multipart/form-data")
    assert same.status_code == 400 and "same as draft 1" in same.get_data(as_text=True)
    assert post(unit, f"{PAGE}/upload", {"upload": (io.BytesIO(DRAFT_2), "d2.md")}, page=PAGE,
                content_type="multipart/form-data").status_code == 302
    d = drafting(app)
    assert (d.state, d.round) == ("submitted", 2)

    page = org.get(PAGE).get_data(as_text=True)
    assert "Round 2" in page and "Changes from draft 1 to draft 2" in page
    carried = page.split('id="carried"')[1].split("</ol>")[0]
    gone = page.split('id="gone"')[1].split("</ol>")[0]
    assert "哪一天建成？" in carried and "写具体做了什么" not in carried
    assert "写具体做了什么" in gone and "meetings, documents or instructions" in gone
    # The carried comment is marked on its passage in the new draft, in the diff's right-hand column.
    assert '<mark class="comment">新建河湾村党群服务中心1个</mark>' in page
    diff = page.split('id="diff"')[1].split("</table>")[0]
    assert '<mark class="changed">3月至11月，在河湾村、东岭村整改软弱涣散党组织2个，两村党员大会参会率由61%提高到92%。</mark>' \
        in diff
    assert '<td class="old"><mark class="changed comment">全年召开党委会研究党建工作12次' in diff

    # A page of round 1 left open: its approval (and comment) is refused, nothing is filed.
    stale = post(org, f"{PAGE}/comments", {"passage": "老年食堂", "body": "x", "round": "1"}, page=PAGE)
    assert stale.status_code == 409 and "reload" in stale.get_data(as_text=True)
    assert post(org, f"{PAGE}/approve", {"round": "1"}, page=PAGE).status_code == 302
    assert drafting(app).state == "submitted" and rows(app, Report) == 1
    assert post(org, f"{PAGE}/approve", {"round": "2"}, page=PAGE).status_code == 302
    d = drafting(app)
    text2 = DRAFT_2.decode().strip()
    assert d.state == "filed" and d.filed_at is not None and d.filed_sha256 == report_sha256(text2)
    with app.test_request_context():
        report = db.session.scalar(sa.select(Report).where(Report.slug == "shiqiao-township"))
        assert report.id == d.report_id and report.sha256 == d.filed_sha256 and report.text == text2
        assert report.unit.name == UNIT and report.secretary == "李强"
        assert proposals_for(report)  # the claims editor works on it as on an imported report
        actions = set(db.session.scalars(sa.select(AuditEvent.action).where(AuditEvent.entity == "drafting")))
    assert actions >= {"drafting.start", "draft.comment", "draft.suggestion_accept", "draft.suggestion_drop",
                       "drafting.return", "drafting.upload", "drafting.file"}
    assert org.get(f"/cycles/2025/reports/shiqiao-township").status_code == 200
    page = org.get(PAGE).get_data(as_text=True)
    assert 'id="filed"' in page and d.filed_sha256 in page
    # Filed: nothing more is accepted.
    assert post(org, f"{PAGE}/approve", {}, page=PAGE).status_code == 302
    assert post(org, f"{PAGE}/comments", {"passage": "老年食堂", "body": "x"}, page=PAGE).status_code == 409
    assert rows(app, Report) == 2


def test_another_units_contact_gets_403_and_sees_none_of_it(app, people):
    assert first_draft(people["shiqiao"]).status_code == 302
    other = people["other"]
    assert other.get(PAGE).status_code == 403
    refused = post(other, f"{PAGE}/upload", {"text": "二稿"}, page=BASE)
    assert refused.status_code == 403
    assert "shiqiao-township" not in other.get(BASE).get_data(as_text=True)
    assert "shiqiao-township" in people["org"].get(BASE).get_data(as_text=True)
    for url in (f"{PAGE}/comments", f"{PAGE}/return", f"{PAGE}/approve", f"{PAGE}/suggestions"):
        assert post(people["shiqiao"], url, {}, page=BASE).status_code == 403, url
    assert people["exa"].get(PAGE).status_code == 403
    assert people["org"].get(f"{BASE}/no-such-draft").status_code == 404


@pytest.mark.parametrize("body,name,message", [
    (b"", "empty.md", "The report is empty"),
    (b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 8, "draft.png", "This kind of file cannot be read"),
    ("述职".encode("gbk") + b"\x81", "draft.txt", "not text in UTF-8 or GB18030"),
    ("述职".encode() * 1_000_000, "big.md", "too large"),
])
def test_a_bad_first_draft_is_refused_with_a_message_and_nothing_written(app, people, body, name, message):
    from fieldcheck.audit.models import AuditEvent
    from fieldcheck.reports.draft_models import Draft, Drafting

    events = rows(app, AuditEvent)
    response = first_draft(people["shiqiao"], body, name)
    assert response.status_code in (400, 413), response.status_code
    assert message in response.get_data(as_text=True)
    assert rows(app, Drafting) == 0 and rows(app, Draft) == 0 and rows(app, AuditEvent) == events


def test_a_comment_outside_the_text_or_blank_is_refused_and_nothing_written(app, people):
    from fieldcheck.reports.draft_models import DraftComment

    org = people["org"]
    assert first_draft(people["shiqiao"]).status_code == 302
    length = len(DRAFT_1.decode().strip())
    for data, message in (({"start": 5, "end": length + 3, "body": "x"}, "lies outside the draft"),
                          ({"start": 40, "end": 30, "body": "x"}, "lies outside the draft"),
                          ({"start": 0, "end": 5, "body": "   "}, "This field is required"),
                          ({"passage": "不存在的句子", "body": "x"}, "does not occur in the draft"),
                          ({"start": 0, "end": 5, "body": "长" * 2001}, "2000")):
        response = post(org, f"{PAGE}/comments", data, page=PAGE)
        assert response.status_code == 400 and message in response.get_data(as_text=True), data
    assert rows(app, DraftComment) == 0


def test_a_second_drafting_with_a_short_name_taken_is_refused(app, people):
    from fieldcheck.reports.draft_models import Drafting

    assert first_draft(people["shiqiao"], slug="qingshan-county").status_code == 400  # a report has it
    assert first_draft(people["shiqiao"]).status_code == 302
    assert first_draft(people["org"]).status_code == 400
    assert rows(app, Drafting) == 1


def test_the_drafting_pages_are_in_chinese_by_default(app, people):
    zh = app.test_client()
    login(zh, "shiqiao")
    first_draft(zh)
    page = zh.get(PAGE).get_data(as_text=True)
    assert "第 1 轮" in page
