"""The row generators behind the export tables (fieldcheck/export/tables.py describes them).

Each yields plain dicts in a stable keyset order, `(cycle, after=None, limit=None)`; the big ones stream
with `yield_per`. One source for the package, the XLSX, the downloads and the read API.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from datetime import date
from itertools import islice

import sqlalchemy as sa

from ..assignment.models import Task
from ..ballots.models import BallotCount, BallotRound
from ..cycles.models import Aspect, Cycle
from ..cycles.settings import settings_of
from ..evidence.models import Flag
from ..extensions import db
from ..field.models import Interview, Rating, Verification
from ..grading.models import GradeDecision, RoutineScore
from ..grading.operations import grade_table
from ..rectification.models import RectificationItem, rectification_photo
from ..rectification.rules import status_of
from ..reports.models import Claim, Report
from ..review.models import Review
from ..sampling.draw import frame_csv as canonical_frame_csv, parse_frame_csv
from ..sampling.estimates import clopper_pearson, point_estimate
from ..sampling.models import Sample, SampleItem
from ..scores.compute import UNVERIFIED_BY_STATE, cycle_scores, drawn_states, latest_verifications
from ..scores.scoring import ScoreWeights, claim_score, finding_value, satisfaction_of

# Rows fetched per round trip when streaming.
YIELD_PER = 2000

Rows = Callable[..., Iterator[dict]]


def _page(rows: Iterator[dict], order: tuple[str, ...], after, limit) -> Iterator[dict]:
    """Keyset and limit applied to rows computed in memory (already sorted by `order`)."""
    if after is not None:
        after = tuple(after)
        rows = (r for r in rows if tuple(r[k] for k in order) > after)
    return islice(rows, limit) if limit is not None else rows


def _keyset(stmt, columns, after, limit):
    """Order by `columns`, start after the cursor, stop at the limit, and stream."""
    if after is not None:
        after = tuple(after)
        if len(columns) != len(after):
            raise ValueError("the cursor does not fit this table")
        stmt = stmt.where(columns[0] > after[0] if len(columns) == 1 else sa.tuple_(*columns) > sa.tuple_(*after))
    stmt = stmt.order_by(*columns)
    if limit is not None:
        stmt = stmt.limit(limit)
    # Core rows (no ORM loading): plain tuples, fetched YIELD_PER at a time.
    return db.session.connection().execute(stmt.execution_options(yield_per=YIELD_PER))


def _raw_rows(result) -> Iterator[tuple]:
    """The driver's own tuples, batch by batch, without a SQLAlchemy row per row: for the biggest
    table, where that per-row work is most of the cost. The first batch comes through SQLAlchemy
    (its buffered strategy may already hold a row); the rest straight from the DBAPI cursor (a
    server-side cursor on PostgreSQL). Only for selects of plain columns whose types need no
    result processing (integers and strings)."""
    yield from result.fetchmany(YIELD_PER)
    cursor = result.cursor
    if cursor is not None:
        while rows := cursor.fetchmany(YIELD_PER):
            yield from rows
    result.close()


def public_id(cycle: Cycle, slug: str, n: int | None) -> str:
    return f"{cycle.code}/{slug}/{n}"


def _sample(cycle: Cycle) -> Sample | None:
    return db.session.scalar(sa.select(Sample).where(Sample.cycle_id == cycle.id))


# ---------------------------------------------------------------- reports and aspects (small, in memory)

def _report_rows(cycle: Cycle) -> list[dict]:
    states = drawn_states(cycle)
    decisions = {d.report_id: d for d in db.session.scalars(
        sa.select(GradeDecision).join(Report).where(Report.cycle_id == cycle.id))}
    rows = []
    for report, score in cycle_scores(cycle):
        by_state = states.get(report.slug, {})
        approved, rejected = by_state.get("approved", 0), by_state.get("rejected", 0)
        decision = decisions.get(report.id)
        # Clopper–Pearson (binomial, infinite population) beside the exact finite-population bound.
        cp = clopper_pearson(score.sample_size - score.failures, score.sample_size, score.confidence) \
            if score.sample_size else None
        rows.append({
            "report": report.slug, "cycle": cycle.code, "unit": report.unit.name, "secretary": report.secretary,
            "title": report.title, "report_sha256": report.sha256,
            "population": score.population, "drawn": score.drawn, "sample_size": score.sample_size,
            "approved": approved, "rejected": rejected, "open": score.drawn - approved - rejected,
            "decided": score.decided, "not_verified": len(score.not_verified), "failures": score.failures,
            "verified_share": score.verified_share, "verified_share_lower": score.verified_share_lower,
            "false_claims_upper_bound": score.false_upper_bound,
            "false_claims_point_estimate": point_estimate(score.population, score.sample_size, score.failures)
            if score.sample_size else None,
            "verified_share_cp_lower": cp[0] if cp else None, "verified_share_cp_upper": cp[1] if cp else None,
            "confidence": score.confidence,
            "satisfaction": score.satisfaction, "ratings": score.satisfaction_count,
            "interviews": score.interviews, "total": score.total,
            "provisional": score.provisional,
            "grade": decision.grade if decision else None,
        })
    return rows


def report_rows(cycle: Cycle, after=None, limit=None) -> Iterator[dict]:
    return _page(iter(_report_rows(cycle)), ("report",), after, limit)


def aspect_rows(cycle: Cycle, after=None, limit=None) -> Iterator[dict]:
    aspects = list(db.session.scalars(sa.select(Aspect).where(Aspect.cycle_id == cycle.id)
                                      .order_by(Aspect.code)))

    def rows():
        for report, score in cycle_scores(cycle):
            for aspect in aspects:
                figures = score.aspects[aspect.code]
                yield {
                    "report": report.slug, "aspect": aspect.code, "aspect_zh": aspect.name_zh,
                    "aspect_en": aspect.name_en, "weight": aspect.weight, "population": figures.population,
                    "n": figures.sample_size, "failures": figures.failures, "score": figures.score,
                    "verified_share": figures.verified_share, "verified_share_lower": figures.verified_share_lower,
                    "false_claims_upper_bound": figures.false_upper_bound,
                }
    return _page(rows(), ("report", "aspect"), after, limit)


# ---------------------------------------------------------------- claims (streamed)

# The subqueries below read only each primary task's latest visit (one materialized CTE, `latest`).

def _latest_reviews(latest):
    ranked = (
        sa.select(Review.verification_id, Review.decision, Review.reason_code, Review.reason,
                  sa.func.row_number().over(partition_by=Review.verification_id,
                                            order_by=(Review.decided_at.desc(), Review.id.desc())).label("position"))
        .join(latest, latest.c.verification_id == Review.verification_id)
    ).subquery()
    return sa.select(ranked.c.verification_id, ranked.c.decision, ranked.c.reason_code, ranked.c.reason) \
        .where(ranked.c.position == 1).subquery("latest_review")


def _flag_codes(latest):
    return (sa.select(Flag.verification_id, sa.func.aggregate_strings(Flag.code, " ").label("codes"))
            .join(latest, latest.c.verification_id == Flag.verification_id)
            .group_by(Flag.verification_id).subquery("flag_codes"))


def _interview_totals(latest):
    """Per verification: interviews, ratings and their sum (grouped by the database)."""
    per_interview = (
        sa.select(Interview.verification_id, Interview.id.label("interview_id"),
                  sa.func.count(Rating.value).label("n"), sa.func.coalesce(sa.func.sum(Rating.value), 0).label("total"))
        .join(latest, latest.c.verification_id == Interview.verification_id)
        .outerjoin(Rating, Rating.interview_id == Interview.id)
        .group_by(Interview.verification_id, Interview.id)).subquery()
    return (sa.select(per_interview.c.verification_id, sa.func.count().label("interviews"),
                      sa.func.sum(per_interview.c.n).label("ratings"), sa.func.sum(per_interview.c.total).label("total"))
            .group_by(per_interview.c.verification_id).subquery("interview_totals"))


def claim_rows(cycle: Cycle, after=None, limit=None) -> Iterator[dict]:
    """Every drawn claim — open, rejected and approved — with its visit, finding, score and review."""
    sample = _sample(cycle)
    if sample is None:
        return
    settings = settings_of(cycle)
    weights = ScoreWeights(settings.finding_weight, settings.satisfaction_weight)
    closed = cycle.state == "closed"
    latest = latest_verifications(cycle, approved_only=False)
    review, flags, totals = _latest_reviews(latest), _flag_codes(latest), _interview_totals(latest)
    stmt = (
        sa.select(Report.slug, Claim.n, SampleItem.stratum, Aspect.code, SampleItem.reason, SampleItem.ticket_hex,
                  Claim.text, Claim.claimed_qty, Claim.qty_unit, Task.state, Task.blind_qty,
                  Verification.id, Verification.finding, Verification.observed_qty, Verification.submitted_at,
                  totals.c.interviews, totals.c.ratings, totals.c.total,
                  review.c.decision, review.c.reason_code, review.c.reason, flags.c.codes)
        .select_from(SampleItem).join(Claim, Claim.id == SampleItem.claim_id)
        .join(Report, Report.id == Claim.report_id).join(Aspect, Aspect.id == Claim.aspect_id)
        .outerjoin(Task, sa.and_(Task.claim_id == Claim.id, Task.kind == "primary"))
        .outerjoin(Verification, Verification.id == Task.latest_verification_id)
        .outerjoin(totals, totals.c.verification_id == Verification.id)
        .outerjoin(review, review.c.verification_id == Verification.id)
        .outerjoin(flags, flags.c.verification_id == Verification.id)
        .where(SampleItem.sample_id == sample.id)
    )
    for (slug, n, stratum, aspect, reason, ticket, text, claimed, unit, state, blind, vid, finding, observed,
         submitted, interviews, ratings, total, decision, reason_code, review_reason, codes) \
            in _keyset(stmt, (Report.slug, Claim.n), after, limit):
        f = s = score = unverified = None
        if state == "approved" and finding is not None:
            f = finding_value(finding, claimed, observed, settings.partly_value)
            s = satisfaction_of(int(ratings or 0), int(total or 0))
            score = claim_score(f, s, weights)
        elif (state or "unassigned") in UNVERIFIED_BY_STATE and (state == "rejected" or closed):
            # Counted as not verified, as the scores count it (a rejected visit at once, the rest at the close).
            unverified, f, score = UNVERIFIED_BY_STATE[state or "unassigned"], 0.0, 0.0
        yield {
            "public_id": public_id(cycle, slug, n), "report": slug, "n": n, "stratum": stratum, "aspect": aspect,
            "sample_reason": reason, "ticket": ticket, "text": text, "claimed_qty": claimed, "qty_unit": unit,
            "state": state or "unassigned", "blind_qty": blind, "verification": vid, "submitted_at": submitted,
            "finding": finding, "observed_qty": observed, "unverified_reason": unverified, "finding_value": f,
            "interviews": int(interviews or 0), "ratings": int(ratings or 0), "satisfaction": s, "score": score,
            "review_decision": decision, "review_reason_code": reason_code or None,
            "review_reason": review_reason or None,
            "flags": " ".join(sorted(codes.split(" "))) if codes else "",
        }


def _sample_count(cycle: Cycle) -> int:
    return db.session.scalar(sa.select(sa.func.count()).select_from(SampleItem).join(Sample)
                             .where(Sample.cycle_id == cycle.id)) or 0


# ---------------------------------------------------------------- interviews and flags (streamed)

def _public_id_sql(cycle: Cycle):
    """The claim's public id written by the database (so that big tables need no Python per row)."""
    return sa.literal(cycle.code + "/") + Report.slug + "/" + sa.cast(Claim.n, sa.String)


def _interview_stmt(cycle: Cycle):
    return (
        sa.select(Rating.interview_id, Rating.question_id, Rating.value, Interview.respondent, Interview.source,
                  _public_id_sql(cycle), Aspect.code, Verification.id, Task.kind)
        .select_from(Rating).join(Interview, Interview.id == Rating.interview_id)
        .join(Verification, Verification.id == Interview.verification_id).join(Task, Task.id == Verification.task_id)
        .join(Claim, Claim.id == Task.claim_id).join(Report, Report.id == Claim.report_id)
        .join(Aspect, Aspect.id == Claim.aspect_id)
        .where(Report.cycle_id == cycle.id)
    )


def interview_tuples(cycle: Cycle, after=None, limit=None) -> Iterator[tuple]:
    """One row per interview and question: the 1–5 rating, who answered (kind only) and how. Anonymous:
    no comment, no examiner, no place beyond the claim."""
    return _raw_rows(_keyset(_interview_stmt(cycle), (Rating.interview_id, Rating.question_id), after, limit))


INTERVIEW_FIELDS = ("interview", "question", "value", "respondent", "source", "claim", "aspect", "verification",
                    "visit_kind")


def interview_rows(cycle: Cycle, after=None, limit=None) -> Iterator[dict]:
    return (dict(zip(INTERVIEW_FIELDS, values)) for values in interview_tuples(cycle, after, limit))


def _interview_count(cycle: Cycle) -> int:
    stmt = _interview_stmt(cycle).with_only_columns(sa.func.count())
    return db.session.scalar(stmt) or 0


def _flag_stmt(cycle: Cycle):
    return (sa.select(Flag.id, Flag.code, Flag.figures, Verification.id, Task.kind, Report.slug, Claim.n)
            .select_from(Flag).join(Verification, Verification.id == Flag.verification_id)
            .join(Task, Task.id == Verification.task_id).join(Claim, Claim.id == Task.claim_id)
            .join(Report, Report.id == Claim.report_id).where(Report.cycle_id == cycle.id))


def flag_tuples(cycle: Cycle, after=None, limit=None) -> Iterator[tuple]:
    cycle_code = cycle.code
    for flag_id, code, figures, vid, kind, slug, n in _keyset(_flag_stmt(cycle), (Flag.id,), after, limit):
        yield (flag_id, f"{cycle_code}/{slug}/{n}", vid, kind, code, figures or "{}")


FLAG_FIELDS = ("flag", "claim", "verification", "visit_kind", "code", "figures")


def flag_rows(cycle: Cycle, after=None, limit=None) -> Iterator[dict]:
    return (dict(zip(FLAG_FIELDS, values)) for values in flag_tuples(cycle, after, limit))


# ---------------------------------------------------------------- frame and sample

def frame_text(cycle: Cycle) -> str | None:
    """The frozen frame exactly as its SHA-256 was published (None before the frame is frozen)."""
    sample = _sample(cycle)
    if sample is not None:
        return db.session.scalar(sa.select(Sample.frame_csv).where(Sample.id == sample.id))
    if cycle.frame_sha256 is None:
        return None
    from ..sampling.operations import frame_rows
    return canonical_frame_csv(frame_rows(cycle))


def frame_rows(cycle: Cycle, after=None, limit=None) -> Iterator[dict]:
    text = frame_text(cycle)
    rows = ({"public_id": r.public_id, "stratum": r.stratum, "aspect": r.aspect}
            for r in (parse_frame_csv(text) if text else []))
    return _page(rows, ("public_id",), after, limit)


def _frame_count(cycle: Cycle) -> int:
    text = frame_text(cycle)
    return max(text.count("\n") - 1, 0) if text else 0


def sample_rows(cycle: Cycle, after=None, limit=None) -> Iterator[dict]:
    sample = _sample(cycle)
    if sample is None:
        return
    stmt = sa.select(SampleItem.public_id, SampleItem.stratum, SampleItem.rank, SampleItem.ticket_hex,
                     SampleItem.reason).where(SampleItem.sample_id == sample.id)
    for pid, stratum, rank, ticket, reason in _keyset(stmt, (SampleItem.public_id,), after, limit):
        yield {"public_id": pid, "stratum": stratum, "rank": rank, "ticket": ticket, "reason": reason}


# ---------------------------------------------------------------- ballots, routine scores, grades

def _ballot_stmt(cycle: Cycle):
    return (sa.select(BallotRound.id, BallotRound.title, BallotRound.closes_at, Report.slug, BallotCount.grade,
                      BallotCount.source, BallotCount.count)
            .select_from(BallotCount).join(BallotRound, BallotRound.id == BallotCount.round_id)
            .join(Report, Report.id == BallotCount.report_id).where(BallotRound.cycle_id == cycle.id))


def ballot_rows(cycle: Cycle, after=None, limit=None) -> Iterator[dict]:
    for round_id, title, closes_at, slug, grade, source, count in _keyset(
            _ballot_stmt(cycle), (BallotRound.id, Report.slug, BallotCount.grade, BallotCount.source), after, limit):
        yield {"round": round_id, "report": slug, "grade": grade, "source": source, "count": count,
               "round_title": title, "closes_at": closes_at}


def routine_rows(cycle: Cycle, after=None, limit=None) -> Iterator[dict]:
    stmt = (sa.select(Report.slug, RoutineScore.score, RoutineScore.note).select_from(RoutineScore)
            .join(Report, Report.id == RoutineScore.report_id).where(Report.cycle_id == cycle.id))
    for slug, score, note in _keyset(stmt, (Report.slug,), after, limit):
        yield {"report": slug, "score": score, "note": note}


def rectification_rows(cycle: Cycle, after=None, limit=None) -> Iterator[dict]:
    """Every rectification item of the cycle's reports, with its status as shown (overdue computed today)."""
    photos = (sa.select(rectification_photo.c.item_id, sa.func.count().label("photos"))
              .group_by(rectification_photo.c.item_id).subquery())
    item = RectificationItem
    stmt = (sa.select(Report.slug, item.id, item.source, item.source_label, item.finding, item.problem, item.measure,
                      item.responsible, item.deadline, item.progress, item.state, item.done_at, item.signed_off_at,
                      sa.func.coalesce(photos.c.photos, 0))
            .select_from(item).join(Report, Report.id == item.report_id)
            .outerjoin(photos, photos.c.item_id == item.id).where(Report.cycle_id == cycle.id))
    today = date.today()
    for (slug, item_id, source, label, finding, problem, measure, responsible, deadline, progress, state, done_at,
         signed_off_at, count) in _keyset(stmt, (Report.slug, item.id), after, limit):
        yield {"report": slug, "item": item_id, "source": source, "source_label": label, "finding": finding,
               "problem": problem, "measure": measure, "responsible": responsible, "deadline": deadline,
               "progress": progress, "state": state,
               "status": status_of(state, deadline, today, done_at.date() if done_at else None),
               "done_at": done_at, "signed_off_at": signed_off_at, "photos": int(count)}


def grade_rows(cycle: Cycle, after=None, limit=None) -> Iterator[dict]:
    rows = ({"report": r["report"], "verification_total": r["verification_total"],
             "ballot_score": r["ballot_score"], "routine_score": r["routine_score"], "composite": r["composite"],
             "proposed_grade": r["proposed_grade"], "grade": r["grade"], "grade_reason": r["grade_reason"] or None,
             "provisional": r["provisional"], "reasons": json.dumps([{"code": code, **figures} for code, figures in r["reasons"]],
                                                      ensure_ascii=False, sort_keys=True)}
            for r in sorted(grade_table(cycle), key=lambda r: r["report"]))
    return _page(rows, ("report",), after, limit)


def _count_of(rows: Rows) -> Callable[[Cycle], int]:
    return lambda cycle: sum(1 for _ in rows(cycle))


def _sql_count(stmt_of) -> Callable[[Cycle], int]:
    return lambda cycle: db.session.scalar(stmt_of(cycle).with_only_columns(sa.func.count()).order_by(None)) or 0
