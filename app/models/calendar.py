"""Admin overrides of the official working-day calendar."""
from flask_appbuilder import Model
from sqlalchemy import Column, Date, Integer, String


class CalendarOverride(Model):
    __tablename__ = "calendar_override"
    id = Column(Integer, primary_key=True)
    day = Column(Date, unique=True, nullable=False)
    kind = Column(String(16), nullable=False)  # holiday | workday | closure
    note = Column(String(200))

    def __repr__(self) -> str:
        return f"{self.day} {self.kind}"
