"""Read-only APIs of spare parts: the catalogue and the stock per location (``SparePart``, the screens'
permission). Stock moves only through the parts service (app/records/parts/stock.py), never here."""
from __future__ import annotations

from flask_appbuilder.models.sqla.interface import SQLAInterface

from app.api.records import RecordApi
from app.models import SparePart, StockLevel


class SparePartsApi(RecordApi):
    resource_name = "spare_parts"
    class_permission_name = "SparePart"
    datamodel = SQLAInterface(SparePart)
    list_columns = ["id", "code", "name", "category", "unit", "fits_models", "supplier", "min_stock",
                    "refill_quantity", "active"]
    show_columns = list_columns
    search_columns = ["code", "name", "category", "active"]
    order_columns = ["code", "name", "category"]


class StockLevelsApi(RecordApi):
    resource_name = "stock_levels"
    class_permission_name = "SparePart"
    datamodel = SQLAInterface(StockLevel)
    list_columns = ["id", "part_id", "location_id", "on_hand", "reserved"]
    show_columns = list_columns
    search_columns = ["part", "location"]
    order_columns = ["on_hand", "reserved"]
