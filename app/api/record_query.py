"""The ``q`` argument of the record APIs (FAB ModelRestApi list and get), exactly: one JSON schema per API
and endpoint, built from what FAB itself accepts there — the API's search filters (FAB's operators for each
column type), order columns, list/show columns, FAB's ``keys``, the page bounds. The OpenAPI document shows
that schema and every request is checked against that same schema, so a request the document allows is
never refused with 400, and one it does not allow always is.

``q`` is rison or JSON (FAB_API_ALLOW_JSON_QS). FAB decodes a JSON ``q`` a second time as a query string
(``+`` becomes a space, ``&`` cuts it), so FAB is handed the checked ``q`` as read here.
"""
from __future__ import annotations

import json
import re
from copy import deepcopy
from datetime import date, datetime
from typing import Any

import prison
from flask import current_app, request
from flask_appbuilder.api.schemas import get_item_schema, get_list_schema
from jsonschema import Draft7Validator, FormatChecker, validators
from jsonschema.exceptions import ValidationError, best_match, relevance
from werkzeug.datastructures import ImmutableMultiDict
from werkzeug.exceptions import BadRequest

from app.api.base import _check_text, _reject_constant
from app.api.schemas import ID_MAX
from app.engine.errors import Invalid

TEXT_MAX = 200  # a filter's text value
LIST_MAX = 100  # the values of `in` / `not_in`
FILTERS_MAX = 20
MAX_PAGE = 1_000_000  # FAB passes any page to the database, where a huge offset overflows
TEXT_OPS = {"sw", "ew", "ct", "nsw", "new", "nct"}  # FAB appends '%' to the value: text only
LIST_OPS = {"in", "not_in"}
ONE_OPS = {"eq", "neq", "gt", "lt", "rel_o_m", "nrel_o_m"}
DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
DATE_TIME = re.compile(r"^\d{4}-\d{2}-\d{2}[Tt]\d{2}:\d{2}:\d{2}(\.\d+)?([Zz]|[+-]\d{2}:\d{2})$")


def _formats() -> FormatChecker:
    """RFC 3339 ``date`` and ``date-time``, as OpenAPI means them (FAB reads them with dateutil)."""
    checker = FormatChecker(formats=())
    checker.checks("date", raises=ValueError)(lambda v: not isinstance(v, str) or bool(
        DATE.match(v) and date.fromisoformat(v)))
    checker.checks("date-time", raises=ValueError)(lambda v: not isinstance(v, str) or bool(
        DATE_TIME.match(v) and datetime.fromisoformat(v.upper().replace("Z", "+00:00"))))
    return checker


# 1.0 is not an integer here: FAB would hand it to the database as an offset or an id
Validator = validators.extend(Draft7Validator, type_checker=Draft7Validator.TYPE_CHECKER.redefine(
    "integer", lambda checker, value: isinstance(value, int) and not isinstance(value, bool)))
FORMATS = _formats()


def column_value(datamodel, column: str) -> dict[str, Any]:
    """One value of a search column, as FAB's filter compares it."""
    if datamodel.is_relation(column):
        return {"type": "integer", "minimum": 1, "maximum": ID_MAX, "description": "the related record's id"}
    if datamodel.is_boolean(column):
        return {"type": "boolean"}
    if datamodel.is_integer(column):
        return {"type": "integer", "minimum": -ID_MAX - 1, "maximum": ID_MAX}
    if datamodel.is_float(column):
        return {"type": "number"}
    if datamodel.is_date(column):
        return {"type": "string", "format": "date"}
    if datamodel.is_datetime(column):
        return {"type": "string", "format": "date-time"}
    if datamodel.is_string(column) or datamodel.is_text(column):
        return {"type": "string", "maxLength": TEXT_MAX}
    raise TypeError(f"{datamodel.obj.__name__}.{column}: no `q` schema for this column type")


def filter_value(datamodel, column: str, opr: str) -> dict[str, Any]:
    if opr in TEXT_OPS:
        return {"type": "string", "maxLength": TEXT_MAX}
    if opr in LIST_OPS:
        return {"type": "array", "maxItems": LIST_MAX, "items": column_value(datamodel, column)}
    if opr in ONE_OPS:
        return column_value(datamodel, column)
    raise TypeError(f"{datamodel.obj.__name__}.{column}: no `q` schema for the filter operator {opr}")


def filters_schema(api) -> dict[str, Any]:
    """One alternative per kind of value: the search columns and the operators FAB offers that take it
    (columns of the same type share one, which keeps the schema, and its fuzzing, small)."""
    kinds: dict[str, list[str]] = {}  # (operators, value) -> columns
    for column, filters in api._filters.get_search_filters().items():
        by_value: dict[str, list[str]] = {}
        for opr in [f.arg_name for f in filters]:
            by_value.setdefault(json.dumps(filter_value(api.datamodel, column, opr), sort_keys=True), []).append(opr)
        for value, oprs in by_value.items():
            kinds.setdefault(json.dumps([oprs, value]), []).append(column)
    branches = []
    for kind, columns in kinds.items():
        oprs, value = json.loads(kind)
        branches.append({"type": "object", "required": ["col", "opr", "value"], "additionalProperties": False,
                         "properties": {"col": {"type": "string", "enum": columns},
                                        "opr": {"type": "string", "enum": oprs}, "value": json.loads(value)}})
    return {"type": "array", "maxItems": FILTERS_MAX, "items": {"anyOf": branches},
            "description": "all must hold; `sw`/`ew`/`ct` and their negations `nsw`/`new`/`nct` match text "
                           "case-insensitively, `rel_o_m`/`nrel_o_m` compare the related record's id"}


def page_size_max(api) -> int | None:
    size = api.max_page_size or current_app.config.get("FAB_API_MAX_PAGE_SIZE")
    return None if size == -1 else size


def query_schema(api, endpoint: str) -> dict[str, Any]:
    """The JSON schema of ``q`` for ``get_list`` or ``get`` of a record API."""
    base = get_list_schema if endpoint == "get_list" else get_item_schema
    columns = api.list_columns if endpoint == "get_list" else api.show_columns
    props: dict[str, Any] = {
        "keys": deepcopy(base["properties"]["keys"]),
        "columns": {"type": "array", "items": {"type": "string", "enum": list(columns)},
                    "description": "only these columns in `result`"},
    }
    if endpoint == "get_list":
        size = {"type": "integer", "minimum": 1, "default": api.page_size}
        if page_size_max(api) is not None:
            size["maximum"] = page_size_max(api)
        props.update({
            "filters": filters_schema(api),
            "order_column": {"type": "string", "enum": list(api.order_columns)},
            "order_direction": {"type": "string", "enum": ["asc", "desc"]},
            "page": {"type": "integer", "minimum": 0, "maximum": MAX_PAGE, "default": 0,
                     "description": "0 is the first page"},
            "page_size": size,
        })
    return {"type": "object", "additionalProperties": False, "properties": props}


def _parse(value: str) -> Any:
    try:
        return prison.loads(value)
    except prison.decoder.ParserException:
        if not current_app.config.get("FAB_API_ALLOW_JSON_QS", True):
            raise ValueError("it is not valid rison") from None
    except Exception as err:  # prison raises ValueError, IndexError, RecursionError on some inputs
        raise ValueError(f"it is not valid rison: {str(err)[:200]}") from None
    try:
        return json.loads(value, parse_constant=_reject_constant)
    except (ValueError, RecursionError):
        raise ValueError("it is neither rison nor JSON") from None


def _where(path) -> str:
    return ".".join(str(p) for p in path) or "q"


def _explain(api, error: ValidationError) -> str:
    """Where and why, in the terms of the request: a filter names its column, then its operator."""
    item = error.instance
    if error.validator != "anyOf" or len(error.absolute_path) != 2 or not isinstance(item, dict):
        error = best_match([error])
        return f"{_where(error.absolute_path)}: {error.message[:300]}"
    where, searchable = _where(error.absolute_path), api._filters.get_search_filters()
    col, opr = item.get("col"), item.get("opr")
    if not isinstance(col, str) or col not in searchable:
        return f"{where}.col: {str(col)[:50]!r} is not a search column ({', '.join(searchable)})"
    oprs = [f.arg_name for f in searchable[col]]
    if not isinstance(opr, str) or opr not in oprs:
        return f"{where}.opr: {str(opr)[:50]!r} is not an operator for {col} ({', '.join(oprs)})"
    for sub in error.context:  # the alternative of that column and operator says what is wrong
        branch = error.validator_value[sub.relative_schema_path[0]]["properties"]
        if col in branch["col"]["enum"] and opr in branch["opr"]["enum"]:
            return f"{_where(sub.absolute_path)}: {sub.message[:300]}"
    return f"{where}: {error.message[:300]}"


def check_query(api, endpoint: str) -> Any:
    """The request's ``q``, read and checked against its schema (400 saying where it is wrong) and its text
    against what the database can store (422, as for bodies)."""
    try:
        parsed = _parse(request.args["q"])
    except ValueError as err:
        raise BadRequest(f"The parameter q is not valid: {err}.") from None
    errors = Validator(query_schema(api, endpoint), format_checker=FORMATS).iter_errors(parsed)
    error = max(errors, key=relevance, default=None)
    if error is not None:
        raise BadRequest(f"The parameter q is not valid: {_explain(api, error)}")
    bad: dict[str, str] = {}
    _check_text(parsed, "q", bad)
    if bad:
        raise Invalid("Some parameters are not valid: " + ", ".join(sorted(bad)) + ".", fields=bad)
    return parsed


def read_query(api, endpoint: str) -> tuple[Any, Exception | None]:
    """Before FAB reads ``q``: the checked ``q`` (or why it is refused), taken away from FAB, which would
    decode a JSON ``q`` a second time. The refusal is answered after FAB's @protect, so a caller who is not
    let in learns nothing more."""
    if not request.args.get("q"):
        return {}, None
    args = request.args.copy()
    args.pop("q")
    try:
        return check_query(api, endpoint), None
    except (BadRequest, Invalid) as err:
        return {}, err
    finally:
        request.args = ImmutableMultiDict(args)
