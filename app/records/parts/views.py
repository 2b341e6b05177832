"""Spare-part screens: the catalogue, locations, stock per location (with the stock movement form), the
movement ledger (read-only: stock moves only through ``stock``), refill orders and stocktakes."""
from __future__ import annotations

from flask import abort, flash, g, redirect, request, url_for
from flask_appbuilder import expose
from flask_appbuilder.actions import action
from flask_appbuilder.models.sqla.interface import SQLAInterface
from flask_appbuilder.security.decorators import has_access
from flask_babel import gettext, lazy_gettext as _
from markupsafe import Markup
from sqlalchemy import select

from app.engine.errors import EngineError
from app.extensions import db
from app.models import (
    RefillOrder, ServiceRequest, SparePart, StockLevel, StockLocation, StockMovement, Stocktake, StocktakeLine,
)
from app.records.parts import stock
from app.records.process_link import start_from_view
from app.records.screens import RECORD_PERMISSIONS, RecordView
from app.views.errors import field_errors, message_of

PART_CATEGORIES = {"electrical": _("Electrical"), "refrigerant": _("Refrigerant circuit"),
                   "mechanical": _("Mechanical"), "filter": _("Filters and consumables"), "control": _("Controls")}
LOCATION_KINDS = {"warehouse": _("Warehouse"), "van": _("Engineer's van stock")}
MOVEMENT_KINDS = {"in": _("Goods in"), "reserve": _("Reserved for a service"), "unreserve": _("Reservation used or released"),
                  "use": _("Used on a field record"), "return": _("Returned"), "adjust": _("Stocktake adjustment")}
REFILL_STATUSES = {"open": _("Awaiting approval"), "approved": _("Approved, awaiting goods"),
                   "received": _("Received"), "rejected": _("Not bought"), "closed": _("Closed"),
                   "cancelled": _("Cancelled")}
STOCKTAKE_STATUSES = {"counting": _("Counting"), "counted": _("Awaiting review"), "adjusted": _("Adjusted"),
                      "closed": _("Closed"), "cancelled": _("Cancelled")}
# the movement form's kinds (use and adjust come only from the on-site step and the stocktake)
FORM_KINDS = ("in", "reserve", "unreserve", "return")


def stock_badge(below: bool) -> Markup:
    return Markup('<span class="label label-danger">{0}</span>').format(gettext("Below minimum")) if below else ""


class SparePartView(RecordView):
    datamodel = SQLAInterface(SparePart)
    class_permission_name = "SparePart"
    export_name = "spare_parts"
    list_title = _("Spare parts")
    show_title = _("Spare part")
    add_title = _("Add spare part")
    edit_title = _("Edit spare part")
    base_order = ("code", "asc")
    list_columns = ["code", "name", "category", "unit", "supplier", "min_stock", "active"]
    add_columns = edit_columns = show_columns = ["code", "name", "category", "unit", "fits_models", "supplier",
                                                 "min_stock", "refill_quantity", "active"]
    search_columns = ["code", "name", "category", "fits_models", "supplier", "active"]
    label_columns = {"code": _("Part number"), "name": _("Name"), "category": _("Category"), "unit": _("Unit"),
                     "fits_models": _("Fits models"), "supplier": _("Approved purchasing channel"),
                     "min_stock": _("Minimum stock"), "refill_quantity": _("Refill quantity"), "active": _("Active")}
    choice_columns = {"category": PART_CATEGORIES}
    description_columns = {
        "supplier": _("Goods are received only from this channel (严格控制配件的采购渠道)."),
        "min_stock": _("Below this at a location, a refill order opens with its process."),
        "refill_quantity": _("How many a refill orders; 0: back up to twice the minimum."),
    }


class StockLocationView(RecordView):
    datamodel = SQLAInterface(StockLocation)
    class_permission_name = "SparePart"
    export_name = "stock_locations"
    list_title = _("Stock locations")
    show_title = _("Stock location")
    add_title = _("Add stock location")
    edit_title = _("Edit stock location")
    base_order = ("code", "asc")
    list_columns = ["code", "name", "kind", "holder", "active"]
    add_columns = edit_columns = show_columns = list_columns
    search_columns = ["code", "name", "kind", "holder", "active"]
    label_columns = {"code": _("Code"), "name": _("Name"), "kind": _("Type"), "holder": _("Engineer"),
                     "active": _("Active")}
    choice_columns = {"kind": LOCATION_KINDS}


class StockMovementView(RecordView):
    """The ledger: read and exported here, written only by the stock service."""

    datamodel = SQLAInterface(StockMovement)
    class_permission_name = "SparePart"
    method_permission_name = {"list": "read", "show": "read", "export": "read"}
    base_permissions = ["can_read"]  # no add, edit or delete: a movement is history
    export_name = "stock_movements"
    list_title = _("Stock movements")
    show_title = _("Stock movement")
    base_order = ("at", "desc")
    list_columns = ["at", "part", "location", "kind", "quantity", "balance", "user", "service_request",
                    "field_record", "stocktake", "refill"]
    show_columns = list_columns + ["supplier", "note"]
    search_columns = ["at", "part", "location", "kind", "user", "service_request", "stocktake", "refill"]
    label_columns = {"at": _("Time"), "part": _("Spare part"), "location": _("Location"), "kind": _("Movement"),
                     "quantity": _("Quantity"), "balance": _("On hand after"), "user": _("By"),
                     "service_request": _("Service request"), "field_record": _("Field record"),
                     "stocktake": _("Stocktake"), "refill": _("Refill order"), "supplier": _("Supplier"),
                     "note": _("Note")}
    choice_columns = {"kind": MOVEMENT_KINDS}


class StockLevelView(RecordView):
    datamodel = SQLAInterface(StockLevel)
    class_permission_name = "SparePart"
    # on hand changes only through movements: no edit, and no delete (a permission nobody is given)
    method_permission_name = {**RECORD_PERMISSIONS, "move": "write", "record_movement": "write",
                              "edit": "edit_directly", "delete": "edit_directly"}
    base_permissions = ["can_read", "can_write"]
    export_name = "stock"
    list_title = _("Stock")
    show_title = _("Stock level")
    add_title = _("Add a part to a location")
    base_order = ("part_id", "asc")
    list_columns = ["part", "location", "on_hand", "reserved", "available", "below_minimum"]
    order_columns = ["on_hand", "reserved"]  # not the computed ones
    show_columns = list_columns
    add_columns = ["part", "location"]
    search_columns = ["part", "location", "on_hand"]
    label_columns = {"part": _("Spare part"), "location": _("Location"), "on_hand": _("On hand"),
                     "reserved": _("Reserved"), "available": _("Available"), "below_minimum": _("Minimum")}
    formatters_columns = {"below_minimum": stock_badge}
    related_views = [StockMovementView]
    description_columns = {"part": _("Stock starts at zero; record goods in with the movement form.")}

    def pre_add(self, item) -> None:
        super().pre_add(item)
        if item.part is not None and item.location is not None and db.session.scalars(select(StockLevel.id).where(
                StockLevel.part_id == item.part.id, StockLevel.location_id == item.location.id)).first():
            raise ValueError(gettext("This part already has a stock line at this location."))
        item.on_hand, item.reserved = 0, 0

    @action("record_movement", _("Record a movement"), confirmation=None, icon="fa-exchange", multiple=False)
    def record_movement(self, item):
        return redirect(url_for("StockLevelView.move", pk=item.id))

    @expose("/move/<int:pk>", methods=["GET", "POST"])
    @has_access
    def move(self, pk: int):
        """Goods in (from the approved channel), reserve for or release from a service, or a return."""
        row = db.session.get(StockLevel, pk) or abort(404)
        form = request.form
        errors: dict[str, str] = {}
        if request.method == "POST":
            try:
                self._move(row, form)
            except EngineError as err:
                db.session.rollback()
                errors = field_errors(err) or {"kind": message_of(err)}
                row = db.session.get(StockLevel, pk)
            else:
                db.session.commit()
                flash(gettext("The stock movement was recorded."), "success")
                return redirect(url_for("StockLevelView.show", pk=pk))
        return self.render_template("records/stock_move.html", row=row, errors=errors, form=form,
                                    kinds=[(k, MOVEMENT_KINDS[k]) for k in FORM_KINDS])

    @staticmethod
    def _move(row: StockLevel, form) -> None:
        from app.engine.errors import Invalid

        kind = form.get("kind", "")
        try:
            quantity = int(form.get("quantity", ""))
        except ValueError:
            raise Invalid("Some fields are not valid.", fields={"quantity": "must be a whole number"}) from None
        sr = None
        number = (form.get("service_request") or "").strip()
        if number:
            sr = db.session.scalars(select(ServiceRequest).where(ServiceRequest.number == number)).first()
            if sr is None:
                raise Invalid("Some fields are not valid.", fields={"service_request": "unknown service request"})
        user_id = getattr(g.user, "id", None)
        note = (form.get("note") or "").strip()[:300] or None
        if kind == "in":
            stock.receive(row.part, row.location, quantity, supplier=form.get("supplier"), user_id=user_id, note=note)
        elif kind == "reserve":
            if sr is None:
                raise Invalid("Some fields are not valid.", fields={"service_request": "required"})
            stock.reserve(row, quantity, user_id=user_id, service_request_id=sr.id)
        elif kind == "unreserve":
            if sr is None:
                raise Invalid("Some fields are not valid.", fields={"service_request": "required"})
            stock.release(row, quantity, user_id=user_id, service_request_id=sr.id)
        elif kind == "return":
            stock.give_back(row, quantity, user_id=user_id, service_request_id=sr.id if sr else None, note=note)
        else:
            raise Invalid("Some fields are not valid.", fields={"kind": "required"})


class RefillOrderView(RecordView):
    datamodel = SQLAInterface(RefillOrder)
    class_permission_name = "RefillOrder"
    export_name = "refill_orders"
    list_title = _("Refill orders")
    show_title = _("Refill order")
    add_title = _("Add refill order")
    edit_title = _("Edit refill order")
    base_order = ("created_at", "desc")
    list_columns = ["number", "part", "location", "quantity", "supplier", "status", "created_at", "received_at"]
    show_columns = list_columns + ["received_quantity", "reason", "process_instance"]
    add_columns = ["part", "location", "quantity", "reason"]
    edit_columns = ["reason"]
    search_columns = ["number", "part", "location", "status", "created_at"]
    label_columns = {"number": _("Number"), "part": _("Spare part"), "location": _("Location"),
                     "quantity": _("Quantity"), "supplier": _("Supplier"), "status": _("Status"),
                     "created_at": _("Opened at"), "received_at": _("Received at"),
                     "received_quantity": _("Quantity received"), "reason": _("Reason"),
                     "process_instance": _("Process instance")}
    choice_columns = {"status": REFILL_STATUSES}

    def pre_add(self, item) -> None:
        super().pre_add(item)
        if item.quantity is None or item.quantity <= 0:
            raise ValueError(gettext("%(field)s must be at least 1.", field=self.label_columns["quantity"]))
        item.supplier = item.part.supplier if item.part is not None else None

    def post_add(self, item) -> None:
        start_from_view(item)  # parts_refill


class StocktakeLineView(RecordView):
    datamodel = SQLAInterface(StocktakeLine)
    class_permission_name = "Stocktake"
    # lines come from the stock when the stocktake starts; people enter the counted quantity only
    method_permission_name = {**RECORD_PERMISSIONS, "add": "edit_directly", "delete": "edit_directly"}
    base_permissions = ["can_read", "can_write"]
    export_name = "stocktake_lines"
    list_title = show_title = _("Stocktake lines")
    edit_title = _("Enter the counted quantity")
    base_order = ("id", "asc")
    list_columns = ["stocktake", "part", "expected", "counted", "difference", "note"]
    order_columns = ["expected", "counted"]
    show_columns = list_columns
    edit_columns = ["counted", "note"]
    search_columns = ["stocktake", "part"]
    label_columns = {"stocktake": _("Stocktake"), "part": _("Spare part"), "expected": _("Expected"),
                     "counted": _("Counted"), "difference": _("Difference"), "note": _("Note")}

    def pre_update(self, item) -> None:
        super().pre_update(item)
        if item.stocktake is not None and item.stocktake.status not in ("counting", "counted"):
            raise ValueError(gettext("This stocktake is closed."))
        if item.counted is not None and item.counted < 0:
            raise ValueError(gettext("%(field)s must be at least 0.", field=self.label_columns["counted"]))


class StocktakeView(RecordView):
    datamodel = SQLAInterface(Stocktake)
    class_permission_name = "Stocktake"
    export_name = "stocktakes"
    list_title = _("Stocktakes")
    show_title = _("Stocktake")
    add_title = _("Start a stocktake")
    edit_title = _("Edit stocktake")
    base_order = ("created_at", "desc")
    list_columns = ["number", "location", "status", "created_at", "counted_at", "adjusted_at", "approved_by"]
    show_columns = list_columns + ["note", "process_instance"]
    add_columns = ["location", "note"]
    edit_columns = ["note"]
    search_columns = ["number", "location", "status", "created_at"]
    label_columns = {"number": _("Number"), "location": _("Location"), "status": _("Status"),
                     "created_at": _("Started at"), "counted_at": _("Counted at"), "adjusted_at": _("Adjusted at"),
                     "approved_by": _("Approved by"), "note": _("Note"), "process_instance": _("Process instance")}
    choice_columns = {"status": STOCKTAKE_STATUSES}
    related_views = [StocktakeLineView]

    def post_add(self, item) -> None:
        stock.open_stocktake(item)  # expected = on hand now
        db.session.commit()
        start_from_view(item)  # parts_stocktake
