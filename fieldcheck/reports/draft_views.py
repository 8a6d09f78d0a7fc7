"""Drafting rounds (审稿): the office and the unit's contact upload drafts, the office comments, returns
and approves; approving files (备案) the last draft as the cycle's report."""

from __future__ import annotations

import sqlalchemy as sa
from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from ..access import roles_required
from ..accounts.models import Unit
from ..cycles.access import with_cycle
from ..cycles.models import Cycle
from ..extensions import db
from ..errors import OperationError
from ..web import change_and_flash, change_or_error, refuse
from .access import with_drafting
from .blueprint import bp
from .draft_models import Drafting
from .drafts import (add_comment, decide_suggestion, drafting_page, file_drafting, last_draft, return_draft,
                     start_drafting, suggestion_text, upload_next)
from .forms import DraftCommentForm, NewDraftForm, NextDraftForm
from .operations import report_text_from_input
from .states import can_comment, can_file, can_upload_next


def _text_of(form) -> str:
    """The normalised draft from the form's file or pasted text, or a refusal (OperationError)."""
    upload = form.upload.data.read() if form.upload.data else None
    filename = form.upload.data.filename if form.upload.data else ""
    return report_text_from_input(form.text.data, upload, filename or "")


def _refusal(change) -> OperationError | None:
    """Run one change of a form on the drafting page; a refusal is undone and returned (its message and status)."""
    try:
        change()
        db.session.flush()
    except OperationError as exc:
        refuse(exc)
        return exc
    return None


@bp.route("/drafts", methods=["GET", "POST"])
@roles_required("organizer", "unit")
@with_cycle
def drafts(cycle: Cycle):
    """The cycle's draftings (a unit's contact sees its own) and the form for a first draft."""
    form = NewDraftForm()
    error = None
    if form.validate_on_submit():
        started = []
        error = change_or_error(lambda: started.append(start_drafting(
            cycle, current_user, unit_name=form.unit.data or "", secretary=form.secretary.data,
            title=form.title.data or "", slug=form.slug.data, text=_text_of(form))))
        if error is None:
            flash(_("Draft 1 uploaded. SHA-256: %(sha)s", sha=last_draft(started[0]).sha256))
            return redirect(url_for("reports.draft", code=cycle.code, slug=started[0].slug))
    elif form.errors:
        error = _("Check the highlighted fields.")
    query = sa.select(Drafting).where(Drafting.cycle_id == cycle.id).order_by(Drafting.slug)
    if not current_user.has_role("organizer"):
        query = query.where(Drafting.unit_id == current_user.unit_id)
    return render_template("reports/drafts.html", cycle=cycle, form=form, error=error,
                           draftings=db.session.scalars(query).all(),
                           office=current_user.has_role("organizer"),
                           current_user_unit=db.session.get(Unit, current_user.unit_id).name
                           if current_user.unit_id else ""), (400 if error else 200)


def _page(drafting: Drafting, *, error=None, upload_form=None, comment_form=None, status=200):
    office = current_user.has_role("organizer")
    page = drafting_page(drafting, with_suggestions=office and can_comment(drafting))
    return render_template(
        "reports/draft.html", cycle=drafting.cycle, drafting=drafting, page=page, office=office, error=error,
        upload_form=upload_form or NextDraftForm(), comment_form=comment_form or DraftCommentForm(),
        suggestion_text=suggestion_text, can_comment=can_comment(drafting),
        can_upload=can_upload_next(drafting), can_file=can_file(drafting),
        # The unit sees the round's comments once the office returned the draft.
        show_comments=office or drafting.state != "submitted"), status


@bp.route("/drafts/<slug>")
@roles_required("organizer", "unit")
@with_drafting
def draft(drafting: Drafting):
    """A drafting's last draft: the diff against the one before, the comments carried over, the round counter."""
    return _page(drafting)


@bp.route("/drafts/<slug>/upload", methods=["POST"])
@roles_required("organizer", "unit")
@with_drafting
def draft_upload(drafting: Drafting):
    """Upload the next draft, once the office returned the last one."""
    form = NextDraftForm()
    if not form.validate_on_submit():
        return _page(drafting, error=_("Check the highlighted fields."), upload_form=form, status=400)
    refused = _refusal(lambda: upload_next(drafting, current_user, _text_of(form)))
    if refused is not None:
        return _page(drafting, error=refused.message, upload_form=form, status=refused.status)
    flash(_("Draft %(n)d uploaded.", n=drafting.round))
    return redirect(url_for("reports.draft", code=drafting.cycle.code, slug=drafting.slug))


@bp.route("/drafts/<slug>/comments", methods=["POST"])
@roles_required("organizer")
@with_drafting
def draft_comment(drafting: Drafting):
    """Comment on a passage of the last draft (offsets, or the exact passage pasted)."""
    form = DraftCommentForm()
    if not form.validate_on_submit():
        return _page(drafting, error=_("Check the highlighted fields."), comment_form=form, status=400)
    refused = _refusal(lambda: add_comment(drafting, current_user, form.start.data, form.end.data, form.body.data,
                                           passage=form.passage.data or "", seen_round=_number("round")))
    if refused is not None:
        return _page(drafting, error=refused.message, comment_form=form, status=refused.status)
    flash(_("Comment added."))
    return redirect(url_for("reports.draft", code=drafting.cycle.code, slug=drafting.slug))


def _number(name: str) -> int | None:
    """An optional whole number from the form (an offset, the round the page showed); 400 when not one."""
    value = request.form.get(name, "")
    if value == "":
        return None
    try:
        return int(value)
    except ValueError:
        abort(400)


@bp.route("/drafts/<slug>/suggestions", methods=["POST"])
@roles_required("organizer")
@with_drafting
def draft_suggestion(drafting: Drafting):
    """Accept a suggested comment of the verifiability check (it joins the round's comments) or drop it."""
    decision = request.form.get("decision")
    if decision not in ("accept", "drop"):
        abort(400)
    code, start, end = request.form.get("code", ""), _number("start"), _number("end")
    seen = _number("round")
    change_and_flash(lambda: decide_suggestion(drafting, current_user, code, start, end, decision == "accept", seen),
                     lambda _c: _("Suggestion accepted.") if decision == "accept" else _("Suggestion dropped."))
    return redirect(url_for("reports.draft", code=drafting.cycle.code, slug=drafting.slug))


@bp.route("/drafts/<slug>/return", methods=["POST"])
@roles_required("organizer")
@with_drafting
def draft_return(drafting: Drafting):
    """Return the last draft to the unit with this round's comments."""
    seen = _number("round")
    change_and_flash(lambda: return_draft(drafting, current_user, seen),
                     lambda _r: _("Draft %(n)d returned to the unit with its comments.", n=drafting.round))
    return redirect(url_for("reports.draft", code=drafting.cycle.code, slug=drafting.slug))


@bp.route("/drafts/<slug>/approve", methods=["POST"])
@roles_required("organizer")
@with_drafting
def draft_approve(drafting: Drafting):
    """Approve the last draft: it is filed (备案) and becomes the cycle's report."""
    seen = _number("round")
    change_and_flash(lambda: file_drafting(drafting, current_user, seen),
                     lambda report: _("Draft %(n)d approved and filed. SHA-256: %(sha)s", n=drafting.round,
                                      sha=report.sha256))
    return redirect(url_for("reports.draft", code=drafting.cycle.code, slug=drafting.slug))
