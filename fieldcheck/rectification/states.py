"""A rectification item's states: open → in_progress → done → signed_off (the organizer's sign-off).

`overdue` is never stored: it is computed from the deadline (rules.py `status_of`). `done` is the
unit's word; only the organizer's sign-off makes it count, and the organizer may send it back.
"""

from __future__ import annotations

from ..states import StateMachine

ITEM = StateMachine("rectification_item", {
    "open": frozenset({"in_progress", "done"}),
    "in_progress": frozenset({"open", "done"}),
    "done": frozenset({"signed_off", "in_progress"}),
    # Reopened only by an organizer, on the record.
    "signed_off": frozenset({"in_progress"}),
})
# Who may make each move: the unit works the item, the organizer signs off, sends back and reopens.
UNIT_MOVES = {("open", "in_progress"), ("in_progress", "open"), ("open", "done"), ("in_progress", "done")}
ORGANIZER_MOVES = {("done", "signed_off"), ("done", "in_progress"), ("signed_off", "in_progress"),
                   ("open", "in_progress"), ("in_progress", "open")}


def may_move(before: str, after: str, *, organizer: bool) -> bool:
    return ITEM.can(before, after) and (before, after) in (ORGANIZER_MOVES if organizer else UNIT_MOVES)
