"""Tests for back-checks: the salted draw, the second examiner and disagreement codes."""

from __future__ import annotations

import hashlib
import random

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from fieldcheck.assignment.backcheck import (
    backcheck_salt,
    backcheck_size,
    disagreement,
    draw_backchecks,
    second_examiner,
)
from fieldcheck.assignment.plan import Examiner, TaskSite
from fieldcheck.sampling.draw import draw

SEED = "0417 8826 3391 0052 7764"
APPROVED = [f"2025/qingshan-county/{i}" for i in range(1, 26)]


# ------------------------------------------------------------ salted draw


def test_salt_is_canonical_seed_and_label() -> None:
    assert backcheck_salt(SEED) == "04178826339100527764/backcheck"
    assert backcheck_salt(SEED, "round2") == "04178826339100527764/round2"
    for bad in ("", "a b", "a/b"):
        with pytest.raises(ValueError, match="salt label"):
            backcheck_salt(SEED, bad)


def test_share_of_25_is_3_and_sizes_are_exact() -> None:
    assert len(draw_backchecks(APPROVED, SEED)) == 3
    assert backcheck_size(30, 0.1) == 3  # float 0.1 × 30 would ceil to 4
    assert backcheck_size(5, 0.1) == 1
    assert backcheck_size(5, 0.0) == 1
    assert backcheck_size(5, 0.0, minimum=0) == 0
    assert backcheck_size(3, 0.1, minimum=5) == 3
    assert draw_backchecks([], SEED) == []
    with pytest.raises(ValueError, match="share"):
        backcheck_size(5, 1.5)


def test_tickets_follow_the_draw_rule_on_the_salt() -> None:
    sample = draw_backchecks(APPROVED, SEED)
    salt = backcheck_salt(SEED)
    for public_id, ticket in sample:
        digest = hashlib.sha256(f"{salt}/{public_id}".encode()).digest()
        assert ticket == int.from_bytes(digest, "big")
    everyone = sorted(int.from_bytes(hashlib.sha256(f"{salt}/{p}".encode()).digest(), "big") for p in APPROVED)
    assert [t for _, t in sample] == everyone[:3]


def test_backcheck_is_deterministic_and_order_free() -> None:
    shuffled = APPROVED[:]
    random.Random(7).shuffle(shuffled)
    assert draw_backchecks(shuffled, SEED) == draw_backchecks(APPROVED, SEED)
    assert draw_backchecks(APPROVED, SEED) != draw_backchecks(APPROVED, SEED, salt_label="round2")


def test_backcheck_order_differs_from_main_draw() -> None:
    main = [pid for pid, _ in draw(APPROVED, SEED, len(APPROVED))]
    back = [pid for pid, _ in draw_backchecks(APPROVED, SEED, share=1.0)]
    assert sorted(back) == sorted(main)
    assert back != main
    assert back[:3] != main[:3]


ids_strategy = st.lists(st.integers(1, 200), min_size=1, max_size=40, unique=True).map(
    lambda ns: [f"2025/r/{n}" for n in ns]
)


@settings(max_examples=150)
@given(ids=ids_strategy, seed=st.text(min_size=1, max_size=12).filter(str.strip), data=st.data())
def test_subset_backcheck_is_full_order_filtered(ids: list[str], seed: str, data: st.DataObject) -> None:
    subset = data.draw(st.lists(st.sampled_from(ids), unique=True))
    full_order = [pid for pid, _ in draw_backchecks(ids, seed, share=1.0)]
    sample = draw_backchecks(subset, seed)
    assert [pid for pid, _ in sample] == [p for p in full_order if p in set(subset)][: len(sample)]


# ------------------------------------------------------------ second examiner


TASK = TaskSite("2025/r/1", "town-a", 34.9, 113.6)
STAFF = [Examiner("e4", None), Examiner("e1", "town-a"), Examiner("e2", "county"), Examiner("e3", "town-b")]
RELATED = {"county": {"town-a"}}


def test_second_examiner_is_independent_and_least_loaded() -> None:
    # e1 is of the task's unit, e2 of a related one; e3 and e4 remain.
    assert second_examiner("e4", TASK, STAFF, RELATED, {}) == "e3"
    assert second_examiner("e3", TASK, STAFF, RELATED, {}) == "e4"
    assert second_examiner("x", TASK, STAFF, RELATED, {"e3": 1, "e4": 1}) == "e3"
    assert second_examiner("x", TASK, STAFF, RELATED, {"e3": 2, "e4": 1}) == "e4"
    assert second_examiner("e3", TASK, STAFF[1:], RELATED, {}) is None


# ------------------------------------------------------------ disagreement


@pytest.mark.parametrize(
    ("first", "second", "q1", "q2", "expected"),
    [
        ("verified", "verified", None, None, None),
        ("verified", "partly", 10, 10, "finding"),
        ("partly", "partly", 10, 9, None),  # 1 ≤ 10% of 10
        ("partly", "partly", 10, 8.9, "quantity"),
        ("partly", "partly", 10, None, None),
        ("partly", "partly", 0, 0, None),
    ],
)
def test_disagreement(first: str, second: str, q1: float | None, q2: float | None, expected: str | None) -> None:
    assert disagreement(first, second, q1, q2) == expected


def test_disagreement_tolerance() -> None:
    assert disagreement("partly", "partly", 100, 80, qty_tolerance=0.25) is None
    assert disagreement("partly", "partly", 100, 80, qty_tolerance=0.0) == "quantity"
    with pytest.raises(ValueError):
        disagreement("partly", "partly", 1, 2, qty_tolerance=-0.1)
    with pytest.raises(ValueError):
        disagreement("partly", "partly", float("nan"), 2)
