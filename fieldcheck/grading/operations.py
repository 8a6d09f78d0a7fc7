"""The combined evaluation of a cycle: verification, meeting ballot and routine research, to a grade."""

from __future__ import annotations

import csv
import io
import json
import math

import sqlalchemy as sa
from flask_babel import gettext as _

from ..audit.models import record
from ..ballots.models import GRADES
from ..ballots.operations import rounds_of, tally
from ..cycles.models import Cycle
from ..cycles.settings import settings_of
from ..cycles.operations import check_scoring, require_not_closed
from ..errors import OperationError
from ..extensions import db
from ..rectification.operations import ensure_talk, item_counts
from ..reports.models import Report
from ..scores.compute import cycle_scores
from .models import GradeDecision, RoutineScore
from .rules import GradeInput, GradeRules, check_override, consequences, propose_grades, rules_from, as_values


def rules_of(cycle: Cycle) -> GradeRules:
    """The cycle's grade rules (cycle configuration; the defaults in cycles/defaults.py until changed)."""
    return rules_from(settings_of(cycle).grade_rules)


def import_routine_scores(cycle: Cycle, data: bytes) -> int:
    """Routine research (平时调研): `unit,score,note` per line, 0–100, all lines or none."""
    require_not_closed(cycle)
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


def grade_table(cycle: Cycle, scores: list | None = None) -> list[dict]:
    """Per report: the three parts, the composite, the proposed and the confirmed grade, and what follows."""
    rules = rules_of(cycle)
    scores = dict(scores if scores is not None else cycle_scores(cycle))
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
            "provisional": proposal.provisional or score.provisional or score.decided < score.drawn,
            **consequences(grade if grade else None), "rectification_items": items.get(report.id, 0),
            "sample_size": score.drawn, "decided": score.decided, "population": score.population,
            "not_verified": len(score.not_verified),
            "confidence": score.confidence,
            "verified_share": score.verified_share,
            "verified_share_lower": score.verified_share_lower, "false_claims_upper": score.false_upper_bound,
        })
    return rows


def decide_grade(cycle: Cycle, report: Report, grade: str, reason: str, by=None) -> GradeDecision:
    """The organizer confirms the proposed grade, or sets another one with a written reason."""
    if report.cycle_id != cycle.id:
        raise OperationError(_("There is nothing at this address."), status=404)
    require_not_closed(cycle)
    if cycle.state != "review":
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


def rule_values(cycle: Cycle) -> dict:
    """Everything the rules page edits, as plain values: score weights, aspect weights, grade rules."""
    settings = settings_of(cycle)
    return {"finding_weight": settings.finding_weight, "satisfaction_weight": settings.satisfaction_weight,
            "partly_value": settings.partly_value, "aspect_weights": settings.aspect_weight_map(),
            "grade_rules": as_values(rules_of(cycle))}


def update_rules(cycle: Cycle, finding_weight: float, satisfaction_weight: float, partly_value: float,
                 aspect_weights: dict[str, float], grade_rules: dict, by=None) -> None:
    """Change the weights and the grade rules (until the close), checked as a whole and audited before/after."""
    require_not_closed(cycle)
    check_scoring(finding_weight, satisfaction_weight, partly_value)
    by_code = {a.code: a for a in cycle.aspects}
    if set(aspect_weights) != set(by_code):
        raise OperationError(_("Give a weight for every aspect of the cycle."))
    if any(not (math.isfinite(w) and 0 <= w <= 100) for w in aspect_weights.values()) \
            or not sum(aspect_weights.values()) > 0:
        raise OperationError(_("Aspect weights must be between 0 and 100, and not all 0."))
    try:
        rules = rules_from(grade_rules)
    except ValueError:
        raise OperationError(_("The grade rules do not hold: the three weights must add up to 1, ballot points "
                               "and thresholds lie between 0 and 100 with 好 ≥ 较好 ≥ 一般, the cap between 0 "
                               "and 1, k not negative.")) from None
    before = rule_values(cycle)
    cycle.finding_weight, cycle.satisfaction_weight = round(finding_weight, 4), round(satisfaction_weight, 4)
    cycle.partly_value = round(partly_value, 4)
    for code, weight in aspect_weights.items():
        by_code[code].weight = weight
    cycle.grade_rules = json.dumps(as_values(rules), ensure_ascii=False, sort_keys=True)
    db.session.flush()
    after = rule_values(cycle)
    if after != before:
        record("cycle.rules", "cycle", cycle.code, actor=by, before=before, after=after)


def rules_text(rules: GradeRules) -> str:
    """The grade rules in the reader's language, for the pages (the export keeps rules.formula)."""
    w, p, t = rules.weights, rules.ballot_points, rules.thresholds
    text = _("Composite = (%(v)s × verification + %(b)s × meeting ballot + %(r)s × routine research) ÷ the weights "
             "of the parts present; ballot score = mean points (好 %(p1)s, 较好 %(p2)s, 一般 %(p3)s, 差 %(p4)s); "
             "好 from %(t1)s, 较好 from %(t2)s, 一般 from %(t3)s, below that 差.",
             v=f"{w['verification']:g}", b=f"{w['ballot']:g}", r=f"{w['routine']:g}", p1=f"{p['好']:g}",
             p2=f"{p['较好']:g}", p3=f"{p['一般']:g}", p4=f"{p['差']:g}", t1=f"{t['好']:g}", t2=f"{t['较好']:g}",
             t3=f"{t['一般']:g}")
    if rules.false_bound_k is not None:
        text += " " + _("No 好 when more than %(k)d claims of the report may be false.", k=rules.false_bound_k)
    if rules.good_share_cap is not None:
        text += " " + _("At most %(share)s of the reports are graded 好 (ties at the edge: 较好).",
                        share=f"{rules.good_share_cap:g}")
    return text
