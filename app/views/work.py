"""The "Work" menu (inboxes, start a process) and process-instance pages:
shared view base, menu badges and registration."""
from __future__ import annotations

import time

from flask import g
from flask_appbuilder import AppBuilder, BaseView
from flask_babel import lazy_gettext as _
from flask_login import current_user
from markupsafe import Markup, escape

from app.engine import queries, tasks
from app.engine.actor import Actor
from app.records.timefmt import fmt_local
from app.views.errors import status_label

SLA_LABELS = {"on_time": _("On time"), "at_risk": _("At risk"), "overdue": _("Overdue"), "none": _("No due date")}
EVENT_LABELS = {
    "instance_started": _("Process started"), "instance_completed": _("Process completed"),
    "instance_suspended": _("Process suspended"), "instance_resumed": _("Process resumed"),
    "instance_terminated": _("Process terminated"), "task_created": _("Task created"),
    "task_claimed": _("Task claimed"), "task_unclaimed": _("Task released"), "task_assigned": _("Task assigned"),
    "task_completed": _("Task completed"), "task_cancelled": _("Task cancelled"),
    "gateway_taken": _("Decision taken"), "script_run": _("Script run"), "service_run": _("Service step run"),
    "message_sent": _("Message sent"), "message_received": _("Message received"),
    "event_caught": _("Event occurred"), "timer_fired": _("Timer fired"), "start_event": _("Start event"),
    "end_event": _("End reached"), "call_activity_completed": _("Called process finished"),
    "subprocess_completed": _("Sub-process finished"), "incident_raised": _("Incident raised"),
    "incident_resolved": _("Incident retried"), "variables_changed": _("Data changed"),
    "task_recommitted": _("New date committed"), "task_rescheduled": _("Due date or priority changed"),
    "task_follow_up": _("Follow-up date set"), "compensation_thrown": _("Compensation: completed work undone"),
}


class WorkView(BaseView):
    """Base of the staff work screens: the acting user and common template helpers."""

    @staticmethod
    def actor() -> Actor:
        return Actor.from_user(g.user)

    def render(self, template: str, **kwargs):
        return self.render_template(template, fmt=fmt_local, status_label=status_label,
                                    sla_labels=SLA_LABELS, sla_state=tasks.sla_state, **kwargs)


# A large group queue's badge may lag by a few seconds: counting 24 000 claimable tasks on
# every page view costs more than the rest of the page's queries together. Small counts,
# where one task more or less shows, are always exact.
BIG_COUNT, BIG_COUNT_SECONDS = 1000, 10.0
_big_counts: dict[tuple, tuple[float, int]] = {}


def _remember_group_count(actor: Actor, total: int) -> int:
    key = (actor.user_id, actor.roles)
    if total < BIG_COUNT:
        _big_counts.pop(key, None)
        return total
    if len(_big_counts) > 10_000:
        _big_counts.clear()
    _big_counts[key] = (time.monotonic(), total)
    return total


def _group_count(actor: Actor) -> int:
    hit = _big_counts.get((actor.user_id, actor.roles))
    if hit is not None and time.monotonic() - hit[0] < BIG_COUNT_SECONDS:
        return hit[1]
    return _remember_group_count(actor, tasks.count_claimable(actor))


def open_counts() -> dict[str, int]:
    """My/group open task counts for the menu badges, computed once per request (an inbox page
    that already counted its own list lends its total: ``lend_count``)."""
    counts = g.setdefault("inbox_counts", {})
    if not (current_user and current_user.is_authenticated):
        return counts
    actor = Actor.from_user(current_user)
    if "mine" not in counts:
        counts["mine"] = queries.count_mine(actor)  # without the tasks waiting for their follow-up date
    if "group" not in counts:
        counts["group"] = _group_count(actor)
    return counts


def lend_count(key: str, total: int) -> None:
    g.setdefault("inbox_counts", {})[key] = total
    if key == "group" and current_user and current_user.is_authenticated:  # the fresh count wins
        _remember_group_count(Actor.from_user(current_user), total)


class BadgeLabel:
    """A menu label that shows the open-task count as a badge (FAB renders
    ``_(item.label)``, and Jinja's autoescaping calls ``__html__``)."""

    def __init__(self, label, key: str):
        self.label, self.key = label, key

    def __str__(self) -> str:
        return str(self.label)

    def __html__(self) -> str:
        count = open_counts().get(self.key) or 0
        text = escape(str(self.label))
        if not count:
            return str(text)
        return str(Markup('{} <span class="badge inbox-badge" data-count="{}">{}</span>').format(text, self.key, count))


def register_work_views(appbuilder: AppBuilder) -> None:
    from app.views.inbox import InboxView
    from app.views.instances import InstanceView
    from app.views.settings import SettingsView
    from app.views.on_call import OnCallShiftView
    from app.views.sla_policy import SlaPolicyView
    from app.views.start import StartView
    from app.views.task import TaskView
    from app.views.task_notes import TaskNotesView

    work = {"category": "Work"}
    appbuilder.add_view(InboxView, "My tasks", label=BadgeLabel(_("My tasks"), "mine"), icon="fa-inbox",
                        category_label=_("Work"), category_icon="fa-briefcase", **work)
    appbuilder.add_link("Group tasks", href="InboxView.group", label=BadgeLabel(_("Group tasks"), "group"),
                        icon="fa-users", **work)
    appbuilder.add_link("Completed tasks", href="InboxView.completed", label=_("Completed tasks"),
                        icon="fa-check-square-o", **work)
    appbuilder.add_link("Department tasks", href="InboxView.department", label=_("Department tasks"),
                        icon="fa-sitemap", **work)
    appbuilder.add_view(StartView, "Start a process", label=_("Start a process"), icon="fa-play-circle", **work)
    appbuilder.add_view(SettingsView, "My settings", label=_("My settings"), icon="fa-envelope-o", **work)
    appbuilder.add_view(SlaPolicyView, "SLA policy", label=_("SLA policy"), icon="fa-clock-o", **work)
    appbuilder.add_view(OnCallShiftView, "On-call rota", label=_("On-call rota"), icon="fa-phone", **work)
    appbuilder.add_view_no_menu(TaskView)
    appbuilder.add_view_no_menu(TaskNotesView)
    appbuilder.add_view(InstanceView, "Process instances", label=_("Process instances"), icon="fa-cogs",
                        category="Process design", category_label=_("Process design"), category_icon="fa-code-fork")
