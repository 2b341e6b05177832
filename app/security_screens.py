"""FAB's security screens in words: role names and built-in permissions as sentences, user lists
with local times, the user-statistics chart drawn by the bundled chart.js. Kept out of app.views:
the security manager (app.security) needs them in every app, also one built without views."""
from __future__ import annotations

from flask_babel import gettext, lazy_gettext as _

from app.records.timefmt import fmt_local

ROLE_LABELS = {  # the built-in roles of app.security, in words
    "Admin": _("Administrator"), "ProcessOwner": _("Process owner"), "Supervisor": _("Supervisor"),
    "CustomerService": _("Customer service"), "TechSupport": _("Technical support"),
    "FieldService": _("Field service"), "Sales": _("Sales"), "ReadOnly": _("Read-only"), "Public": _("Public"),
}
# What the permission patterns of app.security mean (patterns are matched against permission names).
PERMISSION_WORDS = {
    r".*": _("all actions"),
    r"can_(read|list|show|get|info|download|export)$": _("read"),
    r"can_(read|list|show|get|info|download|export|write|add|edit|post|put)$": _("read and change"),
    r"menu_access$": _("menu entries"),
    r"can_reveal$": _("reveal phone numbers and e-mail addresses"),
}
SCREEN_WORDS = {
    "ProcessDefinition": _("Process design"), "ProcessInstance": _("Process instances"), "Kpi": _("KPIs"),
    "Inbox": _("Task inbox"), "WorkCalendar": _("Working calendar"), "AuditLog": _("Audit log"),
    "StaffProfile": _("Staff"), "ContactData": _("Contact data"), "Customer": _("Customers"),
    "ServiceRequest": _("Service requests"), "Complaint": _("Complaints"), "Incident": _("Incidents"),
    "ContingencyPlan": _("Contingency plans"), "FieldRecord": _("Field records"), "Survey": _("Surveys"),
    "ServicePlan": _("Service plans"), "Case": _("Cases"), "Department": _("Departments"), "Job": _("Jobs"),
    "SlaPolicy": _("SLA policy"), "OnCallRota": _("On-call rota"),
    "InboundMail": _("Inbound mail"),
}


def role_label(name: str | None) -> str:
    return str(ROLE_LABELS.get(name or "", name or "—"))


def _names(pattern: str) -> list[str]:
    """'(A|B|C)$' -> ['A', 'B', 'C']; '.*' -> []: every screen."""
    inner = pattern.strip().removesuffix("$").strip("()")
    return [] if inner in ("", ".*") else inner.split("|")


def _screen(name: str) -> str:
    """A screen's name in the reader's language (menu names are translated by the catalogue)."""
    return str(SCREEN_WORDS[name]) if name in SCREEN_WORDS else gettext(name)


def describe_permissions(rules) -> list[str]:
    """Sentences for a built-in role's (screens pattern, permissions pattern) pairs, one per
    distinct meaning: 'Process design, KPIs: all actions'."""
    from app.security import SELF_SERVICE

    lines: list[str] = []
    for views, perms in rules or []:
        if (views, perms) in SELF_SERVICE:
            line = gettext("Own profile, password and API keys")
            if line not in lines:
                lines.append(line)
            continue
        screens = list(dict.fromkeys(_screen(n) for n in _names(views)))
        what = str(PERMISSION_WORDS.get(perms, perms))
        joined = ("、" if _zh() else ", ").join(screens) if screens else gettext("Every screen")
        line = f"{joined}: {what}"
        if line not in lines:
            lines.append(line)
    return lines


def _zh() -> bool:
    from flask_babel import get_locale

    return str(get_locale() or "").startswith("zh")


def describe_role(name: str) -> list[str] | None:
    """Built-in roles: their permissions in words; other roles: None (FAB lists their rows)."""
    from flask import current_app

    rules = current_app.appbuilder.sm.builtin_roles.get(name)
    return describe_permissions(rules) if rules else None


def _user_stats_view():
    """FAB's user-statistics chart with translated series names (drawn by the bundled chart.js,
    templates/appbuilder/general/widgets/direct_chart.html)."""
    from flask_appbuilder.security.views import UserStatsChartView

    class UserStatsView(UserStatsChartView):
        chart_title = _("Sign-ins per user")
        chart_type = "BarChart"
        words = {"username": _("User name"), "login_count": _("Sign-ins"), "fail_login_count": _("Failed sign-ins")}

        def __init__(self, **kwargs):
            super().__init__(**kwargs)
            # FAB's __init__ names each series from its column ("Login Count"): ours, translated
            self.label_columns = {**self.label_columns, **self.words}
        definitions = [
            {"label": _("Sign-ins"), "group": "username", "series": ["login_count"]},
            {"label": _("Failed sign-ins"), "group": "username", "series": ["fail_login_count"]},
        ]

    UserStatsView.__name__ = "UserStatsChartView"  # keeps FAB's endpoint and permission names
    return UserStatsView


UserStatsView = _user_stats_view()


def yes_no(value) -> str:
    """A boolean for reading: ✓ 是 / ✗ 否 (— when unknown)."""
    if value is None:
        return "—"
    return f"✓ {gettext('Yes')}" if value else f"✗ {gettext('No')}"


def _names_of(roles) -> str:
    return "、".join(role_label(getattr(r, "name", r)) for r in roles or []) or "—"


def _user_view():
    """FAB's user screens with local times (FAB stores them naive, in the server's UTC) and role
    names in words."""
    from flask_appbuilder.security.views import UserDBModelView

    def when(value):
        return fmt_local(value, seconds=True) or "—"

    class UsersView(UserDBModelView):
        formatters_columns = {"roles": _names_of, "last_login": when, "created_on": when, "changed_on": when,
                              "created_by": lambda v: v or "—", "changed_by": lambda v: v or "—",
                              "active": yes_no, "groups": lambda v: "、".join(map(str, v or [])) or "—"}
        label_columns = {**UserDBModelView.label_columns, "groups": _("Groups")}

    UsersView.__name__ = UsersView.__qualname__ = "UserDBModelView"  # FAB's endpoint and permission names
    return UsersView


UsersView = _user_view()
