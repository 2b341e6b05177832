"""Organisation: departments and the per-user profile FAB's User lacks."""
from flask_appbuilder import Model
from sqlalchemy import Column, ForeignKey, Integer, String
from sqlalchemy.orm import relationship


class Department(Model):
    __tablename__ = "department"
    id = Column(Integer, primary_key=True)
    code = Column(String(32), unique=True, nullable=False)
    name = Column(String(100), nullable=False)
    name_en = Column(String(100))
    head_id = Column(Integer, ForeignKey("ab_user.id"))
    head = relationship("User", foreign_keys=[head_id])

    def __repr__(self) -> str:
        """How FAB's screens show a department: its English name on English pages, where set."""
        from flask import has_request_context

        if self.name_en and has_request_context():
            from flask_babel import get_locale

            if str(get_locale()) == "en":
                return self.name_en
        return self.name


class UserProfile(Model):
    """Department membership and notification preference of a user."""

    __tablename__ = "user_profile"
    user_id = Column(Integer, ForeignKey("ab_user.id", ondelete="CASCADE"), primary_key=True)
    department_id = Column(Integer, ForeignKey("department.id"), index=True)
    notify_mode = Column(String(10), nullable=False, default="instant")  # instant | digest
    locale = Column(String(5))  # language of task mails: zh | en; NULL: BABEL_DEFAULT_LOCALE
    phone = Column(String(32))
    user = relationship("User", foreign_keys=[user_id])
    department = relationship(Department)
