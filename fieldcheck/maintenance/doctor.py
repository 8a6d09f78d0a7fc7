"""`fieldcheck doctor`: what is out of step between the database, the upload folder and the audit chain.

Findings (each with the paths or ids it concerns):
- `photo_missing`: a photo row whose original file is gone (nothing can fix it here: restore a backup);
- `derived_missing`: a display copy or thumbnail missing (fixed by rendering it again from the original);
- `orphan_file`: an original with no photo row, older than the grace period (a refused plain-form
  visit, a crash between the file and the row); fixed by removing it and its rendered copies;
- `partial_file`: a `.tmp-*.part` left by a killed writer, older than the grace period; fixed by removing it;
- `audit_chain`: the first break in the audit trail (see audit/chain.py);
- `migrations`: the database is not at the newest schema revision;
- `latest_visit`: a task whose stored latest visit is not its latest verification (by submission time,
  then id); fixed by writing the right one;
- `unplanned`: an open task of an examiner on no day route (a bulk load); fixed by planning the routes
  of its examiner in its cycle.
`--fix` removes only what is provably orphaned (older than the grace period, so an upload in flight
is never touched) and says what it removed.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field

import sqlalchemy as sa
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory

from ..assignment.models import Task
from ..assignment.routing import plan_missing, unplanned_tasks
from ..audit.chain import walk
from ..evidence.models import Photo
from ..evidence.photos import PhotoRejected, ingest_photo
from ..evidence.storage import DERIVED_KINDS, PhotoStore, derived_key, is_sha256, original_key
from ..extensions import db
from ..field.models import Verification

GRACE_S = 24 * 3600


@dataclass
class Finding:
    code: str
    subject: str
    fixed: bool = False


@dataclass
class Report:
    findings: list[Finding] = field(default_factory=list)

    def add(self, code: str, subject: str, fixed: bool = False) -> None:
        self.findings.append(Finding(code, subject, fixed))

    @property
    def healthy(self) -> bool:
        return all(f.fixed for f in self.findings)


def _pending_migrations(migrations_dir: str) -> str | None:
    script = ScriptDirectory(migrations_dir)
    with db.engine.connect() as conn:
        current = MigrationContext.configure(conn).get_current_revision()
    head = script.get_current_head()
    return None if current == head else f"{current or '∅'} → {head}"


def _check_latest_visits(report: Report, fix: bool) -> None:
    """Tasks whose `latest_verification_id` disagrees with their visits (one statement, a fix per task)."""
    expected = (sa.select(Verification.id).where(Verification.task_id == Task.id)
                .order_by(Verification.submitted_at.desc(), Verification.id.desc()).limit(1)
                .correlate(Task).scalar_subquery())
    wrong = db.session.execute(sa.select(Task.id, expected).where(
        Task.latest_verification_id.is_distinct_from(expected)).order_by(Task.id)).all()
    for task_id, verification_id in wrong:
        if fix:
            db.session.execute(sa.update(Task).where(Task.id == task_id).values(latest_verification_id=verification_id))
        report.add("latest_visit", f"task {task_id}", fix)
    if fix and wrong:
        db.session.commit()


def _check_routes(report: Report, fix: bool) -> None:
    """Open tasks with an examiner but no stored route stop (one statement; planning fixes them)."""
    unplanned = unplanned_tasks(Task.id).order_by(Task.id)
    missing = db.session.scalars(unplanned).all()
    still: set[int] = set(missing)
    if fix and missing:
        plan_missing(None)
        db.session.commit()
        still = set(db.session.scalars(unplanned))  # planning may give way to a concurrent plan
    for task_id in missing:
        report.add("unplanned", f"task {task_id}", task_id not in still)


def examine(store: PhotoStore, migrations_dir: str, fix: bool = False, grace_s: float = GRACE_S,
            now: float | None = None) -> Report:
    """Look at everything once; with `fix`, repair what can be repaired safely."""
    report = Report()
    now = time.time() if now is None else now
    known: set[str] = set()
    for (sha,) in db.session.execute(sa.select(Photo.sha256).execution_options(yield_per=1000)):
        known.add(sha)
        if not store.exists(original_key(sha)):
            report.add("photo_missing", sha)
            continue
        for kind in sorted(DERIVED_KINDS):
            if store.exists(derived_key(sha, kind)):
                continue
            repaired = False
            if fix:
                try:
                    facts = ingest_photo(store.get(original_key(sha)) or b"", max_bytes=1 << 40)
                    store.put(derived_key(sha, kind), facts.display_jpeg if kind == "display" else facts.thumb_jpeg)
                    repaired = True
                except PhotoRejected:
                    repaired = False
            report.add("derived_missing", f"{sha}.{kind}", repaired)
    for item in store.listing():
        name = item.key.rsplit("/", 1)[-1]
        old = now - item.modified_at > grace_s
        if name.startswith(".tmp-") and name.endswith(".part"):
            if old:
                if fix:
                    store.delete(item.key)
                report.add("partial_file", item.key, fix)
            continue
        sha = name.split(".", 1)[0]
        if is_sha256(sha) and sha not in known and old:
            if fix:
                store.delete(item.key)
            report.add("orphan_file", item.key, fix)
    _check_latest_visits(report, fix)
    _check_routes(report, fix)
    first_break = next(walk(db.session), None)
    if first_break is not None:
        report.add("audit_chain", f"{first_break.kind} {first_break.seq or ''} {first_break.event_id or ''}".strip())
    pending = _pending_migrations(migrations_dir)
    if pending:
        report.add("migrations", pending)
    return report
