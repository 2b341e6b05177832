"""SpiffWorkflow glue of the sandbox: the script engine and its task-located error.

``SandboxedScriptEngine`` runs scripts and expressions in an environment with the
``evaluate``/``execute`` interface of SpiffWorkflow's TaskDataEnvironment: by default
the in-process :class:`~app.engine.sandbox.SandboxedEnvironment`; the runtime passes a
:class:`~app.engine.script_runner.RunnerEnvironment` (runner processes with OS limits).
"""
from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from SpiffWorkflow.bpmn.exceptions import WorkflowTaskException
from SpiffWorkflow.bpmn.script_engine import PythonScriptEngine
from SpiffWorkflow.exceptions import SpiffWorkflowException

from .sandbox import SandboxedEnvironment, SandboxError, check

__all__ = ["SandboxTaskError", "SandboxedScriptEngine"]


class SandboxTaskError(WorkflowTaskException):
    """A :class:`SandboxError` raised while running a task; ``task`` locates the BPMN element."""


class SandboxedScriptEngine(PythonScriptEngine):
    """PythonScriptEngine running scripts and expressions in the sandbox; expressions may be JUEL ``${…}``."""

    check = staticmethod(check)

    def __init__(self, helpers: Mapping[str, Callable[..., Any]] | None = None, *, max_steps: int = 100_000,
                 timeout_s: float = 1.0, max_size: int = 1_000_000, environment: Any = None) -> None:
        super().__init__(environment or SandboxedEnvironment(helpers, max_steps=max_steps, timeout_s=timeout_s,
                                                             max_size=max_size))

    def validate(self, expression: str) -> None:
        errors = check(expression, "eval")
        if errors:
            raise SandboxError("; ".join(errors))

    def evaluate(self, task: Any, expression: str, external_context: Mapping | None = None) -> Any:
        try:
            return self.environment.evaluate(expression, task.data, external_context)
        except SandboxError as err:
            raise SandboxTaskError(f"{err} in expression '{expression}'", task=task, exception=err) from err
        except SpiffWorkflowException as err:
            err.add_note(f"Error evaluating expression '{expression}'")
            raise
        except Exception as err:
            raise WorkflowTaskException(f"Error evaluating expression '{expression}': {err}", task=task,
                                        exception=err) from err

    def execute(self, task: Any, script: str, external_context: Mapping | None = None) -> bool:
        try:
            return self.environment.execute(script, task.data, external_context or {})
        except SandboxError as err:
            line, text = self.get_error_line_number_and_content(script, err)
            if not line and err.lineno:
                line, text = err.lineno, _line(script, err.lineno)
            raise SandboxTaskError(str(err), task=task, exception=err, line_number=line, error_line=text) from err
        except Exception as err:
            raise self.create_task_exec_exception(task, script, err) from err

    def create_task_exec_exception(self, task: Any, script: str, err: Exception) -> Exception:
        if err.args and not isinstance(err.args[0], str):  # the base class concatenates args[0] to a str
            err.args = (str(err), *err.args[1:])
        return super().create_task_exec_exception(task, script, err)

    def get_error_line_number_and_content(self, script: str, err: Exception) -> tuple[int, str]:
        line, text = super().get_error_line_number_and_content(script, err)
        # An error from a runner process has no traceback here: the runner sent the line along.
        lineno = getattr(err, "script_lineno", None)
        if not line and lineno:
            line, text = lineno, _line(script, lineno)
        return line, text


def _line(script: str, lineno: int) -> str:
    lines = script.splitlines()
    return lines[lineno - 1] if 0 < lineno <= len(lines) else ""
