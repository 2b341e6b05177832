"""BPMN loading, parsing and validation for the workflow engine.

The public names are re-exported here; the submodules import each other directly
(``Problem`` and ``BpmnError`` live in ``problems``), never this package.
"""
from __future__ import annotations

from .parser import ParsedDefinition, human_task_meta, parse_definition, validate
from .problems import BpmnError, Problem, errors_only

__all__ = [
    'BpmnError', 'ParsedDefinition', 'Problem', 'errors_only', 'human_task_meta',
    'parse_definition', 'validate',
]
