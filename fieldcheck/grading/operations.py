"""The combined evaluation of a cycle: verification, meeting ballot and routine research, to a grade."""

from __future__ import annotations

import csv
import io
import math

import sqlalchemy as sa
from flask_babel import gettext as _

from ..audit.models import record
from ..ballots.models import GRADES
from ..ballots.operations import rounds_of, tally
from ..cycles.models import Cycle
from ..errors import OperationError
from ..extensions import db
from ..rectification.operations import ensure_talk, item_counts
from ..reports.models import Report
from ..scores.compute import cycle_scores, drawn_states
from .models import GradeDecision, RoutineScore
from .rules import GradeInput, GradeRules, check_override, consequences, propose_grades


def rules_of(cycle: Cycle) -> GradeRules:
    """The cycle's grade rules (the defaults written on the results page until they are configurable)."""
    return GradeRules()


def import_routine_scores(cycle: Cycle, data: bytes) -> int:
    """Routine research (平时调研): `unit,score,note` per line, 0–100, all lines or none."""
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise OperationError(_("The routine scores must be a UTF-8 CSV file.")) from None
    rows = list(csv.reader(io.StringIO(text)))
    if not rows or [c.strip() for c in rows[0]][:2] != ["unit", "score"]:
        raise OperationError(_("The first line must be: unit,score,note"))
    by_unit = {r.unit.name: r for r in cycle.reports}
    problems, scores = [], {}
    for line, row in enumerate(rows[1:], start=2):
        if not any(cell.strip() for cell in row):
            continue
        unit = row[0].strip() if row else ""
        report = by_unit.get(unit)
        if report is None:
            problems.append(_("Line %(line)d: no report of the unit “%(unit)s” in this cycle.", line=line, unit=unit))
            continue
        try:
            score = float(row[1])
            if not (math.isfinite(score) and 0 <= score <= 100):
                raise ValueError
        except (IndexError, ValueError):
            problems.append(_("Line %(line)d: the score must be a number from 0 to 100.", line=line))
            continue
        if report.id in scores:
            problems.append(_("Line %(line)d: the unit “%(unit)s” appears twice.", line=line, unit=unit))
            continue
        scores[report.id] = (score, (row[2].strip() if len(row) > 2 else "")[:500])
    if problems:
        raise OperationError(_("Nothing was imported.") + " " + " ".join(problems[:20]))
    existing = {s.report_id: s for s in db.session.scalars(
        sa.select(RoutineScore).where(RoutineScore.report_id.in_(list(scores))))}
    for report_id, (score, note) in scores.items():
        row = existing.get(report_id) or RoutineScore(report_id=report_id)
        row.score, row.note = score, note
        db.session.add(row)
    db.session.flush()
    record("routine.import", "cycle", cycle.code, after={"units": len(scores)})
    return len(scores)


def grade_table(cycle: Cycle) -> list[dict]:
    """Per report: the three parts, the composite, the proposed and the confirmed grade, and what follows."""
    rules = rules_of(cycle)
    scores = dict(cycle_scores(cycle))
    states = drawn_states(cycle)
    rounds = rounds_of(cycle)
    counts = tally(rounds[-1]) if rounds else {}
    routine = {s.report_id: s.score for s in db.session.scalars(
        sa.select(RoutineScore).join(Report).where(Report.cycle_id == cycle.id))}
    decided = {d.report_id: d for d in db.session.scalars(
        sa.select(GradeDecision).join(Report).where(Report.cycle_id == cycle.id))}
    items = item_counts(cycle)
    reports = sorted(scores, key=lambda r: r.slug)
    proposals = propose_grades([GradeInput(r.slug, scores[r].total, counts.get(r.id, {}), routine.get(r.id),
                                           scores[r].false_upper_bound) for r in reports], rules)
    rows = []
    for report, proposal in zip(reports, proposals):
        score = scores[report]
        drawn = sum(states.get(report.slug, {}).values())
        decided_states = sum(n for s, n in states.get(report.slug, {}).items() if s in ("approved", "rejected"))
        decision = decided.get(report.id)
        grade = decision.grade if decision else None
        rows.append({
            "report": report.slug, "unit": report.unit.name, "secretary": report.secretary,
            "verification_total": None if score.total is None else round(score.total, 2),
            "ballot_score": None if proposal.parts["ballot"] is None else round(proposal.parts["ballot"], 2),
            "ballot_counts": {g: counts.get(report.id, {}).get(g, 0) for g in GRADES},
            "routine_score": routine.get(report.id),
            "composite": None if proposal.composite is None else round(proposal.composite, 2),
            "proposed_grade": proposal.grade, "reasons": proposal.reasons, "grade": grade,
            "grade_reason": decision.reason if decision else "",
            "provisional": proposal.provisional or cycle.state != "closed" or decided_states < drawn,
            **consequences(grade if grade else None), "rectification_items": items.get(report.id, 0),
            "sample_size": drawn, "decided": decided_states, "population": score.population,
            "not_verified": drawn - score.sample_size + score.failures,
            "confidence": score.confidence,
            "verified_share_lower": score.verified_share_lower, "false_claims_upper": score.false_upper_bound,
        })
    return rows


def decide_grade(cycle: Cycle, report: Report, grade: str, reason: str, by=None) -> GradeDecision:
    """The organizer confirms the proposed grade, or sets another one with a written reason."""
    if report.cycle_id != cycle.id:
        raise OperationError(_("There is nothing at this address."), status=404)
    if cycle.state not in ("review", "closed"):
        raise OperationError(_("Grades are decided once fieldwork has ended."), status=409)
    proposed = next((r["proposed_grade"] for r in grade_table(cycle) if r["report"] == report.slug), None)
    try:
        check_override(proposed, grade, reason)
    except ValueError:
        raise OperationError(_("A grade other than the proposed one needs a written reason.")) from None
    decision = db.session.scalar(sa.select(GradeDecision).where(GradeDecision.report_id == report.id))
    before = {"grade": decision.grade, "reason": decision.reason} if decision else None
    if decision is None:
        decision = GradeDecision(report_id=report.id)
        db.session.add(decision)
    decision.proposed, decision.grade, decision.reason = proposed, grade, reason.strip()[:1000]
    decision.decided_by_id = getattr(by, "id", None)
    db.session.flush()
    record("grade.decide", "report", f"{cycle.code}/{report.slug}", actor=by, before=before,
           after={"proposed": proposed, "grade": grade, "reason": decision.reason})
    ensure_talk(report, grade, by)  # 一般 and 差 call for a reminder talk (rectification/)
    return decision
