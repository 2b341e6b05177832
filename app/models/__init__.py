"""All models, imported so that they register on the shared metadata.

The engine's and the organisation's models live here; each record kind keeps its models beside its
screens and process link (app/records/<kind>/models.py) and is re-exported here, so that
``from app.models import X`` names every model."""
from app.models.audit import AuditLog  # noqa: F401
from app.models.calendar import CalendarOverride  # noqa: F401
from app.models.decision import DecisionDefinition  # noqa: F401
from app.models.engine import (  # noqa: F401
    HistoryEvent,
    HumanTask,
    IdempotencyRecord,
    Job,
    MailOutbox,
    ProcessDefinition,
    ProcessDraft,
    ProcessInstance,
    SavedFilter,
    TaskCandidate,
)
from app.models.numbering import RecordCounter  # noqa: F401
from app.models.org import Department, OnCallShift, UserProfile  # noqa: F401
from app.models.settings import SiteSetting  # noqa: F401
from app.records.assessment.models import AssessmentLine, StaffAssessment  # noqa: F401
from app.records.complaints.models import Complaint, ComplaintRound  # noqa: F401
from app.records.conversation.models import ConversationAttachment, ConversationMessage  # noqa: F401
from app.records.conversation.inbound_model import InboundMail  # noqa: F401
from app.records.customers.models import Contact, Contract, Customer, Equipment  # noqa: F401
from app.records.emergency.models import (  # noqa: F401
    ContingencyPlan,
    EmergencyIncident,
    IncidentNotification,
    incident_customer,
)
from app.records.planning.models import Case, ServicePlan, ServicePlanFeedback  # noqa: F401
from app.records.quality.models import (  # noqa: F401
    ImprovementAction,
    MaintenanceVisit,
    QualityInspection,
    QualityMeeting,
    SpotCheck,
    SpotCheckItem,
)
from app.records.service.models import FieldServiceRecord, ServiceRequest, Survey  # noqa: F401
from app.records.delivery.models import (  # noqa: F401
    ContractHandover,
    OrderLine,
    ProgressReport,
    Project,
    ProjectMilestone,
    SalesOrder,
)
from app.records.parts.models import (  # noqa: F401
    RefillOrder,
    SparePart,
    StockLevel,
    StockLocation,
    StockMovement,
    Stocktake,
    StocktakeLine,
)
from app.records.training.models import (  # noqa: F401
    NewHire,
    ReserveStaff,
    TrainingAttendance,
    TrainingCourse,
    TrainingPlan,
    TrainingSession,
)
from app.records.sales.models import Opportunity, PresalesContact, PresalesQuestion, SalesSolution  # noqa: F401
from app.portal.models import PortalLink  # noqa: F401
from app.records.feedback.models import Feedback  # noqa: F401
from app.models.forms import FormDefinition  # noqa: F401
