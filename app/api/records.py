"""The base of the read-only record APIs (FAB ModelRestApi); each record kind declares its own in
app/records/<kind>/api.py.

Same permissions as the record screens (``Customer``); personal data only ever leaves masked
(app.pii) — revealing it stays a screen action that is CSRF-checked and audited. Lists are FAB's: rison ``q``
with ``page``/``page_size`` (at most FAB_API_MAX_PAGE_SIZE = 100) and ``count``.
"""
from __future__ import annotations

from flask_appbuilder.api import ModelRestApi
from werkzeug.exceptions import BadRequest

from app.api.base import JsonErrorsMixin, error_responses
from app.api.schemas import ID_MAX

READ_ONLY = {"get_list": "read", "get": "read"}
MAX_PAGE = 1_000_000


def _filter_value_ok(datamodel, column, value) -> bool:
    if isinstance(value, (list, dict)) or (isinstance(value, str) and len(value) > 200):
        return False
    try:
        if datamodel.is_relation(column) or datamodel.is_integer(column):
            return not isinstance(value, bool) and abs(int(value)) <= ID_MAX
        if datamodel.is_boolean(column):
            return isinstance(value, bool) or str(value).lower() in ("true", "false", "1", "0")
    except (TypeError, ValueError, KeyError):
        return False
    return True


class RecordApi(JsonErrorsMixin, ModelRestApi):
    allow_browser_login = True
    include_route_methods = set(READ_ONLY)
    method_permission_name = READ_ONLY
    class_permission_name = "Customer"
    openapi_spec_tag = "Records"

    def _sanitize_page_args(self, page, page_size):
        """FAB passes any page number to the database (a huge one overflows the offset)."""
        if page is not None and not 0 <= page <= MAX_PAGE:
            raise BadRequest(f"page must be between 0 and {MAX_PAGE}.")
        return super()._sanitize_page_args(page, page_size)

    def _handle_filters_args(self, rison_args):
        """FAB hands filter values to the database as they come: a list, an id beyond the column or
        text for a number or flag makes it fail (500). Refuse those with 400 naming the column."""
        for item in rison_args.get("filters", []):
            column, value = item.get("col"), item.get("value")
            if not _filter_value_ok(self.datamodel, column, value):
                raise BadRequest(f"The filter value for '{str(column)[:50]}' does not fit the column.")
        return super()._handle_filters_args(rison_args)

    def operation_helper(self, path=None, operations=None, methods=None, func=None, **kwargs) -> None:
        """FAB documents ``id``/``ids`` as strings; our primary keys are integers."""
        super().operation_helper(path=path, operations=operations, methods=methods, func=func, **kwargs)
        for operation in operations.values():
            operation.setdefault("responses", {}).update(error_responses("414"))  # a long `q`: the HTTP server
            ok = operation.get("responses", {}).get(200) or operation.get("responses", {}).get("200") or {}
            props = ok.get("content", {}).get("application/json", {}).get("schema", {}).get("properties", {})
            if "id" in props:
                props["id"]["type"] = "integer"
            if "ids" in props:
                props["ids"]["items"] = {"type": "integer"}
