"""The draw over JSON, for scripted ceremonies: the same two-organizer rule as the page."""

from __future__ import annotations

from flask import Blueprint, jsonify, request
from flask_babel import gettext as _
from flask_login import current_user

from ..access import roles_required
from ..cycles.access import with_cycle
from ..cycles.models import Cycle
from ..errors import OperationError
from .operations import ceremony_step, get_sample

bp = Blueprint("sampling_api", __name__, url_prefix="/api/cycles/<code>")


def sample_json(sample) -> dict:
    return {"seed": sample.seed, "canonical_seed": sample.canonical_seed, "frame_sha256": sample.frame_sha256,
            "method": sample.method,
            "items": [{"public_id": i.public_id, "stratum": i.stratum, "rank": i.rank, "ticket": i.ticket_hex,
                       "reason": i.reason} for i in sample.items]}


@bp.route("/draw", methods=["POST"])
@roles_required("organizer")
@with_cycle
def draw(cycle: Cycle):
    """{"action": "enter"|"confirm", "seed": "..."}: enter the seed, or confirm it and draw."""
    body = request.get_json(silent=True)
    if not isinstance(body, dict) or not isinstance(body.get("seed"), str) \
            or body.get("action", "enter") not in ("enter", "confirm"):
        raise OperationError(_("The request could not be understood."), code="bad_json")
    # A refusal goes to the JSON error handler, which keeps a refused redraw on record.
    ceremony_step(cycle, body.get("action", "enter"), body["seed"], current_user._get_current_object(), "api")
    sample = get_sample(cycle)
    if sample is None:
        return jsonify(state="seed_entered"), 202
    return jsonify(state="drawn", sample=sample_json(sample)), 201


@bp.route("/sample")
@roles_required("organizer", "reviewer")
@with_cycle
def sample(cycle: Cycle):
    """The drawn sample as JSON (404 before the draw)."""
    sample = get_sample(cycle)
    if sample is None:
        raise OperationError(_("There is nothing at this address."), status=404, code="not_found")
    return jsonify(sample_json(sample))
