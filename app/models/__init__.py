"""All models, imported so that they register on the shared metadata."""
from app.models.audit import AuditLog  # noqa: F401
from app.models.calendar import CalendarOverride  # noqa: F401
from app.models.engine import (  # noqa: F401
    HistoryEvent,
    HumanTask,
    Job,
    ProcessDefinition,
    ProcessInstance,
    TaskCandidate,
)
from app.models.org import Department, UserProfile  # noqa: F401
