"""Rectification: items from the findings (once), the unit's own view and nothing of other units, overdue
computed, sign-off only by an organizer, all or nothing on bad input, the reminder talk from the grade, the CLI,
and next year's carry-over into the new cycle's frame as the stratum 整改核查."""

from __future__ import annotations

import io
import json
import uuid
from datetime import date, timedelta

import sqlalchemy as sa
from helpers import csrf_token, login

from story import FIXTURES, PASSWORD, SEED, build_world

PHOTO = FIXTURES / "photos" / "phone_nokia_8_3.jpg"


def users(*names):
    from fieldcheck.accounts.models import User
    from fieldcheck.extensions import db

    return [db.session.scalar(sa.select(User).where(User.username == n)) for n in names]


def hand_built_findings(app, world) -> dict:
    """Four drawn claims: partly found (with a reviewer's note), verified, rejected with a flag, not visited;
    and a public lead the organizer confirmed, one left unread."""
    from fieldcheck.assignment.models import Task
    from fieldcheck.evidence.models import Flag
    from fieldcheck.extensions import db
    from fieldcheck.field.models import Verification
    from fieldcheck.reports.models import Feedback
    from fieldcheck.review.models import Review

    with app.app_context():
        exa, rev = users("exa", "rev")
        tasks = [db.session.get(Task, t) for t in world.task_ids[:4]]
        for task, finding, decision, reason in ((tasks[0], "partly", "approve", "只建成一半，门牌与报告不符"),
                                                (tasks[1], "verified", "approve", ""),
                                                (tasks[2], "verified", "reject", "")):
            v = Verification(client_uuid=str(uuid.uuid4()), task_id=task.id, examiner_id=exa.id, finding=finding)
            db.session.add(v)
            db.session.flush()
            task.latest_verification_id = v.id
            db.session.add(Review(verification_id=v.id, reviewer_id=rev.id, decision=decision, reason=reason))
            task.state = "approved" if decision == "approve" else "rejected"
            if decision == "reject":
                db.session.add(Flag(verification_id=v.id, code="far_from_place", figures="{}"))
        db.session.add(Feedback(claim_id=tasks[0].claim_id, text="村民反映路灯不亮", status="confirmed"))
        db.session.add(Feedback(claim_id=tasks[1].claim_id, text="未核实的线索", status="new"))
        db.session.commit()
        return {"claims": [t.claim.public_id for t in tasks]}


def items_of(app):
    from fieldcheck.extensions import db
    from fieldcheck.rectification.models import RectificationItem

    with app.app_context():
        return [(i.source, i.finding, i.source_label, i.problem)
                for i in db.session.scalars(sa.select(RectificationItem).order_by(RectificationItem.id))]


def test_items_come_from_the_findings_once_each_saying_where_they_came_from(app):
    from fieldcheck.audit.models import AuditEvent
    from fieldcheck.cycles.models import Cycle
    from fieldcheck.extensions import db

    world = build_world(app)
    scene = hand_built_findings(app, world)
    org = app.test_client()
    login(org, "org")
    token = csrf_token(org, "/")
    url = f"/cycles/{world.cycle_code}/reports/{world.report_slug}/rectification"
    assert org.post(f"{url}/generate", data={"csrf_token": token, "deadline": "2030-06-30"}).status_code == 302
    found = items_of(app)
    kinds = sorted((source, finding, label) for source, finding, label, _p in found)
    p0, _p1, p2, _p3 = scene["claims"]
    # Before close: the partly found claim, the flag the reviewer confirmed by rejecting, the confirmed lead,
    # the reviewer's note. The verified claim, the unread lead, the claim not yet visited: nothing.
    assert kinds == sorted([("claim", "partly", p0), ("flag", "far_from_place", p2), ("lead", "lead", p0),
                            ("note", "note", p0)])
    assert ("note", "note", p0, "只建成一半，门牌与报告不符") in found
    # Again: nothing added, nothing recorded.
    assert org.post(f"{url}/generate", data={"csrf_token": token}).status_code == 302
    assert len(items_of(app)) == 4
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(AuditEvent)
                                 .where(AuditEvent.action == "rectification.generate")) == 1
        # At close, a drawn claim without an approved visit is a finding too (rejected, or not visited).
        db.session.execute(sa.update(Cycle).values(state="closed"))
        db.session.commit()
    result = app.test_cli_runner().invoke(args=["rectification", "generate", world.cycle_code, "--as", "org"])
    assert result.exit_code == 0, result.output
    added = sorted((s, f, label) for s, f, label, _p in items_of(app)[4:])
    not_visited = [("claim", "not_visited", pid) for pid in scene["claims"][3:4]]
    assert ("claim", "rejected", p2) in added and set(not_visited) <= set(added)
    assert all(f in ("rejected", "not_visited") for _s, f, _l in added)
    # The unit's page names no reviewer and no examiner.
    unitc = unit_contact(app, "unitc", "中共青山县委")
    page = unitc.get(url).get_data(as_text=True)
    assert "只建成一半" in page and "rev" not in page.split("<main>")[1] and "exa" not in page.split("<main>")[1]


def unit_contact(app, name, unit):
    from fieldcheck.accounts.operations import create_user, set_user_unit
    from fieldcheck.extensions import db

    with app.test_request_context():
        set_user_unit(create_user(name, PASSWORD, ["unit"]), unit)
        db.session.commit()
    client = app.test_client()
    login(client, name)
    return client


def other_unit_report(app):
    """A second cycle with a report of another unit, and one item on it."""
    from fieldcheck.cycles.operations import create_cycle
    from fieldcheck.extensions import db
    from fieldcheck.rectification.operations import add_item
    from fieldcheck.reports.operations import accept_proposals, import_report, report_text_from_input

    with app.test_request_context():
        cycle = create_cycle("other", "Another cycle", min_per_stratum=3)
        text = report_text_from_input(None, (FIXTURES / "reports" / "qingshan-county-2025.md").read_bytes())
        report = import_report(cycle, unit_name="中共白水县委", secretary="李华", title="", slug="baishui",
                               text=text)
        accept_proposals(report)
        item = add_item(report, None, "白水的问题")
        db.session.commit()
        return f"/cycles/other/reports/baishui/rectification", item.id


def test_a_unit_contact_sees_and_changes_nothing_of_another_unit(app):
    from fieldcheck.extensions import db
    from fieldcheck.rectification.models import RectificationItem

    world = build_world(app)
    mine = f"/cycles/{world.cycle_code}/reports/{world.report_slug}/rectification"
    theirs, their_item = other_unit_report(app)
    unitc = unit_contact(app, "unitc", "中共青山县委")
    unitd = unit_contact(app, "unitd", "中共白水县委")
    # Each contact's own item, with a photo.
    token_c = csrf_token(unitc, "/")
    assert unitc.post(f"{mine}/items", data={"csrf_token": token_c, "problem": "青山的问题"}).status_code == 302
    with app.app_context():
        my_item = db.session.scalar(sa.select(RectificationItem.id).where(RectificationItem.problem == "青山的问题"))
    assert unitc.post(f"{mine}/items/{my_item}", data={"csrf_token": token_c, "measure": "整改",
                                                       "photo": (io.BytesIO(PHOTO.read_bytes()), "p.jpg")},
                      content_type="multipart/form-data").status_code == 302
    with app.app_context():
        sha = db.session.get(RectificationItem, my_item).photos[0].sha256
    assert unitc.get(f"{mine}/items/{my_item}/photos/{sha}/thumb").status_code == 200
    token_d = csrf_token(unitd, "/")
    for method, url, body in (
            ("GET", mine, None), ("GET", f"{mine}/items/{my_item}", None),
            ("GET", f"{mine}/items/{my_item}/photos/{sha}/thumb", None),
            ("POST", f"{mine}/items", {"problem": "插入"}),
            ("POST", f"{mine}/items/{my_item}", {"measure": "改写"}),
            ("POST", f"{mine}/items/{my_item}/move", {"to": "done"})):
        response = unitd.get(url) if method == "GET" else unitd.post(url, data={"csrf_token": token_d, **body})
        assert response.status_code == 403, (method, url)
    for url in (theirs, f"{theirs}/items/{their_item}"):
        assert unitc.get(url).status_code == 403
    # Their item under my report's address: not found, never shown.
    assert unitc.get(f"{mine}/items/{their_item}").status_code == 404
    assert unitd.get(theirs).status_code == 200 and "白水的问题" in unitd.get(theirs).get_data(as_text=True)
    assert "青山的问题" not in unitd.get("/my-unit").get_data(as_text=True) + unitd.get(theirs).get_data(as_text=True)
    with app.app_context():
        item = db.session.get(RectificationItem, my_item)
        assert item.measure == "整改" and item.state == "open"
        assert db.session.scalar(sa.select(sa.func.count()).select_from(RectificationItem)) == 2


def test_overdue_is_computed_and_stands_out_and_only_an_organizer_signs_off(app):
    from fieldcheck.audit.models import AuditEvent
    from fieldcheck.extensions import db
    from fieldcheck.rectification.models import RectificationItem

    world = build_world(app)
    base = f"/cycles/{world.cycle_code}/reports/{world.report_slug}/rectification"
    unitc = unit_contact(app, "unitc", "中共青山县委")
    token = csrf_token(unitc, "/")
    yesterday, later = date.today() - timedelta(days=2), date.today() + timedelta(days=30)
    for problem, deadline in (("逾期的问题", yesterday), ("未到期的问题", later)):
        assert unitc.post(f"{base}/items", data={"csrf_token": token, "problem": problem, "measure": "",
                                                 "deadline": deadline.isoformat()}).status_code == 302
    with app.app_context():
        late, soon = db.session.scalars(sa.select(RectificationItem.id).order_by(RectificationItem.id)).all()
        assert db.session.get(RectificationItem, late).state == "open"  # stored state; overdue is computed
    runner = app.test_cli_runner()
    overdue = json.loads(runner.invoke(args=["rectification", "list", world.cycle_code, "--overdue", "--json"]).output)
    assert [(r["id"], r["status"]) for r in overdue] == [(late, "overdue")]
    every = json.loads(runner.invoke(args=["rectification", "list", world.cycle_code, "--unit", "中共青山县委",
                                           "--json"]).output)
    assert {r["id"]: r["status"] for r in every} == {late: "overdue", soon: "open"}
    assert json.loads(runner.invoke(args=["rectification", "list", world.cycle_code, "--unit", "别的单位",
                                          "--json"]).output) == []
    assert "rect-overdue-card" in unitc.get(base).get_data(as_text=True)
    org = app.test_client()
    login(org, "org")
    listing = org.get(f"/cycles/{world.cycle_code}/rectification").get_data(as_text=True)
    assert listing.count('class="rect-overdue"') == 1
    # Done needs a measure; the unit marks it done; only an organizer signs off.
    item = f"{base}/items/{late}"
    unitc.post(f"{item}/move", data={"csrf_token": token, "to": "done"})
    with app.app_context():
        assert db.session.get(RectificationItem, late).state == "open"
    unitc.post(item, data={"csrf_token": token, "measure": "已经更新公开栏", "progress": "完成"})
    unitc.post(f"{item}/move", data={"csrf_token": token, "to": "done"})
    assert unitc.post(f"{item}/move", data={"csrf_token": token, "to": "signed_off"}).status_code == 302
    with app.app_context():
        row = db.session.get(RectificationItem, late)
        assert row.state == "done" and row.signed_off_at is None
    # Done, but not signed off and late: still overdue.
    assert [r["id"] for r in json.loads(runner.invoke(
        args=["rectification", "list", world.cycle_code, "--overdue", "--json"]).output)] == [late]
    org.post(f"{item}/move", data={"csrf_token": csrf_token(org, "/"), "to": "signed_off"})
    with app.app_context():
        row = db.session.get(RectificationItem, late)
        assert row.state == "signed_off" and row.signed_off_by_id is not None
        assert db.session.scalar(sa.select(sa.func.count()).select_from(AuditEvent)
                                 .where(AuditEvent.action == "rectification.signed_off")) == 1
    statuses = {r["id"]: r["status"] for r in json.loads(
        runner.invoke(args=["rectification", "list", world.cycle_code, "--json"]).output)}
    assert statuses[late] == "done"
    # Signed off: the unit can no longer change it.
    assert unitc.post(item, data={"csrf_token": token, "measure": "改写"}).status_code == 400
    with app.app_context():
        assert db.session.get(RectificationItem, late).measure == "已经更新公开栏"


def test_bad_input_changes_nothing(app):
    from fieldcheck.evidence.models import Photo
    from fieldcheck.extensions import db
    from fieldcheck.rectification.models import RectificationItem, rectification_photo

    world = build_world(app)
    base = f"/cycles/{world.cycle_code}/reports/{world.report_slug}/rectification"
    unitc = unit_contact(app, "unitc", "中共青山县委")
    token = csrf_token(unitc, "/")
    assert unitc.post(f"{base}/items", data={"csrf_token": token, "problem": "问题", "measure": "措施"}).status_code == 302
    with app.app_context():
        item_id = db.session.scalar(sa.select(RectificationItem.id))
    url = f"{base}/items/{item_id}"
    for body, message in (
            ({"measure": "新措施", "photo": (io.BytesIO(b"not a photo at all"), "x.jpg")}, "不是照片"),
            ({"measure": "新措施", "deadline": "2030-13-45"}, "YYYY-MM-DD"),
            ({"measure": "新措施", "responsible": "长" * 101}, "100"),
            ({"measure": "a\x00b"}, "")):  # the guard refuses control characters first
        response = unitc.post(url, data={"csrf_token": token, **body}, content_type="multipart/form-data")
        assert response.status_code == 400 and message in response.get_data(as_text=True), body
    refused = unitc.post(f"{base}/items", data={"csrf_token": token, "problem": "  "})
    assert refused.status_code == 400
    with app.app_context():
        item = db.session.get(RectificationItem, item_id)
        assert (item.measure, item.deadline, item.responsible) == ("措施", None, "")
        assert db.session.scalar(sa.select(sa.func.count()).select_from(RectificationItem)) == 1
        assert db.session.scalar(sa.select(sa.func.count()).select_from(rectification_photo)) == 0
        assert db.session.scalar(sa.select(sa.func.count()).select_from(Photo).where(
            Photo.uploaded_by_id == users("unitc")[0].id)) == 0


def test_a_grade_of_yiban_calls_for_a_reminder_talk_recorded_by_the_organizer(app):
    from fieldcheck.audit.models import AuditEvent
    from fieldcheck.cycles.models import Cycle
    from fieldcheck.extensions import db
    from fieldcheck.rectification.models import ReminderTalk

    world = build_world(app)
    with app.app_context():
        db.session.execute(sa.update(Cycle).values(state="review"))
        db.session.commit()
    org = app.test_client()
    login(org, "org")
    token = csrf_token(org, "/")
    org.post(f"/cycles/{world.cycle_code}/grades/{world.report_slug}",
             data={"csrf_token": token, "grade": "一般", "reason": "问题较多"})
    with app.app_context():
        talk = db.session.scalar(sa.select(ReminderTalk))
        assert talk.grade == "一般" and talk.held_on is None
    base = f"/cycles/{world.cycle_code}/reports/{world.report_slug}/rectification"
    org.post(f"{base}/talk", data={"csrf_token": token, "held_on": "2026-03-02", "held_by": "市委组织部部长",
                                   "record": "指出问题，提出限期整改要求"})
    # Deciding again (差) keeps the one talk.
    org.post(f"/cycles/{world.cycle_code}/grades/{world.report_slug}",
             data={"csrf_token": token, "grade": "差", "reason": "复核"})
    with app.app_context():
        [talk] = db.session.scalars(sa.select(ReminderTalk)).all()
        assert (talk.held_on, talk.held_by) == (date(2026, 3, 2), "市委组织部部长")
        assert db.session.scalar(sa.select(sa.func.count()).select_from(AuditEvent)
                                 .where(AuditEvent.action.in_(("talk.create", "talk.update")))) == 2
    unitc = unit_contact(app, "unitc", "中共青山县委")
    page = unitc.get(base).get_data(as_text=True)
    assert "约谈提醒" in page and "指出问题，提出限期整改要求" in page and "差" in page
    [row] = json.loads(app.test_cli_runner().invoke(args=["grade", world.cycle_code, "--json"]).output)
    assert row["rectification_items"] == 0 and row["talk_required"] is True
    org.post(f"{base}/items", data={"csrf_token": token, "problem": "问题"})
    [row] = json.loads(app.test_cli_runner().invoke(args=["grade", world.cycle_code, "--json"]).output)
    assert row["rectification_items"] == 1


def test_next_year_carries_the_units_items_and_puts_one_into_the_frame_as_its_own_stratum(app):
    from fieldcheck.cycles.operations import create_cycle
    from fieldcheck.extensions import db
    from fieldcheck.rectification.models import CarriedItem, RectificationItem
    from fieldcheck.reports.models import Claim
    from fieldcheck.reports.operations import accept_proposals, import_report, report_text_from_input
    from fieldcheck.sampling.models import SampleItem
    from fieldcheck.sampling.operations import draw_cycle_sample, frame_rows, publish_cycle
    from fieldcheck.rectification.operations import add_item

    world = build_world(app)
    with app.test_request_context():
        report = db.session.scalar(sa.select(Claim)).report
        open_item = add_item(report, None, "公开栏未更新")
        long_done = add_item(report, None, "早已整改完毕")
        long_done.state, long_done.signed_off_at = "signed_off", report.cycle.created_at - timedelta(days=800)
        recent = add_item(report, None, "去年刚整改")
        recent.state, recent.signed_off_at = "signed_off", report.cycle.created_at
        db.session.commit()
        ids = (open_item.id, long_done.id, recent.id)
        nxt = create_cycle("2026", "2026 cycle", min_per_stratum=3)
        nxt.created_at = report.cycle.created_at + timedelta(days=365)
        text = report_text_from_input(None, (FIXTURES / "reports" / "qingshan-county-2025.md").read_bytes())
        new_report = import_report(nxt, unit_name="中共青山县委", secretary="张明", title="", slug="qingshan-2026",
                                   text=text)
        accept_proposals(new_report)
        db.session.commit()
    org = app.test_client()
    login(org, "org")
    token = csrf_token(org, "/")
    for _ in range(2):  # idempotent
        assert org.post("/cycles/2026/rectification/carried", data={"csrf_token": token}).status_code == 302
    with app.app_context():
        carried = db.session.scalars(sa.select(CarriedItem).order_by(CarriedItem.item_id)).all()
        assert [c.item_id for c in carried] == [ids[0], ids[2]]  # open, and signed off within the year
        first = carried[0].id
    page = org.get("/cycles/2026/rectification/carried").get_data(as_text=True)
    assert "公开栏未更新" in page and "去年刚整改" in page and "早已整改完毕" not in page
    beside = org.get("/cycles/2026/reports/qingshan-2026/rectification").get_data(as_text=True)
    assert "往年结转的整改事项" in beside and "公开栏未更新" in beside and "早已整改完毕" not in beside
    org.post(f"/cycles/2026/rectification/carried/{first}", data={"csrf_token": token, "answered": "no",
                                                                   "note": "报告未提及"})
    org.post(f"/cycles/2026/rectification/carried/{first}/frame", data={"csrf_token": token})
    again = org.post(f"/cycles/2026/rectification/carried/{first}/frame", data={"csrf_token": token},
                     follow_redirects=True)
    assert "已在抽样框中" in again.get_data(as_text=True)
    with app.test_request_context():
        from fieldcheck.cycles.models import Cycle

        c = db.session.get(CarriedItem, first)
        assert c.answered is False and c.note == "报告未提及" and c.claim.aspect.code == "rectification"
        assert c.claim.report.slug == "qingshan-2026" and c.claim.start >= len(c.claim.report.text)
        cycle = db.session.scalar(sa.select(Cycle).where(Cycle.code == "2026"))
        publish_cycle(cycle)
        rows = frame_rows(cycle)
        assert [r.stratum for r in rows].count("整改核查") == 1
        assert {r.stratum for r in rows} == {"整改核查", "qingshan-2026"}
        draw_cycle_sample(cycle, SEED)
        db.session.commit()
        drawn = db.session.scalar(sa.select(SampleItem).where(SampleItem.stratum == "整改核查"))
        assert drawn is not None and drawn.claim_id == c.claim_id
        assert db.session.get(RectificationItem, ids[0]).state == "open"
    # The claim has a task like any drawn claim, and the public report page still shows the text.
    assert app.test_client().get("/p/2026/qingshan-2026").status_code == 200
    refused = org.post(f"/cycles/2026/rectification/carried/{carried[1].id}/frame", data={"csrf_token": token},
                       follow_redirects=True)
    assert "抽样框已冻结" in refused.get_data(as_text=True)
