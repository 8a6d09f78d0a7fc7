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
from .draw import FrameRow, canonical_seed, frame_csv, frame_sha256, parse_frame_csv
from .models import Sample, SampleItem, SeedEntry
from .rule import DrawRule, draw_frame, stratum_of


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
    # Draw with the rule exactly as it will be published, so anyone re-deriving gets the same.
    rule = DrawRule.parse(cycle.draw_rule.method)
    drawn = draw_frame(rows, seed, rule)
    sample = Sample(cycle_id=cycle.id, seed=seed, canonical_seed=canonical, frame_sha256=cycle.frame_sha256,
                    frame_csv=frame_csv(rows), method=rule.method, drawn_by_id=getattr(drawn_by, "id", None))
    db.session.add(sample)
    add_items(cycle, sample, drawn)
    set_state(cycle, "sampled", "cycle.sample")
    pending = db.session.scalar(sa.select(SeedEntry).where(SeedEntry.cycle_id == cycle.id))
    if pending is not None:
        db.session.delete(pending)
    record("sample.draw", "cycle", cycle.code, actor=drawn_by,
           after={"seed": seed, "canonical_seed": canonical, "frame_sha256": cycle.frame_sha256,
                  "method": rule.method, "sampled": sorted(d.public_id for d in drawn)})
    db.session.flush()
    return sample


def add_items(cycle: Cycle, sample: Sample, drawn) -> list[SampleItem]:
    """Store drawn claims that are not in the sample yet, each with its (unassigned) task."""
    claims = {c.public_id: c for c in db.session.scalars(
        sa.select(Claim).join(Report).where(Report.cycle_id == cycle.id, Claim.state == "confirmed"))}
    have = {item.public_id for item in sample.items}
    added = []
    for d in drawn:
        if d.public_id in have:
            continue
        claim = claims[d.public_id]
        item = SampleItem(sample=sample, claim_id=claim.id, public_id=d.public_id, stratum=d.stratum,
                          rank=d.rank, ticket_hex=d.ticket_hex, reason=d.reason)
        db.session.add(item)
        db.session.add(Task(claim_id=claim.id, state="unassigned"))
        added.append(item)
    return added


def extensions_of(sample: Sample) -> dict[str, int]:
    """How many claims each stratum was extended by (published with the sample)."""
    counts: dict[str, int] = {}
    for item in sample.items:
        if item.reason == "extension":
            counts[item.stratum] = counts.get(item.stratum, 0) + 1
    return counts


def extend_stratum(cycle: Cycle, stratum: str, count: int, by: User | None = None) -> list[SampleItem]:
    """Add the next `count` lowest tickets of a stratum to the sample; recorded, never undone."""
    sample = get_sample(cycle)
    if sample is None:
        raise OperationError(_("The sample is drawn after the frame is frozen."), status=409)
    if not 1 <= count <= 50:
        raise OperationError(_("Extend by 1 to 50 claims."))
    rows = parse_frame_csv(sample.frame_csv)
    rule = DrawRule.parse(sample.method)
    strata = {stratum_of(row, rule) for row in rows}
    if stratum not in strata:
        raise OperationError(_("There is no stratum %(name)s in this sample.", name=stratum))
    extensions = extensions_of(sample)
    before = extensions.get(stratum, 0)
    extensions[stratum] = before + count
    drawn = draw_frame(rows, sample.seed, rule, extensions)
    added = add_items(cycle, sample, drawn)
    if not added:
        raise OperationError(_("Every claim of %(name)s is already in the sample.", name=stratum), status=409)
    db.session.flush()
    record("sample.extend", "cycle", cycle.code, actor=by, before={"stratum": stratum, "extension": before},
           after={"stratum": stratum, "extension": before + len(added), "added": [i.public_id for i in added]})
    return added


def enter_seed(cycle: Cycle, seed: str, by: User) -> SeedEntry:
    """First step of the ceremony: an organizer enters the seed announced in public."""
    if get_sample(cycle) is not None:
        raise refuse_second_draw(cycle, seed, "ceremony")
    if not cycle.frozen:
        raise OperationError(_("Freeze the frame (publish the cycle) before drawing."), status=409)
    try:
        canonical_seed(seed)
    except ValueError:
        raise OperationError(_("Enter the seed: the digits announced at the public draw.")) from None
    entry = db.session.scalar(sa.select(SeedEntry).where(SeedEntry.cycle_id == cycle.id))
    before = {"seed": entry.seed, "by": entry.entered_by.username} if entry else None
    if entry is None:
        entry = SeedEntry(cycle_id=cycle.id, seed=seed, entered_by=by)
        db.session.add(entry)
    else:
        entry.seed, entry.entered_by, entry.entered_at = seed, by, utcnow()
    db.session.flush()
    record("seed.enter", "cycle", cycle.code, actor=by, before=before, after={"seed": seed, "by": by.username})
    return entry


def confirm_seed_and_draw(cycle: Cycle, seed: str, by: User, via: str = "ceremony") -> Sample:
    """Second step: another organizer types the seed again; if it matches, the sample is drawn."""
    if get_sample(cycle) is not None:
        raise refuse_second_draw(cycle, seed, via)
    entry = db.session.scalar(sa.select(SeedEntry).where(SeedEntry.cycle_id == cycle.id))
    if entry is None:
        raise OperationError(_("No seed was entered yet."), status=409)
    if entry.entered_by_id == by.id:
        raise OperationError(_("A second organizer must confirm the seed."), status=403, code="same_organizer")
    try:
        matches = canonical_seed(seed) == canonical_seed(entry.seed)
    except ValueError:
        matches = False
    if not matches:
        # The caller rolls back and records the attempt (seed.mismatch).
        raise OperationError(_("The seed you typed differs from the one entered; nothing was drawn."),
                             code="seed_mismatch")
    return draw_cycle_sample(cycle, entry.seed, by, via=via)


def assign_task(task: Task, examiner: User | None) -> None:
    """Give a sampled claim to an examiner (or take it back while nothing was submitted)."""
    # A rejected visit can be sent out again: the claim stays in the sample until it is checked.
    if task.state not in ("unassigned", "assigned", "rejected"):
        raise OperationError(_("The task %(id)s already has a submission; it cannot be reassigned.",
                               id=task.claim.public_id), status=409)
    if examiner is not None:
        if not examiner.has_role("examiner") or not examiner.is_active:
            raise OperationError(_("%(name)s is not an examiner.", name=examiner.label))
        from ..assignment.operations import has_conflict

        if has_conflict(examiner, task.claim):
            raise OperationError(_("%(name)s belongs to the unit that made the claim %(id)s.",
                                   name=examiner.label, id=task.claim.public_id))
    before = {"state": task.state, "examiner": task.examiner.username if task.examiner else None}
    if task.examiner_id != getattr(examiner, "id", None):
        task.blind_qty, task.revealed_at = None, None  # the count was the previous examiner's
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
