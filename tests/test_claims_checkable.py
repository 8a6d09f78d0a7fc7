"""Issue 13 on the database and the command line: checkable `claims propose --json`, places in a
traditional report from a simplified place list, no silent aspect."""

from __future__ import annotations

import hashlib
import json

import pytest
import sqlalchemy as sa

from story import FIXTURES, make_users

TOWNSHIP = FIXTURES / "reports" / "qingshan-shiqiao-township-2025.md"
PLACES = ("name,kind,parent,lat,lon,crs\n石桥镇,town,,34.95,113.54,wgs84\n"
          "杨柳村,village,石桥镇,34.944,113.551,wgs84\n河湾村,village,石桥镇,34.951,113.562,wgs84\n"
          "东岭村,village,石桥镇,34.962,113.571,wgs84\n石桥社区,community,石桥镇,34.955,113.545,wgs84\n")


def test_claims_propose_json_can_be_checked_against_the_text(runner, tmp_path):
    places = tmp_path / "places.csv"
    places.write_text(PLACES, encoding="utf-8")
    result = runner.invoke(args=["claims", "propose", str(TOWNSHIP), "--json", "--text", "--places", str(places)])
    assert result.exit_code == 0, result.output
    doc = json.loads(result.output)
    text = doc["text"]
    assert doc["text_sha256"] == hashlib.sha256(text.encode("utf-8")).hexdigest()
    assert "pinyin_annotations_removed" in doc["normalisation"] and "(xiá)" not in text
    assert doc["proposals"]
    for p in doc["proposals"]:
        assert text[p["start"]:p["end"]] == p["text"]  # offsets into the normalised text, traditional as published
        assert set(p) >= {"start", "end", "text", "aspect", "places", "quantities", "claimed_quantity"}
        assert all(set(q) == {"value", "unit", "role"} for q in p["quantities"])
    by_text = {p["text"]: p for p in doc["proposals"]}
    rate = by_text["村黨組織書記中大專以上學歷的佔比由38%提高到69%"]
    assert rate["claimed_quantity"] == {"value": 69.0, "unit": "%"}
    assert [q["role"] for q in rate["quantities"]] == ["baseline", "result"]
    assert by_text["在東嶺村建成老年食堂1個，每天為62名老人提供午餐"]["places"] == ["东岭村"]
    assert not any("存在" in p["text"] or "帶富能力" in p["text"] for p in doc["proposals"])  # 存在問題 skipped
    assert not any(p["text"].startswith("2025年，鎮黨委堅持") for p in doc["proposals"])  # 「兩個一以貫之」


def test_a_traditional_report_with_a_simplified_place_list_gets_its_places(app):
    from fieldcheck.cycles.operations import create_cycle
    from fieldcheck.extensions import db
    from fieldcheck.places.operations import import_places
    from fieldcheck.reports.models import Claim
    from fieldcheck.reports.operations import accept_proposals, import_report, report_text_from_input

    with app.test_request_context():
        make_users()
        import_places(PLACES.encode())
        cycle = create_cycle("2025", "2025 test cycle", min_per_stratum=3)
        report = import_report(cycle, unit_name="石桥镇党委", secretary="林志坚", title="", slug="shiqiao",
                               text=report_text_from_input(None, TOWNSHIP.read_bytes()))
        accept_proposals(report)
        db.session.commit()
        claims = {c.text: c for c in db.session.scalars(sa.select(Claim))}
        assert claims["在河灣村調處土地糾紛17起"].place.name == "河湾村"
        assert claims["新建河灣村黨群服務中心1個，面積480平方米"].place.name == "河湾村"
        farm = claims["村黨組織書記中大專以上學歷的佔比由38%提高到69%"]
        assert (farm.claimed_qty, farm.qty_unit) == (69.0, "%")  # the figure achieved, not the baseline


def test_a_proposal_without_an_aspect_waits_until_one_is_chosen(app):
    from fieldcheck.cycles.operations import create_cycle
    from fieldcheck.errors import OperationError
    from fieldcheck.extensions import db
    from fieldcheck.reports.models import Claim
    from fieldcheck.reports.operations import accept_proposals, import_report, proposals_for

    with app.test_request_context():
        make_users()
        cycle = create_cycle("2025", "2025 test cycle", min_per_stratum=3)
        text = "2025年工作情况\n\n新建党群服务中心2个。校外学科类培训机构由214家压减到17家。"
        report = import_report(cycle, unit_name="石桥镇党委", secretary="林志坚", title="", slug="shiqiao", text=text)
        [waiting] = [p for p in proposals_for(report) if p.aspect is None]
        assert waiting.text == "校外学科类培训机构由214家压减到17家"
        accepted = accept_proposals(report)
        assert [c.text for c in accepted] == ["新建党群服务中心2个"]  # the other is not filed under a guess
        assert [p.text for p in proposals_for(report)] == ["校外学科类培训机构由214家压减到17家"]
        with pytest.raises(OperationError):
            accept_proposals(report, [(waiting.start, waiting.end)])
        [claim] = accept_proposals(report, [(waiting.start, waiting.end)], "services")
        db.session.commit()
        assert (claim.aspect.code, claim.claimed_qty, claim.qty_unit) == ("services", 17.0, "家")
        assert db.session.scalar(sa.select(sa.func.count()).select_from(Claim)) == 2


def test_report_lint_prints_the_suggested_comments_with_spans(runner, tmp_path):
    draft = FIXTURES / "drafts" / "shiqiao-draft-1.md"
    items = tmp_path / "items.txt"
    items.write_text("流动党员管理不够规范\n河湾村党群服务中心建设\n", encoding="utf-8")
    result = runner.invoke(args=["report", "lint", str(draft), "--json", "--max-chars", "200",
                                 "--rectification", str(items)])
    assert result.exit_code == 0, result.output
    doc = json.loads(result.output)
    codes = {f["code"] for f in doc["findings"]}
    assert codes == {"no_check_point", "inflated_wording", "process_counts", "rectification_unanswered", "too_long"}
    assert doc["inflated_per_thousand"] > 0 and len(doc["text_sha256"]) == 64
    [item] = [f for f in doc["findings"] if f["code"] == "rectification_unanswered"]
    assert (item["start"], item["figures"]["item"]) == (None, "流动党员管理不够规范")
    words = runner.invoke(args=["report", "lint", str(draft)])  # worded for a person, in Chinese by default
    assert words.exit_code == 0 and "高度重视" in words.output and "没有" in words.output
