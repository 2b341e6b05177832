"""Pre-sales screens: prospects (with their solution versions, questions and contacts), solutions,
and the follow-up ledger (售前客户跟进台账) with this week's due follow-ups and the pre-sales KPIs."""
from __future__ import annotations

from datetime import datetime

from flask import flash
from flask_appbuilder import BaseView, expose
from flask_appbuilder.models.sqla.interface import SQLAInterface
from flask_appbuilder.security.decorators import has_access
from flask_babel import lazy_gettext as _
from markupsafe import Markup
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from app.engine import clock, work_calendar
from app.extensions import db
from app.models import HumanTask
from app.models.choices import REQUEST_CHANNELS, label
from app.records.process_link import start_from_view
from app.records.sales import kpi
from app.records.sales.choices import (
    BUDGET_RANGES, CONTACT_KINDS, CONTACT_METHODS, DECISIONS, LANGUAGES, OPEN_STATUSES, OPPORTUNITY_STATUSES,
    OUTCOMES, PRODUCT_LINES, REVIEW_STATUSES,
)
from app.records.sales.models import Opportunity, PresalesContact, PresalesQuestion, SalesSolution
from app.records.screens import RecordView
from app.records.timefmt import fmt_local


def followup_badge(value: datetime | None) -> Markup:
    """The next follow-up, red when it has passed (the weekly follow-up was missed); a decided
    prospect has none."""
    if value is None:
        return Markup("—")
    late = value < clock.now()
    return Markup('<span class="{0}">{1}</span>').format("sla-overdue followup-overdue" if late else "sla-on_time",
                                                         fmt_local(value))


class PresalesContactView(RecordView):
    """The follow-up ledger's lines of one prospect (written by the process)."""
    datamodel = SQLAInterface(PresalesContact)
    class_permission_name = "Opportunity"
    base_permissions = ["can_read"]
    export_name = "presales_contacts"
    list_title = show_title = _("Contacts with the customer")
    base_order = ("at", "desc")
    list_columns = ["opportunity", "at", "kind", "method", "summary", "decision", "user"]
    show_columns = list_columns
    search_columns = ["opportunity", "at", "kind", "method", "decision", "user"]
    label_columns = {"opportunity": _("Prospect"), "at": _("Contacted at"), "kind": _("Contact"),
                     "method": _("How"), "summary": _("Notes"), "decision": _("Customer's decision"),
                     "user": _("By")}
    choice_columns = {"kind": CONTACT_KINDS, "method": CONTACT_METHODS, "decision": DECISIONS}


class PresalesQuestionView(RecordView):
    """The customer's questions and their answers (2 working days, written by the process)."""
    datamodel = SQLAInterface(PresalesQuestion)
    class_permission_name = "Opportunity"
    base_permissions = ["can_read"]
    export_name = "presales_questions"
    list_title = show_title = _("Customer questions")
    base_order = ("asked_at", "desc")
    list_columns = ["opportunity", "question", "asked_at", "due_at", "answered_at", "answered_on_time", "escalated_at"]
    show_columns = ["opportunity", "question", "asked_at", "due_at", "answer", "answered_at", "answered_by",
                    "answered_on_time", "escalated_at"]
    search_columns = ["opportunity", "question", "asked_at", "due_at", "answered_at"]
    label_columns = {"opportunity": _("Prospect"), "question": _("Question"), "asked_at": _("Asked at"),
                     "due_at": _("Answer due"), "answer": _("Answer"), "answered_at": _("Answered at"),
                     "answered_by": _("Answered by"), "answered_on_time": _("Answered on time"),
                     "escalated_at": _("Escalated at")}
    formatters_columns = {"answered_on_time": lambda v: "—" if v is None else (
        Markup('<span class="sla-on_time">{0}</span>').format(_("Yes")) if v
        else Markup('<span class="sla-overdue">{0}</span>').format(_("No")))}


class SolutionView(RecordView):
    datamodel = SQLAInterface(SalesSolution)
    class_permission_name = "SalesSolution"
    export_name = "sales_solutions"
    list_title = _("Solutions and quotations")
    show_title = _("Solution")
    add_title = _("Add solution version")
    edit_title = _("Edit solution")
    base_order = ("created_at", "desc")
    list_columns = ["opportunity", "version", "title", "quoted_amount", "review_status", "reviewed_by",
                    "presented_at"]
    show_columns = ["opportunity", "version", "title", "feasibility", "advantages", "implementation_steps",
                    "cost_structure", "quoted_amount", "product_models", "system_design", "attachments",
                    "review_status", "review_note", "reviewed_by", "reviewed_at", "presented_at", "created_at"]
    add_columns = ["opportunity", "version", "title", "feasibility", "advantages", "implementation_steps",
                   "cost_structure", "quoted_amount", "product_models", "system_design", "attachments"]
    edit_columns = add_columns + ["review_status", "review_note"]
    search_columns = ["opportunity", "version", "title", "review_status", "quoted_amount", "created_at"]
    label_columns = {
        "opportunity": _("Prospect"), "version": _("Version"), "title": _("Solution"),
        "feasibility": _("Technical feasibility"), "advantages": _("Product advantages"),
        "implementation_steps": _("Implementation steps"), "cost_structure": _("Cost structure"),
        "quoted_amount": _("Quoted amount (CNY)"), "product_models": _("Recommended models and documentation"),
        "system_design": _("System design (model choice, installation position, wiring, ventilation)"),
        "attachments": _("Attachments (names or links, one a line)"), "review_status": _("Technical review"),
        "review_note": _("Review notes"), "reviewed_by": _("Reviewed by"), "reviewed_at": _("Reviewed at"),
        "presented_at": _("Presented at"), "created_at": _("Created at"),
    }
    choice_columns = {"review_status": REVIEW_STATUSES}

    def pre_add(self, item) -> None:
        super().pre_add(item)
        if item.opportunity is not None and not item.version:
            item.version = max((s.version for s in item.opportunity.solutions if s is not item), default=0) + 1
        elif item.opportunity is not None and any(s.version == item.version for s in item.opportunity.solutions
                                                  if s is not item):
            raise ValueError(str(_("Version %(v)s of this prospect's solution exists already.", v=item.version)))


class OpportunityView(RecordView):
    datamodel = SQLAInterface(Opportunity)
    class_permission_name = "Opportunity"
    export_name = "prospects"
    list_title = _("Pre-sales prospects")
    show_title = _("Prospect")
    add_title = _("Add prospect")
    edit_title = _("Edit prospect")
    base_order = ("received_at", "desc")
    list_columns = ["number", "customer", "product_line", "budget_range", "wanted_date", "status", "owner",
                    "last_contact_at", "next_followup_at", "outcome"]
    show_columns = ["number", "customer", "contact", "service_request", "product_line", "channel", "needs",
                    "budget_range", "wanted_date", "time_requirement", "language", "status", "owner",
                    "received_at", "first_contact_due", "first_contact_at", "last_contact_at", "next_followup_at",
                    "followup_count", "outcome", "lost_reason", "decided_at", "process_instance"]
    add_columns = ["customer", "contact", "product_line", "channel", "needs", "budget_range", "wanted_date",
                   "time_requirement", "language", "owner"]
    edit_columns = add_columns
    export_columns = ["number", "customer", "product_line", "needs", "budget_range", "wanted_date", "status",
                      "owner", "received_at", "first_contact_at", "last_contact_at", "next_followup_at",
                      "followup_count", "outcome", "lost_reason", "decided_at"]
    search_columns = ["number", "customer", "product_line", "budget_range", "wanted_date", "status", "owner",
                      "received_at", "next_followup_at", "outcome", "needs"]
    label_columns = {
        "number": _("Number"), "customer": _("Customer"), "contact": _("Contact"),
        "service_request": _("Service request"), "owner": _("Owner"), "product_line": _("Product line"),
        "channel": _("Channel"), "needs": _("Project needs"), "budget_range": _("Budget range"),
        "wanted_date": _("Wanted by"), "time_requirement": _("Time requirements"),
        "language": _("Customer's language"), "status": _("Stage"), "received_at": _("Received at"),
        "first_contact_due": _("First contact due"), "first_contact_at": _("First contact at"),
        "last_contact_at": _("Last contact"), "next_followup_at": _("Next follow-up"),
"followup_count": _("Follow-ups"), "outcome": _("Outcome"),
        "lost_reason": _("Reason not won"), "decided_at": _("Decided at"),
        "process_instance": _("Process instance"),
    }
    choice_columns = {"product_line": PRODUCT_LINES, "budget_range": BUDGET_RANGES, "status": OPPORTUNITY_STATUSES,
                      "outcome": OUTCOMES, "language": LANGUAGES, "channel": REQUEST_CHANNELS}
    related_views = [SolutionView, PresalesQuestionView, PresalesContactView]

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.formatters_columns["next_followup_at"] = followup_badge

    def post_add(self, item) -> None:
        start_from_view(item)  # pre_sales; the process keeps the stage, contacts and deadlines current


# --------------------------------------------------------------------------- the follow-up ledger


def open_prospects() -> list[Opportunity]:
    return list(db.session.scalars(
        select(Opportunity).options(selectinload(Opportunity.customer), selectinload(Opportunity.owner))
        .where(Opportunity.status.in_(OPEN_STATUSES), Opportunity.outcome.is_(None))
        .order_by(Opportunity.next_followup_at.is_(None), Opportunity.next_followup_at, Opportunity.received_at)))


def due_this_week(now: datetime) -> list[HumanTask]:
    """The open follow-up tasks due by the end of this working week (overdue ones included): the inbox's
    "due this week" (``work_calendar.week_end``), for the follow-ups only."""
    end = work_calendar.week_end(now)
    from app.models import ProcessInstance

    return list(db.session.scalars(
        select(HumanTask).join(ProcessInstance, ProcessInstance.id == HumanTask.instance_id)
        .where(HumanTask.state == "open", HumanTask.element_id == "follow_up",
               ProcessInstance.process_key == "pre_sales", HumanTask.due_at < end)
        .order_by(HumanTask.due_at)))


class PresalesLedgerView(BaseView):
    """售前客户跟进台账: each open prospect with its last and next contact (overdue ones red), this
    week's due follow-ups, and the pre-sales KPIs of the period."""
    route_base = "/presales"
    default_view = "ledger"
    class_permission_name = "PresalesLedger"
    method_permission_name = {"ledger": "read"}

    @expose("/ledger/")
    @has_access
    def ledger(self):
        from app.views.kpi import period_from_request

        now = clock.now()
        first, last, problems = period_from_request(clock.local_today())
        for message in problems:
            flash(message, "warning")
        prospects = open_prospects()
        week = due_this_week(now)
        by_instance = {p.process_instance_id: p for p in prospects if p.process_instance_id}
        figures = [
            ("first_contact", _("First contact within 1 working day"), kpi.first_contact_on_time(first, last, now)),
            ("answers", _("Questions answered within 2 working days"), kpi.answer_on_time(first, last, now)),
            ("wins", _("Win rate (won of decided)"), kpi.win_rate(first, last)),
        ]
        return self.render_template(
            "sales/ledger.html", prospects=prospects, week=week, by_instance=by_instance, now=now,
            overdue=sum(1 for p in prospects if p.followup_overdue_at(now)), figures=figures, first=first,
            last=last, status_label=lambda v: label(OPPORTUNITY_STATUSES, v), fmt=fmt_local)
