"""Spare parts, stock locations, stock levels and movements, refill orders and stocktakes."""
from __future__ import annotations

from flask_appbuilder import Model
from sqlalchemy import Boolean, CheckConstraint, Column, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import relationship

from app.models.base import UtcDateTime, utcnow
from app.models.numbering import number_on_insert


class SparePart(Model):
    __tablename__ = "spare_part"
    id = Column(Integer, primary_key=True)
    code = Column(String(32), unique=True, nullable=False)
    name = Column(String(200), nullable=False)
    category = Column(String(16), nullable=False, default="electrical")
    unit = Column(String(16), nullable=False, default="pcs")
    fits_models = Column(String(300))  # 兼容性: the equipment models it fits
    supplier = Column(String(200))  # 严格控制配件的采购渠道: the approved purchasing channel
    min_stock = Column(Integer, nullable=False, default=0)
    refill_quantity = Column(Integer, nullable=False, default=0)  # how many a refill orders; 0: back to 2x minimum
    active = Column(Boolean, nullable=False, default=True)

    def __repr__(self) -> str:
        return f"{self.code} {self.name}"


class StockLocation(Model):
    """A warehouse, or an engineer's van stock."""

    __tablename__ = "stock_location"
    id = Column(Integer, primary_key=True)
    code = Column(String(32), unique=True, nullable=False)
    name = Column(String(100), nullable=False)
    kind = Column(String(16), nullable=False, default="warehouse")  # warehouse | van
    holder_id = Column(Integer, ForeignKey("ab_user.id", ondelete="SET NULL"))
    active = Column(Boolean, nullable=False, default=True)
    holder = relationship("User", foreign_keys=[holder_id])

    def __repr__(self) -> str:
        return self.name


class StockLevel(Model):
    """How many of a part a location holds (on hand), and how many of those are reserved for services."""

    __tablename__ = "stock_level"
    __table_args__ = (UniqueConstraint("part_id", "location_id", name="uq_stock_level"),
                      CheckConstraint("on_hand >= 0", name="ck_stock_level_on_hand"),
                      CheckConstraint("reserved >= 0 AND reserved <= on_hand", name="ck_stock_level_reserved"))
    id = Column(Integer, primary_key=True)
    part_id = Column(Integer, ForeignKey("spare_part.id", ondelete="CASCADE"), nullable=False, index=True)
    location_id = Column(Integer, ForeignKey("stock_location.id", ondelete="CASCADE"), nullable=False, index=True)
    on_hand = Column(Integer, nullable=False, default=0)
    reserved = Column(Integer, nullable=False, default=0)
    part = relationship(SparePart)
    location = relationship(StockLocation)

    def __repr__(self) -> str:
        return f"{self.part} @ {self.location}"

    @property
    def available(self) -> int:
        return (self.on_hand or 0) - (self.reserved or 0)

    @property
    def below_minimum(self) -> bool:
        return self.part is not None and self.on_hand < (self.part.min_stock or 0)


class StockMovement(Model):
    """One change of stock; the ledger is append-only (corrections are new movements)."""

    __tablename__ = "stock_movement"
    id = Column(Integer, primary_key=True)
    at = Column(UtcDateTime(), nullable=False, default=utcnow, index=True)
    part_id = Column(Integer, ForeignKey("spare_part.id"), nullable=False, index=True)
    location_id = Column(Integer, ForeignKey("stock_location.id"), nullable=False, index=True)
    # in | reserve | unreserve | use | return | adjust
    kind = Column(String(10), nullable=False, index=True)
    quantity = Column(Integer, nullable=False)  # signed change of on hand (reserve/unreserve: of reserved)
    balance = Column(Integer, nullable=False)  # on hand after the movement
    user_id = Column(Integer, ForeignKey("ab_user.id", ondelete="SET NULL"))
    service_request_id = Column(Integer, ForeignKey("service_request.id", ondelete="SET NULL"), index=True)
    field_record_id = Column(Integer, ForeignKey("field_service_record.id", ondelete="SET NULL"), index=True)
    refill_id = Column(Integer, ForeignKey("refill_order.id", ondelete="SET NULL"), index=True)
    stocktake_id = Column(Integer, ForeignKey("stocktake.id", ondelete="SET NULL"), index=True)
    supplier = Column(String(200))
    note = Column(String(300))
    part = relationship(SparePart)
    location = relationship(StockLocation)
    user = relationship("User", foreign_keys=[user_id])
    service_request = relationship("ServiceRequest")
    field_record = relationship("FieldServiceRecord")
    refill = relationship("RefillOrder", foreign_keys=[refill_id])
    stocktake = relationship("Stocktake", foreign_keys=[stocktake_id])


class RefillOrder(Model):
    """补充短缺配件: opened when a part falls below its minimum at a location; its process (parts_refill)
    has the purchase approved and the goods received from the approved channel."""

    __tablename__ = "refill_order"
    id = Column(Integer, primary_key=True)
    number = Column(String(32), unique=True, nullable=False)
    part_id = Column(Integer, ForeignKey("spare_part.id"), nullable=False, index=True)
    location_id = Column(Integer, ForeignKey("stock_location.id"), nullable=False, index=True)
    quantity = Column(Integer, nullable=False)
    received_quantity = Column(Integer)
    supplier = Column(String(200))
    reason = Column(String(300))
    status = Column(String(16), nullable=False, default="open", index=True)
    created_at = Column(UtcDateTime(), nullable=False, default=utcnow, index=True)
    received_at = Column(UtcDateTime())
    process_instance_id = Column(Integer, ForeignKey("process_instance.id", ondelete="SET NULL"), index=True)
    part = relationship(SparePart)
    location = relationship(StockLocation)
    process_instance = relationship("ProcessInstance")

    def __repr__(self) -> str:
        return self.number or "RF-?"


class Stocktake(Model):
    """定期盘点配件库存: the expected quantities are taken when it starts; people count; a supervisor
    approves the differences, which become audited adjustment movements."""

    __tablename__ = "stocktake"
    id = Column(Integer, primary_key=True)
    number = Column(String(32), unique=True, nullable=False)
    location_id = Column(Integer, ForeignKey("stock_location.id"), nullable=False, index=True)
    status = Column(String(16), nullable=False, default="counting", index=True)
    created_at = Column(UtcDateTime(), nullable=False, default=utcnow, index=True)
    counted_at = Column(UtcDateTime())
    adjusted_at = Column(UtcDateTime())
    approved_by_id = Column(Integer, ForeignKey("ab_user.id", ondelete="SET NULL"))
    note = Column(Text)
    process_instance_id = Column(Integer, ForeignKey("process_instance.id", ondelete="SET NULL"), index=True)
    location = relationship(StockLocation)
    approved_by = relationship("User", foreign_keys=[approved_by_id])
    process_instance = relationship("ProcessInstance")
    lines = relationship("StocktakeLine", back_populates="stocktake", cascade="all, delete-orphan",
                         order_by="StocktakeLine.id")

    def __repr__(self) -> str:
        return self.number or "ST-?"


class StocktakeLine(Model):
    __tablename__ = "stocktake_line"
    __table_args__ = (UniqueConstraint("stocktake_id", "part_id", name="uq_stocktake_line"),)
    id = Column(Integer, primary_key=True)
    stocktake_id = Column(Integer, ForeignKey("stocktake.id", ondelete="CASCADE"), nullable=False, index=True)
    part_id = Column(Integer, ForeignKey("spare_part.id"), nullable=False)
    expected = Column(Integer, nullable=False)
    counted = Column(Integer)
    note = Column(String(300))
    stocktake = relationship(Stocktake, back_populates="lines")
    part = relationship(SparePart)

    def __repr__(self) -> str:
        return f"{self.stocktake} {self.part}"

    @property
    def difference(self) -> int | None:
        return None if self.counted is None else self.counted - self.expected


number_on_insert(RefillOrder, "RF", "created_at")
number_on_insert(Stocktake, "ST", "created_at")
