"""Read-only APIs of customers and their contacts (phone and e-mail only masked, app.pii)."""
from __future__ import annotations

from flask_appbuilder.models.sqla.interface import SQLAInterface

from app.api.records import RecordApi
from app.models import Contact, Customer


class CustomersApi(RecordApi):
    resource_name = "customers"
    datamodel = SQLAInterface(Customer)
    list_columns = ["id", "name", "industry", "address", "channel_preference", "created_at"]
    show_columns = list_columns + ["notes"]
    search_columns = ["name", "industry", "channel_preference"]
    order_columns = ["name", "industry", "created_at"]


class ContactsApi(RecordApi):
    resource_name = "contacts"
    datamodel = SQLAInterface(Contact)
    list_columns = ["id", "customer_id", "name", "position", "phone_masked", "email_masked", "is_primary"]
    show_columns = list_columns
    search_columns = ["customer", "name", "position", "is_primary"]  # never by phone/email: it would leak them
    order_columns = ["name", "position"]
