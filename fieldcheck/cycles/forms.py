"""Forms for cycles."""

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import IntegerField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length, NumberRange


class CycleForm(FlaskForm):
    code = StringField(_l("Code (in every claim id, e.g. 2025)"), validators=[DataRequired(), Length(max=32)])
    title = StringField(_l("Title"), validators=[DataRequired(), Length(max=200)])
    min_per_stratum = IntegerField(_l("Claims sampled per report"), default=3,
                                validators=[DataRequired(), NumberRange(min=1, max=100)])
    aspects = TextAreaField(_l("Aspects: code | 中文名 | English name | weight, one per line"),
                            validators=[DataRequired()])
    questions = TextAreaField(_l("Interview questions, one per line (rated 1–5 by residents)"),
                              validators=[DataRequired()])
