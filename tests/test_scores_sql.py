"""Scores from grouped SQL equal the figures computed from the ORM one row at a time (the old way)."""

from __future__ import annotations

from bulk import grow
from story import build_world


def orm_results(cycle):
    """The old loader: every approved primary task's latest verification, its interviews and ratings."""
    import sqlalchemy as sa

    from fieldcheck.assignment.models import Task
    from fieldcheck.extensions import db
    from fieldcheck.field.models import Verification
    from fieldcheck.reports.models import Claim, Report
    from fieldcheck.scores.scoring import ClaimResult

    results = {}
    for task in db.session.scalars(sa.select(Task).join(Claim).join(Report).where(
            Report.cycle_id == cycle.id, Task.state == "approved", Task.kind == "primary")):
        visits = db.session.scalars(sa.select(Verification).where(Verification.task_id == task.id))
        claim, verification = task.claim, max(visits, key=lambda v: (v.submitted_at, v.id))
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


def test_the_scores_page_shows_a_page_of_reports_and_one_report_s_claims_on_its_own(app):
    import re

    from helpers import login

    build_world(app)
    grow(app, 250, per_report=5)  # 50 more reports
    org = app.test_client()
    login(org, "org")
    first = org.get("/cycles/2025/scores/").get_data(as_text=True)
    slugs = re.findall(r'<section class="card" id="report-([^"]+)"', first)
    assert len(slugs) == 20 and slugs == sorted(slugs)
    assert 'class="claim-score"' not in first  # the claims are on each report's own page
    after = re.search(r'id="next-page" href="[^"]*after=([^"&]+)"', first).group(1)
    second = org.get(f"/cycles/2025/scores/?after={after}").get_data(as_text=True)
    more = re.findall(r'<section class="card" id="report-([^"]+)"', second)
    assert len(more) == 20 and more[0] > slugs[-1] and not set(more) & set(slugs)
    counted = int(re.search(rf'report={slugs[1]}">计入的全部事项（(\d+) 项）', first).group(1))
    one = org.get(f"/cycles/2025/scores/?report={slugs[1]}").get_data(as_text=True)
    assert counted >= 1 and one.count('class="claim-score"') == counted and 'id="next-page"' not in one
    assert org.get("/cycles/2025/scores/?report=no-such-report").status_code == 404
