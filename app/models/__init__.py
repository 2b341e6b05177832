"""All models, imported so that they register on the shared metadata."""
from app.models.audit import AuditLog  # noqa: F401
from app.models.calendar import CalendarOverride  # noqa: F401
from app.models.complaints import Complaint, ComplaintRound  # noqa: F401
from app.models.customers import Contact, Contract, Customer, Equipment  # noqa: F401
from app.models.emergency import (  # noqa: F401
    ContingencyPlan,
    EmergencyIncident,
    IncidentNotification,
    incident_customer,
)
from app.models.engine import (  # noqa: F401
    HistoryEvent,
    HumanTask,
    Job,
    MailOutbox,
    ProcessDefinition,
    ProcessDraft,
    ProcessInstance,
    SavedFilter,
    TaskCandidate,
)
from app.models.numbering import RecordCounter  # noqa: F401
from app.models.org import Department, UserProfile  # noqa: F401
from app.models.planning import Case, ServicePlan, ServicePlanFeedback  # noqa: F401
from app.models.service import FieldServiceRecord, ServiceRequest, Survey  # noqa: F401
