"""The Chinese interface shows no English phrase: every role's main pages, and the command line's errors.

A page's visible text is its text nodes (without <script>/<style>, and without <textarea> contents:
what a form field holds is the user's data, e.g. each aspect's English name in the aspect lines)
and the attribute values a person sees: placeholder, title, aria-label, alt, the value of buttons
and of <datalist> suggestions. An English phrase is two or more alphabetic words of 2+ letters in
a row, or one word used as a label before a figure or Chinese text ("quantity 2个"); the few that
are data or fixed notation, not interface, are allowed below, each with its reason.
"""

from __future__ import annotations

import io
import re
import uuid
from datetime import timedelta
from html.parser import HTMLParser

import sqlalchemy as sa
from helpers import csrf_token, login

from story import FIXTURES, build_world

ENGLISH_PHRASE = re.compile(r"(?<![\w/.=-])[A-Za-z]{2,}(?:[ \t\u00a0]+[A-Za-z]{2,})+(?![\w/=-])")

# A single English word used as a label before a figure or Chinese text ("quantity 2个", "action 新建").
ENGLISH_LABEL = re.compile(r"(?<![\w/.=-])[A-Za-z]{3,}:?[ \t\u00a0]+(?=[0-9\u4e00-\u9fff])")

ALLOWED = (
    # tests/story.py names its cycle "2025 test cycle": data typed by an organizer, not interface text
    re.compile(r"^test cycle$"),
    # the camera make and model read from the fixture photo's EXIF: data, shown as recorded
    re.compile(r"^NIKON COOLPIX$"),
    # the Unicode normalization form the public draw rule cites, and the language of its script
    re.compile(r"^(?:Unicode NFC|NFC|Python)$"),
    # the place list's CSV column names, which the file must carry as written, and the format's name
    re.compile(r"^(?:name|kind|parent|lat|lon|crs|CSV)$"),
    # the commands typed to check an export package, and the Python package the checker needs
    re.compile(r"^(?:fieldcheck export verify|pip install cryptography|cryptography)$"),
)

SHOWN_ATTRIBUTES = ("placeholder", "title", "aria-label", "alt")


class VisibleText(HTMLParser):
    """The text a person reads on a page, one chunk per text node or shown attribute."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.chunks: list[str] = []
        self._hidden = 0
        self._datalist = 0

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag in ("script", "style", "template", "textarea"):
            self._hidden += 1
        if tag == "datalist":
            self._datalist += 1
        for name in SHOWN_ATTRIBUTES:
            if attrs.get(name):
                self.chunks.append(attrs[name])
        shown_value = (tag == "button" or (tag == "input" and (attrs.get("type") or "").lower()
                                           in ("submit", "button", "reset"))
                       or (tag == "option" and self._datalist))
        if shown_value and attrs.get("value"):
            self.chunks.append(attrs["value"])

    def handle_endtag(self, tag):
        if tag in ("script", "style", "template", "textarea") and self._hidden:
            self._hidden -= 1
        if tag == "datalist" and self._datalist:
            self._datalist -= 1

    def handle_data(self, data):
        if not self._hidden and data.strip():
            self.chunks.append(data)


def english_phrases(text: str) -> list[str]:
    found = []
    for m in (*ENGLISH_PHRASE.finditer(text), *ENGLISH_LABEL.finditer(text)):
        phrase = " ".join(m.group().split())
        if not any(a.search(phrase) for a in ALLOWED):
            found.append(phrase)
    return found


def page_phrases(html: str) -> list[str]:
    parser = VisibleText()
    parser.feed(html)
    return [p for chunk in parser.chunks for p in english_phrases(chunk)]


def test_the_detector_finds_english_and_leaves_notation_alone():
    html = ("<p>考核员 Nothing was imported.</p><script>var a = 'two words';</script>"
            "<input placeholder='Search here'><button value='go now'>提交</button>"
            "<p class=mono>2025/qingshan-county/7 · SHA-256 · fieldcheck-draw/1 strata=report min=3 · 12 km</p>")
    assert page_phrases(html) == ["Nothing was imported", "Search here", "go now"]
    assert page_phrases("<p>test cycle</p>") == []
    assert page_phrases("<small>quantity 2个; action 新建; place 清河镇</small>") == ["quantity", "action", "place"]


def submit_visit(app, client, task_id) -> int:
    """The examiner submits a plain-form visit (as the phone does without JavaScript)."""
    from fieldcheck.assignment.models import Task
    from fieldcheck.db import utcnow
    from fieldcheck.extensions import db

    with app.app_context():
        qids = [q.id for q in db.session.get(Task, task_id).claim.report.cycle.questions]
    data = {"csrf_token": csrf_token(client, "/tasks"), "client_uuid": str(uuid.uuid4()), "finding": "verified",
            "lat": "30.0", "lon": "120.0", "accuracy_m": "20",
            "started_at": (utcnow() - timedelta(minutes=30)).isoformat(),
            "photos": (io.BytesIO((FIXTURES / "photos" / "gps_DSCN0010.jpg").read_bytes()), "p.jpg"),
            "interview-0-respondent": "resident", **{f"interview-0-q{q}": "4" for q in qids}}
    r = client.post(f"/tasks/{task_id}", data=data, content_type="multipart/form-data")
    assert r.status_code == 302, r.get_data(as_text=True)[:2000]
    with app.app_context():
        return db.session.get(Task, task_id).latest.id


def draft_report_with_proposals(app) -> tuple[str, str]:
    """A second, draft cycle whose report still has its machine proposals open."""
    from fieldcheck.cycles.operations import create_cycle
    from fieldcheck.extensions import db
    from fieldcheck.reports.operations import import_report, report_text_from_input

    with app.test_request_context():
        cycle = create_cycle("2026", "2026年度述职评议", min_per_stratum=3)
        text = report_text_from_input(None, (FIXTURES / "reports" / "qingshan-county-2025.md").read_bytes())
        import_report(cycle, unit_name="中共青山县委", secretary="张明", title="", slug="qingshan-county", text=text)
        db.session.commit()
    return "2026", "qingshan-county"


def drafting_in_second_round(app, code: str) -> str:
    """A drafting of the draft cycle in its second round, with a comment carried over and one gone."""
    from fieldcheck.accounts.models import User
    from fieldcheck.accounts.operations import create_user, set_user_unit
    from fieldcheck.cycles.models import Cycle
    from fieldcheck.extensions import db
    from fieldcheck.reports.drafts import add_comment, last_draft, return_draft, start_drafting, upload_next

    first = (FIXTURES / "drafts" / "shiqiao-draft-1.md").read_text(encoding="utf-8").strip()
    with app.test_request_context():
        org = db.session.scalar(sa.select(User).where(User.username == "org"))
        set_user_unit(create_user("shiqiao", "correct horse 1", ["unit"]), "中共青山县石桥镇委员会")
        cycle = db.session.scalar(sa.select(Cycle).where(Cycle.code == code))
        drafting = start_drafting(cycle, org, unit_name="中共青山县石桥镇委员会", secretary="李强", title="",
                                  slug="shiqiao", text=first)
        for passage in ("新建河湾村党群服务中心1个", "镇党委高度重视"):
            at = last_draft(drafting).text.index(passage)
            add_comment(drafting, org, at, at + len(passage), "请写具体")
        return_draft(drafting, org)
        upload_next(drafting, org, (FIXTURES / "drafts" / "shiqiao-draft-2.md").read_text(encoding="utf-8").strip())
        db.session.commit()
    return "shiqiao"


def issue_resident_code(client, task_id) -> str:
    token = csrf_token(client, "/tasks")
    client.post(f"/tasks/{task_id}/reveal", data={"csrf_token": token, "observed_qty": "1"})
    r = client.post(f"/tasks/{task_id}/qr", data={"csrf_token": token, "client_uuid": str(uuid.uuid4())})
    assert r.status_code == 200
    return re.search(r"/r/([A-Za-z0-9_-]+)", r.get_data(as_text=True)).group(1)


def test_no_english_phrase_on_the_main_pages(app):
    world = build_world(app)
    code, slug = world.cycle_code, world.report_slug
    draft_code, draft_slug = draft_report_with_proposals(app)

    pages: list[tuple[str, object, str]] = []  # (who, client, path)
    organizer, examiner, reviewer, public = (app.test_client() for _ in range(4))
    login(organizer, "org")
    login(examiner, "exa")
    login(reviewer, "rev")
    drafting = drafting_in_second_round(app, draft_code)
    unit_contact = app.test_client()
    login(unit_contact, "shiqiao")
    raw = issue_resident_code(examiner, world.task_ids[1])
    verification_id = submit_visit(app, examiner, world.task_ids[0])

    for path in ("/cycles/", f"/cycles/{code}", f"/cycles/{code}/reports/{slug}",
                 f"/cycles/{draft_code}/reports/{draft_slug}", f"/cycles/{draft_code}/reports/new",
                 f"/cycles/{code}/edit", "/places/", "/people", f"/cycles/{code}/draw", f"/cycles/{code}/assign",
                 f"/cycles/{code}/routes", f"/cycles/{code}/scores/", f"/cycles/{code}/grades",
                 f"/cycles/{code}/rules", f"/cycles/{code}/export/"):
        pages.append(("organizer", organizer, path))
    for path in (f"/cycles/{draft_code}/reports/drafts", f"/cycles/{draft_code}/reports/drafts/{drafting}"):
        pages.append(("organizer", organizer, path))
        pages.append(("unit", unit_contact, path))
    for path in ("/tasks", f"/tasks/{world.task_ids[2]}"):
        pages.append(("examiner", examiner, path))
    for path in ("/review/", f"/review/{verification_id}"):
        pages.append(("reviewer", reviewer, path))
    for path in ("/", f"/p/{code}", f"/p/{code}/{slug}", f"/r/{raw}", "/login", "/export-key"):
        pages.append(("public", public, path))

    problems = {}
    for who, client, path in pages:
        response = client.get(path)
        assert response.status_code == 200, (who, path, response.status_code)
        html = response.get_data(as_text=True)
        assert 'lang="zh-CN"' in html, (who, path)
        found = page_phrases(html)
        if found:
            problems[f"{who} {path}"] = sorted(set(found))
    # The API token page, with a token listed and the new one's secret shown once.
    made = organizer.post("/api-tokens", data={"csrf_token": csrf_token(organizer, "/api-tokens"), "cycle": code,
                                               "name": "评分引擎", "expires": "90d"})
    assert made.status_code == 200
    for path, html in (("POST /api-tokens", made.get_data(as_text=True)),
                       ("/api-tokens", organizer.get("/api-tokens").get_data(as_text=True))):
        found = page_phrases(html)
        if found:
            problems[f"organizer {path}"] = sorted(set(found))
    # the proposals' reasons are on the draft report's page
    assert "数量" in organizer.get(f"/cycles/{draft_code}/reports/{draft_slug}").get_data(as_text=True)
    assert not problems, f"English in the Chinese interface: {problems}"


BAD_PLACES = ("name,kind,parent,lat,lon,crs\n"
              "柳树村,village,清河镇,30.1,120.2,wgs84\n"
              "杏花村,village,,91,120.2,wgs84\n"
              "杏花村,village,,30.1,abc,utm\n"
              "桃园村,village\n")

BAD_FRAME = "public_id,stratum,aspect\n2025/a/1,a,organization\n2025/a/1,a,organization\n"


def test_no_english_phrase_in_the_command_line_errors(app, tmp_path, monkeypatch):
    build_world(app)
    monkeypatch.setenv("FIELDCHECK_LANG", "zh")
    runner = app.test_cli_runner()
    places = tmp_path / "places.csv"
    places.write_text(BAD_PLACES, encoding="utf-8")
    frame = tmp_path / "frame.csv"
    frame.write_text(BAD_FRAME, encoding="utf-8")
    good_frame = tmp_path / "frame-ok.csv"
    good_frame.write_text("public_id,stratum,aspect\n2025/a/1,a,organization\n", encoding="utf-8")
    sample = tmp_path / "sample.csv"
    sample.write_text("stratum,rank,public_id,ticket,reason\n", encoding="utf-8")
    report = tmp_path / "report.md"
    report.write_text((FIXTURES / "reports" / "qingshan-county-2025.md").read_text("utf-8"), encoding="utf-8")

    invocations = [
        ["cycle", "close", "no-such-cycle", "--as", "org"],
        ["cycle", "close", "2025"],
        ["tasks", "assign", "2025", "--examiner", "ghost", "--as", "org"],
        ["places", "import", str(places), "--as", "org"],
        ["sample", "draw", "2025", "--seed", "1234 5678", "--as", "org"],
        ["sample", "verify", "--frame", str(frame), "--seed", "1234"],
        ["sample", "verify", "--frame", str(good_frame), "--seed", "   "],
        ["sample", "verify", "--frame", str(good_frame), "--seed", "1234", "--method", "nonsense"],
        ["sample", "verify", "--frame", str(good_frame), "--seed", "1234", "--extend", "b=2"],
        ["sample", "verify", "--frame", str(good_frame), "--seed", "1234", "--compare", str(sample)],
        ["users", "unit", "ghost", "中共青山县委", "--as", "org"],
        ["claims", "accept", "2025", "no-such-report", "--as", "org"],
        ["claims", "propose", str(report)],
    ]
    problems = {}
    for args in invocations:
        result = runner.invoke(args=args)
        output = result.output  # click 8.2+: stdout and stderr, as a person sees them
        if args[:2] != ["claims", "propose"]:
            assert result.exit_code == 1, (args, result.exit_code, output)
        # "Error:" is click's own one-word prefix
        found = english_phrases(output)
        if found or not re.search(r"[\u4e00-\u9fff]", output):
            problems[" ".join(a.rsplit("/", 1)[-1] for a in args)] = sorted(set(found)) or output
    assert not problems, f"English in the Chinese command line: {problems}"


def test_every_coded_message_reads_as_chinese(tmp_path):
    """Each place-list problem, proposal reason and frame problem worded in zh (no database needed)."""
    from fieldcheck import create_app
    from fieldcheck.places.csvimport import ERROR_CODES
    from fieldcheck.places.operations import place_error_text
    from fieldcheck.reports.operations import reason_text
    from fieldcheck.reports.propose import REASON_CODES
    from fieldcheck.sampling.cli import FRAME_ERRORS

    figures = {"expected": "name,kind,parent,lat,lon,crs", "got": "名称,类型", "name": "柳树村", "parent": "清河镇",
               "first_line": "2", "value": "91", "column": "lat", "allowed": "wgs84, gcj02, bd09", "count": "2",
               "qty": "12", "unit": "个", "verb": "新建", "public_id": "2025/qingshan-county/7"}
    app = create_app({"SQLALCHEMY_DATABASE_URI": "sqlite://", "TESTING": True, "SECRET_KEY": "x",
                      "UPLOAD_FOLDER": str(tmp_path)})
    with app.test_request_context():
        texts = [place_error_text(code, figures) for code in ERROR_CODES]
        texts += [place_error_text("duplicate_name", {**figures, "parent": ""})]
        texts += [reason_text(code, figures) for code in REASON_CODES]
        texts += [word(figures) for word in FRAME_ERRORS.values()]
    for text in texts:
        assert re.search(r"[\u4e00-\u9fff]", text) and not english_phrases(text), text
