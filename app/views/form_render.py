"""A Camunda Form (form-js) on the task and start pages: the schema in the reader's language and the
values to show, for the form-js viewer (assets/formjs-viewer.js). The page still posts plain fields,
which the engine checks with the one validator, as for a formData form."""
from __future__ import annotations

from typing import Any, Iterable

from app.engine import form_defs, formjs
from app.engine.forms import FormField
from app.extensions import db
from app.models import FormDefinition
from app.views.presentation import reader_lang


def config(form_id: int | None, fields: Iterable[FormField], values: dict[str, Any], errors: dict[str, str],
           editable: bool) -> dict | None:
    """What the viewer needs, or None when the form is not a Camunda Form."""
    form = db.session.get(FormDefinition, form_id) if form_id else None
    if form is None:
        return None
    fields = list(fields)
    shown = {f.id for f in fields if f.properties.get("hidden") != "true"}
    hidden = {f.id for f in fields} - shown
    return {"schema": _without(formjs.localized(form_defs.schema_of(form), fields, reader_lang()), hidden),
            "data": {k: v for k, v in values.items() if k in shown and v is not None},
            "errors": errors, "readonly": not editable, "lang": reader_lang(),
            "keys": sorted(f.id for f in fields if f.id in shown and not f.readonly)}  # what the page posts


def _without(container: dict, keys: set[str]) -> dict:
    """The schema without the fields the platform fills (property hidden=true): never drawn, as on a
    generated form."""
    if keys and isinstance(container.get("components"), list):
        container["components"] = [_without(c, keys) for c in container["components"]
                                   if not (isinstance(c, dict) and c.get("key") in keys)]
    return container
