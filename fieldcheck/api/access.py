"""Who may use the read API: a bearer token (never a session), and the cycle it was made for.

`bearer` is the routes' declaration (`access.token_required`): it authenticates the request's
token or refuses it with a JSON 401. `with_api_cycle` loads the URL's cycle and refuses a token made
for another cycle with 403. `with_token` loads a token by id for the organizer's page.
"""

from __future__ import annotations

import hashlib

import sqlalchemy as sa
from flask import g, request
from flask_limiter.util import get_remote_address

from ..access import loads, token_required
from ..cycles.models import Cycle
from ..extensions import db
from .operations import authenticate, check_scope, token_by_id
from .tokens import bearer_token

bearer = token_required(lambda: authenticate(request.headers.get("Authorization")))


def api_cycle(code: str) -> Cycle | None:
    cycle = db.session.scalar(sa.select(Cycle).where(Cycle.code == code))
    if cycle is not None:
        check_scope(g.api_token, cycle)
    return cycle


# The view gets `cycle` for the URL's <code>: 404 when there is none, 403 when the token is for another.
with_api_cycle = loads("cycle", api_cycle, "code")
with_token = loads("token", token_by_id, "token_id")


def rate_key() -> str:
    """Rate limits count per token (its hash, never the secret), or per address without one."""
    raw = bearer_token(request.headers.get("Authorization"))
    if raw:
        return "api-token:" + hashlib.sha256(raw.encode("utf-8", "surrogatepass")).hexdigest()[:32]
    return "api-addr:" + (get_remote_address() or "")
