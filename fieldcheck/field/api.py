"""The JSON API the examiner's page script and its offline outbox talk to.

Every call is safe to repeat: photos are keyed by their SHA-256, verifications by the
client-generated UUID (also when a repeat races the first try), the blind count is kept once,
so a retry after a dropped connection never stores anything twice.
Refusals become JSON through the app's one OperationError handler.
"""

from __future__ import annotations

import hashlib
import math

from flask import Blueprint, Response, jsonify, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from ..access import roles_required
from ..assignment.access import with_own_task
from ..assignment.models import Task
from ..errors import OperationError
from ..web import refuse
from .operations import (existing_submission, masked_claim_text, needs_blind_step, photos_already_stored,
                         qr_answer_count, record_blind_count, save_photo, submit_verification)
from .pack import build_pack, generated_at, pack_etag
from .submission import SHA256_RE, parse_client_uuid, parse_started_at, parse_verification

MAX_HAVE = 100

bp = Blueprint("field_api", __name__, url_prefix="/api")


def verification_json(verification) -> dict:
    """What was stored; only facts that never change, so every repeat gets the same body."""
    return {"id": verification.id, "client_uuid": verification.client_uuid, "task": verification.task_id,
            "photos": [p.sha256 for p in verification.photos],
            "submitted_at": verification.submitted_at.isoformat(),
            "redirect": url_for("field.my_tasks")}


def json_body() -> dict:
    body = request.get_json(silent=True)
    if not isinstance(body, dict):
        raise OperationError(_("The request could not be understood."), code="bad_json")
    return body


def unchanged(etag: str) -> bool:
    """Whether the client holds this version (compression adds ":gzip" or ":br" to the ETag it saw)."""
    held = request.if_none_match.as_set(include_weak=True)
    return any(tag.split(":", 1)[0] == etag for tag in held)


@bp.route("/pack")
@roles_required("examiner")
def pack():
    """The examiner's task pack for working offline; `If-None-Match` with the last ETag gives 304."""
    content = build_pack(current_user)
    etag = pack_etag(content)
    if unchanged(etag):
        response = Response(status=304)
    else:
        response = jsonify(generated_at=generated_at(), **content)
    response.set_etag(etag)
    # Personal: never kept by a shared cache; the phone always asks (a cheap 304 when unchanged).
    response.headers["Cache-Control"] = "private, no-cache"
    response.vary.add("Cookie")
    return response


@bp.route("/photos/have", methods=["POST"])
@roles_required("examiner")
def photos_have():
    """Which of these photos need not be sent again: those this examiner already uploaded."""
    shas = json_body().get("sha256")
    if not isinstance(shas, list) or not all(isinstance(s, str) for s in shas):
        raise OperationError(_("A photo reference is malformed; upload the photo again."), code="bad_sha256")
    if len(shas) > MAX_HAVE:
        raise OperationError(_("Ask about at most %(n)d photos at once.", n=MAX_HAVE), code="too_many")
    shas = list(dict.fromkeys(s.lower() for s in shas))
    if any(not SHA256_RE.match(s) for s in shas):
        raise OperationError(_("A photo reference is malformed; upload the photo again."), code="bad_sha256")
    return jsonify(have=photos_already_stored(current_user, shas))


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
    save_photo(data, current_user, request.form.to_dict())
    return jsonify(sha256=actual, stored=True), 200


@bp.route("/tasks/<int:task_id>/verifications", methods=["POST"])
@roles_required("examiner")
@with_own_task
def submit(task: Task):
    """Submit a verification as JSON; a repeat with the same client_uuid answers with the first result."""
    questions = [q.id for q in task.claim.report.cycle.questions]
    data = parse_verification(json_body(), questions)
    examiner = current_user._get_current_object()
    try:
        verification, created = submit_verification(task, examiner, data)
    except OperationError as exc:
        if exc.code != "conflict":
            raise
        # A repeat that raced its first try loses the task's conditional UPDATE; once that try
        # committed, this is an ordinary repeat and gets the same answer.
        refuse(exc)
        verification, created = existing_submission(data.client_uuid, examiner, task), False
        if verification is None:
            raise
    return jsonify(verification_json(verification)), (201 if created else 200)


@bp.route("/tasks/<int:task_id>/reveal", methods=["POST"])
@roles_required("examiner")
@with_own_task
def reveal(task: Task):
    """Blind step: keep the examiner's count (once), then answer with the claim's figures."""
    body = json_body()
    qty = body.get("observed_qty")
    if isinstance(qty, bool) or not isinstance(qty, (int, float)) or not math.isfinite(qty) or qty < 0:
        raise OperationError(_("The observed quantity must be a number."), code="bad_quantity")
    record_blind_count(task, current_user._get_current_object(), float(qty), parse_started_at(body.get("counted_at")))
    claim = task.claim
    blind = needs_blind_step(task)
    return jsonify(claim_text=masked_claim_text(claim.text) if blind else claim.text,
                   claimed_qty=None if blind else claim.claimed_qty, qty_unit=claim.qty_unit,
                   blind_qty=task.blind_qty)


@bp.route("/tasks/<int:task_id>/qr-count")
@roles_required("examiner")
@with_own_task
def qr_count(task: Task):
    """How many residents have rated this visit (task + the page's client UUID) on their own phones."""
    uuid = parse_client_uuid(request.args.get("client_uuid"))
    response = jsonify(count=qr_answer_count(task, uuid))
    response.headers["Cache-Control"] = "no-store"
    return response
