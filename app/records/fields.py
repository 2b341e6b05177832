"""Form fields of the record screens: coded choices and local-time datetimes."""
from __future__ import annotations

from markupsafe import Markup
from wtforms import DateTimeField, SelectField
from wtforms.validators import DataRequired, Optional
from wtforms.widgets import html_params

from app.engine import clock

FORMATS = ["%Y-%m-%d %H:%M:%S", "%Y-%m-%d %H:%M", "%Y-%m-%dT%H:%M"]


class LocalDateTimeWidget:
    """FAB's date-time picker markup, showing the value in local time."""

    def __call__(self, field, **kwargs):
        kwargs.setdefault("id", field.id)
        kwargs.setdefault("name", field.name)
        return Markup(
            '<div class="input-group date appbuilder_datetime" data-provide="datepicker">'
            '<span class="input-group-addon"><i class="fa fa-calendar cursor-hand"></i></span>'
            '<input class="form-control" data-format="yyyy-MM-dd hh:mm:ss" %s /></div>'
        ) % Markup(html_params(type="text", value=field._value(), **kwargs))


class LocalDateTimeField(DateTimeField):
    """Users type local wall-clock time; the model stores aware datetimes."""

    widget = LocalDateTimeWidget()

    def __init__(self, label=None, validators=None, **kwargs):
        super().__init__(label, validators, format=FORMATS, **kwargs)

    def _value(self) -> str:
        if self.raw_data:
            return " ".join(self.raw_data)
        if self.data:
            return self.data.astimezone(clock.zone()).strftime("%Y-%m-%d %H:%M:%S")
        return ""

    def process_formdata(self, valuelist):
        if valuelist and not " ".join(valuelist).strip():
            self.data = None
            return
        super().process_formdata(valuelist)
        if self.data is not None and self.data.tzinfo is None:
            self.data = self.data.replace(tzinfo=clock.zone())


def _to_int_or_none(value):
    return int(value) if value not in (None, "", "None") else None


def _to_str_or_none(value):
    return str(value) if value not in (None, "", "None") else None


def choice_field(label, choices: dict, required: bool, integer: bool = False) -> SelectField:
    """A select of coded values; optional ones start with an empty entry."""
    options = [(int(k) if integer else k, v) for k, v in choices.items()]
    if not required:
        options = [("", "—")] + options
    return SelectField(
        label,
        choices=options,
        coerce=_to_int_or_none if integer else _to_str_or_none,
        validators=[DataRequired()] if required else [Optional()],
    )
