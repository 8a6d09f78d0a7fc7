"""From the database to the pure scoring functions: every figure of a cycle (or a page of its reports).

The export (fieldcheck/export) and the close snapshot (grading/closing.py) read these."""

from __future__ import annotations

from dataclasses import asdict

import sqlalchemy as sa
from flask_babel import gettext as _
from sqlalchemy.orm import joinedload

from ..cycles.models import Aspect, Cycle
from ..cycles.settings import CycleSettings, settings_of
from ..extensions import db
from ..assignment.models import Task
from ..field.models import Interview, Rating, Verification
from ..reports.models import Claim, Report
from ..sampling.estimates import clopper_pearson, point_estimate
from .scoring import FALSE_BELOW, ClaimResult, ReportScore, ScoreWeights, UnverifiedClaim, score_report


def _scope(report_ids) -> list:
    """No condition for the whole cycle; else only the reports given (a page of the scores)."""
    return [] if report_ids is None else [Report.id.in_(list(report_ids))]


def latest_verifications(cycle: Cycle, report_ids=None, approved_only: bool = True):
    """Each primary task of the cycle (approved ones only, by default) with its latest verification, the
    one the task names.

    A materialized CTE: found once (report → claim → task), then joined to interviews, reviews or flags by
    index. Left to itself, SQLite's planner would walk every primary task of the database for each report
    (10,000 claims: 27 s instead of 0.3 s).
    """
    states = [Task.state == "approved"] if approved_only else []
    return (
        sa.select(Task.latest_verification_id.label("verification_id"), Task.id.label("task_id"))
        .join(Claim, Claim.id == Task.claim_id).join(Report, Report.id == Claim.report_id)
        .where(Report.cycle_id == cycle.id, Task.kind == "primary", *states,
               Task.latest_verification_id.is_not(None), *_scope(report_ids))
    ).cte("latest_visit").prefix_with("MATERIALIZED")


def approved_results(cycle: Cycle, report_ids=None) -> dict[str, list[ClaimResult]]:
    """The approved sampled claims of a cycle, by report slug: two grouped statements, whatever the size.

    One row per claim (its latest verification's finding and quantity), and the count and sum of
    the ratings per verification added up by the database; the pure scoring gets plain values.
    """
    latest = latest_verifications(cycle, report_ids)
    totals = {vid: (n, total, people) for vid, n, total, people in db.session.execute(
        sa.select(Interview.verification_id, sa.func.count(Rating.value), sa.func.coalesce(sa.func.sum(Rating.value), 0),
                  sa.func.count(sa.distinct(Interview.id)))
        .outerjoin(Rating, Rating.interview_id == Interview.id)
        .join(latest, latest.c.verification_id == Interview.verification_id)
        .group_by(Interview.verification_id))}
    rows = db.session.execute(
        sa.select(Report.slug, Claim.n, Aspect.code, Claim.claimed_qty, Verification.id, Verification.finding,
                  Verification.observed_qty)
        .select_from(latest).join(Verification, Verification.id == latest.c.verification_id)
        .join(Task, Task.id == latest.c.task_id).join(Claim, Claim.id == Task.claim_id)
        .join(Report, Report.id == Claim.report_id).join(Aspect, Aspect.id == Claim.aspect_id))
    results: dict[str, list[ClaimResult]] = {}
    for slug, n, aspect, claimed, vid, finding, observed in rows:
        count, total, people = totals.get(vid, (0, 0, 0))
        results.setdefault(slug, []).append(ClaimResult(
            public_id=f"{cycle.code}/{slug}/{n}", report=slug, aspect=aspect, finding=finding,
            claimed_qty=claimed, observed_qty=observed, rating_totals=(count, total), interviews=people))
    return results


# A drawn claim's primary task state → why it has no approved verification.
UNVERIFIED_BY_STATE = {"rejected": "rejected", "unassigned": "not_visited", "assigned": "not_visited",
                       "submitted": "not_decided", "returned": "not_decided"}


def unverified_claims(cycle: Cycle, report_ids=None) -> dict[str, list[UnverifiedClaim]]:
    """Drawn claims without an approved verification that count as not verified, by report slug.

    A rejected visit counts at once; at close every drawn claim still without an approved verification
    counts too. One statement.
    """
    counted = ["rejected"] if cycle.state != "closed" else list(UNVERIFIED_BY_STATE)
    rows = db.session.execute(
        sa.select(Report.slug, Claim.n, Aspect.code, Task.state).select_from(Task)
        .join(Claim, Claim.id == Task.claim_id).join(Report, Report.id == Claim.report_id)
        .join(Aspect, Aspect.id == Claim.aspect_id)
        .where(Report.cycle_id == cycle.id, Task.kind == "primary", Task.state.in_(counted), *_scope(report_ids)))
    claims: dict[str, list[UnverifiedClaim]] = {}
    for slug, n, aspect, state in rows:
        claims.setdefault(slug, []).append(UnverifiedClaim(f"{cycle.code}/{slug}/{n}", slug, aspect,
                                                           UNVERIFIED_BY_STATE[state]))
    return claims


def aspect_populations(cycle: Cycle, report_ids=None) -> dict[int, dict[str, int]]:
    """Confirmed claims per report id and aspect code (each aspect's population)."""
    counts: dict[int, dict[str, int]] = {}
    for report_id, aspect, n in db.session.execute(
            sa.select(Claim.report_id, Aspect.code, sa.func.count()).join(Report, Report.id == Claim.report_id)
            .join(Aspect, Aspect.id == Claim.aspect_id)
            .where(Report.cycle_id == cycle.id, Claim.state == "confirmed", *_scope(report_ids))
            .group_by(Claim.report_id, Aspect.code)):
        counts.setdefault(report_id, {})[aspect] = n
    return counts


def cycle_reports(cycle: Cycle, report_ids=None) -> list[Report]:
    """The cycle's reports with their units, in one statement."""
    return list(db.session.scalars(sa.select(Report).where(Report.cycle_id == cycle.id, *_scope(report_ids))
                                   .options(joinedload(Report.unit)).order_by(Report.slug)))


def confirmed_counts(cycle: Cycle, report_ids=None) -> dict[int, int]:
    """Confirmed claims per report id (the population each report is scored against)."""
    return dict(db.session.execute(
        sa.select(Claim.report_id, sa.func.count()).join(Report, Report.id == Claim.report_id)
        .where(Report.cycle_id == cycle.id, Claim.state == "confirmed", *_scope(report_ids))
        .group_by(Claim.report_id)).all())


def cycle_scores(cycle: Cycle, report_ids=None) -> list[tuple[Report, ReportScore]]:
    """Every report of the cycle with its score (possibly with nothing approved yet), by the cycle's settings.

    Every drawn claim counts in its report's sample size: rejected ones at once, and at close every one
    without an approved verification; until then the figures are provisional (decided / drawn shown).
    A fixed number of statements, whatever the size of the cycle; `report_ids` limits the work to a page.
    """
    settings = settings_of(cycle)
    weights = ScoreWeights(settings.finding_weight, settings.satisfaction_weight)
    results = approved_results(cycle, report_ids)
    unverified = unverified_claims(cycle, report_ids)
    population = confirmed_counts(cycle, report_ids)
    per_aspect = aspect_populations(cycle, report_ids)
    drawn = {slug: sum(states.values()) for slug, states in drawn_states(cycle, report_ids).items()}
    aspect_weights = settings.aspect_weight_map()
    scores = []
    for report in cycle_reports(cycle, report_ids):
        scores.append((report, score_report(
            report.slug, population.get(report.id, 0),
            sorted(results.get(report.slug, []), key=lambda r: r.public_id), aspect_weights, weights,
            confidence=settings.confidence, partly_value=settings.partly_value,
            unverified=sorted(unverified.get(report.slug, []), key=lambda c: c.public_id),
            drawn=drawn.get(report.slug, 0), closed=cycle.state == "closed",
            aspect_populations={a: per_aspect.get(report.id, {}).get(a, 0) for a in aspect_weights})))
    return scores


def _round(value, digits=2):
    return None if value is None else round(value, digits)


def drawn_states(cycle: Cycle, report_ids=None) -> dict[str, dict[str, int]]:
    """Per report, how many sampled claims are in each task state (primary visits)."""
    counts: dict[str, dict[str, int]] = {}
    for slug, state, n in db.session.execute(
            sa.select(Report.slug, Task.state, sa.func.count()).select_from(Task).join(Claim).join(Report)
            .where(Report.cycle_id == cycle.id, Task.kind == "primary", *_scope(report_ids))
            .group_by(Report.slug, Task.state)):
        counts.setdefault(slug, {})[state] = n
    return counts


def report_rows(cycle: Cycle, scores: list[tuple[Report, ReportScore]] | None = None) -> list[dict]:
    """One row per report: the figures with sample size, population and bounds beside them."""
    rows = []
    states = drawn_states(cycle)
    for report, score in (scores if scores is not None else cycle_scores(cycle)):
        # Clopper–Pearson (binomial, infinite population) beside the exact finite-population bound.
        cp = clopper_pearson(score.sample_size - score.failures, score.sample_size, score.confidence) \
            if score.sample_size else None
        row = {
            "cycle": cycle.code, "report": report.slug, "unit": report.unit.name,
            "secretary": report.secretary, "report_sha256": report.sha256,
            "population": score.population, "sample_size": score.sample_size,
            # Every drawn claim is shown, never silently dropped: decided / drawn until the close.
            "drawn": score.drawn, "decided": score.decided,
            "approved": states.get(report.slug, {}).get("approved", 0),
            "rejected": states.get(report.slug, {}).get("rejected", 0),
            "open": sum(n for s, n in states.get(report.slug, {}).items() if s not in ("approved", "rejected")),
            "not_verified": len(score.not_verified),
            "provisional": score.provisional,
            "failures": score.failures,
            "verified_share": _round(score.verified_share, 4),
            "verified_share_lower": _round(score.verified_share_lower, 4),
            "false_claims_upper_bound": score.false_upper_bound,
            "false_claims_point_estimate": _round(point_estimate(score.population, score.sample_size,
                                                                 score.failures), 2) if score.sample_size else None,
            "verified_share_cp_lower": _round(cp[0], 4) if cp else None,
            "verified_share_cp_upper": _round(cp[1], 4) if cp else None,
            "confidence": score.confidence,
            "satisfaction": _round(score.satisfaction), "interviews": score.interviews,
            "ratings": score.satisfaction_count,
            "total": _round(score.total),
        }
        for aspect in cycle.aspects:
            figures = score.aspects[aspect.code]
            row[f"aspect_{aspect.code}"] = _round(figures.score)
            row[f"aspect_{aspect.code}_n"] = figures.sample_size
            row[f"aspect_{aspect.code}_verified_share"] = _round(figures.verified_share, 4)
            row[f"aspect_{aspect.code}_verified_share_lower"] = _round(figures.verified_share_lower, 4)
        rows.append(row)
    return rows


def claim_rows(cycle: Cycle, scores: list[tuple[Report, ReportScore]] | None = None) -> list[dict]:
    """One row per approved sampled claim."""
    rows = []
    for report, score in (scores if scores is not None else cycle_scores(cycle)):
        for claim in score.claims:
            row = asdict(claim)
            rows.append({"cycle": cycle.code, "report": report.slug, **{
                k: (_round(v, 4) if isinstance(v, float) else v) for k, v in row.items()}})
    return rows


def formula(settings: CycleSettings) -> str:
    """How the figures were computed, written from the values in use (never a copy of the defaults)."""
    return (f"{settings.claim_formula()} (100*f without ratings); f: verified 1, partly observed/claimed capped at 1 "
            f"({settings.partly_value:g} if not quantitative), not verified 0, site not found 0; "
            f"s = 100*(mean rating - 1)/4; aspect = mean claim score; "
            f"total = sum(weight*aspect)/sum(weights used)")


def formula_text(settings: CycleSettings) -> str:
    """The same formula in the reader's language, for the pages (the export keeps the plain one above)."""
    return _("Claim score = 100 × (%(wf)s × finding + %(ws)s × satisfaction/100), or 100 × finding without "
             "ratings; finding: verified 1, partly = observed/claimed up to 1 (%(p)s without quantities), not "
             "verified or site not found 0; satisfaction = 100 × (mean rating − 1)/4; aspect = mean of its claims; "
             "total = weighted mean of the aspects scored.", wf=f"{settings.finding_weight:g}",
             ws=f"{settings.satisfaction_weight:g}", p=f"{settings.partly_value:g}")


def method(settings: CycleSettings) -> str:
    """How the verified share and its bound were computed, with the cycle's confidence."""
    return (f"a claim is false when f < {FALSE_BELOW:g}; verified_share_lower: exact hypergeometric "
            f"(finite population) lower bound at confidence {settings.confidence:g}; "
            f"verified_share_cp_lower/upper: Clopper-Pearson at confidence {settings.confidence:g}")
