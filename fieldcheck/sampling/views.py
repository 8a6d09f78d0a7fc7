"""Organizer pages: freeze the frame, draw the sample, assign examiners."""

from __future__ import annotations

import sqlalchemy as sa
from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from flask_wtf import FlaskForm
from wtforms import StringField
from wtforms.validators import DataRequired, Length

from ..access import roles_required
from ..accounts.models import User
from ..assignment.operations import (active_examiners, assign_task, draw_cycle_backchecks,
                                     plan_and_assign, tasks_by_id, tasks_of_claims)
from ..assignment.routing import open_task_counts, replan, stored_routes
from ..assignment.states import can_assign
from ..cycles.access import with_cycle
from ..cycles.models import Cycle
from ..errors import OperationError
from ..extensions import db
from ..web import change_and_flash, change_or_error, keep_changes
from .models import SeedEntry
from .operations import (ceremony_step, draw_rule_of, extend_stratum, get_sample, publish_cycle, sample_page,
                         strata_of)

bp = Blueprint("sampling", __name__, url_prefix="/cycles/<code>")


def pending_seed(cycle) -> SeedEntry | None:
    return db.session.scalar(sa.select(SeedEntry).where(SeedEntry.cycle_id == cycle.id))


class DrawForm(FlaskForm):
    seed = StringField(_l("Seed (the digits announced at the public draw)"),
                       validators=[DataRequired(), Length(max=400)])


@bp.route("/publish", methods=["POST"])
@roles_required("organizer")
@with_cycle
def publish(cycle: Cycle):
    """Freeze the frame and publish the reports, after a confirmation that says what is frozen."""
    if request.form.get("confirm") != "1" and cycle.state == "draft" and cycle.reports:
        confirmed = sum(1 for r in cycle.reports for c in r.claims if c.state == "confirmed")
        return render_template("confirm.html", heading=_("Publish %(code)s?", code=cycle.code),
                               freezes=[_("the reports, published for everyone to read: %(n)s;", n=len(cycle.reports)),
                                        _("the confirmed claims, numbered into the sampling frame with its SHA-256: "
                                          "%(n)s;", n=confirmed),
                                        _("the aspects, questions and every setting of the cycle.")],
                               url=url_for("sampling.publish", code=cycle.code), fields={},
                               button=_("Publish and freeze the frame"),
                               back=url_for("dashboard.cycle", code=cycle.code))
    change_and_flash(lambda: publish_cycle(cycle), lambda sha: _("Published. Frame SHA-256: %(sha)s", sha=sha))
    return redirect(url_for("dashboard.cycle", code=cycle.code))


@bp.route("/draw", methods=["GET", "POST"])
@roles_required("organizer")
@with_cycle
def draw(cycle: Cycle):
    """The public seed ceremony: one organizer enters the seed, a second confirms it, then the draw."""
    form = DrawForm()
    error = None
    if form.validate_on_submit():
        error = change_or_error(lambda: ceremony_step(cycle, request.form.get("action", "enter"), form.seed.data,
                                                      current_user._get_current_object(), "page"))
        if error is None:
            if get_sample(cycle) is not None:
                flash(_("The sample is drawn."))
                return redirect(url_for("sampling.assign", code=cycle.code))
            flash(_("Seed entered. A second organizer must now confirm it."))
            return redirect(url_for("sampling.draw", code=cycle.code))
    elif form.errors:
        error = _("Enter the seed: the digits announced at the public draw.")
    sample = get_sample(cycle)
    status = 409 if error and sample else (400 if error else 200)
    return render_template("sampling/draw.html", cycle=cycle, form=form, error=error, sample=sample,
                           entry=pending_seed(cycle), method=draw_rule_of(cycle).method), status


@bp.route("/sample/extend", methods=["POST"])
@roles_required("organizer")
@with_cycle
def extend(cycle: Cycle):
    """Extend one stratum by the next lowest tickets (recorded, never undone)."""
    try:
        count = int(request.form.get("count", "0"))
    except ValueError:
        count = 0
    change_and_flash(
        lambda: extend_stratum(cycle, request.form.get("stratum", ""), count, current_user._get_current_object()),
        lambda added: _("%(n)d claims added to the sample.", n=len(added)))
    return redirect(url_for("sampling.assign", code=cycle.code))


@bp.route("/assign/plan", methods=["POST"])
@roles_required("organizer")
@with_cycle
def plan(cycle: Cycle):
    """Assign every unassigned task: no conflicts of interest, balanced loads, short day routes."""
    result = change_and_flash(lambda: plan_and_assign(cycle, current_user._get_current_object()),
                              lambda plan: _("%(n)d tasks assigned.", n=len(plan.assignments)))
    for key, reason in result.unassignable if result else ():
        flash(_("Task %(key)s could not be assigned: %(reason)s", key=key, reason=reason), "error")
    return redirect(url_for("sampling.routes", code=cycle.code))


@bp.route("/routes")
@roles_required("organizer")
@with_cycle
def routes(cycle: Cycle):
    """Each examiner's open tasks as day routes with distances (planned when assigned, stored), one examiner
    at a time: the page lists the examiners with their open tasks and shows the chosen one's routes."""
    counts = open_task_counts(cycle)
    examiners = [(user, counts[user.id]) for user in active_examiners() if counts.get(user.id)]
    chosen = request.args.get("examiner", type=int)
    if chosen not in counts:
        chosen = examiners[0][0].id if examiners else None
    stored = stored_routes([cycle.id], chosen) if chosen is not None else {}
    plans = [(user, stored[user.id]) for user, _n in examiners if user.id in stored]
    return render_template("sampling/routes.html", cycle=cycle, plans=plans, examiners=examiners, chosen=chosen)


@bp.route("/backchecks", methods=["POST"])
@roles_required("organizer")
@with_cycle
def backchecks(cycle: Cycle):
    """Draw the back-check share of approved verifications for independent second visits."""

    def draw_them():
        sample = get_sample(cycle)
        if sample is None:
            raise OperationError(_("The sample is drawn after the frame is frozen."), status=409)
        return draw_cycle_backchecks(cycle, sample.seed, current_user._get_current_object())

    change_and_flash(draw_them, lambda created: _("%(n)d back-checks drawn and assigned.", n=len(created)))
    return redirect(url_for("sampling.routes", code=cycle.code))


@bp.route("/assign", methods=["GET", "POST"])
@roles_required("organizer")
@with_cycle
def assign(cycle: Cycle):
    """Assign the sampled claims to examiners, a page of the sample at a time."""
    sample = get_sample(cycle)
    examiners = [u for u in db.session.scalars(sa.select(User).order_by(User.username)) if u.has_role("examiner")]
    after = request.args.get("after", type=int)
    errors = []
    if request.method == "POST":
        by_id = {str(u.id): u for u in examiners}
        changed = 0
        # Only the tasks named in the form (one page of them), never the whole sample.
        named = sorted({int(k[5:]) for k in request.form if k.startswith("task-") and k[5:].isdigit()})
        touched = set()
        for task in tasks_by_id(cycle, named):
            choice = request.form.get(f"task-{task.id}")
            examiner = by_id.get(choice) if choice else None
            if choice and examiner is None:
                errors.append(_("Unknown examiner."))
                continue
            if (examiner.id if examiner else None) == task.examiner_id and task.state != "rejected":
                continue
            try:
                # Each row is its own change: one refused assignment leaves the others standing.
                with db.session.begin_nested():
                    previous = task.examiner_id
                    assign_task(task, examiner, current_user._get_current_object(), replan_routes=False)
                touched.update((previous, task.examiner_id))
                changed += 1
            except OperationError as exc:
                errors.append(exc.message)
        if changed:
            replan(cycle, touched)  # once for the page, not per row
            flash(_("%(n)d tasks assigned.", n=changed))
        if not errors:
            return redirect(url_for("sampling.assign", code=cycle.code, after=after))
        keep_changes()  # the page is shown again with the messages; what was assigned stays assigned
    items, next_after = sample_page(sample, after) if sample else ([], None)
    tasks = {t.claim_id: t for t in tasks_of_claims([i.claim_id for i in items])}
    return render_template("sampling/assign.html", cycle=cycle, sample=sample, items=items, tasks=tasks,
                           next_after=next_after, after=after, strata=strata_of(sample) if sample else [],
                           examiners=examiners, errors=errors, can_assign=can_assign), (400 if errors else 200)
