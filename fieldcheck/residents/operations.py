"""Residents rate the work on their own phones through a one-time QR link.

Only the token's SHA-256 is stored; nothing identifies the resident: no name, phone number,
IP address or account. A token works once, expires, and belongs to one visit (task + the visit's
client UUID), whose verification picks the answers up at submit.
"""

from __future__ import annotations

import hashlib
import secrets
from datetime import timedelta

import sqlalchemy as sa
from flask_babel import gettext as _

from ..accounts.models import User
from ..audit.models import record
from ..db import utcnow
from ..extensions import db
from ..errors import OperationError
from ..assignment.models import Task
from ..assignment.states import can_submit
from ..cycles.settings import settings_of
from ..field.models import RESPONDENT_KINDS, Interview, Rating
from ..field.operations import check_task_is_yours, needs_blind_step
from ..field.submission import parse_client_uuid
from .models import RatingToken


def token_hash(raw: str) -> str:
    return hashlib.sha256(raw.encode("utf-8")).hexdigest()


def issue_token(task: Task, examiner: User, client_uuid: str) -> tuple[str, RatingToken]:
    """A new one-time link for one respondent of this visit; returns (raw token, row)."""
    check_task_is_yours(task, examiner)
    if not can_submit(task):
        raise OperationError(_("This task was already submitted and is waiting for review."), status=409)
    uuid = parse_client_uuid(client_uuid)
    if needs_blind_step(task):  # the resident's page shows the claim with its figures
        raise OperationError(_("Record your own count first; then show residents the code."), status=409)
    raw = secrets.token_urlsafe(16)
    hours = settings_of(task.claim.report.cycle).qr_token_hours
    row = RatingToken(token_sha256=token_hash(raw), task=task, client_uuid=uuid,
                      expires_at=utcnow() + timedelta(hours=hours))
    db.session.add(row)
    db.session.flush()
    record("rating_token.issue", "task", task.claim.public_id, actor=examiner,
           after={"visit": uuid, "expires_at": row.expires_at.isoformat()})
    return raw, row


def find_token(raw: str) -> RatingToken:
    """The usable token for `raw`, or a refusal saying why (unknown, used, expired)."""
    row = db.session.scalar(sa.select(RatingToken).where(RatingToken.token_sha256 == token_hash(raw)))
    if row is None:
        raise OperationError(_("This link is not valid. Ask the examiner for a new code."), status=404,
                             code="token_unknown")
    if row.used_at is not None:
        raise OperationError(_("This code was already used. Thank you — each code counts once."), status=410,
                             code="token_used")
    if row.expires_at <= utcnow() or not can_submit(row.task):
        # Also closed once the visit was submitted: a late answer would belong to nothing.
        raise OperationError(_("This code has expired. Ask the examiner for a new one."), status=410,
                             code="token_expired")
    return row


def answer(raw: str, respondent: str, ratings: dict[int, int], comment: str) -> Interview:
    """Store one resident's answers and spend the token (exactly once, even under a double tap)."""
    row = find_token(raw)
    questions = [q.id for q in row.task.claim.report.cycle.questions]
    if respondent not in RESPONDENT_KINDS:
        raise OperationError(_("Say whether you are a party member or a resident."))
    if set(ratings) != set(questions) or any(not 1 <= v <= 5 for v in ratings.values()):
        raise OperationError(_("Please answer every question with 1 to 5."))
    comment = comment.strip()
    if len(comment) > 500:
        raise OperationError(_("The comment may be at most 500 characters."))
    # Claim the token atomically: of two simultaneous submits only one updates the row.
    spent = db.session.execute(
        sa.update(RatingToken).where(RatingToken.id == row.id, RatingToken.used_at.is_(None))
        .values(used_at=utcnow())).rowcount
    if spent != 1:
        raise OperationError(_("This code was already used. Thank you — each code counts once."), status=410,
                             code="token_used")
    interview = Interview(task_id=row.task_id, client_uuid=row.client_uuid, respondent=respondent, source="qr",
                          comment=comment,
                          ratings=[Rating(question_id=q, value=v) for q, v in sorted(ratings.items())])
    db.session.add(interview)
    db.session.flush()
    record("interview.qr", "task", row.task.claim.public_id, actor=None, after={"visit": row.client_uuid})
    return interview
