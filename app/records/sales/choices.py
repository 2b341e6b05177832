"""Coded values of the pre-sales records and their translatable labels (codes stored, labels shown)."""
from __future__ import annotations

from flask_babel import lazy_gettext as _

PRODUCT_LINES = {"robot_integration": _("Robot integration"), "air_conditioning": _("Air conditioning")}
BUDGET_RANGES = {
    "lt_100k": _("Under 100,000 CNY"), "100k_500k": _("100,000-500,000 CNY"), "500k_1m": _("500,000-1 million CNY"),
    "1m_5m": _("1-5 million CNY"), "gt_5m": _("Over 5 million CNY"), "unknown": _("Not given yet"),
}
OPPORTUNITY_STATUSES = {
    "new": _("New enquiry"), "contacted": _("Needs recorded"), "solution": _("Solution in preparation"),
    "review": _("Technical review"), "proposed": _("Solution presented"), "question": _("Answering a question"),
    "following": _("Following up"), "closing": _("Recording the outcome"), "won": _("Won"), "lost": _("Lost"),
    "stopped": _("Enquiry stopped"), "closed": _("Closed"), "cancelled": _("Cancelled"),
}
OUTCOMES = {"won": _("Won"), "lost": _("Lost"), "stopped": _("Enquiry stopped")}
OPEN_STATUSES = ("new", "contacted", "solution", "review", "proposed", "question", "following", "closing")
LANGUAGES = {"zh": _("Chinese"), "en": _("English")}
CONTACT_KINDS = {"first_contact": _("First needs contact"), "solution": _("Solution presented"),
                 "answer": _("Question answered"), "followup": _("Weekly follow-up")}
CONTACT_METHODS = {"phone": _("Phone"), "visit": _("Visit"), "email": _("Email"), "wechat": _("WeChat"),
                   "meeting": _("Meeting")}
DECISIONS = {"undecided": _("Undecided: keep following up"), "question": _("Has a question"),
             "revise": _("Wants the solution changed"), "won": _("Agreed to cooperate (won)"),
             "lost": _("Chose another supplier (lost)"), "stopped": _("Stopped the enquiry")}
REVIEW_STATUSES = {"pending": _("Awaiting review"), "approved": _("Approved"), "rejected": _("Sent back")}
