"""Organizer pages: editing one claim (span, aspect, place, quantity), splitting, merging."""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _

from ..accounts.access import roles_required
from ..cycles.views import cycle_or_404
from ..db import db
from ..web import change_and_flash, change_or_error
from .models import Claim
from .operations import edit_claim, merge_with_next, split_claim
from .views import bp, claim_fields, claim_form, report_or_404


def claim_or_404(code: str, slug: str, claim_id: int):
    cycle = cycle_or_404(code)
    report = report_or_404(cycle, slug)
    claim = db.session.get(Claim, claim_id)
    if claim is None or claim.report_id != report.id:
        abort(404)
    return cycle, report, claim


@bp.route("/<slug>/claims/<int:claim_id>", methods=["GET", "POST"])
@roles_required("organizer")
def edit(code: str, slug: str, claim_id: int):
    """Adjust a claim's span, aspect, place and claimed quantity."""
    cycle, report, claim = claim_or_404(code, slug, claim_id)
    form = claim_form(cycle)
    if not form.is_submitted():
        form.start.data, form.end.data, form.aspect.data = claim.start, claim.end, claim.aspect.code
        form.place.data = claim.place_id or 0
        form.claimed_qty.data, form.qty_unit.data = claim.claimed_qty, claim.qty_unit
    error = None
    if form.validate_on_submit():
        error = change_or_error(lambda: edit_claim(claim, *claim_fields(cycle, form, form.start.data,
                                                                         form.end.data)))
        if error is None:
            flash(_("Saved."))
            return redirect(url_for("reports.claims", code=code, slug=slug))
    elif form.errors:
        error = _("Check the highlighted fields.")
    context = report.text[max(0, claim.start - 60):min(len(report.text), claim.end + 60)]
    return render_template("reports/claim_edit.html", cycle=cycle, report=report, claim=claim, form=form,
                           error=error, context=context), (400 if error else 200)


@bp.route("/<slug>/claims/<int:claim_id>/split", methods=["POST"])
@roles_required("organizer")
def split(code: str, slug: str, claim_id: int):
    """Cut a claim in two at an offset."""
    _cycle, _report, claim = claim_or_404(code, slug, claim_id)
    try:
        at = int(request.form.get("at", ""))
    except ValueError:
        at = -1
    change_and_flash(lambda: split_claim(claim, at), lambda _r: _("Claim split in two."))
    return redirect(url_for("reports.claims", code=code, slug=slug))


@bp.route("/<slug>/claims/<int:claim_id>/merge", methods=["POST"])
@roles_required("organizer")
def merge(code: str, slug: str, claim_id: int):
    """Join a claim with the next one."""
    _cycle, _report, claim = claim_or_404(code, slug, claim_id)
    change_and_flash(lambda: merge_with_next(claim), lambda _r: _("Claims merged."))
    return redirect(url_for("reports.claims", code=code, slug=slug))
