"""Checks of who works a human task: warnings only, never refusals.

A user task nobody is named for (Camunda Modeler's default) and one naming a user or a role that
does not exist both run: at run time such a task waits in the Unassigned queue, where supervisors
and admins assign it (``task_actions``). Deploy says so, naming each unknown user and role.
Users are checked against the database when there is an app (``people.known_usernames``);
expressions (``${...}``) are known only at run time and are not checked here.
"""
from __future__ import annotations

from typing import Any

from ..expressions import ExpressionError
from .checks_base import BaseChecks
from .meta import canonical_role, meta_from_element, split_list
from .xml import camunda_attr, local_name

HUMAN_TASKS = frozenset({'userTask', 'task', 'manualTask'})
ROLE_HINT = 'Set Assignee, Candidate users or Candidate groups, or put the task in a lane named after a role'
QUEUE = 'its tasks wait in the Unassigned queue until a supervisor or an admin assigns them'


def _literal(value: str | None) -> bool:
    return bool(value) and '${' not in value and '#{' not in value


class AssignmentChecks(BaseChecks):
    _users: dict[str, bool] | None | bool = False  # False: not looked up yet; None: no app to ask

    def check_assignment(self, el: Any) -> None:
        try:
            meta = meta_from_element(el, self.chains, self.known_roles)
        except ExpressionError:
            return  # the expressions themselves are reported by the other checks
        if not meta.has_owner:
            if local_name(el) == 'userTask':
                self.add(el, f'Nobody is named to work on this user task: {QUEUE}.',
                         f'{ROLE_HINT} ({", ".join(self.known_roles)}).', 'warning')
            else:
                self.add(el, 'Nobody is assigned to this confirm-only task.',
                         f'{ROLE_HINT}, or make it a user task.', 'warning')
        explicit = split_list(camunda_attr(el, 'candidateGroups'))
        if not explicit:
            explicit = [g for g in meta.candidate_groups if g not in self.known_roles]
        for group in explicit:
            if _literal(group) and group not in self.known_roles:
                known = canonical_role(group, self.known_roles)
                hint = f'Did you mean {known!r}?' if known else f'Known roles: {", ".join(self.known_roles)}.'
                self.add(el, f'Candidate group {group!r} is not a known role.', hint, 'warning')
        people = [('Assignee', meta.assignee)] if _literal(meta.assignee) else []
        people += [('Candidate user', u) for u in meta.candidate_users if _literal(u)]
        for label, name in people:
            self._check_user(el, label, name)

    def _check_user(self, el: Any, label: str, name: str) -> None:
        users = self._known_users()
        if users is None or users.get(name) is True:
            return
        state = 'is inactive' if name in users else 'does not exist'
        self.add(el, f'{label} {name!r} {state}.', f'Name an active user (login name). Until then {QUEUE}.',
                 'warning')

    def _known_users(self) -> dict[str, bool] | None:
        if self._users is False:
            from .. import people  # the database, asked only when a diagram names users

            self._users = people.known_usernames()
        return self._users
