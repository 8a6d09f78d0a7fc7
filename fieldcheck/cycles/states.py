"""The cycle's states: draft → published → sampled → fieldwork → review → closed."""

from __future__ import annotations

from ..states import StateMachine

CYCLE = StateMachine("cycle", {
    "draft": frozenset({"published"}),        # the frame is frozen and the reports published
    "published": frozenset({"sampled"}),      # the public draw
    "sampled": frozenset({"fieldwork"}),      # the first task is given to an examiner
    "fieldwork": frozenset({"review"}),       # fieldwork ended: no more visits are taken
    "review": frozenset({"closed"}),          # every figure frozen, with a snapshot and its SHA-256
    # Reopening: a recorded reason and a second organizer (grading/closing.py); the snapshot stays.
    "closed": frozenset({"review"}),
})


def can_configure(cycle) -> bool:
    """Aspects, questions and the draw rule change only while the cycle is a draft."""
    return cycle.state == "draft"


def can_assign(cycle) -> bool:
    """Examiners are given tasks after the draw and until fieldwork ends."""
    return cycle.state in ("sampled", "fieldwork")


def takes_visits(cycle) -> bool:
    """Visits are submitted during fieldwork only."""
    return cycle.state == "fieldwork"


def takes_decisions(cycle) -> bool:
    """Reviewers decide during fieldwork and review; a closed cycle is frozen."""
    return cycle.state in ("fieldwork", "review")
