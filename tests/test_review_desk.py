"""The reviewer's desk: queue filters and counts, keyset pages, reason codes, the second reviewer,
bulk approval of items without warnings, and the review page's evidence (photos by number, plot, zone)."""

from __future__ import annotations

import re

import pytest
import sqlalchemy as sa
from helpers import csrf_token, login
from test_flags_review import submit

from story import build_world


@pytest.fixture
def desk(app):
    """Three submitted visits: one far away with warnings (Tuscany), two at the place; people signed in."""
    from fieldcheck.assignment.models import Task
    from fieldcheck.extensions import db

    world = build_world(app)
    clients = {}
    for name in ("exa", "rev", "multi", "org"):
        clients[name] = app.test_client()
        login(clients[name], name)
    with app.app_context():
        tasks = [db.session.get(Task, i) for i in world.task_ids]
        placed = [t for t in tasks if t.claim.place is not None]
        chosen = placed[:2] + [t for t in tasks if t not in placed[:2]][:1]
        ids = [t.id for t in chosen]
        home = placed[0].claim.place.wgs84()
        places = [t.claim.place.wgs84() if t.claim.place else home for t in chosen]
    far, _ = submit(app, clients["exa"], ids[0], lat=43.4674, lon=11.8851, photo="gps_DSCN0010.jpg",
                    interviews=3, ratings=(5, 5, 5))
    near = []
    for task_id, place, photo in zip(ids[1:], places[1:], ("nogps_canon_40d.jpg", "phone_nokia_8_3.jpg")):
        vid, _ = submit(app, clients["exa"], task_id, lat=place[0], lon=place[1], photo=photo, interviews=3,
                        ratings=(4, 5, 3))
        near.append(vid)
    with app.app_context():
        from fieldcheck.evidence.models import Flag
        from fieldcheck.field.models import Verification

        # The near visits carry only photo-side warnings from the fixtures' cameras; clear them so the
        # scene has warning-free items, as a clean visit would be.
        db.session.execute(sa.delete(Flag).where(Flag.verification_id.in_(near)))
        db.session.commit()
        assert db.session.get(Verification, far).flags
    return {"clients": clients, "far": far, "near": near, "world": world}


def hrefs(page: str) -> list[int]:
    return [int(v) for v in re.findall(r'<li class="card[^"]*"><a href="/review/(\d+)', page)]


def test_the_queue_filters_counts_and_pages_oldest_first(app, desk):
    from fieldcheck.accounts.models import User
    from fieldcheck.extensions import db
    from fieldcheck.review.queue import Filters, queue_counts, queue_page

    rev = desk["clients"]["rev"]
    page = rev.get("/review/").get_data(as_text=True)
    assert hrefs(page) == sorted([desk["far"], *desk["near"]])  # oldest first
    assert 'id="queue-total">3<' in page
    flagged = rev.get("/review/?flag=far_from_place").get_data(as_text=True)
    assert hrefs(flagged) == [desk["far"]]
    assert hrefs(rev.get("/review/?flag=none").get_data(as_text=True)) == desk["near"]
    assert hrefs(rev.get("/review/?age=1").get_data(as_text=True)) == []  # nothing waits a day yet
    with app.test_request_context():
        user = db.session.scalar(sa.select(User).where(User.username == "rev"))
        counts = queue_counts(user)
        assert counts.total == 3 and counts.no_flag == 2 and counts.flags["far_from_place"] == 1
        assert counts.ages == {1: 0, 3: 0, 7: 0} and counts.disagree == 0 and counts.pending == 0
        assert [n for _i, _name, n in counts.examiners] == [3]
        first, after = queue_page(user, Filters(), size=2)
        second, end = queue_page(user, Filters(), after=after, size=2)
        assert [r.verification_id for r in first + second] == sorted([desk["far"], *desk["near"]])
        assert end is None and first[0].flags > 0 and second[0].flags == 0


def test_the_review_page_names_photos_by_number_plots_the_evidence_and_gives_times_in_the_cycle_zone(desk):
    page = desk["clients"]["rev"].get(f"/review/{desk['far']}").get_data(as_text=True)
    assert "照片1" in page and 'id="photo-1"' in page
    warnings = page[page.index('id="flags"'):page.index('id="location"')]
    assert not re.search(r"[0-9a-f]{12}", warnings)  # no photo named by its hash
    assert '<svg id="plot"' in page and 'class="pt-photo"' in page
    # The far photo is about 8,500 km from the claimed place (which village depends on the draw).
    assert re.search(r"8,[45][0-9]{2} km", page), re.findall(r"[0-9,.]+ k?m", page)
    near = desk["clients"]["rev"].get(f"/review/{desk['near'][0]}").get_data(as_text=True)
    assert 'class="accuracy"' in near and 'class="pt-geotag"' in near and 'class="pt-place"' in near
    assert "Asia/Shanghai, UTC+08:00" in page
    assert page.index('id="summary"') < page.index('id="flags"') < page.index('id="photos"')
    assert 'id="reason_code"' in page and "现场未找到申报事项" in page
    assert 'id="next-item"' in page


def decide(client, vid, **data):
    return client.post(f"/review/{vid}", data={"csrf_token": csrf_token(client, "/review/"), **data})


def state_of(app, vid):
    from fieldcheck.extensions import db
    from fieldcheck.field.models import Verification

    with app.app_context():
        return db.session.get(Verification, vid).task.state


def test_reason_codes_come_from_the_cycle_and_bad_ones_are_refused(app, desk):
    rev = desk["clients"]["rev"]
    r = decide(rev, desk["far"], decision="return", reason_code="no_such_reason", reason="")
    assert r.status_code == 400 and "请从列表中选择原因" in r.get_data(as_text=True)
    r = decide(rev, desk["far"], decision="return", reason_code="other", reason="")
    assert r.status_code == 400 and state_of(app, desk["far"]) == "submitted"
    r = decide(rev, desk["far"], decision="return", reason_code="count_differs", reason="")
    assert r.status_code == 302 and state_of(app, desk["far"]) == "returned"
    # The decision leads to the next item of the queue, not back to the list.
    assert re.search(r"/review/\d+$", r.headers["Location"])
    from fieldcheck.extensions import db
    from fieldcheck.field.models import Verification

    with app.app_context():
        v = db.session.get(Verification, desk["far"])
        assert v.reviews[-1].reason_code == "count_differs"
        assert v.task.return_reason == "数量与申报不符"


def test_a_rejection_waits_for_a_second_reviewer(app, desk):
    rev, multi = desk["clients"]["rev"], desk["clients"]["multi"]
    vid = desk["far"]
    assert decide(rev, vid, decision="reject", reason_code="not_found", reason="").status_code == 302
    assert state_of(app, vid) == "submitted"
    assert "须经另一名审核员确认后生效" in rev.get("/review/").get_data(as_text=True)
    assert f'href="/review/{vid}"' not in rev.get("/review/").get_data(as_text=True)  # the proposer waits
    r = decide(rev, vid, decision="reject", reason_code="not_found", reason="")
    assert r.status_code == 400 and state_of(app, vid) == "submitted"
    queue = multi.get("/review/?pending=1").get_data(as_text=True)
    assert hrefs(queue) == [vid]
    assert 'id="pending-rejection"' in multi.get(f"/review/{vid}").get_data(as_text=True)
    assert decide(multi, vid, decision="reject", reason_code="not_found", reason="").status_code == 302
    assert state_of(app, vid) == "rejected"


def test_a_second_reviewer_may_overrule_a_proposed_rejection(app, desk):
    rev, multi = desk["clients"]["rev"], desk["clients"]["multi"]
    vid = desk["far"]
    decide(rev, vid, decision="reject", reason_code="not_found", reason="")
    assert decide(multi, vid, decision="approve", reason_code="", reason="").status_code == 302
    assert state_of(app, vid) == "approved"


def test_bulk_approval_lists_only_items_without_warnings_and_asks_first(app, desk):
    rev = desk["clients"]["rev"]
    token = csrf_token(rev, "/review/")
    everything = [desk["far"], *desk["near"]]
    r = rev.post("/review/bulk-approve", data={"csrf_token": token, "v": everything})
    page = r.get_data(as_text=True)
    assert r.status_code == 200 and 'id="bulk-list"' in page
    assert page.count('name="v"') == 2 and f'name="v" value="{desk["far"]}"' not in page
    assert all(state_of(app, v) == "submitted" for v in everything)  # nothing yet: it asked first
    # A list that includes a flagged item is refused whole.
    r = rev.post("/review/bulk-approve", data={"csrf_token": token, "v": everything, "confirm": "1"})
    assert r.status_code == 302 and all(state_of(app, v) == "submitted" for v in everything)
    r = rev.post("/review/bulk-approve", data={"csrf_token": token, "v": desk["near"], "confirm": "1"})
    assert r.status_code == 302
    assert [state_of(app, v) for v in everything] == ["submitted", "approved", "approved"]


def test_the_review_settings_refuse_bad_reasons_and_unknown_zones(app):
    from fieldcheck.cycles.operations import apply_settings, create_cycle
    from fieldcheck.errors import OperationError

    with app.test_request_context():
        cycle = create_cycle("2031", "t")
        with pytest.raises(OperationError, match="第 2 行"):
            apply_settings(cycle, {"review_reasons": "ok | 好 | good\nBad Code | 坏 | bad"})
        with pytest.raises(OperationError, match="Mars/Base"):
            apply_settings(cycle, {"time_zone": "Mars/Base"})
        apply_settings(cycle, {"review_reasons": "ok | 好 | good", "time_zone": "Asia/Urumqi"})
        assert cycle.time_zone == "Asia/Urumqi"



def test_the_queue_page_costs_the_same_number_of_statements_whatever_its_length(app, desk):
    from fieldcheck.assignment.models import Task
    from fieldcheck.extensions import db

    rev = desk["clients"]["rev"]
    rev.get("/review/")  # warm: session loaded, templates compiled

    def statements(url):
        seen = []

        def count(*_args):
            seen.append(1)

        with app.app_context():
            engine = db.engine
        sa.event.listen(engine, "before_cursor_execute", count)
        try:
            assert rev.get(url).status_code == 200
        finally:
            sa.event.remove(engine, "before_cursor_execute", count)
        return len(seen)

    before = statements("/review/")
    with app.app_context():
        tasks = db.session.scalars(sa.select(Task).where(Task.state == "assigned")).all()
        more = [(t.id, t.claim.place.wgs84() if t.claim.place else (30.0, 120.0)) for t in tasks[:3]]
    for task_id, (lat, lon) in more:
        submit(app, desk["clients"]["exa"], task_id, lat=lat, lon=lon, photo="nogps_canon_40d.jpg", interviews=3)
    assert 'id="queue-total">6<' in rev.get("/review/").get_data(as_text=True)
    assert statements("/review/") == before
    assert statements("/review/?flag=none&disagree=1") == before


def test_the_counts_per_examiner_report_and_aspect_add_up_to_the_queue(app):
    """One grouped pass gives the three filters' counts: each equals what the queue itself lists."""
    from collections import Counter

    from bulk import grow

    from fieldcheck.accounts.models import User
    from fieldcheck.extensions import db
    from fieldcheck.review.queue import Filters, queue_counts, queue_page

    build_world(app)
    grow(app, 60, per_report=7, interviews=0, examiner=["exa", "exb"], states=("submitted",))
    with app.test_request_context():
        user = db.session.scalar(sa.select(User).where(User.username == "rev"))
        items, after = [], None
        while True:
            page, after = queue_page(user, Filters(), after=after)
            items += page
            if after is None:
                break
        counts = queue_counts(user)
        assert counts.total == len(items) == 60
        assert {label: n for _i, label, n in counts.examiners} == dict(Counter(i.examiner for i in items))
        assert {title: n for _i, title, n in counts.reports} == dict(Counter(i.report for i in items))
        assert {zh: n for _i, zh, _en, n in counts.aspects} == dict(Counter(i.aspect_zh for i in items))
        assert len(counts.reports) == 9 and len(counts.examiners) == 2
        assert [title for _i, title, _n in counts.reports] == sorted(title for _i, title, _n in counts.reports)
        # Each filter lists what its count says.
        for report_id, _title, n in counts.reports[:3]:
            assert len(queue_page(user, Filters(report=report_id), size=100)[0]) == n


def test_kept_counts_follow_every_change_of_the_queue(app, desk):
    """Counts are kept per data version: a decision, and rows written without an audit event, are seen."""
    from bulk import grow

    rev = desk["clients"]["rev"]
    assert 'id="queue-total">3<' in rev.get("/review/").get_data(as_text=True)
    assert 'id="queue-total">3<' in rev.get("/review/").get_data(as_text=True)  # kept
    token = csrf_token(rev, f"/review/{desk['far']}")
    done = rev.post(f"/review/{desk['far']}", data={"csrf_token": token, "decision": "approve", "reason": ""})
    assert done.status_code in (302, 303), done.get_data(as_text=True)[:300]
    assert 'id="queue-total">2<' in rev.get("/review/").get_data(as_text=True)
    grow(app, 4, per_report=4, interviews=0, examiner="exb", states=("submitted",))  # no audit event
    assert 'id="queue-total">6<' in rev.get("/review/").get_data(as_text=True)
