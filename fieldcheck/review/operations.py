"""A reviewer's decision on a submitted verification."""

from __future__ import annotations

from flask_babel import gettext as _

from ..accounts.models import User
from ..assignment.operations import has_conflict
from ..assignment.states import DECISION_STATE, TASK, can_decide
from ..cycles.states import takes_decisions
from ..errors import OperationError
from ..extensions import db
from ..field.access import examined_claim
from ..field.models import Verification
from .models import DECISIONS, Review


def decide(verification: Verification, reviewer: User, decision: str, reason: str) -> Review:
    """Approve, return (for more evidence) or reject; a return or rejection needs a reason."""
    task = verification.task
    if decision not in DECISIONS:
        raise OperationError(_("Choose approve, return or reject."))
    if examined_claim(reviewer, task.claim_id):
        raise OperationError(_("You cannot review your own verification."), status=403, code="forbidden")
    if has_conflict(reviewer, task.claim):
        raise OperationError(_("You cannot review a claim of your own unit."), status=403, code="forbidden")
    if not takes_decisions(task.claim.report.cycle):
        raise OperationError(_("This cycle is closed; its decisions are final."), status=409)
    if not can_decide(task, verification):
        raise OperationError(_("This verification was already decided."), status=409)
    reason = reason.strip()
    if decision in ("return", "reject") and not reason:
        raise OperationError(_("Give a reason: the examiner will read it."))
    if len(reason) > 1000:
        raise OperationError(_("The reason is too long (at most 1000 characters)."))
    TASK.move(task, DECISION_STATE[decision], f"task.{decision}", task.claim.public_id, actor=reviewer,
              return_reason=reason if decision == "return" else "", after_data={"reason": reason})
    review = Review(verification=verification, reviewer=reviewer, decision=decision, reason=reason)
    db.session.add(review)
    db.session.flush()
    return review
