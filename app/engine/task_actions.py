"""Who may do what to a task, now: the one rule behind the task commands, the task page and the API.

``allowed_actions`` is what the page shows and the API returns; every command calls ``require``
with its action, so the engine refuses exactly what is not offered. The rule reads the task row,
its candidates and its instance's status (loaded with inbox pages): never the database.
A refusal names users by id; their names are looked up only when it is raised."""
from __future__ import annotations

from dataclasses import dataclass

from app.engine import people
from app.engine.actor import Actor
from app.engine.errors import Conflict, EngineError, Forbidden, Invalid, TaskAlreadyClaimed, TaskAlreadyCompleted
from app.models import HumanTask

# In the order the task page offers them. Each is also POST /api/v1/tasks/{id}/{action}.
ACTIONS = ("complete", "draft", "claim", "release", "assign")


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


def refusal(task: HumanTask, actor: Actor, action: str) -> Refusal | None:
    """Why ``actor`` may not ``action`` the task now, or None if they may."""
    if action not in ACTIONS:
        raise ValueError(f"unknown task action {action!r}")
    if action == "assign" and not actor.is_supervisor:  # said first: the state is none of their business
        return Refusal(Forbidden, "Only supervisors and admins assign tasks.")
    why = _not_workable(task)
    if why or action == "assign":
        return why
    mine, free, candidate = holds(task, actor), task.assignee_id is None, is_candidate(task, actor)
    confirm_only = Refusal(Invalid, f"Task '{task.name}' only needs confirming: complete it.")
    if action == "complete":  # completing a task offered to me claims it on the way
        if mine or (free and (candidate or actor.is_admin)):
            return None
        if free:
            return Refusal(Forbidden, f"You are not a candidate for task '{task.name}'.")
        return Refusal(Forbidden, f"Task '{task.name}' is assigned to {{user}}.", task.assignee_id)
    if action == "claim":
        if not (candidate or actor.is_supervisor):
            return Refusal(Forbidden, f"You are not a candidate for task '{task.name}'.")
        if task.confirm_only:
            return confirm_only
        if not free:
            return Refusal(TaskAlreadyClaimed, f"Task '{task.name}' was already claimed by {{user}}.",
                           task.assignee_id, "claimed_by")
        return None
    if action == "release":
        if not (mine or actor.is_supervisor):
            return Refusal(Forbidden, "Only the assignee or a supervisor may release a task.")
        if task.confirm_only:
            return confirm_only
        if free:
            return Refusal(Conflict, f"Task '{task.name}' is not claimed by anyone.")
        return None
    # draft
    if task.confirm_only:
        return confirm_only
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
