"""Rectification pages: the organizer's lists and sign-off, the unit contact's own report, next year's carry-over.

Thin: every route declares its roles and loads its objects through `rectification/access.py`.
"""

from __future__ import annotations

import sqlalchemy as sa
from flask import Blueprint, Response, abort, redirect, render_template, request, send_file, url_for
from flask_babel import gettext as _
from flask_login import current_user

from ..access import roles_required
from ..cycles.access import with_cycle
from ..cycles.models import Cycle
from ..evidence.store import photo_store
from ..extensions import db
from ..evidence.storage import FolderStore, derived_key
from ..reports.models import Feedback, Report
from ..web import change_and_flash, change_or_error
from .access import with_carried, with_item_photo, with_own_item, with_own_report, with_report_lead
from .models import CarriedItem, RectificationItem
from .carry import carried_for, carried_items, carry_over, mark_carried, new_reports_by_unit, put_into_frame
from .operations import (add_item, claim_outcomes, confirm_lead, cycle_items, generate_cycle, generate_items, grade_of,
                         item_status, move_item, parse_deadline, state_msgid, report_items, report_leads, talk_of,
                         today_for, unit_reports, update_item, update_talk)
from .states import may_move

bp = Blueprint("rectification", __name__)


def me():
    return current_user._get_current_object()


@bp.route("/my-unit")
@roles_required("unit")
def mine():
    """The unit contact's start page: its unit's reports with their rectification lists; drafts while a cycle is open
    for them (a draft cycle takes report drafts for review)."""
    drafting = db.session.scalars(sa.select(Cycle).where(Cycle.state == "draft").order_by(Cycle.code)).all()
    return render_template("rectification/mine.html", rows=unit_reports(me()), drafting=drafting)


@bp.route("/cycles/<code>/rectification")
@roles_required("organizer")
@with_cycle
def cycle_list(cycle: Cycle):
    """Every item of the cycle, overdue ones first to the eye; `?overdue=1` shows only those."""
    overdue = request.args.get("overdue") == "1"
    return render_template("rectification/cycle.html", cycle=cycle, rows=cycle_items(cycle, overdue=overdue),
                           overdue=overdue)


@bp.route("/cycles/<code>/rectification/generate", methods=["POST"])
@roles_required("organizer")
@with_cycle
def generate_all(cycle: Cycle):
    """Generate every report's items from the findings (idempotent), with an optional common deadline."""
    change_and_flash(lambda: generate_cycle(cycle, me(), parse_deadline(request.form.get("deadline"))),
                     lambda n: _("%(n)d items added from the findings.", n=n))
    return redirect(url_for("rectification.cycle_list", code=cycle.code))


def report_page(report: Report, error: str | None = None, status: int = 200):
    organizer = current_user.has_role("organizer")
    today = today_for(report.cycle)
    items = report_items(report)
    return render_template(
        "rectification/report.html", report=report, cycle=report.cycle, items=items,
        status={i.id: item_status(i, today) for i in items}, outcomes=claim_outcomes(report),
        grade=grade_of(report), talk=talk_of(report), leads=report_leads(report) if organizer else [],
        carried=carried_for(report) if organizer else [],
        organizer=organizer, error=error), status


@bp.route("/cycles/<code>/reports/<slug>/rectification")
@roles_required("organizer", "unit")
@with_own_report
def report(report: Report):
    """A report's findings, grade, reminder talk and rectification list (the unit's own view)."""
    return report_page(report)


@bp.route("/cycles/<code>/reports/<slug>/rectification/generate", methods=["POST"])
@roles_required("organizer")
@with_own_report
def generate(report: Report):
    change_and_flash(lambda: generate_items(report, me(), parse_deadline(request.form.get("deadline"))),
                     lambda added: _("%(n)d items added from the findings.", n=len(added)))
    return redirect(url_for("rectification.report", code=report.cycle.code, slug=report.slug))


@bp.route("/cycles/<code>/reports/<slug>/rectification/talk", methods=["POST"])
@roles_required("organizer")
@with_own_report
def talk(report: Report):
    """Record the reminder talk: its date, who held it, and what was said."""
    change_and_flash(lambda: update_talk(report, me(), request.form.get("held_on"), request.form.get("held_by"),
                                         request.form.get("record")),
                     lambda _t: _("The reminder talk is recorded."))
    return redirect(url_for("rectification.report", code=report.cycle.code, slug=report.slug))


@bp.route("/cycles/<code>/reports/<slug>/rectification/leads/<int:lead_id>", methods=["POST"])
@roles_required("organizer")
@with_report_lead
def lead(lead: Feedback):
    """Confirm a public lead: it becomes a finding, and an item at the next generation."""
    report = lead.claim.report
    change_and_flash(lambda: confirm_lead(lead, me()), lambda _l: _("The lead is confirmed as a finding."))
    return redirect(url_for("rectification.report", code=report.cycle.code, slug=report.slug))


@bp.route("/cycles/<code>/reports/<slug>/rectification/items", methods=["POST"])
@roles_required("organizer", "unit")
@with_own_report
def add(report: Report):
    """An item the unit adds to its own list."""
    error = change_or_error(lambda: add_item(report, me(), request.form.get("problem"), request.form.get("measure"),
                                             request.form.get("responsible"), request.form.get("deadline")))
    if error:
        return report_page(report, error, 400)
    return redirect(url_for("rectification.report", code=report.cycle.code, slug=report.slug))


@bp.route("/cycles/<code>/reports/<slug>/rectification/items/<int:item_id>", methods=["GET", "POST"])
@roles_required("organizer", "unit")
@with_own_item
def item(item: RectificationItem):
    """One item: the measure, who is responsible, the progress and an evidence photo, saved all together."""
    report = item.report
    error = None
    if request.method == "POST":
        upload = request.files.get("photo")
        data = upload.read() if upload and upload.filename else None
        error = change_or_error(lambda: update_item(item, me(), request.form.to_dict(), data))
        if error is None:
            return redirect(url_for("rectification.item", code=report.cycle.code, slug=report.slug, item_id=item.id,
                                    saved=1))
    organizer = current_user.has_role("organizer")
    moves = [m for m in ("in_progress", "done", "signed_off", "open") if may_move(item.state, m, organizer=organizer)]
    return render_template("rectification/item.html", item=item, report=report, cycle=report.cycle,
                           status=item_status(item, today_for(report.cycle)), moves=moves, organizer=organizer,
                           error=error, saved=request.args.get("saved") == "1"), (400 if error else 200)


@bp.route("/cycles/<code>/reports/<slug>/rectification/items/<int:item_id>/move", methods=["POST"])
@roles_required("organizer", "unit")
@with_own_item
def move(item: RectificationItem):
    """Start, finish (the unit), sign off, send back or reopen (an organizer)."""
    report = item.report
    change_and_flash(lambda: move_item(item, request.form.get("to", ""), me()),
                     lambda i: _("The item is now %(state)s.", state=_(state_msgid(i.state))))
    return redirect(url_for("rectification.item", code=report.cycle.code, slug=report.slug, item_id=item.id))


@bp.route("/cycles/<code>/reports/<slug>/rectification/items/<int:item_id>/photos/<sha256>/<kind>")
@roles_required("organizer", "unit")
@with_item_photo
def photo(found, kind: str):
    """An item's evidence photo (display copy or thumbnail, never the original), for those who see the item."""
    _item, photo = found
    if kind not in ("display", "thumb"):
        abort(404)
    store, key = photo_store(), derived_key(photo.sha256, kind)
    if isinstance(store, FolderStore):
        if not store.exists(key):
            abort(404)
        return send_file(store.path(key), mimetype="image/jpeg", max_age=86400)
    data = store.get(key)
    if data is None:
        abort(404)
    response = Response(data, mimetype="image/jpeg")
    response.cache_control.private, response.cache_control.max_age = True, 86400
    return response


@bp.route("/cycles/<code>/rectification/carried", methods=["GET", "POST"])
@roles_required("organizer")
@with_cycle
def carried(cycle: Cycle):
    """Earlier cycles' open and recently closed items of this cycle's units, beside each new report."""
    if request.method == "POST":
        change_and_flash(lambda: carry_over(cycle, me()), lambda added: _("%(n)d items carried over.", n=len(added)))
        return redirect(url_for("rectification.carried", code=cycle.code))
    return render_template("rectification/carried.html", cycle=cycle, rows=carried_items(cycle),
                           reports=new_reports_by_unit(cycle))


@bp.route("/cycles/<code>/rectification/carried/<int:carried_id>", methods=["POST"])
@roles_required("organizer")
@with_carried
def mark(carried: CarriedItem):
    """Whether the new report answers the carried item."""
    change_and_flash(lambda: mark_carried(carried, me(), request.form.get("answered"), request.form.get("note")),
                     lambda _c: _("Recorded."))
    return redirect(url_for("rectification.carried", code=request.view_args["code"]))


@bp.route("/cycles/<code>/rectification/carried/<int:carried_id>/frame", methods=["POST"])
@roles_required("organizer")
@with_carried
def frame(carried: CarriedItem):
    """Put the carried item into the frame as a claim of the stratum 整改核查."""
    change_and_flash(lambda: put_into_frame(carried, me()),
                     lambda _c: _("The item is in the frame, stratum 整改核查."))
    return redirect(url_for("rectification.carried", code=request.view_args["code"]))
