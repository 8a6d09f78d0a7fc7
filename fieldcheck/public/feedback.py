"""Feedback from the public on a claim, protected by a honeypot and a rate limit per address.

The address is used only in memory by the rate limiter; it is never written to the database.
"""

from __future__ import annotations

from flask_babel import gettext as _

from ..audit.models import record
from ..extensions import db
from ..errors import OperationError
from ..reports.models import Claim
from ..reports.models import Feedback

HONEYPOT_FIELD = "website"  # hidden from people; bots fill every field


def leave_feedback(claim: Claim, text: str, contact: str, honeypot: str) -> Feedback | None:
    """Store a lead on the claim; a filled honeypot is silently dropped (returns None)."""
    if claim.state != "confirmed" or claim.report.cycle.state == "draft":
        raise OperationError(_("There is nothing at this address."), status=404)
    if honeypot:
        return None
    text, contact = text.strip(), contact.strip()
    if len(text) < 5:
        raise OperationError(_("Please write at least a few words."))
    if len(text) > 2000:
        raise OperationError(_("The feedback may be at most 2000 characters."))
    if len(contact) > 100:
        raise OperationError(_("The contact may be at most 100 characters."))
    feedback = Feedback(claim=claim, text=text, contact=contact)
    db.session.add(feedback)
    db.session.flush()
    record("feedback.create", "claim", claim.public_id or claim.id, actor=None, after={"chars": len(text)})
    return feedback
