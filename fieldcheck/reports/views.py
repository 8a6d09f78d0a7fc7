"""Organizer pages: importing reports and marking claims."""

from __future__ import annotations

import sqlalchemy as sa
from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _

from ..accounts.access import roles_required
from ..cycles.views import cycle_or_404
from ..db import db
from ..errors import OperationError
from ..web import change_and_flash, change_or_error
from ..places.models import Place
from .forms import ClaimForm, ExcludeForm, ImportForm
from .models import Claim
from .operations import form_quantity
from .operations import accept_proposals, add_claim, exclude_claim, get_report, import_report as do_import
from .operations import match_place, proposals_for, reject_proposal, report_text_from_input

bp = Blueprint("reports", __name__, url_prefix="/cycles/<code>/reports")


def report_or_404(cycle, slug):
    try:
        return get_report(cycle, slug)
    except OperationError:
        abort(404)


@bp.route("/new", methods=["GET", "POST"])
@roles_required("organizer")
def import_report(code: str):
    """Import a published report, pasted or uploaded."""
    cycle = cycle_or_404(code)
    form = ImportForm()
    error = None
    if form.validate_on_submit():
        try:
            upload = form.upload.data.read() if form.upload.data else None
            filename = form.upload.data.filename if form.upload.data else ""
            text = report_text_from_input(form.text.data, upload, filename or "")
            report = do_import(cycle, unit_name=form.unit.data, unit_kind=form.unit_kind.data,
                               secretary=form.secretary.data, title=form.title.data or "",
                               slug=form.slug.data, text=text)
            db.session.commit()
            flash(_("Report imported. SHA-256: %(sha)s", sha=report.sha256))
            return redirect(url_for("reports.claims", code=code, slug=report.slug))
        except OperationError as exc:
            db.session.rollback()
            error = exc.message
    elif form.errors:
        error = _("Check the highlighted fields.")
    return render_template("reports/import.html", cycle=cycle, form=form, error=error), (400 if error else 200)


def claim_fields(cycle, form: ClaimForm, start: int | None, end: int | None) -> tuple:
    """(start, end, aspect, place, claimed quantity, unit) from the claim form, or a refusal."""
    if start is None or end is None:
        raise OperationError(_("Select a passage or enter its offsets."))
    aspect = next(a for a in cycle.aspects if a.code == form.aspect.data)
    place = db.session.get(Place, form.place.data) if form.place.data else None
    return start, end, aspect, place, form_quantity(form.claimed_qty.data), form.qty_unit.data or ""


def claim_form(cycle) -> ClaimForm:
    form = ClaimForm()
    form.aspect.choices = [(a.code, a.name_zh + " / " + a.name_en) for a in cycle.aspects]
    places = db.session.scalars(sa.select(Place).order_by(Place.name)).all()
    form.place.choices = [(0, _("(none)"))] + [(p.id, p.full_name) for p in places]
    return form


@bp.route("/<slug>", methods=["GET", "POST"])
@roles_required("organizer")
def claims(code: str, slug: str):
    """The claims editor: the text, the marked claims, proposals and a passage form."""
    cycle = cycle_or_404(code)
    report = report_or_404(cycle, slug)
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
    from ..public.models import Feedback

    leads: dict[int, list] = {}
    for item in db.session.scalars(sa.select(Feedback).join(Claim).where(Claim.report_id == report.id)
                                   .order_by(Feedback.id)):
        leads.setdefault(item.claim_id, []).append(item)
    return render_template("reports/claims.html", cycle=cycle, report=report, form=form, error=error,
                           proposals=proposals, segments=segments(report), exclude_form=ExcludeForm(),
                           leads=leads, ambiguous=ambiguous), \
        (400 if error else 200)


@bp.route("/<slug>/accept", methods=["POST"])
@roles_required("organizer")
def accept(code: str, slug: str):
    """Accept one proposal (start/end given) or all of them."""
    cycle = cycle_or_404(code)
    report = report_or_404(cycle, slug)
    spans = None
    if request.form.get("start") is not None:
        try:
            spans = [(int(request.form["start"]), int(request.form["end"]))]
        except (KeyError, ValueError):
            abort(400)
    change_and_flash(lambda: accept_proposals(report, spans),
                     lambda accepted: _("%(n)d claims accepted.", n=len(accepted)))
    return redirect(url_for("reports.claims", code=code, slug=slug))


@bp.route("/<slug>/reject", methods=["POST"])
@roles_required("organizer")
def reject(code: str, slug: str):
    """Reject one proposal: the passage is not a claim, for the reason given."""
    cycle = cycle_or_404(code)
    report = report_or_404(cycle, slug)
    try:
        start, end = int(request.form["start"]), int(request.form["end"])
    except (KeyError, ValueError):
        abort(400)
    change_and_flash(lambda: reject_proposal(report, start, end, request.form.get("reason", "")),
                     lambda _r: _("Proposal rejected."))
    return redirect(url_for("reports.claims", code=code, slug=slug))


@bp.route("/<slug>/claims/<int:claim_id>/exclude", methods=["POST"])
@roles_required("organizer")
def exclude(code: str, slug: str, claim_id: int):
    """Exclude a marked claim from the frame, with a reason."""
    cycle = cycle_or_404(code)
    report = report_or_404(cycle, slug)
    claim = db.session.get(Claim, claim_id)
    if claim is None or claim.report_id != report.id:
        abort(404)
    form = ExcludeForm()
    reason = form.reason.data if form.validate_on_submit() else ""  # an empty reason is refused below
    change_and_flash(lambda: exclude_claim(claim, reason), lambda _r: _("Claim excluded."))
    return redirect(url_for("reports.claims", code=code, slug=slug))


def ambiguous_places(proposals) -> dict[tuple[int, int], set[str]]:
    """Per proposal, the place names that two places share and the text does not tell apart."""
    from collections import Counter

    counts = Counter(db.session.scalars(sa.select(Place.name)))
    result = {}
    for p in proposals:
        shared = {name for name in p.places if counts[name] > 1}
        if shared:
            resolved = match_place(p.text)
            result[(p.start, p.end)] = {n for n in shared if resolved is None or resolved.name != n}
    return result


def segments(report) -> list[tuple[str, object]]:
    """The report text cut into plain runs and confirmed claims, for highlighting."""
    out, pos = [], 0
    for claim in sorted((c for c in report.claims if c.state == "confirmed"), key=lambda c: c.start):
        if claim.start > pos:
            out.append((report.text[pos:claim.start], None))
        out.append((report.text[claim.start:claim.end], claim))
        pos = claim.end
    if pos < len(report.text):
        out.append((report.text[pos:], None))
    return out
