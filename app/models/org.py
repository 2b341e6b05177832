"""Organisation: departments and the per-user profile FAB's User lacks."""
from flask_appbuilder import Model
from sqlalchemy import Column, ForeignKey, Index, Integer, String
from sqlalchemy.orm import relationship

from app.models.base import UtcDateTime


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


class OnCallShift(Model):
    """Who of a department is on call when (the 24-hour hotline, 设立24小时售后服务热线): an emergency
    goes to the person whose shift covers the moment it arrives. Supervisors keep the rota."""

    __tablename__ = "on_call_shift"
    __table_args__ = (Index("ix_on_call_department_start", "department_id", "starts_at"),)
    id = Column(Integer, primary_key=True)
    department_id = Column(Integer, ForeignKey("department.id", ondelete="CASCADE"), nullable=False)
    user_id = Column(Integer, ForeignKey("ab_user.id", ondelete="CASCADE"), nullable=False, index=True)
    starts_at = Column(UtcDateTime(), nullable=False)
    ends_at = Column(UtcDateTime(), nullable=False)
    note = Column(String(200))
    department = relationship(Department)
    user = relationship("User", foreign_keys=[user_id])
