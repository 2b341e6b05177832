"""Register every FAB view and menu entry (menus are named in English; labels are translated)."""
from flask_appbuilder import AppBuilder
from flask_babel import lazy_gettext as _


def register_views(appbuilder: AppBuilder) -> None:
    from app.views.admin import AuditLogView, DepartmentView

    appbuilder.add_view(
        DepartmentView, "Departments", label=_("Departments"), icon="fa-sitemap",
        category="Admin", category_label=_("Admin"), category_icon="fa-cog",
    )
    appbuilder.add_view(
        AuditLogView, "Audit log", label=_("Audit log"), icon="fa-shield",
        category="Admin", category_label=_("Admin"),
    )
