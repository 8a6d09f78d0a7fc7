"""The grade rules, written out by hand."""

from __future__ import annotations

import pytest

from fieldcheck.grading.rules import (GradeInput, GradeRules, ballot_score, check_override, composite, consequences,
                                      grade_for, propose_grades)

RULES = GradeRules()


def test_the_ballot_score_is_the_mean_of_the_points():
    # 10 好, 5 较好, 4 一般, 1 差 → (1000 + 400 + 240 + 0) / 20 = 82
    assert ballot_score({"好": 10, "较好": 5, "一般": 4, "差": 1}, RULES.ballot_points) == 82
    assert ballot_score({}, RULES.ballot_points) is None


def test_the_composite_weighs_the_three_parts_and_rescales_when_one_is_missing():
    # 0.5 × 88 + 0.3 × 82 + 0.2 × 90 = 44 + 24.6 + 18 = 86.6
    value, missing = composite({"verification": 88, "ballot": 82, "routine": 90}, RULES.weights)
    assert value == pytest.approx(86.6) and missing == []
    # No routine score: (0.5 × 88 + 0.3 × 82) / 0.8 = 68.6 / 0.8 = 85.75
    value, missing = composite({"verification": 88, "ballot": 82, "routine": None}, RULES.weights)
    assert value == pytest.approx(85.75) and missing == ["routine"]


def test_thresholds_map_the_composite_to_a_grade():
    t = RULES.thresholds
    assert [grade_for(v, t) for v in (90, 89.99, 80, 79.99, 60, 59.99)] == ["好", "较好", "较好", "一般", "一般", "差"]


def test_a_proposal_explains_itself_and_what_follows():
    [p] = propose_grades([GradeInput("a", 95, {"好": 8, "较好": 2}, 92)], RULES)
    # 0.5 × 95 + 0.3 × 96 + 0.2 × 92 = 47.5 + 28.8 + 18.4 = 94.7
    assert p.composite == pytest.approx(94.7) and p.grade == "好" and not p.provisional
    assert p.reasons == [("threshold", {"composite": 94.7, "grade": "好", "threshold": 90})]
    assert consequences("好") == {"annual_excellent_allowed": True, "talk_required": False}
    assert consequences("较好") == {"annual_excellent_allowed": False, "talk_required": False}
    assert consequences("一般")["talk_required"] and consequences("差")["talk_required"]


def test_the_bound_rule_withholds_good_when_too_many_claims_may_be_false():
    rules = GradeRules(false_bound_k=1)
    kept, lowered = propose_grades([GradeInput("a", 95, {"好": 1}, 95, false_upper=1),
                                    GradeInput("b", 95, {"好": 1}, 95, false_upper=2)], rules)
    assert kept.grade == "好"
    assert lowered.grade == "较好" and ("bound", {"false_upper": 2, "k": 1}) in lowered.reasons


def test_the_cap_keeps_the_highest_and_treats_a_tie_at_the_edge_alike():
    rules = GradeRules(good_share_cap=0.4)  # 5 reports → at most 2 get 好
    inputs = [GradeInput(name, v, {"好": 1}, 100) for name, v in (("a", 100), ("b", 98), ("c", 98), ("d", 96),
                                                                 ("e", 50))]
    grades = {p.report: p.grade for p in propose_grades(inputs, rules)}
    # composites: a 100, b = c = 0.5×98+30+20 = 99, d 98, e 75 → a keeps 好; b and c tie at the edge → both 较好
    assert grades == {"a": "好", "b": "较好", "c": "较好", "d": "较好", "e": "一般"}


def test_a_missing_part_makes_the_grade_provisional():
    [p] = propose_grades([GradeInput("a", None, {}, None)], RULES)
    assert p.composite is None and p.grade is None and p.provisional and p.missing == PARTS_ALL


PARTS_ALL = ["verification", "ballot", "routine"]


def test_an_override_needs_a_reason():
    check_override("较好", "较好", "")
    check_override("较好", "好", "常委会研究决定")
    with pytest.raises(ValueError):
        check_override("较好", "好", "  ")
    with pytest.raises(ValueError):
        check_override("较好", "优秀", "x")


def test_rules_that_do_not_add_up_are_refused():
    with pytest.raises(ValueError):
        GradeRules(weights={"verification": 0.5, "ballot": 0.3, "routine": 0.3})
    with pytest.raises(ValueError):
        GradeRules(thresholds={"好": 80, "较好": 90, "一般": 60})
