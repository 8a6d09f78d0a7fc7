"""One state machine per entity: a table of allowed transitions and the one function that moves state.

Each area declares its entity's table (`cycles/states.py`, `reports/states.py`,
`assignment/states.py`); `StateMachine.move` is the only code that writes a state. It checks the
table, changes the row with one conditional UPDATE (so of two racing requests only one moves it,
the other is told to reload) and writes the audit event. Templates and views ask `can(...)`
instead of repeating the rules.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import sqlalchemy as sa
from flask_babel import gettext as _

from .audit.models import AuditEvent, record
from .errors import OperationError
from .extensions import db


@dataclass(frozen=True)
class StateMachine:
    entity: str  # the audit trail's entity name: "cycle", "claim", "task"
    transitions: Mapping[str, frozenset[str]]  # state -> states it may move to

    @property
    def states(self) -> frozenset[str]:
        return frozenset(self.transitions) | frozenset(s for to in self.transitions.values() for s in to)

    def can(self, before: str, after: str) -> bool:
        """Whether the table allows before -> after."""
        return after in self.transitions.get(before, frozenset())

    def sources(self, after: str) -> frozenset[str]:
        """Every state from which `after` may be reached."""
        return frozenset(s for s, to in self.transitions.items() if after in to)

    def move(self, obj, after: str, action: str, label: str, *, actor=None, before_data: dict | None = None,
             after_data: dict | None = None, **values) -> AuditEvent:
        """Move `obj` to `after` (setting `values` too) in one conditional UPDATE; return the audit event written.

        Refused with 409 when the table does not allow it, or when someone else moved the row
        since it was read.
        """
        before = obj.state
        if not self.can(before, after):
            raise OperationError(
                _("This cannot be done now: %(entity)s is %(before)s.", entity=_(self.entity), before=_(before)),
                status=409, code="illegal_transition")
        model = type(obj)
        moved = db.session.execute(
            sa.update(model).where(model.id == obj.id, model.state == before)
            .values(state=after, **values).execution_options(synchronize_session="fetch")).rowcount
        if moved != 1:
            raise OperationError(_("Someone else changed this a moment ago; reload the page."), status=409,
                                 code="conflict")
        return record(action, self.entity, label, actor=actor, before={"state": before, **(before_data or {})},
                      after={"state": after, **(after_data or {})})
