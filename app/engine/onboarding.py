"""Who may not take work yet: 《机器人集成公司客户服务管理制度》第七条(一) 新入职服务人员需参加为期不少于30学时的
岗前培训 ... 经考核合格后方可上岗. A new hire (a row of the New hires ledger, app/records/training) may not
claim, be given or complete a task until the row is cleared (the hours and a passed exam recorded, or an
admin's audited override). Staff without a row (everyone hired before the ledger, the demo users, admins)
are on post. ``Actor.from_user`` reads it from the worker's cache; the staff snapshot (``people``) joins it."""
from __future__ import annotations

from sqlalchemy import select

from app.engine import epoch_cache
from app.extensions import db
from app.models import NewHire

PRE_POST_MESSAGE = ("You may not take tasks yet: your pre-post training (at least 30 class hours and a passed "
                    "exam) is not recorded.")


def in_training() -> frozenset[int]:
    """Ids of the new hires not yet cleared for their post. Kept per worker until the security epoch
    moves, or read once per transaction (app.engine.epoch_cache)."""
    return epoch_cache.cached("in_training", _read)


def _read() -> frozenset[int]:
    return frozenset(db.session.scalars(select(NewHire.user_id).where(NewHire.cleared_at.is_(None))))


def on_post(user_id: int | None) -> bool:
    """Whether the user may take tasks at all (not a new hire still in pre-post training)."""
    return user_id is None or user_id not in in_training()
