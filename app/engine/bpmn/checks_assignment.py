"""Checks of who works a human task: warnings only, never refusals.

A user task nobody is named for (Camunda Modeler's default) and one naming a user or a role that
does not exist both run: at run time such a task waits in the Unassigned queue, where supervisors
and admins assign it (``task_actions``). Deploy says so, naming each unknown user and role.
Users are checked against the database when there is an app (``people.known_usernames``);
expressions (``${...}``) are known only at run time and are not checked here.
"""
from __future__ import annotations

from typing import Any

from flask_babel import lazy_gettext as _l

from ..expressions import ExpressionError
from .checks_base import BaseChecks
from .meta import canonical_role, meta_from_element, split_list
from .xml import camunda_attr, local_name

HUMAN_TASKS = frozenset({'userTask', 'task', 'manualTask'})
QUEUE_NOTE = _l('its tasks wait in the Unassigned queue until a supervisor or an admin assigns them')


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
                self.add(el, _l('Nobody is named to work on this user task: %(queue)s.', queue=QUEUE_NOTE),
                         _l('Set Assignee, Candidate users or Candidate groups, or put the task in a lane named '
                            'after a role (%(roles)s).', roles=', '.join(self.known_roles)), 'warning')
            else:
                self.add(el, _l('Nobody is assigned to this confirm-only task.'),
                         _l('Set Assignee, Candidate users or Candidate groups, or put the task in a lane named '
                            'after a role, or make it a user task.'), 'warning')
        explicit = split_list(camunda_attr(el, 'candidateGroups'))
        if not explicit:
            explicit = [g for g in meta.candidate_groups if g not in self.known_roles]
        for group in explicit:
            if _literal(group) and group not in self.known_roles:
                known = canonical_role(group, self.known_roles)
                hint = (_l("Did you mean '%(role)s'?", role=known) if known
                        else _l('Known roles: %(roles)s.', roles=', '.join(self.known_roles)))
                self.add(el, _l("Candidate group '%(group)s' is not a known role.", group=group), hint, 'warning')
        people = [('assignee', meta.assignee)] if _literal(meta.assignee) else []
        people += [('candidate', u) for u in meta.candidate_users if _literal(u)]
        for role, name in people:
            self._check_user(el, role, name)

    def _check_user(self, el: Any, role: str, name: str) -> None:
        users = self._known_users()
        if users is None or users.get(name) is True:
            return
        if role == 'assignee':
            message = (_l("Assignee '%(user)s' is inactive.", user=name) if name in users
                       else _l("Assignee '%(user)s' does not exist.", user=name))
        else:
            message = (_l("Candidate user '%(user)s' is inactive.", user=name) if name in users
                       else _l("Candidate user '%(user)s' does not exist.", user=name))
        self.add(el, message,
                 _l('Name an active user (login name). Until then %(queue)s.', queue=QUEUE_NOTE), 'warning')

    def _known_users(self) -> dict[str, bool] | None:
        if self._users is False:
            from .. import people  # the database, asked only when a diagram names users

            self._users = people.known_usernames()
        return self._users
