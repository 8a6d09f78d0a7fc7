"""The verifiability check for a draft duty report (`fieldcheck report lint`): the comments a careful
reviewer would write, each with its span, so the office can ask for a report whose every achievement an
examiner could go and check.

A pure core: findings are codes with figures (worded by the glue, reports.operations.lint_text), spans
are offsets into the text passed in (read on its simplified copy, so traditional drafts work alike).

Finding codes:

- ``no_check_point``: an achievement with no figure, no place and no date an examiner could check;
- ``inflated_wording``: an empty or inflated phrase from the configurable list (高度重视, 扎实推进…);
  the summary gives their density per thousand characters;
- ``process_counts``: a paragraph that counts meetings, documents or instructions and no effect
  (the assessment is told not to grade on these);
- ``rectification_unanswered``: one of last year's rectification items the draft does not answer;
- ``too_long``: the draft is longer than the limit.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field

from .propose import _reading, propose_claims
from .propose_rules import _pieces
from .quantities import _quantities_at

__all__ = ["DEFAULT_INFLATED", "DEFAULT_MAX_CHARS", "FINDING_CODES", "Finding", "LintResult", "lint_report"]

FINDING_CODES = ("no_check_point", "inflated_wording", "process_counts", "rectification_unanswered", "too_long")

# Wording that says nothing an examiner could check; the office may pass its own list.
DEFAULT_INFLATED = (
    "高度重视", "全面加强", "扎实推进", "取得显著成效", "成效显著", "显著成效", "明显提升", "全面提升", "显著提高",
    "有力推动", "大力推进", "不断深化", "持续深化", "全面落实", "圆满完成", "取得明显成效", "成效明显", "亮点纷呈",
    "走在前列", "全面过硬", "全面进步", "深度融合", "有力保障", "切实加强", "进一步增强", "明显改善",
)
DEFAULT_MAX_CHARS = 5000

# A count of the process, not of its effect: meetings held, documents issued, instructions given.
_PROCESS = re.compile(r"会议|会|文件|批示|指示|讲话|通知|方案|研究|部署|学习|座谈|研讨|督导|调度|发文|印发|下发")
_DATE = re.compile(r"\d{1,2}月|\d{4}年\d|[上下]半年|年底|年初|\d{1,2}日")
_CLAUSE_MARK = re.compile(r"[，,：:；;。！？]")
_HAN_PAIR = re.compile(r"(?=([\u4e00-\u9fff]{2}))")


@dataclass(frozen=True)
class Finding:
    """One suggested comment: `code` from FINDING_CODES, text[start:end] the passage, `figures` its details."""

    code: str
    start: int | None  # None for an item the draft does not answer: it has no passage
    end: int | None
    text: str
    figures: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class LintResult:
    findings: list[Finding]
    chars: int
    inflated_per_thousand: float


def _clause_start(copy: str, lower: int, at: int) -> int:
    """Where the clause holding copy[at] begins (not before `lower`)."""
    return max([lower, *(m.end() for m in _CLAUSE_MARK.finditer(copy, lower, at))])


def _paragraphs(text: str) -> list[tuple[int, int]]:
    return [(m.start(), m.end()) for m in re.finditer(r"[^\n]+", text) if m.group().strip()]


def lint_report(text: str, *, inflated: Sequence[str] = DEFAULT_INFLATED, max_chars: int = DEFAULT_MAX_CHARS,
                rectification_items: Sequence[str] = (), place_names: Sequence[str] = ()) -> LintResult:
    """The suggested comments on a draft, in reading order within each kind."""
    copy = _reading(text)
    findings: list[Finding] = []
    for p in propose_claims(text, place_names=place_names):
        if not p.quantities and not p.places and not _DATE.search(copy[p.start:p.end]):
            findings.append(Finding("no_check_point", p.start, p.end, p.text))
    phrases = sorted({_reading(w) for w in inflated if w}, key=len, reverse=True)
    taken = [False] * len(copy)
    hits: list[Finding] = []
    for phrase in phrases:
        for m in re.finditer(re.escape(phrase), copy):
            if not any(taken[m.start():m.end()]):
                taken[m.start():m.end()] = [True] * len(phrase)
                hits.append(Finding("inflated_wording", m.start(), m.end(), text[m.start():m.end()]))
    findings += sorted(hits, key=lambda f: f.start)
    body = set()
    for piece in _pieces(copy):
        if piece.skipped_by is None:
            body.update(range(piece.start, piece.end))
    for s, e in _paragraphs(copy):
        found = [q for q in _quantities_at(copy, s, e) if q[0] in body]
        process = [q for q in found if _PROCESS.search(copy[_clause_start(copy, s, q[0]):q[0]])]
        if len(process) >= 2 and len(process) == len(found):
            findings.append(Finding("process_counts", s, e, text[s:e], {"n": str(len(process))}))
    for item in rectification_items:
        pairs = {m.group(1) for m in _HAN_PAIR.finditer(_reading(item))}
        if pairs and sum(pair in copy for pair in pairs) < len(pairs) / 2:
            findings.append(Finding("rectification_unanswered", None, None, "", {"item": item.strip()}))
    if len(text) > max_chars:
        findings.append(Finding("too_long", max_chars, len(text), "", {"chars": str(len(text)),
                                                                        "limit": str(max_chars)}))
    density = round(len(hits) * 1000 / len(text), 2) if text else 0.0
    return LintResult(findings, len(text), density)
