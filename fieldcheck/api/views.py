"""The read API for the grading engine: /api/v1, opened by an API token (Authorization: Bearer …).

Read-only, JSON, no session and no cookie (so no CSRF). Lists come a page at a time with an opaque
cursor; every answer carries an ETag and a matching If-None-Match gets 304; every failure is a JSON
error `{"error": code, "message": text}`. The rows are those of the export package
(`export.tables`): one source of truth for the package and the API. The OpenAPI 3.1 document at
/api/v1/openapi.json is built from these routes (`openapi.py`).
"""

from __future__ import annotations

import hashlib
import json

import sqlalchemy as sa
from flask import Blueprint, Response, current_app, g, request, url_for

from ..access import public
from ..cycles.models import Cycle
from ..export.package import stream_zip
from ..export.tables import TABLES
from ..extensions import csrf, db, limiter
from ..web import keep_changes
from .access import bearer, rate_key, with_api_cycle
from .openapi import documented, openapi_document
from .operations import record_use
from .paging import decode_cursor, encode_cursor, json_value, parse_limit

bp = Blueprint("api_v1", __name__, url_prefix="/api/v1")
csrf.exempt(bp)  # bearer tokens only: a browser's cookies open nothing here
TABLE = {table.name: table for table in TABLES}
DEFAULT_RATE = "300 per minute"
LINKED = ("reports", "aspects", "claims", "grades", "package")
# Per token (or per address without one), over every route of the API together.
limited = limiter.shared_limit(lambda: current_app.config.get("API_RATE_LIMIT", DEFAULT_RATE), scope="api-v1",
                               key_func=rate_key)


@bp.after_request
def audit_and_cache(response: Response) -> Response:
    """Record the use of an accepted token (one row per request, whatever its answer) and say how to cache."""
    token = g.get("api_token")
    if token is not None:
        record_use(token, request.method, request.full_path.rstrip("?"), response.status_code)
        if response.status_code >= 400:
            keep_changes()  # the refusal is rolled back, the record of the attempt stays
    if response.status_code == 401:
        response.headers["WWW-Authenticate"] = 'Bearer realm="fieldcheck"'
    response.headers["Cache-Control"] = "private, no-cache"
    response.vary.add("Authorization")
    return response


def conditional(payload) -> Response:
    """JSON with a strong ETag of its bytes; 304 when the client already holds them."""
    body = json.dumps(payload, ensure_ascii=False, separators=(",", ":"), allow_nan=False).encode("utf-8")
    response = current_app.response_class(body, mimetype="application/json")
    response.set_etag(hashlib.sha256(body).hexdigest())
    return response.make_conditional(request)


def page_of(rows_after, order_of, scope: str, width: int) -> dict:
    """One page of rows: `rows_after(after, limit)` yields them in keyset order; `order_of(row)` is the keyset."""
    limit = parse_limit(request.args.get("limit"))
    after = decode_cursor(scope, request.args.get("cursor"), width)
    rows = list(rows_after(after, limit + 1))
    more = len(rows) > limit
    rows = rows[:limit]
    return {"data": rows, "limit": limit,
            "next_cursor": encode_cursor(scope, order_of(rows[-1])) if more else None}


def cycle_summary(cycle: Cycle) -> dict:
    return {"code": cycle.code, "title": cycle.title, "state": cycle.state,
            "published_at": json_value(cycle.published_at), "frame_sha256": cycle.frame_sha256,
            "confidence": cycle.confidence, "time_zone": cycle.time_zone,
            "links": {name: url_for(f"api_v1.{name}", code=cycle.code)
                      for name in LINKED}}


@bp.route("/openapi.json")
@public
@limited
def openapi():
    """The OpenAPI 3.1 document of this API."""
    return conditional(openapi_document())


@bp.route("/cycles")
@bearer
@limited
@documented("Cycles this token may read", "CyclePage", paged=True)
def cycles():
    """The cycles this token may read (one, or every cycle), by code."""
    token = g.api_token

    def rows_after(after, limit):
        stmt = sa.select(Cycle).order_by(Cycle.code).limit(limit)
        if token.cycle_id is not None:
            stmt = stmt.where(Cycle.id == token.cycle_id)
        if after is not None:
            stmt = stmt.where(Cycle.code > after[0])
        return [cycle_summary(c) for c in db.session.scalars(stmt)]

    return conditional(page_of(rows_after, lambda row: (row["code"],), "cycles", 1))


@bp.route("/cycles/<code>")
@bearer
@limited
@with_api_cycle
@documented("One cycle", "Cycle", cycle=True)
def cycle(cycle: Cycle):
    """One cycle: its state, frame hash, confidence and the links to its tables."""
    return conditional(cycle_summary(cycle))


def table_page(cycle: Cycle, name: str) -> Response:
    table = TABLE[name]

    def rows_after(after, limit):
        return ({k: json_value(v) for k, v in row.items()} for row in table.rows(cycle, after=after, limit=limit))

    return conditional(page_of(rows_after, table.cursor, f"{name}:{cycle.code}", len(table.order)))


@bp.route("/cycles/<code>/reports")
@bearer
@limited
@with_api_cycle
@documented("Reports: sample, decisions, verified share and bounds, satisfaction, total, grade", "reports",
            paged=True, cycle=True)
def reports(cycle: Cycle):
    """One row per report (the package's `reports` table)."""
    return table_page(cycle, "reports")


@bp.route("/cycles/<code>/aspects")
@bearer
@limited
@with_api_cycle
@documented("Aspect scores per report, in long form", "aspects", paged=True, cycle=True)
def aspects(cycle: Cycle):
    """One row per report and aspect (the package's `aspects` table)."""
    return table_page(cycle, "aspects")


@bp.route("/cycles/<code>/claims")
@bearer
@limited
@with_api_cycle
@documented("Every drawn claim with its visit, finding, score and review", "claims", paged=True, cycle=True)
def claims(cycle: Cycle):
    """One row per drawn claim (the package's `claims` table)."""
    return table_page(cycle, "claims")


@bp.route("/cycles/<code>/grades")
@bearer
@limited
@with_api_cycle
@documented("Per report: the three parts, the composite, the proposed and the decided grade", "grades",
            paged=True, cycle=True)
def grades(cycle: Cycle):
    """One row per report (the package's `grades` table)."""
    return table_page(cycle, "grades")


@bp.route("/cycles/<code>/rectification")
@bearer
@limited
@with_api_cycle
@documented("Rectification items per report: source, measure, deadline, state and the status shown", "rectification",
            paged=True, cycle=True)
def rectification(cycle: Cycle):
    """One row per rectification item (the package's `rectification` table)."""
    return table_page(cycle, "rectification")


@bp.route("/cycles/<code>/package")
@bearer
@limited
@with_api_cycle
@documented("The signed export package as a ZIP (datapackage.json with every file's SHA-256, the CSVs, the "
            "signature): the same bytes as `fieldcheck export CODE --format package`", None, cycle=True,
            media_type="application/zip", etag=False)
def package(cycle: Cycle):
    """The cycle's signed export package, streamed as it is written (no ETag: each package is stamped)."""
    app, cycle_id = current_app._get_current_object(), cycle.id

    def chunks():
        # Written after the request and its transaction ended, as the export page's downloads are: in an
        # app context and session of its own, started only when the body is read.
        with app.app_context():
            yield from stream_zip(db.session.get(Cycle, cycle_id))

    return Response(chunks(), mimetype="application/zip",
                    headers={"Content-Disposition": f'attachment; filename="fieldcheck-{cycle.code}-package.zip"'})
