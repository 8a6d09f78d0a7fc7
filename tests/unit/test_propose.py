"""Claim proposals from report text (fieldcheck.reports.propose) and the demo data they are measured on."""

from __future__ import annotations

import csv
import dataclasses
import io
import json
import unicodedata
from importlib import resources
from pathlib import Path
from typing import Any

import pytest

from fieldcheck.reports.propose import (
    DEFAULT_ASPECT_KEYWORDS,
    DEFAULT_ASPECTS,
    REASON_CODES,
    Proposal,
    find_quantities,
    propose_claims,
    split_sentences,
    suggest_aspect,
)
from fieldcheck.reports.chinese import aligned_simplified, to_simplified
from fieldcheck.reports.text import FULLWIDTH_TO_ASCII, normalize_report_text

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "reports"
DEMO = resources.files("fieldcheck.demo") / "data"
ASPECT_CODES = [code for code, _, _ in DEFAULT_ASPECTS]

Span = tuple[int, int]


def _read(path: Any) -> str:
    return unicodedata.normalize("NFC", path.read_text(encoding="utf-8"))


def _labels(text: str, labels_path: Any) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """Claims and non-claims with spans; plain-string labels are located in the text (they occur once)."""
    doc = json.loads(labels_path.read_text(encoding="utf-8"))

    def spanned(entry: str | dict[str, Any]) -> dict[str, Any]:
        if isinstance(entry, dict):
            return entry
        assert text.count(entry) == 1, entry
        start = text.index(entry)
        return {"start": start, "end": start + len(entry), "text": entry}

    return [spanned(e) for e in doc["claims"]], [spanned(e) for e in doc["not_claims"]]


REPORTS = {
    "qingshan": (FIXTURES / "qingshan-county-2025.md", FIXTURES / "qingshan-county-2025.labels.json"),
    "baishui": (DEMO / "report-baishui-county-2025.md", DEMO / "report-baishui-county-2025.labels.json"),
    "civil-affairs": (FIXTURES / "qinghe-civil-affairs-2025.md", FIXTURES / "qinghe-civil-affairs-2025.labels.json"),
    "urban-investment": (FIXTURES / "qinghe-urban-investment-2025.md",
                         FIXTURES / "qinghe-urban-investment-2025.labels.json"),
    "subdistrict": (FIXTURES / "qinghe-guiyuan-subdistrict-2025.md",
                    FIXTURES / "qinghe-guiyuan-subdistrict-2025.labels.json"),
}


def _overlap(a: Span, b: Span) -> int:
    return max(0, min(a[1], b[1]) - max(a[0], b[0]))


def _matches(proposal: Proposal, label: dict[str, Any]) -> bool:
    """A proposal matches a label when they overlap by at least half the label's length."""
    return _overlap((proposal.start, proposal.end), (label["start"], label["end"])) * 2 >= label["end"] - label["start"]


# --- the constants ----------------------------------------------------------------------


def test_default_aspects() -> None:
    assert ASPECT_CODES == ["organization", "cadres", "members", "services", "integrity"]
    assert [zh for _, zh, _ in DEFAULT_ASPECTS] == ["组织建设", "干部队伍", "党员教育管理", "服务群众", "作风建设"]
    assert all(en and en.isascii() for _, _, en in DEFAULT_ASPECTS)
    assert list(DEFAULT_ASPECT_KEYWORDS) == ASPECT_CODES


# --- split_sentences --------------------------------------------------------------------


def test_split_drops_markers_and_headings() -> None:
    text = "# 某县委书记述职报告\n\n## 一、基本情况\n\n一是带头部署。全年召开会议12次；二是（一）新建中心2个！\n（二）建强班子\n1. 完成换届。\n2. 短行无标点视为标题\n"
    spans = split_sentences(text)
    assert [text[s:e] for s, e in spans] == ["带头部署", "全年召开会议12次", "新建中心2个", "完成换届"]


def test_split_keeps_decimals_and_trims_punctuation() -> None:
    text = "全县1.2万名党员全部参训，\n  比例达到18.5%。  "
    assert [text[s:e] for s, e in split_sentences(text)] == ["全县1.2万名党员全部参训", "比例达到18.5%"]


def test_split_handles_crlf_offsets() -> None:
    text = "甲完成3项。\r\n乙建成2个。"
    assert [text[s:e] for s, e in split_sentences(text)] == ["甲完成3项", "乙建成2个"]


# --- quantities -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("passage", "expected"),
    [
        ("培训村干部380人次", [(380.0, "人次")]),
        ("全县1.2万名党员", [(12000.0, "名")]),
        ("村集体收入达到86万元，追缴1.5亿元", [(86.0, "万元"), (1.5, "亿元")]),
        ("占比达到18.5%", [(18.5, "%")]),
        ("培训５６０人次，比例１２．５％", [(560.0, "人次"), (12.5, "%")]),
        ("建筑面积860平方米，流转土地1200亩", [(860.0, "平方米"), (1200.0, "亩")]),
        ("慰问老党员三百二十名，新建两个站点", [(320.0, "名"), (2.0, "个")]),
        ("服务2000余名群众，走访300多户", [(2000.0, "名"), (300.0, "户")]),
        ("2025年，35岁以下，第3次会议，12345热线，一批骨干，一次性补助", []),
        ("“两委”换届，四级架构，五星级党组织", []),
        ("加装电梯56部，结对328对，档案92卷，服务860余家次", [(56.0, "部"), (328.0, "对"), (92.0, "卷"), (860.0, "家次")]),
        ("两部门联合，三部分内容，一对一帮扶", []),
    ],
)
def test_find_quantities(passage: str, expected: list[tuple[float, str]]) -> None:
    assert find_quantities(passage) == expected


# --- propose_claims ---------------------------------------------------------------------


def _texts(text: str) -> list[str]:
    return [p.text for p in propose_claims(text)]


def test_proposal_carries_span_quantities_aspect_and_reasons() -> None:
    text = "一是加强阵地建设。新建党群服务中心２个，面积860平方米。"
    [p] = propose_claims(text)
    assert text[p.start:p.end] == p.text == "新建党群服务中心２个，面积860平方米"
    assert p.quantities == [(2.0, "个"), (860.0, "平方米")]
    assert p.counted == ["党群服务中心", "面积"] and p.places == []
    assert p.aspect == "organization"
    assert ("action", {"verb": "新建"}) in p.reasons and ("quantity", {"qty": "2", "unit": "个"}) in p.reasons
    assert {code for code, _ in p.reasons} <= set(REASON_CODES)
    with pytest.raises(dataclasses.FrozenInstanceError):
        p.start = 0  # type: ignore[misc]


def test_completed_action_without_quantity_is_proposed() -> None:
    assert _texts("三是规范村级运行。在全县推行村级组织运行规则。") == ["在全县推行村级组织运行规则"]


def test_titles_slogans_and_background_are_not_proposed() -> None:
    text = (
        "2025年，我坚持把抓好党建作为最大政绩，现将履职情况报告如下。全县现有党员2.3万名、基层党组织1126个。\n"
        "一是压实责任链条。坚持以党建引领基层治理。建立健全常态化排查整顿机制。\n"
        "通过清理，群众对村务的信任度明显提高。抓落实的时间更加充足。\n"
    )
    assert _texts(text) == []


def test_plans_are_not_proposed() -> None:
    text = (
        "2025年，全县工作如下。力争2026年集体收入50万元以上的村达到30个。下一步将在全县推广这一做法。"
        "拟新建服务中心3个。2026年新建驿站5个。还将培训党员2000人次。"
    )
    assert _texts(text) == []


def test_a_trailing_plan_clause_is_cut_off() -> None:
    text = "2025年工作情况。新民村建成帮扶车间1个，吸纳就业85人，计划2026年再建设3个。"
    [p] = propose_claims(text)
    assert p.text == "新民村建成帮扶车间1个，吸纳就业85人"
    assert p.quantities == [(1.0, "个"), (85.0, "人")]


def test_a_programme_named_plan_is_not_a_plan() -> None:
    text = "实施村党组织带头人“头雁”培育计划，全年调整村党组织书记9名。"
    assert _texts(text) == ["实施村党组织带头人“头雁”培育计划，全年调整村党组织书记9名"]


def test_problem_and_plan_sections_are_skipped() -> None:
    text = (
        "## 一、工作情况\n\n新建服务中心2个。\n\n"
        "## 二、存在的问题\n\n一是投入不足，仍有31个村收入不足20万元。\n\n"
        "## 三、下一步工作打算\n\n（一）阵地建设\n\n新建、改扩建党群服务中心4个。\n\n"
        "## 四、上年度问题整改情况\n\n制定整改措施12条，已全部整改到位。\n\n"
        "存在的问题：培训只有3期。\n下一步，新建站点5个。\n"
    )
    assert _texts(text) == ["新建服务中心2个", "制定整改措施12条，已全部整改到位"]


def test_plain_numbered_sections_without_markdown() -> None:
    text = "一、主要成效\n1. 新建党群服务中心２个\n- 完成换届123个村\n二、问题和不足\n建成村部3个。\n三、其他\n建成村部4个。"
    assert _texts(text) == ["新建党群服务中心２个", "完成换届123个村", "建成村部4个"]


@pytest.mark.parametrize(
    ("passage", "counted"),
    [
        ("培训村“两委”干部380人次", ["村“两委”干部"]),
        ("慰问老党员三百二十名，新建两个站点", ["老党员", "站点"]),
        ("督查检查考核事项由46项压减至19项", ["督查检查考核事项", "督查检查考核事项"]),
        ("全县186个行政村党组织书记全部实行县级备案管理", ["行政村党组织书记"]),
        ("组织2160名在职党员到社区报到，为群众办实事1280件", ["在职党员", "办实事"]),
        ("村集体经济收入达到63万元", ["村集体经济收入"]),
        ("全年发展党员365名，其中35岁以下的287名", ["党员", "35岁以下"]),
    ],
)
def test_the_phrase_each_quantity_counts(passage: str, counted: list[str]) -> None:
    proposals = propose_claims(passage + "。")  # two achievements in one passage are two proposals
    assert [c for p in proposals for c in p.counted] == counted
    assert all(len(p.counted) == len(p.quantities) for p in proposals)


def test_places_longest_name_first_across_scripts() -> None:
    text = "在清河镇新民村建成帮扶车间1个。在新民村新建驿站2个。龍泉鎮東灣村建立聯繫點1個。"
    names = ["新民村", "清河镇新民村", "清河镇", "龙泉镇", "东湾村", "石桥村"]
    proposals = propose_claims(text, place_names=names)
    assert [p.places for p in proposals] == [["清河镇新民村"], ["新民村"], ["龙泉镇", "东湾村"]]
    assert ("place", {"name": "清河镇新民村"}) in proposals[0].reasons
    assert propose_claims(text)[0].places == []


def test_a_sentence_holding_two_claims_is_split() -> None:
    text = (
        "我全年到乡镇调研42次，在清河镇杏花村建立联系点1个，协调解决实际问题21个。"
        "新建党群服务中心2个，全县15个社区全部实行错时延时服务。"
        "召开会议15次，制定印发《责任清单》，细化任务38项。"
        "全县186个村集体经济收入全部超过10万元，其中超过50万元的村达到27个。"
    )
    assert _texts(text) == [
        "我全年到乡镇调研42次", "在清河镇杏花村建立联系点1个", "协调解决实际问题21个",
        "新建党群服务中心2个", "全县15个社区全部实行错时延时服务",
        "召开会议15次", "制定印发《责任清单》，细化任务38项",
        "全县186个村集体经济收入全部超过10万元，其中超过50万元的村达到27个",
    ]


def test_honours_pilots_economic_figures_norms_and_weak_actions() -> None:
    text = (
        "2025年，我以机关党建带动系统党建。市婚姻登记中心被评为全省“巾帼文明岗”。"
        "集团全年完成投资186亿元，资产总额达到1520亿元。辖区全年实现税收3.2亿元。"
        "落实班子成员联系社区制度，每名班子成员联系1至2个社区。此外，在柳巷社区试点“共享议事厅”。"
    )
    assert _texts(text) == ["市婚姻登记中心被评为全省“巾帼文明岗”", "此外，在柳巷社区试点“共享议事厅”"]


def _traditional(text: str) -> str:
    import opencc

    converted = opencc.OpenCC("s2t").convert(text)
    assert len(converted) == len(text) and converted != text
    return converted


@pytest.mark.parametrize("name", ["qingshan", "baishui"])
def test_a_traditional_report_proposes_what_its_simplified_twin_does(name: str) -> None:
    simplified = normalize_report_text(_read(REPORTS[name][0]))
    traditional = _traditional(simplified)
    assert aligned_simplified(traditional) == simplified
    names = ["清河镇", "新民村", "杏花村", "柳河镇", "红旗村", "文昌社区"]
    twin = propose_claims(simplified, place_names=names)
    proposals = propose_claims(traditional, place_names=names)
    assert [(p.start, p.end) for p in proposals] == [(p.start, p.end) for p in twin]
    assert all(p.text == traditional[p.start:p.end] for p in proposals)
    assert [(p.quantities, p.aspect, p.places, p.reasons) for p in proposals] == \
        [(p.quantities, p.aspect, p.places, p.reasons) for p in twin]
    assert [to_simplified(c) for p in proposals for c in p.counted] == [c for p in twin for c in p.counted]


def test_traditional_fragment_in_a_simplified_report() -> None:
    [p] = propose_claims("七、作风建设\n\n開展警示教育大會1場，組織黨員幹部旁聽庭審，參加人員150名。")
    assert p.text == "開展警示教育大會1場，組織黨員幹部旁聽庭審，參加人員150名"
    assert p.quantities == [(1.0, "场"), (150.0, "名")]  # units read in simplified characters
    assert p.counted == ["警示教育大會", "參加人員"] and p.aspect == "integrity"


def test_custom_keywords_and_place_names_in_either_script() -> None:
    [p] = propose_claims("植樹造林3000畝。", {"green": ["植树"], "roads": ["道路"]}, place_names=["東灣村"])
    assert (p.aspect, p.quantities, p.counted) == ("green", [(3000.0, "亩")], ["植樹造林"])
    [p] = propose_claims("在东湾村植树造林3000亩。", {"green": ["植樹"]}, place_names=["東灣村"])
    assert (p.aspect, p.places) == ("green", ["東灣村"])


def test_simplified_copy_keeps_offsets_when_a_phrase_would_not(monkeypatch: pytest.MonkeyPatch) -> None:
    from fieldcheck.reports import chinese

    real = chinese.to_simplified
    monkeypatch.setattr(chinese, "to_simplified", lambda text: real(text) + "！" if len(text) > 1 else real(text))
    assert chinese.aligned_simplified("開展警示教育") == "开展警示教育"
    assert chinese.to_simplified("開展") == "开展！"


def test_suggest_aspect_default_and_custom() -> None:
    assert suggest_aspect("全年发展党员312名，排查失联党员23名") == "members"
    assert suggest_aspect("选派第一书记8名") == "cadres"
    assert suggest_aspect("查处群众身边不正之风和腐败问题74起") == "integrity"
    assert suggest_aspect("在锦华社区引导物业企业解决加装电梯等问题63件") == "services"
    assert suggest_aspect("新建党群服务中心2个") == "organization"
    assert suggest_aspect("今天天气很好") is None
    custom = {"green": ["植树", "绿化"], "roads": ["道路", "硬化"]}
    assert suggest_aspect("完成道路硬化12公里", custom) == "roads"
    [p] = propose_claims("植树造林3000亩。", custom)
    assert p.aspect == "green"


def test_empty_text() -> None:
    assert propose_claims("") == [] and split_sentences("") == []


# --- the sample reports and their labels ------------------------------------------------


@pytest.mark.parametrize("name", list(REPORTS))
def test_proposals_recall_and_precision(name: str) -> None:
    report_path, labels_path = REPORTS[name]
    text = normalize_report_text(_read(report_path))
    claims, not_claims = _labels(text, labels_path)
    proposals = propose_claims(text)
    assert all(text[p.start:p.end] == p.text for p in proposals)
    found = [c for c in claims if any(_matches(p, c) for p in proposals)]
    right = [p for p in proposals if any(_matches(p, c) for c in claims)]
    recall, precision = len(found) / len(claims), len(right) / len(proposals)
    print(f"\n{name}: {len(claims)} labelled claims, {len(proposals)} proposals, "
          f"recall {recall:.3f}, precision {precision:.3f}")
    for claim in claims:
        if claim not in found:
            print("  missed:", claim["text"])
    for proposal in proposals:
        if proposal not in right:
            print("  extra:", proposal.text)
    assert recall >= 0.85
    assert precision >= 0.7
    # no proposal is mostly a labelled non-claim
    for entry in not_claims:
        length = entry["end"] - entry["start"]
        covering = [p for p in proposals if _overlap((p.start, p.end), (entry["start"], entry["end"])) == length]
        assert all(any(_matches(p, c) for c in claims) for p in covering), entry["text"]


@pytest.mark.parametrize("name", ["baishui", "civil-affairs", "urban-investment", "subdistrict"])
def test_suggested_aspects_mostly_agree_with_labels(name: str) -> None:
    report_path, labels_path = REPORTS[name]
    text = normalize_report_text(_read(report_path))
    claims, _ = _labels(text, labels_path)
    proposals = propose_claims(text)
    pairs = [(c["aspect"], next(p.aspect for p in proposals if _matches(p, c)))
             for c in claims if any(_matches(p, c) for p in proposals)]
    agreement = sum(a == b for a, b in pairs) / len(pairs)
    print(f"\n{name}: suggested aspect agrees with the label for {agreement:.0%} of {len(pairs)} claims")
    assert agreement >= 0.7


# --- the demo data itself ---------------------------------------------------------------


def _places() -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO((DEMO / "places-baishui.csv").read_text(encoding="utf-8"))))


def test_baishui_labels_match_the_report() -> None:
    raw = (DEMO / "report-baishui-county-2025.md").read_text(encoding="utf-8")
    text = unicodedata.normalize("NFC", raw)
    # normalising converts the full-width digits one for one: the offsets stay valid
    assert normalize_report_text(raw) == text.translate(FULLWIDTH_TO_ASCII).rstrip()
    assert 3400 <= len(text) <= 5000
    doc = json.loads((DEMO / "report-baishui-county-2025.labels.json").read_text(encoding="utf-8"))
    claims, not_claims = doc["claims"], doc["not_claims"]
    assert 35 <= len(claims) <= 50 and not_claims  # one claim per achievement (issue 13)
    for entry in claims + not_claims:
        assert text[entry["start"]:entry["end"]] == entry["text"]
    spans = sorted((c["start"], c["end"]) for c in claims)
    assert all(a[1] <= b[0] for a, b in zip(spans, spans[1:])), "claims overlap"
    for entry in not_claims:
        assert not any(_overlap((entry["start"], entry["end"]), s) for s in spans), entry["text"]
    places = {(p["name"], p["parent"]) for p in _places()}
    for claim in claims:
        assert claim["aspect"] in ASPECT_CODES
        assert all((p["name"], p["parent"]) in places for p in claim["place"])
        assert all(p["parent"] + p["name"] in claim["text"] or p["name"] in claim["text"] for p in claim["place"])
        assert all(isinstance(v, (int, float)) and u for v, u in claim["quantity"])
    assert {c["aspect"] for c in claims} == set(ASPECT_CODES)


@pytest.mark.parametrize(
    "name", ["qinghe-civil-affairs-2025", "qinghe-urban-investment-2025", "qinghe-guiyuan-subdistrict-2025"])
def test_qinghe_labels_match_the_report(name: str) -> None:
    raw = (FIXTURES / f"{name}.md").read_text(encoding="utf-8")
    text = normalize_report_text(raw)
    assert 2200 <= len(text) <= 4500
    assert text != unicodedata.normalize("NFC", raw).rstrip()  # full-width digits, pinyin or both to clean up
    doc = json.loads((FIXTURES / f"{name}.labels.json").read_text(encoding="utf-8"))
    claims, not_claims = doc["claims"], doc["not_claims"]
    assert len(claims) >= 30 and len(not_claims) >= 15
    for entry in claims + not_claims:
        assert text[entry["start"]:entry["end"]] == entry["text"]
    spans = sorted((c["start"], c["end"]) for c in claims)
    assert all(a[1] <= b[0] for a, b in zip(spans, spans[1:])), "claims overlap"
    for entry in not_claims:
        assert not any(_overlap((entry["start"], entry["end"]), s) for s in spans), entry["text"]
    for claim in claims:
        assert claim["aspect"] in ASPECT_CODES
        assert all(p["name"] in claim["text"] and p["parent"] for p in claim["place"])
        assert all(isinstance(v, (int, float)) and u for v, u in claim["quantity"])
    assert {c["aspect"] for c in claims} == set(ASPECT_CODES)


def test_baishui_places() -> None:
    text = (DEMO / "places-baishui.csv").read_text(encoding="utf-8")
    assert text.splitlines()[0] == "name,kind,parent,lat,lon,crs"
    rows = _places()
    names = {r["name"] for r in rows}
    assert [r["name"] for r in rows if r["kind"] == "county"] == ["白水县"]
    assert 3 <= sum(r["kind"] in ("town", "subdistrict") for r in rows) <= 4
    assert all(r["parent"] in names for r in rows if r["kind"] != "county")
    assert sorted(r["crs"] for r in rows).count("gcj02") == 2
    assert {r["crs"] for r in rows} == {"wgs84", "gcj02"}
    assert all(34.5 < float(r["lat"]) < 35.3 and 113.2 < float(r["lon"]) < 114.0 for r in rows)
    xinmin = [r["parent"] for r in rows if r["name"] == "新民村"]
    assert len(xinmin) == 2 and len(set(xinmin)) == 2
    report = (DEMO / "report-baishui-county-2025.md").read_text(encoding="utf-8")
    assert all(parent + "新民村" in report for parent in xinmin)
    leaves = [r["name"] for r in rows if r["kind"] in ("village", "community", "school")]
    assert all(name in report for name in leaves)


def test_notice() -> None:
    lines = (DEMO / "NOTICE").read_text(encoding="utf-8").splitlines()
    assert len(lines) == 1 and "fictional" in lines[0]
