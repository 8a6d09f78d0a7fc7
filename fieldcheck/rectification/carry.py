"""Next year: a unit's open and recently closed rectification items carried into a new cycle, marked as
answered or not by the new report, and put into its frame as claims of the stratum 整改核查."""

from __future__ import annotations

import sqlalchemy as sa
from flask_babel import gettext as _
from sqlalchemy.orm import joinedload

from ..accounts.models import User
from ..audit.models import record
from ..cycles.defaults import DEFAULT_ASPECT_WEIGHT
from ..cycles.models import Aspect, Cycle
from ..errors import OperationError
from ..extensions import db
from ..reports.models import Claim, Report
from ..sampling.operations import RECTIFICATION_ASPECT
from .models import CarriedItem, RectificationItem
from .operations import clean, item_label
from .rules import EarlierItem, to_carry


def carry_over(cycle: Cycle, by: User | None = None) -> list[CarriedItem]:
    """Bring each unit's open and recently closed items of earlier cycles into `cycle` (keyed by unit).

    Only for units with a report in the new cycle; running it again adds nothing.
    """
    units = {r.unit_id for r in cycle.reports}
    if not units:
        return []
    rows = db.session.execute(
        sa.select(RectificationItem.id, Report.unit_id, Cycle.created_at, RectificationItem.state,
                  RectificationItem.signed_off_at)
        .join(Report, Report.id == RectificationItem.report_id).join(Cycle, Cycle.id == Report.cycle_id)
        .where(Report.unit_id.in_(units), Cycle.id != cycle.id)).all()
    unit_of = {r.id: r.unit_id for r in rows}
    chosen = to_carry([EarlierItem(*r) for r in rows], cycle.created_at)
    have = set(db.session.scalars(sa.select(CarriedItem.item_id).where(CarriedItem.cycle_id == cycle.id)))
    added = [CarriedItem(cycle_id=cycle.id, unit_id=unit_of[i], item_id=i) for i in chosen if i not in have]
    db.session.add_all(added)
    db.session.flush()
    if added:
        record("rectification.carry", "cycle", cycle.code, actor=by, after={"items": [c.item_id for c in added]})
    return added


def carried_items(cycle: Cycle) -> list[CarriedItem]:
    return list(db.session.scalars(
        sa.select(CarriedItem).where(CarriedItem.cycle_id == cycle.id)
        .options(joinedload(CarriedItem.item).joinedload(RectificationItem.report).joinedload(Report.cycle),
                 joinedload(CarriedItem.unit), joinedload(CarriedItem.claim))
        .order_by(CarriedItem.unit_id, CarriedItem.id)))


def carried_for(report: Report) -> list[CarriedItem]:
    """The earlier items carried into this report's cycle for its unit (shown beside the new report)."""
    return list(db.session.scalars(
        sa.select(CarriedItem).where(CarriedItem.cycle_id == report.cycle_id, CarriedItem.unit_id == report.unit_id)
        .options(joinedload(CarriedItem.item).joinedload(RectificationItem.report).joinedload(Report.cycle),
                 joinedload(CarriedItem.unit), joinedload(CarriedItem.claim))
        .order_by(CarriedItem.id)))


def new_report_of(carried: CarriedItem) -> Report | None:
    return db.session.scalar(sa.select(Report).where(Report.cycle_id == carried.cycle_id,
                                                     Report.unit_id == carried.unit_id).order_by(Report.id))


def mark_carried(carried: CarriedItem, by: User, answered, note) -> CarriedItem:
    """Whether the new report answers the carried item (yes / no / not read yet), with a note."""
    choice = {"yes": True, "no": False, "": None}
    if str(answered or "") not in choice:
        raise OperationError(_("Say whether the new report answers the item: yes or no."))
    before = {"answered": carried.answered, "note": carried.note}
    carried.answered = choice[str(answered or "")]
    carried.note = clean(note, 1000, _("The note"))
    db.session.flush()
    record("rectification.carried", "carried_item", carried.id, actor=by, before=before,
           after={"answered": carried.answered, "note": carried.note})
    return carried


def rectification_aspect(cycle: Cycle) -> Aspect:
    """The new cycle's 整改核查 aspect, added once: its claims form their own stratum of the frame."""
    aspect = next((a for a in cycle.aspects if a.code == RECTIFICATION_ASPECT), None)
    if aspect is None:
        aspect = Aspect(cycle=cycle, code=RECTIFICATION_ASPECT, name_zh="整改核查", name_en="Rectification check",
                        weight=DEFAULT_ASPECT_WEIGHT, position=len(cycle.aspects))
        db.session.add(aspect)
        db.session.flush()
    return aspect


def put_into_frame(carried: CarriedItem, by: User) -> Claim:
    """Make the carried item a claim of the unit's new report in the stratum 整改核查, to be drawn and
    verified on site like any claim. Only before the frame is frozen; once."""
    cycle = db.session.get(Cycle, carried.cycle_id)
    if cycle.state != "draft" or cycle.frozen:
        raise OperationError(_("The frame is already frozen."), status=409)
    if carried.claim_id is not None:
        raise OperationError(_("This item is already in the frame."), status=409)
    report = new_report_of(carried)
    if report is None:
        raise OperationError(_("The unit has no report in this cycle yet: import it first."), status=409)
    item = carried.item
    text = _("Rectification of %(label)s: %(problem)s", label=item.source_label or item_label(item),
             problem=item.problem)[:2000]
    # Placed after the report's text: it is not a passage of the report, and never overlaps one.
    end = len(report.text) + 1 + db.session.scalar(sa.select(sa.func.count()).select_from(Claim).join(
        Aspect, Aspect.id == Claim.aspect_id).where(Claim.report_id == report.id,
                                                    Aspect.code == RECTIFICATION_ASPECT))
    claim = Claim(report=report, start=end - 1, end=end, text=text, aspect=rectification_aspect(cycle),
                  state="confirmed")
    db.session.add(claim)
    db.session.flush()
    carried.claim_id = claim.id
    db.session.flush()
    record("rectification.frame", "carried_item", carried.id, actor=by,
           after={"claim": claim.id, "report": report.slug, "item": item_label(item)})
    return claim


def new_reports_by_unit(cycle: Cycle) -> dict[int, Report]:
    return {r.unit_id: r for r in db.session.scalars(sa.select(Report).where(Report.cycle_id == cycle.id))}
