"""Spare parts and processes: a refill order runs parts_refill (approve the purchase, receive the goods
from the approved channel), a stocktake runs parts_stocktake (count, then a supervisor approves the
differences), and the after-sales on-site step takes the parts used out of stock.

The record links (``REFILL_LINK``, ``STOCKTAKE_LINK``) keep status; the stock itself moves in
``task_completed``, an *unguarded* engine listener (registered by ``create_app`` after the record
links): a step whose stock change is refused (short stock, a foreign supplier, an uncounted part) is
not completed, and the form shows the message at the field."""
from __future__ import annotations

from typing import Any

from flask_appbuilder.security.sqla.models import User

from app.engine import clock, forms, hooks
from app.engine.errors import Invalid
from app.extensions import db
from app.models import (
    FieldServiceRecord, HumanTask, ProcessInstance, RefillOrder, SalesOrder, ServiceRequest, Stocktake,
)
from app.records.links import Link
from app.records.parts import order_stock, stock

# The on-site form's part lines (after_sales_service, onsite_service): (part field, quantity field).
PART_LINES = (("part_1", "part_1_qty"), ("part_2", "part_2_qty"), ("part_3", "part_3_qty"))
OPTION_SOURCE = "spare_parts"

REFILL_STATUS = {"approve_refill": "open", "receive_parts": "approved"}
STOCKTAKE_STATUS = {"count_stock": "counting", "approve_adjustment": "counted"}


def _refill_variables(order: RefillOrder) -> dict[str, Any]:
    return {"record_number": order.number, "part_code": order.part.code, "part_name": order.part.name,
            "location_name": order.location.name, "refill_quantity": order.quantity,
            "approved_supplier": order.part.supplier or ""}


def _refill_drafts(order: RefillOrder) -> dict[str, dict]:
    return {"approve_refill": {"purchase_quantity": order.quantity, "supplier": order.part.supplier or ""},
            "receive_parts": {"received_quantity": order.quantity, "supplier": order.supplier or order.part.supplier or ""}}


def _refill_completed(order: RefillOrder, task: HumanTask, data: dict) -> None:
    if task.element_id == "approve_refill":
        if data.get("purchase_approved") is False:
            order.status, order.received_quantity = "rejected", 0  # nothing will come
            return
        if isinstance(data.get("purchase_quantity"), int) and data["purchase_quantity"] > 0:
            order.quantity = data["purchase_quantity"]
        order.supplier = data.get("supplier") or order.supplier


def _refill_ended(order: RefillOrder, inst: ProcessInstance) -> None:
    if order.received_at is not None:
        order.status = "received"
    else:
        order.status = "rejected" if order.received_quantity == 0 else "cancelled"


def _stocktake_variables(take: Stocktake) -> dict[str, Any]:
    return {"record_number": take.number, "location_name": take.location.name if take.location else "",
            "line_count": len(take.lines)}


def _stocktake_ended(take: Stocktake, _inst: ProcessInstance) -> None:
    take.status = "adjusted" if take.adjusted_at else "closed"


REFILL_LINK = Link(RefillOrder, "parts_refill", lambda r: r.number, lambda _r: None, _refill_variables,
                   _refill_drafts, REFILL_STATUS, on_task_completed=_refill_completed, on_ended=_refill_ended)
STOCKTAKE_LINK = Link(Stocktake, "parts_stocktake", lambda r: r.number, lambda _r: None, _stocktake_variables,
                      lambda _r: {}, STOCKTAKE_STATUS, on_ended=_stocktake_ended)


# --------------------------------------------------------------------------- the stock-moving steps

def _record(inst: ProcessInstance, model):
    if inst.record_type != model.__tablename__ or inst.record_id is None:
        return None
    return db.session.get(model, inst.record_id)


def parts_used(data: dict) -> list[stock.Use]:
    """The part lines filled in on the on-site form; a quantity without a part (or the reverse) is named."""
    uses, errors = [], {}
    for part_field, qty_field in PART_LINES:
        part, qty = data.get(part_field), data.get(qty_field)
        if part in (None, "") and qty in (None, "", 0):
            continue
        if part in (None, ""):
            errors[part_field] = "choose a part for the quantity"
            continue
        if qty in (None, ""):
            errors[qty_field] = "required"
            continue
        try:
            uses.append(stock.Use(int(part), int(qty), part_field, qty_field))
        except (TypeError, ValueError):
            errors[part_field] = "unknown part"
    if errors:
        raise Invalid("Some fields are not valid.", fields=errors)
    return uses


def _onsite(inst: ProcessInstance, task: HumanTask, data: dict) -> None:
    uses = parts_used(data)
    if not uses:
        return
    sr = _record(inst, ServiceRequest)
    visit = None
    if sr is not None:  # the record link filled the visit just before (it is registered first)
        db.session.flush()
        visit = max(sr.field_records, key=lambda r: r.id or 0, default=None)
    stock.use_on_field_record(uses, visit=visit, user_id=task.completed_by_id)


def _receive(inst: ProcessInstance, task: HumanTask, data: dict) -> None:
    order = _record(inst, RefillOrder)
    if order is None:
        return
    stock.receive(order.part, order.location, data.get("received_quantity"), supplier=data.get("supplier"),
                  user_id=task.completed_by_id, refill=order, note=data.get("quality_note") or None,
                  fields=("received_quantity", "supplier"))
    order.received_quantity = data.get("received_quantity")
    order.supplier = data.get("supplier") or order.supplier
    order.received_at = clock.now()
    order.status = "received"


def _counted(inst: ProcessInstance, task: HumanTask, data: dict) -> None:
    take = _record(inst, Stocktake)
    if take is None:
        return
    missing = stock.uncounted(take)
    if missing:
        raise Invalid("Some fields are not valid.", fields={"all_counted": "not counted: " + ", ".join(missing)})
    take.counted_at = clock.now()


def _approved(inst: ProcessInstance, task: HumanTask, data: dict) -> None:
    take = _record(inst, Stocktake)
    if take is None or not data.get("adjustment_approved"):
        return
    stock.apply_stocktake(take, user=db.session.get(User, task.completed_by_id), field="adjustment_approved")


def _order_checked(inst: ProcessInstance, task: HumanTask, data: dict) -> None:
    order = _record(inst, SalesOrder)
    if order is not None:
        order_stock.check(order, data.get("stock_status"))


STEPS = {("after_sales_service", "onsite_service"): _onsite, ("order_fulfilment", "check_stock"): _order_checked, ("parts_refill", "receive_parts"): _receive,
         ("parts_stocktake", "count_stock"): _counted, ("parts_stocktake", "approve_adjustment"): _approved}


def task_completed(inst: ProcessInstance, task: HumanTask) -> None:
    step = STEPS.get((inst.process_key, task.element_id))
    if step is not None:
        step(inst, task, task.submitted or {})


def register_listeners() -> None:
    """``create_app``, after the record links: a refused stock change refuses the step."""
    hooks.register(hooks.TASK_COMPLETED, task_completed, guarded=False)
    forms.register_option_source(OPTION_SOURCE, stock.stock_options)
