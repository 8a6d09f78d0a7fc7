"""Freezing the frame, drawing the sample, assigning examiners."""

from __future__ import annotations

import sqlalchemy as sa
from flask_babel import gettext as _

from ..accounts.models import User
from ..audit.models import record
from ..cycles.models import Cycle
from ..cycles.operations import set_state
from ..db import db, utcnow
from ..errors import OperationError
from ..field.models import Task
from ..reports.models import Claim, Report
from .draw import FrameRow, canonical_seed, draw_stratified, frame_csv, frame_sha256
from .models import Sample, SampleItem

METHOD = "sha256(canonical_seed/public_id), lowest tickets per report, n={n}"


def frame_rows(cycle: Cycle) -> list[FrameRow]:
    """The frozen frame: every confirmed claim with its stratum (report) and aspect."""
    claims = db.session.scalars(
        sa.select(Claim).join(Report).where(Report.cycle_id == cycle.id, Claim.state == "confirmed")
    ).all()
    return [FrameRow(c.public_id, c.report.slug, c.aspect.code) for c in claims]


def publish_cycle(cycle: Cycle) -> str:
    """Freeze the frame: number each report's confirmed claims in text order and record the hash."""
    if cycle.state != "draft":
        raise OperationError(_("The frame is already frozen."), status=409)
    if not cycle.reports:
        raise OperationError(_("Import at least one report before publishing."))
    for report in cycle.reports:
        confirmed = [c for c in report.claims if c.state == "confirmed"]
        if not confirmed:
            raise OperationError(_("The report %(slug)s has no confirmed claims yet.", slug=report.slug))
        for n, claim in enumerate(sorted(confirmed, key=lambda c: c.start), start=1):
            claim.n = n
    db.session.flush()
    cycle.frame_sha256 = frame_sha256(frame_rows(cycle))
    cycle.published_at = utcnow()
    set_state(cycle, "published", "cycle.publish")
    record("frame.freeze", "cycle", cycle.code, after={"frame_sha256": cycle.frame_sha256})
    return cycle.frame_sha256


def refuse_second_draw(cycle: Cycle, seed: str, via: str) -> OperationError:
    """Record the attempt (the procedure wants every try to redraw on file) and build the refusal."""
    record("sample.redraw_refused", "cycle", cycle.code, after={"seed": seed, "via": via})
    return OperationError(_("The sample of this cycle was already drawn; it cannot be drawn again."),
                          status=409, code="already_drawn")


def draw_cycle_sample(cycle: Cycle, seed: str, drawn_by: User | None = None, via: str = "page") -> Sample:
    """Draw the sample from the frozen frame with the public seed; fixed for good afterwards."""
    existing = db.session.scalar(sa.select(Sample.id).where(Sample.cycle_id == cycle.id))
    if existing is not None or cycle.state not in ("draft", "published"):
        raise refuse_second_draw(cycle, seed, via)
    if not cycle.frozen:
        raise OperationError(_("Freeze the frame (publish the cycle) before drawing."), status=409)
    try:
        canonical = canonical_seed(seed)
    except ValueError:
        raise OperationError(_("Enter the seed: the digits announced at the public draw.")) from None
    if len(canonical) > 200:
        raise OperationError(_("The seed is too long (at most 200 characters)."))
    rows = frame_rows(cycle)
    if frame_sha256(rows) != cycle.frame_sha256:
        raise OperationError(_("The frame changed since it was frozen; the draw is refused."), status=409)
    strata: dict[str, list[str]] = {}
    for row in rows:
        strata.setdefault(row.stratum, []).append(row.public_id)
    drawn = draw_stratified(strata, seed, {s: cycle.per_report_n for s in strata})
    claims = {c.public_id: c for c in db.session.scalars(
        sa.select(Claim).join(Report).where(Report.cycle_id == cycle.id, Claim.state == "confirmed"))}
    sample = Sample(cycle_id=cycle.id, seed=seed, canonical_seed=canonical, frame_sha256=cycle.frame_sha256,
                    frame_csv=frame_csv(rows), method=METHOD.format(n=cycle.per_report_n),
                    drawn_by_id=getattr(drawn_by, "id", None))
    db.session.add(sample)
    for stratum, picked in drawn.items():
        for rank, (public_id, ticket) in enumerate(picked, start=1):
            claim = claims[public_id]
            db.session.add(SampleItem(sample=sample, claim_id=claim.id, public_id=public_id,
                                      stratum=stratum, rank=rank, ticket_hex=f"{ticket:064x}"))
            db.session.add(Task(claim_id=claim.id, state="unassigned"))
    set_state(cycle, "sampled", "cycle.sample")
    record("sample.draw", "cycle", cycle.code, actor=drawn_by,
           after={"seed": seed, "canonical_seed": canonical, "frame_sha256": cycle.frame_sha256,
                  "sampled": sorted(p for picked in drawn.values() for p, _t in picked)})
    db.session.flush()
    return sample


def assign_task(task: Task, examiner: User | None) -> None:
    """Give a sampled claim to an examiner (or take it back while nothing was submitted)."""
    if task.state not in ("unassigned", "assigned"):
        raise OperationError(_("The task %(id)s already has a submission; it cannot be reassigned.",
                               id=task.claim.public_id), status=409)
    if examiner is not None:
        if not examiner.has_role("examiner") or not examiner.is_active:
            raise OperationError(_("%(name)s is not an examiner.", name=examiner.label))
        if examiner.unit_id is not None and examiner.unit_id == task.claim.report.unit_id:
            raise OperationError(_("%(name)s belongs to the unit that made the claim %(id)s.",
                                   name=examiner.label, id=task.claim.public_id))
    before = {"state": task.state, "examiner": task.examiner.username if task.examiner else None}
    if examiner is None:
        task.examiner, task.state, task.assigned_at = None, "unassigned", None
    else:
        task.examiner, task.state, task.assigned_at = examiner, "assigned", utcnow()
    record("task.assign", "task", task.claim.public_id, before=before,
           after={"state": task.state, "examiner": examiner.username if examiner else None})
    cycle = task.claim.report.cycle
    if examiner is not None and cycle.state == "sampled":
        set_state(cycle, "fieldwork", "cycle.fieldwork")


def get_sample(cycle: Cycle) -> Sample | None:
    return db.session.scalar(sa.select(Sample).where(Sample.cycle_id == cycle.id))
