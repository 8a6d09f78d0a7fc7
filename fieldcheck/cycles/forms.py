"""Forms for cycles."""

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, FloatField, IntegerField, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange

# name -> cycle attribute; every one is cycle configuration (see DESIGN.md)
SETTINGS = ("min_per_stratum", "tolerable_share", "confidence", "cover_aspects", "strata", "blind",
            "min_interviews", "max_distance_m", "accuracy_threshold_m", "geo_wait_s", "qr_token_hours",
            "backcheck_share", "max_route_km")


class CycleForm(FlaskForm):
    code = StringField(_l("Code (in every claim id, e.g. 2025)"), validators=[DataRequired(), Length(max=32)])
    title = StringField(_l("Title"), validators=[DataRequired(), Length(max=200)])
    aspects = TextAreaField(_l("Aspects: code | 中文名 | English name | weight, one per line"),
                            validators=[DataRequired()])
    questions = TextAreaField(_l("Interview questions, one per line (rated 1–5 by residents)"),
                              validators=[DataRequired()])
    # The draw
    min_per_stratum = IntegerField(_l("Fewest claims sampled per report"), default=3,
                                   validators=[InputRequired(), NumberRange(min=1, max=100)])
    tolerable_share = FloatField(_l("Tolerable share of false claims the sample must catch (0–1)"), default=0.2,
                                 validators=[InputRequired(), NumberRange(min=0.01, max=1)])
    confidence = FloatField(_l("Confidence (0–1)"), default=0.9,
                            validators=[InputRequired(), NumberRange(min=0.5, max=0.999)])
    cover_aspects = BooleanField(_l("Sample at least one claim of each aspect in a report"), default=True)
    strata = SelectField(_l("Strata"), default="report", choices=[
        ("report", _l("each report")), ("report+aspect", _l("each aspect of each report"))])
    # Evidence
    blind = BooleanField(_l("Blind count: hide the claimed figures until the examiner records the count"),
                         default=True)
    min_interviews = IntegerField(_l("Interviews expected per visit"), default=3,
                                  validators=[InputRequired(), NumberRange(min=0, max=50)])
    max_distance_m = IntegerField(_l("Flag a geotag farther from the place than (m)"), default=500,
                                  validators=[InputRequired(), NumberRange(min=10, max=100000)])
    accuracy_threshold_m = FloatField(_l("Location accuracy to wait for (m)"), default=50,
                                      validators=[InputRequired(), NumberRange(min=1, max=10000)])
    geo_wait_s = IntegerField(_l("Wait at most (seconds) for that accuracy"), default=30,
                              validators=[InputRequired(), NumberRange(min=0, max=600)])
    qr_token_hours = FloatField(_l("Resident QR codes expire after (hours)"), default=2,
                                validators=[InputRequired(), NumberRange(min=0.1, max=72)])
    # Assignment
    backcheck_share = FloatField(_l("Share of approved verifications checked again (0–1)"), default=0.1,
                                 validators=[InputRequired(), NumberRange(min=0, max=1)])
    max_route_km = FloatField(_l("Longest day route (km)"), default=30,
                              validators=[InputRequired(), NumberRange(min=1, max=1000)])

    def settings(self) -> dict:
        return {name: getattr(self, name).data for name in SETTINGS}
