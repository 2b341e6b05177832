"""Training screens: courses, sessions with their attendance, the plan, new hires (with the admin's
audited override), reserve staff, and each person's training history ("My training")."""
from __future__ import annotations

from flask import abort, flash, g, redirect, request, url_for
from flask_appbuilder import expose
from flask_appbuilder.actions import action
from flask_appbuilder.models.sqla.filters import FilterEqualFunction
from flask_appbuilder.models.sqla.interface import SQLAInterface
from flask_appbuilder.security.decorators import has_access
from flask_babel import gettext, lazy_gettext as _

from app.engine import clock
from app.engine.errors import EngineError
from app.extensions import db
from app.models import (
    NewHire, ReserveStaff, TrainingAttendance, TrainingCourse, TrainingPlan, TrainingSession,
)
from app.records.process_link import start_from_view
from app.records.screens import RECORD_PERMISSIONS, RecordView
from app.records.training import rules
from app.views.errors import field_errors, message_of

COURSE_KINDS = {"pre_post": _("Pre-post training"), "on_job": _("On-the-job training"),
                "cross_dept": _("Cross-department drill"), "external": _("External course"),
                "special": _("Special training")}
PLAN_STATUSES = {"planned": _("Planned"), "held": _("Held"), "missed": _("Missed"), "closed": _("Closed"),
                 "cancelled": _("Cancelled")}
RESERVE_METHODS = {"rotation": _("Job rotation"), "shadowing": _("Shadowing")}


def _current_user_id():
    return getattr(g.user, "id", None)


class TrainingCourseView(RecordView):
    datamodel = SQLAInterface(TrainingCourse)
    class_permission_name = "Training"
    export_name = "training_courses"
    list_title = _("Training courses")
    show_title = _("Training course")
    add_title = _("Add training course")
    edit_title = _("Edit training course")
    base_order = ("code", "asc")
    list_columns = ["code", "title", "kind", "hours", "has_exam", "provider", "active"]
    add_columns = edit_columns = show_columns = ["code", "title", "kind", "hours", "has_exam", "provider",
                                                 "content", "active"]
    search_columns = ["code", "title", "kind", "has_exam", "provider", "active"]
    label_columns = {"code": _("Code"), "title": _("Title"), "kind": _("Training type"), "hours": _("Class hours"),
                     "has_exam": _("Ends with an exam"), "provider": _("Trainer or provider"),
                     "content": _("Content"), "active": _("Active")}
    choice_columns = {"kind": COURSE_KINDS}
    description_columns = {"kind": _("Pre-post courses count towards a new hire's 30 hours and exam.")}


class TrainingAttendanceView(RecordView):
    """Attendance: hours credited and exam results; recording one may clear a new hire for their post."""

    datamodel = SQLAInterface(TrainingAttendance)
    class_permission_name = "Training"
    export_name = "training_attendance"
    list_title = _("Training attendance")
    show_title = _("Attendance")
    add_title = _("Record attendance")
    edit_title = _("Edit attendance")
    base_order = ("recorded_at", "desc")
    list_columns = ["user", "session", "hours", "exam_score", "passed"]
    add_columns = edit_columns = ["session", "user", "hours", "exam_score", "passed"]
    show_columns = add_columns + ["recorded_at"]
    search_columns = ["user", "session", "passed"]
    label_columns = {"user": _("Staff member"), "session": _("Session"), "hours": _("Class hours"),
                     "exam_score": _("Exam score"), "passed": _("Exam passed"), "recorded_at": _("Recorded at")}
    description_columns = {"passed": _("Leave unticked when the session has no exam or it was not passed.")}

    def pre_add(self, item) -> None:
        super().pre_add(item)
        if item.session is not None and not item.hours:
            item.hours = item.session.hours
        if item.exam_score is not None and not 0 <= item.exam_score <= 100:
            raise ValueError(gettext("%(field)s must be between 0 and 100.", field=self.label_columns["exam_score"]))

    pre_update = pre_add

    def post_add(self, item) -> None:
        if rules.refresh(item.user_id) is not None:  # a new hire: the rule may clear them now
            db.session.commit()

    post_update = post_add


class TrainingSessionView(RecordView):
    datamodel = SQLAInterface(TrainingSession)
    class_permission_name = "Training"
    export_name = "training_sessions"
    list_title = _("Training sessions")
    show_title = _("Training session")
    add_title = _("Add training session")
    edit_title = _("Edit training session")
    base_order = ("starts_at", "desc")
    list_columns = ["course", "starts_at", "hours", "trainer", "departments", "is_drill", "plan"]
    add_columns = edit_columns = ["course", "starts_at", "hours", "trainer", "place", "departments", "is_drill",
                                  "plan", "notes"]
    show_columns = add_columns
    search_columns = ["course", "starts_at", "trainer", "departments", "is_drill", "plan"]
    label_columns = {"course": _("Course"), "starts_at": _("Held at"), "hours": _("Class hours"),
                     "trainer": _("Trainer"), "place": _("Place"), "departments": _("Departments"),
                     "is_drill": _("Service drill"), "plan": _("Plan item"), "notes": _("Notes")}
    related_views = [TrainingAttendanceView]


class TrainingPlanView(RecordView):
    datamodel = SQLAInterface(TrainingPlan)
    class_permission_name = "Training"
    method_permission_name = {**RECORD_PERMISSIONS, "plan_year": "write"}
    export_name = "training_plan"
    list_template = "records/training_plan_list.html"
    list_title = _("Training plan")
    show_title = _("Training plan item")
    add_title = _("Add training plan item")
    edit_title = _("Edit training plan item")
    base_order = ("due_on", "asc")
    list_columns = ["number", "period", "kind", "title", "due_on", "organiser", "status", "held_at"]
    add_columns = ["year", "period", "kind", "title", "content", "course", "due_on", "organiser"]
    edit_columns = add_columns
    show_columns = ["number"] + add_columns + ["status", "held_at", "process_instance"]
    search_columns = ["year", "period", "kind", "title", "due_on", "status"]
    label_columns = {"number": _("Number"), "year": _("Year"), "period": _("Period"), "kind": _("Training type"),
                     "title": _("Title"), "content": _("Content"), "course": _("Course"), "due_on": _("Due on"),
                     "organiser": _("Organiser"), "status": _("Status"), "held_at": _("Held at"),
                     "process_instance": _("Process instance")}
    choice_columns = {"kind": COURSE_KINDS, "status": PLAN_STATUSES}
    description_columns = {"period": _("M01–M12 for a month, Q1–Q4 for a quarter, Y for the year.")}

    def post_add(self, item) -> None:
        start_from_view(item)  # training_plan: the organiser's reminder task

    def render_template(self, template, **kwargs):
        kwargs.setdefault("plan_year", clock.local_today().year)
        return super().render_template(template, **kwargs)

    @expose("/plan_year", methods=["POST"])
    @has_access
    def plan_year(self):
        """The yearly plan: a monthly training and a quarterly drill, each with its reminder process."""
        try:
            year = int(request.form.get("year") or clock.local_today().year)
        except ValueError:
            year = clock.local_today().year
        items = rules.year_plan(year, organiser_id=_current_user_id())
        db.session.commit()  # the plan stays even if a process cannot start (start_from_view says so)
        for item in items:
            start_from_view(item)
        flash(gettext("%(n)s plan items added for %(year)s.", n=len(items), year=year), "success")
        return redirect(url_for("TrainingPlanView.list"))


class NewHireView(RecordView):
    """新员工岗前培训: a new hire may not take tasks until cleared (the rule, or an admin's override)."""

    datamodel = SQLAInterface(NewHire)
    class_permission_name = "NewHire"
    method_permission_name = {**RECORD_PERMISSIONS, "override": "write", "clear_override": "write"}
    export_name = "new_hires"
    list_title = _("New hires")
    show_title = _("New hire")
    add_title = _("Add new hire")
    edit_title = _("Edit new hire")
    base_order = ("hired_on", "desc")
    list_columns = ["user", "hired_on", "post", "mentor", "hours_done", "exam_done", "cleared_at",
                    "cleared_by_override"]
    order_columns = ["hired_on", "post", "cleared_at", "cleared_by_override"]  # not the computed ones
    add_columns = ["user", "hired_on", "post", "mentor", "required_hours"]
    edit_columns = ["hired_on", "post", "mentor"]
    show_columns = add_columns + ["hours_done", "exam_done", "cleared_at", "cleared_by_override", "override_reason"]
    search_columns = ["user", "hired_on", "post", "cleared_at", "cleared_by_override"]
    label_columns = {"user": _("Staff member"), "hired_on": _("Hired on"), "post": _("Post"), "mentor": _("Mentor"),
                     "required_hours": _("Required class hours"), "hours_done": _("Pre-post hours"),
                     "exam_done": _("Exam passed"), "cleared_at": _("Cleared for the post at"),
                     "cleared_by_override": _("Cleared by an admin's override"),
                     "override_reason": _("Override reason")}
    description_columns = {"user": _("Until cleared, this person may not claim or be given tasks.")}
    formatters_columns = {"hours_done": lambda h: h, "exam_done": lambda v: gettext("Yes") if v else gettext("No")}

    def pre_add(self, item) -> None:
        super().pre_add(item)
        if item.user is not None and db.session.query(NewHire).filter_by(user_id=item.user.id).first():
            raise ValueError(gettext("%(user)s is already on the new-hire list.", user=item.user))
        item.required_hours = max(item.required_hours or 0, rules.PRE_POST_HOURS)  # not below the rule

    def post_add(self, item) -> None:
        rules.refresh(item.user_id)  # training recorded before the row counts
        db.session.commit()

    def action_applies(self, name: str, item) -> bool:
        if name != "clear_override":
            return True
        is_admin = any(r.name == "Admin" for r in getattr(g.user, "roles", []))
        return is_admin and item.cleared_at is None  # the rule itself refuses anyone else

    @action("clear_override", _("Clear for the post (admin override)"), confirmation=None, icon="fa-unlock",
            multiple=False)
    def clear_override(self, item):
        return redirect(url_for("NewHireView.override", pk=item.id))

    @expose("/override/<int:pk>", methods=["GET", "POST"])
    @has_access
    def override(self, pk: int):
        hire = db.session.get(NewHire, pk) or abort(404)
        errors, reason = {}, request.form.get("reason", "")
        if request.method == "POST":
            try:
                rules.override(hire, reason, user=g.user)
            except EngineError as err:
                db.session.rollback()
                errors = field_errors(err) or {"reason": message_of(err)}
            else:
                db.session.commit()
                flash(gettext("%(user)s may now take tasks; the override is in the audit log.", user=hire.user),
                      "success")
                return redirect(url_for("NewHireView.show", pk=pk))
        record = rules.pre_post(hire.user_id, hire.required_hours)
        return self.render_template("records/new_hire_override.html", hire=hire, record=record, errors=errors,
                                    reason=reason)


class ReserveStaffView(RecordView):
    datamodel = SQLAInterface(ReserveStaff)
    class_permission_name = "Training"
    export_name = "reserve_staff"
    list_title = _("Reserve staff")
    show_title = _("Reserve staff member")
    add_title = _("Add reserve staff member")
    edit_title = _("Edit reserve staff member")
    base_order = ("post", "asc")
    list_columns = ["post", "user", "method", "since", "notes"]
    add_columns = edit_columns = show_columns = list_columns
    search_columns = ["post", "user", "method"]
    label_columns = {"post": _("Core post"), "user": _("Staff member"), "method": _("Preparation"),
                     "since": _("Since"), "notes": _("Notes")}
    choice_columns = {"method": RESERVE_METHODS}
    description_columns = {"post": _("Each core post has 1–2 reserve staff (第五条(二)).")}

    def pre_add(self, item) -> None:
        super().pre_add(item)
        others = db.session.query(ReserveStaff).filter(ReserveStaff.post == item.post,
                                                       ReserveStaff.id != (item.id or 0)).count()
        if others >= 2:
            raise ValueError(gettext("%(post)s already has two reserve staff.", post=item.post))

    pre_update = pre_add


class MyTrainingView(RecordView):
    """培训档案: the signed-in person's training history (supervisors see everyone's under Attendance)."""

    datamodel = SQLAInterface(TrainingAttendance)
    class_permission_name = "MyTraining"
    method_permission_name = {"list": "read", "show": "read", "export": "read"}
    export_name = "my_training"
    list_title = _("My training")
    show_title = _("Attendance")
    base_order = ("recorded_at", "desc")
    base_filters = [["user_id", FilterEqualFunction, _current_user_id]]
    base_permissions = ["can_read"]
    list_columns = ["session", "hours", "exam_score", "passed", "recorded_at"]
    show_columns = list_columns
    search_columns = ["session", "passed"]
    label_columns = TrainingAttendanceView.label_columns
