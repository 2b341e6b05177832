"""Small builders shared by the record tests (unique names, so tests don't collide).

They open their own app context: requests made inside an outer app context
would share ``g`` (and so the logged-in user) between test clients."""
from __future__ import annotations

import uuid

from app.extensions import db
from app.models import Contact, Customer


def make_customer(app, prefix: str = "测试客户", phone: str = "13812345678",
                  email: str = "zhang.wei@example.com") -> tuple[int, int, str]:
    """A customer with one contact; returns (customer_id, contact_id, customer_name)."""
    name = f"{prefix}-{uuid.uuid4().hex[:8]}"
    with app.app_context():
        customer = Customer(name=name, industry="制造业", channel_preference="phone", address="苏州市工业园区")
        customer.contacts.append(Contact(name="张伟", phone=phone, email=email, position="设备部经理", is_primary=True))
        db.session.add(customer)
        db.session.commit()
        return customer.id, customer.contacts[0].id, name
