"""Coded values of the service records and their translatable labels.

Columns store the stable code (English, lowercase); screens, exports and the
API show the label. One place, so processes and views agree on the codes.
"""
from __future__ import annotations

from flask_babel import lazy_gettext as _

CHANNEL_PREFERENCES = {"phone": _("Phone"), "email": _("Email"), "wechat": _("WeChat"), "onsite": _("On site")}
REQUEST_KINDS = {"after_sales": _("After-sales demand"), "pre_sales": _("Pre-sales consultation")}  # the column default first
REQUEST_CHANNELS = {"phone": _("Phone"), "email": _("Email"), "web": _("Web"), "onsite": _("On site"),
                    "followup": _("Follow-up visit"), "portal": _("Customer portal")}
REQUEST_TYPES = {
    "general_question": _("General question"),
    "routine_fault": _("Routine fault"),
    "complex_fault": _("Complex fault"),
    "emergency_stoppage": _("Emergency stoppage"),
}
PRIORITIES = {"low": _("Low"), "normal": _("Normal"), "high": _("High"), "urgent": _("Urgent")}
REQUEST_STATUSES = {
    "new": _("New"), "accepted": _("Accepted"), "in_progress": _("In progress"), "on_site": _("On site"),
    "resolved": _("Resolved"), "closed": _("Closed"), "escalated": _("Escalated"), "cancelled": _("Cancelled"),
}
SLA_STATES = {"on_time": _("On time"), "at_risk": _("At risk"), "overdue": _("Overdue")}
COMPLAINT_STATUSES = {
    "received": _("Received"), "forwarded": _("Forwarded"), "rectifying": _("Rectifying"),
    "awaiting_feedback": _("Awaiting feedback"), "closed": _("Closed"), "reopened": _("Reopened"),
    "cancelled": _("Cancelled"),
}
COMPLAINT_CHANNELS = {"phone": _("Phone"), "online": _("Website / online chat"), "email": _("Email"),
                      "letter": _("Letter"), "onsite": _("On site")}
COMPLAINT_CATEGORIES = {"product_quality": _("Product quality"), "service_attitude": _("Service attitude"),
                        "delivery": _("Delivery time"), "billing": _("Billing dispute"), "other": _("Other")}
COMPLAINT_SEVERITIES = {"general": _("General"), "serious": _("Serious"), "major": _("Major")}
SATISFACTION = {"1": _("1 - Very unsatisfied"), "2": _("2 - Unsatisfied"), "3": _("3 - Neutral"),
                "4": _("4 - Satisfied"), "5": _("5 - Very satisfied")}
INCIDENT_TYPES = {
    "product_quality": _("Product quality"),
    "natural_disaster": _("Natural disaster"),
    "public_health": _("Public-health event"),
}
INCIDENT_STATUSES = {"reported": _("Reported"), "responding": _("Responding"),
                     "recovering": _("Recovering"), "closed": _("Closed"), "cancelled": _("Cancelled")}
NOTIFY_CHANNELS = {"phone": _("Phone"), "sms": _("SMS"), "email": _("Email"), "wechat": _("WeChat")}
# How a satisfaction answer came in (第十三条(二): 线上问卷、电话回访、现场签字确认)
SURVEY_CHANNELS = {**NOTIFY_CHANNELS, "link": _("Online survey link"), "visit": _("On-site visit"),
                   "signature": _("Signature on the field record"), "portal": _("Customer portal")}
SURVEY_KINDS = {"follow_up": _("Follow-up visit"), "satisfaction": _("Satisfaction survey")}
NOTIFY_MODES = {"instant": _("Each task at once"), "digest": _("One digest at 09:00 each working day")}
MAIL_LOCALES = {"zh": "简体中文", "en": "English"}  # each language named in itself
LEVELS = {"high": _("High"), "low": _("Low")}
PLAN_STATUSES = {
    "draft": _("Draft"), "pending_approval": _("Pending approval"), "approved": _("Approved"),
    "in_progress": _("In progress"), "summarised": _("Summarised"), "closed": _("Closed"), "cancelled": _("Cancelled"),
}
CASE_CATEGORIES = {
    "fault": _("Fault handling"), "complaint": _("Complaint handling"), "emergency": _("Emergency response"),
    "consultation": _("Consultation"), "practice": _("Good practice"),
}
LANGUAGES = {"zh": "简体中文", "en": "English"}


def label(choices: dict, code: str | None) -> str:
    """The label of a code, or the code itself when unknown (never fails)."""
    if code is None or code == "":
        return ""
    return str(choices.get(str(code), code))
