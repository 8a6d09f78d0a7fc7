"""The read API (/api/v1): tokens open it, for their cycle only; pages, ETags and JSON errors; the rows are
the export tables'; every use is audited.

The table-driven test sends every API route with every kind of token: none, malformed, unknown,
expired, revoked, one for another cycle, one for every cycle, and the right one.
"""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
import sqlalchemy as sa
from helpers import csrf_token, login

from story import PASSWORD, build_world

CODE = "2025"


def make_token(app, cycle_code: str | None, *, expired: bool = False, revoked: bool = False) -> str:
    """A token made the way the organizer makes one, then aged or revoked as asked; returns the secret."""
    from fieldcheck.accounts.models import User
    from fieldcheck.api.models import ApiToken
    from fieldcheck.api.operations import create_token, revoke_token
    from fieldcheck.cycles.models import Cycle
    from fieldcheck.db import utcnow
    from fieldcheck.extensions import db

    with app.test_request_context():
        org = db.session.scalar(sa.select(User).where(User.username == "org"))
        cycle = db.session.scalar(sa.select(Cycle).where(Cycle.code == cycle_code)) if cycle_code else None
        raw, row = create_token(cycle, f"test {cycle_code}", "90d", org)
        if expired:
            db.session.execute(sa.update(ApiToken).where(ApiToken.id == row.id)
                               .values(expires_at=utcnow() - timedelta(minutes=1)))
        if revoked:
            revoke_token(row, org)
        db.session.commit()
    return raw


@pytest.fixture
def api(app):
    """The story's drawn cycle, a second (draft) cycle, and one token of each kind."""
    from fieldcheck.cycles.operations import create_cycle
    from fieldcheck.extensions import db

    from fieldcheck.rectification.operations import add_item
    from fieldcheck.reports.models import Report

    build_world(app)
    with app.test_request_context():
        create_cycle("other", "Another cycle")
        report = db.session.scalar(sa.select(Report))
        for n in range(3):  # three rectification items: two pages of two
            add_item(report, None, f"问题{n}", deadline="2030-06-30")
        db.session.commit()
    tokens = {
        "right": make_token(app, CODE), "all": make_token(app, None), "other": make_token(app, "other"),
        "expired": make_token(app, CODE, expired=True), "revoked": make_token(app, CODE, revoked=True),
        "unknown": "fc_" + "A" * 43, "malformed": "not-a-token",
    }
    return {"client": app.test_client(), "tokens": tokens}


def get(client, url, token=None, **headers):
    if token is not None:
        headers["Authorization"] = f"Bearer {token}"
    return client.get(url, headers=headers)


ROUTES = [  # (endpoint, url, is about one cycle)
    ("api_v1.cycles", "/api/v1/cycles", False),
    ("api_v1.cycle", f"/api/v1/cycles/{CODE}", True),
    ("api_v1.reports", f"/api/v1/cycles/{CODE}/reports", True),
    ("api_v1.aspects", f"/api/v1/cycles/{CODE}/aspects", True),
    ("api_v1.claims", f"/api/v1/cycles/{CODE}/claims", True),
    ("api_v1.grades", f"/api/v1/cycles/{CODE}/grades", True),
    ("api_v1.rectification", f"/api/v1/cycles/{CODE}/rectification", True),
    ("api_v1.package", f"/api/v1/cycles/{CODE}/package", True),
]
# token kind -> (status, error code) for a route about one cycle; the cycle list answers 200 to "other".
EXPECTED = {
    None: (401, "token_missing"), "malformed": (401, "token_invalid"), "unknown": (401, "token_invalid"),
    "expired": (401, "token_expired"), "revoked": (401, "token_revoked"), "other": (403, "token_scope"),
    "all": (200, None), "right": (200, None),
}


def test_every_api_route_answers_every_kind_of_token_exactly(app, api):
    from fieldcheck.access import ROLES_ATTR, TOKEN

    token_routes = {e for e, view in app.view_functions.items() if getattr(view, ROLES_ATTR, None) == TOKEN}
    assert token_routes == {endpoint for endpoint, _url, _one in ROUTES}, "every token route needs a row here"
    client, checked = api["client"], 0
    for endpoint, url, one_cycle in ROUTES:
        for kind, (status, error) in EXPECTED.items():
            if kind == "other" and not one_cycle:
                status, error = 200, None
            response = get(client, url, api["tokens"].get(kind))
            assert response.status_code == status, (url, kind, response.status_code, response.get_data(as_text=True))
            checked += 1
            assert "Set-Cookie" not in response.headers, (url, kind)  # no session for machine clients
            if status == 200 and endpoint == "api_v1.package":
                assert response.mimetype == "application/zip" and response.data[:4] == b"PK\x03\x04"
                continue
            assert response.mimetype == "application/json", (url, kind)
            body = response.get_json()
            if error:
                assert body["error"] == error and body["message"], (url, kind, body)
            if status == 401:
                assert response.headers["WWW-Authenticate"].startswith("Bearer"), url
    assert checked == len(ROUTES) * len(EXPECTED)


def test_a_token_sees_only_its_cycles_in_the_list(api):
    client, tokens = api["client"], api["tokens"]
    codes = lambda kind: [c["code"] for c in get(client, "/api/v1/cycles", tokens[kind]).get_json()["data"]]  # noqa: E731
    assert codes("right") == [CODE]
    assert codes("other") == ["other"]
    assert codes("all") == [CODE, "other"]


def test_a_session_cookie_opens_nothing(app, api):
    organizer = app.test_client()
    login(organizer, "org", PASSWORD)
    response = organizer.get(f"/api/v1/cycles/{CODE}/claims")
    assert response.status_code == 401 and response.get_json()["error"] == "token_missing"


def export_rows(app, table_name):
    from fieldcheck.api.paging import json_value
    from fieldcheck.cycles.models import Cycle
    from fieldcheck.export.tables import TABLES
    from fieldcheck.extensions import db

    table = next(t for t in TABLES if t.name == table_name)
    with app.test_request_context():
        cycle = db.session.scalar(sa.select(Cycle).where(Cycle.code == CODE))
        return [{k: json_value(v) for k, v in row.items()} for row in table.rows(cycle)]


@pytest.mark.parametrize("table", ["claims", "reports", "aspects", "grades", "rectification"])
def test_paging_through_a_table_gives_exactly_the_export_rows(app, api, table):
    client, token = api["client"], api["tokens"]["right"]
    seen, cursor, pages = [], None, 0
    while True:
        url = f"/api/v1/cycles/{CODE}/{table}?limit=2" + (f"&cursor={cursor}" if cursor else "")
        page = get(client, url, token).get_json()
        assert page["limit"] == 2 and len(page["data"]) <= 2
        seen += page["data"]
        pages += 1
        cursor = page["next_cursor"]
        if cursor is None:
            break
    expected = export_rows(app, table)
    assert expected, f"the story's cycle has {table} rows"
    assert seen == expected
    # Two rows a page; a full last page is followed by no empty one (the page looks one row ahead).
    assert pages == max(1, -(-len(expected) // 2))


def test_the_package_from_the_api_is_the_signed_package_and_holds_the_api_rows(app, api, tmp_path):
    import csv
    import io
    import zipfile

    from fieldcheck.export.verify_package import verify

    response = get(api["client"], f"/api/v1/cycles/{CODE}/package", api["tokens"]["right"])
    assert response.status_code == 200 and "attachment" in response.headers["Content-Disposition"]
    path = tmp_path / "package.zip"
    path.write_bytes(response.data)
    assert verify(str(path))["cycle"] == CODE  # every hash and the signature hold
    with zipfile.ZipFile(path) as archive:
        claims_csv = next(n for n in archive.namelist() if n.endswith("claims.csv"))
        rows = list(csv.DictReader(io.StringIO(archive.read(claims_csv).decode("utf-8"))))
    page = get(api["client"], f"/api/v1/cycles/{CODE}/claims?limit=1000", api["tokens"]["right"]).get_json()
    assert [r["public_id"] for r in rows] == [r["public_id"] for r in page["data"]]
    assert get(api["client"], "/api/v1/cycles/other/package", api["tokens"]["right"]).status_code == 403


def test_an_etag_answers_304_until_the_data_changes(app, api):
    client, token = api["client"], api["tokens"]["right"]
    url = f"/api/v1/cycles/{CODE}/claims?limit=5"
    first = get(client, url, token)
    etag = first.headers["ETag"]
    assert first.status_code == 200 and re.fullmatch(r'"[0-9a-f]{64}"', etag)
    again = get(client, url, token, **{"If-None-Match": etag})
    assert again.status_code == 304 and again.data == b""
    other = get(client, url, token, **{"If-None-Match": '"' + "0" * 64 + '"'})
    assert other.status_code == 200 and other.headers["ETag"] == etag
    assert get(client, f"/api/v1/cycles/{CODE}/claims?limit=4", token).headers["ETag"] != etag  # other bytes
    with app.test_request_context():
        from fieldcheck.cycles.models import Cycle
        from fieldcheck.extensions import db

        before = get(client, f"/api/v1/cycles/{CODE}", token).headers["ETag"]
        db.session.execute(sa.update(Cycle).where(Cycle.code == CODE).values(title="renamed"))
        db.session.commit()
    changed = get(client, f"/api/v1/cycles/{CODE}", token, **{"If-None-Match": before})
    assert changed.status_code == 200 and changed.get_json()["title"] == "renamed"
    assert get(client, f"/api/v1/cycles/{CODE}", token, **{"If-None-Match": changed.headers["ETag"]}).status_code == 304


@pytest.mark.parametrize("query,error", [
    ("limit=0", "bad_limit"), ("limit=1001", "bad_limit"), ("limit=-1", "bad_limit"), ("limit=x", "bad_limit"),
    ("limit=１０", "bad_limit"), ("cursor=nonsense", "bad_cursor"), ("cursor=", "bad_cursor"),
])
def test_a_bad_limit_or_cursor_is_a_json_400(api, query, error):
    response = get(api["client"], f"/api/v1/cycles/{CODE}/claims?{query}", api["tokens"]["right"])
    assert response.status_code == 400 and response.get_json()["error"] == error


def test_a_cursor_only_works_for_the_list_it_came_from(api):
    client, token = api["client"], api["tokens"]["all"]
    cursor = get(client, f"/api/v1/cycles/{CODE}/reports?limit=1", token).get_json()["next_cursor"]
    cursor = cursor or get(client, f"/api/v1/cycles/{CODE}/claims?limit=1", token).get_json()["next_cursor"]
    assert cursor
    for url in (f"/api/v1/cycles/{CODE}/grades", "/api/v1/cycles/other/claims", "/api/v1/cycles"):
        response = get(client, f"{url}?cursor={cursor}", token)
        assert response.status_code == 400 and response.get_json()["error"] == "bad_cursor", url


def test_unknown_paths_and_methods_get_json_errors(api):
    client, token = api["client"], api["tokens"]["right"]
    for url in ("/api/v1/nope", "/api/v1/cycles/2025/nope", "/api/v1/", "/api/v1/cycles/no-such-cycle"):
        response = get(client, url, token)
        assert response.status_code == 404 and response.mimetype == "application/json", url
        assert response.get_json()["error"] == "not_found"
    response = client.post("/api/v1/cycles", headers={"Authorization": f"Bearer {token}"})
    assert response.status_code == 405 and response.get_json()["error"] == "method_not_allowed"
    assert "GET" in response.headers["Allow"]


def test_every_use_is_audited_and_marks_the_token_used(app, api):
    from fieldcheck.api.models import ApiToken
    from fieldcheck.api.tokens import token_sha256
    from fieldcheck.audit.models import AuditEvent
    from fieldcheck.extensions import db

    client, tokens = api["client"], api["tokens"]

    def events(action):
        with app.app_context():
            return db.session.scalars(sa.select(AuditEvent).where(AuditEvent.action == action)
                                      .order_by(AuditEvent.id)).all()

    assert events("api.read") == []
    get(client, f"/api/v1/cycles/{CODE}/claims?limit=3", tokens["right"])
    get(client, f"/api/v1/cycles/{CODE}/claims?limit=0", tokens["right"])  # refused, still recorded
    get(client, "/api/v1/cycles/other", tokens["right"])  # another cycle: recorded with its 403
    get(client, f"/api/v1/cycles/{CODE}", tokens["revoked"])
    get(client, f"/api/v1/cycles/{CODE}", tokens["unknown"])  # names no one: not recorded
    reads = events("api.read")
    assert [(e.after_data["path"], e.after_data["status"]) for e in reads] == [
        (f"/api/v1/cycles/{CODE}/claims?limit=3", 200), (f"/api/v1/cycles/{CODE}/claims?limit=0", 400),
        ("/api/v1/cycles/other", 403)]
    with app.app_context():
        right = db.session.scalar(sa.select(ApiToken).where(ApiToken.token_sha256 == token_sha256(tokens["right"])))
        assert reads[0].entity_id == str(right.id) and right.last_used_at is not None
        assert reads[0].actor_id == right.created_by_id
    refused = events("api_token.refused")
    assert [e.after_data["reason"] for e in refused] == ["token_revoked"]


def test_the_api_is_rate_limited_per_token(database_url, tmp_path):
    from fieldcheck import create_app
    from fieldcheck.extensions import db

    app = create_app({"SQLALCHEMY_DATABASE_URI": database_url, "TESTING": True, "SECRET_KEY": "test-secret",
                      "UPLOAD_FOLDER": str(tmp_path / "u"), "API_RATE_LIMIT": "3 per minute"})
    try:
        build_world(app)
        first, second = make_token(app, CODE), make_token(app, None)
        client = app.test_client()
        statuses = [get(client, "/api/v1/cycles", first).status_code for _ in range(4)]
        assert statuses == [200, 200, 200, 429]
        limited = get(client, "/api/v1/cycles", first)
        assert limited.get_json()["error"] == "rate_limited" and "Retry-After" in limited.headers
        assert get(client, "/api/v1/cycles", second).status_code == 200  # another token has its own budget
    finally:
        with app.app_context():
            db.session.remove()
            db.engine.dispose()


def test_the_openapi_document_is_valid_and_describes_every_route_and_row(app, api):
    from openapi_spec_validator import validate

    from fieldcheck.export.tables import TABLES

    response = api["client"].get("/api/v1/openapi.json")
    assert response.status_code == 200
    document = response.get_json()
    validate(document)
    assert document["openapi"].startswith("3.1")
    served = {re.sub(r"<([^>]+)>", r"{\1}", rule.rule) for rule in app.url_map.iter_rules()
              if rule.endpoint.startswith("api_v1.") and rule.endpoint != "api_v1.openapi"}
    assert set(document["paths"]) == served
    schemas = document["components"]["schemas"]
    for table in TABLES:
        row = schemas[table.name.capitalize() + "Row"]
        assert list(row["properties"]) == table.field_names
        for f in table.fields:
            assert row["properties"][f.name]["description"] == f.en


def test_the_organizer_makes_a_token_sees_it_once_and_revokes_it(app, api):
    from fieldcheck.api.models import ApiToken
    from fieldcheck.extensions import db

    organizer = app.test_client()
    login(organizer, "org", PASSWORD)
    token = csrf_token(organizer, "/api-tokens")
    made = organizer.post("/api-tokens", data={"csrf_token": token, "name": "grading engine", "cycle": CODE,
                                               "expires": "30d"})
    assert made.status_code == 200 and made.headers["Cache-Control"] == "no-store"
    secret = re.search(r'<code class="secret">(fc_[A-Za-z0-9_-]{43})</code>', made.get_data(as_text=True)).group(1)
    assert get(api["client"], f"/api/v1/cycles/{CODE}/claims", secret).status_code == 200
    listing = organizer.get("/api-tokens").get_data(as_text=True)
    assert "grading engine" in listing and secret not in listing and secret[:8] in listing
    with app.app_context():
        row = db.session.scalar(sa.select(ApiToken).where(ApiToken.name == "grading engine"))
        assert row.token_sha256 != secret and row.last_used_at is not None
        row_id = row.id
    revoked = organizer.post(f"/api-tokens/{row_id}/revoke", data={"csrf_token": token})
    assert revoked.status_code == 302
    assert get(api["client"], f"/api/v1/cycles/{CODE}/claims", secret).get_json()["error"] == "token_revoked"
    again = organizer.post(f"/api-tokens/{row_id}/revoke", data={"csrf_token": token}, follow_redirects=True)
    assert "api_token" not in again.get_data(as_text=True)  # refused in words, not a code
    bad = organizer.post("/api-tokens", data={"csrf_token": token, "name": "x", "cycle": CODE, "expires": "forever"})
    assert bad.status_code == 400
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(ApiToken).where(ApiToken.name == "x")) == 0


def test_the_commands_make_list_and_revoke_tokens(app, api, runner):
    made = runner.invoke(args=["tokens", "create", "--cycle", CODE, "--expires", "90d", "--name", "engine",
                               "--as", "org"])
    assert made.exit_code == 0, made.output
    secret = made.stdout.strip().splitlines()[-1]
    assert re.fullmatch(r"fc_[A-Za-z0-9_-]{43}", secret)
    assert get(api["client"], f"/api/v1/cycles/{CODE}", secret).status_code == 200
    listing = runner.invoke(args=["tokens", "list"])
    line = next(l for l in listing.output.splitlines() if l.endswith("\tengine"))
    assert secret not in listing.output and line.split("\t")[1:4] == [secret[:8] + "…", CODE, "active"]
    token_id = line.split("\t")[0]
    assert runner.invoke(args=["tokens", "revoke", token_id]).exit_code != 0  # --as is required
    assert runner.invoke(args=["tokens", "revoke", token_id, "--as", "exa"]).exit_code != 0  # not an organizer
    revoked = runner.invoke(args=["tokens", "revoke", token_id, "--as", "org"])
    assert revoked.exit_code == 0, revoked.output
    assert get(api["client"], f"/api/v1/cycles/{CODE}", secret).status_code == 401
    assert runner.invoke(args=["tokens", "revoke", token_id, "--as", "org"]).exit_code == 1  # once is enough
    for bad in (["--cycle", CODE, "--all-cycles"], [], ["--cycle", "nope"], ["--cycle", CODE, "--expires", "0d"]):
        args = ["tokens", "create", *bad, "--as", "org"] + ([] if "--expires" in bad else ["--expires", "9d"])
        assert runner.invoke(args=args).exit_code != 0, bad
    everything = runner.invoke(args=["tokens", "create", "--all-cycles", "--expires", "2w", "--as", "org"])
    assert everything.exit_code == 0
    secret = everything.stdout.strip().splitlines()[-1]
    assert get(api["client"], "/api/v1/cycles/other", secret).status_code == 200
