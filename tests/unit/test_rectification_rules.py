"""The pure rules of rectification: the shown status (overdue computed), carry-over, findings once."""

from __future__ import annotations

from datetime import date, datetime, timedelta, timezone

import pytest

from fieldcheck.rectification.rules import (EarlierItem, Finding, is_overdue, new_findings, status_of,
                                            talk_required, to_carry)
from fieldcheck.rectification.states import ITEM, may_move

TODAY = date(2026, 5, 10)


@pytest.mark.parametrize(("state", "deadline", "done_on", "shown"), [
    ("open", None, None, "open"),  # no deadline: never overdue
    ("open", date(2026, 5, 10), None, "open"),  # due today: not yet late
    ("open", date(2026, 5, 9), None, "overdue"),
    ("in_progress", date(2026, 5, 11), None, "in_progress"),
    ("in_progress", date(2026, 1, 1), None, "overdue"),
    # done by the unit, waiting for sign-off: shown in progress (done counts only when signed off) …
    ("done", date(2026, 6, 1), date(2026, 5, 1), "in_progress"),
    # … not overdue when finished by the deadline, overdue when finished late
    ("done", date(2026, 5, 1), date(2026, 4, 30), "in_progress"),
    ("done", date(2026, 5, 1), date(2026, 5, 2), "overdue"),
    ("signed_off", date(2020, 1, 1), date(2026, 5, 2), "done"),  # signed off: done, whenever
])
def test_status_is_computed_from_state_deadline_and_today(state, deadline, done_on, shown):
    assert status_of(state, deadline, TODAY, done_on) == shown
    assert is_overdue(state, deadline, TODAY, done_on) == (shown == "overdue")


def test_the_same_item_becomes_overdue_the_day_after_its_deadline():
    deadline = date(2026, 3, 31)
    assert [status_of("open", deadline, deadline + timedelta(days=d)) for d in (-1, 0, 1)] == \
        ["open", "open", "overdue"]


def test_only_an_organizer_signs_off_sends_back_and_reopens():
    assert may_move("done", "signed_off", organizer=True) and not may_move("done", "signed_off", organizer=False)
    assert may_move("done", "in_progress", organizer=True) and not may_move("done", "in_progress", organizer=False)
    assert not may_move("signed_off", "in_progress", organizer=False)
    assert may_move("open", "done", organizer=False) and not may_move("open", "signed_off", organizer=True)
    assert "overdue" not in ITEM.states


def test_talks_follow_yiban_and_cha_only():
    assert [talk_required(g) for g in ("好", "较好", "一般", "差", None)] == [False, False, True, True, False]


def test_carry_over_takes_open_items_and_those_signed_off_within_a_year_of_earlier_cycles():
    t = lambda y, m=1, d=1: datetime(y, m, d, tzinfo=timezone.utc)  # noqa: E731
    opened = t(2026, 3, 1)
    items = [
        EarlierItem(1, 7, t(2025), "open", None),
        EarlierItem(2, 7, t(2025), "in_progress", None),
        EarlierItem(3, 7, t(2025), "done", None),  # not signed off: still open for the committee
        EarlierItem(4, 7, t(2025), "signed_off", t(2025, 3, 2)),  # 364 days before: recent
        EarlierItem(5, 7, t(2024), "signed_off", t(2025, 2, 28)),  # 366 days before: not carried
        EarlierItem(6, 8, t(2026, 4, 1), "open", None),  # a later cycle's item: not carried back
    ]
    assert to_carry(items, opened) == [1, 2, 3, 4]
    assert to_carry(items, opened, recent_days=0) == [1, 2, 3]


def test_findings_are_added_once():
    f = [Finding("claim", "claim:1", "2025/a/1", "partly", "x"), Finding("flag", "flag:9", "2025/a/1", "far", "x"),
         Finding("claim", "claim:1", "2025/a/1", "partly", "x")]
    assert [x.key for x in new_findings(f, set())] == ["claim:1", "flag:9"]
    assert [x.key for x in new_findings(f, {"claim:1"})] == ["flag:9"]
    assert new_findings(f, {"claim:1", "flag:9"}) == []
