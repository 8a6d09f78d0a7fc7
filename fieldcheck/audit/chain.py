"""The audit trail as a hash chain: an edited, deleted, inserted or reordered event shows.

Each event's hash covers its canonical content and the previous event's hash:
    sha256 = SHA-256(prev_sha256 + ":" + canonical JSON of (seq, at, actor, action, entity, id, before, after, origin))
Events are sealed into the chain when the transaction that recorded them commits (a `before_commit`
hook, inside that transaction): the one-row head is locked, so the chain's order is the commit order
and two servers never fork it. `verify_chain` walks it and names the first broken link.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import timezone

import sqlalchemy as sa
from sqlalchemy.orm import Session

from .models import GENESIS_SHA256, AuditEvent, AuditHead


def canonical(event: AuditEvent) -> bytes:
    """The event's content as signed: stable across SQLite and PostgreSQL."""
    at = event.at.astimezone(timezone.utc).isoformat(timespec="microseconds")
    return json.dumps([event.seq, at, event.actor_id, event.action, event.entity, event.entity_id, event.before,
                       event.after, event.origin], ensure_ascii=False, separators=(",", ":")).encode("utf-8")


def link_hash(prev_sha256: str, event: AuditEvent) -> str:
    return hashlib.sha256(prev_sha256.encode("ascii") + b":" + canonical(event)).hexdigest()


def seal_pending(session: Session) -> int:
    """Chain every event not yet sealed, in id order, after the current head; returns how many."""
    session.flush()
    head = session.scalar(sa.select(AuditHead).where(AuditHead.id == 1).with_for_update())
    if head is None:  # a database created without the migration's head row
        head = AuditHead(id=1, seq=0, sha256=GENESIS_SHA256)
        session.add(head)
    sealed = 0
    for event in session.scalars(sa.select(AuditEvent).where(AuditEvent.seq.is_(None)).order_by(AuditEvent.id)):
        event.seq, event.prev_sha256 = head.seq + 1, head.sha256
        event.sha256 = link_hash(head.sha256, event)
        head.seq, head.sha256 = event.seq, event.sha256
        sealed += 1
    session.flush()
    return sealed


def init_audit_chain() -> None:
    """Seal audit events at every commit, in every session (web, command line, tests)."""
    if not sa.event.contains(Session, "before_commit", seal_on_commit):
        sa.event.listen(Session, "before_commit", seal_on_commit)


def seal_on_commit(session: Session) -> None:
    """`before_commit`: seal what this transaction recorded, inside the same transaction."""
    if session.info.pop("audit_pending", False):
        seal_pending(session)


@dataclass(frozen=True)
class Break:
    """The first place the chain does not hold, for people."""

    seq: int | None
    event_id: int | None
    kind: str  # edited | deleted | inserted | reordered | head
    detail: str


def walk(session: Session) -> Iterator[Break]:
    """Every break in the chain, in order (verify reports the first)."""
    expected_seq, prev = 1, GENESIS_SHA256
    rows = session.scalars(sa.select(AuditEvent).where(AuditEvent.seq.is_not(None)).order_by(AuditEvent.seq)
                           .execution_options(yield_per=1000))
    for event in rows:
        if event.seq != expected_seq:
            yield Break(expected_seq, None, "deleted",
                        f"events {expected_seq}–{event.seq - 1} are missing")
        elif event.prev_sha256 != prev:
            yield Break(event.seq, event.id, "reordered", "does not follow the event before it")
        elif link_hash(event.prev_sha256, event) != event.sha256:
            yield Break(event.seq, event.id, "edited", "its content changed after it was recorded")
        expected_seq, prev = event.seq + 1, event.sha256 or ""
    outside = session.scalars(sa.select(AuditEvent.id).where(AuditEvent.seq.is_(None)).order_by(AuditEvent.id)).all()
    for event_id in outside:
        yield Break(None, event_id, "inserted", "is not in the chain")
    head = session.get(AuditHead, 1)
    if head is not None and (head.seq != expected_seq - 1 or (head.seq and head.sha256 != prev)):
        yield Break(head.seq, None, "deleted", f"the chain ends at {expected_seq - 1} but its head is {head.seq}")


def chain_head(session: Session) -> tuple[int, str]:
    head = session.get(AuditHead, 1)
    return (head.seq, head.sha256) if head is not None else (0, GENESIS_SHA256)
