"""The verifiability check for drafts (fieldcheck.reports.lint): each kind of problem, with its span."""

from __future__ import annotations

from pathlib import Path

from fieldcheck.reports.chinese import to_simplified
from fieldcheck.reports.lint import FINDING_CODES, lint_report
from fieldcheck.reports.text import normalize_report_text

DRAFT = Path(__file__).resolve().parents[1] / "fixtures" / "drafts" / "shiqiao-draft-1.md"
ITEMS = ["流动党员管理不够规范", "村级后备力量储备不足"]


def _draft() -> str:
    return normalize_report_text(DRAFT.read_text(encoding="utf-8"))


def _by_code(result) -> dict[str, list]:
    found: dict[str, list] = {}
    for f in result.findings:
        assert f.code in FINDING_CODES
        found.setdefault(f.code, []).append(f)
    return found


def test_each_kind_of_problem_is_flagged_with_its_span() -> None:
    text = _draft()
    result = lint_report(text, max_chars=200, rectification_items=ITEMS + ["河湾村党群服务中心建设"])
    found = _by_code(result)
    for f in result.findings:
        if f.start is not None:
            assert text[f.start:f.end] == f.text or f.code == "too_long"
    assert [f.text for f in found["no_check_point"]] == ["完成村党组织整顿转化工作，建立村级议事制度"]
    assert [f.text for f in found["inflated_wording"]] == ["高度重视", "全面加强", "扎实推进", "取得显著成效"]
    assert result.inflated_per_thousand == round(4 * 1000 / len(text), 2)
    [process] = found["process_counts"]
    assert process.text.startswith("全年召开党委会研究党建工作12次") and process.figures == {"n": "4"}
    assert [f.figures["item"] for f in found["rectification_unanswered"]] == ITEMS  # the third one is answered
    [long] = found["too_long"]
    assert (long.start, long.end, long.figures) == (200, len(text), {"chars": str(len(text)), "limit": "200"})


def test_a_checkable_report_gets_no_comment_but_its_length() -> None:
    text = "新建河湾村党群服务中心1个，面积480平方米。在东岭村建成老年食堂1个，每天为62名老人提供午餐。"
    assert lint_report(text).findings == []
    assert [f.code for f in lint_report(text, max_chars=10).findings] == ["too_long"]


def test_effects_beside_meetings_are_not_process_counts() -> None:
    text = "全年召开党委会12次，印发文件15份，解决群众诉求1098件。"
    assert "process_counts" not in _by_code(lint_report(text))


def test_traditional_drafts_and_a_custom_list() -> None:
    text = "鎮黨委高度重視基層黨建工作，紮實推進各項任務。"
    found = _by_code(lint_report(text))
    assert [f.text for f in found["inflated_wording"]] == ["高度重視", "紮實推進"]  # spans on the text as written
    custom = _by_code(lint_report(text, inflated=[to_simplified("基层党建")]))
    assert [f.text for f in custom["inflated_wording"]] == ["基層黨建"]
