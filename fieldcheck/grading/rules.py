"""From the three parts of the assessment to a proposed grade 好 / 较好 / 一般 / 差, with its reasons in figures.

Pure functions: the committee decides; this only proposes, conservatively and explained.

- Ballot score: the mean of the points per grade over the ballots cast (default 好 100, 较好 80,
  一般 60, 差 0).
- Composite: weights × (verification total, ballot score, routine score). A part that is missing is
  left out and the remaining weights are scaled to add up to 1; the proposal then says which part is
  missing, and the grade is provisional.
- Grade: the highest grade whose threshold the composite reaches (default 好 ≥ 90, 较好 ≥ 80,
  一般 ≥ 60, otherwise 差).
- Optional rules, off unless the organizer switches them on:
  - the bound rule: no 好 when the upper bound on false claims of the report exceeds k;
  - the cap: at most this share of the reports (rounded down) get 好, the highest composites first;
    reports tied at the edge of the cap are all given 较好 (nobody is preferred by the order of a tie).
- What follows: the annual 优秀 is allowed only with 好; 一般 and 差 call for a reminder talk.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from fieldcheck.cycles import defaults

GRADES = ("好", "较好", "一般", "差")
PARTS = ("verification", "ballot", "routine")


@dataclass(frozen=True)
class GradeRules:
    weights: Mapping[str, float] = field(default_factory=lambda: dict(defaults.GRADE_WEIGHTS))
    ballot_points: Mapping[str, float] = field(default_factory=lambda: dict(defaults.BALLOT_POINTS))
    thresholds: Mapping[str, float] = field(default_factory=lambda: dict(defaults.GRADE_THRESHOLDS))
    good_share_cap: float | None = defaults.GOOD_SHARE_CAP  # e.g. 0.3: at most 30% of the reports get 好
    false_bound_k: int | None = defaults.FALSE_BOUND_K  # e.g. 1: no 好 when more than 1 claim may be false

    def __post_init__(self) -> None:
        if set(self.weights) != set(PARTS) or any(w < 0 for w in self.weights.values()) \
                or not math.isclose(sum(self.weights.values()), 1.0, abs_tol=1e-9):
            raise ValueError("the weights of verification, ballot and routine must be ≥ 0 and add up to 1")
        if set(self.ballot_points) != set(GRADES) or any(not 0 <= p <= 100 for p in self.ballot_points.values()):
            raise ValueError("every grade needs its ballot points, from 0 to 100")
        t = self.thresholds
        if set(t) != set(GRADES[:3]) or not 100 >= t["好"] >= t["较好"] >= t["一般"] >= 0:
            raise ValueError("thresholds: 100 ≥ 好 ≥ 较好 ≥ 一般 ≥ 0")
        if self.good_share_cap is not None and not 0 <= self.good_share_cap <= 1:
            raise ValueError("the cap on 好 is a share between 0 and 1")
        if self.false_bound_k is not None and self.false_bound_k < 0:
            raise ValueError("k must not be negative")


def rules_from(values: Mapping) -> GradeRules:
    """GradeRules from stored plain values (cycle configuration); raises ValueError when they do not hold."""
    try:
        return GradeRules(weights={k: float(v) for k, v in values["weights"].items()},
                          ballot_points={k: float(v) for k, v in values["ballot_points"].items()},
                          thresholds={k: float(v) for k, v in values["thresholds"].items()},
                          good_share_cap=None if values.get("good_share_cap") is None else float(values["good_share_cap"]),
                          false_bound_k=None if values.get("false_bound_k") is None else int(values["false_bound_k"]))
    except (KeyError, TypeError, AttributeError) as exc:
        raise ValueError(f"incomplete grade rules: {exc}") from None


def as_values(rules: GradeRules) -> dict:
    """The rules as plain values, as the cycle stores them and the export shows them."""
    return {"weights": dict(rules.weights), "ballot_points": dict(rules.ballot_points),
            "thresholds": dict(rules.thresholds), "good_share_cap": rules.good_share_cap,
            "false_bound_k": rules.false_bound_k}


def formula(rules: GradeRules) -> str:
    """How the composite and the grade follow from the rules in use (never a copy of the defaults)."""
    w, p, t = rules.weights, rules.ballot_points, rules.thresholds
    text = (f"composite = ({w['verification']:g}*verification + {w['ballot']:g}*ballot + {w['routine']:g}*routine)"
            f" / (sum of the weights of the parts present); ballot = mean points "
            f"(好 {p['好']:g}, 较好 {p['较好']:g}, 一般 {p['一般']:g}, 差 {p['差']:g}); "
            f"好 >= {t['好']:g}, 较好 >= {t['较好']:g}, 一般 >= {t['一般']:g}, else 差")
    if rules.false_bound_k is not None:
        text += f"; no 好 when more than {rules.false_bound_k} claims may be false"
    if rules.good_share_cap is not None:
        text += f"; at most {rules.good_share_cap:g} of the reports 好 (ties at the edge: 较好)"
    return text


def ballot_score(counts: Mapping[str, int], points: Mapping[str, float]) -> float | None:
    """The mean points of the ballots cast, or None when nobody voted."""
    total = sum(counts.get(g, 0) for g in GRADES)
    if total == 0:
        return None
    return sum(points[g] * counts.get(g, 0) for g in GRADES) / total


def composite(parts: Mapping[str, float | None], weights: Mapping[str, float]) -> tuple[float | None, list[str]]:
    """The weighted composite over the parts present (weights rescaled), and the parts missing."""
    present = {name: value for name, value in parts.items() if value is not None and weights[name] > 0}
    missing = [name for name in PARTS if weights[name] > 0 and parts.get(name) is None]
    weight = sum(weights[name] for name in present)
    if weight == 0:
        return None, missing
    return sum(weights[name] * value for name, value in present.items()) / weight, missing


def grade_for(value: float, thresholds: Mapping[str, float]) -> str:
    for grade in GRADES[:3]:
        if value >= thresholds[grade]:
            return grade
    return "差"


@dataclass(frozen=True)
class GradeInput:
    report: str
    verification: float | None  # the verified-achievement total, 0–100
    ballot_counts: Mapping[str, int]
    routine: float | None  # routine research, 0–100
    false_upper: int | None = None  # upper bound on false claims at the cycle's confidence


@dataclass
class Proposal:
    report: str
    composite: float | None
    grade: str | None
    parts: dict[str, float | None]
    missing: list[str]
    reasons: list[tuple[str, dict]]

    @property
    def provisional(self) -> bool:
        return bool(self.missing) or self.grade is None


def propose_grades(inputs: Sequence[GradeInput], rules: GradeRules) -> list[Proposal]:
    """A proposed grade per report with its reasons, in the order given."""
    proposals = []
    for item in inputs:
        parts = {"verification": item.verification, "ballot": ballot_score(item.ballot_counts, rules.ballot_points),
                 "routine": item.routine}
        value, missing = composite(parts, rules.weights)
        reasons: list[tuple[str, dict]] = [("missing", {"part": name}) for name in missing]
        grade = None
        if value is not None:
            grade = grade_for(value, rules.thresholds)
            reasons.append(("threshold", {"composite": round(value, 2), "grade": grade,
                                          "threshold": rules.thresholds.get(grade)}))
            if grade == "好" and rules.false_bound_k is not None and item.false_upper is not None \
                    and item.false_upper > rules.false_bound_k:
                grade = "较好"
                reasons.append(("bound", {"false_upper": item.false_upper, "k": rules.false_bound_k}))
        proposals.append(Proposal(item.report, value, grade, parts, missing, reasons))
    if rules.good_share_cap is not None:
        apply_cap(proposals, rules.good_share_cap)
    return proposals


def apply_cap(proposals: list[Proposal], share: float) -> None:
    """At most floor(share × reports) get 好; ties at the edge all get 较好."""
    allowed = math.floor(share * len(proposals))
    good = sorted((p for p in proposals if p.grade == "好"), key=lambda p: -p.composite)
    if len(good) <= allowed:
        return
    edge = good[allowed].composite  # the first composite beyond the cap
    for p in good:
        if p.composite <= edge:
            p.grade = "较好"
            p.reasons.append(("cap", {"share": share, "allowed": allowed}))


def consequences(grade: str | None) -> dict:
    """What follows from a grade: the annual 优秀 only with 好; a reminder talk for 一般 and 差."""
    return {"annual_excellent_allowed": grade == "好", "talk_required": grade in ("一般", "差")}


def check_override(proposed: str | None, chosen: str, reason: str) -> None:
    """The organizer may set another grade than proposed, with a written reason."""
    if chosen not in GRADES:
        raise ValueError("unknown grade")
    if chosen != proposed and not reason.strip():
        raise ValueError("a grade other than the proposed one needs a written reason")
