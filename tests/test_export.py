"""The export package: a valid Frictionless Data Package, signed, checked offline; the XLSX holds the
same rows; the downloads stream and refuse bad parameters clearly; the tables page by keyset."""

from __future__ import annotations

import base64
import csv
import hashlib
import io
import json
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest
from helpers import login

from story import build_world
from test_grades import approve_first_visit

FORMULA = '=HYPERLINK("http://evil.example","点我")'


@pytest.fixture
def exported(app, tmp_path):
    """A drawn cycle with one approved visit, a routine-score note that is a formula, and its package."""
    world = build_world(app)
    approve_first_visit(app, world)
    runner = app.test_cli_runner()
    routine = tmp_path / "routine.csv"
    routine.write_text(f'unit,score,note\n中共青山县委,84,"{FORMULA.replace(chr(34), chr(34) * 2)}"\n', "utf-8")
    assert runner.invoke(args=["routine", "import", world.cycle_code, str(routine), "--as", "org"]).exit_code == 0
    with app.test_request_context():  # a rectification item long overdue
        import sqlalchemy as sa

        from fieldcheck.extensions import db
        from fieldcheck.rectification.operations import add_item
        from fieldcheck.reports.models import Report

        add_item(db.session.scalar(sa.select(Report)), None, "台账不全", deadline="2020-01-31")
        db.session.commit()
    package = tmp_path / "package"
    result = runner.invoke(args=["export", world.cycle_code, "--format", "package", "-o", str(package)])
    assert result.exit_code == 0, result.output
    return world, package, runner


def verify(runner, path, *extra):
    return runner.invoke(args=["export", "verify", str(path), *extra])


def read_csv(path: Path) -> list[list[str]]:
    return list(csv.reader(io.StringIO(path.read_text("utf-8"))))


def test_the_package_is_a_valid_frictionless_package_and_verifies(app, exported):
    import frictionless

    world, package, runner = exported
    report = frictionless.validate(str(package / "datapackage.json"))
    assert report.valid, report.flatten(["resource", "type", "note"])[:5]
    result = verify(runner, package)
    assert result.exit_code == 0 and "OK  11 files and the signature hold" in result.output
    manifest = json.loads((package / "datapackage.json").read_text("utf-8"))
    meta = manifest["fieldcheck"]
    assert manifest["schema_version"] == meta["schema_version"] == "1.0"
    assert meta["sample"]["seed"] and meta["sample"]["method"].startswith("fieldcheck-draw/")
    assert meta["confidence"] == 0.9 and meta["grade_rules"]["weights"]["verification"] == 0.5
    assert meta["closing_snapshot_sha256"] is None and len(meta["audit_chain_head"]["sha256"]) == 64
    # The frame is written verbatim: its bytes hash to the published frame SHA-256.
    frame = (package / "data" / "frame.csv").read_bytes()
    assert hashlib.sha256(frame).hexdigest() == meta["sample"]["frame_sha256"]
    for resource in manifest["resources"]:
        data = (package / resource["path"]).read_bytes()
        assert resource["hash"] == "sha256:" + hashlib.sha256(data).hexdigest() and resource["bytes"] == len(data)
        assert not data.startswith(b"\xef\xbb\xbf") and b"\r\n" not in data
        assert all(f["description"] and f["description_zh"] for f in resource["schema"]["fields"])
    # Every drawn claim is a claims row, open or decided; the approved one has its score.
    claims = {r["public_id"]: r for r in csv.DictReader(io.StringIO((package / "data/claims.csv").read_text("utf-8")))}
    assert len(claims) == len(world.task_ids)
    assert sorted(r["state"] for r in claims.values()).count("approved") == 1
    [approved] = [r for r in claims.values() if r["state"] == "approved"]
    assert (approved["finding"], approved["review_decision"], approved["score"]) == ("verified", "approve", "100.0")
    assert approved["interviews"] == "1" and approved["ratings"] == "3"
    # A formula typed into a note is neutralised (OWASP), and the schema says so.
    [routine] = list(csv.DictReader(io.StringIO((package / "data/routine.csv").read_text("utf-8"))))
    assert routine["note"] == "'" + FORMULA
    [item] = list(csv.DictReader(io.StringIO((package / "data/rectification.csv").read_text("utf-8"))))
    assert (item["problem"], item["deadline"], item["status"]) == ("台账不全", "2020-01-31", "overdue")
    assert "OWASP" in meta["csv"]["formula_injection"]
    assert "neutralised" in manifest["resources"][0]["description"]


def test_verify_names_the_first_thing_that_fails(app, exported, tmp_path):
    world, package, runner = exported
    names = sorted(p.relative_to(package).as_posix() for p in package.rglob("*") if p.is_file())
    assert len(names) == 13
    for name in names:
        # One byte of any file changed: the check fails and names the file.
        copy = tmp_path / f"changed-{name.replace('/', '_')}"
        shutil.copytree(package, copy)
        data = bytearray((copy / name).read_bytes())
        data[len(data) // 2] ^= 0x01
        (copy / name).write_bytes(bytes(data))
        result = verify(runner, copy)
        assert result.exit_code == 1 and f"FAILED  {name}:" in result.output, (name, result.output)
    for name in names:
        # A file removed.
        copy = tmp_path / f"removed-{name.replace('/', '_')}"
        shutil.copytree(package, copy)
        (copy / name).unlink()
        result = verify(runner, copy)
        assert result.exit_code == 1 and f"FAILED  {name}: missing" in result.output, (name, result.output)
    # The signature replaced by another key's signature of the same datapackage.json.
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

    from fieldcheck.export.manifest import signature_file

    copy = tmp_path / "resigned"
    shutil.copytree(package, copy)
    (copy / "datapackage.json.sig").write_bytes(signature_file((copy / "datapackage.json").read_bytes(),
                                                               Ed25519PrivateKey.generate()))
    result = verify(runner, copy)
    assert result.exit_code == 1 and "FAILED  datapackage.json.sig:" in result.output
    # A file slipped in is refused too.
    (package / "data" / "extra.csv").write_text("a\n1\n")
    result = verify(runner, package)
    assert result.exit_code == 1 and "FAILED  data/extra.csv: not listed" in result.output


def test_the_zip_and_the_standalone_checker(app, exported, tmp_path):
    world, _, runner = exported
    target = tmp_path / "p.zip"
    assert runner.invoke(args=["export", world.cycle_code, "--format", "package", "-o", str(target)]).exit_code == 0
    assert verify(runner, target).exit_code == 0
    with app.app_context():
        from fieldcheck.export.signing import public_key_info

        key = public_key_info()["public_key"]
    script = Path(__file__).resolve().parent.parent / "fieldcheck" / "export" / "verify_package.py"
    ok = subprocess.run([sys.executable, str(script), str(target), "--public-key", key], capture_output=True, text=True)
    assert ok.returncode == 0 and "OK  11 files" in ok.stdout, ok.stderr
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
    from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

    other = base64.b64encode(Ed25519PrivateKey.generate().public_key().public_bytes(
        Encoding.Raw, PublicFormat.Raw)).decode()
    wrong = subprocess.run([sys.executable, str(script), str(target), "--public-key", other], capture_output=True,
                           text=True)
    assert wrong.returncode == 1 and "FAILED  datapackage.json.sig: made with key" in wrong.stderr
    # A member of the ZIP replaced by other bytes: named.
    rebuilt = tmp_path / "q.zip"
    with zipfile.ZipFile(target) as source, zipfile.ZipFile(rebuilt, "w") as out:
        for info in source.infolist():
            data = source.read(info.filename)
            out.writestr(info.filename, data.replace(b"qingshan", b"qingshen") if info.filename.endswith("sample.csv")
                         else data)
    result = verify(runner, rebuilt)
    assert result.exit_code == 1 and "FAILED  data/sample.csv: " in result.output


def test_the_workbook_holds_the_same_rows_as_the_csv_files(app, exported, tmp_path):
    from openpyxl import load_workbook

    world, package, runner = exported
    target = tmp_path / "book.xlsx"
    assert runner.invoke(args=["export", world.cycle_code, "--format", "xlsx", "-o", str(target)]).exit_code == 0
    book = load_workbook(target, read_only=True)
    manifest = json.loads((package / "datapackage.json").read_text("utf-8"))
    assert book.sheetnames == ["about", *(r["name"] for r in manifest["resources"])]
    for resource in manifest["resources"]:
        rows = read_csv(package / resource["path"])
        kinds = [f["type"] for f in resource["schema"]["fields"]]
        sheet = list(book[resource["name"]].iter_rows(values_only=True))
        assert [c for c in sheet[0]] and all("\n" in c for c in sheet[0])  # zh and en labels for people
        assert list(sheet[1]) == rows[0]
        assert len(sheet) - 2 == len(rows) - 1, resource["name"]
        for got, want in zip(sheet[2:], rows[1:]):
            for value, text, kind in zip(got, want, kinds):
                if kind in ("number", "integer"):
                    assert (value is None and text == "") or value == float(text), (resource["name"], value, text)
                else:
                    assert (value or "") == text, (resource["name"], value, text)
    routine = list(book["routine"].iter_rows(values_only=True))[2]
    assert routine[2] == "'" + FORMULA  # a text cell, not a formula


def test_the_web_downloads_stream_and_refuse_bad_parameters_clearly(app, exported, tmp_path):
    world, _, _ = exported
    org = app.test_client()
    login(org, "org")
    code = world.cycle_code
    response = org.get(f"/cycles/{code}/export/package.zip")
    assert response.status_code == 200 and response.is_streamed and response.mimetype == "application/zip"
    target = tmp_path / "web.zip"
    target.write_bytes(response.get_data())
    result = app.test_cli_runner().invoke(args=["export", "verify", str(target)])
    assert result.exit_code == 0, result.output
    csv_response = org.get(f"/cycles/{code}/scores/export.csv?level=claim")
    assert csv_response.headers["Content-Type"] == "text/csv; charset=utf-8"
    body = csv_response.get_data(as_text=True)
    assert body.startswith("public_id,report,n,") and len(body.splitlines()) == len(world.task_ids) + 1
    # One convention for the web and the command line: the same bytes as the package's file.
    assert org.get(f"/cycles/{code}/scores/export.csv").get_data(as_text=True) == \
        (tmp_path / "package" / "data" / "reports.csv").read_text("utf-8")
    doc = json.loads(org.get(f"/cycles/{code}/scores/export.json?level=claim").get_data(as_text=True))
    assert doc["schema_version"] == "1.0" and doc["frame_sha256"] and len(doc["rows"]) == len(world.task_ids)
    assert doc["schema"]["primaryKey"] == ["public_id"]
    bogus = org.get(f"/cycles/{code}/scores/export.json?level=bogus")
    assert bogus.status_code == 400 and bogus.mimetype == "application/json"
    assert bogus.get_json()["error"] == "bad_level" and "report" in bogus.get_json()["message"]
    unknown = org.get(f"/cycles/{code}/scores/export.bogus", headers={"Accept": "application/json"})
    assert unknown.status_code == 404 and unknown.get_json()["error"] == "bad_format"
    book = org.get(f"/cycles/{code}/export/workbook.xlsx")
    assert book.status_code == 200 and book.get_data()[:2] == b"PK"
    page = org.get(f"/cycles/{code}/export/").get_data(as_text=True)
    assert "export-public-key" in page and "claims" in page
    public = app.test_client()
    key_page = public.get("/export-key").get_data(as_text=True)
    with app.app_context():
        from fieldcheck.export.signing import public_key_info

        assert public_key_info()["public_key"] in key_page
    script = public.get("/verify_package.py")
    assert script.status_code == 200 and b"def verify(" in script.get_data()


def test_every_table_pages_by_keyset_to_the_same_rows(app, exported):
    from fieldcheck.cycles.operations import get_cycle
    from fieldcheck.export.tables import TABLES

    world, _, _ = exported
    with app.app_context():
        cycle = get_cycle(world.cycle_code)
        for table in TABLES:
            whole = list(table.rows(cycle))
            assert len(whole) == table.count(cycle), table.name
            assert all(list(row) == table.field_names for row in whole)
            paged, after = [], None
            while True:
                page = list(table.rows(cycle, after=after, limit=2))
                paged += page
                if len(page) < 2:
                    break
                after = table.cursor(page[-1])
            assert paged == whole, table.name


def test_the_key_is_made_once_and_never_in_the_uploads_folder(app, tmp_path):
    from fieldcheck.errors import OperationError
    from fieldcheck.export.signing import key_path, public_key_info

    with app.app_context():
        assert public_key_info() is None
        first = public_key_info(create=True)
        assert public_key_info() == first and oct(key_path().stat().st_mode & 0o777) == "0o600"
        app.config["EXPORT_KEY_FILE"] = str(Path(app.config["UPLOAD_FOLDER"]) / "k.pem")
        with pytest.raises(OperationError):
            public_key_info(create=True)


def test_a_csv_export_before_any_draw_still_has_its_header(app):
    build_world(app, draw=False)
    org = app.test_client()
    login(org, "org")
    from fieldcheck.export.tables import BY_NAME

    body = org.get("/cycles/2025/scores/export.csv?level=claim").get_data(as_text=True)
    assert body.splitlines() == [",".join(BY_NAME["claims"].field_names)]


def test_an_export_reads_one_snapshot_on_postgresql(app):
    import sqlalchemy as sa

    from fieldcheck.export.streaming import read_snapshot
    from fieldcheck.extensions import db

    build_world(app)
    with app.app_context():
        read_snapshot()
        if db.engine.dialect.name == "postgresql":
            # Every table of the package sees the same moment, and the export cannot write.
            assert db.session.execute(sa.text("SHOW transaction_isolation")).scalar() == "repeatable read"
            assert db.session.execute(sa.text("SHOW transaction_read_only")).scalar() == "on"
        else:
            assert db.session.execute(sa.text("SELECT count(*) FROM cycle")).scalar() == 1
        db.session.rollback()
