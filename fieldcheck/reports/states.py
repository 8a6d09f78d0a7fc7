"""A claim's states: proposed → confirmed | excluded (plans, problems and slogans are not claims)."""

from __future__ import annotations

from ..states import StateMachine

# "proposed" lives only in the claims editor (a proposal is not a row until it is decided).
CLAIM = StateMachine("claim", {
    "proposed": frozenset({"confirmed", "excluded"}),
    "confirmed": frozenset({"excluded"}),
    "excluded": frozenset(),
})


def can_edit_claim(claim) -> bool:
    """A claim is edited, split, merged or excluded only while it is confirmed and the cycle a draft."""
    return claim.state == "confirmed" and claim.report.cycle.state == "draft"


# A drafting (审稿): the office reviews the last draft (submitted), returns it with comments for the
# next round (returned → submitted with the next draft), or approves it, which files it (备案).
DRAFTING = StateMachine("drafting", {
    "submitted": frozenset({"returned", "filed"}),
    "returned": frozenset({"submitted"}),
    "filed": frozenset(),
})


def can_comment(drafting) -> bool:
    """The office comments on the last draft while it reviews it, and only before the cycle is published."""
    return drafting.state == "submitted" and drafting.cycle.state == "draft"


def can_upload_next(drafting) -> bool:
    """The next draft is uploaded once the last one was returned with its comments."""
    return drafting.state == "returned" and drafting.cycle.state == "draft"


def can_file(drafting) -> bool:
    """Approving files the last draft as the cycle's report: only while the cycle is a draft."""
    return DRAFTING.can(drafting.state, "filed") and drafting.cycle.state == "draft"
