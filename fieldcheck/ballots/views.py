"""The organizer's ballot page (codes, counts, paper tallies) and the attendee's one-time ballot page."""

from __future__ import annotations

from datetime import timedelta

import segno
from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from markupsafe import Markup

from ..access import loads, public, roles_required
from ..cycles.access import cycle_by_code, with_cycle
from ..cycles.models import Cycle
from ..db import utcnow
from ..errors import OperationError
from ..extensions import db, limiter
from ..web import change_and_flash, refuse
from .models import GRADES, BallotRound
from .operations import cast, codes_used, find_code, import_paper_tally, open_round, reports_of, rounds_of, tally

bp = Blueprint("ballots", __name__)


def round_in(code: str, round_id: int) -> BallotRound | None:
    cycle = cycle_by_code(code)
    ballot = db.session.get(BallotRound, round_id) if cycle is not None else None
    return ballot if ballot is not None and ballot.cycle_id == cycle.id else None


with_round = loads("ballot", round_in, "code", "round_id")


def qr(url: str) -> Markup:
    return Markup(segno.make(url, error="m").svg_inline(scale=4, border=2, dark="#000", light="#fff"))


@bp.route("/cycles/<code>/ballots", methods=["GET", "POST"])
@roles_required("organizer")
@with_cycle
def index(cycle: Cycle):
    """The cycle's meeting ballots with their counts; open a new one (prints its one-time codes once)."""
    error = None
    if request.method == "POST":
        try:
            count = int(request.form.get("count", ""))
            hours = float(request.form.get("hours", ""))
            if not 0 < hours <= 24 * 30:
                raise ValueError
        except ValueError:
            error = _("Give the number of codes and how many hours the ballot stays open (up to 720).")
        else:
            try:
                ballot, raw = open_round(cycle, request.form.get("title", ""), count, utcnow() + timedelta(hours=hours))
            except OperationError as exc:
                refuse(exc)
                error = exc.message
            else:
                codes = [(t, url_for("ballots.vote", token=t, _external=True)) for t in raw]
                return render_template("ballots/sheet.html", cycle=cycle, ballot=ballot,
                                       codes=[(t, url, qr(url)) for t, url in codes])
    rounds = [(b, tally(b), codes_used(b)) for b in rounds_of(cycle)]
    return render_template("ballots/index.html", cycle=cycle, rounds=rounds, grades=GRADES, error=error,
                           reports={r.id: r for r in cycle.reports}, now=utcnow()), (400 if error else 200)


@bp.route("/cycles/<code>/ballots/<int:round_id>/paper", methods=["POST"])
@roles_required("organizer")
@with_round
def paper(ballot: BallotRound):
    """Add paper ballots counted by hand: a CSV `unit,好,较好,一般,差`, all lines or none."""
    upload = request.files.get("csv")
    if upload is None or not upload.filename:
        flash(_("Choose a CSV file."), "error")
    else:
        change_and_flash(lambda: import_paper_tally(ballot, upload.read()),
                         lambda n: _("Paper ballots added for %(n)d units.", n=n))
    return redirect(url_for("ballots.index", code=ballot.cycle.code))


@bp.route("/b/<token>", methods=["GET", "POST"])
@public
@limiter.limit("30 per minute", methods=["POST"])
def vote(token: str):
    """An attendee grades every secretary once, anonymously (no account, nothing that identifies them)."""
    try:
        code = find_code(token)
    except OperationError as exc:
        return render_template("ballots/done.html", ok=False, message=exc.message), exc.status
    ballot = code.round
    reports = reports_of(ballot)
    error = None
    if request.method == "POST":
        choices = {r.id: request.form.get(f"r{r.id}", "") for r in reports}
        try:
            cast(token, choices)
            return render_template("ballots/done.html", ok=True, message=None)
        except OperationError as exc:
            refuse(exc)
            if exc.code in ("ballot_used", "ballot_closed", "ballot_unknown"):
                return render_template("ballots/done.html", ok=False, message=exc.message), exc.status
            error = exc.message
    return render_template("ballots/vote.html", ballot=ballot, reports=reports, grades=GRADES, error=error,
                           form=request.form), (400 if error else 200)
