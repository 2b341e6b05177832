"""Admin screens: departments and the security audit log (events in words, times in local time)."""
from __future__ import annotations

from flask_appbuilder import ModelView
from flask_appbuilder.models.sqla.interface import SQLAInterface
from flask_babel import lazy_gettext as _

from app.models import AuditLog, Department
from app.records.fields import LocalDateTimeField
from app.records.timefmt import fmt_local
from app.views.local_time_filters import LocalTimeInterface
from app.security_screens import ROLE_LABELS, role_label  # noqa: F401  (screens import them from here too)

READ_WRITE = {
    "list": "read", "show": "read", "download": "read", "api_read": "read", "api_get": "read", "api": "read",
    "add": "write", "edit": "write", "api_create": "write", "api_update": "write",
    "delete": "delete", "api_delete": "delete", "action": "write", "action_post": "write",
}

AUDIT_EVENTS = {
    "login": _("Signed in"), "login_failed": _("Failed sign-in"), "logout": _("Signed out"),
    "deploy": _("Process deployed"), "instances_migrated": _("Instances migrated"),
    "job_retried": _("Job retried"), "pii_reveal": _("Contact data revealed"),
    "role_change": _("Roles changed"), "role_created": _("Role created"), "role_deleted": _("Role deleted"),
    "role_permissions_changed": _("Role permissions changed"), "user_created": _("User created"),
    "user_deleted": _("User deleted"), "user_activated": _("User activated"),
    "user_deactivated": _("User deactivated"),
    "deploy_decision": _("Decision deployed"),
    "retention_changed": _("Retention of jobs and mails changed"),
}
AUDIT_EVENTS.update({  # the customer portal (app/portal/signin.py)
    "portal_link_sent": _("Portal: sign-in link sent"),
    "portal_link_refused": _("Portal: link asked for an unknown address"),
    "portal_sign_in": _("Portal: customer signed in"), "portal_sign_out": _("Portal: customer signed out"),
})


def audit_event(value: str | None) -> str:
    return str(AUDIT_EVENTS.get(value or "", value or "—"))


class DepartmentView(ModelView):
    datamodel = SQLAInterface(Department)
    class_permission_name = "Department"
    method_permission_name = READ_WRITE
    list_title = _("Departments")
    list_columns = ["code", "name", "name_en", "head"]
    add_columns = edit_columns = ["code", "name", "name_en", "head"]
    label_columns = {"code": _("Code"), "name": _("Name"), "name_en": _("English name"), "head": _("Department head")}


class AuditLogView(ModelView):
    datamodel = LocalTimeInterface(AuditLog)  # time filters typed in local time
    class_permission_name = "AuditLog"
    method_permission_name = READ_WRITE
    base_permissions = ["can_read"]
    base_order = ("at", "desc")
    list_title = _("Audit log")
    show_title = _("Audit entry")
    list_columns = ["at", "event", "username", "target", "ip"]
    show_columns = ["at", "event", "username", "target", "ip", "detail"]
    search_columns = ["event", "username", "target", "at"]
    label_columns = {"at": _("Time"), "event": _("Event"), "username": _("User"), "target": _("Target"),
                     "ip": _("IP address"), "detail": _("Detail")}
    search_form_extra_fields = {"at": LocalDateTimeField(_("Time"))}  # typed and shown in local time
    formatters_columns = {"at": lambda v: fmt_local(v, seconds=True), "event": audit_event,
                          "detail": lambda v: v or "—", "ip": lambda v: v or "—", "target": lambda v: v or "—",
                          "username": lambda v: v or "—"}
