"""The portal's forms (Flask-WTF: every POST carries a CSRF token). Labels are translated when
the form is built inside the page's language."""
from __future__ import annotations

from flask_babel import lazy_gettext as _
from flask_wtf import FlaskForm
from wtforms import EmailField, RadioField, SelectField, StringField, TextAreaField
from wtforms.validators import Email, InputRequired, Length, Optional

from app.models.choices import COMPLAINT_CATEGORIES, REQUEST_TYPES, SATISFACTION

MAX_TEXT = 4000


class SignInForm(FlaskForm):
    email = EmailField(_("Your e-mail address"), validators=[
        InputRequired(message=_("Please enter your e-mail address.")),
        Email(message=_("Please enter a valid e-mail address.")), Length(max=200)])


class MessageForm(FlaskForm):
    body = TextAreaField(_("Message"), validators=[Optional(), Length(max=MAX_TEXT)])


class RequestForm(FlaskForm):
    type = SelectField(_("What kind of problem?"), choices=list(REQUEST_TYPES.items()),
                       validators=[InputRequired()])
    equipment_id = SelectField(_("Equipment"), choices=[], validate_choice=False)
    subject = StringField(_("Subject"), validators=[InputRequired(message=_("Please fill in this field.")),
                                                    Length(max=200)])
    description = TextAreaField(_("Description"), validators=[
        InputRequired(message=_("Please fill in this field.")), Length(max=MAX_TEXT)])


class ComplaintForm(FlaskForm):
    category = SelectField(_("What is the complaint about?"), choices=list(COMPLAINT_CATEGORIES.items()),
                           validators=[InputRequired()])
    matter = TextAreaField(_("What happened?"), validators=[
        InputRequired(message=_("Please fill in this field.")), Length(max=MAX_TEXT)])
    customer_demand = TextAreaField(_("What would you like us to do? (optional)"),
                                    validators=[Optional(), Length(max=MAX_TEXT)])


class RatingForm(FlaskForm):
    score = RadioField(_("How satisfied are you with how this case was handled?"),
                       choices=[(int(k), v) for k, v in sorted(SATISFACTION.items(), reverse=True)], coerce=int,
                       validators=[InputRequired(message=_("Please choose a score."))])
    comment = TextAreaField(_("Comments (optional)"), validators=[Optional(), Length(max=2000)])


class FeedbackForm(FlaskForm):
    name = StringField(_("Your name (optional)"), validators=[Optional(), Length(max=100)])
    contact = StringField(_("E-mail or phone, if you would like an answer (optional)"),
                          validators=[Optional(), Length(max=200)])
    company = StringField(_("Company (optional)"), validators=[Optional(), Length(max=200)])
    message = TextAreaField(_("Your feedback"), validators=[
        InputRequired(message=_("Please write your feedback.")), Length(max=MAX_TEXT)])
