"""A reviewer's decision on a submitted verification."""

from __future__ import annotations

from flask_babel import gettext as _

from ..accounts.models import User
from ..audit.models import record
from ..assignment.operations import has_conflict
from ..assignment.routing import plan_missing
from ..assignment.states import DECISION_STATE, TASK, can_decide
from ..cycles.settings import settings_of
from ..cycles.states import takes_decisions
from ..errors import OperationError
from ..extensions import db
from ..field.access import examined_claim
from ..field.models import Verification
from .models import DECISIONS, PROPOSED_REJECTION, Review


def pending_rejection(verification: Verification) -> Review | None:
    """The proposed rejection waiting for a second reviewer, if the verification's last review is one."""
    reviews = verification.reviews
    if reviews and reviews[-1].decision == PROPOSED_REJECTION and verification.task.state == "submitted":
        return reviews[-1]
    return None


def decide(verification: Verification, reviewer: User, decision: str, reason: str, reason_code: str = "") -> Review:
    """Approve, return (for more evidence) or reject; a return or rejection needs a reason.

    When the cycle asks for a second reviewer, a first rejection is only proposed (the task stays
    submitted); another reviewer then confirms it (reject) or overrules it (approve or return).
    """
    task = verification.task
    if decision not in DECISIONS:
        raise OperationError(_("Choose approve, return or reject."))
    if examined_claim(reviewer, task.claim_id):
        raise OperationError(_("You cannot review your own verification."), status=403, code="forbidden")
    if has_conflict(reviewer, task.claim):
        raise OperationError(_("You cannot review a claim of your own unit."), status=403, code="forbidden")
    cycle = task.claim.report.cycle
    if not takes_decisions(cycle):
        raise OperationError(_("This cycle is closed; its decisions are final."), status=409)
    if not can_decide(task, verification):
        raise OperationError(_("This verification was already decided."), status=409)
    settings = settings_of(cycle)
    reason = reason.strip()
    reason_code = reason_code.strip()
    if reason_code and reason_code not in {code for code, _zh, _en in settings.review_reasons}:
        raise OperationError(_("Choose a reason from the list."))
    if decision in ("return", "reject") and not (reason or reason_code):
        raise OperationError(_("Give a reason: the examiner will read it."))
    if reason_code == "other" and not reason:
        raise OperationError(_("Say in the note what the other reason is."))
    if len(reason) > 1000:
        raise OperationError(_("The reason is too long (at most 1000 characters)."))
    pending = pending_rejection(verification)
    if pending is not None and pending.reviewer_id == reviewer.id:
        raise OperationError(_("You proposed this rejection; another reviewer must confirm or overrule it."),
                             status=409)
    if decision == "reject" and settings.second_reviewer_reject and pending is None:
        review = Review(verification=verification, reviewer=reviewer, decision=PROPOSED_REJECTION, reason=reason,
                        reason_code=reason_code)
        db.session.add(review)
        db.session.flush()
        # No state changes: the audit trail records the proposal; the task waits for a second reviewer.
        record("task.propose_reject", "task", task.claim.public_id, actor=reviewer, before={"state": task.state},
               after={"state": task.state, "reason": reason, "reason_code": reason_code})
        return review
    label = settings.reason_label(reason_code, "zh") if reason_code else ""
    note = f"{label}：{reason}" if label and reason else (label or reason)
    after = {"reason": reason, "reason_code": reason_code}
    if pending is not None:
        after["proposed_by"] = pending.reviewer.username
    TASK.move(task, DECISION_STATE[decision], f"task.{decision}", task.claim.public_id, actor=reviewer,
              return_reason=note[:500] if decision == "return" else "", after_data=after)
    review = Review(verification=verification, reviewer=reviewer, decision=decision, reason=reason,
                    reason_code=reason_code)
    db.session.add(review)
    db.session.flush()
    if decision == "return":
        # Open again: back on the examiner's day routes (its stop may have gone with a later replan).
        plan_missing([cycle.id], task.examiner_id)
    return review
