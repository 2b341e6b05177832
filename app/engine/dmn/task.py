"""The business rule task: evaluates a deployed decision (camunda:decisionRef) when reached.

Camunda's attributes, stored in the task spec's extensions by the parser (bpmn/nodes.py):
``decisionRef``, ``decisionRefBinding`` (latest, the default; version with ``decisionRefVersion``;
deployment is taken as latest), ``resultVariable`` and ``mapDecisionResult`` (singleEntry,
singleResult, collectEntries, resultList; Camunda's default is resultList). Without a result
variable the outputs of the one result become variables, as SpiffWorkflow does.

Versions: an instance pins the version of each decision it uses (latest binding) when it starts
(``pin_decisions``) or, at the latest, when it first evaluates it, in the root task's internal data:
deploying a changed table changes what the next instances decide, never a running one.

A no-match where a result is required (singleEntry, singleResult, or no result variable), a UNIQUE
violation, an ANY conflict or a bad input raises WorkflowTaskException: an incident whose message
names the decision and the input values; retrying after a fix evaluates again.
"""
from __future__ import annotations

from typing import Any

from flask_babel import lazy_gettext as _l
from SpiffWorkflow.bpmn.exceptions import WorkflowTaskException
from SpiffWorkflow.bpmn.specs.defaults import ServiceTask

from .evaluate import MAPPINGS, DecisionError, evaluate, map_result

DECISION_KEY = "decision"  # key in task_spec.extensions: the task's camunda attributes
DECISION_VERSIONS = "decision_versions"  # root task internal data: {decision key: version} of this instance
BINDINGS = ("latest", "version", "deployment")
LAST_RESULT = "decision_result"  # the task's internal data: decision, version and matched rules (history)


class DecisionSource:
    """Where decision tasks find deployed decisions (set by app.engine.decisions, which the parser may
    not import): ``resolve(key, version or None for the latest)`` -> (version, Decision) or None, and
    ``python(source, context)``, the sandbox that evaluates Python cells."""

    resolve: Any = None
    python: Any = None


def task_config(extensions: dict | None) -> dict:
    return dict((extensions or {}).get(DECISION_KEY) or {})


def pin_decisions(workflow: Any) -> None:
    """Pin the latest version of every decision the workflow's tasks name with the latest binding."""
    if DecisionSource.resolve is None:
        return
    pins = workflow.task_tree.internal_data.setdefault(DECISION_VERSIONS, {})
    specs = [workflow.spec, *workflow.subprocess_specs.values()]
    for spec in specs:
        for task_spec in getattr(spec, "task_specs", {}).values():
            config = task_config(getattr(task_spec, "extensions", None))
            key = config.get("ref")
            if isinstance(task_spec, DecisionTask) and key and config.get("binding") != "version" and key not in pins:
                found = DecisionSource.resolve(key, None)
                if found is not None:
                    pins[key] = found[0]


class DecisionTask(ServiceTask):
    """bpmn:businessRuleTask with camunda:decisionRef."""

    def _run_hook(self, my_task):
        config = task_config(self.extensions)
        key, binding = config.get("ref"), config.get("binding") or "latest"
        pins = my_task.workflow.top_workflow.task_tree.internal_data.setdefault(DECISION_VERSIONS, {})
        version = int(config["version"]) if binding == "version" else pins.get(key)
        found = DecisionSource.resolve(key, version) if DecisionSource.resolve else None
        if found is None:
            which = f"version {version} of " if version else ""
            raise WorkflowTaskException(f"{which}decision '{key}' is not deployed; deploy it, then retry",
                                        task=my_task)
        version, decision = found
        if binding != "version":
            pins[key] = version
        result_variable = config.get("result_variable")
        mapping = config.get("mapping") or ("resultList" if result_variable else "singleResult")
        try:
            result = evaluate(decision, my_task.data, python=DecisionSource.python)
            value = map_result(result, mapping, decision,
                               required=mapping in ("singleEntry", "singleResult") or not result_variable)
        except DecisionError as err:
            raise WorkflowTaskException(f"{err} [version {version}]", task=my_task) from err
        if result_variable:
            my_task.data[result_variable] = value
        else:
            my_task.data.update(value)
        my_task.internal_data[LAST_RESULT] = {"decision": key, "version": version, "matched": result.matched}
        return True


def decision_config(node: Any, camunda_ns: str) -> tuple[dict, list[str]]:
    """The camunda attributes of a businessRuleTask element and what is wrong with them."""
    def attr(name: str) -> str:
        return (node.get(f"{{{camunda_ns}}}{name}") or "").strip()

    config = {"ref": attr("decisionRef"), "binding": attr("decisionRefBinding") or "latest",
              "version": attr("decisionRefVersion"), "result_variable": attr("resultVariable"),
              "mapping": attr("mapDecisionResult")}
    errors = []
    if not config["ref"]:
        errors.append(_l("The business rule task names no decision (camunda:decisionRef)."))
    elif config["ref"].startswith(("${", "#{")):
        errors.append(_l("camunda:decisionRef must name a decision id; expressions are not supported."))
    if config["binding"] not in BINDINGS:
        errors.append(_l("camunda:decisionRefBinding '%(value)s' is not one of %(allowed)s.",
                         value=config["binding"], allowed=", ".join(BINDINGS)))
    if config["binding"] == "version" and not config["version"].isdigit():
        errors.append(_l("Binding 'version' needs camunda:decisionRefVersion, a version number."))
    if config["mapping"] and config["mapping"] not in MAPPINGS:
        errors.append(_l("camunda:mapDecisionResult '%(value)s' is not one of %(allowed)s.",
                         value=config["mapping"], allowed=", ".join(MAPPINGS)))
    if config["mapping"] and not config["result_variable"]:
        errors.append(_l("camunda:mapDecisionResult needs camunda:resultVariable, the variable the result goes to."))
    if config["result_variable"] and not config["result_variable"].isidentifier():
        errors.append(_l("camunda:resultVariable '%(value)s' is not a variable name.", value=config["result_variable"]))
    return config, errors
