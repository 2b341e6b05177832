"""Read-only APIs of training: courses and sessions (``Training``, the screens' permission). Attendance and
new hires are people's records and stay on the screens."""
from __future__ import annotations

from flask_appbuilder.models.sqla.interface import SQLAInterface

from app.api.records import RecordApi
from app.models import TrainingCourse, TrainingSession


class CoursesApi(RecordApi):
    resource_name = "training_courses"
    class_permission_name = "Training"
    datamodel = SQLAInterface(TrainingCourse)
    list_columns = ["id", "code", "title", "kind", "has_exam", "provider", "active"]
    show_columns = list_columns + ["content"]
    search_columns = ["code", "title", "kind", "active"]
    order_columns = ["code", "title", "kind"]


class SessionsApi(RecordApi):
    resource_name = "training_sessions"
    class_permission_name = "Training"
    datamodel = SQLAInterface(TrainingSession)
    list_columns = ["id", "course_id", "starts_at", "trainer", "place", "departments", "is_drill", "plan_id"]
    show_columns = list_columns + ["notes"]
    search_columns = ["course", "starts_at", "is_drill"]
    order_columns = ["starts_at"]
