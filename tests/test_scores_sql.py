"""Scores from grouped SQL equal the figures computed from the ORM one row at a time (the old way)."""

from __future__ import annotations

from bulk import grow
from story import build_world


def orm_results(cycle):
    """The old loader: every approved primary task's latest verification, its interviews and ratings."""
    import sqlalchemy as sa

    from fieldcheck.assignment.models import Task
    from fieldcheck.extensions import db
    from fieldcheck.reports.models import Claim, Report
    from fieldcheck.scores.scoring import ClaimResult

    results = {}
    for task in db.session.scalars(sa.select(Task).join(Claim).join(Report).where(
            Report.cycle_id == cycle.id, Task.state == "approved", Task.kind == "primary")):
        claim, verification = task.claim, max(task.verifications, key=lambda v: (v.submitted_at, v.id))
        results.setdefault(claim.report.slug, []).append(ClaimResult(
            claim.public_id, claim.report.slug, claim.aspect.code, verification.finding, claim.claimed_qty,
            verification.observed_qty, [r.value for i in verification.interviews for r in i.ratings],
            interviews=len(verification.interviews)))
    return results


def test_grouped_scores_equal_the_row_by_row_figures(app):
    import sqlalchemy as sa

    from fieldcheck.cycles.models import Cycle
    from fieldcheck.extensions import db
    from fieldcheck.scores.compute import approved_results, report_rows
    from fieldcheck.scores.scoring import score_report

    build_world(app)
    grow(app, 120, per_report=7)
    with app.app_context():
        cycle = db.session.scalar(sa.select(Cycle).where(Cycle.code == "2025"))
        fast, slow = approved_results(cycle), orm_results(cycle)
        assert sorted(fast) == sorted(slow) and sum(map(len, fast.values())) == 30
        weights = {a.code: a.weight for a in cycle.aspects}
        for slug in slow:
            a = score_report(slug, 50, sorted(fast[slug], key=lambda r: r.public_id), weights)
            b = score_report(slug, 50, sorted(slow[slug], key=lambda r: r.public_id), weights)
            assert a == b
        rows = report_rows(cycle)
        assert sum(r["approved"] for r in rows) == 30 and sum(r["ratings"] for r in rows) == 30 * 2 * 3
        assert sum(r["interviews"] for r in rows) == 30 * 2  # people, not ratings
