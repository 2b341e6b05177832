"""The BPMN MIWG reference diagrams: each one deploys and runs, or is refused with located problems.

None may raise. Run with `-s` to see the table (file -> deploys / refused + first problem).
"""
from pathlib import Path

import pytest
from SpiffWorkflow.bpmn import BpmnWorkflow
from SpiffWorkflow.bpmn.exceptions import WorkflowTaskException

from app.engine.bpmn import parse_definition
from app.engine.sandbox_engine import SandboxedScriptEngine

MIWG = Path(__file__).resolve().parents[2].parent / 'shared' / 'conformance' / 'miwg'
FILES = sorted(MIWG.glob('*.bpmn')) if MIWG.is_dir() else []
pytestmark = pytest.mark.skipif(not FILES, reason=f'MIWG reference diagrams not found in {MIWG}')

# Why each file is refused (words of its first error). All A/B files and C.2.0/C.8.0 are
# descriptive (isExecutable="false"); the other C files use constructs this engine cannot
# run (DMN, FEEL/XPath conditions, compensation...). C.1.0 and C.9.1 deploy: their Java-delegate
# or external service task is a warning and fails only if an instance reaches it (C.9.1 does at
# once: in the engine an incident on that task). A user task nobody is named for is a warning.
EXPECTED_DEPLOY = {'C.1.0.bpmn', 'C.9.1.bpmn'}
EXPECTED_REFUSAL = {
    'A.1.0.bpmn': 'not executable', 'A.2.0.bpmn': 'not executable', 'A.2.1.bpmn': 'not executable',
    'A.3.0.bpmn': 'not executable', 'A.4.0.bpmn': 'not executable', 'A.4.1.bpmn': 'not executable',
    'B.1.0.bpmn': 'not executable', 'B.2.0.bpmn': 'not executable', 'C.2.0.bpmn': 'not executable',
    'C.8.0.bpmn': 'not executable',
    'C.4.0.bpmn': 'none is marked executable', 'C.5.0.bpmn': 'none is marked executable',
    'C.1.1.bpmn': 'does not compile',  # XPath conditions: bpmn:getDataObject('approved')
    'C.3.0.bpmn': 'does not compile', 'C.7.0.bpmn': 'names no decision', 'C.9.2.bpmn': 'Multi-instance needs',
    'C.6.0.bpmn': 'timer has no date', 'C.8.1.bpmn': 'names no decision', 'C.9.0.bpmn': 'does not compile',
}


def run(parsed) -> None:
    """Run to the first wait state; only a task the engine cannot run may stop it, as it would
    become an incident on that task."""
    workflow = BpmnWorkflow(parsed.main_spec, parsed.subprocess_specs, script_engine=SandboxedScriptEngine())
    try:
        workflow.do_engine_steps()
    except WorkflowTaskException as exc:
        assert 'cannot run' in str(exc) and exc.task is not None, str(exc)


def outcome(path: Path) -> tuple[str, str]:
    parsed = parse_definition(path.read_bytes(), filename=path.name)
    if parsed.deployable:
        run(parsed)
        return 'deploys', f'{len(parsed.problems)} warning(s)'
    return 'refused', str(parsed.errors[0])


@pytest.mark.parametrize('path', FILES, ids=[p.name for p in FILES])
def test_miwg_file_deploys_or_is_refused_with_located_problems(path, record_property):
    parsed = parse_definition(path.read_bytes(), filename=path.name)
    record_property('miwg', 'deploys' if parsed.deployable else 'refused')
    assert parsed.deployable == (path.name in EXPECTED_DEPLOY), [str(p) for p in parsed.errors]
    if parsed.deployable:
        assert parsed.process_id in parsed.specs
        run(parsed)  # must not crash
        return
    assert parsed.errors, 'refused without an error'
    for problem in parsed.errors:
        assert problem.message and problem.hint
        # located: on an element (id + line), except whole-file problems
        assert problem.element_id and problem.line, str(problem)
    expected = EXPECTED_REFUSAL.get(path.name)
    if expected:
        assert expected in parsed.errors[0].message, str(parsed.errors[0])


def test_miwg_table(capsys):
    rows = [(path.name, *outcome(path)) for path in FILES]
    with capsys.disabled():
        print('\nMIWG reference diagrams')
        for name, status, detail in rows:
            print(f'  {name:<11} {status:<8} {detail[:150]!r}')
        print(f'  {sum(r[1] == "deploys" for r in rows)} of {len(rows)} deploy')
    assert len(rows) == len(FILES)
