"""Work → SLA policy: the customer's deadlines as the engine applies them (app/engine/sla_policy.py),
read-only, for every member of staff: what is due when, on which clock, and which clause says so."""
from __future__ import annotations

from flask import current_app
from flask_appbuilder import BaseView, expose
from flask_appbuilder.security.decorators import has_access
from flask_babel import gettext, lazy_gettext as _

from app.engine import sla_policy

KINDS = {
    "after_sales": _("After-sales request"), "general_question": _("General question"),
    "routine_fault": _("Routine fault"), "complex_fault": _("Complex fault"),
    "emergency_stoppage": _("Emergency stoppage"), "emergency_incident": _("Emergency incident"),
    "complaint": _("Complaint"), "pre_sales": _("Pre-sales enquiry"), "in_sales": _("Project in delivery"),
}
MILESTONES = {
    "accept": _("Accept"), "respond": _("Respond"), "arrive": _("Arrive on site"), "resolve": _("Resolve"), "followup": _("Follow-up visit"),
    "register": _("Register"), "forward": _("Forward to the responsible department"),
    "report_result": _("Report the result to the customer"), "first_contact": _("First contact"),
    "answer": _("Answer the customer's questions"), "contract_briefing": _("Contract briefing"),
    "progress_report": _("Progress report to the customer"), "milestone_notice": _("Milestone or problem notice"),
    "weekly_followup": _("Weekly follow-up"),
}
CLOCKS = {sla_policy.WORKING: _("Working time (official calendar)"), sla_policy.CLOCK_24H: _("24-hour clock")}
COUNTED_FROM = {
    "received": _("received"), "classified": _("classified"), "resolved": _("resolved"),
    "registered": _("registered"), "rectified": _("rectified"), "reported": _("reported"),
    "asked": _("asked"), "signed": _("contract signed"), "dispatched": _("dispatched"),
    "project_started": _("project started (then again each time)"), "milestone_reached": _("milestone reached"),
    "last_contact": _("last contact with the customer"),
}


def describe(row: sla_policy.Deadline) -> str:
    """The duration in words: "3 working days", "30 working minutes", "at once (15 min)"."""
    if row.duration == sla_policy.AT_ONCE:
        return gettext("at once (%(n)s min)", n=sla_policy.minutes(row.kind, row.milestone))
    days, hours, minutes = sla_policy.parts(row.duration)
    working = row.clock == sla_policy.WORKING
    if days and not hours and not minutes:
        return gettext("%(n)s working days", n=days) if working else gettext("%(n)s days", n=days)
    if hours and not days and not minutes:
        return gettext("%(n)s working hours", n=hours) if working else gettext("%(n)s hours", n=hours)
    n = (days * 24 + hours) * 60 + minutes
    return gettext("%(n)s working minutes", n=n) if working else gettext("%(n)s minutes", n=n)


class SlaPolicyView(BaseView):
    route_base = "/sla-policy"
    default_view = "show"
    class_permission_name = "SlaPolicy"
    method_permission_name = {"show": "read"}

    @expose("/")
    @has_access
    def show(self):
        rows = [{"kind": KINDS.get(r.kind, r.kind), "milestone": MILESTONES.get(r.milestone, r.milestone),
                 "clock": CLOCKS[r.clock], "duration": describe(r), "from": COUNTED_FROM.get(r.counted_from,
                 r.counted_from), "clause": r.clause, "key": f"{r.kind}/{r.milestone}"}
                for r in sla_policy.rows()]
        cfg = current_app.config
        return self.render_template("sla/policy.html", rows=rows,
                                    at_once=sla_policy.minutes("complaint", "register"),
                                    share=int(float(cfg.get("SLA_AT_RISK_SHARE", 0.25)) * 100),
                                    hours=f'{float(cfg.get("SLA_AT_RISK_HOURS", 4)):g}')
