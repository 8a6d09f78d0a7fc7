"""The organizer's page of API tokens: make one (shown once), see when each was last used, revoke."""

from __future__ import annotations

import sqlalchemy as sa
from flask import Blueprint, make_response, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from ..access import roles_required
from ..cycles.access import cycle_by_code
from ..cycles.models import Cycle
from ..db import utcnow
from ..errors import OperationError
from ..extensions import db
from ..web import change_and_flash, refuse
from .access import with_token
from .models import ApiToken
from .operations import all_tokens, create_token, revoke_token

bp = Blueprint("api_tokens", __name__)
ALL = "*"  # the form's value for "every cycle" (no cycle code has a star)


@bp.route("/api-tokens", methods=["GET", "POST"])
@roles_required("organizer")
def index():
    """Every API token with its cycle, expiry and last use; make a new one (its secret is shown once)."""
    error = secret = None
    if request.method == "POST":
        choice = request.form.get("cycle", "")
        cycle = None if choice == ALL else cycle_by_code(choice)
        try:
            if choice != ALL and cycle is None:
                raise OperationError(_("Choose a cycle, or every cycle."))
            secret, _row = create_token(cycle, request.form.get("name", ""), request.form.get("expires", ""),
                                        current_user._get_current_object())
            db.session.flush()
        except OperationError as exc:
            refuse(exc)
            error = exc.message
    cycles = db.session.scalars(sa.select(Cycle).order_by(Cycle.code)).all()
    response = make_response(render_template("api/tokens.html", tokens=all_tokens(), cycles=cycles, all_cycles=ALL,
                                             error=error, secret=secret, now=utcnow(), form=request.form),
                             400 if error else 200)
    response.headers["Cache-Control"] = "no-store"  # the secret is on the page once, and in no cache
    return response


@bp.route("/api-tokens/<int:token_id>/revoke", methods=["POST"])
@roles_required("organizer")
@with_token
def revoke(token: ApiToken):
    """Revoke a token for good: the next request with it is refused."""
    change_and_flash(lambda: revoke_token(token, current_user._get_current_object()),
                     lambda t: _("API token %(label)s… revoked.", label=t.label))
    return redirect(url_for("api_tokens.index"))
