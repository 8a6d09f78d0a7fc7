"""Drafting rounds (审稿): drafts uploaded by the office or the unit's contact, the office's comments,
the verifiability check's suggested comments, returning a draft for the next round and filing (备案).

Operations check, change and flush; the request commits (fieldcheck/web.py). The diff and the
carrying of comments from draft to draft are the pure core reports.drafting.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import sqlalchemy as sa
from flask_babel import gettext as _

from ..accounts.models import Unit, User
from ..accounts.operations import unit_named
from ..audit.models import record
from ..cycles.models import Cycle
from ..cycles.operations import require_draft
from ..db import utcnow
from ..errors import OperationError
from ..extensions import db
from ..places.models import Place
from .draft_models import Draft, DraftComment, Drafting
from .drafting import DiffRow, carry_spans, mark_runs, side_by_side
from .lint import Finding, lint_report
from .models import Report
from .operations import SLUG_RE, import_report, lint_text
from .states import DRAFTING, can_comment, can_file
from .text import report_sha256

MAX_COMMENT_CHARS = 2000
SHOWN = ("comment", "lint")  # the kinds of DraftComment the unit sees; "dropped" is the office's own note


def label(drafting: Drafting) -> str:
    return f"{drafting.cycle.code}/{drafting.slug}"


def _unit_for(by: User, unit_name: str) -> Unit:
    """A unit contact drafts for their own unit only; the office names the unit."""
    if not by.has_role("organizer"):
        if not by.has_role("unit") or by.unit_id is None:
            raise OperationError(_("Only the office or the unit's own contact may upload a draft."), status=403)
        return db.session.get(Unit, by.unit_id)
    if not unit_name.strip():
        raise OperationError(_("The unit and its secretary are required."))
    return unit_named(unit_name)


def start_drafting(cycle: Cycle, by: User, *, unit_name: str, secretary: str, title: str, slug: str,
                   text: str) -> Drafting:
    """The first draft of a unit's report: round 1, waiting for the office's comments."""
    require_draft(cycle)
    slug = slug.strip().lower()
    if not SLUG_RE.match(slug):
        raise OperationError(_("The short name may hold only a-z, 0-9 and - (e.g. qingshan-county)."))
    if not secretary.strip():
        raise OperationError(_("The unit and its secretary are required."))
    taken = db.session.scalar(sa.select(sa.func.count()).select_from(Report).where(
        Report.cycle_id == cycle.id, Report.slug == slug)) or db.session.scalar(
        sa.select(sa.func.count()).select_from(Drafting).where(Drafting.cycle_id == cycle.id, Drafting.slug == slug))
    if taken:
        raise OperationError(_("This cycle already has a report with the short name %(slug)s.", slug=slug))
    unit = _unit_for(by, unit_name)
    drafting = Drafting(cycle=cycle, unit=unit, slug=slug, secretary=secretary.strip(), state="submitted", round=1,
                        title=(title.strip() or text.splitlines()[0].lstrip("#").strip())[:300], filed_sha256="")
    try:
        with db.session.begin_nested():  # two first drafts of one short name at once: the second is told so
            db.session.add(drafting)
            db.session.flush()
    except sa.exc.IntegrityError:
        raise OperationError(_("This cycle already has a report with the short name %(slug)s.", slug=slug),
                             status=409) from None
    draft = _add_draft(drafting, 1, text, by)
    record("drafting.start", "drafting", label(drafting), actor=by,
           after={"state": "submitted", "round": 1, "unit": unit.name, "sha256": draft.sha256, "chars": len(text)})
    return drafting


def _add_draft(drafting: Drafting, n: int, text: str, by: User) -> Draft:
    draft = Draft(drafting_id=drafting.id, n=n, text=text, sha256=report_sha256(text), uploaded_by_id=by.id)
    db.session.add(draft)
    db.session.flush()
    return draft


def last_draft(drafting: Drafting) -> Draft:
    return db.session.scalar(sa.select(Draft).where(Draft.drafting_id == drafting.id, Draft.n == drafting.round))


def upload_next(drafting: Drafting, by: User, text: str) -> Draft:
    """The next round's draft, after the office returned the last one with its comments."""
    require_draft(drafting.cycle)
    previous = last_draft(drafting)
    if drafting.state == "submitted":
        raise OperationError(_("The office is reviewing draft %(n)d: the next draft can be uploaded once it is "
                               "returned.", n=previous.n), status=409)
    if drafting.state == "returned" and previous.text == text:
        raise OperationError(_("This draft is the same as draft %(n)d: revise it before uploading.", n=previous.n))
    n = drafting.round + 1
    DRAFTING.move(drafting, "submitted", "drafting.upload", label(drafting), actor=by, round=n,
                  before_data={"round": n - 1}, after_data={"round": n, "chars": len(text)})
    draft = _add_draft(drafting, n, text, by)
    drafting.round = n
    return draft


def check_round(drafting: Drafting, seen_round: int | None) -> None:
    """Refuse a change made from a page that showed an earlier round (its forms carry the round), so a
    comment is never anchored to, nor an approval given for, a draft the organizer has not seen."""
    if seen_round is not None and seen_round != drafting.round:
        raise OperationError(_("A newer draft was uploaded since this page was loaded: reload it."), status=409,
                             code="stale_round")


def _require_review(drafting: Drafting, seen_round: int | None) -> None:
    require_draft(drafting.cycle)
    check_round(drafting, seen_round)
    if not can_comment(drafting):
        raise OperationError(_("The draft has been returned or filed: comments wait for the next draft."),
                             status=409)


def add_comment(drafting: Drafting, by: User, start: int | None, end: int | None, body: str, *,
                passage: str = "", seen_round: int | None = None) -> DraftComment:
    """The office's comment on the passage start–end of the last draft (or on `passage`, found once in it)."""
    _require_review(drafting, seen_round)
    draft = last_draft(drafting)
    passage = (passage or "").strip()
    if passage and start is None:
        if draft.text.count(passage) != 1:
            raise OperationError(_("That passage does not occur in the draft.") if passage not in draft.text else
                                 _("That passage occurs more than once in the draft: select it instead."))
        start = draft.text.index(passage)
        end = start + len(passage)
    if start is None or end is None:
        raise OperationError(_("Select a passage or enter its offsets."))
    if not (0 <= start < end <= len(draft.text)):
        raise OperationError(_("The passage %(start)d–%(end)d lies outside the draft (0–%(len)d).",
                               start=start, end=end, len=len(draft.text)))
    if not draft.text[start:end].strip():
        raise OperationError(_("The passage is blank."))
    body = (body or "").strip()
    if not body:
        raise OperationError(_("Write the comment."))
    if len(body) > MAX_COMMENT_CHARS:
        raise OperationError(_("A comment may be at most %(n)d characters long.", n=MAX_COMMENT_CHARS))
    comment = DraftComment(draft_id=draft.id, start=start, end=end, kind="comment", code="", body=body,
                           author_id=by.id)
    db.session.add(comment)
    db.session.flush()
    record("draft.comment", "drafting", label(drafting), actor=by,
           after={"round": draft.n, "span": [start, end], "comment": body[:300]})
    return comment


def open_suggestions(draft: Draft, decided: list[DraftComment]) -> list[Finding]:
    """The verifiability check's findings on a draft that the office has neither accepted nor dropped.

    The length limit and the inflated-word list are reports.lint's defaults (the cycle has no
    settings for them yet).
    """
    names = list(dict.fromkeys(db.session.scalars(sa.select(Place.name))))
    seen = {(c.code, c.start, c.end) for c in decided if c.kind in ("lint", "dropped")}
    return [f for f in lint_report(draft.text, place_names=names).findings if (f.code, f.start, f.end) not in seen]


def decide_suggestion(drafting: Drafting, by: User, code: str, start: int | None, end: int | None,
                      accept: bool, seen_round: int | None = None) -> DraftComment:
    """Accept a suggested comment (it becomes a comment of the round) or drop it."""
    _require_review(drafting, seen_round)
    draft = last_draft(drafting)
    decided = db.session.scalars(sa.select(DraftComment).where(DraftComment.draft_id == draft.id)).all()
    finding = next((f for f in open_suggestions(draft, decided) if (f.code, f.start, f.end) == (code, start, end)),
                   None)
    if finding is None:
        raise OperationError(_("That suggestion is no longer open."), status=409)
    comment = DraftComment(draft_id=draft.id, start=finding.start, end=finding.end, code=finding.code,
                           kind="lint" if accept else "dropped", body=lint_text(finding.code, finding.figures),
                           author_id=by.id)
    db.session.add(comment)
    db.session.flush()
    record("draft.suggestion_accept" if accept else "draft.suggestion_drop", "drafting", label(drafting),
           actor=by, after={"round": draft.n, "code": code, "span": [start, end]})
    return comment


def return_draft(drafting: Drafting, by: User, seen_round: int | None = None) -> None:
    """Send the last draft back to the unit with the round's comments."""
    require_draft(drafting.cycle)
    check_round(drafting, seen_round)
    comments = db.session.scalar(sa.select(sa.func.count()).select_from(DraftComment).join(Draft).where(
        Draft.drafting_id == drafting.id, Draft.n == drafting.round, DraftComment.kind.in_(SHOWN)))
    DRAFTING.move(drafting, "returned", "drafting.return", label(drafting), actor=by,
                  after_data={"round": drafting.round, "comments": comments})


def file_drafting(drafting: Drafting, by: User, seen_round: int | None = None) -> Report:
    """Approve the last draft: file it (备案) frozen with its SHA-256 and date, as the cycle's report."""
    require_draft(drafting.cycle)
    check_round(drafting, seen_round)
    if not can_file(drafting):
        raise OperationError(_("Only a draft under review can be approved."), status=409)
    draft = last_draft(drafting)
    # The state moves first: of two approvals racing, the second is told to reload before it
    # imports anything.
    DRAFTING.move(drafting, "filed", "drafting.file", label(drafting), actor=by, filed_at=utcnow(),
                  filed_sha256=draft.sha256, after_data={"round": draft.n, "sha256": draft.sha256})
    report = import_report(drafting.cycle, unit_name=drafting.unit.name, secretary=drafting.secretary,
                           title=drafting.title, slug=drafting.slug, text=draft.text)
    drafting.report_id = report.id
    db.session.flush()
    return report


# ---------------------------------------------------------------- the drafting page


@dataclass
class Carried:
    comment: DraftComment
    n: int  # the round it was written on
    quote: str  # the passage it was written on
    span: tuple[int, int] | None  # where that passage stands in the last draft (None: the text is gone)


@dataclass
class DraftingPage:
    drafts: list[Draft]
    last: Draft
    previous: Draft | None
    comments: list[Carried]  # the last draft's own comments
    carried: list[Carried]  # earlier rounds' comments whose passage survived into the last draft
    gone: list[Carried]  # comments of the previous draft whose passage the last draft no longer has
    rows: list[tuple[DiffRow, list, list]] = field(default_factory=list)  # row, old runs, new runs
    text_runs: list = field(default_factory=list)  # the last draft with the comments marked
    suggestions: list[Finding] = field(default_factory=list)  # the check's findings not yet decided


def suggestion_text(finding: Finding) -> str:
    return lint_text(finding.code, finding.figures)


def drafting_page(drafting: Drafting, with_suggestions: bool) -> DraftingPage:
    """Every draft, the comments carried from round to round, and the diff of the last two drafts.

    Two statements whatever the number of comments: the drafts, and their comments.
    """
    drafts = db.session.scalars(sa.select(Draft).where(Draft.drafting_id == drafting.id).order_by(Draft.n)).all()
    by_draft: dict[int, list[DraftComment]] = {d.id: [] for d in drafts}
    for c in db.session.scalars(sa.select(DraftComment).where(DraftComment.draft_id.in_(list(by_draft)))
                                .order_by(DraftComment.start, DraftComment.id)):
        by_draft[c.draft_id].append(c)
    alive: list[Carried] = []  # spans in the coordinates of the draft being walked
    gone: list[Carried] = []
    previous_alive: list[Carried] = []
    for before, after in zip(drafts, drafts[1:]):
        alive += [Carried(c, before.n, before.text[c.start:c.end], (c.start, c.end))
                  for c in by_draft[before.id] if c.kind in SHOWN and c.start is not None]
        previous_alive = list(alive)
        spans = carry_spans(before.text, after.text, [a.span for a in alive])
        moved = [Carried(a.comment, a.n, a.quote, s) for a, s in zip(alive, spans)]
        alive = [m for m in moved if m.span is not None]
        gone = [Carried(a.comment, a.n, a.quote, None) for a, s in zip(previous_alive, spans) if s is None]
    last = drafts[-1]
    previous = drafts[-2] if len(drafts) > 1 else None
    own = [Carried(c, last.n, last.text[c.start:c.end] if c.start is not None else "",
                   (c.start, c.end) if c.start is not None else None)
           for c in by_draft[last.id] if c.kind in SHOWN]
    page = DraftingPage(drafts, last, previous, own, alive, gone)
    marked = [c.span for c in own + alive if c.span is not None]
    page.text_runs = mark_runs(last.text, 0, len(last.text), {"comment": marked})
    if previous is not None:
        old_marked = [a.span for a in previous_alive]
        for row in side_by_side(previous.text, last.text):
            old_runs = mark_runs(previous.text, *row.old, {"changed": row.old_marks, "comment": old_marked}) \
                if row.old else []
            new_runs = mark_runs(last.text, *row.new, {"changed": row.new_marks, "comment": marked}) \
                if row.new else []
            page.rows.append((row, old_runs, new_runs))
    if with_suggestions:
        page.suggestions = open_suggestions(last, by_draft[last.id])
    return page
