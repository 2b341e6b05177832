"""REST API under /api/v1/, documented in FAB's OpenAPI (/api/v1/_openapi, Swagger UI at /swagger/v1).

Every API is a thin caller of the engine services: FAB's ``@protect`` checks the
same permissions as the screens, the services check the actor-level rules,
and app.api.errors maps every failure to JSON once.
"""
from __future__ import annotations

from flask import Flask, request
from flask_appbuilder import AppBuilder

PUBLIC_WRITES = {"/api/v1/security/login"}


def register_apis(appbuilder: AppBuilder) -> None:
    from flask import current_app

    from app.api.base import ProcessKeyConverter
    from app.api.decisions import DecisionsApi
    from app.api.definitions import DefinitionsApi
    from app.api.errors import register_app_handlers, register_jwt_callbacks
    from app.api.instances import InstancesApi, InstanceStartApi
    from app.api.kpis import KpisApi
    from app.api.messages import MessagesApi
    from app.records.assessment.api import AssessmentsApi
    from app.records.customers.api import ContactsApi, CustomersApi
    from app.api.tasks import TasksApi
    from app.api.task_notes import TaskNotesApi

    current_app.url_map.converters["process_key"] = ProcessKeyConverter
    for api in (DefinitionsApi, InstanceStartApi, InstancesApi, TasksApi, MessagesApi, CustomersApi, ContactsApi,
                KpisApi, AssessmentsApi, TaskNotesApi, DecisionsApi):
        appbuilder.add_api(api)
    from app.records.delivery.api import HandoversApi, OrdersApi, ProjectsApi
    from app.records.parts.api import SparePartsApi, StockLevelsApi
    from app.records.quality.api import ImprovementActionsApi, InspectionsApi, SpotChecksApi
    from app.records.sales.api import OpportunitiesApi
    from app.records.training.api import CoursesApi, SessionsApi

    for api in (OpportunitiesApi, HandoversApi, ProjectsApi, OrdersApi, SpotChecksApi, InspectionsApi,
                ImprovementActionsApi, CoursesApi, SessionsApi, SparePartsApi, StockLevelsApi):
        appbuilder.add_api(api)  # the records of issues 16/17, read-only

    from app.api.forms import FormsApi

    appbuilder.add_api(FormsApi)
    register_app_handlers(current_app)
    register_jwt_callbacks(appbuilder.sm.jwt_manager)
    _refuse_anonymous_writes(current_app)


def _refuse_anonymous_writes(app: Flask) -> None:
    """An API write with neither a token nor a logged-in session is 401, before the
    session CSRF check (app.web_security) would answer 400: without a session there
    is nothing to forge, and clients must learn that they need to authenticate."""
    from flask_login import current_user

    from app.api.errors import error_response

    def check():
        if (request.path.startswith("/api/") and request.method not in ("GET", "HEAD", "OPTIONS")
                and "Authorization" not in request.headers and request.path not in PUBLIC_WRITES
                and not current_user.is_authenticated):
            return error_response(401, "unauthorized", "Not authenticated: send a JWT or an API key "
                                  "(Authorization: Bearer ...), or log in.")
        return None

    app.before_request_funcs.setdefault(None, []).insert(0, check)
