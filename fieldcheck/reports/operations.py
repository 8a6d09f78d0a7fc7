"""Importing reports and marking their claims."""

from __future__ import annotations

import math
import re

import sqlalchemy as sa
from flask_babel import gettext as _

from ..audit.models import record
from ..cycles.models import Aspect, Cycle
from ..cycles.operations import require_draft
from ..extensions import db
from ..errors import OperationError
from ..places.models import Place
from ..accounts.models import Unit
from .models import Claim, Report
from .states import CLAIM
from .formats import extract_report_text
from .chinese import to_simplified
from .propose import propose_claims
from .text import ReportTextError, normalize_report_text, report_sha256

SLUG_RE = re.compile(r"^[a-z0-9][a-z0-9-]{0,63}$")


def report_text_from_input(pasted: str | None, upload: bytes | None, filename: str = "") -> str:
    """The normalised report text from a pasted text or an uploaded file, or a clear refusal.

    Files may be UTF-8 or GB18030 text, Markdown, .docx, a saved HTML page or a text-based PDF;
    the format is decided from the content.
    """
    try:
        if upload:
            text = extract_report_text(upload, filename)
        elif pasted and pasted.strip():
            text = normalize_report_text(pasted)
        else:
            raise ReportTextError("empty", "no text")
    except ReportTextError as exc:
        raise OperationError(report_refusal(exc.code), code=f"report_{exc.code}") from exc
    if not text:
        raise OperationError(report_refusal("empty"))
    return text


def report_refusal(code: str) -> str:
    """The message for a report file that cannot be read, in the user's language."""
    messages = {
        "empty": _("The report is empty: paste its text or choose a file."),
        "not_utf8": _("The file is not text in UTF-8 or GB18030. Save it as UTF-8 and upload it again."),
        "unknown_encoding": _("The file is not text in UTF-8 or GB18030. Save it as UTF-8 and upload it again."),
        "too_large": _("The report file is too large."),
        "unsupported_format": _("This kind of file cannot be read. Upload text, Markdown, .docx, a saved web page or a PDF."),
        "bad_docx": _("The .docx file is damaged or is not a Word document."),
        "bad_pdf": _("The PDF file is damaged."),
        "encrypted_pdf": _("The PDF is protected by a password. Upload an unprotected copy."),
        "bad_html": _("The web page could not be read."),
        "no_text": _("No text was found in the file (a scanned PDF or an empty page?). Upload the text instead."),
    }
    return messages.get(code, _("The report could not be read."))


def import_report(cycle: Cycle, *, unit_name: str, secretary: str, title: str, slug: str, text: str,
                  unit_kind: str = "") -> Report:
    """Store a report's normalised text with its SHA-256, for a unit and its secretary."""
    require_draft(cycle)
    slug = slug.strip().lower()
    if not SLUG_RE.match(slug):
        raise OperationError(_("The short name may hold only a-z, 0-9 and - (e.g. qingshan-county)."))
    if not unit_name.strip() or not secretary.strip():
        raise OperationError(_("The unit and its secretary are required."))
    if db.session.scalar(sa.select(Report.id).where(Report.cycle_id == cycle.id, Report.slug == slug)):
        raise OperationError(_("This cycle already has a report with the short name %(slug)s.", slug=slug))
    unit = db.session.scalar(sa.select(Unit).where(Unit.name == unit_name.strip()))
    if unit is None:
        unit = Unit(name=unit_name.strip(), kind=unit_kind.strip())
        db.session.add(unit)
    report = Report(cycle=cycle, unit=unit, slug=slug, secretary=secretary.strip(),
                    title=(title.strip() or text.splitlines()[0].lstrip("#").strip()[:300]), text=text, sha256=report_sha256(text))
    db.session.add(report)
    db.session.flush()
    record("report.import", "report", f"{cycle.code}/{slug}", after={"sha256": report.sha256, "chars": len(text)})
    return report


def match_place(text: str) -> Place | None:
    """The place a claim is about: the most specific one named, longest name first.

    A town named only as the parent of a village also named is context, not the place. Two
    places of the same name are told apart by the parent named nearby; otherwise the match is
    left open (None) rather than guessed.
    """
    places = db.session.scalars(sa.select(Place)).all()
    text = to_simplified(text)  # a traditional passage names the places of a simplified list, and the reverse
    named = [p for p in places if to_simplified(p.name) in text]
    parents_of_named = {p.parent_id for p in named if p.parent_id is not None}
    specific = [p for p in named if p.id not in parents_of_named]
    for name in sorted({to_simplified(p.name) for p in specific}, key=len, reverse=True):
        options = [p for p in specific if to_simplified(p.name) == name]
        if len(options) == 1:
            return options[0]
        with_parent = [p for p in options if p.parent and to_simplified(p.parent.name) in text]
        return with_parent[0] if len(with_parent) == 1 else None
    return None


def add_claim(report: Report, start: int, end: int, aspect: Aspect, place: Place | None = None,
              claimed_qty: float | None = None, qty_unit: str = "") -> Claim:
    """Mark the passage text[start:end] as a confirmed claim."""
    require_draft(report.cycle)
    if not (0 <= start < end <= len(report.text)):
        raise OperationError(_("The passage %(start)d–%(end)d lies outside the report text (0–%(len)d).",
                               start=start, end=end, len=len(report.text)))
    if aspect.cycle_id != report.cycle_id:
        raise OperationError(_("That aspect belongs to another cycle."))
    passage = report.text[start:end]
    if not passage.strip():
        raise OperationError(_("The passage is blank."))
    overlapping = db.session.scalar(sa.select(Claim.id).where(
        Claim.report_id == report.id, Claim.state == "confirmed", Claim.start < end, Claim.end > start))
    if overlapping:
        raise OperationError(_("The passage overlaps a claim already marked."))
    check_quantity(claimed_qty)
    claim = Claim(report=report, start=start, end=end, text=passage, aspect=aspect, place=place,
                  claimed_qty=claimed_qty, qty_unit=qty_unit, state="confirmed")
    db.session.add(claim)
    db.session.flush()
    record("claim.confirm", "claim", f"{report.cycle.code}/{report.slug}@{start}-{end}",
           before={"state": "proposed"}, after={"state": "confirmed", "aspect": aspect.code})
    return claim


REASONS = {  # one sentence per reports.propose.REASON_CODES code, worded with its figures
    "quantity": lambda p: _("quantity %(qty)s%(unit)s", **p),
    "action": lambda p: _("completed action: %(verb)s", **p),
    "place": lambda p: _("names the place %(name)s", **p),
}


ROLES = {  # one word per reports.quantities.QUANTITY_ROLES role
    "result": lambda: _("result"),
    "baseline": lambda: _("baseline"),
    "target": lambda: _("target"),
    "part": lambda: _("part of a total"),
    "total": lambda: _("total"),
    "people": lambda: _("people served"),
    "size": lambda: _("size"),
}


LINT = {  # one sentence per reports.lint.FINDING_CODES code, worded with its figures
    "no_check_point": lambda f: _("An achievement with no figure, place or date an examiner could check."),
    "inflated_wording": lambda f: _("Empty or inflated wording: say what was done instead."),
    "process_counts": lambda f: _("This paragraph counts %(n)s meetings, documents or instructions and no effect.", **f),
    "rectification_unanswered": lambda f: _("Last year's rectification item is not answered: %(item)s", **f),
    "too_long": lambda f: _("The draft has %(chars)s characters, more than the limit of %(limit)s.", **f),
}


def lint_text(code: str, figures: dict[str, str]) -> str:
    """A suggested comment of the verifiability check, in the reader's language."""
    return LINT[code](figures)


def role_text(role: str) -> str:
    """The role of a quantity in a claim, in the reader's language."""
    return ROLES[role]()


def reason_text(code: str, params: dict[str, str]) -> str:
    """Why a passage was proposed (a reason from reports.propose), in the reader's language."""
    return REASONS[code](params)


def proposals_for(report: Report) -> list:
    """Sentence-level claim proposals not yet marked, for the claims editor."""
    # A proposal already marked, or rejected (an excluded claim with its reason), is not offered again.
    taken = [(c.start, c.end) for c in report.claims]
    names = list(dict.fromkeys(db.session.scalars(sa.select(Place.name))))
    return [p for p in propose_claims(report.text, place_names=names)
            if not any(s < p.end and e > p.start for s, e in taken)]


def accept_proposals(report: Report, spans: list[tuple[int, int]] | None = None,
                     aspect_code: str | None = None) -> list[Claim]:
    """Confirm the proposals (all, or those with the given spans) with their claimed quantity.

    A proposal with no suggested aspect is confirmed only with an aspect chosen (`aspect_code`,
    for one span): accepting all leaves it open, marked "aspect needed"; accepting it alone
    without a choice is refused.
    """
    aspects = {a.code: a for a in report.cycle.aspects}
    if aspect_code and aspect_code not in aspects:
        raise OperationError(_("That aspect belongs to another cycle."))
    accepted = []
    for proposal in proposals_for(report):
        if spans is not None and (proposal.start, proposal.end) not in spans:
            continue
        code = aspect_code or (proposal.aspect if proposal.aspect in aspects else None)
        if code is None:
            if spans is None:
                continue  # stays proposed, marked "aspect needed"
            raise OperationError(_("Choose the aspect this passage is about before confirming it."))
        qty, unit = proposal.claimed if proposal.claimed else (None, "")
        accepted.append(add_claim(report, proposal.start, proposal.end, aspects[code],
                                  match_place(proposal.text), qty, unit))
    return accepted


def exclude_claim(claim: Claim, reason: str) -> None:
    require_draft(claim.report.cycle)
    if not reason.strip():
        raise OperationError(_("Say why the claim is excluded."))
    CLAIM.move(claim, "excluded", "claim.exclude", claim_label(claim), exclude_reason=reason.strip()[:300],
               after_data={"reason": reason.strip()[:300]})


def get_report(cycle: Cycle, slug: str) -> Report:
    report = db.session.scalar(sa.select(Report).where(Report.cycle_id == cycle.id, Report.slug == slug))
    if report is None:
        raise OperationError(_("There is no report %(slug)s in this cycle.", slug=slug), status=404)
    return report


def form_quantity(value) -> float | None:
    """A form's claimed quantity as a float (Decimal 'sNaN' and 'Infinity' are refused)."""
    if value is None:
        return None
    try:
        number = float(value)
    except (TypeError, ValueError, OverflowError):
        number = math.nan
    check_quantity(number)
    return number


def check_quantity(claimed_qty: float | None) -> None:
    if claimed_qty is not None and (not math.isfinite(claimed_qty) or claimed_qty < 0):
        raise OperationError(_("The claimed quantity must be a number, not negative."))


def claim_label(claim: Claim) -> str:
    return f"{claim.report.cycle.code}/{claim.report.slug}@{claim.start}-{claim.end}"


def edit_claim(claim: Claim, start: int, end: int, aspect: Aspect, place: Place | None,
               claimed_qty: float | None, qty_unit: str) -> Claim:
    """Adjust a confirmed claim's span, aspect, place and quantity (before the frame is frozen)."""
    report = claim.report
    require_draft(report.cycle)
    if claim.state != "confirmed":
        raise OperationError(_("Only a confirmed claim can be edited."))
    if not (0 <= start < end <= len(report.text)):
        raise OperationError(_("The passage %(start)d–%(end)d lies outside the report text (0–%(len)d).",
                               start=start, end=end, len=len(report.text)))
    if any(c.id != claim.id and c.state == "confirmed" and c.start < end and c.end > start for c in report.claims):
        raise OperationError(_("The passage overlaps a claim already marked."))
    check_quantity(claimed_qty)
    if aspect.cycle_id != report.cycle_id:
        raise OperationError(_("That aspect belongs to another cycle."))
    before = {"span": [claim.start, claim.end], "aspect": claim.aspect.code,
              "place": claim.place.full_name if claim.place else None, "qty": claim.claimed_qty}
    claim.start, claim.end, claim.text = start, end, report.text[start:end]
    claim.aspect, claim.place, claim.claimed_qty, claim.qty_unit = aspect, place, claimed_qty, qty_unit
    db.session.flush()
    record("claim.edit", "claim", claim_label(claim), before=before,
           after={"span": [start, end], "aspect": aspect.code, "place": place.full_name if place else None,
                  "qty": claimed_qty})
    return claim


def split_claim(claim: Claim, at: int) -> tuple[Claim, Claim]:
    """Cut one claim in two at a text offset inside it (two achievements written as one)."""
    require_draft(claim.report.cycle)
    if claim.state != "confirmed" or not claim.start < at < claim.end:
        raise OperationError(_("Split inside the claim's passage (%(start)d–%(end)d).", start=claim.start,
                               end=claim.end))
    report, end = claim.report, claim.end
    if not report.text[claim.start:at].strip() or not report.text[at:end].strip():
        raise OperationError(_("Both parts of a split need some text."))
    before = [claim.start, claim.end]
    claim.end, claim.text = at, report.text[claim.start:at]
    second = Claim(report=report, start=at, end=end, text=report.text[at:end], aspect=claim.aspect,
                   place=claim.place, state="confirmed")
    db.session.add(second)
    db.session.flush()
    record("claim.split", "claim", claim_label(claim), before={"span": before},
           after={"spans": [[claim.start, at], [at, end]]})
    return claim, second


def merge_with_next(claim: Claim) -> Claim:
    """Join a claim with the next confirmed claim of the report (one achievement cut in two)."""
    require_draft(claim.report.cycle)
    later = sorted((c for c in claim.report.claims if c.state == "confirmed" and c.start >= claim.end),
                   key=lambda c: c.start)
    if claim.state != "confirmed" or not later:
        raise OperationError(_("There is no following claim to merge with."))
    nxt = later[0]
    before = {"spans": [[claim.start, claim.end], [nxt.start, nxt.end]]}
    claim.end, claim.text = nxt.end, claim.report.text[claim.start:nxt.end]
    if claim.claimed_qty is None:
        claim.claimed_qty, claim.qty_unit = nxt.claimed_qty, nxt.qty_unit
    claim.place = claim.place or nxt.place
    db.session.delete(nxt)
    db.session.flush()
    record("claim.merge", "claim", claim_label(claim), before=before, after={"span": [claim.start, claim.end]})
    return claim


def reject_proposal(report: Report, start: int, end: int, reason: str) -> Claim:
    """Record that a proposed passage is not a claim (a plan, a problem, a slogan), with the reason."""
    require_draft(report.cycle)
    if not reason.strip():
        raise OperationError(_("Say why the claim is excluded."))
    proposal = next((p for p in proposals_for(report) if (p.start, p.end) == (start, end)), None)
    if proposal is None:
        raise OperationError(_("That proposal is no longer open."), status=409)
    aspects = {a.code: a for a in report.cycle.aspects}
    claim = Claim(report=report, start=start, end=end, text=report.text[start:end],
                  aspect=aspects.get(proposal.aspect or "", report.cycle.aspects[0]), state="excluded",
                  exclude_reason=reason.strip()[:300])
    db.session.add(claim)
    db.session.flush()
    record("claim.exclude", "claim", claim_label(claim), before={"state": "proposed"},
           after={"state": "excluded", "reason": claim.exclude_reason})
    return claim
