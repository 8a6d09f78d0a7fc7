"""Scores (their export lives in fieldcheck/export)."""

from __future__ import annotations

from flask import Blueprint, render_template

from ..access import roles_required
from ..cycles.access import with_cycle
from ..cycles.models import Cycle
from .compute import cycle_scores, drawn_states

bp = Blueprint("scores", __name__, url_prefix="/cycles/<code>/scores")


@bp.route("/")
@roles_required("organizer", "reviewer")
@with_cycle
def show(cycle: Cycle):
    """Per report, per aspect and per claim scores with their basis."""
    return render_template("scores/show.html", cycle=cycle, scores=cycle_scores(cycle), states=drawn_states(cycle))
