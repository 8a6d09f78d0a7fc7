"""A new cycle's defaults, each defined once (the cycle's own settings override them)."""

from __future__ import annotations

# The five default aspects: code, Chinese name, English name.
DEFAULT_ASPECTS: list[tuple[str, str, str]] = [
    ("organization", "组织建设", "Party organisation building"),
    ("cadres", "干部队伍", "Cadre team"),
    ("members", "党员教育管理", "Party member education and management"),
    ("services", "服务群众", "Serving the people"),
    ("integrity", "作风建设", "Work style and integrity"),
]

# Each default aspect weighs the same in the report total.
DEFAULT_ASPECT_WEIGHT = round(1 / len(DEFAULT_ASPECTS), 4)

DEFAULT_QUESTIONS = (
    "这项工作确实办成了吗？",
    "您对这项工作的效果满意吗？",
    "这项工作对您或您身边的人有实际帮助吗？",
)

# What a stratum of the draw is: each report, or each report's aspect.
STRATA = ("report", "report+aspect")

# Every figure a new cycle starts with. The model columns, the cycle form, the CLI and the pure
# cores' keyword defaults all read these names; a cycle's own values (cycles/settings.py) win.

# The draw rule (sampling/rule.py): the smallest sample that would catch a tolerable share of
# false claims with the given confidence, never fewer than MIN_PER_STRATUM; the same confidence
# gives the bounds of the scores.
MIN_PER_STRATUM = 3
TOLERABLE_SHARE = 0.2
CONFIDENCE = 0.9
COVER_ASPECTS = True
DEFAULT_STRATA = "report"

# Evidence on the phone: blind count, the geolocation accuracy to wait for (also the limit of the
# poor-accuracy flag), how long to wait for it, resident QR link lifetime, interviews per visit.
BLIND = True
ACCURACY_THRESHOLD_M = 50.0
GEO_WAIT_S = 30
QR_TOKEN_HOURS = 2.0
MIN_INTERVIEWS = 3

# Evidence checks (evidence/flags.py): the limits beyond which a flag is raised.
MAX_DISTANCE_M = 500
EXIF_GPS_MAX_M = 1000.0
EXIF_TIME_WINDOW_H = 2.0
EXIF_MAX_AGE_DAYS = 30.0
PHASH_MAX_DISTANCE = 6
MIN_VISIT_MINUTES = 5.0
# Naive EXIF times are read at this UTC offset: examiners' phones are set to Beijing time.
CAMERA_UTC_OFFSET_H = 8.0

# Scoring (scores/scoring.py): claim score = 100·(FINDING_WEIGHT·f + SATISFACTION_WEIGHT·s/100);
# a "partly" finding without quantities to compare counts as PARTLY_VALUE.
FINDING_WEIGHT = 0.6
SATISFACTION_WEIGHT = 0.4
PARTLY_VALUE = 0.5

# Assignment: share of approved verifications visited again, longest day route.
BACKCHECK_SHARE = 0.1
MAX_ROUTE_KM = 30.0

# Review: the reasons a reviewer picks from (code | 中文 | English, one per line in the cycle's
# setting), whether a rejection waits for a second reviewer's confirmation, and the time zone in
# which people read times (QR expiry, ballots, the review page).
REVIEW_REASONS: tuple[tuple[str, str, str], ...] = (
    ("not_found", "现场未找到申报事项", "The claimed work was not found on site"),
    ("count_differs", "数量与申报不符", "The count differs from the claim"),
    ("photos_doubtful", "照片不能证明现场", "The photos do not show the site"),
    ("location_doubtful", "定位与地点不符", "The location does not match the place"),
    ("interviews_doubtful", "访谈不足或存疑", "Too few or doubtful interviews"),
    ("other", "其他（见说明）", "Other (see the note)"),
)
SECOND_REVIEWER_REJECT = True
TIME_ZONE = "Asia/Shanghai"


def review_reason_lines(reasons=REVIEW_REASONS) -> str:
    """The reasons as the cycle stores and the form shows them: code | 中文 | English per line."""
    return "\n".join(" | ".join(reason) for reason in reasons)

# The combined evaluation (grading/rules.py): weights of the three parts, points per ballot grade,
# the composite each grade needs, and two rules off by default (a cap on the share of 好; no 好 when
# more than k claims of the report may be false). Cycle configuration, editable until the close.
GRADE_WEIGHTS = {"verification": 0.5, "ballot": 0.3, "routine": 0.2}
BALLOT_POINTS = {"好": 100.0, "较好": 80.0, "一般": 60.0, "差": 0.0}
GRADE_THRESHOLDS = {"好": 90.0, "较好": 80.0, "一般": 60.0}
GOOD_SHARE_CAP = None
FALSE_BOUND_K = None


def grade_rules() -> dict:
    """The default grade rules as plain values (a new dict each time)."""
    return {"weights": dict(GRADE_WEIGHTS), "ballot_points": dict(BALLOT_POINTS),
            "thresholds": dict(GRADE_THRESHOLDS), "good_share_cap": GOOD_SHARE_CAP, "false_bound_k": FALSE_BOUND_K}
