"""Tests for the exact bounds computed after review."""

from __future__ import annotations

import math

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from fieldcheck.sampling.draw import sample_size
from fieldcheck.sampling.estimates import (
    clopper_pearson,
    hypergeometric_upper_bound,
    point_estimate,
    verified_share_bounds,
)


def _cdf(population: int, bad: int, sample: int, failures: int) -> float:
    """P(X ≤ failures), written out independently of the module."""
    total = math.comb(population, sample)
    return sum(math.comb(bad, i) * math.comb(population - bad, sample - i) for i in range(failures + 1)) / total


# ------------------------------------------------------------ hypergeometric bound


def test_upper_bound_worked_case() -> None:
    # 40 claims, 10 sampled, none false: K = 8 is rejected (that is why n = 10
    # is the sample size for a 20% tolerable share), K = 7 is not.
    assert _cdf(40, 8, 10, 0) <= 0.1 < _cdf(40, 7, 10, 0)
    assert hypergeometric_upper_bound(40, 10, 0, 0.9) == 7


def test_upper_bound_census_and_empty_sample() -> None:
    assert hypergeometric_upper_bound(40, 40, 3) == 3  # everything seen: no uncertainty
    assert hypergeometric_upper_bound(40, 0, 0) == 40  # nothing seen: anything possible
    assert hypergeometric_upper_bound(40, 10, 10) == 40
    assert hypergeometric_upper_bound(0, 0, 0) == 0


@settings(max_examples=300)
@given(
    population=st.integers(1, 80),
    data=st.data(),
    confidence=st.sampled_from([0.8, 0.9, 0.95]),
)
def test_upper_bound_is_largest_plausible_k(population: int, data: st.DataObject, confidence: float) -> None:
    sample = data.draw(st.integers(0, population))
    failures = data.draw(st.integers(0, sample))
    bound = hypergeometric_upper_bound(population, sample, failures, confidence)
    assert failures <= bound <= population - (sample - failures)
    assert _cdf(population, bound, sample, failures) > 1 - confidence - 1e-12
    if bound < population - (sample - failures):
        assert _cdf(population, bound + 1, sample, failures) <= 1 - confidence + 1e-12


@settings(max_examples=200)
@given(
    population=st.integers(1, 150),
    share=st.sampled_from([0.05, 0.1, 0.2, 0.3]),
    confidence=st.sampled_from([0.8, 0.9, 0.95]),
)
def test_clean_sample_of_planned_size_bounds_below_tolerable(population: int, share: float, confidence: float) -> None:
    # The promise of sample_size(): a clean sample rules out the tolerable share.
    n = sample_size(population, share, confidence, minimum=0)
    assert hypergeometric_upper_bound(population, n, 0, confidence) < math.ceil(round(share * population, 9))


def test_more_failures_raise_the_bound() -> None:
    bounds = [hypergeometric_upper_bound(40, 10, x) for x in range(11)]
    assert bounds == sorted(bounds)
    assert bounds[0] < bounds[1] < bounds[5]


@pytest.mark.parametrize(
    ("args", "confidence"),
    [((10, 11, 0), 0.9), ((10, 5, 6), 0.9), ((-1, 0, 0), 0.9), ((10, 5, 1), 0.0), ((10, 5, 1), 1.0)],
)
def test_upper_bound_rejects_bad_input(args: tuple[int, int, int], confidence: float) -> None:
    with pytest.raises(ValueError):
        hypergeometric_upper_bound(*args, confidence=confidence)


# ------------------------------------------------------------ point estimate


def test_point_estimate() -> None:
    assert point_estimate(40, 10, 2) == pytest.approx(8.0)
    assert point_estimate(12, 6, 0) == 0.0
    with pytest.raises(ValueError):
        point_estimate(40, 0, 0)


# ------------------------------------------------------------ Clopper–Pearson


def test_clopper_pearson_known_values() -> None:
    lower, upper = clopper_pearson(0, 10, 0.95)
    assert lower == 0.0
    assert upper == pytest.approx(0.3085, abs=1e-4)
    assert upper == pytest.approx(1 - 0.025 ** (1 / 10), abs=1e-12)  # closed form for x = 0
    assert clopper_pearson(5, 10, 0.95) == pytest.approx((0.1871, 0.8129), abs=1e-4)
    assert clopper_pearson(10, 10, 0.95) == pytest.approx((0.025 ** (1 / 10), 1.0), abs=1e-12)


def test_clopper_pearson_large_n_does_not_overflow() -> None:
    lower, upper = clopper_pearson(500, 5000, 0.95)
    assert 0.09 < lower < 0.1 < upper < 0.11


@settings(max_examples=100)
@given(trials=st.integers(1, 60), data=st.data())
def test_clopper_pearson_symmetry_and_coverage(trials: int, data: st.DataObject) -> None:
    x = data.draw(st.integers(0, trials))
    lower, upper = clopper_pearson(x, trials, 0.9)
    assert 0.0 <= lower <= x / trials <= upper <= 1.0
    mirror_lower, mirror_upper = clopper_pearson(trials - x, trials, 0.9)
    assert lower == pytest.approx(1 - mirror_upper, abs=1e-9)
    assert upper == pytest.approx(1 - mirror_lower, abs=1e-9)
    wider = clopper_pearson(x, trials, 0.99)
    assert wider[0] <= lower + 1e-12 and wider[1] >= upper - 1e-12


def test_clopper_pearson_edge_cases() -> None:
    assert clopper_pearson(0, 0) == (0.0, 1.0)
    with pytest.raises(ValueError):
        clopper_pearson(3, 2)
    with pytest.raises(ValueError):
        clopper_pearson(1, 2, confidence=1.0)


# ------------------------------------------------------------ verified share


def test_verified_share_bounds() -> None:
    result = verified_share_bounds(40, 10, 0, 0.9)
    assert result["lower_share"] == pytest.approx(1 - 7 / 40)
    assert result["point_share"] == 1.0
    result = verified_share_bounds(40, 10, 2, 0.9)
    assert result["point_share"] == pytest.approx(0.8)
    assert result["lower_share"] == pytest.approx(1 - hypergeometric_upper_bound(40, 10, 2, 0.9) / 40)
    assert result["lower_share"] < result["point_share"]
    with pytest.raises(ValueError):
        verified_share_bounds(40, 0, 0)
