"""The organizer's results board: the combined evaluation per secretary, proposed and confirmed grades."""

from __future__ import annotations

import math

from markupsafe import Markup
from flask import Blueprint, Response, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from ..access import roles_required
from ..cycles.models import Cycle
from ..reports.access import with_report
from ..cycles.access import with_cycle
from ..reports.models import Report
from ..web import change_and_flash
from ..cycles.models import CycleSnapshot
from ..cycles.states import CYCLE
from ..extensions import db
from .closing import close_cycle, confirm_reopen, request_reopen
from ..cycles.settings import settings_of
from ..scores.compute import formula_text
from ..web import change_or_error
from .operations import decide_grade, grade_table, rule_values, rules_of, rules_text, update_rules
from .charts import board_svg
from .rules import GRADES, PARTS

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
    rules = rules_of(cycle)
    chart = board_svg(rows, {"title": _("Results board"), "total": _("Verification total"),
                             "share": _("Verified share"), "progress": _("decided / drawn"),
                             "no_ballot": _("no ballot yet")})
    return render_template("grading/board.html", cycle=cycle, rows=rows, rules=rules, grades=GRADES,
                           reason_text=reason_text, chart=Markup(chart), grade_formula=rules_text(rules))


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


@bp.route("/cycles/<code>/close", methods=["POST"])
@roles_required("organizer")
@with_cycle
def close(cycle: Cycle):
    """Close the cycle: every figure is frozen in a snapshot with its SHA-256 (after a confirmation)."""
    if request.form.get("confirm") != "1" and CYCLE.can(cycle.state, "closed"):
        return render_template("confirm.html", heading=_("Close %(code)s?", code=cycle.code),
                               freezes=[_("every review decision: nothing more is approved, returned or rejected;"),
                                        _("every drawn claim still without an approved verification counts as "
                                          "not verified;"),
                                        _("the scores, their bounds, the weights and the grades, in a snapshot "
                                          "whose SHA-256 is shown on the public page;"),
                                        _("the audit trail of the cycle, sealed with the rest.")],
                               url=url_for("grading.close", code=cycle.code),
                               fields={"reason": request.form.get("reason", "")[:500]},
                               button=_("Close the cycle"), back=url_for("dashboard.cycle", code=cycle.code))
    change_and_flash(lambda: close_cycle(cycle, request.form.get("reason", ""), current_user._get_current_object()),
                     lambda s: _("The cycle is closed. Snapshot SHA-256: %(sha)s", sha=s.sha256))
    return redirect(url_for("dashboard.cycle", code=cycle.code))


@bp.route("/cycles/<code>/reopen", methods=["POST"])
@roles_required("organizer")
@with_cycle
def reopen(cycle: Cycle):
    """Ask to reopen a closed cycle with a reason, or confirm another organizer's request."""
    user = current_user._get_current_object()
    if request.form.get("action") == "confirm":
        change_and_flash(lambda: confirm_reopen(cycle, user),
                         lambda _s: _("The cycle is open for review again; the old snapshot stays on the record."))
    else:
        change_and_flash(lambda: request_reopen(cycle, request.form.get("reason", ""), user),
                         lambda _s: _("Asked to reopen; a second organizer must confirm."))
    return redirect(url_for("dashboard.cycle", code=cycle.code))


@bp.route("/cycles/<code>/snapshots/<int:snapshot_id>.json")
@roles_required("organizer")
@with_cycle
def snapshot(cycle: Cycle, snapshot_id: int):
    """A close snapshot exactly as hashed (its SHA-256 is the file's own)."""
    found = db.session.get(CycleSnapshot, snapshot_id)
    if found is None or found.cycle_id != cycle.id:
        abort(404)
    return Response(found.body.encode("utf-8"), mimetype="application/json",
                    headers={"Content-Disposition": f'attachment; filename="fieldcheck-{cycle.code}-snapshot-'
                                                    f'{found.sha256[:12]}.json"'})


def _rules_from_form(cycle: Cycle, form) -> tuple[dict | None, str | None]:
    """The rules page's fields as numbers, or the message naming the first field that is not a number."""
    def number(name: str, optional: bool = False):
        raw = (form.get(name) or "").strip()
        if optional and raw == "":
            return None
        try:
            value = float(raw)
        except ValueError:
            raise ValueError(name) from None
        if not math.isfinite(value):
            raise ValueError(name)
        return value

    try:
        k = number("k", optional=True)
        if k is not None and k != int(k):
            raise ValueError("k")
        values = {
            "finding_weight": number("finding_weight"), "satisfaction_weight": number("satisfaction_weight"),
            "partly_value": number("partly_value"),
            "aspect_weights": {a.code: number(f"aspect-{a.code}") for a in cycle.aspects},
            "grade_rules": {
                "weights": {part: number(f"gw-{part}") for part in PARTS},
                "ballot_points": {g: number(f"bp-{i}") for i, g in enumerate(GRADES)},
                "thresholds": {g: number(f"th-{i}") for i, g in enumerate(GRADES[:3])},
                "good_share_cap": number("cap", optional=True),
                "false_bound_k": None if k is None else int(k)},
        }
    except ValueError as bad:
        return None, _("Write a number in every field (%(field)s).", field=bad.args[0])
    return values, None


@bp.route("/cycles/<code>/rules", methods=["GET", "POST"])
@roles_required("organizer")
@with_cycle
def rules(cycle: Cycle):
    """The weights and the grade rules of the cycle, editable until the close (every change audited)."""
    error = None
    if request.method == "POST":
        values, error = _rules_from_form(cycle, request.form)
        if error is None:
            error = change_or_error(lambda: update_rules(cycle, **values, by=current_user._get_current_object()))
        if error is None:
            flash(_("Saved. The scores and the proposed grades now follow the new rules."))
            return redirect(url_for("grading.rules", code=cycle.code))
    current = rule_values(cycle)
    grade_rules = rules_of(cycle)
    return render_template("grading/rules.html", cycle=cycle, values=current, grades=GRADES, parts=PARTS,
                           score_formula=formula_text(settings_of(cycle)), grade_formula=rules_text(grade_rules),
                           form=request.form if error else None, error=error,
                           editable=cycle.state != "closed"), (400 if error else 200)
