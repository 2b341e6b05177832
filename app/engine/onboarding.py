"""Who may not take work yet: 《机器人集成公司客户服务管理制度》第七条(一) 新入职服务人员需参加为期不少于30学时的
岗前培训 ... 经考核合格后方可上岗. A new hire (a row of the New hires ledger, app/records/training) may not
claim, be given or complete a task until the row is cleared (the hours and a passed exam recorded, or an
admin's audited override). Staff without a row (everyone hired before the ledger, the demo users, admins)
are on post. ``Actor.from_user`` reads it from the worker's cache; the staff snapshot (``people``) joins it."""
from __future__ import annotations

from flask import current_app, has_app_context
from sqlalchemy import select

from app.extensions import db
from app.models import NewHire

PRE_POST_MESSAGE = ("You may not take tasks yet: your pre-post training (at least 30 class hours and a passed "
                    "exam) is not recorded.")


def in_training() -> frozenset[int]:
    """Ids of the new hires not yet cleared for their post. Kept per worker until the security epoch moves
    (adding, clearing or removing a new hire is an audited security event: app.security); without the
    app's security manager (a bare session), read once per transaction."""
    sm = getattr(getattr(current_app, "appbuilder", None), "sm", None) if has_app_context() else None
    if sm is not None and hasattr(sm, "epoch"):
        epoch = sm.epoch()
        cached = sm.__dict__.get("_in_training")
        if cached is None or cached[0] != epoch:
            cached = sm.__dict__["_in_training"] = (epoch, _read())
        return cached[1]
    info = db.session.info
    tx = db.session().get_transaction()
    cached = info.get("in_training")
    if cached is not None and tx is not None and cached[0] is tx:
        return cached[1]
    ids = _read()
    info["in_training"] = (db.session().get_transaction(), ids)
    return ids


def _read() -> frozenset[int]:
    return frozenset(db.session.scalars(select(NewHire.user_id).where(NewHire.cleared_at.is_(None))))


def on_post(user_id: int | None) -> bool:
    """Whether the user may take tasks at all (not a new hire still in pre-post training)."""
    return user_id is None or user_id not in in_training()
