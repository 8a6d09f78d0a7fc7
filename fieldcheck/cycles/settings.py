"""Every figure a cycle configures, in one frozen value: `settings_of(cycle)`.

The draw, the evidence checks, the phone, the scores and the export all take their figures from
here, so a cycle's configuration cannot be read one way in one place and another way elsewhere.
The defaults of a new cycle are in cycles/defaults.py.
"""

from __future__ import annotations

import json
from dataclasses import dataclass

from . import defaults
from .defaults import TIME_ZONE
from .models import Cycle


@dataclass(frozen=True)
class CycleSettings:
    # The draw rule
    min_per_stratum: int
    tolerable_share: float
    confidence: float
    cover_aspects: bool
    strata: str
    # Evidence on the phone
    blind: bool
    min_interviews: int
    accuracy_threshold_m: float
    geo_wait_s: int
    qr_token_hours: float
    # Evidence checks (flag limits)
    max_distance_m: int
    exif_gps_max_m: float
    exif_time_window_h: float
    exif_max_age_days: float
    phash_max_distance: int
    min_visit_minutes: float
    camera_utc_offset_h: float
    # Scoring
    finding_weight: float
    satisfaction_weight: float
    partly_value: float
    aspect_weights: tuple[tuple[str, float], ...]
    # Assignment
    backcheck_share: float
    max_route_km: float
    # Review
    review_reasons: tuple[tuple[str, str, str], ...]
    second_reviewer_reject: bool
    time_zone: str
    # The combined evaluation (grading/rules.py rules_from reads it)
    grade_rules: dict

    def flag_thresholds(self) -> dict[str, float | int]:
        """The limits of the evidence checks, named as evidence.flags.FlagSettings names them."""
        return {
            "max_distance_m": self.max_distance_m,
            # The phone waits for this accuracy; a geotag still worse than it is flagged.
            "max_accuracy_m": self.accuracy_threshold_m,
            "exif_gps_max_m": self.exif_gps_max_m,
            "exif_time_window_h": self.exif_time_window_h,
            "exif_max_age_days": self.exif_max_age_days,
            "phash_max_distance": self.phash_max_distance,
            "min_visit_minutes": self.min_visit_minutes,
            "camera_utc_offset_h": self.camera_utc_offset_h,
        }

    def reason_label(self, code: str, locale: str) -> str:
        """A reason code in the reader's language (the code itself when the cycle no longer lists it)."""
        for reason_code, zh, en in self.review_reasons:
            if reason_code == code:
                return zh if locale == "zh" else en
        return code

    def aspect_weight_map(self) -> dict[str, float]:
        return dict(self.aspect_weights)

    def claim_formula(self) -> str:
        """The claim score formula with the weights in use, e.g. 'claim = 100*(0.6*f + 0.4*s/100)'."""
        return f"claim = 100*({self.finding_weight:g}*f + {self.satisfaction_weight:g}*s/100)"


def settings_of(cycle: Cycle) -> CycleSettings:
    """The cycle's configuration as plain values (floats as floats, whatever the database returns)."""
    return CycleSettings(
        min_per_stratum=int(cycle.min_per_stratum),
        tolerable_share=float(cycle.tolerable_share),
        confidence=float(cycle.confidence),
        cover_aspects=bool(cycle.cover_aspects),
        strata=cycle.strata,
        blind=bool(cycle.blind),
        min_interviews=int(cycle.min_interviews),
        accuracy_threshold_m=float(cycle.accuracy_threshold_m),
        geo_wait_s=int(cycle.geo_wait_s),
        qr_token_hours=float(cycle.qr_token_hours),
        max_distance_m=int(cycle.max_distance_m),
        exif_gps_max_m=float(cycle.exif_gps_max_m),
        exif_time_window_h=float(cycle.exif_time_window_h),
        exif_max_age_days=float(cycle.exif_max_age_days),
        phash_max_distance=int(cycle.phash_max_distance),
        min_visit_minutes=float(cycle.min_visit_minutes),
        camera_utc_offset_h=float(cycle.camera_utc_offset_h),
        finding_weight=float(cycle.finding_weight),
        satisfaction_weight=float(cycle.satisfaction_weight),
        partly_value=float(cycle.partly_value),
        aspect_weights=tuple((a.code, float(a.weight)) for a in cycle.aspects),
        backcheck_share=float(cycle.backcheck_share),
        max_route_km=float(cycle.max_route_km),
        review_reasons=tuple(parse_reason_lines(cycle.review_reasons or "")),
        second_reviewer_reject=bool(cycle.second_reviewer_reject),
        time_zone=cycle.time_zone or TIME_ZONE,
        grade_rules=json.loads(cycle.grade_rules) if cycle.grade_rules else defaults.grade_rules(),
    )


REASON_CODE_CHARS = set("abcdefghijklmnopqrstuvwxyz0123456789_")


def parse_reason_lines(text: str) -> list[tuple[str, str, str]]:
    """`code | 中文 | English` per line; raises ValueError naming the first bad line (1-based)."""
    reasons: list[tuple[str, str, str]] = []
    for number, line in enumerate(text.splitlines(), 1):
        if not line.strip():
            continue
        parts = [p.strip() for p in line.split("|")]
        if len(parts) != 3 or not all(parts) or not set(parts[0]) <= REASON_CODE_CHARS or len(parts[0]) > 32:
            raise ValueError(number)
        if parts[0] in {r[0] for r in reasons}:
            raise ValueError(number)
        reasons.append((parts[0], parts[1], parts[2]))
    return reasons
