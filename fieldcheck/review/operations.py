"""A reviewer's decision on a submitted verification."""

from __future__ import annotations

from flask_babel import gettext as _

from ..accounts.models import User
from ..audit.models import record
from ..db import db
from ..errors import OperationError
from ..field.models import Verification
from .models import DECISIONS, Review

def examined_claim(user: User, claim_id: int) -> bool:
    """Whether the person visited this claim, first visit or back-check alike."""
    import sqlalchemy as sa

    from ..field.models import Task

    return db.session.scalar(sa.select(sa.func.count()).select_from(Verification).join(Task).where(
        Task.claim_id == claim_id, Verification.examiner_id == user.id)) > 0


NEXT_STATE = {"approve": "approved", "return": "returned", "reject": "rejected"}


def decide(verification: Verification, reviewer: User, decision: str, reason: str) -> Review:
    """Approve, return (for more evidence) or reject; a return or rejection needs a reason."""
    task = verification.task
    if decision not in DECISIONS:
        raise OperationError(_("Choose approve, return or reject."))
    if examined_claim(reviewer, task.claim_id):
        raise OperationError(_("You cannot review your own verification."), status=403, code="forbidden")
    from ..assignment.operations import has_conflict

    if has_conflict(reviewer, task.claim):
        raise OperationError(_("You cannot review a claim of your own unit."), status=403, code="forbidden")
    if task.state != "submitted" or task.latest is not verification:
        raise OperationError(_("This verification was already decided."), status=409)
    reason = reason.strip()
    if decision in ("return", "reject") and not reason:
        raise OperationError(_("Give a reason: the examiner will read it."))
    if len(reason) > 1000:
        raise OperationError(_("The reason is too long (at most 1000 characters)."))
    from ..field.operations import move_task

    before = move_task(task, ("submitted",), NEXT_STATE[decision], reason if decision == "return" else "")
    review = Review(verification=verification, reviewer=reviewer, decision=decision, reason=reason)
    db.session.add(review)
    db.session.flush()
    record(f"task.{decision}", "task", task.claim.public_id, actor=reviewer, before={"state": before},
           after={"state": task.state, "reason": reason})
    return review
