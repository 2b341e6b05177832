"""Operations screens for admins: the working calendar (year view and
overrides), background jobs (with retry of incidents) and the mail outbox."""
from __future__ import annotations

import calendar as pycal
from datetime import date, datetime

from flask import flash, redirect, request
from flask_appbuilder import BaseView, ModelView, action, expose
from flask_appbuilder.fieldwidgets import Select2Widget
from flask_appbuilder.models.sqla.interface import SQLAInterface
from flask_appbuilder.security.decorators import has_access
from flask_babel import gettext, lazy_gettext as _
from markupsafe import Markup, escape
from wtforms import SelectField
from wtforms.validators import DataRequired

from app.engine import clock
from app.engine.workdays import WorkCalendar
from app.extensions import db
from app.models import CalendarOverride, Job
from app.models.engine import MailOutbox
from app.records.fields import LocalDateTimeField
from app.records.timefmt import fmt_local
from app.views.local_time_filters import LocalTimeInterface
from app.views.admin import READ_WRITE

YEAR_MIN, YEAR_MAX = 2000, 2100
OVERRIDE_KINDS = {
    "holiday": _("Holiday (day off)"),
    "workday": _("Working day"),
    "closure": _("Closure (day off)"),
}
DAY_KIND_LABELS = {
    "workday": _("Working day"),
    "weekend": _("Weekend"),
    "holiday": _("Public holiday"),
    "makeup_workday": _("Make-up working day"),
    "override_holiday": _("Holiday (override)"),
    "override_workday": _("Working day (override)"),
    "closure": _("Closure (override)"),
}
HOLIDAY_NAMES = {  # chinese_calendar's English names
    "New Year's Day": _("New Year's Day"),
    "Spring Festival": _("Spring Festival"),
    "Tomb-sweeping Day": _("Tomb-sweeping Day"),
    "Labour Day": _("Labour Day"),
    "Dragon Boat Festival": _("Dragon Boat Festival"),
    "National Day": _("National Day"),
    "Mid-autumn Festival": _("Mid-autumn Festival"),
    "Anti-Fascist 70th Day": _("Anti-Fascist 70th Day"),
}
JOB_STATES = {"pending": _("Pending"), "done": _("Done"), "incident": _("Failed for good")}
MAIL_STATES = {"pending": _("Pending"), "sent": _("Sent"), "failed": _("Failed"),
               "digest": _("Waiting for digest"), "digested": _("In a digest"),
               "recorded": _("Recorded (no SMS gateway)")}
MAIL_CHANNELS = {"email": _("E-mail"), "sms": _("SMS")}


def _label(choices: dict, value) -> str:
    return str(choices.get(value, value or ""))


def _short(text: str | None, limit: int = 120) -> str:
    text = " ".join((text or "").split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _local(value: datetime | None) -> str:
    return fmt_local(value, seconds=True) or "—"


JOB_KINDS = {"timer": _("Timer"), "timer_start": _("Timed process start"), "mail": _("Mail"),
             "digest": _("Daily digest"), "sla_warning": _("SLA warning"), "sla_breach": _("SLA breach"),
             "signal": _("Signal"), "task_mail": _("New task mail")}
MAIL_KINDS = {"task_created": _("New task"), "task_assigned": _("Task assigned"), "digest": _("Daily digest"),
              "sla_warning": _("SLA warning"), "sla_breach": _("SLA breach"),
              "customer_acknowledgement": _("Customer: acknowledgement"), "customer_result": _("Customer: result"),
              "customer_survey_link": _("Customer: survey link"),
              "customer_progress_report": _("Customer: progress report"),
              "customer_invoice_issued": _("Customer: invoice issued"),
              "customer_delivery_date": _("Customer: delivery date"),
              "customer_confirmation": _("Customer: confirmation link"),
              "field_record_disputed": _("Field record disputed"),
              "portal_sign_in": _("Customer: portal sign-in link"),
              "case_reply": _("Customer: reply on a case"), "customer_wrote": _("The customer wrote")}
PAYLOAD_KEYS = {"instance_id": _("Process instance"), "task_id": _("Task"), "element_id": _("Element"),
                "outbox_id": _("Mail"), "user_id": _("User"), "key": _("Process"), "process_key": _("Process"),
                "definition_id": _("Process version"), "due_at": _("Due"), "fire_at": _("Due"),
                "kind": _("Kind"), "locale": _("Language"), "message_id": _("Message-ID"),
                "fired": _("Times fired"), "late": _("Late since"), "name": _("Name"),
                "from_instance": _("Thrown by instance")}


def _payload(value) -> Markup:
    """A job's parameters as a small table of words, not a Python dict."""
    if not value:
        return Markup("—")
    if not isinstance(value, dict):
        return escape(str(value))
    rows = Markup("").join(
        Markup("<tr><th>{}</th><td>{}</td></tr>").format(str(PAYLOAD_KEYS.get(k, k)), _payload_value(v))
        for k, v in value.items())
    return Markup('<table class="table table-condensed job-payload" style="margin:0">{}</table>').format(rows)


def _payload_value(value) -> str:
    if value is None or value == "":
        return "—"
    if isinstance(value, bool):
        return gettext("Yes") if value else gettext("No")
    if isinstance(value, str) and len(value) >= 16 and value[4:5] == "-" and value[10:11] == "T":
        try:
            return fmt_local(datetime.fromisoformat(value), seconds=True)
        except ValueError:
            return value
    if isinstance(value, (list, tuple)):
        return ", ".join(map(str, value))
    return str(value)


def holiday_label(name: str | None) -> str:
    return str(HOLIDAY_NAMES.get(name, name)) if name else ""


# --- working calendar ---------------------------------------------------------------

def _invalidate_calendar() -> None:
    from app.engine.scripting import invalidate_calendar

    invalidate_calendar()


class CalendarOverrideView(ModelView):
    """Admin overrides of the official calendar; saving one refreshes the engine's calendar."""

    datamodel = SQLAInterface(CalendarOverride)
    class_permission_name = "WorkCalendar"
    method_permission_name = READ_WRITE
    list_title = _("Calendar overrides")
    add_title = _("Add calendar override")
    edit_title = _("Edit calendar override")
    show_title = _("Calendar override")
    list_columns = ["day", "kind", "note"]
    add_columns = edit_columns = show_columns = ["day", "kind", "note"]
    search_columns = ["day", "kind", "note"]
    base_order = ("day", "desc")
    list_template = "ops/override_list.html"
    label_columns = {"day": _("Date"), "kind": _("Kind"), "note": _("Note")}
    description_columns = {
        "kind": _("Holiday and closure make the date a day off; working day makes it a working day "
                  "(e.g. a make-up working weekend). Overrides win over the official calendar."),
    }
    formatters_columns = {"kind": lambda v: _label(OVERRIDE_KINDS, v)}

    def __init__(self, **kwargs):
        choices = [(k, v) for k, v in OVERRIDE_KINDS.items()]
        field = SelectField(_("Kind"), choices=choices, validators=[DataRequired()], widget=Select2Widget())
        self.add_form_extra_fields = {"kind": field}
        self.edit_form_extra_fields = {"kind": field}
        super().__init__(**kwargs)

    def _get_add_widget(self, form, exclude_cols=None, widgets=None):
        day = request.args.get("day") if request.method == "GET" else None
        if day:  # the year view links here with ?day=YYYY-MM-DD
            try:
                form.day.data = date.fromisoformat(day)
            except ValueError:
                pass
        return super()._get_add_widget(form, exclude_cols=exclude_cols, widgets=widgets)

    def post_add(self, item):
        _invalidate_calendar()

    def post_update(self, item):
        _invalidate_calendar()

    def post_delete(self, item):
        _invalidate_calendar()


def year_calendar(year: int, cal: WorkCalendar, notes: dict[date, str]) -> dict:
    """Everything the year page shows: 12 month grids of days with their kind."""
    months = []
    weeks_of = pycal.Calendar(firstweekday=0).monthdatescalendar
    working_total = 0
    for month in range(1, 13):
        weeks, working = [], 0
        for week in weeks_of(year, month):
            row = []
            for d in week:
                if d.month != month:
                    row.append(None)
                    continue
                kind = cal.day_kind(d)
                is_working = cal.is_working_day(d)
                working += is_working
                row.append({"day": d, "kind": kind, "working": is_working, "label": str(DAY_KIND_LABELS[kind]),
                             "holiday": holiday_label(cal.holiday_name(d)), "note": notes.get(d, "")})
            weeks.append(row)
        working_total += working
        months.append({"month": month, "weeks": weeks, "working": working})
    return {"year": year, "known": cal.year_is_known(year), "months": months, "working_total": working_total}


class WorkCalendarView(BaseView):
    """A year's working calendar, month by month, with the admins' overrides."""

    route_base = "/workcalendar"
    class_permission_name = "WorkCalendar"
    method_permission_name = {"year": "read"}
    default_view = "year"

    @expose("/")
    @expose("/<int:year>")
    @has_access
    def year(self, year: int | None = None):
        if year is None:
            year = request.args.get("year", type=int) or clock.local_today().year
        year = min(max(year, YEAR_MIN), YEAR_MAX)
        rows = db.session.query(CalendarOverride).all()
        cal = WorkCalendar({r.day: r.kind for r in rows}, tz=clock.zone())  # fresh: never the 30 s cache
        notes = {r.day: r.note or "" for r in rows}
        data = year_calendar(year, cal, notes)
        weekdays = [gettext("Mon"), gettext("Tue"), gettext("Wed"), gettext("Thu"), gettext("Fri"),
                    gettext("Sat"), gettext("Sun")]
        return self.render_template("ops/calendar.html", cal=data, weekdays=weekdays, kinds=DAY_KIND_LABELS,
                                    overrides=[r for r in rows if r.day.year == year],
                                    override_kinds=OVERRIDE_KINDS, today=clock.local_today())


# --- jobs and mail ---------------------------------------------------------------------

# Jobs are read and retried, never added or edited by hand (add/edit/delete stay unmapped,
# so their permissions are not among the view's base permissions: refused and hidden).
JOB_PERMISSIONS = {"list": "read", "show": "read", "retry": "write", "action": "write", "action_post": "write"}


def _job_error(value) -> Markup:
    return Markup('<span title="{}">{}</span>').format(value or "", _short(value)) if value else Markup("")


class JobView(ModelView):
    datamodel = LocalTimeInterface(Job)  # time filters typed in local time
    class_permission_name = "Job"
    method_permission_name = JOB_PERMISSIONS
    base_permissions = ["can_read", "can_write"]
    list_title = _("Jobs")
    show_title = _("Job")
    list_template = "ops/job_list.html"
    base_order = ("id", "desc")
    page_size = 50
    list_columns = ["id", "kind", "state", "due_at", "attempts", "retries_left", "instance_id", "last_error"]
    show_columns = ["id", "kind", "state", "due_at", "attempts", "retries_left", "instance_id", "lease_owner",
                    "lease_expires_at", "payload", "last_error", "created_at", "finished_at"]
    search_columns = ["state", "kind", "instance_id", "due_at", "last_error"]
    search_form_extra_fields = {"due_at": LocalDateTimeField(_("Due"))}  # typed and shown in local time
    label_columns = {
        "id": _("ID"), "kind": _("Kind"), "state": _("State"), "due_at": _("Due"), "attempts": _("Attempts"),
        "retries_left": _("Retries left"), "instance_id": _("Process instance"), "last_error": _("Last error"),
        "lease_owner": _("Leased by"), "lease_expires_at": _("Lease expires"), "payload": _("Payload"),
        "created_at": _("Created"), "finished_at": _("Finished"),
    }
    formatters_columns = {
        "state": lambda v: _label(JOB_STATES, v), "last_error": _job_error, "kind": lambda v: _label(JOB_KINDS, v),
        "due_at": _local, "created_at": _local, "finished_at": _local, "lease_expires_at": _local,
        "payload": _payload, "lease_owner": lambda v: v or "—", "instance_id": lambda v: v or "—",
    }

    @action("retry", _("Retry"), _("Retry the selected incidents?"), "fa-repeat", single=True, multiple=True)
    def retry(self, items):
        from app.audit import audit
        from app.engine import jobs

        items = items if isinstance(items, list) else [items]
        retried = 0
        for job in items:
            if job is not None and job.state == "incident":
                jobs.retry_job(job.id)
                audit("job_retried", target=f"job {job.id} ({job.kind})", commit=True)
                retried += 1
        if retried:
            flash(gettext("%(n)d incident(s) will be retried now.", n=retried), "success")
        else:
            flash(gettext("Only incidents can be retried."), "warning")
        self.update_redirect()
        return redirect(self.get_redirect())


def _recipients(value) -> str:
    return ", ".join(value or [])


class MailOutboxView(ModelView):
    datamodel = LocalTimeInterface(MailOutbox)  # time filters typed in local time
    class_permission_name = "Job"
    method_permission_name = READ_WRITE
    base_permissions = ["can_read"]
    list_title = _("Mail outbox")
    show_title = _("Mail")
    base_order = ("id", "desc")
    page_size = 50
    list_columns = ["created_at", "channel", "kind", "recipients", "subject", "state", "attempts", "sent_at",
                    "last_error"]
    show_columns = ["message_id", "channel", "kind", "recipients", "subject", "state", "attempts", "last_error", "instance_id",
                    "created_at", "sent_at", "body_text"]
    search_columns = ["state", "channel", "kind", "subject", "message_id", "created_at"]
    search_form_extra_fields = {"created_at": LocalDateTimeField(_("Created"))}
    label_columns = {
        "message_id": _("Message-ID"), "kind": _("Kind"), "recipients": _("Recipients"), "subject": _("Subject"),
        "state": _("State"), "attempts": _("Attempts"), "last_error": _("Last error"),
        "instance_id": _("Process instance"), "created_at": _("Created"), "sent_at": _("Sent"),
        "body_text": _("Text"), "channel": _("Channel"),
    }
    formatters_columns = {
        "channel": lambda v: _label(MAIL_CHANNELS, v),
        "state": lambda v: _label(MAIL_STATES, v), "recipients": _recipients, "last_error": _job_error,
        "created_at": _local, "sent_at": _local, "kind": lambda v: _label(MAIL_KINDS, v),
        "instance_id": lambda v: v or "—",
        "body_text": lambda v: Markup("<pre style='white-space: pre-wrap'>{}</pre>").format(escape(v or "")),
    }


def register_ops_views(appbuilder) -> None:
    appbuilder.add_view(
        WorkCalendarView, "Working calendar", label=_("Working calendar"), icon="fa-calendar",
        category="Admin", category_label=_("Admin"),
    )
    appbuilder.add_view_no_menu(CalendarOverrideView)
    appbuilder.add_view(JobView, "Jobs", label=_("Jobs"), icon="fa-tasks", category="Admin",
                        category_label=_("Admin"))
    appbuilder.add_view(MailOutboxView, "Mail outbox", label=_("Mail outbox"), icon="fa-envelope",
                        category="Admin", category_label=_("Admin"))
    from app.views.retention import RetentionView

    appbuilder.add_view(RetentionView, "Retention", label=_("Retention"), icon="fa-archive", category="Admin",
                        category_label=_("Admin"))
