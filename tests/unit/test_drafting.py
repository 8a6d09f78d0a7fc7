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
