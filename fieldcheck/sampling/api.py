"""The draw over JSON, for scripted ceremonies: the same two-organizer rule as the page."""

from __future__ import annotations

from flask import Blueprint, jsonify, request
from flask_babel import gettext as _

from ..accounts.access import roles_required
from ..cycles.views import cycle_or_404
from ..db import db
from ..errors import OperationError
from .operations import get_sample
from .views import run_draw_action

bp = Blueprint("sampling_api", __name__, url_prefix="/api/cycles/<code>")


def sample_json(sample) -> dict:
    return {"seed": sample.seed, "canonical_seed": sample.canonical_seed, "frame_sha256": sample.frame_sha256,
            "method": sample.method,
            "items": [{"public_id": i.public_id, "stratum": i.stratum, "rank": i.rank, "ticket": i.ticket_hex,
                       "reason": i.reason} for i in sample.items]}


@bp.route("/draw", methods=["POST"])
@roles_required("organizer")
def draw(code: str):
    """{"action": "enter"|"confirm", "seed": "..."}: enter the seed, or confirm it and draw."""
    cycle = cycle_or_404(code)
    body = request.get_json(silent=True)
    if not isinstance(body, dict) or not isinstance(body.get("seed"), str) \
            or body.get("action", "enter") not in ("enter", "confirm"):
        return jsonify(error="bad_json", message=_("The request could not be understood.")), 400
    try:
        run_draw_action(cycle, body.get("action", "enter"), body["seed"], "api")
        db.session.commit()
    except OperationError as exc:
        return jsonify(error=exc.code, message=exc.message), exc.status
    sample = get_sample(cycle)
    if sample is None:
        return jsonify(state="seed_entered"), 202
    return jsonify(state="drawn", sample=sample_json(sample)), 201


@bp.route("/sample")
@roles_required("organizer", "reviewer")
def sample(code: str):
    """The drawn sample as JSON (404 before the draw)."""
    cycle = cycle_or_404(code)
    sample = get_sample(cycle)
    if sample is None:
        return jsonify(error="not_found", message=_("There is nothing at this address.")), 404
    return jsonify(sample_json(sample))
