"""Organizer pages: importing reports and marking claims."""

from __future__ import annotations

from collections import Counter

import sqlalchemy as sa
from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _

from ..access import roles_required
from ..cycles.access import with_cycle
from ..cycles.models import Cycle
from ..extensions import db
from ..places.models import Place
from ..web import change_and_flash, change_or_error
from .access import with_claim, with_report
from .blueprint import bp
from .forms import ExcludeForm, ImportForm, claim_fields, claim_form
from .highlight import segments
from .models import Claim, Feedback, Report
from .operations import accept_proposals, add_claim, exclude_claim
from .operations import import_report as do_import
from .operations import match_place, proposals_for, reason_text, reject_proposal, report_text_from_input
from .states import can_edit_claim



@bp.route("/new", methods=["GET", "POST"])
@roles_required("organizer")
@with_cycle
def import_report(cycle: Cycle):
    """Import a published report, pasted or uploaded."""
    form = ImportForm()
    error = None
    if form.validate_on_submit():
        imported = []

        def do():
            upload = form.upload.data.read() if form.upload.data else None
            filename = form.upload.data.filename if form.upload.data else ""
            text = report_text_from_input(form.text.data, upload, filename or "")
            imported.append(do_import(cycle, unit_name=form.unit.data, unit_kind=form.unit_kind.data,
                                      secretary=form.secretary.data, title=form.title.data or "",
                                      slug=form.slug.data, text=text))

        error = change_or_error(do)
        if error is None:
            report = imported[0]
            flash(_("Report imported. SHA-256: %(sha)s", sha=report.sha256))
            return redirect(url_for("reports.claims", code=cycle.code, slug=report.slug))
    elif form.errors:
        error = _("Check the highlighted fields.")
    return render_template("reports/import.html", cycle=cycle, form=form, error=error), (400 if error else 200)


@bp.route("/<slug>", methods=["GET", "POST"])
@roles_required("organizer")
@with_report
def claims(report: Report):
    """The claims editor: the text, the marked claims, proposals and a passage form."""
    cycle = report.cycle
    code, slug = cycle.code, report.slug
    form = claim_form(cycle)
    error = None
    if form.validate_on_submit():
        start, end = form.start.data, form.end.data
        if form.passage.data and form.passage.data.strip() and start is None:
            passage = form.passage.data.strip()
            start = report.text.find(passage)
            end = start + len(passage) if start >= 0 else None
            if start < 0:
                error = _("That passage does not occur in the report text.")
        if error is None:
            error = change_or_error(lambda: add_claim(report, *claim_fields(cycle, form, start, end)))
            if error is None:
                flash(_("Claim marked."))
                return redirect(url_for("reports.claims", code=code, slug=slug))
    elif form.errors:
        error = _("Check the highlighted fields.")
    proposals = proposals_for(report) if cycle.state == "draft" else []
    ambiguous = ambiguous_places(proposals)
    leads: dict[int, list] = {}
    for item in db.session.scalars(sa.select(Feedback).join(Claim).where(Claim.report_id == report.id)
                                   .order_by(Feedback.id)):
        leads.setdefault(item.claim_id, []).append(item)
    return render_template("reports/claims.html", cycle=cycle, report=report, form=form, error=error,
                           proposals=proposals, reason_text=reason_text, segments=segments(report),
                           exclude_form=ExcludeForm(),
                           leads=leads, ambiguous=ambiguous, can_edit_claim=can_edit_claim), \
        (400 if error else 200)


@bp.route("/<slug>/accept", methods=["POST"])
@roles_required("organizer")
@with_report
def accept(report: Report):
    """Accept one proposal (start/end given) or all of them."""
    spans = None
    if request.form.get("start") is not None:
        try:
            spans = [(int(request.form["start"]), int(request.form["end"]))]
        except (KeyError, ValueError):
            abort(400)
    aspect_code = request.form.get("aspect") or None

    def accepted_message(accepted) -> str:
        waiting = sum(p.aspect is None for p in proposals_for(report))
        message = _("%(n)d claims accepted.", n=len(accepted))
        if waiting and spans is None:
            message += " " + _("%(n)d proposals need an aspect chosen first.", n=waiting)
        return message

    change_and_flash(lambda: accept_proposals(report, spans, aspect_code), accepted_message)
    return redirect(url_for("reports.claims", code=report.cycle.code, slug=report.slug))


@bp.route("/<slug>/reject", methods=["POST"])
@roles_required("organizer")
@with_report
def reject(report: Report):
    """Reject one proposal: the passage is not a claim, for the reason given."""
    try:
        start, end = int(request.form["start"]), int(request.form["end"])
    except (KeyError, ValueError):
        abort(400)
    change_and_flash(lambda: reject_proposal(report, start, end, request.form.get("reason", "")),
                     lambda _r: _("Proposal rejected."))
    return redirect(url_for("reports.claims", code=report.cycle.code, slug=report.slug))


@bp.route("/<slug>/claims/<int:claim_id>/exclude", methods=["POST"])
@roles_required("organizer")
@with_claim
def exclude(claim: Claim):
    """Exclude a marked claim from the frame, with a reason."""
    form = ExcludeForm()
    reason = form.reason.data if form.validate_on_submit() else ""  # an empty reason is refused below
    change_and_flash(lambda: exclude_claim(claim, reason), lambda _r: _("Claim excluded."))
    return redirect(url_for("reports.claims", code=claim.report.cycle.code, slug=claim.report.slug))


def ambiguous_places(proposals) -> dict[tuple[int, int], set[str]]:
    """Per proposal, the place names that two places share and the text does not tell apart."""
    counts = Counter(db.session.scalars(sa.select(Place.name)))
    result = {}
    for p in proposals:
        shared = {name for name in p.places if counts[name] > 1}
        if shared:
            resolved = match_place(p.text)
            result[(p.start, p.end)] = {n for n in shared if resolved is None or resolved.name != n}
    return result
