"""Drafting rounds, the pure part (fieldcheck.reports.drafting): side-by-side diff, comments carried over."""

from __future__ import annotations

import pytest

from fieldcheck.reports.drafting import carry_span, carry_spans, mark_runs, side_by_side

FIRST = ("一、履行主体责任情况\n"
         "镇党委高度重视基层党建工作，扎实推进各项任务落实。\n"
         "新建河湾村党群服务中心1个，面积480平方米。\n"
         "在东岭村建成老年食堂1个。")
SECOND = ("一、履行主体责任情况\n"
          "全年主持召开党委会专题研究基层党建工作8次。\n"
          "新建河湾村党群服务中心1个，面积480平方米。\n"
          "在东岭村建成老年食堂1个，每天为62名老人提供午餐。\n"
          "在河湾村调处土地纠纷17起。")


def _span(text: str, passage: str) -> tuple[int, int]:
    start = text.index(passage)
    return start, start + len(passage)


def test_a_comment_on_surviving_text_is_carried_to_its_new_place() -> None:
    start, end = _span(FIRST, "新建河湾村党群服务中心1个")
    carried = carry_span(FIRST, SECOND, start, end)
    assert carried is not None and SECOND[carried[0]:carried[1]] == "新建河湾村党群服务中心1个"
    assert carried != (start, end)  # the text before it changed length


def test_a_comment_on_rewritten_text_is_not_carried() -> None:
    assert carry_span(FIRST, SECOND, *_span(FIRST, "高度重视基层党建工作")) is None


def test_a_moved_paragraph_keeps_its_comment() -> None:
    moved = "在东岭村建成老年食堂1个。\n一、履行主体责任情况\n新建河湾村党群服务中心1个，面积480平方米。"
    start, end = _span(FIRST, "在东岭村建成老年食堂1个")
    carried = carry_span(FIRST, moved, start, end)
    assert carried == _span(moved, "在东岭村建成老年食堂1个")


def test_a_span_outside_the_draft_is_refused() -> None:
    with pytest.raises(ValueError):
        carry_span(FIRST, SECOND, 5, len(FIRST) + 1)


def test_side_by_side_rows_and_marks() -> None:
    rows = side_by_side(FIRST, SECOND)
    kinds = [r.kind for r in rows]
    assert kinds == ["equal", "replace", "equal", "replace", "insert"]
    changed = rows[3]
    assert [SECOND[s:e] for s, e in changed.new_marks] == ["，每天为62名老人提供午餐"]
    assert [FIRST[s:e] for s, e in changed.old_marks] == []
    assert SECOND[rows[4].new[0]:rows[4].new[1]] == "在河湾村调处土地纠纷17起。"
    assert all(FIRST[r.old[0]:r.old[1]] == SECOND[r.new[0]:r.new[1]] for r in rows if r.kind == "equal")


def test_many_spans_are_carried_at_once_as_one_by_one() -> None:
    spans = [_span(FIRST, p) for p in ("新建河湾村党群服务中心1个", "高度重视基层党建工作", "在东岭村建成老年食堂1个",
                                       "一、履行主体责任情况")]
    assert carry_spans(FIRST, SECOND, spans) == [carry_span(FIRST, SECOND, *s) for s in spans]
    carried = carry_spans(FIRST, SECOND, spans)
    assert carried[1] is None and SECOND[carried[3][0]:carried[3][1]] == "一、履行主体责任情况"


def test_carry_spans_refuses_any_span_outside_the_draft() -> None:
    with pytest.raises(ValueError):
        carry_spans(FIRST, SECOND, [(0, 3), (4, 4)])


def test_a_rewritten_line_is_marked_whole_not_by_chance_characters() -> None:
    rows = side_by_side(FIRST, SECOND)
    rewritten = rows[1]
    assert rewritten.kind == "replace"
    assert rewritten.old_marks == (rewritten.old,) and rewritten.new_marks == (rewritten.new,)


def test_mark_runs_cuts_a_line_by_every_layer_and_clips_to_it() -> None:
    text = "0123456789"
    runs = mark_runs(text, 2, 8, {"changed": [(3, 5)], "comment": [(4, 12), (0, 1)]})
    assert runs == [("2", frozenset()), ("3", frozenset({"changed"})), ("4", frozenset({"changed", "comment"})),
                    ("567", frozenset({"comment"}))]
    assert "".join(t for t, _ in runs) == text[2:8]
    assert mark_runs(text, 0, 10, {}) == [(text, frozenset())]
    assert mark_runs(text, 3, 3, {"comment": [(0, 9)]}) == []


def test_carrying_by_lines_first_agrees_with_a_whole_text_character_diff() -> None:
    """carry_spans diffs lines, then the characters of changed lines only; on a long revised report it
    carries every span exactly where a character diff of the whole text (written out here) does."""
    from difflib import SequenceMatcher
    from pathlib import Path

    reports = sorted((Path(__file__).resolve().parents[1] / "fixtures" / "reports").glob("*.md"))
    old = "\n\n".join(p.read_text(encoding="utf-8").strip() for p in reports)
    lines = old.split("\n")
    lines[5] = lines[5][:10] + "改写" + lines[5][20:]
    del lines[9]
    lines.insert(40, "新增一段：在河湾村新建道路3公里。")
    rewritten = next(i for i in range(80, len(lines)) if len(lines[i]) > 20)
    gone = lines[rewritten][2:14]
    lines[rewritten] = "整段改写为具体数字12个。"
    new = "\n".join(lines)
    spans = [(i, i + 6) for i in range(0, len(old) - 6, len(old) // 400)]
    spans += [_span(old, lines[3] + "\n" + lines[4]), _span(old, gone)]
    equal = [(i1, i2, j1) for tag, i1, i2, j1, _ in SequenceMatcher(None, old, new, autojunk=False).get_opcodes()
             if tag == "equal"]

    def by_characters(start: int, end: int):
        at = next((j1 + start - i1 for i1, i2, j1 in equal if i1 <= start and end <= i2), None)
        if at is None:
            quote = old[start:end]
            at = new.index(quote) if new.count(quote) == 1 else None
        return None if at is None else (at, at + end - start)

    carried = carry_spans(old, new, spans)
    assert carried == [by_characters(*s) for s in spans]
    assert carried[-2] is not None and carried[-1] is None  # a passage across two lines; one rewritten
