"""Contact phone/e-mail are masked for everyone; reveal is a POST, per role, audited."""
from __future__ import annotations

import pytest

from tests.conftest import ROLE_USERS, csrf_token
from tests.records_helpers import make_customer

PHONE, EMAIL = "13912345678", "zhao.lei@example.com"
PHONE_MASK, EMAIL_MASK = "139****5678", "z***@example.com"
# roles whose built-in permissions include can_reveal on ContactData
REVEALERS = {"Admin", "Supervisor", "CustomerService", "FieldService", "Sales"}
USERS = ["admin", "owner", "supervisor", "agent", "tech", "field", "sales", "viewer"]
ROLE_OF = {u: r for r, u in ROLE_USERS.items()}


@pytest.fixture(scope="module")
def contact(app):
    return make_customer(app, prefix="保密客户", phone=PHONE, email=EMAIL)


def audit_count(app, target: str) -> int:
    from app.extensions import db
    from app.models import AuditLog

    with app.app_context():
        return db.session.query(AuditLog).filter_by(event="pii_reveal", target=target).count()


@pytest.mark.parametrize("value,masked", [
    ("13812345678", "138****5678"), ("+86 138 1234 5678", "138****5678"), ("010-12345678", "010****5678"),
    ("12345", "****45"), ("12", "****"), ("", ""), (None, ""),
])
def test_mask_phone(value, masked):
    from app.pii import mask_phone

    assert mask_phone(value) == masked


@pytest.mark.parametrize("value,masked", [
    ("zhang@example.com", "z***@example.com"), ("a@b.cn", "a***@b.cn"), ("not-an-email", "n***"), (None, ""),
])
def test_mask_email(value, masked):
    from app.pii import mask_email

    assert mask_email(value) == masked


def test_masked_value_is_a_plain_string_outside_requests():
    from app.pii import MaskedValue

    v = MaskedValue("139****5678", "contact", 1, "phone")
    assert str(v) == "139****5678" and "<form" not in v.__html__()


@pytest.mark.parametrize("username", USERS)
def test_lists_show_masked_values_per_role(app, login_as, contact, username):
    customer_id, contact_id, name = contact
    c = login_as(username)
    pages = [f"/contactview/list/?_flt_0_customer={customer_id}", f"/contactview/show/{contact_id}",
             f"/customerview/show/{customer_id}"]
    for page in pages:
        html = c.get(page).get_data(as_text=True)
        assert PHONE_MASK in html and EMAIL_MASK in html, (username, page)
        assert PHONE not in html and EMAIL not in html, (username, page)
        has_button = f"/contactdata/reveal/{contact_id}/phone" in html
        assert has_button is (ROLE_OF[username] in REVEALERS), (username, page)


@pytest.mark.parametrize("username", USERS)
def test_csv_export_is_masked_for_every_role(login_as, contact, username):
    customer_id, _contact_id, _name = contact
    body = login_as(username).get(f"/contactview/export/csv?_flt_0_customer={customer_id}").get_data().decode("utf-8-sig")
    assert PHONE_MASK in body and EMAIL_MASK in body
    assert PHONE not in body and EMAIL not in body


@pytest.mark.parametrize("username", ["agent", "supervisor", "field", "sales", "admin"])
def test_reveal_returns_value_and_is_audited(app, login_as, contact, username):
    _customer_id, contact_id, _name = contact
    target = f"contact:{contact_id}:phone"
    before = audit_count(app, target)
    c = login_as(username)
    token = csrf_token(c, f"/contactview/show/{contact_id}")
    resp = c.post(f"/contactdata/reveal/{contact_id}/phone", headers={"Accept": "application/json",
                                                                      "X-CSRFToken": token})
    assert resp.status_code == 200
    assert resp.get_json() == {"value": PHONE}
    assert resp.headers["Cache-Control"] == "no-store"
    assert audit_count(app, target) == before + 1
    from app.extensions import db
    from app.models import AuditLog

    with app.app_context():
        row = db.session.query(AuditLog).filter_by(event="pii_reveal", target=target).order_by(AuditLog.id.desc()).first()
        assert row.username == username


def test_reveal_without_javascript_shows_a_page(app, login_as, contact):
    _customer_id, contact_id, _name = contact
    c = login_as("agent")
    token = csrf_token(c, f"/contactview/show/{contact_id}")
    resp = c.post(f"/contactdata/reveal/{contact_id}/email", data={"csrf_token": token},
                  headers={"Accept": "text/html"})
    assert resp.status_code == 200
    assert EMAIL in resp.get_data(as_text=True)
    assert audit_count(app, f"contact:{contact_id}:email") >= 1


@pytest.mark.parametrize("username", ["owner", "tech", "viewer"])
def test_reveal_refused_without_permission(app, login_as, contact, username):
    _customer_id, contact_id, _name = contact
    before = audit_count(app, f"contact:{contact_id}:email")
    c = login_as(username)
    token = csrf_token(c, f"/contactview/show/{contact_id}")
    resp = c.post(f"/contactdata/reveal/{contact_id}/email", headers={"X-CSRFToken": token,
                                                                      "Accept": "application/json"})
    assert resp.status_code == 403
    assert EMAIL not in resp.get_data(as_text=True)
    assert audit_count(app, f"contact:{contact_id}:email") == before


def test_reveal_refused_on_get_and_without_csrf(app, login_as, contact):
    _customer_id, contact_id, _name = contact
    target = f"contact:{contact_id}:phone"
    before = audit_count(app, target)
    c = login_as("agent")
    assert c.get(f"/contactdata/reveal/{contact_id}/phone").status_code == 405
    assert c.post(f"/contactdata/reveal/{contact_id}/phone").status_code == 400
    assert c.post(f"/contactdata/reveal/{contact_id}/phone", headers={"X-CSRFToken": "forged"}).status_code == 400
    assert audit_count(app, target) == before


def test_reveal_anonymous_and_unknown_field(app, login_as, contact):
    from tests.conftest import new_client

    _customer_id, contact_id, _name = contact
    anon = new_client(app)
    token = csrf_token(anon)
    assert anon.post(f"/contactdata/reveal/{contact_id}/phone", headers={"X-CSRFToken": token}).status_code in (302, 401)
    c = login_as("agent")
    token = csrf_token(c, "/")
    assert c.post(f"/contactdata/reveal/{contact_id}/name", headers={"X-CSRFToken": token}).status_code == 404
    assert c.post("/contactdata/reveal/999999/phone", headers={"X-CSRFToken": token}).status_code == 404


def test_edit_form_never_carries_clear_values_and_blank_keeps_them(app, login_as):
    from app.extensions import db
    from app.models import Contact

    customer_id, contact_id, _name = make_customer(app, prefix="编辑客户", phone=PHONE, email=EMAIL)
    c = login_as("agent")
    html = c.get(f"/contactview/edit/{contact_id}").get_data(as_text=True)
    assert PHONE not in html and EMAIL not in html and PHONE_MASK in html
    token = csrf_token(c, f"/contactview/edit/{contact_id}")
    resp = c.post(f"/contactview/edit/{contact_id}", data={
        "customer": str(customer_id), "name": "赵磊", "position": "总监", "phone": "", "email": "",
        "is_primary": "y", "csrf_token": token})
    assert resp.status_code == 302
    with app.app_context():
        row = db.session.get(Contact, contact_id)
        assert (row.name, row.phone, row.email) == ("赵磊", PHONE, EMAIL)
    c.post(f"/contactview/edit/{contact_id}", data={
        "customer": str(customer_id), "name": "赵磊", "position": "总监", "phone": "13700001111",
        "email": "", "is_primary": "y", "csrf_token": token})
    with app.app_context():
        assert db.session.get(Contact, contact_id).phone == "13700001111"


def test_contact_is_shown_by_name_only_elsewhere(app, login_as):
    """A service request shows its contact by name: no side door to the phone number."""
    from app.extensions import db
    from app.models import ServiceRequest

    customer_id, contact_id, _name = make_customer(app, prefix="请求客户", phone=PHONE, email=EMAIL)
    with app.app_context():
        sr = ServiceRequest(customer_id=customer_id, contact_id=contact_id, type="routine_fault")
        db.session.add(sr)
        db.session.commit()
        pk = sr.id
    html = login_as("viewer").get(f"/servicerequestview/show/{pk}").get_data(as_text=True)
    assert "张伟" in html and PHONE not in html and EMAIL not in html
