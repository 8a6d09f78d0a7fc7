"""The draw: two organizers, once for good, re-derivable by anyone from what the public page shows."""

from __future__ import annotations

import subprocess
import sys
import threading

import sqlalchemy as sa
from helpers import csrf_token, login

from story import SEED, build_world


def audit_actions(app, action):
    from fieldcheck.audit.models import AuditEvent
    from fieldcheck.extensions import db

    with app.app_context():
        return db.session.scalars(sa.select(AuditEvent).where(AuditEvent.action == action)
                                  .order_by(AuditEvent.id)).all()


def sample_count(app):
    from fieldcheck.extensions import db
    from fieldcheck.sampling.models import Sample

    with app.app_context():
        return db.session.scalar(sa.select(sa.func.count()).select_from(Sample))


def organizers(app):
    first, second = app.test_client(), app.test_client()
    login(first, "org")
    login(second, "multi")
    return first, second


def test_the_same_organizer_cannot_confirm_and_a_mistyped_seed_draws_nothing(app):
    build_world(app, draw=False)
    from fieldcheck.extensions import db
    from fieldcheck.sampling.operations import publish_cycle
    from fieldcheck.cycles.operations import get_cycle

    with app.test_request_context():
        publish_cycle(get_cycle("2025"))
        db.session.commit()
    first, second = organizers(app)
    token1 = csrf_token(first, "/cycles/2025/draw")
    assert first.post("/cycles/2025/draw", data={"csrf_token": token1, "seed": SEED, "action": "enter"}).status_code == 302
    r = first.post("/cycles/2025/draw", data={"csrf_token": token1, "seed": SEED, "action": "confirm"})
    assert r.status_code == 400 and sample_count(app) == 0
    token2 = csrf_token(second, "/cycles/2025/draw")
    r = second.post("/cycles/2025/draw", data={"csrf_token": token2, "seed": "0417 8826 3391 0052 7765",
                                               "action": "confirm"})
    assert r.status_code == 400 and sample_count(app) == 0
    assert len(audit_actions(app, "seed.mismatch")) == 1
    r = second.post("/cycles/2025/draw", data={"csrf_token": token2, "seed": SEED, "action": "confirm"})
    assert r.status_code == 302 and sample_count(app) == 1


def test_every_path_to_a_second_draw_is_refused_and_recorded(app):
    build_world(app)  # drawn already, through the operations
    first, second = organizers(app)
    token = csrf_token(first, "/cycles/2025/draw")
    assert first.post("/cycles/2025/draw", data={"csrf_token": token, "seed": "1", "action": "enter"}).status_code == 409
    r = first.post("/api/cycles/2025/draw", json={"seed": "2", "action": "confirm"}, headers={"X-CSRFToken": token})
    assert r.status_code == 409 and r.get_json()["error"] == "already_drawn"
    result = app.test_cli_runner().invoke(args=["sample", "draw", "2025", "--seed", "3", "--as", "org"])
    assert result.exit_code == 1
    vias = [e.after_data["via"] for e in audit_actions(app, "sample.redraw_refused")]
    assert vias == ["page", "api", "cli"]
    assert sample_count(app) == 1


def test_a_concurrent_double_confirm_draws_once(app):
    build_world(app, draw=False)
    from fieldcheck.cycles.operations import get_cycle
    from fieldcheck.extensions import db
    from fieldcheck.sampling.operations import publish_cycle

    with app.test_request_context():
        publish_cycle(get_cycle("2025"))
        db.session.commit()
    first, second = organizers(app)
    token = csrf_token(first, "/cycles/2025/draw")
    first.post("/cycles/2025/draw", data={"csrf_token": token, "seed": SEED, "action": "enter"})
    # Two confirmers (two browser tabs of the second organizer) press at the same moment.
    clients = [second, app.test_client()]
    login(clients[1], "multi")
    tokens = [csrf_token(c, "/cycles/2025/draw") for c in clients]
    barrier = threading.Barrier(2)
    statuses = []

    def confirm(client, tok):
        barrier.wait()
        r = client.post("/api/cycles/2025/draw", json={"seed": SEED, "action": "confirm"},
                        headers={"X-CSRFToken": tok})
        statuses.append(r.status_code)

    threads = [threading.Thread(target=confirm, args=(c, t)) for c, t in zip(clients, tokens)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert sorted(statuses) == [201, 409]
    assert sample_count(app) == 1
    assert len(audit_actions(app, "sample.draw")) == 1
    assert len(audit_actions(app, "sample.redraw_refused")) == 1


def test_anyone_can_rederive_the_sample_with_the_cli_or_the_standalone_script(app, tmp_path):
    build_world(app)
    org = app.test_client()
    login(org, "org")
    token = csrf_token(org, "/cycles/2025/assign")
    # an extension is part of the published record, and must be reproducible too
    r = org.post("/cycles/2025/sample/extend", data={"csrf_token": token, "stratum": "qingshan-county", "count": 2})
    assert r.status_code == 302
    public = app.test_client()
    page = public.get("/p/2025").get_data(as_text=True)
    assert "qingshan-county=2" in page
    frame = tmp_path / "frame.csv"
    frame.write_bytes(public.get("/p/2025/frame.csv").data)
    published = tmp_path / "sample.csv"
    published.write_bytes(public.get("/p/2025/sample.csv").data)
    script = tmp_path / "verify_sample.py"
    script.write_bytes(public.get("/verify_sample.py").data)
    from fieldcheck.extensions import db
    from fieldcheck.sampling.models import Sample

    with app.app_context():
        method = db.session.scalar(sa.select(Sample.method))
    assert method in page
    rows = published.read_text().splitlines()
    assert rows[0] == "stratum,rank,public_id,ticket,reason" and rows[-1].endswith(",extension")
    # the CLI, from the files alone
    result = app.test_cli_runner().invoke(args=[
        "sample", "verify", "--frame", str(frame), "--seed", SEED, "--method", method,
        "--extend", "qingshan-county=2", "--compare", str(published)])
    assert result.exit_code == 0, result.output
    # the standalone script, in an isolated interpreter that cannot import fieldcheck
    out = subprocess.run([sys.executable, "-I", str(script), str(frame), SEED, method, "qingshan-county=2"],
                         capture_output=True, text=True, cwd=tmp_path, timeout=60, check=True)
    assert out.stdout == published.read_text()
    # and a wrong seed does not reproduce it
    result = app.test_cli_runner().invoke(args=[
        "sample", "verify", "--frame", str(frame), "--seed", SEED + "1", "--method", method,
        "--extend", "qingshan-county=2", "--compare", str(published)])
    assert result.exit_code == 1
    assert [e.after_data["extension"] for e in audit_actions(app, "sample.extend")] == [2]


def test_the_sample_depends_on_the_text_order_not_on_database_ids(app):
    """Claims marked in reverse order get the same public ids, so the same sample."""
    from fieldcheck.cycles.operations import create_cycle
    from fieldcheck.extensions import db
    from fieldcheck.reports.operations import add_claim, import_report, proposals_for, report_text_from_input
    from fieldcheck.sampling.draw import FrameRow
    from fieldcheck.sampling.operations import draw_cycle_sample, publish_cycle
    from fieldcheck.sampling.rule import DrawRule, draw_frame
    from story import FIXTURES, make_users

    with app.test_request_context():
        make_users()
        cycle = create_cycle("2025", "t")
        text = report_text_from_input(None, (FIXTURES / "reports" / "qingshan-county-2025.md").read_bytes())
        report = import_report(cycle, unit_name="u", secretary="s", title="", slug="qingshan-county", text=text)
        aspect = {a.code: a for a in cycle.aspects}
        proposals = proposals_for(report)
        for p in reversed(proposals):  # inserted last-first: ids run against the text order
            add_claim(report, p.start, p.end, aspect.get(p.aspect or "", cycle.aspects[0]))
        publish_cycle(cycle)
        sample = draw_cycle_sample(cycle, SEED)
        db.session.commit()
        drawn = [i.public_id for i in sorted(sample.items, key=lambda i: i.rank)]
        first_aspect = cycle.aspects[0].code
    expected_rows = [FrameRow(f"2025/qingshan-county/{n}", "qingshan-county", p.aspect or first_aspect)
                     for n, p in enumerate(sorted(proposals, key=lambda p: p.start), start=1)]
    assert drawn == [d.public_id for d in draw_frame(expected_rows, SEED, DrawRule())]
