"""Who hears about what: task notifications go to the mail outbox.

Filled in by the mail outbox (issue 4); until then, these hooks do nothing."""
from __future__ import annotations


def task_created(task) -> None:
    """A new task: mail its assignee or candidate group (per-user: at once or digest)."""


def task_assigned(task) -> None:
    """A task (re)assigned by a supervisor: mail the new assignee."""
