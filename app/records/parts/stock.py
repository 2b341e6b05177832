"""The one service that moves spare-part stock: screens, processes and the API call it, never the
tables directly. Every change is a ``StockMovement`` with the balance after it; stock never goes below
zero (refused with the field named); a part falling below its minimum at a location opens a refill
order whose process (parts_refill) buys and receives it; a stocktake's approved differences are
adjustment movements written to the audit log.

Rules of 《xx空调部顾客服务管理制度》 三、售后服务 3.配件管理: 建立完善的配件库存管理系统,确保常用配件的充足供应。
定期盘点配件库存,及时补充短缺配件,保证配件质量。严格控制配件的采购渠道,确保配件的质量和兼容性。"""
from __future__ import annotations

import logging
from dataclasses import dataclass

from sqlalchemy import select

from app.audit import audit
from app.engine import clock
from app.engine.errors import EngineError, Invalid
from app.extensions import db
from app.models import RefillOrder, SparePart, StockLevel, StockLocation, StockMovement, Stocktake, StocktakeLine

log = logging.getLogger(__name__)

KINDS = ("in", "reserve", "unreserve", "use", "return", "adjust")
SHORT = "Not enough spare parts in stock."


def level(part_id: int, location_id: int, *, lock: bool = True) -> StockLevel:
    """The stock level row of a part at a location (created at zero), locked for this transaction."""
    query = select(StockLevel).where(StockLevel.part_id == part_id, StockLevel.location_id == location_id)
    if lock:
        query = query.with_for_update()
    row = db.session.scalars(query).first()
    if row is None:
        row = StockLevel(part_id=part_id, location_id=location_id, on_hand=0, reserved=0)
        db.session.add(row)
        db.session.flush()
    return row


def _movement(row: StockLevel, kind: str, quantity: int, user_id: int | None, **links) -> StockMovement:
    move = StockMovement(at=clock.now(), part_id=row.part_id, location_id=row.location_id, kind=kind,
                         quantity=quantity, balance=row.on_hand, user_id=user_id, **links)
    db.session.add(move)
    return move


def _after_decrease(row: StockLevel) -> RefillOrder | None:
    """Below the part's minimum at this location and no refill under way: open one (its process starts)."""
    part = row.part or db.session.get(SparePart, row.part_id)
    if part is None or not part.min_stock or row.on_hand >= part.min_stock:
        return None
    open_order = db.session.scalars(select(RefillOrder.id).where(
        RefillOrder.part_id == row.part_id, RefillOrder.location_id == row.location_id,
        RefillOrder.status.in_(("open", "approved")))).first()
    if open_order is not None:
        return None
    quantity = part.refill_quantity or max(2 * part.min_stock - row.on_hand, 1)
    order = RefillOrder(part_id=row.part_id, location_id=row.location_id, quantity=quantity,
                        supplier=part.supplier, created_at=clock.now(),
                        reason=f"{row.on_hand} < {part.min_stock}")
    db.session.add(order)
    db.session.flush()
    start_process(order)
    return order


def start_process(record) -> None:
    """Start the record's process inside this transaction; without a deployed process the record stays
    (a supervisor sees it on its screen) and the stock change goes on."""
    from app.engine.actor import Actor
    from app.records.process_link import start_for_record  # process_link imports this module's link

    savepoint = db.session.begin_nested()
    try:
        start_for_record(record, Actor.system(), commit=False)
    except EngineError as err:
        savepoint.rollback()
        log.warning("%s: its process did not start: %s", record, err.message)
    else:
        savepoint.commit()


# ---------------------------------------------------------------- movements

def receive(part: SparePart, location: StockLocation, quantity: int, *, supplier: str | None, user_id: int | None,
            refill: RefillOrder | None = None, note: str | None = None,
            fields: tuple[str, str] = ("quantity", "supplier")) -> StockMovement:
    """Goods in, from the part's approved purchasing channel only (严格控制配件的采购渠道)."""
    qty_field, supplier_field = fields
    if not isinstance(quantity, int) or quantity <= 0:
        raise Invalid("Some fields are not valid.", fields={qty_field: "must be at least 1"})
    supplier = (supplier or "").strip() or None
    if part.supplier and supplier != part.supplier:
        raise Invalid("Some fields are not valid.", fields={supplier_field: f"not the approved channel: {part.supplier}"})
    row = level(part.id, location.id)
    row.on_hand += quantity
    return _movement(row, "in", quantity, user_id, supplier=supplier or part.supplier, refill=refill, note=note)


def reserve(row: StockLevel, quantity: int, *, user_id: int | None, service_request_id: int | None,
            field: str = "quantity") -> StockMovement:
    """Set parts aside for a service (预留): they stay on hand but are no longer available."""
    row = level(row.part_id, row.location_id)
    if quantity <= 0:
        raise Invalid("Some fields are not valid.", fields={field: "must be at least 1"})
    if quantity > row.available:
        raise Invalid(SHORT, fields={field: f"only {row.available} available at {row.location}"})
    row.reserved += quantity
    return _movement(row, "reserve", quantity, user_id, service_request_id=service_request_id)


def release(row: StockLevel, quantity: int, *, user_id: int | None, service_request_id: int,
            field: str = "quantity") -> StockMovement:
    """A reservation no longer needed: the parts are available again."""
    row = level(row.part_id, row.location_id)
    held = _reserved_for(row, service_request_id)
    if quantity <= 0:
        raise Invalid("Some fields are not valid.", fields={field: "must be at least 1"})
    if quantity > held:
        raise Invalid("Some fields are not valid.", fields={field: f"only {held} reserved for this request"})
    row.reserved -= quantity
    return _movement(row, "unreserve", -quantity, user_id, service_request_id=service_request_id)


def give_back(row: StockLevel, quantity: int, *, user_id: int | None, service_request_id: int | None = None,
              field_record_id: int | None = None, note: str | None = None, field: str = "quantity") -> StockMovement:
    """A part taken out and not used comes back (退回)."""
    if quantity <= 0:
        raise Invalid("Some fields are not valid.", fields={field: "must be at least 1"})
    row = level(row.part_id, row.location_id)
    row.on_hand += quantity
    return _movement(row, "return", quantity, user_id, service_request_id=service_request_id,
                     field_record_id=field_record_id, note=note)


@dataclass(frozen=True)
class Use:
    """One part line of the on-site form: the stock level chosen, how many, and the form's field ids."""
    level_id: int
    quantity: int
    part_field: str
    quantity_field: str


def use_on_field_record(uses: list[Use], *, visit, user_id: int | None) -> list[StockMovement]:
    """第一章 维修人员 ... 携带必要的维修工具和配件: the parts used on a visit leave stock in the visit's
    transaction. All or nothing: a line short of stock refuses the whole step, naming its field. Parts
    reserved for this request are used first (they were set aside for it)."""
    errors: dict[str, str] = {}
    wanted: dict[int, int] = {}
    for use in uses:
        row = db.session.get(StockLevel, use.level_id)
        if row is None:
            errors[use.part_field] = "unknown part"
        elif use.quantity <= 0:
            errors[use.quantity_field] = "must be at least 1"
        else:
            wanted[use.level_id] = wanted.get(use.level_id, 0) + use.quantity
    sr_id = visit.service_request_id if visit is not None else None
    rows = {}
    for level_id, total in wanted.items():
        stored = db.session.get(StockLevel, level_id)
        row = rows[level_id] = level(stored.part_id, stored.location_id)
        own = _reserved_for(row, sr_id)
        usable = row.available + own
        if total > usable:
            for use in uses:
                if use.level_id == level_id:
                    errors[use.quantity_field] = f"only {usable} available at {row.location}"
    if errors:
        raise Invalid(SHORT if any(v.startswith("only ") for v in errors.values()) else "Some fields are not valid.",
                      fields=errors)
    moves = []
    for level_id, total in wanted.items():
        row = rows[level_id]
        own = min(_reserved_for(row, sr_id), total)
        if own:
            row.reserved -= own
            moves.append(_movement(row, "unreserve", -own, user_id, service_request_id=sr_id))
        row.on_hand -= total
        moves.append(_movement(row, "use", -total, user_id, service_request_id=sr_id,
                               field_record=visit))
        _after_decrease(row)
    return moves


def _reserved_for(row: StockLevel, service_request_id: int | None) -> int:
    """How many of the row's reserved parts were reserved for this request (and not yet used)."""
    if service_request_id is None or not row.reserved:
        return 0
    moves = db.session.scalars(select(StockMovement.quantity).where(
        StockMovement.part_id == row.part_id, StockMovement.location_id == row.location_id,
        StockMovement.service_request_id == service_request_id,
        StockMovement.kind.in_(("reserve", "unreserve")))).all()
    return max(0, min(sum(moves), row.reserved))


# ---------------------------------------------------------------- stocktake

def open_stocktake(stocktake: Stocktake) -> Stocktake:
    """The lines: every part the location holds or should hold, expected = on hand now."""
    have = {line.part_id for line in stocktake.lines}
    rows = db.session.scalars(select(StockLevel).where(StockLevel.location_id == stocktake.location_id)
                              .order_by(StockLevel.part_id)).all()
    for row in rows:
        if row.part_id not in have and (row.part is None or row.part.active):
            stocktake.lines.append(StocktakeLine(part_id=row.part_id, expected=row.on_hand))
    return stocktake


def uncounted(stocktake: Stocktake) -> list[str]:
    return [line.part.code if line.part else str(line.part_id) for line in stocktake.lines if line.counted is None]


def apply_stocktake(stocktake: Stocktake, *, user, field: str = "approve") -> list[StockMovement]:
    """The approved differences (counted - expected) become adjustment movements, each audited."""
    if stocktake.adjusted_at is not None:
        return []
    missing = uncounted(stocktake)
    if missing:
        raise Invalid("Some fields are not valid.", fields={field: "not counted: " + ", ".join(missing)})
    moves = []
    for line in stocktake.lines:
        diff = line.difference
        if not diff:
            continue
        row = level(line.part_id, stocktake.location_id)
        if row.on_hand + diff < row.reserved:
            raise Invalid("Some fields are not valid.",
                          fields={field: f"{line.part.code}: adjustment below the reserved quantity"})
        before = row.on_hand
        row.on_hand += diff
        moves.append(_movement(row, "adjust", diff, getattr(user, "id", None), stocktake=stocktake,
                               note=f"expected {line.expected}, counted {line.counted}"))
        audit("stock_adjusted", target=f"{stocktake.number} {line.part.code}@{stocktake.location.code}",
              detail=f"expected={line.expected} counted={line.counted} change={diff:+d} "
                     f"on_hand={before}->{row.on_hand}", user=user)
        if diff < 0:
            _after_decrease(row)
    stocktake.adjusted_at = clock.now()
    stocktake.approved_by_id = getattr(user, "id", None)
    stocktake.status = "adjusted"
    return moves


def stock_options() -> list[tuple[str, str]]:
    """The on-site form's part choice (``camunda:property options="spare_parts"``): every stock level of
    an active part, with what is available there."""
    rows = db.session.execute(
        select(StockLevel.id, SparePart.code, SparePart.name, StockLocation.name, StockLevel.on_hand,
               StockLevel.reserved)
        .join(SparePart, SparePart.id == StockLevel.part_id)
        .join(StockLocation, StockLocation.id == StockLevel.location_id)
        .where(SparePart.active.is_(True), StockLocation.active.is_(True))
        .order_by(SparePart.code, StockLocation.code)).all()
    return [(str(i), f"{code} {name} — {place} ({on_hand - reserved})")
            for i, code, name, place, on_hand, reserved in rows]
