"""The organizer's results board: the combined evaluation per secretary, proposed and confirmed grades."""

from __future__ import annotations

from flask import Blueprint, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from ..access import roles_required
from ..cycles.models import Cycle
from ..reports.access import with_report
from ..cycles.access import with_cycle
from ..reports.models import Report
from ..web import change_and_flash
from .operations import decide_grade, grade_table, rules_of
from .rules import GRADES

bp = Blueprint("grading", __name__)


def reason_text(code: str, figures: dict) -> str:
    parts = {"verification": _("verification"), "ballot": _("meeting ballot"), "routine": _("routine research")}
    if code == "missing":
        return _("no %(part)s score yet", part=parts[figures["part"]])
    if code == "threshold":
        if figures["threshold"] is None:
            return _("composite %(c)s is below every threshold", c=figures["composite"])
        return _("composite %(c)s ≥ %(t)s", c=figures["composite"], t=figures["threshold"])
    if code == "bound":
        return _("up to %(n)d claims may be false (more than %(k)d): not 好", n=figures["false_upper"], k=figures["k"])
    if code == "cap":
        return _("at most %(n)d reports may be 好", n=figures["allowed"])
    return code


@bp.route("/cycles/<code>/grades")
@roles_required("organizer")
@with_cycle
def board(cycle: Cycle):
    """Per secretary: verification, ballot and routine research, the composite, the grade and its reasons."""
    rows = grade_table(cycle)
    return render_template("grading/board.html", cycle=cycle, rows=rows, rules=rules_of(cycle), grades=GRADES,
                           reason_text=reason_text)


@bp.route("/cycles/<code>/grades/<slug>", methods=["POST"])
@roles_required("organizer")
@with_report
def decide(report: Report):
    """Confirm the proposed grade, or set another one with a written reason (recorded)."""
    cycle = report.cycle
    change_and_flash(lambda: decide_grade(cycle, report, request.form.get("grade", ""),
                                          request.form.get("reason", ""), current_user._get_current_object()),
                     lambda d: _("Grade %(grade)s recorded for %(unit)s.", grade=d.grade, unit=report.unit.name))
    return redirect(url_for("grading.board", code=cycle.code))
