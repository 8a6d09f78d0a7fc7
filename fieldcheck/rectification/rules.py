"""The pure rules of rectification: an item's shown status, overdue, what counts as finished, carry-over.

No Flask and no database: plain values in, plain values out (tests/unit/test_rectification_rules.py).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, timedelta

STATUSES = ("open", "in_progress", "done", "overdue")
# An item signed off this long before the new cycle opened is still carried (recently closed).
RECENT_DAYS = 365
# The grades that call for a reminder talk (约谈提醒).
TALK_GRADES = ("一般", "差")


def status_of(state: str, deadline: date | None, today: date, done_on: date | None = None) -> str:
    """open / in_progress / done / overdue, as shown: computed, never stored.

    done means signed off by the organizer. An item past its deadline and not signed off is overdue,
    unless the unit finished it (state `done`, awaiting sign-off) on or before the deadline.
    """
    if state == "signed_off":
        return "done"
    if deadline is not None and deadline < today:
        if not (state == "done" and done_on is not None and done_on <= deadline):
            return "overdue"
    return "in_progress" if state == "done" else state


def is_overdue(state: str, deadline: date | None, today: date, done_on: date | None = None) -> bool:
    return status_of(state, deadline, today, done_on) == "overdue"


def talk_required(grade: str | None) -> bool:
    return grade in TALK_GRADES


@dataclass(frozen=True)
class EarlierItem:
    item_id: int
    unit_id: int
    cycle_created: datetime
    state: str
    signed_off_at: datetime | None


def to_carry(items: Iterable[EarlierItem], opened: datetime, recent_days: int = RECENT_DAYS) -> list[int]:
    """The earlier items a cycle opened at `opened` carries: every one not signed off, and those signed
    off within `recent_days` before it (their cycle opened before this one)."""
    since = opened - timedelta(days=recent_days)
    return sorted(i.item_id for i in items if i.cycle_created < opened and (
        i.state != "signed_off" or (i.signed_off_at is not None and i.signed_off_at >= since)))


@dataclass(frozen=True)
class Finding:
    """One finding of the assessment that becomes a rectification item."""

    source: str  # claim | flag | lead | note
    key: str  # stable: "claim:<id>", "flag:<id>", "lead:<id>", "note:<review id>"
    label: str  # where it came from, public-safe (a claim's public id)
    finding: str  # what was found: partly, not_verified, site_not_found, rejected, not_visited, a flag code, lead, note
    problem: str


def new_findings(findings: Iterable[Finding], existing_keys: set[str]) -> list[Finding]:
    """The findings not yet on the list, once each: running generation twice adds nothing."""
    seen, out = set(existing_keys), []
    for f in findings:
        if f.key not in seen:
            seen.add(f.key)
            out.append(f)
    return out
