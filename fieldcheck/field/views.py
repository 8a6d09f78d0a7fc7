"""The examiner's phone pages: my tasks, and the visit form (the no-script fallback)."""

from __future__ import annotations

import math
import uuid
from pathlib import Path

import sqlalchemy as sa
from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, send_file, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy.exc import IntegrityError

from ..accounts.access import roles_required
from ..db import db
from ..errors import OperationError
from ..evidence.storage import blob_path
from .models import FINDINGS, Photo, Task
from .operations import (check_submittable, check_task_is_yours, existing_submission, masked_claim_text, needs_blind_step,
                         record_blind_count, save_photo, submit_verification)
from .submission import form_to_dict, parse_verification

bp = Blueprint("field", __name__)


def upload_root() -> Path:
    return Path(current_app.config["UPLOAD_FOLDER"])


def own_task_or_error(task_id: int) -> Task:
    task = db.session.get(Task, task_id)
    if task is None:
        abort(404)
    try:
        check_task_is_yours(task, current_user)
    except OperationError:
        abort(403)
    return task


@bp.route("/tasks")
@roles_required("examiner")
def my_tasks():
    """The examiner's own tasks, returned ones first."""
    order = sa.case({"returned": 0, "assigned": 1, "submitted": 2}, value=Task.state, else_=3)
    tasks = db.session.scalars(
        sa.select(Task).where(Task.examiner_id == current_user.id).order_by(order, Task.id)).all()
    from ..assignment.operations import routes_for

    open_tasks = [t for t in tasks if t.state in ("assigned", "returned")]
    radius = min((t.claim.report.cycle.max_route_km for t in open_tasks), default=30.0)
    routes = routes_for(current_user, open_tasks, radius) if open_tasks else []
    done = [t for t in tasks if t.state not in ("assigned", "returned")]
    return render_template("field/tasks.html", routes=routes, done=done, returned=[t for t in open_tasks if t.state == "returned"])


@bp.route("/tasks/<int:task_id>", methods=["GET", "POST"])
@roles_required("examiner")
def task(task_id: int):
    """Open a task and record the visit (plain multipart form; the page script uses the API)."""
    task = own_task_or_error(task_id)
    questions = task.claim.report.cycle.questions
    error = None
    form_data = request.form
    if request.method == "POST":
        data = form_to_dict(request.form, [q.id for q in questions])
        try:
            parsed = parse_verification(data, [q.id for q in questions])
            if existing_submission(parsed.client_uuid, current_user, task) is None:
                uploads = [f.read() for f in request.files.getlist("photos") if f and f.filename]
                # Everything else is checked first, so a refused visit leaves no files behind.
                check_task_is_yours(task, current_user)
                check_submittable(task, parsed, new_photos=len(uploads))
                for data in uploads:
                    parsed.photo_sha256.append(save_photo(data, upload_root(), current_user).sha256)
            _verification, created = submit_verification(task, current_user, parsed)
            db.session.commit()
            if created:
                flash(_("Submitted. Thank you."))
            return redirect(url_for("field.my_tasks"))
        except OperationError as exc:
            db.session.rollback()
            if exc.status == 403:
                abort(403)
            error = exc.message
        except IntegrityError:
            # The same client UUID arrived twice at once; the first one stands.
            db.session.rollback()
            return redirect(url_for("field.my_tasks"))
    editable = task.state in ("assigned", "returned")
    blind = editable and needs_blind_step(task)
    status = 400 if error else 200
    return render_template("field/task.html", task=task, questions=questions, findings=FINDINGS,
                           error=error, editable=editable, client_uuid=request.form.get("client_uuid") or str(uuid.uuid4()),
                           form=form_data, interview_slots=5, blind=blind,
                           claim_text=masked_claim_text(task.claim.text) if blind else task.claim.text), status


@bp.route("/tasks/<int:task_id>/reveal", methods=["POST"])
@roles_required("examiner")
def reveal(task_id: int):
    """Blind step: record the observed quantity, then show the claim with its figures."""
    task = own_task_or_error(task_id)
    raw = request.form.get("observed_qty", "")
    try:
        qty = float(raw)
        if not math.isfinite(qty) or qty < 0:
            raise ValueError
    except ValueError:
        flash(_("The observed quantity must be a number."), "error")
        return redirect(url_for("field.task", task_id=task_id))
    try:
        record_blind_count(task, current_user._get_current_object(), qty)
        db.session.commit()
    except OperationError as exc:
        db.session.rollback()
        flash(exc.message, "error")
    return redirect(url_for("field.task", task_id=task_id))


@bp.route("/photos/<sha256>/<kind>")
@roles_required("organizer", "reviewer", "examiner")
def photo(sha256: str, kind: str):
    """A photo's display copy or thumbnail (never the original with its GPS)."""
    if kind not in ("display", "thumb"):
        abort(404)
    photo = db.session.scalar(sa.select(Photo).where(Photo.sha256 == sha256))
    if photo is None:
        abort(404)
    if not current_user.has_role("organizer", "reviewer") and photo.uploaded_by_id != current_user.id:
        abort(403)
    path = blob_path(upload_root(), sha256)
    derived = path.with_name(f"{sha256}.{kind}.jpg")
    if not derived.exists():
        abort(404)
    return send_file(derived, mimetype="image/jpeg", max_age=86400)
