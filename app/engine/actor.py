"""Who performs an engine operation: the services check permissions against it."""
from __future__ import annotations

from dataclasses import dataclass, field

STAFF_ROLES = frozenset({"Admin", "ProcessOwner", "Supervisor", "CustomerService",
                         "TechSupport", "FieldService", "Sales"})
PROCESS_DATA_ROLES = frozenset({"Admin", "Supervisor", "ProcessOwner"})


@dataclass(frozen=True)
class Actor:
    user_id: int | None
    username: str
    roles: frozenset[str] = field(default_factory=frozenset)
    # False for a new hire whose pre-post training is not recorded (app.engine.onboarding): no task work
    on_post: bool = True

    @classmethod
    def system(cls) -> "Actor":
        return cls(None, "system", frozenset({"Admin"}))

    @classmethod
    def from_user(cls, user) -> "Actor":
        # onboarding reads the New hires ledger (models): imported here so that the actor stays importable first
        from app.engine import onboarding

        roles = {r.name for r in user.roles} | {r.name for g in getattr(user, "groups", []) for r in g.roles}
        return cls(user.id, user.username, frozenset(roles), onboarding.on_post(user.id))

    @property
    def is_admin(self) -> bool:
        return "Admin" in self.roles

    @property
    def is_supervisor(self) -> bool:
        return bool(self.roles & {"Admin", "Supervisor"})

    @property
    def sees_process_data(self) -> bool:
        """Process variables and full history data are shown to these roles only (screens and API)."""
        return bool(self.roles & PROCESS_DATA_ROLES)

    @property
    def is_staff(self) -> bool:
        return bool(self.roles & STAFF_ROLES)
