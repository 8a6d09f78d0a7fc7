"""Drafting rounds (审稿), the pure part: the side-by-side diff of two drafts and carrying the
organizer's comments, anchored to spans, from one draft to the next where the text survived.

Offsets are character offsets into the normalised text of each draft.
"""

from __future__ import annotations

from dataclasses import dataclass
from difflib import SequenceMatcher

__all__ = ["DiffRow", "carry_span", "side_by_side"]


@dataclass(frozen=True)
class DiffRow:
    """One row of the side-by-side view: `kind` is equal, replace, delete or insert; the lines of the
    previous draft (`old`) and the next one (`new`), each as (start, end) in its text; `old_marks` and
    `new_marks` the changed character spans within them (for highlighting)."""

    kind: str
    old: tuple[int, int] | None
    new: tuple[int, int] | None
    old_marks: tuple[tuple[int, int], ...] = ()
    new_marks: tuple[tuple[int, int], ...] = ()


def _line_spans(text: str) -> list[tuple[int, int]]:
    spans, start = [], 0
    for line in text.split("\n"):
        spans.append((start, start + len(line)))
        start += len(line) + 1
    return spans


def side_by_side(old: str, new: str) -> list[DiffRow]:
    """The two drafts line by line; a changed line pair carries the changed characters of each side."""
    old_spans, new_spans = _line_spans(old), _line_spans(new)
    old_lines = [old[s:e] for s, e in old_spans]
    new_lines = [new[s:e] for s, e in new_spans]
    rows: list[DiffRow] = []
    for tag, i1, i2, j1, j2 in SequenceMatcher(None, old_lines, new_lines, autojunk=False).get_opcodes():
        if tag == "equal":
            rows += [DiffRow("equal", old_spans[i], new_spans[j]) for i, j in zip(range(i1, i2), range(j1, j2))]
            continue
        pairs = max(i2 - i1, j2 - j1)
        for k in range(pairs):
            o = old_spans[i1 + k] if i1 + k < i2 else None
            n = new_spans[j1 + k] if j1 + k < j2 else None
            if o and n:
                rows.append(DiffRow("replace", o, n, *_marks(old, new, o, n)))
            elif o:
                rows.append(DiffRow("delete", o, None, (o,), ()))
            else:
                rows.append(DiffRow("insert", None, n, (), (n,)))
    return rows


def _marks(old: str, new: str, o: tuple[int, int], n: tuple[int, int]):
    """The changed character spans of a replaced line on each side."""
    old_marks, new_marks = [], []
    matcher = SequenceMatcher(None, old[o[0]:o[1]], new[n[0]:n[1]], autojunk=False)
    for tag, i1, i2, j1, j2 in matcher.get_opcodes():
        if tag != "equal":
            if i2 > i1:
                old_marks.append((o[0] + i1, o[0] + i2))
            if j2 > j1:
                new_marks.append((n[0] + j1, n[0] + j2))
    return tuple(old_marks), tuple(new_marks)


def carry_span(old: str, new: str, start: int, end: int) -> tuple[int, int] | None:
    """Where the passage old[start:end] stands in the next draft, or None when it did not survive.

    The passage survives when it is unchanged: inside one unchanged run of the diff (it keeps its
    place), or else found exactly once in the next draft (a paragraph moved). A rewritten passage
    is not carried: the comment stays with the round it was written on.
    """
    if not (0 <= start < end <= len(old)):
        raise ValueError(f"span {start}-{end} outside the draft (0-{len(old)})")
    for tag, i1, i2, j1, _ in SequenceMatcher(None, old, new, autojunk=False).get_opcodes():
        if tag == "equal" and i1 <= start and end <= i2:
            return j1 + start - i1, j1 + end - i1
    quote = old[start:end]
    if new.count(quote) == 1:
        at = new.index(quote)
        return at, at + len(quote)
    return None
