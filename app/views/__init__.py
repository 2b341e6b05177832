"""Register every FAB view and menu entry (menus are named in English; labels are translated)."""
from flask_appbuilder import AppBuilder
from flask_babel import lazy_gettext as _


def register_views(appbuilder: AppBuilder) -> None:
    from flask import current_app

    from app.views.admin import AuditLogView, DepartmentView
    from app.records.menu import register_record_views
    from app.views.staff import StaffView
    from app.views.survey_public import register_survey_public
    from app.views.work import register_work_views  # inboxes, start a process, process instances

    register_work_views(appbuilder)
    register_record_views(appbuilder)
    register_survey_public(current_app)
    from app.views.confirm_public import register_confirm_public

    register_confirm_public(current_app)
    from app.portal.views import register_portal  # the customer portal and the public feedback form

    register_portal(current_app)

    from app.views.editor import register_editor_views  # process design: list, editor, versions, migration

    register_editor_views(appbuilder)
    from app.views.decisions import register_decision_views  # decision tables: list, editor, versions, diff

    register_decision_views(appbuilder)

    from app.views.kpi import KpiView

    appbuilder.add_view(KpiView, "KPIs", label=_("KPIs"), icon="fa-line-chart",
                        category="Reports", category_label=_("Reports"), category_icon="fa-bar-chart")

    appbuilder.add_view(
        DepartmentView, "Departments", label=_("Departments"), icon="fa-sitemap",
        category="Admin", category_label=_("Admin"), category_icon="fa-cog",
    )
    appbuilder.add_view(
        StaffView, "Staff", label=_("Staff"), icon="fa-id-card-o",
        category="Admin", category_label=_("Admin"),
    )
    appbuilder.add_view(
        AuditLogView, "Audit log", label=_("Audit log"), icon="fa-shield",
        category="Admin", category_label=_("Admin"),
    )
    from app.views.ops import register_ops_views  # working calendar, jobs, mail outbox

    register_ops_views(appbuilder)
    from app.api import register_apis  # REST API under /api/v1/ (engine and records)

    register_apis(appbuilder)
    from app.views.presentation import init_presentation  # local times, words for codes, error pages

    init_presentation(current_app)  # after the APIs: its error pages hand /api/ paths to their JSON errors
