"""Persistence format: the parsed spec once per definition version, and per
instance only the workflow state (tasks, data, events) without the spec.

Both are the SpiffWorkflow serializer's JSON, zlib-compressed. Restored specs
are cached per definition id: a version is immutable, so the cache never
goes stale. Changes to a workflow's internal task data that SpiffWorkflow has
no public call for are made here (``mark_start_timer_fired``).
"""
from __future__ import annotations

import json
import threading
import zlib
from collections import OrderedDict
from typing import Callable, Hashable
from uuid import UUID

from SpiffWorkflow.bpmn import BpmnWorkflow
from SpiffWorkflow.bpmn.serializer import BpmnWorkflowSerializer
from SpiffWorkflow.bpmn.serializer.default.workflow import BpmnSubWorkflowConverter, BpmnWorkflowConverter
from SpiffWorkflow.bpmn.specs.event_definitions.timer import CycleTimerEventDefinition, TimerEventDefinition
from SpiffWorkflow.bpmn.specs.mixins.events.start_event import StartEvent
from SpiffWorkflow.bpmn.util.subworkflow import BpmnSubWorkflow
from SpiffWorkflow.util.task import TaskState

from app.engine.bpmn.parser import SERIALIZER_CONFIG
from app.engine.bpmn.specs import CALLED_DEFINITIONS, CalledSpecs

VERSION_KEY = BpmnWorkflowSerializer.VERSION_KEY


class StatelessWorkflowConverter(BpmnWorkflowConverter):
    """The workflow without its spec; the spec is supplied on restore."""

    def to_dict(self, workflow):
        dct = super(BpmnWorkflowConverter, self).to_dict(workflow)
        dct["subprocesses"] = self.mapping_to_dict(workflow.subprocesses)
        dct["bpmn_events"] = self.registry.convert(workflow.bpmn_events)
        return dct

    def from_dict(self, dct, spec=None, subprocess_specs=None):
        workflow = self.target_class(spec, subprocess_specs or {}, deserializing=True)
        workflow.tasks = self.mapping_from_dict(dct["tasks"], UUID, workflow=workflow)
        workflow.task_tree = workflow.tasks.get(UUID(dct["root"]))
        self.set_default_attributes(workflow, dct)
        self.subprocesses_from_dict(dct["subprocesses"], workflow)
        workflow.bpmn_events = self.registry.restore(dct.pop("bpmn_events", []))
        return workflow


class SubWorkflowConverter(BpmnSubWorkflowConverter):
    """A called process by the name it was started with: a run-time ``calledElement`` is not the
    task spec's ``spec`` (specs.CallActivity)."""

    def from_dict(self, dct, task, top_workflow):
        spec = top_workflow.subprocess_specs.get(dct.get('spec')) or top_workflow.subprocess_specs.get(task.task_spec.spec)
        subprocess = self.target_class(spec, task.id, top_workflow, deserializing=True)
        subprocess.tasks = self.mapping_from_dict(dct['tasks'], UUID, workflow=subprocess)
        subprocess.task_tree = subprocess.tasks.get(UUID(dct['root']))
        self.set_default_attributes(subprocess, dct)
        return subprocess


_config = dict(SERIALIZER_CONFIG)
_config[BpmnWorkflow] = StatelessWorkflowConverter
_config[BpmnSubWorkflow] = SubWorkflowConverter
serializer = BpmnWorkflowSerializer(BpmnWorkflowSerializer.configure(_config))
_registry = serializer.registry
_workflow_converter = StatelessWorkflowConverter(BpmnWorkflow, _registry)


def _pack(obj) -> bytes:
    return zlib.compress(json.dumps(obj, cls=serializer._encoder_cls, separators=(",", ":")).encode(), 6)


def _unpack(blob: bytes):
    return json.loads(zlib.decompress(blob))


def dump_specs(spec, subprocess_specs: dict) -> bytes:
    return _pack({
        "spec": _registry.convert(spec),
        "subprocess_specs": {k: _registry.convert(v) for k, v in subprocess_specs.items()},
        VERSION_KEY: serializer.VERSION,
    })


def load_specs(blob: bytes):
    dct = _unpack(blob)
    spec = _registry.restore(dct["spec"])
    subs = {k: _registry.restore(v) for k, v in dct["subprocess_specs"].items()}
    return spec, subs


_SPEC_CACHE: "OrderedDict[Hashable, tuple]" = OrderedDict()
_SPEC_CACHE_SIZE = 256
_spec_lock = threading.Lock()


def cached_specs(key: Hashable, load_blob: Callable[[], bytes]):
    """Specs by ``key`` (a definition version: its database and id). Versions are immutable,
    so the cache never goes stale, and on a hit the (deferred) blob is not even read."""
    with _spec_lock:
        hit = _SPEC_CACHE.get(key)
        if hit is not None:
            _SPEC_CACHE.move_to_end(key)
            return hit
    value = load_specs(load_blob())
    with _spec_lock:
        _SPEC_CACHE[key] = value
        while len(_SPEC_CACHE) > _SPEC_CACHE_SIZE:
            _SPEC_CACHE.popitem(last=False)
    return value


def dump_state(workflow: BpmnWorkflow) -> bytes:
    _registry._encoder_mode = True
    try:
        dct = _workflow_converter.to_dict(workflow)
    finally:
        _registry._encoder_mode = False
    dct[VERSION_KEY] = serializer.VERSION
    return _pack(dct)


def load_state(blob: bytes, spec, subprocess_specs: dict, script_engine=None) -> BpmnWorkflow:
    dct = _unpack(blob)
    dct.pop(VERSION_KEY, None)
    called = ((dct["tasks"].get(dct["root"]) or {}).get("internal_data") or {}).get(CALLED_DEFINITIONS)
    if called and CalledSpecs.by_ids:  # processes its call activities chose at run time
        subprocess_specs = {**subprocess_specs, **CalledSpecs.by_ids(called)}
    workflow = _workflow_converter.from_dict(dct, spec=spec, subprocess_specs=subprocess_specs)
    if script_engine is not None:
        workflow.script_engine = script_engine
    return workflow


def mark_start_timer_fired(wf: BpmnWorkflow) -> None:
    """For an instance started BY its timer start event: mark that timer as fired once, before the
    first engine step, so the instance neither waits for it again nor (for a cycle) fires it again
    inside the instance."""
    for task in wf.get_tasks(state=TaskState.NOT_FINISHED_MASK):
        event = getattr(task.task_spec, "event_definition", None)
        if not isinstance(task.task_spec, StartEvent) or not isinstance(event, TimerEventDefinition):
            continue
        if isinstance(event, CycleTimerEventDefinition):  # exactly one cycle left, already due
            task._set_internal_data(event_value={"cycles": 1, "next": "2000-01-01T00:00:00+00:00", "duration": 0})
        else:
            task._set_internal_data(event_fired=True)
