"""Issue 13 in the proposal core: one proposal per achievement, the claimed figure with the roles of
all figures, traditional text read on its simplified copy, no silent aspect."""

from __future__ import annotations

import pytest

from fieldcheck.reports.propose import QUANTITY_ROLES, claim_quantities, propose_claims


def _texts(text: str) -> list[str]:
    return [p.text for p in propose_claims(text)]


def _one(passage: str):
    [p] = propose_claims(passage)
    return p


# --- one proposal per achievement ---------------------------------------------------------


def test_separate_deeds_in_one_sentence_are_separate_proposals() -> None:
    text = "我以城东小学为党建联系点，全年到学校调研17次，为师生讲思政课4次，协调解决教室紧张等问题5个。"
    assert _texts(text) == ["我以城东小学为党建联系点，全年到学校调研17次", "为师生讲思政课4次",
                            "协调解决教室紧张等问题5个"]


def test_a_clause_opening_with_a_count_of_its_subject_is_another_claim() -> None:
    text = "新建党支部领办合作社7个，吸纳84名脱贫户入社，12个村集体经营性收入全部超过10万元，其中超过50万元的村3个。"
    assert _texts(text) == ["新建党支部领办合作社7个，吸纳84名脱贫户入社",
                            "12个村集体经营性收入全部超过10万元，其中超过50万元的村3个"]


@pytest.mark.parametrize("passage", [
    "举办党员冬春训班6期，培训党员980人次",  # the people it served
    "新建河湾村党群服务中心1个，面积480平方米",  # its size
    "收集群众诉求1127件，办结1098件，办结率97%",  # how many of the total were done, and the rate
    "全年发展党员11名，其中青年农民党员7名",  # a part
    "针对巡察反馈的问题23个，制定整改措施67条，已完成整改21个，整改完成率91.3%",  # the count worked on
    "为农村学校配备校车41辆，惠及学生3800名",
])
def test_parts_sizes_people_and_completions_stay_with_their_achievement(passage: str) -> None:
    assert _texts(passage + "。") == [passage]


def test_the_same_split_in_traditional_text() -> None:
    text = "我全年主持召開鎮黨委會專題研究基層黨建工作8次，帶領班子成員走訪12個村（社區）實現全覆蓋，為全鎮黨員幹部講黨課3次。"
    assert _texts(text) == ["我全年主持召開鎮黨委會專題研究基層黨建工作8次", "帶領班子成員走訪12個村（社區）實現全覆蓋",
                            "為全鎮黨員幹部講黨課3次"]


# --- the right figure ---------------------------------------------------------------------


def test_a_from_to_change_claims_the_figure_reached() -> None:
    p = _one("学生参与率由62%提高到89%。")
    assert list(zip(p.quantities, p.roles)) == [((62.0, "%"), "baseline"), ((89.0, "%"), "result")]
    assert p.claimed == (89.0, "%")
    p = _one("校外学科类培训机构由214家压减到17家。")
    assert (p.roles, p.claimed) == (["baseline", "result"], (17.0, "家"))


def test_a_total_with_its_parts() -> None:
    p = _one("收集群众诉求1127件，办结1098件，办结率97%。")
    assert p.roles == ["total", "result", "part"]
    assert p.claimed == (1098.0, "件")
    p = _one("全年发展党员11名，其中青年农民党员7名。")
    assert (p.roles, p.claimed) == (["result", "part"], (11.0, "名"))


def test_counts_of_people_served_are_not_the_claimed_figure() -> None:
    p = _one("新建党支部领办合作社7个，吸纳84名脱贫户入社。")
    assert (p.roles, p.claimed) == (["result", "people"], (7.0, "个"))
    p = _one("举办党员冬春训班6期，培训党员980人次。")
    assert (p.roles, p.claimed) == (["result", "people"], (6.0, "期"))
    p = _one("参加集中轮训，参训4600余人次。")  # people are the only figure: they are claimed
    assert p.claimed == (4600.0, "人次")


def test_sizes_and_roles_are_known_codes() -> None:
    p = _one("新建河湾村党群服务中心1个，面积480平方米。")
    assert (p.roles, p.claimed) == (["result", "size"], (1.0, "个"))
    assert all(role in QUANTITY_ROLES for role in p.roles)


def test_claim_quantities_reads_traditional_passages() -> None:
    assert claim_quantities("村黨組織書記中大專以上學歷的佔比由38%提高到69%") == [
        (38.0, "%", "baseline"), (69.0, "%", "result")]


def test_a_proposal_without_quantities_claims_none() -> None:
    p = _one("我聯繫楊柳村，推動該村整頓轉化，村黨支部由「後進」晉升為「四星級」黨支部。")
    assert p.quantities == [] and p.claimed is None


# --- traditional text all the way --------------------------------------------------------


def test_traditional_problems_heading_and_numbered_slogans() -> None:
    text = ("2025年，鎮黨委堅持「兩個一以貫之」，以黨建引領鄉村全面振興。嚴格落實中央八項規定精神。\n\n"
            "一、工作情況\n\n新建黨群服務中心1個。\n\n六、存在問題\n\n一是2個村集體經營性收入增長緩慢。\n")
    assert _texts(text) == ["新建黨群服務中心1個"]


def test_places_of_a_simplified_list_in_traditional_text() -> None:
    [p] = propose_claims("在河灣村調處土地糾紛17起。", place_names=["河湾村", "石桥镇"])
    assert p.places == ["河湾村"] and p.text == "在河灣村調處土地糾紛17起"


# --- no silent aspect --------------------------------------------------------------------


def test_no_keyword_no_aspect() -> None:
    assert _one("校外学科类培训机构由214家压减到17家。").aspect is None
    assert _one("新建党群服务中心2个。").aspect == "organization"
