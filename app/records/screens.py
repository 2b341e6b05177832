"""Common behaviour of the record screens: permissions, coded choices, local
times, masked personal data and CSV/XLSX export of the filtered list."""
from __future__ import annotations

import re
from datetime import date, datetime
from typing import Any, ClassVar, Iterator

from flask import Response, abort, stream_with_context, url_for
from flask_appbuilder import ModelView, expose
from flask_appbuilder.security.decorators import has_access
from flask_appbuilder.urltools import get_filter_args, get_order_args
from flask_appbuilder.fields import QuerySelectField
from flask_babel import gettext
from markupsafe import Markup
from wtforms.fields.core import UnboundField

from app.models.choices import label
from app.records.export import csv_lines, xlsx_bytes
from app.records.timefmt import fmt_local
from app.views.admin import READ_WRITE
from app.views.presentation import process_name
from app.records.fields import LocalDateTimeField, choice_field

RECORD_PERMISSIONS = {**READ_WRITE, "export": "read"}
EXPORT_LIMIT = 50_000  # rows; protects the server from a runaway export


def blank_none(value: Any) -> Any:
    """Empty cell instead of FAB's "None" for missing values and relations."""
    return "" if value is None else value


def join_names(values: Any) -> str:
    """A to-many relation as "A、B、C" rather than a Python list."""
    return "、".join(str(v) for v in values or [])


def yes_no(value: Any) -> str:
    if value is None:
        return ""
    return gettext("Yes") if value else gettext("No")


def instance_link(inst: Any) -> Any:
    """A record's process as a link to its instance page (the instance page links back to the record)."""
    if inst is None:
        return "—"
    name = process_name(inst.definition) if inst.definition is not None else inst.process_key  # reader's language
    return Markup('<a class="record-instance" href="{0}">{1} #{2}</a>').format(
        url_for("InstanceView.show", instance_id=inst.id), name, inst.id)


class RecordView(ModelView):
    """Base of every record screen (set ``class_permission_name`` per view)."""

    method_permission_name = RECORD_PERMISSIONS
    list_template = "records/list.html"
    show_template = "records/show.html"
    add_template = "records/add.html"
    edit_template = "records/edit.html"
    page_size = 20
    # column -> {code: label}; gives selects in forms/search and labels on screen.
    choice_columns: ClassVar[dict[str, dict]] = {}
    export_columns: ClassVar[list[str] | None] = None
    export_name: ClassVar[str] = "records"

    def __init__(self, **kwargs):
        # Copy class-level dicts: FAB mutates them and they must not leak between views.
        for attr in ("formatters_columns", "add_form_extra_fields", "edit_form_extra_fields",
                     "search_form_extra_fields", "label_columns"):
            setattr(self, attr, dict(getattr(self, attr) or {}))
        self._add_choice_fields()
        self._add_typed_fields()
        super().__init__(**kwargs)
        self._no_preselected_relations()
        if "process_instance" in {*self.list_columns, *self.show_columns}:
            self.formatters_columns.setdefault("process_instance", instance_link)
        for col in {*self.list_columns, *self.show_columns}:
            self.formatters_columns.setdefault(col, blank_none)

    # --- one customer per record ------------------------------------------------
    CUSTOMER_LINKS: ClassVar[tuple[str, ...]] = ("contact", "equipment", "service_request", "complaint")

    def pre_add(self, item: Any) -> None:
        self.check_customer_links(item)

    def pre_update(self, item: Any) -> None:
        self.check_customer_links(item)

    def check_customer_links(self, item: Any) -> None:
        """A record's contact, equipment, request or complaint belongs to the record's customer (the
        form's pickers follow the customer; this refuses a forged or stale choice, naming the field)."""
        customer = getattr(item, "customer", None)
        if customer is None or not hasattr(customer, "id"):
            return
        for name in self.CUSTOMER_LINKS:
            linked = getattr(item, name, None)
            if linked is not None and getattr(linked, "customer_id", customer.id) != customer.id:
                raise ValueError(gettext("%(field)s belongs to another customer.",
                                         field=self.label_columns.get(name, name)))

    # --- actions offered only when they apply ---------------------------------
    def action_applies(self, name: str, item: Any) -> bool:
        """Whether the show page offers the action for this record (a view narrows it; the action
        itself still refuses what does not apply)."""
        return True

    def _get_show_widget(self, pk, item, widgets=None, actions=None, show_fieldsets=None):
        """FAB's, with the actions narrowed (FAB's own would put back all of them for an empty set)."""
        widgets = widgets or {}
        widgets["show"] = self.show_widget(
            pk=pk, label_columns=self.label_columns, include_columns=self.show_columns,
            value_columns=self.datamodel.get_values_item(item, self.show_columns),
            formatters_columns=self.formatters_columns,
            actions={n: a for n, a in (actions or self.actions).items() if self.action_applies(n, item)},
            fieldsets=show_fieldsets or self.show_fieldsets, modelview_name=self.__class__.__name__)
        return widgets

    # --- set-up --------------------------------------------------------------
    def _no_preselected_relations(self) -> None:
        """FAB's select for a required relation (a complaint's customer) starts on the first row, so
        Enter saves the record against whoever is first; the add form starts empty instead, and an
        empty choice is refused by the field's own DataRequired ("This field is required")."""
        for name in self.add_columns or []:
            field = getattr(self.add_form, name, None)
            if isinstance(field, UnboundField) and field.field_class is QuerySelectField \
                    and not field.kwargs.get("allow_blank"):
                field.kwargs.update(allow_blank=True, blank_text="—")

    def _model_column(self, name: str):
        return self.datamodel.obj.__table__.columns.get(name)

    def _add_choice_fields(self) -> None:
        for col, choices in self.choice_columns.items():
            column = self._model_column(col)
            integer = column is not None and column.type.python_type is int
            required = column is not None and not column.nullable
            lbl = self.label_columns.get(col, col)
            for extra, cols in ((self.add_form_extra_fields, self.add_columns),
                                (self.edit_form_extra_fields, self.edit_columns)):
                if cols and col in cols and col not in extra:
                    extra[col] = choice_field(lbl, choices, required, integer)
            if self.search_columns and col in self.search_columns:
                self.search_form_extra_fields.setdefault(col, choice_field(lbl, choices, False, integer))
            self.formatters_columns.setdefault(col, lambda v, c=choices: label(c, v))

    def _add_typed_fields(self) -> None:
        """Local-time inputs and display for datetimes; Yes/No for booleans."""
        for column in self.datamodel.obj.__table__.columns:
            if self.datamodel.is_boolean(column.name):
                self.formatters_columns.setdefault(column.name, yes_no)
            if not self.datamodel.is_datetime(column.name):
                continue
            lbl = self.label_columns.get(column.name, column.name)
            for extra, cols in ((self.add_form_extra_fields, self.add_columns),
                                (self.edit_form_extra_fields, self.edit_columns)):
                if cols and column.name in cols and column.name not in extra:
                    validators = [] if column.nullable else None
                    extra[column.name] = LocalDateTimeField(lbl, validators=validators)
            self.formatters_columns.setdefault(column.name, fmt_local)

    # --- export --------------------------------------------------------------
    def _export_items(self) -> Iterator[Any]:
        """The rows of the list as currently filtered and ordered (all pages)."""
        order_column, order_direction = get_order_args().get(self.__class__.__name__, ("", ""))
        if not order_column and self.base_order:
            order_column, order_direction = self.base_order
        get_filter_args(self._filters)
        joined = self._filters.get_joined_filters(self._base_filters)
        query = self.datamodel.session.query(self.datamodel.obj)
        query = self.datamodel.apply_all(query, joined, order_column, order_direction)
        return iter(query.limit(EXPORT_LIMIT).yield_per(500))

    def export_cell(self, item: Any, col: str) -> str:
        value = self.datamodel._get_attr_value(item, col)
        formatter = self.formatters_columns.get(col)
        if formatter is not None:
            value = formatter(value)
        if isinstance(value, Markup):
            value = Markup(value).striptags()
        if isinstance(value, (datetime, date)):
            return fmt_local(value)
        if isinstance(value, bool):
            return yes_no(value)
        return "" if value is None else str(value)  # masked values stay masked: str() is the mask

    def _export_rows(self) -> Iterator[list[str]]:
        cols = self.export_columns or self.list_columns
        for item in self._export_items():
            yield [self.export_cell(item, c) for c in cols]

    @expose("/export/<fmt>")
    @has_access
    def export(self, fmt: str):
        if fmt not in ("csv", "xlsx"):
            abort(404)
        cols = self.export_columns or self.list_columns
        headers = [str(self.label_columns.get(c, c)) for c in cols]
        name = re.sub(r"[^A-Za-z0-9_-]", "", self.export_name) or "export"
        if fmt == "csv":
            body = stream_with_context(csv_lines(headers, self._export_rows()))
            resp = Response(body, mimetype="text/csv; charset=utf-8")
        else:
            resp = Response(xlsx_bytes(headers, self._export_rows(), title=name),
                            mimetype="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
        resp.headers["Content-Disposition"] = f'attachment; filename="{name}.{fmt}"'
        resp.headers["Cache-Control"] = "no-store"
        return resp

