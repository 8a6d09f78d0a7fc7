"""Drafting rounds (审稿), the pure part: the side-by-side diff of two drafts and carrying the
organizer's comments, anchored to spans, from one draft to the next where the text survived.

Offsets are character offsets into the normalised text of each draft.
"""

from __future__ import annotations

from dataclasses import dataclass
from difflib import SequenceMatcher

__all__ = ["DiffRow", "carry_span", "carry_spans", "mark_runs", "side_by_side"]


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
    if matcher.ratio() < 0.5:
        # A line rewritten: the few characters it shares with the old one are chance, not kept text.
        return ((o,) if o[1] > o[0] else ()), ((n,) if n[1] > n[0] else ())
    for tag, i1, i2, j1, j2 in matcher.get_opcodes():
        if tag != "equal":
            if i2 > i1:
                old_marks.append((o[0] + i1, o[0] + i2))
            if j2 > j1:
                new_marks.append((n[0] + j1, n[0] + j2))
    return tuple(old_marks), tuple(new_marks)


def carry_span(old: str, new: str, start: int, end: int) -> tuple[int, int] | None:
    """Where the passage old[start:end] stands in the next draft, or None (see `carry_spans`)."""
    return carry_spans(old, new, [(start, end)])[0]


def carry_spans(old: str, new: str, spans) -> list[tuple[int, int] | None]:
    """Where each passage old[start:end] stands in the next draft, or None when it did not survive.

    The passage survives when it is unchanged: inside one unchanged run of the diff (it keeps its
    place), or else found exactly once in the next draft (a paragraph moved). A rewritten passage
    is not carried: the comment stays with the round it was written on. The two drafts are
    compared once, however many spans are carried.
    """
    for start, end in spans:
        if not (0 <= start < end <= len(old)):
            raise ValueError(f"span {start}-{end} outside the draft (0-{len(old)})")
    equal = _equal_runs(old, new)
    carried: list[tuple[int, int] | None] = []
    for start, end in spans:
        at = next((j1 + start - i1 for i1, i2, j1 in equal if i1 <= start and end <= i2), None)
        if at is None:
            quote = old[start:end]
            at = new.index(quote) if new.count(quote) == 1 else None
        carried.append(None if at is None else (at, at + end - start))
    return carried


def _equal_runs(old: str, new: str) -> list[tuple[int, int, int]]:
    """The unchanged runs of two drafts as (old start, old end, new start): lines first, then the
    characters of the changed lines only (a whole-text character diff grows with the square of the
    length; most of a revised draft is unchanged lines)."""
    old_spans, new_spans = _line_spans(old), _line_spans(new)
    old_lines = [old[a:b] for a, b in old_spans]
    new_lines = [new[a:b] for a, b in new_spans]
    runs: list[tuple[int, int, int]] = []
    for tag, i1, i2, j1, j2 in SequenceMatcher(None, old_lines, new_lines, autojunk=False).get_opcodes():
        if i1 == i2 or j1 == j2:
            continue  # lines only deleted or only inserted: nothing of the old text is kept there
        o1, o2 = old_spans[i1][0], old_spans[i2 - 1][1]
        n1, n2 = new_spans[j1][0], new_spans[j2 - 1][1]
        if o2 < len(old) and n2 < len(new):
            o2, n2 = o2 + 1, n2 + 1  # the line break after the block, on both sides
        if tag == "equal":
            found = [(o1, o2, n1)]
        else:
            matcher = SequenceMatcher(None, old[o1:o2], new[n1:n2], autojunk=False)
            found = [(o1 + a, o1 + a + size, n1 + b) for a, b, size in matcher.get_matching_blocks() if size]
        for run in found:
            last = runs[-1] if runs else None
            if last and last[1] == run[0] and last[2] + last[1] - last[0] == run[2]:
                runs[-1] = (last[0], run[1], last[2])  # contiguous on both sides: one run
            else:
                runs.append(run)
    return runs


def mark_runs(text: str, start: int, end: int, layers) -> list[tuple[str, frozenset[str]]]:
    """text[start:end] cut into runs, each with the names of the layers covering it.

    `layers` maps a name ("changed", "comment"…) to spans (offsets into `text`); spans reaching
    outside start–end are clipped. Adjacent runs with the same layers are one run.
    """
    cuts = {start, end}
    clipped: dict[str, list[tuple[int, int]]] = {}
    for name, spans in layers.items():
        for s, e in spans:
            s, e = max(s, start), min(e, end)
            if s < e:
                clipped.setdefault(name, []).append((s, e))
                cuts.update((s, e))
    points = sorted(cuts)
    runs: list[tuple[str, frozenset[str]]] = []
    for a, b in zip(points, points[1:]):
        names = frozenset(n for n, spans in clipped.items() if any(s <= a and b <= e for s, e in spans))
        if runs and runs[-1][1] == names:
            runs[-1] = (runs[-1][0] + text[a:b], names)
        else:
            runs.append((text[a:b], names))
    return runs
