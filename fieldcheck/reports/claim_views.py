"""Organizer pages: editing one claim (span, aspect, place, quantity), splitting, merging."""

from __future__ import annotations

from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _

from ..access import roles_required
from ..web import change_and_flash, change_or_error
from .access import with_claim
from .blueprint import bp
from .forms import claim_fields, claim_form
from .models import Claim
from .operations import edit_claim, merge_with_next, role_text, split_claim
from .propose import claim_quantities


def back_to_report(claim: Claim):
    return redirect(url_for("reports.claims", code=claim.report.cycle.code, slug=claim.report.slug))


@bp.route("/<slug>/claims/<int:claim_id>", methods=["GET", "POST"])
@roles_required("organizer")
@with_claim
def edit(claim: Claim):
    """Adjust a claim's span, aspect, place and claimed quantity."""
    report = claim.report
    cycle = report.cycle
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
            return back_to_report(claim)
    elif form.errors:
        error = _("Check the highlighted fields.")
    context = report.text[max(0, claim.start - 60):min(len(report.text), claim.end + 60)]
    return render_template("reports/claim_edit.html", cycle=cycle, report=report, claim=claim, form=form,
                           error=error, context=context, quantities=claim_quantities(claim.text), role_text=role_text), \
        (400 if error else 200)


@bp.route("/<slug>/claims/<int:claim_id>/split", methods=["POST"])
@roles_required("organizer")
@with_claim
def split(claim: Claim):
    """Cut a claim in two at an offset."""
    try:
        at = int(request.form.get("at", ""))
    except ValueError:
        at = -1
    change_and_flash(lambda: split_claim(claim, at), lambda _r: _("Claim split in two."))
    return back_to_report(claim)


@bp.route("/<slug>/claims/<int:claim_id>/merge", methods=["POST"])
@roles_required("organizer")
@with_claim
def merge(claim: Claim):
    """Join a claim with the next one."""
    change_and_flash(lambda: merge_with_next(claim), lambda _r: _("Claims merged."))
    return back_to_report(claim)
