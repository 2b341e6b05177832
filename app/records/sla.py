"""Default SLA deadline of a service request when nobody set one.

Processes may set ``due_at`` themselves; this is the fallback used by the
screens and the demo data. Emergencies run on the clock, the rest on the
working-day calendar.
"""
from __future__ import annotations

from datetime import datetime, timedelta

from app.engine.workdays import default_calendar

EMERGENCY_HOURS = 4
WORKING_DURATION = {"general_question": "P1D", "routine_fault": "P1D", "complex_fault": "P3D"}


def default_due_at(request_type: str, start: datetime) -> datetime:
    if request_type == "emergency_stoppage":
        return start + timedelta(hours=EMERGENCY_HOURS)
    return default_calendar().add_working(start, WORKING_DURATION.get(request_type, "P1D"))
