"""The steps a person would script, through the `fieldcheck` command group."""

from __future__ import annotations

import json

import sqlalchemy as sa

from story import FIXTURES, SEED, build_world


def test_a_cycle_from_the_command_line(app, tmp_path):
    runner = app.test_cli_runner()

    def ok(*args):
        result = runner.invoke(args=list(args))
        assert result.exit_code == 0, result.output
        return result.output.strip()

    ok("users", "create", "org", "--roles", "organizer", "--password", "secret-pass-1")  # the first: no --as
    line = ok("users", "create", "exa", "--roles", "examiner", "--as", "org")
    assert line.startswith("exa\t") and len(line.split("\t")[1]) >= 8  # a printed random password
    assert ok("places", "import", str(FIXTURES / "places-qingshan.csv"), "--as", "org") == "11"
    ok("cycle", "create", "2025", "--title", "CLI cycle", "--minimum", "4", "--as", "org")
    sha = ok("report", "import", "2025", str(FIXTURES / "reports" / "qingshan-county-2025.md"),
             "--unit", "中共青山县委", "--secretary", "张明", "--slug", "qingshan-county", "--as", "org")
    assert len(sha) == 64
    accepted = int(ok("claims", "accept", "2025", "qingshan-county", "--as", "org"))
    assert accepted >= 10
    frame_sha = ok("cycle", "publish", "2025", "--as", "org")
    drawn = ok("sample", "draw", "2025", "--seed", SEED, "--as", "org").splitlines()
    from fieldcheck.sampling.draw import FrameRow, frame_sha256, sample_size, ticket_hex

    ids = [line.split("\t")[0] for line in drawn]
    assert [line.split("\t")[1] for line in drawn] == [ticket_hex(SEED, i) for i in ids]
    assert len(drawn) >= sample_size(accepted, 0.2, 0.9, 4)
    assert ok("tasks", "assign", "2025", "--examiner", "exa", "--as", "org") == str(len(drawn))
    doc = json.loads(ok("export", "2025", "--format", "json"))
    assert doc["frame_sha256"] == frame_sha and doc["rows"][0]["approved"] == 0
    assert doc["rows"][0]["drawn"] == len(drawn)  # every drawn claim is there
    assert doc["rows"][0]["sample_size"] == 0 and doc["rows"][0]["provisional"] is True  # none decided yet
    with app.app_context():
        from fieldcheck.sampling.operations import frame_rows
        from fieldcheck.cycles.operations import get_cycle

        rows = frame_rows(get_cycle("2025"))
        assert frame_sha256([FrameRow(r.public_id, r.stratum, r.aspect) for r in rows]) == frame_sha


def test_cli_refusals_say_why_and_change_nothing(app, tmp_path):
    build_world(app, draw=False)
    runner = app.test_cli_runner()
    bad = tmp_path / "gbk.txt"
    bad.write_bytes(b"report \x80 text \xff end")  # neither UTF-8 nor GB18030
    result = runner.invoke(args=["report", "import", "2025", str(bad), "--unit", "u", "--secretary", "s",
                                 "--slug", "x", "--as", "org"])
    assert result.exit_code == 1 and "UTF-8" in result.output
    bad_places = tmp_path / "places.csv"
    bad_places.write_text("name,kind,parent,lat,lon,crs\n甲村,village,,91,120,wgs84\n乙村,village,,30,120,wgs84\n")
    result = runner.invoke(args=["places", "import", str(bad_places), "--as", "org"])
    assert result.exit_code == 1 and "2" in result.output
    from fieldcheck.extensions import db
    from fieldcheck.places.models import Place
    from fieldcheck.reports.models import Report

    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(Report)) == 1
        assert db.session.scalar(sa.select(sa.func.count()).select_from(Place).where(Place.name == "乙村")) == 0
    result = runner.invoke(args=["sample", "draw", "2025", "--seed", SEED, "--as", "org"])
    assert result.exit_code == 1  # the frame is not frozen yet


def test_claims_propose_prints_json(runner):
    result = runner.invoke(args=["claims", "propose", str(FIXTURES / "reports" / "qingshan-county-2025.md"), "--json"])
    assert result.exit_code == 0
    doc = json.loads(result.output)
    proposals = doc["proposals"]
    text = (FIXTURES / "reports" / "qingshan-county-2025.md").read_text("utf-8")
    assert len(proposals) >= 10
    assert all(p["text"] in text for p in proposals)
    assert "text" not in doc and len(doc["text_sha256"]) == 64


def test_the_console_script_starts_in_a_fresh_interpreter(tmp_path):
    """`fieldcheck` imports the command modules before any app exists (the README's demo starts so)."""
    import os
    import subprocess
    import sys
    from pathlib import Path

    script = Path(sys.executable).parent / "fieldcheck"
    command = [str(script)] if script.exists() else [sys.executable, "-c", "from fieldcheck.cli import main; main()"]
    env = {**os.environ, "FIELDCHECK_DATABASE_URL": f"sqlite:///{tmp_path / 'x.db'}"}
    result = subprocess.run([*command, "--help"], capture_output=True, text=True, timeout=120, cwd=tmp_path, env=env)
    assert result.returncode == 0, result.stderr[-2000:]
    assert "demo" in result.stdout and "cycle" in result.stdout
