"""The JSON API the examiner's page script (and later the offline outbox) talks to.

Every call is safe to repeat: photos are keyed by their SHA-256, verifications by the
client-generated UUID, so a retry after a dropped connection never stores anything twice.
Refusals become JSON through the app's one OperationError handler.
"""

from __future__ import annotations

import hashlib

from flask import Blueprint, jsonify, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from ..access import roles_required
from ..assignment.access import with_own_task
from ..assignment.models import Task
from ..errors import OperationError
from .operations import save_photo, submit_verification, upload_root
from .submission import parse_verification

bp = Blueprint("field_api", __name__, url_prefix="/api")


def verification_json(verification, created: bool):
    return {"id": verification.id, "client_uuid": verification.client_uuid, "task": verification.task_id,
            "state": verification.task.state, "created": created,
            "photos": [p.sha256 for p in verification.photos],
            "redirect": url_for("field.my_tasks")}


@bp.route("/photos", methods=["POST"])
@roles_required("examiner")
def upload_photo():
    """Upload one photo; `sha256` (optional) is checked against the bytes that arrived."""
    upload = request.files.get("photo")
    if upload is None:
        raise OperationError(_("Choose a photo to upload."), code="no_file")
    data = upload.read()
    claimed = (request.form.get("sha256") or "").lower()
    actual = hashlib.sha256(data).hexdigest()
    if claimed and claimed != actual:
        raise OperationError(_("The photo arrived damaged; send it again."), status=422, code="sha_mismatch")
    save_photo(data, upload_root(), current_user, request.form.to_dict())
    return jsonify(sha256=actual, stored=True), 200


@bp.route("/tasks/<int:task_id>/verifications", methods=["POST"])
@roles_required("examiner")
@with_own_task
def submit(task: Task):
    """Submit a verification as JSON; a repeat with the same client_uuid answers with the first result."""
    body = request.get_json(silent=True)
    if not isinstance(body, dict):
        raise OperationError(_("The request could not be understood."), code="bad_json")
    questions = [q.id for q in task.claim.report.cycle.questions]
    verification, created = submit_verification(task, current_user, parse_verification(body, questions))
    return jsonify(verification_json(verification, created)), (201 if created else 200)
