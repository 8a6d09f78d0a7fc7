"""Making, revoking and checking API tokens; recording each use.

A token is shown once, when it is made, and only its SHA-256 is kept (api/tokens.py). Every request
that presents a known token is audited: a use (`api.read`, with the path and the status) or a
refusal of a revoked or expired token (`api_token.refused`). Unknown tokens are not recorded: they
name no one, and writing a row for each would let anybody fill the trail.
"""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from flask_babel import gettext as _
from sqlalchemy.orm import joinedload

from ..accounts.models import User
from ..audit.models import record
from ..cycles.models import Cycle
from ..db import utcnow
from ..errors import OperationError
from ..extensions import db
from .models import ApiToken
from .states import API_TOKEN
from .tokens import bearer_token, label_of, new_secret, parse_lifetime, token_sha256, well_formed

NAME_MAX = 100


class TokenRefused(OperationError):
    """A request to /api/v1 without a usable token (401) or beyond its cycle (403)."""


def create_token(cycle: Cycle | None, name: str, lifetime: str, actor: User) -> tuple[str, ApiToken]:
    """A new read-only token for `cycle` (None: every cycle); returns (the secret, shown once, and the row)."""
    name = (name or "").strip()
    if len(name) > NAME_MAX or any(ord(ch) < 32 for ch in name):
        raise OperationError(_("The name may hold at most %(n)d characters and no control characters.", n=NAME_MAX))
    span = parse_lifetime(lifetime)
    if span is None:
        raise OperationError(_("Say how long the token lives, between 1 hour and 10 years: e.g. 90d, 12h, 2w, 1y."),
                             code="bad_lifetime")
    raw = new_secret()
    row = ApiToken(name=name, label=label_of(raw), token_sha256=token_sha256(raw), cycle=cycle,
                   created_by_id=actor.id, created_at=utcnow(), expires_at=utcnow() + span, state="active")
    db.session.add(row)
    db.session.flush()
    record("api_token.create", "api_token", row.id, actor=actor,
           after={"name": name, "label": row.label, "cycle": cycle.code if cycle else None,
                  "expires_at": row.expires_at.isoformat()})
    return raw, row


def revoke_token(token: ApiToken, actor: User) -> ApiToken:
    """Revoke for good: the next request with it is refused (401 token_revoked)."""
    API_TOKEN.move(token, "revoked", "api_token.revoke", token.id, actor=actor,
                   after_data={"label": token.label}, revoked_at=utcnow(), revoked_by_id=actor.id)
    return token


def all_tokens() -> list[ApiToken]:
    """Every token, newest first, with its cycle and maker (one statement)."""
    return list(db.session.scalars(sa.select(ApiToken).options(joinedload(ApiToken.cycle),
                                                               joinedload(ApiToken.created_by))
                                   .order_by(ApiToken.id.desc())))


def token_by_id(token_id: int) -> ApiToken | None:
    return db.session.get(ApiToken, token_id)


def get_token(token_id: int) -> ApiToken:
    token = token_by_id(token_id)
    if token is None:
        raise OperationError(_("There is no API token %(id)s.", id=token_id), status=404)
    return token


def _refused(code: str, message: str, token: ApiToken | None = None, status: int = 401) -> TokenRefused:
    on_refusal = None
    if token is not None:
        token_id, owner = token.id, token.created_by

        def on_refusal():
            record("api_token.refused", "api_token", token_id, actor=owner, after={"reason": code})
    return TokenRefused(message, status=status, code=code, on_refusal=on_refusal)


def authenticate(header: str | None, now: datetime | None = None) -> ApiToken:
    """The usable token of an `Authorization: Bearer …` header, or a 401 saying why."""
    raw = bearer_token(header)
    if raw is None:
        raise _refused("token_missing", _("Send an API token: Authorization: Bearer <token>."))
    if not well_formed(raw):
        raise _refused("token_invalid", _("This API token is not valid."))
    token = db.session.scalar(sa.select(ApiToken).options(joinedload(ApiToken.created_by))
                              .where(ApiToken.token_sha256 == token_sha256(raw)))
    if token is None:
        raise _refused("token_invalid", _("This API token is not valid."))
    status = token.status(now or utcnow())
    if status == "revoked":
        raise _refused("token_revoked", _("This API token was revoked."), token)
    if status == "expired":
        raise _refused("token_expired", _("This API token has expired."), token)
    return token


def check_scope(token: ApiToken, cycle: Cycle) -> None:
    if not token.may_read(cycle):
        # Not recorded here: the request's own audit row (`api.read`, status 403) says it.
        raise _refused("token_scope", _("This API token is for another cycle."), status=403)


def record_use(token: ApiToken, method: str, path: str, status: int) -> None:
    """One audit row per request and the token's last use: a constant few statements, whatever was read."""
    now = utcnow()
    db.session.execute(sa.update(ApiToken).where(ApiToken.id == token.id).values(last_used_at=now)
                       .execution_options(synchronize_session=False))
    record("api.read", "api_token", token.id, actor=token.created_by,
           after={"method": method, "path": path[:300], "status": status})
