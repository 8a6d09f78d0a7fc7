"""Freezing the frame and drawing the sample (each drawn claim opens an unassigned task)."""

from __future__ import annotations

import sqlalchemy as sa
from flask_babel import gettext as _
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import joinedload

from ..accounts.models import User
from ..assignment.models import Task
from ..audit.models import record
from ..cycles.models import Aspect, Cycle
from ..cycles.settings import settings_of
from ..cycles.states import CYCLE
from ..db import utcnow
from ..extensions import db
from ..errors import OperationError
from ..places.models import Place
from ..reports.models import Claim, Report
from .draw import FrameRow, canonical_seed, frame_csv, frame_sha256, parse_frame_csv
from .models import Sample, SampleItem, SeedEntry
from .rule import DrawRule, draw_frame, stratum_of


def draw_rule_of(cycle: Cycle) -> DrawRule:
    """The cycle's draw rule, as it will be published beside the seed."""
    s = settings_of(cycle)
    return DrawRule(s.tolerable_share, s.confidence, s.min_per_stratum, s.cover_aspects, s.strata)


# Items of an earlier cycle's rectification list carried into this one (rectification/) are claims of
# this aspect; they form their own stratum of the frame, drawn and verified on site like any claim.
RECTIFICATION_ASPECT = "rectification"
RECTIFICATION_STRATUM = "整改核查"


def frame_rows(cycle: Cycle) -> list[FrameRow]:
    """The frozen frame: every confirmed claim with its stratum (report, or 整改核查) and aspect, as plain values."""
    rows = db.session.execute(
        sa.select(Report.slug, Claim.n, Aspect.code).select_from(Claim)
        .join(Report, Report.id == Claim.report_id).join(Aspect, Aspect.id == Claim.aspect_id)
        .where(Report.cycle_id == cycle.id, Claim.state == "confirmed"))
    return [FrameRow(f"{cycle.code}/{slug}/{n}" if n is not None else None,
                     RECTIFICATION_STRATUM if aspect == RECTIFICATION_ASPECT else slug, aspect)
            for slug, n, aspect in rows]


def publish_cycle(cycle: Cycle) -> str:
    """Freeze the frame: number each report's confirmed claims in text order and record the hash.

    In bulk: the checks are one grouped count, the numbering one UPDATE from a window function,
    the frame one plain select; no claim is loaded as an object.
    """
    if cycle.state != "draft":
        raise OperationError(_("The frame is already frozen."), status=409)
    counts = db.session.execute(
        sa.select(Report.slug, sa.func.count(Claim.id)).select_from(Report)
        .outerjoin(Claim, sa.and_(Claim.report_id == Report.id, Claim.state == "confirmed"))
        .where(Report.cycle_id == cycle.id).group_by(Report.slug).order_by(Report.slug)).all()
    if not counts:
        raise OperationError(_("Import at least one report before publishing."))
    for slug, confirmed in counts:
        if not confirmed:
            raise OperationError(_("The report %(slug)s has no confirmed claims yet.", slug=slug))
    db.session.flush()
    numbered = (
        sa.select(Claim.id.label("claim_id"),
                  sa.func.row_number().over(partition_by=Claim.report_id, order_by=(Claim.start, Claim.id))
                  .label("n"))
        .join(Report, Report.id == Claim.report_id)
        .where(Report.cycle_id == cycle.id, Claim.state == "confirmed")
    ).subquery()
    db.session.execute(sa.update(Claim).where(Claim.id == numbered.c.claim_id).values(n=numbered.c.n)
                       .execution_options(synchronize_session="fetch"))
    cycle.frame_sha256 = frame_sha256(frame_rows(cycle))
    cycle.published_at = utcnow()
    CYCLE.move(cycle, "published", "cycle.publish", cycle.code)
    record("frame.freeze", "cycle", cycle.code, after={"frame_sha256": cycle.frame_sha256})
    return cycle.frame_sha256


def refuse_second_draw(cycle: Cycle, seed: str, via: str, by: User | None = None) -> OperationError:
    """The refusal of a second draw; the attempt stays on file (the procedure wants every try recorded)."""
    code = cycle.code
    return OperationError(_("The sample of this cycle was already drawn; it cannot be drawn again."),
                          status=409, code="already_drawn",
                          on_refusal=lambda: record("sample.redraw_refused", "cycle", code, actor=by,
                                                    after={"seed": seed, "via": via}))


def draw_cycle_sample(cycle: Cycle, seed: str, drawn_by: User | None = None, via: str = "page") -> Sample:
    """Draw the sample from the frozen frame with the public seed; fixed for good afterwards."""
    existing = db.session.scalar(sa.select(Sample.id).where(Sample.cycle_id == cycle.id))
    if existing is not None or cycle.state not in ("draft", "published"):
        raise refuse_second_draw(cycle, seed, via, drawn_by)
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
    rule = DrawRule.parse(draw_rule_of(cycle).method)
    drawn = draw_frame(rows, seed, rule)
    sample = Sample(cycle_id=cycle.id, seed=seed, canonical_seed=canonical, frame_sha256=cycle.frame_sha256,
                    frame_csv=frame_csv(rows), method=rule.method, drawn_by_id=getattr(drawn_by, "id", None))
    db.session.add(sample)
    refusal = refuse_second_draw(cycle, seed, via, drawn_by)  # built now: after a failed flush nothing loads
    try:
        db.session.flush()
    except IntegrityError:
        # A concurrent draw won the race: the database keeps one sample per cycle.
        raise refusal from None
    add_items(cycle, sample, drawn)
    CYCLE.move(cycle, "sampled", "cycle.sample", cycle.code, actor=drawn_by)
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
    return dict(db.session.execute(
        sa.select(SampleItem.stratum, sa.func.count()).where(SampleItem.sample_id == sample.id,
                                                             SampleItem.reason == "extension")
        .group_by(SampleItem.stratum)).all())


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


def enter_seed(cycle: Cycle, seed: str, by: User, via: str = "ceremony") -> SeedEntry:
    """First step of the ceremony: an organizer enters the seed announced in public."""
    if get_sample(cycle) is not None:
        raise refuse_second_draw(cycle, seed, via, by)
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
        raise refuse_second_draw(cycle, seed, via, by)
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
        code = cycle.code
        raise OperationError(_("The seed you typed differs from the one entered; nothing was drawn."),
                             code="seed_mismatch",
                             on_refusal=lambda: record("seed.mismatch", "cycle", code, actor=by,
                                                       after={"typed": seed, "via": via}))
    return draw_cycle_sample(cycle, entry.seed, by, via=via)


def ceremony_step(cycle: Cycle, action: str, seed: str, by: User, via: str):
    """Enter the seed (first organizer) or confirm it and draw (second organizer)."""
    if action == "confirm":
        return confirm_seed_and_draw(cycle, seed, by, via=via)
    return enter_seed(cycle, seed, by, via)


def get_sample(cycle: Cycle) -> Sample | None:
    return db.session.scalar(sa.select(Sample).where(Sample.cycle_id == cycle.id))


SAMPLE_PAGE = 200


def sample_page(sample: Sample, after: int | None = None, size: int = SAMPLE_PAGE) -> tuple[list[SampleItem], int | None]:
    """One page of the sample in published order (stratum, rank), after the item with id `after`.

    Keyset pagination: the page starts from the last item shown, so every page costs the same
    whatever its depth. Returns the items (claim, place and its parent loaded) and the id to
    continue after, or None on the last page.
    """
    query = sa.select(SampleItem).where(SampleItem.sample_id == sample.id)
    if after is not None:
        last = db.session.execute(sa.select(SampleItem.stratum, SampleItem.rank)
                                  .where(SampleItem.id == after, SampleItem.sample_id == sample.id)).first()
        if last is not None:  # a row comparison: a range of the order's index
            query = query.where(sa.tuple_(SampleItem.stratum, SampleItem.rank) > sa.tuple_(last.stratum, last.rank))
    items = list(db.session.scalars(
        query.options(joinedload(SampleItem.claim).joinedload(Claim.place).joinedload(Place.parent))
        .order_by(SampleItem.stratum, SampleItem.rank).limit(size + 1)))
    return items[:size], (items[size - 1].id if len(items) > size else None)


def strata_of(sample: Sample) -> list[str]:
    return list(db.session.scalars(sa.select(SampleItem.stratum).where(SampleItem.sample_id == sample.id)
                                   .distinct().order_by(SampleItem.stratum)))
