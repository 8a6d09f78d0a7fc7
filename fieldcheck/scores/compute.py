"""From the database to the pure scoring functions, and to export rows."""

from __future__ import annotations

import csv
import io
import json
from dataclasses import asdict, fields

import sqlalchemy as sa

from ..cycles.models import Cycle
from ..cycles.settings import CycleSettings, settings_of
from ..extensions import db
from ..assignment.models import Task
from ..reports.models import Claim, Report
from ..sampling.estimates import clopper_pearson, point_estimate
from ..sampling.operations import get_sample
from .scoring import FALSE_BELOW, ClaimResult, ClaimScore, ReportScore, ScoreWeights, score_report


def approved_results(cycle: Cycle) -> dict[str, list[ClaimResult]]:
    """The approved sampled claims of a cycle, by report slug."""
    tasks = db.session.scalars(
        sa.select(Task).join(Claim).join(Report).where(Report.cycle_id == cycle.id, Task.state == "approved",
                                                     Task.kind == "primary")
    ).all()
    results: dict[str, list[ClaimResult]] = {}
    for task in tasks:
        claim, verification = task.claim, task.latest
        ratings = [r.value for interview in verification.interviews for r in interview.ratings]
        results.setdefault(claim.report.slug, []).append(ClaimResult(
            public_id=claim.public_id, report=claim.report.slug, aspect=claim.aspect.code,
            finding=verification.finding, claimed_qty=claim.claimed_qty,
            observed_qty=verification.observed_qty, ratings=ratings))
    return results


def cycle_scores(cycle: Cycle) -> list[tuple[Report, ReportScore]]:
    """Every report of the cycle with its score (possibly with nothing approved yet), by the cycle's settings."""
    settings = settings_of(cycle)
    weights = ScoreWeights(settings.finding_weight, settings.satisfaction_weight)
    results = approved_results(cycle)
    scores = []
    for report in cycle.reports:
        population = sum(1 for c in report.claims if c.state == "confirmed")
        scores.append((report, score_report(report.slug, population, sorted(
            results.get(report.slug, []), key=lambda r: r.public_id), settings.aspect_weight_map(), weights,
            confidence=settings.confidence, partly_value=settings.partly_value)))
    return scores


def _round(value, digits=2):
    return None if value is None else round(value, digits)


def drawn_states(cycle: Cycle) -> dict[str, dict[str, int]]:
    """Per report, how many sampled claims are in each task state (primary visits)."""
    counts: dict[str, dict[str, int]] = {}
    for slug, state, n in db.session.execute(
            sa.select(Report.slug, Task.state, sa.func.count()).select_from(Task).join(Claim).join(Report)
            .where(Report.cycle_id == cycle.id, Task.kind == "primary").group_by(Report.slug, Task.state)):
        counts.setdefault(slug, {})[state] = n
    return counts


def report_rows(cycle: Cycle) -> list[dict]:
    """One row per report: the figures with sample size, population and bounds beside them."""
    rows = []
    states = drawn_states(cycle)
    for report, score in cycle_scores(cycle):
        # Clopper–Pearson (binomial, infinite population) beside the exact finite-population bound.
        cp = clopper_pearson(score.sample_size - score.failures, score.sample_size, score.confidence) \
            if score.sample_size else None
        row = {
            "cycle": cycle.code, "report": report.slug, "unit": report.unit.name,
            "secretary": report.secretary, "report_sha256": report.sha256,
            "population": score.population, "sample_size": score.sample_size,
            # Drawn claims not (yet) approved are shown, never silently dropped.
            "drawn": sum(states.get(report.slug, {}).values()),
            "approved": score.sample_size,
            "rejected": states.get(report.slug, {}).get("rejected", 0),
            "open": sum(n for s, n in states.get(report.slug, {}).items() if s not in ("approved", "rejected")),
            "failures": score.failures,
            "verified_share": _round(score.verified_share, 4),
            "verified_share_lower": _round(score.verified_share_lower, 4),
            "false_claims_upper_bound": score.false_upper_bound,
            "false_claims_point_estimate": _round(point_estimate(score.population, score.sample_size,
                                                                 score.failures), 2) if score.sample_size else None,
            "verified_share_cp_lower": _round(cp[0], 4) if cp else None,
            "verified_share_cp_upper": _round(cp[1], 4) if cp else None,
            "confidence": score.confidence,
            "satisfaction": _round(score.satisfaction), "ratings": score.satisfaction_count,
            "total": _round(score.total),
        }
        for aspect in cycle.aspects:
            row[f"aspect_{aspect.code}"] = _round(score.aspect_scores.get(aspect.code))
            row[f"aspect_{aspect.code}_n"] = score.aspect_counts.get(aspect.code, 0)
        rows.append(row)
    return rows


def claim_rows(cycle: Cycle) -> list[dict]:
    """One row per approved sampled claim."""
    rows = []
    for report, score in cycle_scores(cycle):
        for claim in score.claims:
            row = asdict(claim)
            rows.append({"cycle": cycle.code, "report": report.slug, **{
                k: (_round(v, 4) if isinstance(v, float) else v) for k, v in row.items()}})
    return rows


CLAIM_FIELDS = ["cycle", "report", *(f.name for f in fields(ClaimScore))]


def to_csv(rows: list[dict], fieldnames: list[str] | None = None) -> str:
    """CSV with a header row even when there are no rows yet, so an empty export is still readable."""
    fieldnames = fieldnames or (list(rows[0]) if rows else CLAIM_FIELDS)
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=fieldnames, lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows)
    return out.getvalue()


def formula(settings: CycleSettings) -> str:
    """How the figures were computed, written from the values in use (never a copy of the defaults)."""
    return (f"{settings.claim_formula()} (100*f without ratings); f: verified 1, partly observed/claimed capped at 1 "
            f"({settings.partly_value:g} if not quantitative), not verified 0, site not found 0; "
            f"s = 100*(mean rating - 1)/4; aspect = mean claim score; "
            f"total = sum(weight*aspect)/sum(weights used)")


def method(settings: CycleSettings) -> str:
    """How the verified share and its bound were computed, with the cycle's confidence."""
    return (f"a claim is false when f < {FALSE_BELOW:g}; verified_share_lower: exact hypergeometric "
            f"(finite population) lower bound at confidence {settings.confidence:g}; "
            f"verified_share_cp_lower/upper: Clopper-Pearson at confidence {settings.confidence:g}")


def export_document(cycle: Cycle, level: str) -> dict:
    """The JSON export: the method and the basis travel with the numbers."""
    settings = settings_of(cycle)
    sample = get_sample(cycle)
    rows = report_rows(cycle) if level == "report" else claim_rows(cycle)
    return {
        "cycle": cycle.code, "title": cycle.title, "level": level, "frame_sha256": cycle.frame_sha256,
        "confidence": settings.confidence,
        "formula": formula(settings),
        "method": method(settings),
        # The draw rule as published beside the seed when the sample was drawn.
        "draw_method": sample.method if sample else None,
        "score_weights": {"finding": settings.finding_weight, "satisfaction": settings.satisfaction_weight,
                          "partly_not_quantitative": settings.partly_value},
        "aspect_weights": settings.aspect_weight_map(),
        "rows": rows,
    }


def to_json(cycle: Cycle, level: str) -> str:
    return json.dumps(export_document(cycle, level), ensure_ascii=False, indent=2)
