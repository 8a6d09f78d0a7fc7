"""The results board drawn as one server-rendered SVG (no script, no CDN), readable on a phone.

Per report, on one 0–100 scale: the verification total as a dot; the verified share as an interval from
its exact lower bound to the share seen (how far the sample lets the report's claims be trusted);
fieldwork progress (decided / drawn) as a thin bar; the meeting ballot's distribution as a stacked bar;
and the grade (confirmed, or proposed in brackets). Plain values in, SVG text out.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from html import escape

from .rules import GRADES

WIDTH = 340
LEFT = 8
SCALE = WIDTH - 2 * LEFT - 40  # the 0–100 axis; the grade label sits to its right
ROW = 78
# Ballot grades from best to worst; colours told apart without colour vision too (lightness falls).
BALLOT_COLOURS = {"好": "#1b5e20", "较好": "#66bb6a", "一般": "#f9a825", "差": "#b71c1c"}


def _x(value: float) -> float:
    return LEFT + SCALE * max(0.0, min(100.0, value)) / 100.0


def _row(index: int, row: Mapping, labels: Mapping[str, str]) -> list[str]:
    top = index * ROW + 4
    parts = [f'<g class="report" data-report="{escape(str(row["report"]))}">',
             f'<text x="{LEFT}" y="{top + 12}" class="name" font-size="12" font-weight="600" font-family="sans-serif">{escape(str(row["unit"]))}</text>']
    axis_y = top + 28
    parts.append(f'<line x1="{_x(0)}" y1="{axis_y}" x2="{_x(100)}" y2="{axis_y}" class="axis" stroke="#767676" stroke-width="1"/>')
    for tick in (0, 50, 100):
        parts.append(f'<line x1="{_x(tick):.1f}" y1="{axis_y - 3}" x2="{_x(tick):.1f}" y2="{axis_y + 3}" class="axis" stroke="#767676" stroke-width="1"/>')
    lower, share = row.get("verified_share_lower"), row.get("verified_share")
    if lower is not None and share is not None:
        parts.append(f'<line x1="{_x(100 * lower):.1f}" y1="{axis_y}" x2="{_x(100 * share):.1f}" y2="{axis_y}" '
                     f'class="interval" stroke="#0d47a1" stroke-width="6" stroke-linecap="round" opacity="0.45"><title>{escape(labels["share"])} {100 * lower:.0f}%–{100 * share:.0f}%'
                     f'</title></line>')
    total = row.get("verification_total")
    if total is not None:
        parts.append(f'<circle cx="{_x(total):.1f}" cy="{axis_y}" r="5" class="total" fill="#0d47a1">'
                     f'<title>{escape(labels["total"])} {total:.1f}</title></circle>')
    grade = row.get("grade") or (f'({row["proposed_grade"]})' if row.get("proposed_grade") else "—")
    parts.append(f'<text x="{WIDTH - LEFT}" y="{axis_y + 5}" class="grade" text-anchor="end" font-size="14" font-weight="700" font-family="sans-serif">{escape(grade)}</text>')
    # Fieldwork progress.
    drawn, decided = row.get("sample_size") or 0, row.get("decided") or 0
    bar_y = top + 42
    parts.append(f'<rect x="{_x(0)}" y="{bar_y}" width="{SCALE}" height="6" class="todo" fill="#e0e0e0"/>')
    if drawn:
        parts.append(f'<rect x="{_x(0)}" y="{bar_y}" width="{SCALE * decided / drawn:.1f}" height="6" class="done" fill="#455a64">'
                     f'<title>{escape(labels["progress"])} {decided}/{drawn}</title></rect>')
    # The ballot's distribution.
    counts = row.get("ballot_counts") or {}
    votes = sum(counts.get(g, 0) for g in GRADES)
    ballot_y = top + 54
    x = _x(0)
    for g in GRADES:
        n = counts.get(g, 0)
        if votes and n:
            width = SCALE * n / votes
            parts.append(f'<rect x="{x:.1f}" y="{ballot_y}" width="{width:.1f}" height="10" class="ballot" fill="{BALLOT_COLOURS[g]}">'
                         f'<title>{escape(g)} {n}</title></rect>')
            x += width
    if not votes:
        parts.append(f'<text x="{_x(0)}" y="{ballot_y + 9}" class="muted" font-size="10" font-family="sans-serif" fill="#555">{escape(labels["no_ballot"])}</text>')
    parts.append("</g>")
    return parts


def board_svg(rows: Sequence[Mapping], labels: Mapping[str, str]) -> str:
    """The board for `rows` (grading.operations.grade_table rows); `labels` in the reader's language:
    title, total, share, progress, no_ballot."""
    height = max(1, len(rows)) * ROW + 8
    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {WIDTH} {height}" width="100%" '
             f'role="img" aria-label="{escape(labels["title"])}" class="board-chart">',
             ]
    for index, row in enumerate(rows):
        parts.extend(_row(index, row, labels))
    parts.append("</svg>")
    return "".join(parts)
