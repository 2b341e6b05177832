"""An order's stock check reads the spare-parts inventory: each order line naming a catalogued part is
compared with what all active locations have available (on hand less reserved); a shortfall is listed
per part, kept on its lines, and asks purchasing to refill (a refill order per short part).

《xx空调部顾客服务管理制度》 售中服务 1.订单处理: 确认订单产品的库存情况,如库存不足,及时与顾客沟通交货时间,
并协调采购部门尽快补货。 三、售后服务 3.配件管理: 定期盘点配件库存,及时补充短缺配件。"""
from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import func, select

from app.engine import clock
from app.engine.errors import Invalid
from app.extensions import db
from app.models import RefillOrder, SalesOrder, SparePart, StockLevel, StockLocation
from app.records.parts import stock


@dataclass(frozen=True)
class Shortfall:
    part: SparePart
    wanted: int
    available: int

    @property
    def missing(self) -> int:
        return self.wanted - self.available

    def __str__(self) -> str:
        return f"{self.part.code} {self.part.name}: {self.wanted} / {self.available} (-{self.missing})"


def available(part_id: int) -> int:
    """What every active location has of the part and has not set aside for a service."""
    total = db.session.scalar(
        select(func.coalesce(func.sum(StockLevel.on_hand - StockLevel.reserved), 0))
        .join(StockLocation, StockLocation.id == StockLevel.location_id)
        .where(StockLevel.part_id == part_id, StockLocation.active.is_(True)))
    return int(total or 0)


def shortfalls(order: SalesOrder) -> list[Shortfall]:
    """The short parts of the order (lines of one part count together); lines without a part are not stock."""
    wanted: dict[int, int] = {}
    for line in order.lines:
        if line.part_id:
            wanted[line.part_id] = wanted.get(line.part_id, 0) + (line.quantity or 0)
    out = []
    for part_id, quantity in wanted.items():
        have = available(part_id)
        if quantity > have:
            out.append(Shortfall(db.session.get(SparePart, part_id), quantity, max(have, 0)))
    return out


def draft(order: SalesOrder) -> dict:
    """The stock-check form starts from the real stock (only when a line names a part)."""
    if not any(line.part_id for line in order.lines):
        return {}
    short = shortfalls(order)
    return {"stock_status": "shortage" if short else "in_stock",
            **({"purchase_request": "\n".join(map(str, short))} if short else {})}


def _refill_place(part_id: int) -> StockLocation | None:
    """Where the refill is received: the active warehouse holding most of the part, else any warehouse."""
    return db.session.scalars(
        select(StockLocation).outerjoin(StockLevel, (StockLevel.location_id == StockLocation.id)
                                        & (StockLevel.part_id == part_id))
        .where(StockLocation.active.is_(True))
        .order_by((StockLocation.kind != "warehouse"), func.coalesce(StockLevel.on_hand, 0).desc(),
                  StockLocation.id)).first()


def check(order: SalesOrder, stated: str | None, *, field: str = "stock_status") -> list[RefillOrder]:
    """The check_stock step: each line keeps its shortfall; "in stock" is refused while a part is short
    (the message names the parts); each short part gets a refill order, whose process starts."""
    short = {s.part.id: s for s in shortfalls(order)}
    if short and stated == "in_stock":
        raise Invalid(stock.SHORT, fields={field: "; ".join(map(str, short.values()))})
    for line in order.lines:
        line.shortfall = short[line.part_id].missing if line.part_id in short else (0 if line.part_id else None)
    refills = []
    for item in short.values():
        place = _refill_place(item.part.id)
        if place is None:
            continue  # no stock location at all: the purchase request text is all purchasing gets
        refill = RefillOrder(part_id=item.part.id, location_id=place.id, supplier=item.part.supplier,
                             quantity=item.missing + (item.part.min_stock or 0), created_at=clock.now(),
                             reason=f"{order.number}: {item}"[:300])
        db.session.add(refill)
        db.session.flush()
        stock.start_process(refill)
        refills.append(refill)
    return refills
