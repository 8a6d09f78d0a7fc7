"""A task's states: unassigned → assigned → submitted → approved | returned (→ submitted again) | rejected."""

from __future__ import annotations

from ..states import StateMachine

TASK = StateMachine("task", {
    "unassigned": frozenset({"assigned"}),
    # assigned -> assigned: given to another examiner before anything was submitted.
    "assigned": frozenset({"assigned", "unassigned", "submitted"}),
    "submitted": frozenset({"approved", "returned", "rejected"}),
    "returned": frozenset({"submitted"}),
    "approved": frozenset(),
    # A rejected visit can be sent out again: the claim stays in the sample until it is checked.
    "rejected": frozenset({"assigned", "unassigned"}),
})
DECISION_STATE = {"approve": "approved", "return": "returned", "reject": "rejected"}


def can_assign(task) -> bool:
    """The task can be given (or given to someone else, or taken back)."""
    return TASK.can(task.state, "assigned") or TASK.can(task.state, "unassigned")


def can_submit(task) -> bool:
    return TASK.can(task.state, "submitted")


def can_decide(task, verification) -> bool:
    """The reviewer may decide this verification: it is the task's latest and is waiting."""
    return task.state == "submitted" and task.latest is verification
