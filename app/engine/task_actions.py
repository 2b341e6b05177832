"""Who may do what to a task, now: the one rule behind the task commands, the task page and the API.

``allowed_actions`` is what the page shows and the API returns; every command calls ``require``
with its action, so the engine refuses exactly what is not offered. The rule reads the task row,
its candidates and its instance's status (loaded with inbox pages), and, only for someone who is
not a candidate, the staff snapshot (``people.staff``: one query per transaction).
A refusal names users by id; their names are looked up only when it is raised.

Who may work a task at all is ``is_eligible``: an active user holding an inbox role whom the
task's candidates name (as a user, or through a role they hold). A task whose candidates name
nobody like that (none given, unknown users or roles, an expression naming nobody) is
*unroutable*: it waits in the Unassigned queue, and any active member of a working role
(``people.WORKING_ROLES``) may be given it. Claiming, completing an unclaimed task and assigning
all ask this one rule. A new hire whose pre-post training is not recorded is nobody's candidate
(``app.engine.onboarding``: ``Actor.on_post``, ``Person.on_post``): they may not claim, be given or complete an unclaimed task."""
from __future__ import annotations

from dataclasses import dataclass

from app.engine import onboarding, people
from app.engine.actor import Actor
from app.engine.errors import Conflict, EngineError, Forbidden, Invalid, TaskAlreadyClaimed, TaskAlreadyCompleted
from app.models import HumanTask

# In the order the task page offers them. Each is also POST /api/v1/tasks/{id}/{action}.
ACTIONS = ("complete", "draft", "claim", "release", "assign", "recommit")


@dataclass(frozen=True)
class Refusal:
    error: type[EngineError]
    message: str  # "{user}" stands for the user named by ``user_id``
    user_id: int | None = None
    user_key: str | None = None  # the error detail that names that user too (claimed_by, completed_by)

    def exception(self) -> EngineError:
        if "{user}" not in self.message:
            return self.error(self.message)
        who = people.username(self.user_id) or "system"
        return self.error(self.message.replace("{user}", who), **({self.user_key: who} if self.user_key else {}))


def is_candidate(task: HumanTask, actor: Actor) -> bool:
    """Offered to the actor: by name, or to one of their roles."""
    return any(c.user_id == actor.user_id or (c.role_name and c.role_name in actor.roles) for c in task.candidates)


def _offered_to(task: HumanTask, person: people.Person) -> bool:
    return any(c.user_id == person.id or (c.role_name and c.role_name in person.roles) for c in task.candidates)


def routable(task: HumanTask, staff: people.Staff | None = None) -> bool:
    """Whether the task's candidates name someone who can work it."""
    staff = staff or people.staff()
    held = staff.held_roles
    return any(c.user_id in staff.people or (c.role_name and c.role_name in held) for c in task.candidates)


def _eligible(task: HumanTask, person: people.Person, unroutable: bool) -> bool:
    if not person.on_post:
        return False
    return _offered_to(task, person) or (unroutable and bool(person.roles & people.WORKING_ROLES))


def is_eligible(task: HumanTask, user_id: int | None) -> bool:
    """Whether the user may work the task (be its assignee): see the module's docstring."""
    staff = people.staff()
    person = staff.people.get(user_id) if user_id is not None else None
    return person is not None and _eligible(task, person, not routable(task, staff))


def eligible_users(task: HumanTask) -> list[people.Person]:
    """Everyone who may work the task, by login name: what reassign pickers offer."""
    staff = people.staff()
    unroutable = not routable(task, staff)
    return [p for p in staff.by_name if _eligible(task, p, unroutable)]


def actor_eligible(task: HumanTask, actor: Actor) -> bool:
    """``is_eligible`` for the signed-in actor, whose roles are known: no query for a candidate."""
    if not actor.is_staff or actor.user_id is None or not actor.on_post:
        return False
    if is_candidate(task, actor):
        return True
    return bool(actor.roles & people.WORKING_ROLES) and not routable(task)


def holds(task: HumanTask, actor: Actor) -> bool:
    """The actor is the task's assignee."""
    return actor.user_id is not None and task.assignee_id == actor.user_id


def _not_workable(task: HumanTask) -> Refusal | None:
    if task.state == "completed":
        return Refusal(TaskAlreadyCompleted, f"Task '{task.name}' was already completed by {{user}}.",
                       task.completed_by_id, "completed_by")
    if task.state != "open":
        return Refusal(TaskAlreadyCompleted, f"Task '{task.name}' is no longer open ({task.state}).")
    if task.instance.status != "running":
        return Refusal(Invalid, f"The process is {task.instance.status}; its tasks cannot be worked on.")
    return None


def _confirm_only(task: HumanTask) -> Refusal:
    return Refusal(Invalid, f"Task '{task.name}' only needs confirming: complete it.")


def _not_candidate(task: HumanTask) -> Refusal:
    return Refusal(Forbidden, f"You are not a candidate for task '{task.name}'.")


def _claimed(task: HumanTask) -> Refusal:
    return Refusal(TaskAlreadyClaimed, f"Task '{task.name}' was already claimed by {{user}}.", task.assignee_id,
                   "claimed_by")


def refusal(task: HumanTask, actor: Actor, action: str) -> Refusal | None:
    """Why ``actor`` may not ``action`` the task now, or None if they may."""
    if action not in ACTIONS:
        raise ValueError(f"unknown task action {action!r}")
    if action == "assign" and not actor.is_supervisor:  # said first: the state is none of their business
        return Refusal(Forbidden, "Only supervisors and admins assign tasks.")
    why = _not_workable(task)
    if why or action == "assign":
        return why
    if action == "recommit":  # a new committed date (the delay notice): whoever holds it, or a supervisor
        if task.due_at is None:
            return Refusal(Invalid, f"Task '{task.name}' has no due date to move.")
        if not (holds(task, actor) or actor.is_supervisor):
            return Refusal(Forbidden, "Only the assignee or a supervisor may commit to a new date.")
        return None
    mine, free = holds(task, actor), task.assignee_id is None
    if action in ("complete", "claim") and not mine and not actor.on_post:
        return Refusal(Forbidden, onboarding.PRE_POST_MESSAGE)
    if action == "complete":  # completing a task offered to me claims it on the way
        if mine or (free and actor_eligible(task, actor)):
            return None
        if free:
            return _not_candidate(task)
        return Refusal(Forbidden, f"Task '{task.name}' is assigned to {{user}}.", task.assignee_id)
    if action == "claim":
        candidate = is_candidate(task, actor)
        if candidate and task.confirm_only:
            return _confirm_only(task)
        if not free and (candidate or actor.is_supervisor):  # who holds it is the news; no query
            return _claimed(task)
        if not actor_eligible(task, actor):
            return _not_candidate(task)
        if task.confirm_only:
            return _confirm_only(task)
        return _claimed(task) if not free else None
    if action == "release":
        if not (mine or actor.is_supervisor):
            return Refusal(Forbidden, "Only the assignee or a supervisor may release a task.")
        if task.confirm_only:
            return _confirm_only(task)
        if free:
            return Refusal(Conflict, f"Task '{task.name}' is not claimed by anyone.")
        return None
    # draft
    if task.confirm_only:
        return _confirm_only(task)
    if not mine:
        return Refusal(Forbidden, "Claim the task before saving a draft.")
    if not task.form:
        return Refusal(Invalid, f"Task '{task.name}' has no form to save.")
    return None


def allowed_actions(task: HumanTask, actor: Actor) -> tuple[str, ...]:
    """The actions ``actor`` may take on the task now, in ``ACTIONS`` order."""
    return tuple(a for a in ACTIONS if refusal(task, actor, a) is None)


def require(task: HumanTask, actor: Actor, action: str) -> None:
    """Raise the engine error that says why, unless ``allowed_actions`` has ``action``."""
    why = refusal(task, actor, action)
    if why is not None:
        raise why.exception()
