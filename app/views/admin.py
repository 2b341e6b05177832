"""Admin screens: departments and the security audit log."""
from flask_appbuilder import ModelView
from flask_appbuilder.models.sqla.interface import SQLAInterface
from flask_babel import lazy_gettext as _

from app.models import AuditLog, Department

READ_WRITE = {
    "list": "read", "show": "read", "download": "read", "api_read": "read", "api_get": "read", "api": "read",
    "add": "write", "edit": "write", "api_create": "write", "api_update": "write",
    "delete": "delete", "api_delete": "delete", "action": "write", "action_post": "write",
}


class DepartmentView(ModelView):
    datamodel = SQLAInterface(Department)
    class_permission_name = "Department"
    method_permission_name = READ_WRITE
    list_title = _("Departments")
    list_columns = ["code", "name", "name_en", "head"]
    add_columns = edit_columns = ["code", "name", "name_en", "head"]
    label_columns = {"code": _("Code"), "name": _("Name"), "name_en": _("English name"), "head": _("Department head")}


class AuditLogView(ModelView):
    datamodel = SQLAInterface(AuditLog)
    class_permission_name = "AuditLog"
    method_permission_name = READ_WRITE
    base_permissions = ["can_read"]
    base_order = ("at", "desc")
    list_title = _("Audit log")
    list_columns = ["at", "event", "username", "target", "ip"]
    search_columns = ["event", "username", "target", "at"]
    label_columns = {"at": _("Time"), "event": _("Event"), "username": _("User"), "target": _("Target"),
                     "ip": _("IP address"), "detail": _("Detail")}
