"""Read-only record APIs (FAB ModelRestApi): customers and contacts, contact data masked."""
import pytest

from tests.api.helpers import unique

PHONE, EMAIL = "13912345678", "li.si@example.com"


@pytest.fixture(scope="module")
def contact(app):
    from app.extensions import db
    from app.models import Contact, Customer

    with app.app_context():
        customer = Customer(name=unique("接口客户"), industry="制造")
        contact = Contact(customer=customer, name="李四", phone=PHONE, email=EMAIL, is_primary=True)
        db.session.add_all([customer, contact])
        db.session.commit()
        return {"customer": customer.id, "contact": contact.id, "name": customer.name}


def test_customers_list_and_get(api, contact):
    q = f"(filters:!((col:name,opr:eq,value:'{contact['name']}')))"
    listed = api("ReadOnly").get(f"/api/v1/customers/?q={q}")
    assert listed.status_code == 200 and listed.get_json()["count"] == 1
    one = api("TechSupport").get(f"/api/v1/customers/{contact['customer']}").get_json()["result"]
    assert one["name"] == contact["name"] and one["industry"] == "制造"


def test_contact_data_leaves_masked_only(api, contact):
    for url in (f"/api/v1/contacts/{contact['contact']}", "/api/v1/contacts/?q=(page_size:100)"):
        resp = api("Supervisor").get(url)
        assert resp.status_code == 200
        text = resp.get_data(as_text=True)
        assert PHONE not in text and EMAIL not in text
    result = api("Supervisor").get(f"/api/v1/contacts/{contact['contact']}").get_json()["result"]
    assert result["phone_masked"] == "139****5678" and result["email_masked"] == "l***@example.com"
    assert "phone" not in result and "email" not in result


def test_no_search_or_order_by_contact_data(api, contact):
    by_phone = api("Supervisor").get(f"/api/v1/contacts/?q=(filters:!((col:phone,opr:sw,value:'139')))")
    assert by_phone.status_code == 400 and by_phone.get_json()["code"] == "bad_request"
    ordered = api("Supervisor").get("/api/v1/contacts/?q=(order_column:phone,order_direction:asc)")
    assert ordered.status_code == 400
    picked = api("Supervisor").get("/api/v1/contacts/?q=(columns:!(phone,email))")
    assert PHONE not in picked.get_data(as_text=True)


def test_records_are_read_only_and_paginated(api, contact):
    assert api("Admin").post("/api/v1/customers/", json={"name": "x"}).status_code == 405
    assert api("Admin").open("DELETE", f"/api/v1/customers/{contact['customer']}").status_code == 405
    assert len(api("Admin").get("/api/v1/customers/?q=(page_size:100)").get_json()["result"]) <= 100
    for q, where in (("(page_size:1000)", "page_size"), ("(page:-2119286726587973888)", "page")):
        refused = api("Admin").get(f"/api/v1/customers/?q={q}")
        assert refused.status_code == 400 and f"q is not valid: {where}:" in refused.get_json()["message"]
    missing = api("Admin").get("/api/v1/customers/99999999999")
    assert missing.status_code == 404 and missing.get_json()["code"] == "not_found"


@pytest.mark.parametrize("q", ["-1.1033172417118725e%2B123", "1e%2B5", "(a:!(", "'x'!"])
def test_unreadable_rison_is_a_located_400(api, contact, q):
    """prison raises ValueError/IndexError on some inputs, which FAB's @rison does not catch (was a 500)."""
    for url in (f"/api/v1/contacts/{contact['contact']}?q={q}", f"/api/v1/customers/?q={q}"):
        resp = api("Admin").get(url)
        assert resp.status_code == 400, (url, resp.status_code)
        assert resp.get_json()["code"] == "bad_request"
