"""Running the meeting's ballot: codes, one vote per code, counts, and paper tallies."""

from __future__ import annotations

import csv
import hashlib
import io
import secrets
from datetime import datetime

import sqlalchemy as sa
from flask_babel import gettext as _

from ..audit.models import record
from ..cycles.models import Cycle
from ..cycles.operations import require_not_closed
from ..db import utcnow
from ..errors import OperationError
from ..extensions import db
from ..reports.models import Report
from .models import GRADES, BallotCode, BallotCount, BallotRound

MAX_CODES = 500


def token_hash(raw: str) -> str:
    return hashlib.sha256(raw.encode("utf-8")).hexdigest()


def open_round(cycle: Cycle, title: str, count: int, closes_at: datetime) -> tuple[BallotRound, list[str]]:
    """A new ballot round with `count` one-time codes; returns the raw codes (shown once, never stored)."""
    if cycle.state == "draft" or not cycle.reports:
        raise OperationError(_("Ballots are for a published cycle with reports."), status=409)
    require_not_closed(cycle)
    if not 1 <= count <= MAX_CODES:
        raise OperationError(_("Make between 1 and %(n)d codes.", n=MAX_CODES))
    if closes_at <= utcnow():
        raise OperationError(_("The ballot must close in the future."))
    title = title.strip()[:200] or _("Duty-report meeting ballot")
    ballot = BallotRound(cycle_id=cycle.id, title=title, closes_at=closes_at)
    db.session.add(ballot)
    db.session.flush()
    raw = [secrets.token_urlsafe(12) for _i in range(count)]
    db.session.add_all(BallotCode(round_id=ballot.id, token_sha256=token_hash(t)) for t in raw)
    db.session.flush()
    record("ballot.open", "cycle", cycle.code, after={"round": ballot.id, "codes": count,
                                                       "closes_at": closes_at.isoformat()})
    return ballot, raw


def find_code(raw: str) -> BallotCode:
    """The usable code for `raw`, or a refusal saying why (unknown, used, closed)."""
    code = db.session.scalar(sa.select(BallotCode).where(BallotCode.token_sha256 == token_hash(raw)))
    if code is None:
        raise OperationError(_("This ballot code is not valid."), status=404, code="ballot_unknown")
    if code.used:
        raise OperationError(_("This ballot code was already used. Each code votes once."), status=410,
                             code="ballot_used")
    if code.round.closes_at <= utcnow():
        raise OperationError(_("This ballot has closed."), status=410, code="ballot_closed")
    return code


def add_counts(ballot: BallotRound, counts: dict[int, dict[str, int]], source: str) -> None:
    """Add to the counts, one conditional increment per cell (concurrent voters never lose a vote)."""
    require_not_closed(ballot.cycle)
    for report_id, by_grade in counts.items():
        for grade, n in by_grade.items():
            if not n:
                continue
            cell = (BallotCount.round_id == ballot.id, BallotCount.report_id == report_id,
                    BallotCount.grade == grade, BallotCount.source == source)
            if db.session.execute(sa.update(BallotCount).where(*cell)
                                  .values(count=BallotCount.count + n)).rowcount == 0:
                try:
                    with db.session.begin_nested():
                        db.session.add(BallotCount(round_id=ballot.id, report_id=report_id, grade=grade,
                                                   source=source, count=n))
                except sa.exc.IntegrityError:  # another voter created the cell a moment ago
                    db.session.execute(sa.update(BallotCount).where(*cell).values(count=BallotCount.count + n))


def cast(raw: str, choices: dict[int, str]) -> None:
    """One attendee's ballot: a grade for every secretary; the code is spent exactly once."""
    code = find_code(raw)
    ballot = code.round
    reports = {r.id for r in ballot.cycle.reports}
    if set(choices) != reports or any(g not in GRADES for g in choices.values()):
        raise OperationError(_("Give every secretary one grade."))
    spent = db.session.execute(sa.update(BallotCode).where(BallotCode.id == code.id, BallotCode.used.is_(False))
                               .values(used=True)).rowcount
    if spent != 1:
        raise OperationError(_("This ballot code was already used. Each code votes once."), status=410,
                             code="ballot_used")
    add_counts(ballot, {report_id: {grade: 1} for report_id, grade in choices.items()}, "online")
    # The trail says that a ballot was cast in this round, never which code or what it said.
    record("ballot.cast", "cycle", ballot.cycle.code, actor=None, after={"round": ballot.id})


def import_paper_tally(ballot: BallotRound, data: bytes) -> int:
    """Paper ballots counted by hand: `unit,好,较好,一般,差` per line, all lines or none."""
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise OperationError(_("The tally must be a UTF-8 CSV file.")) from None
    by_unit = {r.unit.name: r for r in ballot.cycle.reports}
    rows = list(csv.reader(io.StringIO(text)))
    if not rows or [c.strip() for c in rows[0]] != ["unit", *GRADES]:
        raise OperationError(_("The first line must be: unit,好,较好,一般,差"))
    problems, counts, seen = [], {}, set()
    for line, row in enumerate(rows[1:], start=2):
        if not any(cell.strip() for cell in row):
            continue
        if len(row) != 5:
            problems.append(_("Line %(line)d: five columns are needed.", line=line))
            continue
        unit = row[0].strip()
        report = by_unit.get(unit)
        if report is None:
            problems.append(_("Line %(line)d: no report of the unit “%(unit)s” in this cycle.", line=line, unit=unit))
            continue
        if unit in seen:
            problems.append(_("Line %(line)d: the unit “%(unit)s” appears twice.", line=line, unit=unit))
            continue
        seen.add(unit)
        try:
            numbers = [int(cell.strip() or "0") for cell in row[1:]]
            if any(n < 0 or n > 100000 for n in numbers):
                raise ValueError
        except ValueError:
            problems.append(_("Line %(line)d: the counts must be whole numbers from 0.", line=line))
            continue
        counts[report.id] = dict(zip(GRADES, numbers))
    if problems:
        raise OperationError(_("Nothing was imported.") + " " + " ".join(problems[:20]))
    if not counts:
        raise OperationError(_("The tally has no lines."))
    add_counts(ballot, counts, "paper")
    record("ballot.paper", "cycle", ballot.cycle.code, after={"round": ballot.id, "units": len(counts),
                                                               "ballots": sum(map(sum, (c.values() for c in counts.values())))})
    return len(counts)


def tally(ballot: BallotRound) -> dict[int, dict[str, int]]:
    """Per report, the count of each grade (online and paper together)."""
    result: dict[int, dict[str, int]] = {r.id: dict.fromkeys(GRADES, 0) for r in ballot.cycle.reports}
    for report_id, grade, n in db.session.execute(
            sa.select(BallotCount.report_id, BallotCount.grade, sa.func.sum(BallotCount.count))
            .where(BallotCount.round_id == ballot.id).group_by(BallotCount.report_id, BallotCount.grade)):
        result.setdefault(report_id, dict.fromkeys(GRADES, 0))[grade] = int(n)
    return result


def codes_used(ballot: BallotRound) -> tuple[int, int]:
    used, total = db.session.execute(
        sa.select(sa.func.count().filter(BallotCode.used.is_(True)), sa.func.count())
        .where(BallotCode.round_id == ballot.id)).one()
    return int(used), int(total)


def rounds_of(cycle: Cycle) -> list[BallotRound]:
    return list(db.session.scalars(sa.select(BallotRound).where(BallotRound.cycle_id == cycle.id)
                                   .order_by(BallotRound.id)))


def reports_of(ballot: BallotRound) -> list[Report]:
    return sorted(ballot.cycle.reports, key=lambda r: r.slug)
