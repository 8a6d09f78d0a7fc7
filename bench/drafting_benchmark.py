"""Carrying 500 comments from one draft to the next, against a whole-text character diff measured in
the same run (the baseline: what reports.drafting.carry_span did before it diffed lines first).

The draft is every labelled report of tests/fixtures/reports joined (about 12,000 characters), revised
the way an office asks: one line edited, one deleted, one added, one rewritten.

    .venv/bin/python bench/drafting_benchmark.py
"""

from __future__ import annotations

import time
from difflib import SequenceMatcher
from pathlib import Path

from fieldcheck.reports.drafting import carry_spans, side_by_side
from fieldcheck.reports.lint import lint_report

ROOT = Path(__file__).resolve().parents[1]
REPEAT = 5


def drafts() -> tuple[str, str]:
    old = "\n\n".join(p.read_text(encoding="utf-8").strip()
                      for p in sorted((ROOT / "tests" / "fixtures" / "reports").glob("*.md")))
    lines = old.split("\n")
    lines[5] = lines[5][:10] + "改写" + lines[5][20:]
    del lines[9]
    lines.insert(40, "新增一段：在河湾村新建道路3公里。")
    lines[80] = "整段改写为具体数字12个。"
    return old, "\n".join(lines)


def whole_text(old: str, new: str, spans):
    equal = [(i1, i2, j1) for tag, i1, i2, j1, _ in SequenceMatcher(None, old, new, autojunk=False).get_opcodes()
             if tag == "equal"]
    out = []
    for start, end in spans:
        at = next((j1 + start - i1 for i1, i2, j1 in equal if i1 <= start and end <= i2), None)
        if at is None:
            quote = old[start:end]
            at = new.index(quote) if new.count(quote) == 1 else None
        out.append(None if at is None else (at, at + end - start))
    return out


def best(call) -> tuple[float, object]:
    times, result = [], None
    for _ in range(REPEAT):
        started = time.perf_counter()
        result = call()
        times.append(time.perf_counter() - started)
    return min(times), result


def main() -> None:
    old, new = drafts()
    spans = [(i, i + 6) for i in range(0, len(old) - 6, len(old) // 500)][:500]
    base, expected = best(lambda: whole_text(old, new, spans))
    ours, carried = best(lambda: carry_spans(old, new, spans))
    diff, _rows = best(lambda: side_by_side(old, new))
    lint, _result = best(lambda: lint_report(new))
    print(f"draft: {len(old)} characters, {len(spans)} comments, best of {REPEAT}")
    print(f"baseline, whole-text character diff: {base * 1000:8.1f} ms")
    print(f"carry_spans (lines, then changed lines): {ours * 1000:8.1f} ms   ratio {base / ours:6.1f}x faster")
    print(f"same spans as the baseline: {sum(a == b for a, b in zip(carried, expected))} of {len(spans)}")
    print(f"side_by_side rows: {diff * 1000:8.1f} ms; lint_report (suggested comments): {lint * 1000:8.1f} ms")


if __name__ == "__main__":
    main()
