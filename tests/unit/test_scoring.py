"""Tests for the default scoring formulas, with hand-computed expectations."""

from __future__ import annotations

from decimal import Decimal

import pytest

from fieldcheck.scores.scoring import (
    ClaimResult,
    ScoreWeights,
    claim_score,
    finding_value,
    satisfaction,
    score_report,
)

# ------------------------------------------------------------ finding value


@pytest.mark.parametrize(
    ("finding", "claimed", "observed", "expected"),
    [
        ("verified", None, None, 1.0),
        ("verified", 10, 2, 1.0),  # the examiner's finding wins over the numbers
        ("partly", 10, 4, 0.4),
        ("partly", 8, 12, 1.0),  # more than claimed is capped
        ("partly", 10, -3, 0.0),
        ("partly", None, 4, 0.5),
        ("partly", 10, None, 0.5),
        ("partly", 0, 4, 0.5),
        ("partly", -5, 4, 0.5),
        ("not_verified", 10, 10, 0.0),
        ("site_not_found", None, None, 0.0),
    ],
)
def test_finding_value(finding: str, claimed: float | None, observed: float | None, expected: float) -> None:
    assert finding_value(finding, claimed, observed) == pytest.approx(expected)


def test_finding_value_decimal_quantities_give_float() -> None:
    value = finding_value("partly", Decimal("8"), Decimal("2"))
    assert type(value) is float and value == pytest.approx(0.25)
    with pytest.raises(ValueError):
        finding_value("partly", float("nan"), 1.0)


@pytest.mark.parametrize("finding", ["", "Verified", "approved", "partial"])
def test_unknown_finding_rejected(finding: str) -> None:
    with pytest.raises(ValueError):
        finding_value(finding, None, None)


# ------------------------------------------------------------ satisfaction


def test_satisfaction() -> None:
    assert satisfaction([]) is None
    assert satisfaction([1, 1]) == 0.0
    assert satisfaction([5]) == 100.0
    assert satisfaction([3]) == 50.0
    assert satisfaction([5, 5, 4, 4]) == pytest.approx(87.5)  # mean 4.5


@pytest.mark.parametrize("ratings", [[0], [6], [3, 7], [True], [2.5]])
def test_satisfaction_rejects_bad_ratings(ratings: list[int]) -> None:
    with pytest.raises(ValueError):
        satisfaction(ratings)


# ------------------------------------------------------------ claim score


def test_claim_score() -> None:
    assert claim_score(1.0, 87.5) == pytest.approx(95.0)  # 100·(0.6 + 0.4·0.875)
    assert claim_score(0.4, 50.0) == pytest.approx(44.0)
    assert claim_score(0.0, 100.0) == pytest.approx(40.0)
    assert claim_score(0.5, None) == pytest.approx(50.0)  # no ratings: finding alone
    assert claim_score(1.0, 0.0, ScoreWeights(0.8, 0.2)) == pytest.approx(80.0)


def test_claim_score_and_weights_validation() -> None:
    with pytest.raises(ValueError):
        claim_score(1.2, 50.0)
    with pytest.raises(ValueError):
        claim_score(0.5, 120.0)
    with pytest.raises(ValueError):
        ScoreWeights(0.6, 0.6)
    with pytest.raises(ValueError):
        ScoreWeights(1.2, -0.2)


# ------------------------------------------------------------ report


WEIGHTS = {"党建": 0.3, "民生": 0.5, "生态": 0.2}


def _result(n: int, aspect: str, finding: str, claimed: float | None, observed: float | None, ratings: list[int]) -> ClaimResult:
    return ClaimResult(f"2025/qingshan-county/{n}", "qingshan-county", aspect, finding, claimed, observed, ratings)


RESULTS = [
    _result(1, "党建", "verified", None, None, [5, 5, 4, 4]),  # f 1, s 87.5 → 95
    _result(2, "党建", "partly", 10, 4, [3]),  # f 0.4, s 50 → 44
    _result(3, "民生", "partly", None, None, []),  # f 0.5, no s → 50
    _result(4, "民生", "site_not_found", None, None, [1, 1]),  # f 0, s 0 → 0
    _result(5, "民生", "partly", 8, 12, [2, 4]),  # f 1, s 50 → 80
]


def test_score_report_hand_computed() -> None:
    score = score_report("qingshan-county", 12, RESULTS, WEIGHTS)
    assert [c.score for c in score.claims] == pytest.approx([95.0, 44.0, 50.0, 0.0, 80.0])
    assert score.aspect_scores["党建"] == pytest.approx(69.5)
    assert score.aspect_scores["民生"] == pytest.approx(130 / 3)
    assert score.aspect_scores["生态"] is None
    assert score.aspect_counts == {"党建": 2, "民生": 3, "生态": 0}
    # (0.3·69.5 + 0.5·130/3) / (0.3 + 0.5): 生态 has no sampled claim.
    assert score.total == pytest.approx((20.85 + 65 / 3) / 0.8)
    assert score.total == pytest.approx(53.1458333, abs=1e-6)
    # False: #2 (0.4) and #4 (0); #3 at exactly 0.5 is not false.
    assert score.failures == 2
    assert score.sample_size == 5 and score.population == 12
    assert score.verified_share == pytest.approx(0.6)
    # P(X ≤ 2 | N 12, n 5): K 8 → 120/792 > 0.1, K 9 → 36/792 ≤ 0.1.
    assert score.false_upper_bound == 8
    assert score.verified_share_lower == pytest.approx(1 / 3)
    # Pooled ratings 5,5,4,4,3,1,1,2,4: mean 29/9 → (29/9 − 1)/4·100.
    assert score.satisfaction == pytest.approx(500 / 9)
    assert score.satisfaction_count == 9


def test_total_weights_as_percentages_give_same_total() -> None:
    shares = score_report("qingshan-county", 12, RESULTS, WEIGHTS)
    percents = score_report("qingshan-county", 12, RESULTS, {k: v * 100 for k, v in WEIGHTS.items()})
    assert percents.total == pytest.approx(shares.total)


def test_total_with_every_aspect_scored_is_plain_weighted_sum() -> None:
    results = RESULTS + [_result(6, "生态", "not_verified", None, None, [5])]  # 0 + 40 = 40
    score = score_report("qingshan-county", 12, results, WEIGHTS)
    assert score.aspect_scores["生态"] == pytest.approx(40.0)
    assert score.total == pytest.approx(0.3 * 69.5 + 0.5 * 130 / 3 + 0.2 * 40.0)


def test_empty_report() -> None:
    score = score_report("qingshan-county", 12, [], WEIGHTS)
    assert score.total is None
    assert score.verified_share is None and score.verified_share_lower is None
    assert score.false_upper_bound is None
    assert score.satisfaction is None and score.satisfaction_count == 0
    assert all(v is None for v in score.aspect_scores.values())


@pytest.mark.parametrize(
    "results",
    [
        [_result(1, "党建", "verified", None, None, []), _result(1, "民生", "verified", None, None, [])],
        [_result(1, "宣传", "verified", None, None, [])],
        [ClaimResult("2025/other/1", "other", "党建", "verified", None, None, [])],
    ],
)
def test_score_report_rejects_inconsistent_results(results: list[ClaimResult]) -> None:
    with pytest.raises(ValueError):
        score_report("qingshan-county", 12, results, WEIGHTS)


def test_score_report_rejects_small_population_and_bad_weights() -> None:
    with pytest.raises(ValueError):
        score_report("qingshan-county", 4, RESULTS, WEIGHTS)
    with pytest.raises(ValueError):
        score_report("qingshan-county", 12, RESULTS, {**WEIGHTS, "生态": -1.0})


def test_rating_totals_from_the_database_give_the_same_figures_as_the_ratings():
    from fieldcheck.scores.scoring import satisfaction_of

    ratings = [5, 4, 4, 2, 1, 3, 5]
    assert satisfaction_of(len(ratings), sum(ratings)) == satisfaction(ratings)
    assert satisfaction_of(0, 0) is None
    with pytest.raises(ValueError):
        satisfaction_of(2, 11)  # two ratings of at most 5 cannot add up to 11
    listed = ClaimResult("2025/r/1", "r", "党建", "partly", 10.0, 4.0, ratings)
    summed = ClaimResult("2025/r/1", "r", "党建", "partly", 10.0, 4.0, rating_totals=(len(ratings), sum(ratings)))
    assert score_report("r", 5, [listed], {"党建": 1.0}) == score_report("r", 5, [summed], {"党建": 1.0})


# Honest figures: every drawn claim counts; a failure to verify never makes a report look better.

def _verified(n: int, aspect: str = "党建") -> ClaimResult:
    return ClaimResult(f"2025/r/{n}", "r", aspect, "verified", None, None, [])


def test_bounds_follow_the_confidence() -> None:
    # N 17, n 8, none false: P(X = 0 | K) = C(17−K, 8)/C(17, 8) = C(17−K, 8)/24310.
    # K 3: 3003/24310 = 0.124; K 4: 1287/24310 = 0.053; K 2: 6435/24310 = 0.265.
    results = [_verified(n) for n in range(1, 9)]
    assert score_report("r", 17, results, {"党建": 1.0}, confidence=0.90).false_upper_bound == 3
    assert score_report("r", 17, results, {"党建": 1.0}, confidence=0.85).false_upper_bound == 2


def test_a_rejected_drawn_claim_counts_in_the_sample_as_not_verified() -> None:
    from fieldcheck.scores.scoring import UnverifiedClaim

    results = [_verified(n) for n in range(1, 8)]
    rejected = [UnverifiedClaim("2025/r/8", "r", "党建", "rejected")]
    score = score_report("r", 17, results, {"党建": 1.0}, confidence=0.90, unverified=rejected, drawn=8)
    assert (score.sample_size, score.failures, score.drawn, score.decided) == (8, 1, 8, 8)
    assert score.verified_share == pytest.approx(7 / 8)
    # P(X ≤ 1 | N 17, K, n 8) = (C(17−K, 8) + K·C(17−K, 7))/24310: K 5 → 4455/24310 = 0.183 > 0.1,
    # K 6 → 2145/24310 = 0.088; so at most 5 false, 12/17 verified (dropping the claim gave 3).
    assert score.false_upper_bound == 5
    assert score.verified_share_lower == pytest.approx(12 / 17)
    assert score.total == pytest.approx(700 / 8)  # seven claims at 100, the rejected one at 0
    assert [c.unverified_reason for c in score.not_verified] == ["rejected"]
    assert score.provisional


def test_at_close_every_drawn_claim_without_an_approved_verification_counts() -> None:
    from fieldcheck.scores.scoring import UnverifiedClaim

    results = [_verified(n) for n in range(1, 7)]
    rejected = UnverifiedClaim("2025/r/7", "r", "党建", "rejected")
    missing = UnverifiedClaim("2025/r/8", "r", "党建", "not_visited")
    before = score_report("r", 17, results, {"党建": 1.0}, unverified=[rejected], drawn=8)
    assert (before.sample_size, before.failures, before.decided, before.drawn) == (7, 1, 7, 8)
    closed = score_report("r", 17, results, {"党建": 1.0}, unverified=[rejected, missing], drawn=8, closed=True)
    assert (closed.sample_size, closed.failures, closed.provisional) == (8, 2, False)
    assert closed.total == pytest.approx(600 / 8)
    assert {c.public_id: c.unverified_reason for c in closed.not_verified} == {
        "2025/r/7": "rejected", "2025/r/8": "not_visited"}
    with pytest.raises(ValueError):
        score_report("r", 17, results, {"党建": 1.0}, unverified=[rejected, missing], drawn=7)
    with pytest.raises(ValueError):
        UnverifiedClaim("2025/r/9", "r", "党建", "examiner was tired")


def test_each_aspect_has_its_verified_share_and_exact_bound() -> None:
    from fieldcheck.scores.scoring import UnverifiedClaim

    results = [_verified(n) for n in range(1, 5)] + [_verified(n, "民生") for n in range(5, 8)]
    rejected = [UnverifiedClaim("2025/r/8", "r", "党建", "rejected")]
    score = score_report("r", 17, results, {"党建": 0.5, "民生": 0.5}, unverified=rejected,
                         aspect_populations={"党建": 10, "民生": 7})
    party, people = score.aspects["党建"], score.aspects["民生"]
    # 党建: N 10, n 5, x 1; (C(10−K, 5) + K·C(10−K, 4))/252: K 5 → 26/252 = 0.103 > 0.1, K 6 → 6/252.
    assert (party.sample_size, party.failures, party.false_upper_bound) == (5, 1, 5)
    assert party.verified_share == pytest.approx(0.8) and party.verified_share_lower == pytest.approx(0.5)
    assert party.score == pytest.approx(80.0)
    # 民生: N 7, n 3, x 0; C(7−K, 3)/35: K 3 → 4/35 = 0.114 > 0.1, K 4 → 1/35.
    assert (people.false_upper_bound, people.verified_share_lower) == (3, pytest.approx(4 / 7))


def test_interviews_are_counted_as_people() -> None:
    results = [ClaimResult("2025/r/1", "r", "党建", "verified", None, None, rating_totals=(60, 240), interviews=20)]
    score = score_report("r", 5, results, {"党建": 1.0})
    assert score.interviews == 20 and score.satisfaction_count == 60
