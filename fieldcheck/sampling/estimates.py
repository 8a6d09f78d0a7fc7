"""What a reviewed sample says about a whole report.

The population of claims in a report is small (tens), so the bounds are exact
finite-population (hypergeometric) bounds rather than normal approximations.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from fractions import Fraction

from ..cycles.defaults import CONFIDENCE


def _exact(value: float | Fraction) -> Fraction:
    # str() first so that 0.9 means exactly 9/10, matching sample_size().
    return Fraction(str(value))


def _check_confidence(confidence: float) -> Fraction:
    c = _exact(confidence)
    if not 0 < c < 1:
        raise ValueError("confidence must be in (0, 1)")
    return c


def _check_counts(population: int, sample: int, failures: int) -> None:
    if population < 0 or sample < 0 or failures < 0:
        raise ValueError("counts must not be negative")
    if sample > population:
        raise ValueError("sample must not exceed population")
    if failures > sample:
        raise ValueError("failures must not exceed sample")


def _cdf_numerator(population: int, sample: int, failures: int, bad: int) -> int:
    """Σ_{i≤x} C(K, i)·C(N−K, n−i), i.e. P(X ≤ x) times C(N, n)."""
    return sum(
        math.comb(bad, i) * math.comb(population - bad, sample - i) for i in range(failures + 1)
    )


def hypergeometric_upper_bound(
    population: int, sample: int, failures: int, confidence: float = CONFIDENCE
) -> int:
    """Exact upper confidence bound on the number of false claims in the population.

    Returns the largest K with P(X ≤ failures | N, K, n) > 1 − confidence.
    """
    _check_counts(population, sample, failures)
    risk = 1 - _check_confidence(confidence)
    total = math.comb(population, sample)

    def plausible(bad: int) -> bool:
        # Integer arithmetic throughout: compare Σ·den > risk_num·C(N, n).
        numerator = _cdf_numerator(population, sample, failures, bad)
        return numerator * risk.denominator > risk.numerator * total

    # K cannot be below the failures seen, nor leave fewer good claims than
    # the good ones seen; P(X ≤ x) falls as K grows, so bisect the range.
    low = failures
    high = population - (sample - failures)
    if not plausible(low):
        # Cannot happen (P(X ≤ x | K = x) = 1), kept as a guard.
        raise ArithmeticError("lowest admissible K rejected")
    while low < high:
        mid = (low + high + 1) // 2
        if plausible(mid):
            low = mid
        else:
            high = mid - 1
    return low


def point_estimate(population: int, sample: int, failures: int) -> float:
    """Estimated number of false claims in the population, N·x/n."""
    _check_counts(population, sample, failures)
    if sample == 0:
        raise ValueError("no estimate from an empty sample")
    return population * failures / sample


def _binom_cdf(k: int, n: int, p: float) -> float:
    """P(X ≤ k) for X ~ Binomial(n, p), summed in log space to survive large n."""
    if k < 0:
        return 0.0
    if k >= n:
        return 1.0
    if p <= 0.0:
        return 1.0
    if p >= 1.0:
        return 0.0
    log_p, log_q = math.log(p), math.log1p(-p)
    log_terms = [
        math.lgamma(n + 1) - math.lgamma(i + 1) - math.lgamma(n - i + 1) + i * log_p + (n - i) * log_q
        for i in range(k + 1)
    ]
    peak = max(log_terms)
    return min(1.0, math.exp(peak) * math.fsum(math.exp(t - peak) for t in log_terms))


def _bisect(predicate_high: Callable[[float], bool]) -> float:
    """Smallest p in [0, 1] where predicate_high(p) is true, to ~1e-15."""
    low, high = 0.0, 1.0
    for _ in range(200):
        mid = (low + high) / 2
        if mid in (low, high):
            break
        if predicate_high(mid):
            high = mid
        else:
            low = mid
    return (low + high) / 2


def clopper_pearson(successes: int, trials: int, confidence: float = CONFIDENCE) -> tuple[float, float]:
    """Two-sided Clopper–Pearson interval for a binomial proportion."""
    if trials < 0 or successes < 0 or successes > trials:
        raise ValueError("need 0 ≤ successes ≤ trials")
    alpha = 1 - float(_check_confidence(confidence))
    if trials == 0:
        return (0.0, 1.0)
    tail = alpha / 2
    if successes == 0:
        lower = 0.0
    else:
        # P(X ≥ x | p) = 1 − P(X ≤ x−1 | p) grows with p; find where it reaches α/2.
        lower = _bisect(lambda p: 1.0 - _binom_cdf(successes - 1, trials, p) >= tail)
    if successes == trials:
        upper = 1.0
    else:
        # P(X ≤ x | p) falls with p; find where it drops to α/2.
        upper = _bisect(lambda p: _binom_cdf(successes, trials, p) <= tail)
    return (lower, upper)


def verified_share_bounds(
    population: int, sample: int, failures: int, confidence: float = CONFIDENCE
) -> dict[str, float | int]:
    """Share of the report's claims that hold: point estimate and exact lower bound.

    Keys: ``lower_share`` = 1 − upper_bound/N, ``point_share`` = 1 − x/n, plus
    ``upper_false`` (the bound on false claims), ``population``, ``sample``,
    ``failures`` and ``confidence`` so a reader can see what the figure rests on.
    """
    _check_counts(population, sample, failures)
    if sample == 0:
        raise ValueError("no bounds from an empty sample")
    upper = hypergeometric_upper_bound(population, sample, failures, confidence)
    return {
        "lower_share": 1 - upper / population,
        "point_share": 1 - failures / sample,
        "upper_false": upper,
        "population": population,
        "sample": sample,
        "failures": failures,
        "confidence": confidence,
    }
