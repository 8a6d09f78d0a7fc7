"""Forms for reports and claims."""

import sqlalchemy as sa
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from wtforms import DecimalField, IntegerField, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length, NumberRange, Optional

from ..errors import OperationError
from ..extensions import db
from ..places.models import Place
from .operations import form_quantity


class ImportForm(FlaskForm):
    unit = StringField(_l("Unit"), validators=[DataRequired(), Length(max=200)])
    unit_kind = SelectField(_l("Kind of unit"), choices=[
        ("county", _l("County / district")), ("township", _l("Township (乡镇)")), ("subdistrict", _l("Subdistrict (街道)")),
        ("department", _l("Department")),
        ("company", _l("State-owned company")), ("other", _l("Other"))])
    secretary = StringField(_l("Secretary"), validators=[DataRequired(), Length(max=100)])
    slug = StringField(_l("Short name (in claim ids, e.g. qingshan-county)"), validators=[DataRequired(), Length(max=64)])
    title = StringField(_l("Title (default: the first line)"), validators=[Optional(), Length(max=300)])
    text = TextAreaField(_l("Paste the report text"), validators=[Optional()])
    upload = FileField(_l("…or upload the published file (.txt, .md, .docx, .html or .pdf)"))


class ClaimForm(FlaskForm):
    start = IntegerField(_l("Start offset"), validators=[Optional(), NumberRange(min=0)])
    end = IntegerField(_l("End offset"), validators=[Optional(), NumberRange(min=1)])
    passage = TextAreaField(_l("…or paste the exact passage"), validators=[Optional(), Length(max=2000)])
    aspect = SelectField(_l("Aspect"), validators=[DataRequired()])
    place = SelectField(_l("Place"), coerce=int, default=0)
    claimed_qty = DecimalField(_l("Claimed quantity"), validators=[Optional(), NumberRange(min=0)])
    qty_unit = StringField(_l("Unit of the quantity (个, 名, 万元…)"), validators=[Optional(), Length(max=16)])


class ExcludeForm(FlaskForm):
    reason = StringField(_l("Reason"), validators=[DataRequired(), Length(max=300)])


def claim_fields(cycle, form: ClaimForm, start: int | None, end: int | None) -> tuple:
    """(start, end, aspect, place, claimed quantity, unit) from the claim form, or a refusal."""
    if start is None or end is None:
        raise OperationError(_("Select a passage or enter its offsets."))
    aspect = next(a for a in cycle.aspects if a.code == form.aspect.data)
    place = db.session.get(Place, form.place.data) if form.place.data else None
    return start, end, aspect, place, form_quantity(form.claimed_qty.data), form.qty_unit.data or ""


def claim_form(cycle) -> ClaimForm:
    form = ClaimForm()
    locale = str(get_locale() or "zh")
    form.aspect.choices = [(a.code, a.name(locale)) for a in cycle.aspects]
    places = db.session.scalars(sa.select(Place).order_by(Place.name)).all()
    form.place.choices = [(0, _("(none)"))] + [(p.id, p.full_name) for p in places]
    return form


class NewDraftForm(FlaskForm):
    """The first draft of a unit's report (the office names the unit; a unit contact drafts for its own)."""

    unit = StringField(_l("Unit"), validators=[Optional(), Length(max=200)])
    secretary = StringField(_l("Secretary"), validators=[DataRequired(), Length(max=100)])
    slug = StringField(_l("Short name (in claim ids, e.g. qingshan-county)"),
                       validators=[DataRequired(), Length(max=64)])
    title = StringField(_l("Title (default: the first line)"), validators=[Optional(), Length(max=300)])
    text = TextAreaField(_l("Paste the draft"), validators=[Optional()])
    upload = FileField(_l("…or upload the draft (.txt, .md, .docx, .html or .pdf)"))


class NextDraftForm(FlaskForm):
    text = TextAreaField(_l("Paste the next draft"), validators=[Optional()])
    upload = FileField(_l("…or upload the next draft (.txt, .md, .docx, .html or .pdf)"))


class DraftCommentForm(FlaskForm):
    start = IntegerField(_l("Start offset"), validators=[Optional(), NumberRange(min=0)])
    end = IntegerField(_l("End offset"), validators=[Optional(), NumberRange(min=1)])
    passage = TextAreaField(_l("…or paste the exact passage"), validators=[Optional(), Length(max=2000)])
    body = TextAreaField(_l("Comment"), validators=[DataRequired(), Length(max=2000)])
