"""The duty-report meeting's anonymous ballot: a code votes once, nothing links a vote to a voter."""

from __future__ import annotations

import re
import threading

import sqlalchemy as sa
from helpers import csrf_token, login

from story import build_world


def open_ballot(app, world, count=3):
    org = app.test_client()
    login(org, "org")
    sheet = org.post(f"/cycles/{world.cycle_code}/ballots",
                     data={"csrf_token": csrf_token(org, "/"), "title": "述职大会测评", "count": str(count), "hours": "2"})
    assert sheet.status_code == 200, sheet.get_data(as_text=True)[:2000]
    tokens = re.findall(r"/b/([A-Za-z0-9_-]{16})", sheet.get_data(as_text=True))
    assert len(set(tokens)) == count and "<svg" in sheet.get_data(as_text=True)
    return org, list(dict.fromkeys(tokens))


def report_ids(app):
    from fieldcheck.extensions import db
    from fieldcheck.reports.models import Report

    with app.app_context():
        return list(db.session.scalars(sa.select(Report.id).order_by(Report.id)))


def vote(app, token, grades):
    attendee = app.test_client()
    page = attendee.get(f"/b/{token}")
    if page.status_code != 200:
        return page.status_code
    form = {"csrf_token": csrf_token(attendee, f"/b/{token}"), **{f"r{rid}": g for rid, g in grades.items()}}
    return attendee.post(f"/b/{token}", data=form).status_code


def test_each_code_votes_once_and_only_counts_are_kept(app):
    from fieldcheck.ballots.models import BallotCode, BallotCount
    from fieldcheck.extensions import db

    world = build_world(app)
    org, tokens = open_ballot(app, world)
    [rid] = report_ids(app)
    assert vote(app, tokens[0], {rid: "好"}) == 200
    assert vote(app, tokens[0], {rid: "差"}) == 410  # spent
    assert vote(app, tokens[1], {rid: "较好"}) == 200
    assert vote(app, tokens[2], {rid: "很好"}) == 400  # not a grade: refused, the code stays unused
    assert vote(app, "not-a-code-at-all", {rid: "好"}) == 404
    page = org.get(f"/cycles/{world.cycle_code}/ballots").get_data(as_text=True)
    assert "2 / 3" in page
    with app.app_context():
        counts = {(c.grade, c.source): c.count for c in db.session.scalars(sa.select(BallotCount))}
        assert counts == {("好", "online"): 1, ("较好", "online"): 1}
        assert db.session.scalar(sa.select(sa.func.count()).select_from(BallotCode).where(BallotCode.used)) == 2
        # Nothing could link a vote to its code or to the request that cast it: no vote rows, no times,
        # no addresses; the count table names neither a code nor a moment.
        columns = {c["name"] for c in sa.inspect(db.engine).get_columns("ballot_count")}
        assert columns == {"id", "round_id", "report_id", "grade", "source", "count"}
        assert {c["name"] for c in sa.inspect(db.engine).get_columns("ballot_code")} == {"id", "round_id", "token_sha256",
                                                                                     "used"}


def test_one_code_used_at_once_from_two_phones_stores_one_ballot(app):
    from fieldcheck.ballots.models import BallotCount
    from fieldcheck.extensions import db

    world = build_world(app)
    _org, tokens = open_ballot(app, world, count=1)
    [rid] = report_ids(app)
    phones = [app.test_client() for _ in range(4)]
    forms = [{"csrf_token": csrf_token(p, f"/b/{tokens[0]}"), f"r{rid}": "一般"} for p in phones]
    statuses = []
    start = threading.Barrier(len(phones))

    def cast(phone, form):
        start.wait()
        statuses.append(phone.post(f"/b/{tokens[0]}", data=form).status_code)

    threads = [threading.Thread(target=cast, args=pair) for pair in zip(phones, forms)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    assert sorted(statuses) == [200, 410, 410, 410]
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.sum(BallotCount.count))) == 1


def test_a_paper_tally_is_all_or_nothing_with_line_numbers(app, tmp_path):
    from fieldcheck.ballots.models import BallotCount
    from fieldcheck.extensions import db

    world = build_world(app)
    org, _tokens = open_ballot(app, world)
    runner = app.test_cli_runner()
    bad = tmp_path / "bad.csv"
    bad.write_text("unit,好,较好,一般,差\n中共青山县委,10,5,2,0\n不存在的单位,1,1,1,1\n中共青山县委,1,x,0,0\n", "utf-8")
    refused = runner.invoke(args=["ballot", "import", world.cycle_code, str(bad), "--as", "org"])
    assert refused.exit_code == 1 and "第 3 行" in refused.output and "第 4 行" in refused.output
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(BallotCount)) == 0
    good = tmp_path / "good.csv"
    good.write_text("unit,好,较好,一般,差\n中共青山县委,10,5,2,0\n", "utf-8")
    assert runner.invoke(args=["ballot", "import", world.cycle_code, str(good), "--as", "org"]).exit_code == 0
    page = org.get(f"/cycles/{world.cycle_code}/ballots").get_data(as_text=True)
    assert "<td>17</td>" in page
    with app.app_context():
        paper = dict(db.session.execute(sa.select(BallotCount.grade, BallotCount.count)
                                        .where(BallotCount.source == "paper")).all())
        assert paper == {"好": 10, "较好": 5, "一般": 2}


def test_the_command_line_writes_a_sheet_of_codes_that_vote(app, tmp_path):
    world = build_world(app)
    sheet = tmp_path / "sheet.html"
    result = app.test_cli_runner().invoke(args=["ballot", "create", world.cycle_code, "--count", "2", "--base-url",
                                                "https://fc.example", "-o", str(sheet), "--as", "org"])
    assert result.exit_code == 0, result.output
    tokens = re.findall(r"https://fc\.example/b/([A-Za-z0-9_-]{16})<", sheet.read_text("utf-8"))
    assert len(tokens) == 2 and sheet.read_text("utf-8").count("<svg") == 2
    [rid] = report_ids(app)
    assert vote(app, tokens[1], {rid: "好"}) == 200


def test_a_closed_ballot_takes_no_more_votes(app):
    from fieldcheck.ballots.models import BallotRound
    from fieldcheck.db import utcnow
    from fieldcheck.extensions import db

    world = build_world(app)
    _org, tokens = open_ballot(app, world)
    with app.app_context():
        db.session.execute(sa.update(BallotRound).values(closes_at=utcnow()))
        db.session.commit()
    [rid] = report_ids(app)
    assert vote(app, tokens[0], {rid: "好"}) == 410
