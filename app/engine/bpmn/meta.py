"""What a diagram says about people and time, as plain data.

Camunda `${...}` expressions and ISO 8601 timer literals become Python source here,
and a human task's owners, dates, form and lane become `HumanTaskMeta`, which the
node parsers store as JSON in `task_spec.extensions` so it survives the serializer.
"""
from __future__ import annotations

import re
from dataclasses import asdict, dataclass, field
from typing import Any, Iterable

from SpiffWorkflow.bpmn.parser.util import first

from ..expressions import is_timer_literal, to_python
from ..forms import FormField, parse_camunda_form
from .xml import NSMAP, camunda_attr, camunda_properties, documentation, local_name

DEFAULT_ROLES: tuple[str, ...] = (
    'Admin', 'ProcessOwner', 'Supervisor', 'CustomerService', 'TechSupport', 'FieldService',
    'Sales', 'ReadOnly',
)
HUMAN_TASK_KEY = 'human_task'  # key in task_spec.extensions
PYTHON_LANGUAGES = {'', 'python', 'py', 'python3'}


# ---------------------------------------------------------------- expressions

def expression_source(text: str | None) -> str | None:
    """Python source for a condition/expression written as Python or Camunda `${...}`."""
    if text is None:
        return None
    text = text.strip()
    return to_python(text) if ('${' in text or '#{' in text) else text


def _canonical_duration(text: str) -> str:
    """SpiffWorkflow reads weeks only alone and only before T: PT1W -> P1W, P1W2D -> P9D."""
    weeks = re.search(r'(\d+)W', text)
    if not weeks:
        return text
    rest = (text[:weeks.start()] + text[weeks.end():]).rstrip('T')
    if rest in ('P', 'PT'):
        return f'P{weeks.group(1)}W'
    days = re.search(r'(\d+)D', rest)
    extra = 7 * int(weeks.group(1)) + (int(days.group(1)) if days else 0)
    if days:
        return rest[:days.start()] + f'{extra}D' + rest[days.end():]
    date_part, _, time_part = rest.partition('T')
    return f'{date_part}{extra}D' + (f'T{time_part}' if time_part else '')


def normalize_timer_literal(text: str) -> str:
    """An ISO 8601 timer literal in the form SpiffWorkflow's timer parser accepts."""
    return '/'.join(_canonical_duration(part) if part.startswith('P') else part for part in text.split('/'))


def timer_source(text: str | None) -> str | None:
    """Python source for a timer/due date: ISO 8601 literals become quoted strings."""
    if text is None:
        return None
    text = text.strip()
    if is_timer_literal(text):  # ISO 8601 or a cron cycle
        return repr(normalize_timer_literal(text))
    return expression_source(text)


def date_source(text: str | None) -> str | None:
    """Like timer_source, also quoting a bare ISO date (`2026-12-01`) as Camunda accepts it."""
    if text is not None and re.fullmatch(r'\d{4}-\d{2}-\d{2}', text.strip()):
        return repr(text.strip())
    return timer_source(text)


def split_list(value: str | None) -> list[str]:
    """Split a Camunda comma list, keeping commas inside `${...}` expressions."""
    items, depth, current = [], 0, ''
    for ch in value or '':
        depth += ch == '{'
        depth -= ch == '}' and depth > 0
        if ch == ',' and depth == 0:
            items.append(current)
            current = ''
        else:
            current += ch
    items.append(current)
    return [i.strip() for i in items if i.strip()]


def canonical_role(name: str | None, known_roles: Iterable[str]) -> str | None:
    """'Customer Service' / 'customer_service' -> 'CustomerService' if it is a known role."""
    def norm(s: str) -> str:
        return ''.join(ch for ch in s.lower() if ch.isalnum())
    if not name:
        return None
    wanted = norm(name)
    return next((role for role in known_roles if norm(role) == wanted), None)


# ---------------------------------------------------------------- human tasks

@dataclass
class HumanTaskMeta:
    assignee: str | None = None
    candidate_users: list[str] = field(default_factory=list)
    candidate_groups: list[str] = field(default_factory=list)
    due_date: str | None = None  # Python source: evaluates to an ISO date/duration string or datetime
    follow_up_date: str | None = None  # same as due_date
    priority: int | str | None = None  # int literal or Python source
    documentation: str = ''
    form: list[FormField] = field(default_factory=list)
    confirm_only: bool = False  # bpmn:task / bpmn:manualTask: nothing to fill in, just confirm
    lane: str | None = None
    form_key: str | None = None
    properties: dict[str, str] = field(default_factory=dict)
    form_ref: dict[str, Any] | None = None  # a Camunda Forms form (camunda_form_ref), resolved per task

    @property
    def has_owner(self) -> bool:
        return bool(self.assignee or self.candidate_users or self.candidate_groups)

    def to_dict(self) -> dict[str, Any]:
        dct = asdict(self)
        dct['form'] = [f.to_dict() for f in self.form]
        return dct

    @classmethod
    def from_dict(cls, dct: dict[str, Any]) -> 'HumanTaskMeta':
        data = dict(dct)
        data['form'] = [FormField.from_dict(f) for f in data.get('form') or []]
        return cls(**data)


def lane_roles(chain: list[Any], known_roles: Iterable[str]) -> list[str]:
    """Candidate groups a lane implies: its `candidateGroups` property or its role name."""
    for lane in chain:  # innermost lane first
        groups = split_list(camunda_properties(lane).get('candidateGroups'))
        if groups:
            return groups
        role = canonical_role(lane.get('name'), known_roles)
        if role:
            return [role]
    return []


def lane_chain_for(node: Any, chains: dict[str, list[Any]]) -> list[Any]:
    """Lanes of a node; tasks inside an embedded subprocess use the subprocess's lane."""
    while node is not None:
        chain = chains.get(node.get('id') or '')
        if chain:
            return chain
        node = node.getparent()
    return []


def resource_owners(node: Any) -> tuple[str | None, list[str], list[str]]:
    """(assignee, users, groups) from BPMN humanPerformer/potentialOwner, read as Camunda 7 does.

    `user(x)` / `group(x)` entries; a bare entry is a group. A resourceRef names a group.
    """
    root = node.getroottree().getroot()
    assignee, users, groups = None, [], []
    for role in node:
        kind = local_name(role)
        if kind not in ('humanPerformer', 'potentialOwner'):
            continue
        expr = first(role.xpath('./bpmn:resourceAssignmentExpression/bpmn:formalExpression', namespaces=NSMAP))
        if expr is not None and (expr.text or '').strip():
            entries = split_list(expr.text)
        else:
            ref = first(role.xpath('./bpmn:resourceRef', namespaces=NSMAP))
            ref_id = (ref.text or '').strip() if ref is not None else ''
            resource = root.xpath('//bpmn:resource[@id=$i]', namespaces=NSMAP, i=ref_id) if ref_id else []
            entries = [(resource[0].get('name') or ref_id) if resource else ref_id] if ref_id else []
        for entry in entries:
            match = re.fullmatch(r'(user|group)\((.*)\)', entry)
            value = (match.group(2) if match else entry).strip()
            if kind == 'humanPerformer':
                assignee = assignee or value
            elif match and match.group(1) == 'user':
                users.append(value)
            elif value:
                groups.append(value)
    return assignee, users, groups


def meta_from_element(node: Any, chains: dict[str, list[Any]],
                      known_roles: Iterable[str] = DEFAULT_ROLES) -> HumanTaskMeta:
    """Build HumanTaskMeta from a userTask/task/manualTask element (raises ExpressionError)."""
    chain = lane_chain_for(node, chains)
    priority_text = camunda_attr(node, 'priority')
    priority: int | str | None = None
    if priority_text:
        priority = int(priority_text) if priority_text.lstrip('+-').isdigit() else expression_source(priority_text)
    performer, owner_users, owner_groups = resource_owners(node)
    groups = split_list(camunda_attr(node, 'candidateGroups')) or owner_groups
    if not groups:  # the lane gives the default candidate group unless the task names its own
        groups = lane_roles(chain, known_roles)
    form, _issues = parse_camunda_form(node)
    return HumanTaskMeta(
        assignee=camunda_attr(node, 'assignee') or performer,
        candidate_users=split_list(camunda_attr(node, 'candidateUsers')) + owner_users,
        candidate_groups=groups,
        due_date=date_source(camunda_attr(node, 'dueDate') or None),
        follow_up_date=date_source(camunda_attr(node, 'followUpDate') or None),
        priority=priority,
        documentation=documentation(node),
        form=form,
        confirm_only=local_name(node) != 'userTask',
        lane=chain[0].get('name') if chain else None,
        form_key=camunda_attr(node, 'formKey') or None,
        properties=camunda_properties(node),
        form_ref=camunda_form_ref(node),
    )


CAMUNDA_FORMS = 'camunda-forms:'


def camunda_form_ref(node: Any) -> dict[str, Any] | None:
    """A Camunda Forms reference: ``camunda:formRef`` (+ ``formRefBinding``, ``formRefVersion``) or
    ``camunda:formKey="camunda-forms:deployment:forms/<key>.form"`` (the file name is the form key,
    bound as ``deployment``). None for any other form. The binding and version are checked at deploy."""
    key = camunda_attr(node, 'formRef')
    if key:
        version = camunda_attr(node, 'formRefVersion')
        return {'key': key, 'binding': camunda_attr(node, 'formRefBinding') or 'latest',
                'version': int(version) if version and version.isdigit() else version}
    form_key = camunda_attr(node, 'formKey') or ''
    if form_key.startswith(CAMUNDA_FORMS):
        name = form_key.rsplit('/', 1)[-1].rsplit(':', 1)[-1]
        return {'key': name[:-5] if name.endswith('.form') else name, 'binding': 'deployment', 'version': None}
    return None


def human_task_meta(task_spec: Any) -> HumanTaskMeta | None:
    """Human-task metadata stored on a (possibly deserialized) task spec, or None."""
    data = (getattr(task_spec, 'extensions', None) or {}).get(HUMAN_TASK_KEY)
    return HumanTaskMeta.from_dict(data) if data is not None else None
