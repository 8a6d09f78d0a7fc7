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
