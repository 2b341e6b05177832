"""Customer ledger: customers, their contacts, contracts/projects and equipment."""
from flask_appbuilder import Model
from sqlalchemy import Boolean, Column, Date, ForeignKey, Integer, String, Text
from sqlalchemy.orm import relationship

from app.models.base import UtcDateTime, utcnow


class Customer(Model):
    __tablename__ = "customer"
    id = Column(Integer, primary_key=True)
    name = Column(String(200), nullable=False, index=True)
    industry = Column(String(60), index=True)
    address = Column(String(300))
    channel_preference = Column(String(16), nullable=False, default="phone")
    notes = Column(Text)
    language = Column(String(8))  # zh | en: the language of the customer's mails (unset: the site's)
    created_at = Column(UtcDateTime(), nullable=False, default=utcnow)
    contacts = relationship("Contact", back_populates="customer", cascade="all, delete-orphan")
    contracts = relationship("Contract", back_populates="customer", cascade="all, delete-orphan")
    equipment = relationship("Equipment", back_populates="customer", cascade="all, delete-orphan")

    def __repr__(self) -> str:
        return self.name

    @property
    def primary_contact(self) -> "Contact | None":
        return next((c for c in self.contacts if c.is_primary), self.contacts[0] if self.contacts else None)


class Contact(Model):
    """A person at a customer. Phone and email are personal data: screens
    show them masked (see app.pii); ``__repr__`` deliberately shows the name only."""

    __tablename__ = "contact"
    id = Column(Integer, primary_key=True)
    customer_id = Column(Integer, ForeignKey("customer.id", ondelete="CASCADE"), nullable=False, index=True)
    name = Column(String(100), nullable=False)
    phone = Column(String(32))
    email = Column(String(200))
    position = Column(String(100))
    is_primary = Column(Boolean, nullable=False, default=False)
    customer = relationship(Customer, back_populates="contacts")

    def __repr__(self) -> str:
        return self.name

    def phone_masked(self):
        from app.pii import masked_field

        return masked_field(self, "phone")

    def email_masked(self):
        from app.pii import masked_field

        return masked_field(self, "email")


class Contract(Model):
    __tablename__ = "contract"
    id = Column(Integer, primary_key=True)
    customer_id = Column(Integer, ForeignKey("customer.id", ondelete="CASCADE"), nullable=False, index=True)
    code = Column(String(40), unique=True, nullable=False)
    name = Column(String(200), nullable=False)
    start_date = Column(Date)
    end_date = Column(Date)
    # in-sales (第十条(一) 合同交底): signing starts the handover; what the handover goes through
    signed_on = Column(Date)
    milestones = Column(Text)
    acceptance_criteria = Column(Text)
    responsibilities = Column(Text)
    service_terms = Column(Text)
    customer = relationship(Customer, back_populates="contracts")

    def __repr__(self) -> str:
        return f"{self.code} {self.name}"


class Equipment(Model):
    __tablename__ = "equipment"
    id = Column(Integer, primary_key=True)
    customer_id = Column(Integer, ForeignKey("customer.id", ondelete="CASCADE"), nullable=False, index=True)
    model = Column(String(100), nullable=False)
    serial = Column(String(60), unique=True, nullable=False)
    installed_on = Column(Date)
    warranty_end = Column(Date)
    maintenance_interval_months = Column(Integer)  # return visits with maintenance advice (维修保养); None: none
    customer = relationship(Customer, back_populates="equipment")

    def __repr__(self) -> str:
        return f"{self.model} ({self.serial})"
