"""The resident's page (no account) and the examiner's QR code for it."""

from __future__ import annotations

import segno
from flask import Blueprint, jsonify, render_template, request, url_for
from flask_login import current_user
from markupsafe import Markup

from ..access import public, roles_required
from ..assignment.access import with_own_task
from ..assignment.models import Task
from ..errors import OperationError
from ..web import refuse
from .operations import answer, find_token, issue_token

bp = Blueprint("residents", __name__)


def qr_svg(url: str) -> Markup:
    """An inline SVG QR code: no image request, crisp at any size, readable in sunlight."""
    return Markup(segno.make(url, error="m").svg_inline(scale=6, border=2, dark="#000", light="#fff"))


def new_code(task: Task):
    body = request.get_json(silent=True)
    uuid = request.form.get("client_uuid") or (body.get("client_uuid") if isinstance(body, dict) else None)
    raw, row = issue_token(task, current_user._get_current_object(), uuid)
    url = url_for("residents.rate", token=raw, _external=True)
    return url, row


@bp.route("/tasks/<int:task_id>/qr", methods=["POST"])
@roles_required("examiner")
@with_own_task
def show_code(task: Task):
    """A one-time QR code for one respondent (opens in a new tab so the visit form stays)."""
    url, row = new_code(task)  # a refusal is shown by the app's error page
    return render_template("residents/code.html", task=task, url=url, svg=qr_svg(url), token=row)


@bp.route("/api/tasks/<int:task_id>/rating-tokens", methods=["POST"])
@roles_required("examiner")
@with_own_task
def api_code(task: Task):
    """The same as JSON for the page script: {url, svg, expires_at}."""
    url, row = new_code(task)
    return jsonify(url=url, svg=str(qr_svg(url)), expires_at=row.expires_at.isoformat()), 201


@bp.route("/r/<token>", methods=["GET", "POST"])
@public
def rate(token: str):
    """The resident reads the claim in plain words and rates the work, without an account."""
    try:
        row = find_token(token)
    except OperationError as exc:
        return render_template("residents/done.html", message=exc.message, ok=False), exc.status
    task = row.task
    questions = task.claim.report.cycle.questions
    error = None
    if request.method == "POST":
        ratings = {}
        for q in questions:
            try:
                ratings[q.id] = int(request.form.get(f"q{q.id}", ""))
            except ValueError:
                pass
        try:
            answer(token, request.form.get("respondent", ""), ratings, request.form.get("comment", ""))
            return render_template("residents/done.html", ok=True, message=None)
        except OperationError as exc:
            refuse(exc)
            if exc.code in ("token_used", "token_expired", "token_unknown"):
                return render_template("residents/done.html", message=exc.message, ok=False), exc.status
            error = exc.message
    return render_template("residents/rate.html", task=task, questions=questions, error=error,
                           form=request.form), (400 if error else 200)
