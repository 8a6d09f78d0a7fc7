"""Closing a cycle: every figure frozen in a snapshot whose SHA-256 is published; reopening only on the record.

The snapshot is the canonical JSON (sorted keys, UTF-8, no spaces) of the results as they stood at the
close: per report the figures with their basis, every counted claim (with why a drawn claim counts as not
verified), the grades, the rules and weights in use, the frame hash and the audit chain's head. Anyone with
the file can recompute its hash; the public cycle page shows it.

Reopening needs a written reason from one organizer and the confirmation of another; the old snapshot is
marked superseded, never deleted, and its hash is in the audit trail.
"""

from __future__ import annotations

import hashlib
import json
from datetime import datetime

import sqlalchemy as sa
from flask_babel import gettext as _

from ..audit.chain import chain_head
from ..audit.models import record
from ..cycles.models import Cycle, CycleSnapshot
from ..cycles.operations import current_snapshot
from ..cycles.settings import settings_of
from ..cycles.states import CYCLE
from ..db import utcnow
from ..errors import OperationError
from ..extensions import db
from ..sampling.operations import get_sample
from ..scores.compute import claim_rows, cycle_scores, formula, method, report_rows
from .operations import grade_table, rules_of
from .rules import as_values
from .rules import formula as grade_formula

SNAPSHOT_SCHEMA = "fieldcheck.close-snapshot/1"


def canonical(document: dict) -> bytes:
    """The bytes that are hashed: sorted keys, no spaces, UTF-8 (no escapes for Chinese)."""
    return json.dumps(document, sort_keys=True, ensure_ascii=False, separators=(",", ":")).encode("utf-8")


def snapshot_document(cycle: Cycle, closed_at: datetime, audit_head: str) -> dict:
    """The results of the cycle as they stand now, with everything needed to read and recheck them."""
    settings = settings_of(cycle)
    sample = get_sample(cycle)
    scores = cycle_scores(cycle)
    return {
        "schema": SNAPSHOT_SCHEMA, "cycle": cycle.code, "title": cycle.title,
        "closed_at": closed_at.isoformat(), "audit_head": audit_head,
        "frame_sha256": cycle.frame_sha256,
        "seed": sample.seed if sample else None, "draw_method": sample.method if sample else None,
        "confidence": settings.confidence,
        "score_formula": formula(settings), "share_method": method(settings),
        "score_weights": {"finding": settings.finding_weight, "satisfaction": settings.satisfaction_weight,
                          "partly_not_quantitative": settings.partly_value},
        "aspect_weights": settings.aspect_weight_map(),
        "grade_rules": as_values(rules_of(cycle)), "grade_formula": grade_formula(rules_of(cycle)),
        # One computation of every figure for the three parts of the snapshot.
        "reports": report_rows(cycle, scores), "claims": claim_rows(cycle, scores), "grades": grade_table(cycle, scores),
    }


def close_cycle(cycle: Cycle, reason: str = "", by=None) -> CycleSnapshot:
    """Freeze the cycle (from review): no more visits, decisions, grades or weight changes; store the snapshot."""
    CYCLE.move(cycle, "closed", "cycle.close", cycle.code, actor=by, after_data={"reason": reason.strip()[:500]})
    db.session.refresh(cycle)
    closed_at = utcnow()
    _seq, head = chain_head(db.session)
    body = canonical(snapshot_document(cycle, closed_at, head))
    snapshot = CycleSnapshot(cycle_id=cycle.id, sha256=hashlib.sha256(body).hexdigest(), body=body.decode("utf-8"),
                             audit_head=head, created_at=closed_at, created_by_id=getattr(by, "id", None))
    db.session.add(snapshot)
    db.session.flush()
    record("cycle.snapshot", "cycle", cycle.code, actor=by, after={"sha256": snapshot.sha256, "audit_head": head})
    return snapshot


def request_reopen(cycle: Cycle, reason: str, by=None) -> CycleSnapshot:
    """The first organizer asks to reopen a closed cycle, saying why; a second organizer must confirm."""
    reason = reason.strip()
    snapshot = current_snapshot(cycle)
    if cycle.state != "closed" or snapshot is None:
        raise OperationError(_("Only a closed cycle can be reopened."), status=409)
    if not reason:
        raise OperationError(_("Say why the cycle must be reopened."))
    snapshot.reopen_reason = reason[:500]
    snapshot.reopen_requested_by_id = getattr(by, "id", None)
    snapshot.reopen_requested_at = utcnow()
    record("cycle.reopen_request", "cycle", cycle.code, actor=by,
           after={"reason": snapshot.reopen_reason, "snapshot_sha256": snapshot.sha256})
    return snapshot


def confirm_reopen(cycle: Cycle, by=None) -> CycleSnapshot:
    """A second organizer confirms: the cycle goes back to review and the snapshot is marked superseded."""
    snapshot = current_snapshot(cycle)
    if cycle.state != "closed" or snapshot is None or not snapshot.reopen_reason:
        raise OperationError(_("Nobody has asked to reopen this cycle."), status=409)
    if by is None or snapshot.reopen_requested_by_id in (None, by.id):
        raise OperationError(_("A second organizer must confirm the reopening."), status=403)
    CYCLE.move(cycle, "review", "cycle.reopen", cycle.code, actor=by,
               before_data={"snapshot_sha256": snapshot.sha256},
               after_data={"reason": snapshot.reopen_reason, "asked_by": snapshot.reopen_requested_by_id})
    snapshot.superseded_at = utcnow()
    snapshot.superseded_by_id = by.id
    db.session.flush()
    return snapshot


def snapshots_of(cycle: Cycle) -> list[CycleSnapshot]:
    """Every snapshot of the cycle, newest first (superseded ones included)."""
    return list(db.session.scalars(sa.select(CycleSnapshot).where(CycleSnapshot.cycle_id == cycle.id)
                                   .order_by(CycleSnapshot.id.desc())))
