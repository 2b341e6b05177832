"""Records screens that prevent mistakes (issue 21, item 5): a required choice such as the
complaint's customer starts empty (Enter no longer saves against the first customer), and the
show page offers an action only where it applies (re-open: closed complaints only)."""
from __future__ import annotations

import re

from sqlalchemy import select

from app.extensions import db
from app.models import Complaint
from tests.conftest import csrf_token
from tests.records_helpers import make_customer


def test_a_required_customer_is_not_preselected_and_an_empty_one_is_refused(app, login_as):
    agent = login_as("agent")
    agent.get("/lang/zh")
    form = agent.get("/complaintview/add").get_data(as_text=True)
    select_ = re.search(r'<select[^>]*id="customer".*?</select>', form, re.S).group(0)
    first = re.search(r"<option[^>]*>", select_).group(0)
    assert 'value="__None"' in first and "selected" in first  # the blank choice, not the first customer
    token = csrf_token(agent, "/complaintview/add")
    before = _count(app)
    resp = agent.post("/complaintview/add", data={"csrf_token": token, "customer": "__None",
                                                  "matter": "没有选客户", "received_at": "2026-12-01 10:00:00"})
    assert resp.status_code == 200 and "该字段是必填字段" in resp.get_data(as_text=True)  # at the field
    assert _count(app) == before  # nothing saved


def test_re_open_is_offered_only_on_a_closed_complaint(app, login_as):
    cid, _contact, _name = make_customer(app)
    with app.app_context():
        open_one = Complaint(customer_id=cid, matter="待处理", status="received")
        closed = Complaint(customer_id=cid, matter="已办结", status="closed")
        db.session.add_all([open_one, closed])
        db.session.commit()
        ids = open_one.id, closed.id
    boss = login_as("supervisor")
    assert "action_post/reopen" not in _show(boss, ids[0]) and "reopen" not in _actions(_show(boss, ids[0]))
    assert "reopen" in _actions(_show(boss, ids[1]))


def _show(client, pk: int) -> str:
    return client.get(f"/complaintview/show/{pk}").get_data(as_text=True)


def _actions(html: str) -> str:
    return " ".join(re.findall(r'/action/(\w+)/', html))


def _count(app) -> int:
    with app.app_context():
        return len(db.session.scalars(select(Complaint.id)).all())


def test_the_dependent_pickers_follow_the_customer_and_a_foreign_contact_is_refused(app, login_as):
    cid, contact_id, _name = make_customer(app)
    other_cid, other_contact, _other = make_customer(app, phone="13900002222")
    agent = login_as("agent")
    related = agent.get(f"/customerview/related/{cid}").get_json()
    assert [c[0] for c in related["contact"]] == [contact_id] and related["service_request"] == []
    agent.get("/lang/zh")
    token = csrf_token(agent, "/complaintview/add")
    before = _count(app)
    resp = agent.post("/complaintview/add", data={
        "csrf_token": token, "customer": str(cid), "contact": str(other_contact), "matter": "联系人不属于该客户",
        "received_at": "2026-12-01 10:00:00"}, follow_redirects=True)
    assert "联系人属于另一个客户" in resp.get_data(as_text=True) and _count(app) == before

