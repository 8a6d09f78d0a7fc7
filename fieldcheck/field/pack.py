"""The examiner's task pack: everything the phone needs to work a day without a network.

One JSON document per examiner (`GET /api/pack`): their tasks, the settings and questions of the
cycles those tasks belong to, the latest visit of a returned task, and every string the page
script shows, in the examiner's language. Built with a fixed number of statements whatever the
number of tasks (plain rows for the tasks, no per-task queries). A blind claim's figures are never in it:
the text is masked and the claimed quantity left out until the examiner's own count is recorded.
"""

from __future__ import annotations

import hashlib
import json
from datetime import datetime, timezone

import sqlalchemy as sa
from flask import url_for
from flask_babel import gettext as _
from sqlalchemy.orm import selectinload, subqueryload

from ..accounts.models import Unit, User
from ..assignment.models import Task
from ..assignment.site import PARENT, with_site
from ..assignment.states import can_submit
from ..cycles.defaults import TIME_ZONE
from ..cycles.models import Cycle
from ..extensions import db
from ..places.geo import to_wgs84
from ..places.models import Place, full_name
from ..reports.models import Claim, Report
from .models import FINDINGS, RESPONDENT_KINDS, Interview, Verification
from .operations import blind_pending, masked_claim_text
from .strings import per_locale

# The order the task list shows them in: returned first, then open, then done.
STATE_ORDER = {"returned": 0, "assigned": 1, "submitted": 2}


def page_strings() -> dict[str, str]:
    """Every text the page script shows, translated once per language and process; `{name}` marks a value
    the script fills in."""
    return per_locale("pack_strings", _page_strings)


def _page_strings() -> dict[str, str]:
    return {
        "locating": _("Locating…"),
        "located": _("Located, accuracy {m} m"),
        "located_imprecise": _("Location is still imprecise: accuracy {m} m."),
        "geo_denied": _("No location: permission denied."),
        "geo_failed": _("No location could be found."),
        "geo_unsupported": _("This browser cannot locate."),
        "geo_waiting": _("Waiting for a more accurate location…"),
        "preparing": _("Preparing…"),
        "uploading": _("Uploading…"),
        "uploaded": _("Uploaded {kb} KB"),
        "upload_failed": _("Upload failed; it will be tried again."),
        "unreadable": _("Cannot read this file."),
        "retry": _("Retry"),
        "remove": _("Remove"),
        "photos_busy": _("Photos are still being prepared; submit when they are done."),
        "need_finding": _("Choose what you found on site."),
        "need_photo": _("Add at least one photo of the site."),
        "need_interview": _("Record at least one resident interview."),
        "need_count": _("Enter the quantity you counted."),
        "saved_offline": _("Saved on this phone. It will be sent when there is a network."),
        "waiting_network": _("Waiting for a network…"),
        "sending": _("Sending…"),
        "sending_photo": _("Sending photo {i} of {n}…"),
        "delivered": _("Delivered"),
        "refused": _("The server did not accept this visit: {message}"),
        "outbox": _("{n} visit(s) waiting to be sent"),
        "outbox_empty": _("Everything has been sent."),
        "offline": _("Offline: work is kept on this phone."),
        "online": _("Online"),
        "login_again": _("Sign in again to send the visits kept on this phone."),
        "storage_full": _("This phone's storage is full; the visit could not be kept. Free some space."),
        "pack_time": _("Tasks as of {time}"),
        "pack_failed": _("The task list could not be updated; the saved copy is shown."),
        "not_in_pack": _("This task is not on this phone yet. Open the task list once with a network."),
        "returned": _("Returned by the reviewer"),
        "previous_visit": _("Your previous visit"),
        "blind_first": _("Count first. The claimed figures are shown once your count is recorded."),
        "blind_queued": _("Your count is kept; the claimed figures are shown once it reaches the server."),
        "count_recorded": _("Your count is recorded; the claimed figures are shown now."),
        "counted_before": _("Counted before seeing the claim: {q}"),
        "qr_count": _("{n} resident(s) rated with their own phone"),
        "qr_expires": _("Code valid until {time} (Beijing time)"),
        "qr_offline": _("A QR code needs a network."),
        "interview": _("Interview"),
        "add_interview": _("Add an interview"),
        "submit": _("Submit the verification"),
        "back": _("Back to my tasks"),
        "no_tasks": _("No tasks are assigned to you."),
        "submitted": _("Submitted. Thank you."),
    }


def _tasks(user: User) -> list[sa.Row]:
    """The examiner's tasks as plain rows with what the pack shows of their claims and places (one
    statement, no ORM object per task), in list order."""
    return db.session.execute(
        with_site(sa.select(Task.id, Task.kind, Task.state, Task.blind_qty, Task.revealed_at, Task.return_reason,
                            Claim.n, Claim.text, Claim.claimed_qty, Claim.qty_unit, Report.slug, Report.title,
                            Report.cycle_id, Unit.name.label("unit"), Place.name.label("place"),
                            PARENT.name.label("above"), Place.lat, Place.lon, Place.crs))
        .where(Task.examiner_id == user.id)
        .order_by(sa.case(STATE_ORDER, value=Task.state, else_=3), Task.id)).all()


def _cycles(ids: set[int]) -> dict[int, Cycle]:
    """The tasks' cycles with their questions (two statements)."""
    if not ids:
        return {}
    return {c.id: c for c in db.session.scalars(
        sa.select(Cycle).where(Cycle.id.in_(sorted(ids))).options(selectinload(Cycle.questions)))}


def _latest_returned(user: User) -> dict[int, Verification]:
    """The latest visit of each of the examiner's returned tasks, with its photos, interviews and ratings:
    only those, since no other visit is in the pack (a task's or the cycle's history is never loaded).
    A fixed number of statements (subqueryload: one per level, whatever the number of tasks)."""
    # The visit the task names as its latest (Task.latest_verification_id, written by the submit).
    rows = db.session.scalars(
        sa.select(Verification).join(Task, Task.latest_verification_id == Verification.id)
        .where(Task.examiner_id == user.id, Task.state == "returned")
        .options(subqueryload(Verification.photos),
                 subqueryload(Verification.interviews).subqueryload(Interview.ratings)))
    return {v.task_id: v for v in rows}


def finding_label(finding: str) -> str:
    msgid = "finding_" + finding  # a dynamic code, listed in translations/dynamic.pot
    return _(msgid)


def _cycle_json(cycle: Cycle) -> dict:
    labels = {"member": _("Party member"), "resident": _("Resident")}
    return {
        "code": cycle.code, "title": cycle.title, "tz": cycle.time_zone or TIME_ZONE, "blind": cycle.blind,
        "min_interviews": cycle.min_interviews, "accuracy_threshold_m": cycle.accuracy_threshold_m,
        "geo_wait_s": cycle.geo_wait_s, "max_distance_m": cycle.max_distance_m,
        "qr_token_hours": cycle.qr_token_hours,
        "questions": [{"id": q.id, "text": q.text} for q in cycle.questions],
        "findings": [{"code": f, "label": finding_label(f)} for f in FINDINGS],
        "respondents": [{"code": k, "label": labels[k]} for k in RESPONDENT_KINDS],
    }


def _previous(task: sa.Row, user: User, latest: Verification | None) -> dict | None:
    """The examiner's own latest visit of a returned task, to start the new visit from."""
    if task.state != "returned" or latest is None or latest.examiner_id != user.id:
        return None
    return {
        "finding": latest.finding, "observed_qty": latest.observed_qty, "notes": latest.notes,
        "photos": [{"sha256": p.sha256, "thumb_url": url_for("field.photo", sha256=p.sha256, kind="thumb")}
                   for p in latest.photos],
        # Only the examiner's own interviews: residents' QR answers belong to the visit they were given in.
        "interviews": [{"respondent": i.respondent, "ratings": {str(r.question_id): r.value for r in i.ratings}}
                       for i in latest.interviews if i.source == "examiner"],
    }


def _place(task: sa.Row, positions: dict[tuple, tuple[float, float]]) -> dict | None:
    if task.place is None:
        return None
    point = (task.lat, task.lon, task.crs)
    if point not in positions:  # many tasks share a village: convert each point once per pack
        lat, lon = to_wgs84(*point)
        positions[point] = (round(lat, 6), round(lon, 6))
    lat, lon = positions[point]
    return {"name": task.place, "full_name": full_name(task.place, task.above),
            "lat": lat, "lon": lon}


def _task_json(task: sa.Row, cycle: Cycle, user: User, latest: Verification | None,
               positions: dict[tuple, tuple[float, float]]) -> dict:
    blind = blind_pending(cycle.blind, task.revealed_at, task.claimed_qty, task.text)
    return {
        "id": task.id, "cycle": cycle.code, "kind": task.kind, "state": task.state,
        "public_id": None if task.n is None else f"{cycle.code}/{task.slug}/{task.n}",
        "report_title": task.title, "unit": task.unit,
        "claim_text": masked_claim_text(task.text) if blind else task.text,
        "claimed_qty": None if blind else task.claimed_qty, "qty_unit": task.qty_unit,
        "blind_pending": blind, "blind_qty": task.blind_qty,
        "place": _place(task, positions), "return_reason": task.return_reason if task.state == "returned" else "",
        "editable": can_submit(task), "previous": _previous(task, user, latest),
    }


def build_pack(user: User) -> dict:
    """The pack's content, without its time stamp (so equal content gives an equal ETag)."""
    tasks = _tasks(user)
    cycles = _cycles({t.cycle_id for t in tasks})
    latest = _latest_returned(user)
    positions: dict[tuple, tuple[float, float]] = {}
    shown = {}
    for task in tasks:  # in the order of the tasks, as before
        cycle = cycles[task.cycle_id]
        if cycle.code not in shown:
            shown[cycle.code] = _cycle_json(cycle)
    return {
        "user": {"username": user.username, "label": user.label},
        "cycles": shown,
        "tasks": [_task_json(t, cycles[t.cycle_id], user, latest.get(t.id), positions) for t in tasks],
        "strings": page_strings(),
    }


def pack_etag(content: dict) -> str:
    """A strong validator of the pack's content (the time stamp left out)."""
    canonical = json.dumps(content, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()[:32]


def generated_at() -> str:
    return datetime.now(timezone.utc).isoformat(timespec="seconds").replace("+00:00", "Z")
