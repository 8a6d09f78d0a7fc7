"""Default scoring formulas (DESIGN.md, "Scores"): plain values in, plain values out.

claim finding f ∈ [0, 1] and resident satisfaction s ∈ [0, 100] give a claim
score 0–100; claim scores average into aspect scores; aspect scores weigh into
the report total, reported beside the verified share and its exact bound.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from fieldcheck.cycles import defaults
from fieldcheck.sampling.estimates import verified_share_bounds

FINDINGS = ("verified", "partly", "not_verified", "site_not_found")

# A claim whose finding value is below this counts as false for the verified
# share: "partly" with less than half the claimed quantity is not a true claim.
FALSE_BELOW = 0.5


def finding_value(finding: str, claimed_qty: float | None, observed_qty: float | None,
                  partly_value: float = defaults.PARTLY_VALUE) -> float:
    """Map a finding to f ∈ [0, 1]; "partly" is observed/claimed, or partly_value if not quantitative."""
    if finding == "verified":
        return 1.0
    if finding in ("not_verified", "site_not_found"):
        return 0.0
    if finding != "partly":
        raise ValueError(f"unknown finding: {finding!r}")
    if not 0.0 <= partly_value <= 1.0:
        raise ValueError("the value of a partly verified claim must be in [0, 1]")
    if claimed_qty is None or observed_qty is None:
        return partly_value
    # float() so database Decimals come out as plain floats like every other value.
    claimed, observed = float(claimed_qty), float(observed_qty)
    if math.isnan(claimed) or math.isnan(observed):
        raise ValueError("quantity is NaN")
    if claimed <= 0:
        # A ratio against a zero or negative claim means nothing.
        return partly_value
    return min(1.0, max(0.0, observed / claimed))


def satisfaction(ratings: Sequence[int]) -> float | None:
    """Mean 1–5 rating shown on 0–100, as (mean − 1)/4·100; None without ratings."""
    if not ratings:
        return None
    for rating in ratings:
        if isinstance(rating, bool) or not isinstance(rating, int) or not 1 <= rating <= 5:
            raise ValueError(f"rating must be an integer 1..5, got {rating!r}")
    return satisfaction_of(len(ratings), sum(ratings))


def satisfaction_of(count: int, total: int) -> float | None:
    """The same figure from the number of 1–5 ratings and their sum (as the database adds them up)."""
    if count < 0 or isinstance(count, bool) or isinstance(total, bool):
        raise ValueError("rating count and sum must be whole numbers")
    if not count:
        return None
    if not count <= total <= 5 * count:
        raise ValueError(f"a sum of {total} cannot come from {count} ratings of 1..5")
    mean = total / count
    return (mean - 1) / 4 * 100


@dataclass(frozen=True)
class ScoreWeights:
    """Weights of finding and satisfaction in a claim score; they must sum to 1."""

    finding_weight: float = defaults.FINDING_WEIGHT
    satisfaction_weight: float = defaults.SATISFACTION_WEIGHT

    def __post_init__(self) -> None:
        weights = (self.finding_weight, self.satisfaction_weight)
        if any(not math.isfinite(w) or w < 0 for w in weights):
            raise ValueError("score weights must be finite and not negative")
        # Otherwise a claim score could leave 0–100 and stop being comparable
        # across cycles.
        if not math.isclose(sum(weights), 1.0, abs_tol=1e-9):
            raise ValueError("finding and satisfaction weights must sum to 1")


def claim_score(f: float, s: float | None, weights: ScoreWeights = ScoreWeights()) -> float:
    """Claim score 0–100 = 100·(wf·f + ws·s/100); with no ratings (s None) it is 100·f.

    Without interviews there is no evidence about satisfaction either way:
    counting it as 0 would punish the official for the examiner's gap, and a
    neutral 50 would invent data. The finding alone carries the score, and the
    "too few interviews" flag tells reviewers the figure rests on less.
    """
    if not 0.0 <= f <= 1.0:
        raise ValueError("finding value must be in [0, 1]")
    if s is None:
        return 100.0 * f
    if not 0.0 <= s <= 100.0:
        raise ValueError("satisfaction must be in [0, 100]")
    return 100.0 * (weights.finding_weight * f + weights.satisfaction_weight * s / 100.0)


@dataclass(frozen=True)
class ClaimResult:
    """The approved outcome of one sampled claim."""

    public_id: str
    report: str
    aspect: str
    finding: str
    claimed_qty: float | None
    observed_qty: float | None
    ratings: list[int] = field(default_factory=list)
    # The ratings as the database sums them up (count, sum); when given, `ratings` is not used.
    rating_totals: tuple[int, int] | None = None
    # Residents interviewed (people, not ratings: one interview answers every question).
    interviews: int = 0

    def totals(self) -> tuple[int, int]:
        """(number of ratings, their sum), the ratings checked one by one when given as a list."""
        if self.rating_totals is not None:
            count, total = (int(v) for v in self.rating_totals)
            satisfaction_of(count, total)  # checks that the sum can come from ratings 1..5
            return count, total
        satisfaction(self.ratings)  # checks each rating
        return len(self.ratings), sum(self.ratings)


# Why a drawn claim without an approved verification counts as not verified.
UNVERIFIED_REASONS = ("rejected", "not_visited", "not_decided")


@dataclass(frozen=True)
class UnverifiedClaim:
    """A drawn claim with no approved verification, counted as not verified (finding value 0).

    An examiner's failure to verify must never make a report look better: a rejected visit counts
    as soon as it is rejected; at close, every drawn claim still without an approved verification
    counts too (not visited, or visited but not decided).
    """

    public_id: str
    report: str
    aspect: str
    reason: str

    def __post_init__(self) -> None:
        if self.reason not in UNVERIFIED_REASONS:
            raise ValueError(f"unknown reason: {self.reason!r}")


@dataclass(frozen=True)
class ClaimScore:
    """Score of one claim with the values it was computed from."""

    public_id: str
    aspect: str
    finding_value: float
    satisfaction: float | None
    ratings_count: int
    score: float
    finding: str = "verified"
    # None for an approved verification; else one of UNVERIFIED_REASONS.
    unverified_reason: str | None = None
    interviews: int = 0


@dataclass(frozen=True)
class AspectFigures:
    """One aspect of one report: its score and, beside it, its verified share with the exact bound."""

    aspect: str
    population: int
    sample_size: int
    failures: int
    score: float | None
    verified_share: float | None
    verified_share_lower: float | None
    false_upper_bound: int | None


@dataclass(frozen=True)
class ReportScore:
    """Everything the export shows for one report; figures come with their basis."""

    report: str
    population: int
    sample_size: int
    claims: list[ClaimScore]
    aspect_scores: dict[str, float | None]
    aspect_counts: dict[str, int]
    total: float | None
    failures: int
    verified_share: float | None
    verified_share_lower: float | None
    false_upper_bound: int | None
    confidence: float
    satisfaction: float | None
    satisfaction_count: int
    # Claims drawn for this report, and how many of them are decided (approved or rejected).
    drawn: int = 0
    decided: int = 0
    interviews: int = 0
    # True until the cycle is closed: undecided claims are not counted yet, so the figures can move.
    provisional: bool = True
    aspects: dict[str, AspectFigures] = field(default_factory=dict)

    @property
    def not_verified(self) -> list[ClaimScore]:
        """The counted claims that are false: not verified, site not found, partly below half, or unverified."""
        return [c for c in self.claims if c.finding_value < FALSE_BELOW]


def _share_figures(population: int, sample: int, failures: int, confidence: float):
    """(point share, exact lower bound, upper bound on false claims), or Nones without a sample."""
    if not sample:
        return None, None, None
    bounds = verified_share_bounds(population, sample, failures, confidence)
    return float(bounds["point_share"]), float(bounds["lower_share"]), int(bounds["upper_false"])


def score_report(
    report: str,
    population: int,
    results: list[ClaimResult],
    aspect_weights: Mapping[str, float],
    weights: ScoreWeights = ScoreWeights(),
    confidence: float = defaults.CONFIDENCE,
    partly_value: float = defaults.PARTLY_VALUE,
    unverified: Sequence[UnverifiedClaim] = (),
    drawn: int | None = None,
    closed: bool = False,
    aspect_populations: Mapping[str, int] | None = None,
) -> ReportScore:
    """Score one report from its approved sampled claims and its drawn claims counted as not verified.

    `unverified` claims count with finding value 0 and no ratings (score 0) in their aspect and as
    false in the verified share, with their reason. `drawn` is the number of claims drawn (default:
    the claims given); with `closed` False the figures are provisional. `aspect_populations` gives
    the confirmed claims per aspect, for each aspect's own verified share and bound.

    total = Σ wₐ·scoreₐ / Σ wₐ over the aspects that have a score. Which
    aspects the sample happens to hit is down to the random draw, so an aspect
    without sampled claims is left out rather than counted as 0; dividing by
    the weights in use also lets weights be given as shares or as percentages.
    With every aspect scored and weights summing to 1 this is DESIGN.md's Σ.

    A claim counts as false when its finding value is below 0.5; the verified
    share is 1 − false/sampled, with the exact hypergeometric lower bound.
    Report satisfaction pools every rating, so each resident counts once.
    """
    counted = len(results) + len(unverified)
    drawn = counted if drawn is None else drawn
    if drawn < counted:
        raise ValueError("fewer claims drawn than counted")
    if population < drawn:
        raise ValueError("population is smaller than the number of results")
    for aspect, weight in aspect_weights.items():
        if not math.isfinite(weight) or weight < 0:
            raise ValueError(f"weight of aspect {aspect!r} must be finite and not negative")
    seen: set[str] = set()
    claims: list[ClaimScore] = []
    by_aspect: dict[str, list[float]] = {aspect: [] for aspect in aspect_weights}
    all_count = all_sum = interviews = 0
    for result in results:
        if result.report != report:
            raise ValueError(f"claim {result.public_id!r} belongs to report {result.report!r}")
        if result.public_id in seen:
            raise ValueError(f"claim {result.public_id!r} appears twice")
        seen.add(result.public_id)
        if result.aspect not in by_aspect:
            # Dropping it silently would change the total without anyone noticing.
            raise ValueError(f"claim {result.public_id!r} has unweighted aspect {result.aspect!r}")
        f = finding_value(result.finding, result.claimed_qty, result.observed_qty, partly_value)
        count, total = result.totals()
        s = satisfaction_of(count, total)
        score = claim_score(f, s, weights)
        claims.append(ClaimScore(result.public_id, result.aspect, f, s, count, score, result.finding,
                                 None, result.interviews))
        by_aspect[result.aspect].append(score)
        all_count += count
        all_sum += total
        interviews += result.interviews
    for claim in unverified:
        if claim.report != report:
            raise ValueError(f"claim {claim.public_id!r} belongs to report {claim.report!r}")
        if claim.public_id in seen:
            raise ValueError(f"claim {claim.public_id!r} appears twice")
        seen.add(claim.public_id)
        if claim.aspect not in by_aspect:
            raise ValueError(f"claim {claim.public_id!r} has unweighted aspect {claim.aspect!r}")
        claims.append(ClaimScore(claim.public_id, claim.aspect, 0.0, None, 0, 0.0, "not_verified", claim.reason, 0))
        by_aspect[claim.aspect].append(0.0)

    aspect_scores = {a: (sum(v) / len(v) if v else None) for a, v in by_aspect.items()}
    scored = {a: s for a, s in aspect_scores.items() if s is not None}
    weight_sum = sum(aspect_weights[a] for a in scored)
    total = (
        sum(aspect_weights[a] * s for a, s in scored.items()) / weight_sum if weight_sum > 0 else None
    )

    sample = len(claims)
    failures = sum(1 for c in claims if c.finding_value < FALSE_BELOW)
    share, lower, upper = _share_figures(population, sample, failures, confidence)
    aspects: dict[str, AspectFigures] = {}
    for aspect in aspect_weights:
        counted_here = [c for c in claims if c.aspect == aspect]
        bad = sum(1 for c in counted_here if c.finding_value < FALSE_BELOW)
        # Without a population per aspect there is no finite-population bound for it.
        size = (aspect_populations or {}).get(aspect)
        if size is not None and size < len(counted_here):
            raise ValueError(f"aspect {aspect!r} has fewer confirmed claims than counted")
        a_share, a_lower, a_upper = _share_figures(size, len(counted_here), bad, confidence) \
            if size is not None else (None, None, None)
        aspects[aspect] = AspectFigures(aspect, size or 0, len(counted_here), bad, aspect_scores[aspect],
                                        a_share, a_lower, a_upper)

    return ReportScore(
        report=report,
        population=population,
        sample_size=sample,
        claims=claims,
        aspect_scores=aspect_scores,
        aspect_counts={a: len(v) for a, v in by_aspect.items()},
        total=total,
        failures=failures,
        verified_share=share,
        verified_share_lower=lower,
        false_upper_bound=upper,
        confidence=confidence,
        satisfaction=satisfaction_of(all_count, all_sum),
        satisfaction_count=all_count,
        drawn=drawn,
        decided=len(results) + sum(1 for c in unverified if c.reason == "rejected"),
        interviews=interviews,
        provisional=not closed,
        aspects=aspects,
    )
