"""Fuzz every form and JSON endpoint on PostgreSQL: no input ever gets a 5xx, and a refusal writes nothing.

The routes come from `app.url_map`; each is called by someone holding the role it needs, with the
real objects of `story.build_world` in the URL. The bodies start from what the app itself offers:
every `<form method=post>` on every page is read (its fields and their values), and the JSON
endpoints start from a valid body written here. Hypothesis then keeps, drops or replaces each
field (and the URL parameters and query) with hostile values: NUL and other control characters,
huge and negative numbers, ids beyond 2^31, wrong types, unknown fields, over-long strings,
JSON nested deep or larger than the limit. Whatever comes back must be below 500, and an answer of
400 or more must leave every table (audit trail aside) with the rows it had.

PostgreSQL only (it is the stricter database: NUL bytes, integer ranges), through the
`postgres_url` fixture as tests/test_two_servers.py does.
"""

from __future__ import annotations

import io
import json
import re
import uuid
from dataclasses import dataclass, field
from datetime import datetime, timezone
from urllib.parse import quote, urlsplit

import pytest
import sqlalchemy as sa
from bs4 import BeautifulSoup
from helpers import csrf_token, login
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st
from werkzeug.exceptions import MethodNotAllowed, NotFound
from werkzeug.routing import RequestRedirect

from story import FIXTURES, SEED, build_world

from fieldcheck.guard import IdConverter

USER_FOR_ROLE = {"organizer": "org", "examiner": "exa", "reviewer": "rev", "unit": "unitc"}
EXAMPLES = 15  # per route and method; the whole file stays well under two minutes
# Routes that may keep changes although they answer >= 400 (a partly refused batch).
KEEPS_PARTIAL_CHANGES = {"sampling.assign"}
# Tables a refusal may still write: the audit trail records failed sign-ins and refusals on file.
MAY_GROW_ON_REFUSAL = {"audit_event", "audit_head"}
# Run last: they end the sessions or move the cycle on, which would hide the routes behind them.
LAST = ("dashboard.finish_fieldwork", "grading.close", "accounts.logout")
MISSING = object()
# Routes whose URL parameters come from the draft cycle or from the tasks with a blind count on file.
DRAFT = {"reports.", "sampling.publish", "sampling.draw", "sampling_api.draw", "cycles.edit"}
COUNTED = {"field.task", "field_api.submit", "residents.show_code", "residents.api_code", "field_api.qr_count"}
FALLBACK_FORMS = {
    "field_api.upload_photo": [("photo", "", True), ("sha256", "", False), ("taken_at", "", False)],
    "reports.accept": [("start", "0", False), ("end", "10", False)],
    "reports.reject": [("start", "0", False), ("end", "10", False), ("reason", "not a claim", False)],
    "grading.close": [("reason", "done", False)],
    "grading.reopen": [("reason", "wrong figures", False), ("action", "confirm", False)],
    "sampling.publish": [],
    "sampling.draw": [("seed", SEED, False), ("action", "enter", False)],
    # Forms that appear only in states this world does not reach (a queue with items to approve,
    # a ballot open, fieldwork ended) or that the People page offers per person.
    "review.bulk_approve": [("v", "1", False), ("confirm", "1", False)],
    "ballots.vote": [("r1", "好", False)],
    "ballots.paper": [("csv", "", True)],
    "grading.decide": [("grade", "好", False), ("reason", "", False)],
    "accounts.person_unit": [("unit", "", False)],
    "accounts.person_password": [("password", "", False)],
    # The next draft is uploaded once the office returned the last one.
    "reports.draft_upload": [("text", "二稿", False), ("upload", "", True)],
    "rectification.talk": [("held_on", "2026-03-02", False), ("held_by", "部长", False), ("record", "记录", False)],
    "rectification.lead": [],
    "rectification.move": [("to", "in_progress", False)],
    "rectification.frame": [],
    "rectification.mark": [("answered", "yes", False), ("note", "", False)],
    "rectification.item": [("measure", "措施", False), ("responsible", "书记", False), ("progress", "", False),
                           ("deadline", "2030-01-01", False), ("photo", "", True)],
}


def first_of(value):
    return value[0] if isinstance(value, list) else value


def param_set(endpoint: str) -> str:
    if endpoint in DRAFT or endpoint.split(".")[0] + "." in DRAFT:
        return "draft"
    return "counted" if endpoint in COUNTED else "main"


# ---------------------------------------------------------------- hostile values

NASTY = ["\x00", "a\x00b", "\x01\x02\x1f", "\x7f", "\x1b[31m", "\u202e", "\ufeff", "\ud7ff", "\U0010ffff", "𠀀",
         "'; DROP TABLE users;--", "<script>alert(1)</script>", "%00", "../../../etc/passwd", "\\", "{{7*7}}",
         " ", "\r\n", "null", "true", "[]", "{}", "NaN", "Infinity"]
NUMBERS = ["2147483647", "2147483648", "-2147483649", "9223372036854775808", "-1", "0", "-0", "1e309", "-1e309",
           "1e-400", "nan", "inf", "0x10", "1_000", " 7 ", "１２", "3.", ".5", "1,5", "99999999999999999999999999"]

texts = st.one_of(
    st.text(max_size=40),  # any code point, NUL and the other controls included
    st.text(alphabet=st.characters(max_codepoint=0x20), min_size=1, max_size=8),
    st.sampled_from(NASTY),
    st.builds(lambda s, n: (s or "长") * n, st.text(min_size=1, max_size=3), st.integers(100, 20_000)),
)
number_texts = st.one_of(st.sampled_from(NUMBERS), st.integers(-(2**80), 2**80).map(str), st.floats().map(repr))
scalar_texts = st.one_of(texts, number_texts, st.just(""))

json_scalars = st.one_of(st.none(), st.booleans(), st.integers(-(2**80), 2**80), st.floats(), texts,
                         st.sampled_from([2**31, -(2**31) - 1, 2**63, 10**400]))
json_values = st.recursive(json_scalars, lambda inner: st.one_of(
    st.lists(inner, max_size=4), st.dictionaries(st.text(max_size=10), inner, max_size=4)), max_leaves=12)


def mutated(value) -> st.SearchStrategy:
    """`value` kept, changed in its parts, or replaced by anything."""
    if isinstance(value, dict):
        keys = list(value)
        parts = st.tuples(*[st.one_of(mutated(value[k]), st.just(MISSING)) for k in keys]) if keys else st.just(())
        structured = st.builds(
            lambda kept, extra: {**{k: v for k, v in zip(keys, kept) if v is not MISSING}, **extra},
            parts, st.dictionaries(st.text(max_size=12), json_values, max_size=3))
    elif isinstance(value, list):
        structured = st.lists(mutated(value[0]) if value else json_values, max_size=6)
    else:
        structured = st.just(value)
    return st.one_of(st.just(value), structured, structured, json_values)


# ---------------------------------------------------------------- the world and its forms

@dataclass
class Form:
    """One form as the app offers it: its fields (name, value, is a file)."""
    fields: list[tuple[str, str, bool]]


@dataclass
class Scene:
    app: object
    clients: dict
    param_sets: dict  # "main" | "counted" | "draft" -> URL parameter -> value or list of values
    forms: dict = field(default_factory=dict)  # endpoint -> [Form]
    json_bodies: dict = field(default_factory=dict)  # endpoint -> a valid body
    tokens: dict = field(default_factory=dict)  # person -> CSRF token of their session


def visit(client, task_id: int, questions: list[int]) -> None:
    data = {"csrf_token": csrf_token(client, "/tasks"), "client_uuid": str(uuid.uuid4()), "finding": "verified",
            "observed_qty": "3", "notes": "seen", "interview-0-respondent": "resident",
            "photos": (io.BytesIO((FIXTURES / "photos" / "gps_DSCN0021.jpg").read_bytes()), "p.jpg"),
            **{f"interview-0-q{q}": "4" for q in questions}}
    response = client.post(f"/tasks/{task_id}", data=data, content_type="multipart/form-data")
    assert response.status_code == 302, response.get_data(as_text=True)[:2000]


def read_forms(html: str, page: str) -> list[tuple[str, Form]]:
    """(action path, form) for every POST form on a page."""
    found = []
    for tag in BeautifulSoup(html, "html.parser").find_all("form"):
        if (tag.get("method") or "get").lower() != "post":
            continue
        action = urlsplit(tag.get("action") or page).path
        fields = []
        for element in tag.find_all(["input", "textarea", "select", "button"]):
            name = element.get("name")
            if not name:
                continue
            if element.name == "select":
                options = element.find_all("option")
                chosen = next((o for o in options if o.has_attr("selected")), options[0] if options else None)
                value = (chosen.get("value", chosen.text) if chosen else "")
            elif element.name == "textarea":
                value = element.text
            elif element.get("type") in ("checkbox", "radio") and not element.has_attr("checked") \
                    and any(f[0] == name for f in fields):
                continue
            else:
                value = element.get("value", "")
            fields.append((name, value, element.get("type") == "file"))
        found.append((action, Form(fields)))
    return found


def rectification_world(app) -> dict:
    """The unit's contact (unitc), an item on the world's report, a public lead and a carried item."""
    from fieldcheck.accounts.operations import create_user, set_user_unit
    from fieldcheck.extensions import db
    from fieldcheck.rectification.models import CarriedItem
    from fieldcheck.rectification.operations import add_item
    from fieldcheck.reports.models import Claim, Feedback

    with app.test_request_context():
        set_user_unit(create_user("unitc", "correct horse 1", ["unit"]), "中共青山县委")
        claim = db.session.scalar(sa.select(Claim).where(Claim.n == 1))
        item = add_item(claim.report, None, "村务公开栏未更新", "每月更新")
        lead = Feedback(claim_id=claim.id, text="线索")
        db.session.add(lead)
        db.session.flush()
        carried = CarriedItem(cycle_id=claim.report.cycle_id, unit_id=claim.report.unit_id, item_id=item.id)
        db.session.add(carried)
        db.session.commit()
        return {"item_id": item.id, "lead_id": lead.id, "carried_id": carried.id}


@pytest.fixture(scope="module")
def scene(postgres_url, tmp_path_factory):
    from helpers import truncate_postgres

    from fieldcheck import create_app
    from fieldcheck.assignment.models import Task
    from fieldcheck.evidence.models import Photo
    from fieldcheck.extensions import db
    from fieldcheck.field.models import Verification
    from fieldcheck.field.operations import record_blind_count
    from fieldcheck.accounts.models import User
    from fieldcheck.cycles.operations import create_cycle
    from fieldcheck.reports.operations import accept_proposals, import_report, proposals_for, report_text_from_input
    from fieldcheck.residents.operations import issue_token

    truncate_postgres(postgres_url)
    app = create_app({"SQLALCHEMY_DATABASE_URI": postgres_url, "TESTING": True, "SECRET_KEY": "test-secret",
                      "UPLOAD_FOLDER": str(tmp_path_factory.mktemp("fuzz-uploads")), "MAX_UPLOAD_MB": 5,
                      "RATELIMIT_ENABLED": False})
    world = build_world(app)
    rect = rectification_world(app)
    clients = {name: app.test_client() for name in USER_FOR_ROLE.values()}
    for name, client in clients.items():
        login(client, name)
    clients["anon"] = app.test_client()
    csrf_token(clients["anon"], "/")
    # The read API (/api/v1) is opened by an API token for every cycle, never by a session.
    clients["api"] = app.test_client()
    with app.test_request_context():
        from fieldcheck.api.operations import create_token

        org = db.session.scalar(sa.select(User).where(User.username == "org"))
        secret, _row = create_token(None, "fuzz", "1d", org)
        revocable = create_token(None, "to revoke", "1d", org)[1].id  # the revoke route's; the one above stays
        db.session.commit()
    clients["api"].environ_base["HTTP_AUTHORIZATION"] = f"Bearer {secret}"
    task_a, task_c, *counted = world.task_ids
    with app.test_request_context():
        questions = [q.id for q in db.session.get(Task, task_a).claim.report.cycle.questions]
    visit(clients["exa"], task_a, questions)
    with app.test_request_context():
        exa = db.session.scalar(sa.select(User).where(User.username == "exa"))
        for task_id in counted:  # blind count recorded: the visit form and the QR code are offered
            record_blind_count(db.session.get(Task, task_id), exa, 3.0)
        raw_token, _row = issue_token(db.session.get(Task, counted[0]), exa, str(uuid.uuid4()))
        # A second cycle still in draft: its reports and claims can be edited, published, drawn.
        draft = create_cycle("draft", "A draft cycle", min_per_stratum=3)
        # A drafting under review, with the report's short name: its pages offer the drafting forms
        # (approving it is refused, the short name being taken by the report imported below).
        from fieldcheck.reports.drafts import start_drafting

        org = db.session.scalar(sa.select(User).where(User.username == "org"))
        start_drafting(draft, org, unit_name="中共青山县委", secretary="张明", title="", slug="qingshan-county",
                       text=(FIXTURES / "drafts" / "shiqiao-draft-1.md").read_text(encoding="utf-8").strip())
        text = report_text_from_input(None, (FIXTURES / "reports" / "qingshan-county-2025.md").read_bytes())
        report = import_report(draft, unit_name="中共青山县委", secretary="张明", title="", slug="qingshan-county",
                               text=text)
        first = proposals_for(report)[:4]
        draft_claims = [c.id for c in accept_proposals(report, [(p.start, p.end) for p in first])]
        db.session.commit()
        main = {"code": world.cycle_code, "slug": world.report_slug, "task_id": [task_c], "n": 1,
                "claim_id": db.session.get(Task, task_a).claim_id,
                "verification_id": db.session.scalar(sa.select(Verification.id)),
                "user_id": db.session.scalar(sa.select(User.id).where(User.username == "org")),
                "sha256": db.session.scalar(sa.select(Photo.sha256)), "kind": "thumb", "fmt": "csv",
                "token": raw_token, "round_id": 1, "snapshot_id": 1, **rect, "token_id": revocable}
    param_sets = {"main": main, "counted": {**main, "task_id": counted},
                  "draft": {**main, "code": "draft", "claim_id": draft_claims}}
    s = Scene(app, clients, param_sets)
    s.json_bodies = {
        "sampling_api.draw": {"seed": SEED, "action": "enter"},
        "field_api.submit": {
            "client_uuid": str(uuid.uuid4()), "finding": "partly", "observed_qty": 2, "notes": "seen",
            "lat": 30.1, "lon": 117.2, "accuracy_m": 12.5, "photo_sha256": [main["sha256"]],
            "started_at": datetime.now(timezone.utc).isoformat(), "geo_at": datetime.now(timezone.utc).isoformat(),
            "interviews": [{"respondent": "resident", "ratings": {str(q): 4 for q in questions}}]},
        "field_api.reveal": {"observed_qty": 3, "counted_at": datetime.now(timezone.utc).isoformat()},
        "field_api.photos_have": {"sha256": [main["sha256"]]},
        "residents.api_code": {"client_uuid": str(uuid.uuid4())},
    }
    # Every form the pages offer, as the people who see them, in each of the three settings.
    adapter = app.url_map.bind("localhost")
    for rule in app.url_map.iter_rules():
        if rule.endpoint == "static" or "GET" not in rule.methods:
            continue
        for params in param_sets.values():
            page = adapter.build(rule.endpoint, {k: first_of(params[k]) for k in rule.arguments})
            for name in ("org", "exa", "rev", "anon"):
                response = s.clients[name].get(page)
                if response.status_code != 200 or "html" not in response.mimetype:
                    continue
                for action, form in read_forms(response.get_data(as_text=True), page):
                    try:
                        endpoint, _args = adapter.match(action, method="POST")
                    except (NotFound, MethodNotAllowed, RequestRedirect):
                        continue
                    if form not in s.forms.setdefault(endpoint, []):
                        s.forms[endpoint].append(form)
    # Routes no page offers a form for in this world (their form appears in another state) or
    # that page scripts call: the fields the views read.
    for endpoint, fields in FALLBACK_FORMS.items():
        s.forms.setdefault(endpoint, [Form([("csrf_token", "", False), *fields])])
    yield s
    with app.app_context():
        db.session.remove()
        db.engine.dispose()


def client_for(app, endpoint: str, clients: dict):
    from fieldcheck.access import PUBLIC, ROLES_ATTR, TOKEN

    roles = getattr(app.view_functions[endpoint], ROLES_ATTR)
    if roles == PUBLIC:
        return "anon", clients["anon"]
    if roles == TOKEN:
        return "api", clients["api"]
    name = USER_FOR_ROLE[sorted(roles)[0]]
    return name, clients[name]


def routes(app) -> list[tuple[str, str]]:
    """(endpoint, method) for every route, the ones that end sessions or the cycle last."""
    found = sorted({(rule.endpoint, method) for rule in app.url_map.iter_rules() if rule.endpoint != "static"
                    for method in rule.methods - {"HEAD", "OPTIONS"}},
                   key=lambda r: (r[0] in LAST, LAST.index(r[0]) if r[0] in LAST else 0, r))
    return found


def _route_ids():
    """The routes, known without a database (the app is built on an in-memory SQLite just to list them)."""
    from fieldcheck import create_app

    return routes(create_app({"SQLALCHEMY_DATABASE_URI": "sqlite://", "SECRET_KEY": "x", "TESTING": True}))


ROUTES = _route_ids()


def row_counts(app) -> dict[str, int]:
    from fieldcheck.extensions import db

    names = [t for t in db.metadata.tables if t not in MAY_GROW_ON_REFUSAL]
    with app.app_context():
        values = db.session.execute(sa.text("SELECT " + ", ".join(
            f'(SELECT count(*) FROM "{t}")' for t in names))).one()
        db.session.remove()
    return dict(zip(names, values))


# ---------------------------------------------------------------- one request, drawn

VARIABLE = re.compile(r"<(?:[^:>]+:)?([^>]+)>")


def draw_url(data, app, endpoint: str, method: str, params: dict) -> str:
    """The route's path with each parameter kept or replaced, and a query of known and unknown names."""
    rule = next(r for r in app.url_map.iter_rules() if r.endpoint == endpoint and method in r.methods)

    def value(match) -> str:
        name = match.group(1)
        valid = st.sampled_from(params[name]) if isinstance(params[name], list) else st.just(params[name])
        if isinstance(rule._converters[name], IdConverter):
            drawn = data.draw(st.one_of(valid, valid, st.integers(-5, 2**64)), label=name)
        else:
            drawn = data.draw(st.one_of(valid, valid, scalar_texts.filter(bool)), label=name)
        return quote(str(drawn), safe="")

    path = VARIABLE.sub(value, rule.rule)
    query = data.draw(st.dictionaries(
        st.one_of(st.sampled_from(["next", "before", "level", "client_uuid", "cycle", "actor", "action", "object",
                                   "cursor", "limit"]),
                  st.text(max_size=8)), scalar_texts, max_size=3), label="query")
    if query:
        path += "?" + "&".join(f"{quote(k, safe='')}={quote(v, safe='')}" for k, v in query.items())
    return path


def draw_form(data, forms: list[Form], token: str) -> dict:
    """A multipart body from one of the forms: each field kept, dropped or replaced; unknown fields added."""
    form = data.draw(st.sampled_from(forms), label="form")
    body = {}
    for name, valid, is_file in form.fields:
        if name == "csrf_token":
            body[name] = data.draw(st.one_of(st.just(token), st.just(token), scalar_texts), label=name)
        elif is_file:
            content = data.draw(st.one_of(
                st.binary(max_size=200), st.just((FIXTURES / "photos" / "gps_DSCN0025.jpg").read_bytes()),
                texts.map(lambda t: t.encode("utf-8", "surrogatepass"))), label=name)
            filename = data.draw(st.one_of(st.just("file.jpg"), st.just("r.md"), st.just("places.csv"),
                                           st.just("report.docx"), texts), label=name + " filename")
            body[name] = (io.BytesIO(content), filename)
        else:
            drawn = data.draw(st.one_of(st.just(valid), st.just(MISSING), scalar_texts), label=name)
            if drawn is not MISSING:
                body[name] = drawn
    for name, drawn in data.draw(st.dictionaries(st.text(min_size=1, max_size=12), scalar_texts, max_size=3),
                                 label="unknown fields").items():
        body.setdefault(name, drawn)
    return body


def draw_json(data, valid: dict) -> bytes:
    kind = data.draw(st.sampled_from(["mutated", "mutated", "mutated", "deep", "huge", "broken"]), label="json kind")
    if kind == "deep":
        depth = data.draw(st.sampled_from([33, 1000, 100_000]), label="depth")
        return ("[" * depth + "]" * depth).encode()
    if kind == "huge":
        return json.dumps({**valid, "notes": "长" * 400_000}).encode()
    if kind == "broken":
        return data.draw(st.one_of(st.binary(max_size=100), st.sampled_from([b"{", b'{"a":', b"\xff\xfe", b"NaN"])),
                         label="raw")
    return json.dumps(data.draw(mutated(valid), label="body")).encode()  # NaN and Infinity included


def send(data, scene: Scene, endpoint: str, method: str):
    name, client = client_for(scene.app, endpoint, scene.clients)
    url = draw_url(data, scene.app, endpoint, method, scene.param_sets[param_set(endpoint)])
    if method == "GET":
        response = client.get(url)
        response.get_data()  # a streamed body (the exports) fails while it is read, after its status
        return response
    if name not in scene.tokens:
        scene.tokens[name] = csrf_token(client, "/")
    token = scene.tokens[name]
    headers = {"X-CSRFToken": token}
    if endpoint in scene.json_bodies:
        raw = draw_json(data, scene.json_bodies[endpoint])
        content_type = data.draw(st.sampled_from(["application/json", "application/json", "text/plain",
                                                  "application/x-www-form-urlencoded"]), label="content type")
        return client.post(url, data=raw, content_type=content_type, headers=headers)
    return client.post(url, data=draw_form(data, scene.forms[endpoint], token), headers=headers,
                       content_type="multipart/form-data")


def test_every_form_and_json_endpoint_has_a_body_to_fuzz(scene):
    posts = {endpoint for endpoint, method in ROUTES if method == "POST"}
    assert posts - set(scene.forms) - set(scene.json_bodies) == set(), "a POST route nobody offers a body for"


@pytest.mark.parametrize(("endpoint", "method"), ROUTES, ids=[f"{m} {e}" for e, m in ROUTES])
def test_no_input_gets_a_server_error(scene, endpoint, method):
    # No shrinking: each example is a request against a live database, and the first failing one,
    # with its draws printed, is what a fix needs.
    @settings(max_examples=EXAMPLES, deadline=None, database=None, derandomize=True,
              phases=[Phase.explicit, Phase.generate], suppress_health_check=list(HealthCheck))
    @given(data=st.data())
    def one_request(data):
        before = row_counts(scene.app)
        response = send(data, scene, endpoint, method)
        assert response.status_code < 500, response.get_data(as_text=True)[:500]
        if response.status_code >= 400 and endpoint not in KEEPS_PARTIAL_CHANGES:
            assert row_counts(scene.app) == before, "a refused request wrote rows"

    one_request()
