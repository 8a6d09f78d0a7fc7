"""Creating and configuring cycles."""

from __future__ import annotations

import re
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import sqlalchemy as sa
from flask_babel import gettext as _

from ..audit.models import record
from ..extensions import db
from ..errors import OperationError
from . import defaults
from .forms import SETTINGS
from .defaults import DEFAULT_ASPECTS, DEFAULT_QUESTIONS, STRATA
from .models import Aspect, Cycle, CycleSnapshot, Question
from .settings import parse_reason_lines
from .states import can_configure

CODE_RE = re.compile(r"^[a-z0-9][a-z0-9-]{0,31}$")

def default_aspects() -> list[tuple[str, str, str, float]]:
    """The five default aspects (code, Chinese name, English name, weight)."""
    return [(code, zh, en, defaults.DEFAULT_ASPECT_WEIGHT) for code, zh, en in DEFAULT_ASPECTS]


def parse_aspect_lines(text: str) -> list[tuple[str, str, str, float]]:
    """Parse 'code | 中文名 | English name | weight' lines, one aspect per line."""
    aspects = []
    for lineno, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        parts = [p.strip() for p in line.split("|")]
        if len(parts) != 4:
            raise OperationError(_("Aspect line %(n)d: write code | 中文名 | English name | weight.", n=lineno))
        code, zh, en, weight_text = parts
        if not CODE_RE.match(code):
            raise OperationError(_("Aspect line %(n)d: the code may hold only a-z, 0-9 and -.", n=lineno))
        try:
            weight = float(weight_text)
        except ValueError:
            raise OperationError(_("Aspect line %(n)d: the weight must be a number.", n=lineno)) from None
        if not (0 < weight <= 1) or not zh or not en:
            raise OperationError(_("Aspect line %(n)d: names are required and the weight must be in (0, 1].", n=lineno))
        aspects.append((code, zh, en, weight))
    if not aspects:
        raise OperationError(_("A cycle needs at least one aspect."))
    if len({a[0] for a in aspects}) != len(aspects):
        raise OperationError(_("Two aspects have the same code."))
    if abs(sum(a[3] for a in aspects) - 1) > 0.001:
        raise OperationError(_("The aspect weights must add up to 1 (they add up to %(sum)s).", sum=f"{sum(a[3] for a in aspects):g}"))
    return aspects


def format_aspect_lines(aspects) -> str:
    return "\n".join(f"{a[0]} | {a[1]} | {a[2]} | {a[3]:g}" for a in aspects)


def parse_question_lines(text: str) -> list[str]:
    questions = [line.strip() for line in text.splitlines() if line.strip()]
    if not questions:
        raise OperationError(_("A cycle needs at least one interview question."))
    if any(len(q) > 300 for q in questions):
        raise OperationError(_("A question may be at most 300 characters long."))
    return questions


def check_draw_rule(min_per_stratum: int, tolerable_share: float, confidence: float, strata: str) -> None:
    """The draw rule's figures as the sampling rule accepts them (sampling/rule.py)."""
    if min_per_stratum < 1:
        raise OperationError(_("At least one claim per report must be sampled."))
    if not (0 < tolerable_share <= 1 and 0 < confidence < 1) or strata not in STRATA:
        raise OperationError(_("The tolerable share must be in (0, 1] and the confidence in (0, 1)."))


def create_cycle(code: str, title: str, aspects=None, questions=None,
                 min_per_stratum: int = defaults.MIN_PER_STRATUM, *,
                 tolerable_share: float = defaults.TOLERABLE_SHARE, confidence: float = defaults.CONFIDENCE,
                 cover_aspects: bool = defaults.COVER_ASPECTS, strata: str = defaults.DEFAULT_STRATA) -> Cycle:
    """Create a draft cycle with its aspects (default five), interview questions and draw rule."""
    code = code.strip().lower()
    if not CODE_RE.match(code):
        raise OperationError(_("The cycle code may hold only a-z, 0-9 and - (e.g. 2025)."))
    if db.session.scalar(sa.select(Cycle.id).where(Cycle.code == code)):
        raise OperationError(_("A cycle with the code %(code)s already exists.", code=code))
    if not title.strip():
        raise OperationError(_("The cycle needs a title."))
    check_draw_rule(min_per_stratum, tolerable_share, confidence, strata)
    tolerable_share, confidence = round(tolerable_share, 4), round(confidence, 4)
    cycle = Cycle(code=code, title=title.strip(), min_per_stratum=min_per_stratum, tolerable_share=tolerable_share,
                  confidence=confidence, cover_aspects=cover_aspects, strata=strata)
    set_aspects(cycle, aspects or default_aspects())
    set_questions(cycle, list(questions or DEFAULT_QUESTIONS))
    db.session.add(cycle)
    db.session.flush()
    record("cycle.create", "cycle", cycle.code, after={"state": cycle.state, "title": cycle.title})
    return cycle


def require_draft(cycle: Cycle) -> None:
    if not can_configure(cycle):
        raise OperationError(_("The cycle is already published; its configuration is fixed."), status=409)


def set_aspects(cycle: Cycle, aspects) -> None:
    """Replace the aspects of a draft cycle, keeping rows whose code stays (claims point at them)."""
    existing = {a.code: a for a in cycle.aspects}
    keep = []
    for position, (code, zh, en, weight) in enumerate(aspects):
        aspect = existing.pop(code, None) or Aspect(code=code)
        aspect.name_zh, aspect.name_en, aspect.weight, aspect.position = zh, en, weight, position
        keep.append(aspect)
    for gone in existing.values():
        if gone.id and gone.claims:
            raise OperationError(_("The aspect %(code)s has claims and cannot be removed.", code=gone.code))
    cycle.aspects = keep


def set_questions(cycle: Cycle, questions: list[str]) -> None:
    """Replace the interview questions (only before fieldwork starts)."""
    cycle.questions = [Question(text=text, position=i) for i, text in enumerate(questions)]


def update_cycle(cycle: Cycle, title: str, aspects, questions, settings: dict | None = None) -> None:
    """Change a draft cycle's title, aspects, questions and settings (recorded before and after)."""
    require_draft(cycle)
    before = {"title": cycle.title, "aspects": [a.code for a in cycle.aspects], **cycle_settings(cycle)}
    cycle.title = title.strip() or cycle.title
    apply_settings(cycle, settings or {})
    set_aspects(cycle, aspects)
    set_questions(cycle, questions)
    db.session.flush()
    record("cycle.update", "cycle", cycle.code, before=before,
           after={"title": cycle.title, "aspects": [a.code for a in cycle.aspects], **cycle_settings(cycle)})


def cycle_settings(cycle: Cycle) -> dict:
    return {name: getattr(cycle, name) for name in SETTINGS}


def check_scoring(finding_weight: float, satisfaction_weight: float, partly_value: float) -> None:
    """The score weights as scores/scoring.py accepts them: each in [0, 1], the two adding up to 1."""
    if not (0 <= finding_weight <= 1 and 0 <= satisfaction_weight <= 1):
        raise OperationError(_("The weights of the finding and of satisfaction must each be between 0 and 1."))
    if abs(finding_weight + satisfaction_weight - 1) > 0.0001:
        raise OperationError(_("The weights of the finding and of satisfaction must add up to 1 (they add up to "
                               "%(sum)s).", sum=f"{finding_weight + satisfaction_weight:g}"))
    if not 0 <= partly_value <= 1:
        raise OperationError(_("The value of a partly verified claim must be between 0 and 1."))


# Shares and weights are rounded so that people read on the public page the figure in use.
ROUNDED = ("tolerable_share", "confidence", "backcheck_share", "finding_weight", "satisfaction_weight",
           "partly_value")


def check_review(reason_lines: str, time_zone: str) -> None:
    """The review reasons parse (at least one) and the time zone is a known IANA name."""
    try:
        reasons = parse_reason_lines(reason_lines)
    except ValueError as bad:
        raise OperationError(_("Review reasons, line %(n)s: write code | 中文 | English, the code in lower-case "
                               "letters, digits and '_', each code once.", n=bad.args[0])) from None
    if not reasons:
        raise OperationError(_("List at least one review reason."))
    try:
        ZoneInfo(time_zone)
    except (ZoneInfoNotFoundError, ValueError):
        raise OperationError(_("Unknown time zone %(tz)s; write a name such as Asia/Shanghai.", tz=time_zone)) from None


def apply_settings(cycle: Cycle, settings: dict) -> None:
    """Set the cycle's configuration, checking the draw rule and the score weights as a whole."""
    values = {**cycle_settings(cycle), **{k: v for k, v in settings.items() if v is not None}}
    check_draw_rule(int(values["min_per_stratum"]), float(values["tolerable_share"]),
                    float(values["confidence"]), values["strata"])
    if not 0 <= float(values["backcheck_share"]) <= 1:
        raise OperationError(_("The back-check share must be between 0 and 1."))
    for name in ROUNDED:
        values[name] = round(float(values[name]), 4)
    check_review(values["review_reasons"], values["time_zone"])
    check_scoring(values["finding_weight"], values["satisfaction_weight"], values["partly_value"])
    for name, value in values.items():
        setattr(cycle, name, value)


def get_cycle(code: str) -> Cycle:
    cycle = db.session.scalar(sa.select(Cycle).where(Cycle.code == code))
    if cycle is None:
        raise OperationError(_("There is no cycle %(code)s.", code=code), status=404)
    return cycle


def require_not_closed(cycle: Cycle) -> None:
    """A closed cycle's figures are frozen: ballots, routine scores, weights and grades stay as closed."""
    if cycle.state == "closed":
        raise OperationError(_("The cycle is closed: its figures are frozen."), status=409, code="cycle_closed")


def current_snapshot(cycle: Cycle) -> CycleSnapshot | None:
    """The close snapshot in force (None unless the cycle is closed); grading/closing.py makes it."""
    if cycle.state != "closed":
        return None
    return db.session.scalar(sa.select(CycleSnapshot).where(CycleSnapshot.cycle_id == cycle.id,
                                                           CycleSnapshot.superseded_at.is_(None))
                             .order_by(CycleSnapshot.id.desc()).limit(1))
