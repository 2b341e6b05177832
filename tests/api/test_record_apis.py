"""The read-only APIs of the pre-/in-sales, quality, training and parts records: the screens' data and
permissions, nothing personal (contacts by id only), FAB's list/get with rison ``q``."""
from __future__ import annotations

import uuid

from tests.api.helpers import unique

PATHS = ("opportunities", "handovers", "projects", "orders", "spot_checks", "inspections", "improvement_actions",
         "training_courses", "training_sessions", "spare_parts", "stock_levels")


def _records(app) -> dict[str, int]:
    from app.extensions import db
    from app.models import Contact, Customer, Opportunity, OrderLine, SalesOrder, SparePart

    with app.app_context():
        customer = Customer(name=unique("API客户"))
        customer.contacts.append(Contact(name="赵六", phone="13912345678", email="zhao.api@example.com"))
        opp = Opportunity(customer=customer, contact=customer.contacts[0], needs="API 可读的售前需求")
        part = SparePart(code=f"API-{uuid.uuid4().hex[:6]}", name="风机电容", supplier="原厂")
        order = SalesOrder(customer=customer, amount=100)
        order.lines.append(OrderLine(product="风机电容", quantity=1, part=part))
        db.session.add_all([opp, part, order])
        db.session.commit()
        return {"opportunities": opp.id, "orders": order.id, "spare_parts": part.id}


def test_each_record_api_lists_and_gets_without_personal_data(app, api):
    ids = _records(app)
    admin = api("Admin")
    for path in PATHS:
        listed = admin.get(f"/api/v1/{path}/?q=(page_size:5)")
        assert listed.status_code == 200, (path, listed.get_json())
        assert "count" in listed.get_json() and isinstance(listed.get_json()["result"], list)
    for path, pk in ids.items():
        got = admin.get(f"/api/v1/{path}/{pk}")
        assert got.status_code == 200 and got.get_json()["id"] == pk, path
        body = str(got.get_json())
        assert "13912345678" not in body and "zhao.api@example.com" not in body
    opp = admin.get(f"/api/v1/opportunities/{ids['opportunities']}").get_json()["result"]
    assert opp["needs"] == "API 可读的售前需求" and opp["status"] == "new"
    assert admin.get("/api/v1/orders/999999999").status_code == 404
    assert api("FieldService").get(f"/api/v1/opportunities/{ids['opportunities']}").status_code == 403
    assert api("Sales").get(f"/api/v1/spare_parts/{ids['spare_parts']}").status_code == 403


def test_the_record_apis_are_documented(api):
    paths = api("Admin").get("/api/v1/_openapi").get_json()["paths"]
    for name in PATHS:
        assert "get" in paths[f"/api/v1/{name}/"] and "get" in paths[f"/api/v1/{name}/{{pk}}"], name
