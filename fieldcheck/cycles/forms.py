"""Forms for cycles."""

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, FloatField, IntegerField, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange

from . import defaults as d

# name -> cycle attribute; every one is cycle configuration (see DESIGN.md)
SETTINGS = ("min_per_stratum", "tolerable_share", "confidence", "cover_aspects", "strata", "blind",
            "min_interviews", "max_distance_m", "accuracy_threshold_m", "geo_wait_s", "qr_token_hours",
            "exif_gps_max_m", "exif_time_window_h", "exif_max_age_days", "phash_max_distance", "min_visit_minutes",
            "camera_utc_offset_h", "finding_weight", "satisfaction_weight", "partly_value",
            "backcheck_share", "max_route_km", "review_reasons", "second_reviewer_reject", "time_zone")


class CycleForm(FlaskForm):
    code = StringField(_l("Code (in every claim id, e.g. 2025)"), validators=[DataRequired(), Length(max=32)])
    title = StringField(_l("Title"), validators=[DataRequired(), Length(max=200)])
    aspects = TextAreaField(_l("Aspects: code | 中文名 | English name | weight, one per line"),
                            validators=[DataRequired()])
    questions = TextAreaField(_l("Interview questions, one per line (rated 1–5 by residents)"),
                              validators=[DataRequired()])
    # The draw
    min_per_stratum = IntegerField(_l("Fewest claims sampled per report"), default=d.MIN_PER_STRATUM,
                                   validators=[InputRequired(), NumberRange(min=1, max=100)])
    tolerable_share = FloatField(_l("Tolerable share of false claims the sample must catch (0–1)"),
                                 default=d.TOLERABLE_SHARE, validators=[InputRequired(), NumberRange(min=0.01, max=1)])
    confidence = FloatField(_l("Confidence of the draw and of the score bounds (0–1)"), default=d.CONFIDENCE,
                            validators=[InputRequired(), NumberRange(min=0.5, max=0.999)])
    cover_aspects = BooleanField(_l("Sample at least one claim of each aspect in a report"), default=d.COVER_ASPECTS)
    strata = SelectField(_l("Strata"), default=d.DEFAULT_STRATA, choices=[
        ("report", _l("each report")), ("report+aspect", _l("each aspect of each report"))])
    # Evidence
    blind = BooleanField(_l("Blind count: hide the claimed figures until the examiner records the count"),
                         default=d.BLIND)
    min_interviews = IntegerField(_l("Interviews expected per visit"), default=d.MIN_INTERVIEWS,
                                  validators=[InputRequired(), NumberRange(min=0, max=50)])
    max_distance_m = IntegerField(_l("Flag a geotag farther from the place than (m)"), default=d.MAX_DISTANCE_M,
                                  validators=[InputRequired(), NumberRange(min=10, max=100000)])
    accuracy_threshold_m = FloatField(_l("Location accuracy to wait for; a geotag less accurate is flagged (m)"),
                                      default=d.ACCURACY_THRESHOLD_M,
                                      validators=[InputRequired(), NumberRange(min=1, max=10000)])
    geo_wait_s = IntegerField(_l("Wait at most (seconds) for that accuracy"), default=d.GEO_WAIT_S,
                              validators=[InputRequired(), NumberRange(min=0, max=600)])
    qr_token_hours = FloatField(_l("Resident QR codes expire after (hours)"), default=d.QR_TOKEN_HOURS,
                                validators=[InputRequired(), NumberRange(min=0.1, max=72)])
    # Evidence checks on the photos and the visit
    exif_gps_max_m = FloatField(_l("Flag a photo whose own GPS position is farther from the geotag or the place "
                                   "than (m)"), default=d.EXIF_GPS_MAX_M,
                                validators=[InputRequired(), NumberRange(min=10, max=100000)])
    exif_time_window_h = FloatField(_l("Flag a photo taken more than this long before or after the visit (hours)"),
                                    default=d.EXIF_TIME_WINDOW_H,
                                    validators=[InputRequired(), NumberRange(min=0, max=720)])
    exif_max_age_days = FloatField(_l("Flag a photo taken more than this long before the visit (days)"),
                                   default=d.EXIF_MAX_AGE_DAYS,
                                   validators=[InputRequired(), NumberRange(min=0, max=3650)])
    phash_max_distance = IntegerField(_l("Flag a near-identical photo from another visit: at most this many of the "
                                         "64 image-hash bits differ"), default=d.PHASH_MAX_DISTANCE,
                                      validators=[InputRequired(), NumberRange(min=0, max=32)])
    min_visit_minutes = FloatField(_l("Flag a visit shorter than (minutes)"), default=d.MIN_VISIT_MINUTES,
                                   validators=[InputRequired(), NumberRange(min=0, max=600)])
    camera_utc_offset_h = FloatField(_l("Camera clocks without a time zone are read as UTC+ (hours; 8 is Beijing "
                                        "time)"), default=d.CAMERA_UTC_OFFSET_H,
                                     validators=[InputRequired(), NumberRange(min=-12, max=14)])
    # Scoring
    finding_weight = FloatField(_l("Weight of the finding in a claim score (0–1)"), default=d.FINDING_WEIGHT,
                                validators=[InputRequired(), NumberRange(min=0, max=1)])
    satisfaction_weight = FloatField(_l("Weight of resident satisfaction in a claim score (0–1; the two weights "
                                        "add up to 1)"), default=d.SATISFACTION_WEIGHT,
                                     validators=[InputRequired(), NumberRange(min=0, max=1)])
    partly_value = FloatField(_l("Value of a partly verified claim without quantities to compare (0–1)"),
                              default=d.PARTLY_VALUE, validators=[InputRequired(), NumberRange(min=0, max=1)])
    # Assignment
    backcheck_share = FloatField(_l("Share of approved verifications checked again (0–1)"),
                                 default=d.BACKCHECK_SHARE, validators=[InputRequired(), NumberRange(min=0, max=1)])
    max_route_km = FloatField(_l("Longest day route (km)"), default=d.MAX_ROUTE_KM,
                              validators=[InputRequired(), NumberRange(min=1, max=1000)])

    # Review
    review_reasons = TextAreaField(_l("Reasons a reviewer picks from: code | 中文 | English, one per line"),
                                   default=d.review_reason_lines(), validators=[DataRequired(), Length(max=5000)])
    second_reviewer_reject = BooleanField(_l("A rejection waits for a second reviewer's confirmation"),
                                          default=d.SECOND_REVIEWER_REJECT)
    time_zone = StringField(_l("Time zone of the times shown to reviewers (e.g. Asia/Shanghai)"),
                            default=d.TIME_ZONE, validators=[DataRequired(), Length(max=64)])

    def settings(self) -> dict:
        return {name: getattr(self, name).data for name in SETTINGS}
