"""Static checks of a diagram: every problem at once, each located on its element.

SpiffWorkflow stops at the first problem and reports it vaguely, so we walk the
XML ourselves first; `parse_definition` then adds whatever SpiffWorkflow still
refuses. Each element is checked inside its own try block: a malformed element
becomes a Problem, never an exception. The checks themselves live in checks_*.py.
"""
from __future__ import annotations

from typing import Any, Callable, Iterable

from flask_babel import lazy_gettext as _l

from ..sandbox import check as sandbox_check
from . import compensation
from .checks_assignment import HUMAN_TASKS, AssignmentChecks
from .checks_base import Check
from .checks_structure import StructureChecks
from .checks_unsupported import JAVA_DELEGATE_SEVERITY, UnsupportedChecks
from .meta import DEFAULT_ROLES
from .problems import Problem
from .xml import BPMN_NS, local_name, runnable_processes, select_main_process

__all__ = ['JAVA_DELEGATE_SEVERITY', 'Check', 'check_document']


class _Checker(StructureChecks, UnsupportedChecks, AssignmentChecks):
    """Every check family; `run` sends each BPMN element to its `el_<tag>` handler."""

    def run(self) -> list[Problem]:
        if self.root.tag != '{%s}definitions' % BPMN_NS:
            self.add(None, _l("This is not a BPMN 2.0 file (root element is '%(root)s').",
                              root=local_name(self.root)),
                     _l('Upload a .bpmn file saved by Camunda Modeler or another BPMN 2.0 tool.'))
            return self.problems
        main, why = select_main_process(self.root)
        if main is None:
            first_process = next(self.root.iterfind('{%s}process' % BPMN_NS), None)
            self.add(first_process, _l('The diagram is not executable: %(why)s', why=why),
                     _l('In Camunda Modeler select the process (or pool) to run and tick "Executable" '
                        '(isExecutable="true") on exactly one process.'))
        for process in runnable_processes(self.root):
            self._guarded(process, self.check_process)
            for el in process.iter():
                if isinstance(el.tag, str) and el.tag.startswith('{%s}' % BPMN_NS):
                    handler = getattr(self, 'el_' + local_name(el), None)
                    if handler is not None:
                        self._guarded(el, handler)
                    self._guarded(el, self.check_extensions)
                    if local_name(el) in HUMAN_TASKS:
                        self._guarded(el, self.check_assignment)
                    self._guarded(el, self.check_camunda_attributes)
            for el, message, hint, severity in compensation.problems(process):
                self.add(el, message, hint, severity)
        if self.modelling_only:
            el = self.modelling_only[0]
            self.add(el, _l('Data objects, data stores and data inputs/outputs are documentation only and are '
                            'ignored at runtime.'),
                     _l('Process data lives in process variables (form fields, scripts).'), 'warning')
        return self.problems

    def _guarded(self, el: Any, fn: Callable[[Any], None]) -> None:
        try:
            fn(el)
        except Exception as exc:  # a check must never take validation down
            self.add(el, _l('This element could not be checked: %(error)s', error=f'{type(exc).__name__}: {exc}'),
                     _l('Check the element in the modeler.'))


def check_document(root: Any, *, known_roles: Iterable[str] = DEFAULT_ROLES,
                   script_engine_check: Check | None = None) -> list[Problem]:
    """Static checks of an already loaded (and namespace-normalised) document."""
    check = script_engine_check or sandbox_check
    checker = _Checker(root, known_roles, check)
    try:
        return checker.run()
    except Exception as exc:  # belt and braces: never crash the upload
        checker.add(None, _l('The diagram could not be fully checked: %(error)s', error=f'{type(exc).__name__}: {exc}'),
                    _l('Open and save the diagram again in the modeler.'))
        return checker.problems
