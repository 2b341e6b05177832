"""Security manager and the customer's roles.

The eight roles are FAB built-in roles: their permissions are regexes checked
in memory, so a permission check costs no query. Admins may still create
extra roles in the database through FAB's screens.
"""
from __future__ import annotations

import logging
import time

from flask import current_app, has_request_context, redirect, request
from flask_appbuilder import expose
from flask_appbuilder.security.sqla.manager import SecurityManager as FabSecurityManager
from flask_appbuilder.security.views import AuthDBView as FabAuthDBView
from flask_login import logout_user
from sqlalchemy import event, func, select
from sqlalchemy import inspect as sa_inspect
from sqlalchemy.orm import Session

log = logging.getLogger(__name__)

# Permission name patterns (FAB checks with re.match, so anchor the end).
READ = r"can_(read|list|show|get|info|download|export)$"
WRITE = r"can_(read|list|show|get|info|download|export|write|add|edit|post|put)$"
ALL = r".*"
SELF_SERVICE = [
    (r"(UserInfoEditView|ResetMyPasswordView)$", r"can_this_form_(get|post)$"),
    (r"(UserDBModelView|UserApiKeyModelView)$", r"(can_userinfo|resetmypassword|userinfoedit)$"),
    (r"(MyApiKeyView|ApiKey)$", ALL),
]
RECORDS = "Customer|ServiceRequest|Complaint|Incident|ContingencyPlan|FieldRecord|Survey|ServicePlan|Case|Department"
IN_SALES = "Delivery|SalesOrder"  # in-sales records: contract handovers, projects, orders
IN_SALES_MENUS = "Contract handovers|Projects|Orders"


TRAINING_MENUS = "Training|My training|Training plan|Training sessions|Training attendance|Training courses|Reserve staff"
PARTS_MENUS = "Spare parts|Stock|Stock movements|Stock locations|Refill orders|Stocktakes"
PRESALES = "Opportunity|SalesSolution|PresalesLedger"  # 售前: prospects, solutions, the follow-up ledger
PRESALES_MENUS = "Prospects|Solutions|Pre-sales ledger"


def _perm(views: str, perms: str) -> tuple[str, str]:
    return (rf"({views})$", perms)


def _menus(names: str) -> tuple[str, str]:
    return (rf"({names})$", r"menu_access$")


WORK_MENUS = "Work|My tasks|Group tasks|Completed tasks|Start a process|My settings|SLA policy|On-call rota|Service|Customers|Service requests|Complaints|Incidents|Contingency plans|Field records|Surveys|Service plans|Cases"

QUALITY_MENUS = "Quality|Daily spot checks|Sampled services|Monthly inspections|Quality meetings|Improvement actions|Maintenance visits"
# Checklist verdicts: every staff role may open them; the rule (quality.service.is_judge) lets the
# supervisors and the department heads judge, and lists the sample to nobody else.
VERDICTS = [_perm("QualityVerdict", WRITE), _menus("Quality|Sampled services")]

ROLE_PERMISSIONS: dict[str, list[tuple[str, str]]] = {
    "Admin": [(ALL, ALL)],
    "ProcessOwner": [
        _perm("QualityCheck|QualityVerdict|QualityMeeting|MaintenanceVisit", READ),  # quality
        _menus(QUALITY_MENUS),
        _perm(IN_SALES, READ),
        _menus(IN_SALES_MENUS),
        _perm("Training|SparePart|Stocktake|RefillOrder|MyTraining", READ),
        _menus(TRAINING_MENUS + "|" + PARTS_MENUS),
        _perm("StaffAssessment", READ), _menus("Staff assessments"),
        _perm("ProcessDefinition|ProcessInstance|Kpi", ALL),
        _perm("Inbox|SlaPolicy", ALL),
        _perm("OnCallRota", READ),
        _perm(RECORDS + "|WorkCalendar", READ),
        _perm(PRESALES, READ),
        _menus(WORK_MENUS + "|Process design|Processes|Process instances|Reports|KPIs"),
        _menus("Decision tables"),
        _menus(PRESALES_MENUS),
        *SELF_SERVICE,
    ],
    "Supervisor": [
        _perm("QualityCheck|QualityVerdict|QualityMeeting|MaintenanceVisit", ALL),  # quality
        _menus(QUALITY_MENUS),
        _perm(IN_SALES, ALL),
        _menus(IN_SALES_MENUS),
        _perm("Training|NewHire|SparePart|Stocktake|RefillOrder", ALL),
        _perm("MyTraining", READ),
        _menus(TRAINING_MENUS + "|New hires|" + PARTS_MENUS),
        _perm("StaffAssessment", ALL), _menus("Staff assessments"),
        _perm("Inbox|SlaPolicy|OnCallRota|ProcessInstance|" + RECORDS, ALL),
        _perm(PRESALES, ALL),
        _menus(PRESALES_MENUS),
        _perm("ContactData", r"can_reveal$"),
        _perm("Feedback", ALL), _menus("Feedback"),  # the public feedback form's records
        _perm("ProcessDefinition|WorkCalendar|Kpi|AuditLog|StaffProfile", READ),
        _perm("InboundMail", WRITE), _menus("Inbound mail"),  # the triage list of mail-in
        _menus(WORK_MENUS + "|Department tasks|Process instances|Processes|Process design|Reports|KPIs|Admin|Departments|Staff|Audit log"),
        *SELF_SERVICE,
    ],
    "CustomerService": [
        *VERDICTS,
        _perm("QualityMeeting|MaintenanceVisit", READ),  # quality: their actions and visits
        _menus("Quality|Quality meetings|Improvement actions|Maintenance visits"),
        _perm(IN_SALES, WRITE),
        _menus(IN_SALES_MENUS),
        _perm("Training|MyTraining|SparePart", READ),
        _menus(TRAINING_MENUS + "|Spare parts|Stock"),
        _perm("StaffAssessment", READ), _menus("Reports|Staff assessments"),
        _perm("Inbox|SlaPolicy", ALL),
        _perm("OnCallRota", READ),
        _perm("Customer|ServiceRequest|Complaint|Survey|Incident", WRITE),
        _perm("ContingencyPlan|FieldRecord|ServicePlan|Case|Department|ProcessInstance", READ),
        _perm("InboundMail", WRITE), _menus("Inbound mail"),  # the triage list of mail-in
        _perm(PRESALES, WRITE),
        _menus(PRESALES_MENUS),
        _perm("ContactData", r"can_reveal$"),
        _menus(WORK_MENUS),
        *SELF_SERVICE,
    ],
    "TechSupport": [
        *VERDICTS,
        _perm("QualityMeeting", READ),  # quality: their improvement actions
        _menus("Quality|Quality meetings|Improvement actions"),
        _perm(IN_SALES, READ),
        _menus(IN_SALES_MENUS),
        _perm("Training|MyTraining|SparePart|RefillOrder", READ),
        _menus(TRAINING_MENUS + "|Spare parts|Stock|Stock movements|Refill orders"),
        _perm("StaffAssessment", READ), _menus("Reports|Staff assessments"),
        _perm("Inbox|SlaPolicy", ALL),
        _perm("OnCallRota", READ),
        _perm("ServiceRequest|Case|FieldRecord|ServicePlan", WRITE),
        _perm("Customer|Complaint|Incident|ContingencyPlan|Survey|Department|ProcessInstance", READ),
        _perm("SalesSolution", WRITE),  # the technical review of a solution
        _perm("Opportunity|PresalesLedger", READ),
        _menus(PRESALES_MENUS),
        _menus(WORK_MENUS),
        *SELF_SERVICE,
    ],
    "FieldService": [
        *VERDICTS,
        _perm("QualityMeeting|MaintenanceVisit", READ),  # quality
        _menus("Quality|Quality meetings|Improvement actions|Maintenance visits"),
        _perm("Delivery", WRITE),
        _perm("SalesOrder", READ),
        _menus(IN_SALES_MENUS),
        _perm("Training|MyTraining|SparePart|RefillOrder", READ),
        _perm("Stocktake", WRITE),
        _menus(TRAINING_MENUS + "|" + PARTS_MENUS),
        _perm("StaffAssessment", READ), _menus("Reports|Staff assessments"),
        _perm("Inbox|SlaPolicy", ALL),
        _perm("OnCallRota", READ),
        _perm("FieldRecord", WRITE),
        _perm("Customer|ServiceRequest|Case|Incident|ContingencyPlan|Department|ProcessInstance", READ),
        _perm("ContactData", r"can_reveal$"),
        _menus(WORK_MENUS),
        *SELF_SERVICE,
    ],
    "Sales": [
        *VERDICTS,
        _perm("QualityMeeting", READ),  # quality: their improvement actions
        _menus("Quality|Quality meetings|Improvement actions"),
        _perm("SalesOrder", WRITE),
        _perm("Delivery", READ),
        _menus(IN_SALES_MENUS),
        _perm("Training|MyTraining", READ),
        _menus(TRAINING_MENUS),
        _perm("StaffAssessment", READ), _menus("Reports|Staff assessments"),
        _perm("Inbox|SlaPolicy", ALL),
        _perm("OnCallRota", READ),
        _perm("Customer|ServiceRequest|ServicePlan", WRITE),
        _perm("Complaint|Survey|Case|Department|ProcessInstance", READ),
        _perm(PRESALES, WRITE),
        _menus(PRESALES_MENUS),
        _perm("ContactData", r"can_reveal$"),
        _menus(WORK_MENUS),
        *SELF_SERVICE,
    ],
    "ReadOnly": [
        _perm("QualityCheck|QualityVerdict|QualityMeeting|MaintenanceVisit", READ),  # quality
        _menus(QUALITY_MENUS),
        _perm(IN_SALES, READ),
        _menus(IN_SALES_MENUS),
        _perm("Training|SparePart|Stocktake|RefillOrder", READ),
        _menus("Training|Training plan|Training sessions|Training courses|" + PARTS_MENUS),
        _perm(RECORDS + "|ProcessInstance|ProcessDefinition|Kpi", READ),
        _perm(PRESALES, READ),
        _menus(PRESALES_MENUS),
        _menus("Service|Customers|Service requests|Complaints|Incidents|Contingency plans|Field records|Surveys|Service plans|Cases|Process design|Processes|Process instances|Reports|KPIs"),
        *SELF_SERVICE,
    ],
}
ROLE_NAMES = list(ROLE_PERMISSIONS)


class AuthDBView(FabAuthDBView):
    """Logout changes state, so it takes a POST with a CSRF token."""

    @expose("/logout/", methods=["POST"])
    def logout(self):
        from app.audit import audit

        audit("logout", commit=True)
        logout_user()
        return redirect(self.appbuilder.get_url_for_login)


class SecurityManager(FabSecurityManager):
    """FAB's manager with our built-in roles, limiter and audit hooks."""

    authdbview = AuthDBView

    @property
    def userdbmodelview(self):
        from app.security_screens import UsersView  # local times, role names in words

        return UsersView

    @property
    def userstatschartview(self):
        from app.security_screens import UserStatsView  # translated, drawn without Google Charts

        return UserStatsView

    @staticmethod
    def create_builtin_roles():
        return ROLE_PERMISSIONS

    def create_jwt_manager(self, app):
        """FAB's manager, with verified tokens kept per worker (app/jwt_cache.py)."""
        from app.jwt_cache import CachingJWTManager

        jwt_manager = CachingJWTManager()
        jwt_manager.init_app(app)
        jwt_manager.user_lookup_loader(self.load_user_jwt)
        return jwt_manager

    def create_limiter(self, app):
        from app.extensions import limiter

        return limiter

    def _has_access_builtin_roles(self, role, permission_name: str, view_name: str) -> bool:
        """Built-in roles are fixed at start-up, so each (role, permission, view) answer is kept:
        a page's menu asks ~20 of them, each a scan of the role's regexes."""
        key = (role.name, permission_name, view_name)
        cache = self.__dict__.setdefault("_builtin_answers", {})
        if key not in cache:
            cache[key] = super()._has_access_builtin_roles(role, permission_name, view_name)
        return cache[key]

    def is_item_public(self, permission_name, view_name):
        """FAB asks this on every API call and reads the Public role and its permissions twice for it;
        the answer is kept until a security change (``security_epoch``), checked at most every
        ``SECURITY_CACHE_SECONDS`` (1 s) so every worker sees another's change within that time."""
        return (view_name, permission_name) in self._public_permissions()

    def _public_permissions(self) -> frozenset[tuple[str, str]]:
        cache = self.__dict__.setdefault("_public_cache", {"epoch": None, "pairs": None})
        epoch = self.epoch()
        if cache["pairs"] is None or epoch != cache["epoch"]:
            role = self.get_public_role()
            cache["pairs"] = frozenset((pv.view_menu.name, pv.permission.name)
                                       for pv in (role.permissions if role is not None else ()))
            cache["epoch"] = epoch
        return cache["pairs"]

    def epoch(self) -> int:
        """The security epoch as this worker knows it: re-read at most every ``SECURITY_CACHE_SECONDS``
        (so another worker's change is seen within that time), at once after a change flushed here."""
        cache = self.__dict__.setdefault("_epoch_cache", {"epoch": None, "checked": -1e9})
        now = time.monotonic()
        interval = float(current_app.config.get("SECURITY_CACHE_SECONDS", 1.0))
        if cache["epoch"] is not None and not _changed_here.get(id(self)) and now - cache["checked"] < interval:
            return cache["epoch"]
        _changed_here[id(self)] = False
        cache["epoch"], cache["checked"] = security_epoch(self.session), now
        return cache["epoch"]

    def load_user(self, pk):
        """The logged-in user with roles and groups: every request reads them (JWT identity, menu,
        permission checks, the actor). Read in ONE query, then kept per worker until the security epoch
        moves (a role, group, password, name or activation change: ``SECURITY_EVENTS``); each request gets
        its own copy in its session (``user_cache``), no statement."""
        from app.user_cache import cached_user

        return cached_user(self, int(pk), self._load_user_row)

    def _load_user_row(self, pk: int):
        from flask_appbuilder.security.sqla.models import Group
        from sqlalchemy.orm import joinedload

        return self.session.get(self.user_model, pk, options=[
            joinedload(self.user_model.roles), joinedload(self.user_model.groups).joinedload(Group.roles)])

    def sync_roles(self) -> None:
        """Create the role rows the built-in roles need (users link to rows)."""
        for name in [*ROLE_NAMES, self.auth_role_public]:
            if self.find_role(name) is None:
                self.add_role(name)

    # --- audit of security events -----------------------------------------
    def auth_user_db(self, username, password):
        from app.audit import audit

        user = super().auth_user_db(username, password)
        audit("login" if user else "login_failed", target=(username or "")[:64], user=user, commit=True)
        return user


# The audit events that change who may do what: their newest id is the security epoch.
SECURITY_EVENTS = ("user_created", "role_created", "role_change", "user_activated", "user_deactivated",
                   "role_permissions_changed", "user_deleted", "role_deleted",
                   # the per-worker user cache (app/user_cache) and the new hires held back (onboarding)
                   "password_changed", "user_changed", "group_change", "group_created", "group_deleted",
                   "new_hire_added", "new_hire_removed", "new_hire_reopened", "new_hire_cleared", "new_hire_override")
USER_FIELDS = ("first_name", "last_name", "username", "email")  # shown from the cached user: a change is audited
_changed_here: dict[int, bool] = {}  # id(security manager) of this process -> a change was flushed here since


def security_epoch(session) -> int:
    """The id of the newest security change (0: none), from the audit log every change writes."""
    from app.models.audit import AuditLog

    return session.scalar(select(func.max(AuditLog.id)).where(AuditLog.event.in_(SECURITY_EVENTS))) or 0


def _names(objects) -> list[str]:
    return sorted(getattr(o, "name", None) or str(o) for o in objects)


def _changes(relationship) -> str:
    history = relationship.history
    return " ".join([f"+{n}" for n in _names(history.added)] + [f"-{n}" for n in _names(history.deleted)])


def audit_security_changes(session, flush_context, instances) -> None:
    """Users and roles created or deleted, role assignments, role permissions and
    (de)activations, whichever screen, API or command made them: one audit row each,
    in the same transaction. FAB's own screens and APIs bypass SecurityManager.update_user."""
    from flask_appbuilder.security.sqla.models import Group, Role, User

    from app.models import NewHire
    from app.models.audit import AuditLog

    rows = []
    for obj in session.new:
        if isinstance(obj, User):
            rows.append(("user_created", obj.username, ",".join(_names(obj.roles))))
        elif isinstance(obj, Role):
            rows.append(("role_created", obj.name, None))
        elif isinstance(obj, Group):
            rows.append(("group_created", obj.name, ",".join(_names(obj.roles))))
        elif isinstance(obj, NewHire):
            rows.append(("new_hire_added", str(obj.user_id), None))
    for obj in session.dirty:
        state = sa_inspect(obj)
        if isinstance(obj, User):
            if state.attrs.roles.history.has_changes():
                rows.append(("role_change", obj.username, _changes(state.attrs.roles)))
            if state.attrs.groups.history.has_changes():
                rows.append(("group_change", obj.username, _changes(state.attrs.groups)))
            if state.attrs.active.history.has_changes():
                rows.append(("user_activated" if obj.active else "user_deactivated", obj.username, None))
            if state.attrs.password.history.has_changes():
                rows.append(("password_changed", obj.username, None))
            changed = [f for f in USER_FIELDS if getattr(state.attrs, f).history.has_changes()]
            if changed:
                rows.append(("user_changed", obj.username, ",".join(changed)))
        elif isinstance(obj, Role) and state.attrs.permissions.history.has_changes():
            rows.append(("role_permissions_changed", obj.name, _changes(state.attrs.permissions)[:2000]))
        elif isinstance(obj, Group) and (state.attrs.roles.history.has_changes()
                                         or state.attrs.users.history.has_changes()):
            rows.append(("group_change", obj.name, (_changes(state.attrs.roles) + " "
                                                    + _changes(state.attrs.users)).strip()[:2000]))
        elif isinstance(obj, NewHire) and state.attrs.user_id.history.has_changes():
            rows.append(("new_hire_reopened", str(obj.user_id), None))
        elif isinstance(obj, NewHire) and state.attrs.cleared_at.history.has_changes():
            if obj.cleared_at is None:
                rows.append(("new_hire_reopened", str(obj.user_id), None))
            elif not any(isinstance(o, AuditLog) and o.event in ("new_hire_cleared", "new_hire_override")
                         for o in session.new):  # the training rules write their own, with the reason
                rows.append(("new_hire_cleared", str(obj.user_id), None))
    for obj in session.deleted:
        if isinstance(obj, User):
            rows.append(("user_deleted", obj.username, None))
        elif isinstance(obj, Role):
            rows.append(("role_deleted", obj.name, None))
        elif isinstance(obj, Group):
            rows.append(("group_deleted", obj.name, None))
        elif isinstance(obj, NewHire):
            rows.append(("new_hire_removed", str(obj.user_id), None))
    audited = any(isinstance(o, AuditLog) and o.event in SECURITY_EVENTS for o in session.new)  # e.g. the training rules
    if not rows and not audited:
        return
    for manager in _changed_here:  # every app of this process (tests build several) re-reads the epoch
        _changed_here[manager] = True
    if not rows:
        return
    actor = _current_user()
    ip = request.remote_addr if has_request_context() else None
    session.add_all(AuditLog(event=event_name, target=(target or "")[:200] or None, detail=detail, ip=ip,
                             user_id=getattr(actor, "id", None), username=getattr(actor, "username", None))
                    for event_name, target, detail in rows)


def _current_user():
    """The signed-in user of the request (session, JWT or API key), if any."""
    if not has_request_context():
        return None
    from flask import current_app

    try:
        user = current_app.appbuilder.sm.current_user
    except Exception:  # no app builder yet, or a token problem being reported elsewhere
        return None
    return user if getattr(user, "is_authenticated", False) else None


if not event.contains(Session, "before_flush", audit_security_changes):
    event.listen(Session, "before_flush", audit_security_changes)
