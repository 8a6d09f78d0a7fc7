"""The examiner's phone pages: my tasks, and the visit form (the no-script fallback)."""

from __future__ import annotations

import math
import re
import uuid

from flask import Blueprint, Response, abort, flash, redirect, render_template, request, send_file, url_for
from flask_babel import gettext as _
from flask_login import current_user

from ..access import roles_required
from ..assignment.access import with_own_task
from ..assignment.models import Task
from ..assignment.states import can_submit
from ..errors import OperationError
from ..evidence.models import Photo
from ..evidence.store import photo_store
from ..evidence.storage import FolderStore, derived_key
from ..web import change_and_flash, refuse
from .access import with_visible_photo
from .models import FINDINGS
from .operations import (check_submittable, existing_submission, masked_claim_text, needs_blind_step,
                         record_blind_count, save_photo, submit_verification)
from .submission import form_to_dict, parse_verification
from .tasklist import task_page

bp = Blueprint("field", __name__)


# Tasks per page of /tasks. The page script draws the whole list from the task pack (/api/pack), which
# carries every task for working offline; the server's pages are the no-script list and the first paint.
TASKS_PAGE = 50
AFTER = re.compile(r"([oud])([0-9]{1,9})")  # an id fits a 32-bit integer column


@bp.route("/tasks")
@roles_required("examiner")
def my_tasks():
    """The examiner's own tasks a page at a time: open ones in route order (cycle, day, stop), open ones not
    yet on a route, then the submitted and decided ones. `after=<part><task id>` names the last one seen."""
    match = AFTER.fullmatch(request.args.get("after", ""))
    page = task_page(current_user.id, (match[1], int(match[2])) if match else None, TASKS_PAGE)
    next_after = f"{page.next_after[0]}{page.next_after[1]}" if page.next_after else None
    return render_template("field/tasks.html", days=page.days, unplanned=page.unplanned, done=page.done,
                           next_after=next_after, first=match is not None)


def store_plain_visit(task: Task) -> bool:
    """The no-script form: photos arrive with the visit. Returns whether a new verification was stored."""
    questions = [q.id for q in task.claim.report.cycle.questions]
    parsed = parse_verification(form_to_dict(request.form, questions), questions)
    if existing_submission(parsed.client_uuid, current_user, task) is None:
        uploads = [f.read() for f in request.files.getlist("photos") if f and f.filename]
        # Everything else is checked first, so a refused visit leaves no files behind.
        check_submittable(task, parsed, new_photos=len(uploads))
        for data in uploads:
            parsed.photo_sha256.append(save_photo(data, current_user).sha256)
    _verification, created = submit_verification(task, current_user, parsed)
    return created


@bp.route("/tasks/<int:task_id>", methods=["GET", "POST"])
@roles_required("examiner")
@with_own_task
def task(task: Task):
    """Open a task and record the visit (plain multipart form; the page script uses the API)."""
    questions = task.claim.report.cycle.questions
    error = None
    if request.method == "POST":
        try:
            if store_plain_visit(task):
                flash(_("Submitted. Thank you."))
            return redirect(url_for("field.my_tasks"))
        except OperationError as exc:
            refuse(exc)
            if exc.status == 403:
                abort(403)
            error = exc.message
    editable = can_submit(task)
    blind = editable and needs_blind_step(task)
    return render_template("field/task.html", task=task, questions=questions, findings=FINDINGS,
                           error=error, editable=editable,
                           client_uuid=request.form.get("client_uuid") or str(uuid.uuid4()),
                           form=request.form, interview_slots=5, blind=blind,
                           claim_text=masked_claim_text(task.claim.text) if blind else task.claim.text), \
        (400 if error else 200)


@bp.route("/tasks/<int:task_id>/reveal", methods=["POST"])
@roles_required("examiner")
@with_own_task
def reveal(task: Task):
    """Blind step: record the observed quantity, then show the claim with its figures."""
    raw = request.form.get("observed_qty", "")
    try:
        qty = float(raw)
        if not math.isfinite(qty) or qty < 0:
            raise ValueError
    except ValueError:
        flash(_("The observed quantity must be a number."), "error")
        return redirect(url_for("field.task", task_id=task.id))
    change_and_flash(lambda: record_blind_count(task, current_user._get_current_object(), qty),
                     lambda _r: _("Your count is recorded; the claimed figures are shown now."))
    return redirect(url_for("field.task", task_id=task.id))


@bp.route("/photos/<sha256>/<kind>")
@roles_required("organizer", "reviewer", "examiner")
@with_visible_photo
def photo(photo: Photo, kind: str):
    """A photo's display copy or thumbnail (never the original with its GPS)."""
    if kind not in ("display", "thumb"):
        abort(404)
    store, key = photo_store(), derived_key(photo.sha256, kind)
    if isinstance(store, FolderStore):
        if not store.exists(key):
            abort(404)
        return send_file(store.path(key), mimetype="image/jpeg", max_age=86400)
    data = store.get(key)  # from the bucket, through this access check: the bucket is never public
    if data is None:
        abort(404)
    response = Response(data, mimetype="image/jpeg")
    response.cache_control.private, response.cache_control.max_age = True, 86400
    return response
