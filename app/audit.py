"""Write security events to the audit log (logins, role changes, PII reveals, deploys)."""
from __future__ import annotations

from flask import has_request_context, request
from flask_login import current_user

from app.extensions import db
from app.models.audit import AuditLog


def audit(event: str, *, target: str | None = None, detail: str | None = None,
          user=None, commit: bool = False) -> AuditLog:
    """Record one event; ``commit=False`` joins the caller's transaction."""
    if user is None and has_request_context() and current_user and current_user.is_authenticated:
        user = current_user
    row = AuditLog(
        event=event,
        user_id=getattr(user, "id", None),
        username=getattr(user, "username", None),
        target=(target or "")[:200] or None,
        detail=detail,
        ip=(request.remote_addr if has_request_context() else None),
    )
    db.session.add(row)
    if commit:
        db.session.commit()
    return row
