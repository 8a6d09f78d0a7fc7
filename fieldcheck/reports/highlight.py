"""The report text cut into plain runs and confirmed claims, for highlighting (organizer and public pages)."""

from __future__ import annotations


def segments(report) -> list[tuple[str, object]]:
    """The report text cut into plain runs and confirmed claims, for highlighting."""
    out, pos = [], 0
    for claim in sorted((c for c in report.claims if c.state == "confirmed"), key=lambda c: c.start):
        if claim.start > pos:
            out.append((report.text[pos:claim.start], None))
        out.append((report.text[claim.start:claim.end], claim))
        pos = claim.end
    if pos < len(report.text):
        out.append((report.text[pos:], None))
    return out
