"""Process content in the reader's language: names and documentation of processes, tasks,
lanes, events and flows, read from the deployed diagrams (the convention is in
``app.engine.bpmn.i18n``). Rows keep what the engine recorded (a task's ``name`` is the diagram's
default-language name); the translation is looked up at render time by process key and element
id, never stored per row.

A diagram's texts are cached by its checksum (a version never changes); the texts of a process key
(all its versions, newest first) are cached for ``TTL`` seconds and forgotten when a version is
deployed in this process, so another process sees a new translation within ``TTL``.
"""
from __future__ import annotations

import time
from typing import Any, Iterable

from sqlalchemy import select

from lxml import etree

from app.engine.bpmn.i18n import PREFIX, diagram_texts, localize_fields, pick, show_in, text_of
from app.engine.bpmn.xml import load_xml
from app.engine.task_names import fill, values_in
from app.extensions import db
from app.models import ProcessDefinition

TTL = 300.0
_by_key: dict[tuple[str, str], tuple[float, list[dict[str, dict[str, str]]]]] = {}


def _database() -> str:
    """Which database a cached key belongs to (tests run several apps in one process)."""
    return str(db.engine.url)


_parsed: dict[str, dict[str, dict[str, str]]] = {}  # checksum -> texts
MAX_PARSED = 512


def _texts(checksum: str, xml: Any) -> dict[str, dict[str, str]]:
    """``xml``: the text, or a callable that reads it (only on a cache miss)."""
    hit = _parsed.get(checksum)
    if hit is None:
        try:
            hit = diagram_texts(load_xml(xml() if callable(xml) else xml).getroot())
        except Exception:  # a diagram that no longer parses shows what the rows recorded
            hit = {}
        if len(_parsed) >= MAX_PARSED:
            _parsed.clear()
        _parsed[checksum] = hit
    return hit


def texts_of(definition: ProcessDefinition) -> dict[str, dict[str, str]]:
    """{element id: texts} of one deployed version."""
    return _texts(definition.checksum or f"id:{definition.id}", lambda: definition.bpmn_xml or "")


def prime(definition: ProcessDefinition) -> None:
    """Called on deploy: the key's texts are read again (now, so no page pays for it later)."""
    _by_key.pop((_database(), definition.key), None)
    _names.pop(_database(), None)
    process_texts(definition.key)


def forget() -> None:
    _by_key.clear()
    _names.clear()


def process_texts(process_key: str) -> list[dict[str, dict[str, str]]]:
    """The texts of every version of a process key, newest first (one query per TTL)."""
    slot = (_database(), process_key)
    hit = _by_key.get(slot)
    if hit is not None and time.monotonic() - hit[0] < TTL:
        return hit[1]
    rows = db.session.execute(select(ProcessDefinition.id, ProcessDefinition.checksum)
                              .where(ProcessDefinition.key == process_key)
                              .order_by(ProcessDefinition.version.desc())).all()
    missing = [pk for pk, checksum in rows if (checksum or f"id:{pk}") not in _parsed]
    xml = dict(db.session.execute(select(ProcessDefinition.id, ProcessDefinition.bpmn_xml)
                                  .where(ProcessDefinition.id.in_(missing))).all()) if missing else {}
    versions = [_texts(checksum or f"id:{pk}", xml.get(pk) or "") for pk, checksum in rows]
    _by_key[slot] = (time.monotonic(), versions)
    return versions


_names: dict[str, tuple[float, list[tuple[str, str, str]]]] = {}  # database -> (read at, [(key, element, name)])


def _translated_names() -> list[tuple[str, str, str]]:
    """(process key, element id, lowered name) of every name in a language other than the default, over
    all deployed versions: two queries per ``TTL`` (the versions, and the diagrams not parsed yet)."""
    slot = _database()
    hit = _names.get(slot)
    if hit is not None and time.monotonic() - hit[0] < TTL:
        return hit[1]
    rows = db.session.execute(select(ProcessDefinition.id, ProcessDefinition.key, ProcessDefinition.checksum)).all()
    missing = [pk for pk, _key, checksum in rows if (checksum or f"id:{pk}") not in _parsed]
    xml = dict(db.session.execute(select(ProcessDefinition.id, ProcessDefinition.bpmn_xml)
                                  .where(ProcessDefinition.id.in_(missing))).all()) if missing else {}
    names = {(key, element_id, str(value).lower())
             for pk, key, checksum in rows
             for element_id, texts in _texts(checksum or f"id:{pk}", xml.get(pk) or "").items()
             for k, value in texts.items() if k.startswith(f"{PREFIX}name:") and value}
    _names[slot] = (time.monotonic(), sorted(names))
    return _names[slot][1]


def elements_named(search: str, limit: int = 200) -> list[tuple[str, str]]:
    """(process key, element id) of the elements whose name contains ``search`` in a language other
    than the default one (rows hold the default-language name, which SQL matches itself): so an
    English reader finds "Register complaint" tasks."""
    needle = search.strip().lower()
    if not needle:
        return []
    found = {(key, element_id) for key, element_id, name in _translated_names() if needle in name}
    return sorted(found)[:limit]


def _element(process_key: str, element_id: str, recorded: str | None) -> dict[str, str]:
    """The element's texts in the newest version that names it as recorded (a row's name, or a
    draft's): none when no version does (renamed since: the recorded name is shown as it is)."""
    found = [v[element_id] for v in process_texts(process_key) if element_id in v]
    if recorded is None:
        return found[0] if found else {}
    wanted = recorded.strip()
    return next((texts for texts in found if texts.get("name", "") == wanted
                 or values_in(texts.get("name"), wanted) is not None), {})


def element_text(process_key: str, element_id: str, lang: str | None, recorded: str | None = None,
                 text: str = "name") -> str:
    """An element's name (or documentation) in ``lang``; ``recorded`` is what a row holds (the fallback)."""
    if not process_key or not element_id:
        return recorded or ""
    texts = _element(process_key, element_id, recorded if text == "name" else None)
    shown = text_of(texts, text, lang, default=recorded)
    values = values_in(texts.get("name"), recorded) if text == "name" else None
    return fill(shown, values) if values is not None else shown  # a name with expressions: its values


def process_name(process_key: str, lang: str | None, recorded: str | None = None) -> str:
    """A process's name in ``lang`` (the process element's id is the key)."""
    return element_text(process_key, process_key, lang, recorded)


def task_name(task: Any, lang: str | None) -> str:
    return element_text(task.process_key, task.element_id, lang, task.name)


def task_documentation(task: Any, lang: str | None) -> str:
    """The task's instructions in ``lang``: from the version that names the task as its row does."""
    if not task.documentation:
        return ""
    texts = _element(task.process_key, task.element_id, task.name) if task.process_key else {}
    return pick(texts, "documentation", task.documentation, lang)


def task_process_name(task: Any, lang: str | None) -> str:
    return process_name(task.process_key, lang, task.process_name)


def task_texts(task: Any, langs: Iterable[str]) -> dict[str, dict[str, str]]:
    """{lang: {'name', 'process_name'}}: what a mail about the task says in each language."""
    return {lang: {"name": task_name(task, lang), "process_name": task_process_name(task, lang)} for lang in langs}


def definition_names(definition: ProcessDefinition, lang: str | None) -> dict[str, str]:
    """{element id: name in ``lang``} of one version (elements without a name are left out)."""
    return {eid: text_of(t, "name", lang) for eid, t in texts_of(definition).items() if t.get("name")}


_shown: dict[tuple[str, str], str] = {}


def shown_xml(definition: ProcessDefinition, lang: str | None) -> str:
    """The diagram as a reader in ``lang`` sees it in a viewer: names in that language (cached)."""
    slot = (definition.checksum or f"id:{definition.id}", lang or "")
    hit = _shown.get(slot)
    if hit is None:
        try:
            root = load_xml(definition.bpmn_xml).getroot()
            show_in(root, lang)
            hit = etree.tostring(root, encoding="unicode")
        except Exception:  # shown as stored
            hit = definition.bpmn_xml
        if len(_shown) >= MAX_PARSED:
            _shown.clear()
        _shown[slot] = hit
    return hit


def fields_in(fields: Iterable[Any], lang: str | None) -> list[Any]:
    """Form fields with labels, enum labels and help in ``lang``."""
    return localize_fields(fields, lang)
