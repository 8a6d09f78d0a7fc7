"""The JSON API the examiner's page script (and later the offline outbox) talks to.

Every call is safe to repeat: photos are keyed by their SHA-256, verifications by the
client-generated UUID, so a retry after a dropped connection never stores anything twice.
"""

from __future__ import annotations

import hashlib

from flask import Blueprint, jsonify, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy.exc import IntegrityError

from ..accounts.access import roles_required
from ..db import db
from ..errors import OperationError
from .models import Task
from .operations import existing_submission, save_photo, submit_verification
from .submission import parse_client_uuid, parse_verification
from .views import upload_root

bp = Blueprint("field_api", __name__, url_prefix="/api")


def error_response(exc: OperationError):
    return jsonify(error=exc.code, message=exc.message), exc.status


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
        return jsonify(error="no_file", message=_("Choose a photo to upload.")), 400
    data = upload.read()
    claimed = (request.form.get("sha256") or "").lower()
    actual = hashlib.sha256(data).hexdigest()
    if claimed and claimed != actual:
        return jsonify(error="sha_mismatch", message=_("The photo arrived damaged; send it again.")), 422
    try:
        photo = save_photo(data, upload_root(), current_user, request.form.to_dict())
        db.session.commit()
    except OperationError as exc:
        db.session.rollback()
        return error_response(exc)
    except IntegrityError:
        db.session.rollback()  # the same photo arrived twice at once: it is stored
    return jsonify(sha256=actual, stored=True), 200


@bp.route("/tasks/<int:task_id>/verifications", methods=["POST"])
@roles_required("examiner")
def submit(task_id: int):
    """Submit a verification as JSON; a repeat with the same client_uuid answers with the first result."""
    task = db.session.get(Task, task_id)
    if task is None:
        return jsonify(error="not_found", message=_("There is nothing at this address.")), 404
    body = request.get_json(silent=True)
    if not isinstance(body, dict):
        return jsonify(error="bad_json", message=_("The request could not be understood.")), 400
    questions = [q.id for q in task.claim.report.cycle.questions]
    try:
        parsed = parse_verification(body, questions)
        verification, created = submit_verification(task, current_user, parsed)
        db.session.commit()
    except OperationError as exc:
        db.session.rollback()
        return error_response(exc)
    except IntegrityError:
        db.session.rollback()
        verification = existing_submission(parse_client_uuid(body.get("client_uuid")), current_user, task)
        if verification is None:
            raise
        created = False
    return jsonify(verification_json(verification, created)), (201 if created else 200)
