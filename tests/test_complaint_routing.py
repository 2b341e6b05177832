"""The shipped complaint routing table (workflows/complaint_routing.dmn) drives the shipped complaint
process: changing a row and deploying routes the next complaint differently, without a code change,
while a complaint already running keeps the table version it started with."""
from __future__ import annotations

from pathlib import Path

from sqlalchemy import select

from app.engine import decisions, history, runtime
from app.extensions import db
from app.models import Department, UserProfile
from tests.engine.ops_support import clean_jobs  # noqa: F401  (fixture)
from tests.test_workflows import COMPLAINT, actors, at, bkey, isolated, shipped, walk  # noqa: F401  (fixtures)

ROUTING = Path(__file__).resolve().parents[1] / "workflows" / "complaint_routing.dmn"
RULES = "《机器人集成公司客户服务优化管理制度》"


def _start(walk, actors, prefix: str):
    return runtime.start_process("complaint_handling", actor=actors["wf_agent"], business_key=bkey(prefix))


def test_the_routing_table_chooses_the_department_and_a_changed_row_routes_the_next_complaint(walk, actors):
    """第十三条(三) 客户服务专员接收客户投诉后,需立即登记投诉信息,明确投诉事项、诉求及责任部门;在1个工作日内
    将投诉信息反馈至相关责任部门 (RULES): the table names the responsible department from the category as soon
    as the complaint is registered; the Supervisor's forward form starts from it."""
    shipped_xml = ROUTING.read_text(encoding="utf-8")
    try:
        with at(2026, 9, 22, 10, 0):
            first = _start(walk, actors, "CP-table")
            walk.do(first, "register", "CustomerService", COMPLAINT)  # service_attitude
            forward = walk.one(first, "forward")
            assert walk.variables(first)["department"] == "CS"
            assert forward.draft == {"department": "CS"}
            routed = [e for e in history.for_instance(first.id) if e.element_id == "route"]
            assert routed and routed[0].data["decision"] == "complaint_routing"
            assert routed[0].data["matched"] == [{"index": 2, "id": "Rule_route_service_attitude"}]

            waiting = _start(walk, actors, "CP-running")  # started now: keeps this version of the table
            changed = shipped_xml.replace('<text>"CS"</text>\n        </outputEntry>\n      </rule>\n      <rule '
                                          'id="Rule_route_delivery">',
                                          '<text>"DELIVERY"</text>\n        </outputEntry>\n      </rule>\n      <rule '
                                          'id="Rule_route_delivery">')
            assert changed != shipped_xml
            deployed = decisions.deploy(changed, actor=actors["owner"], source="editor")
            assert deployed.created and decisions.evaluate(
                "complaint_routing", {"complaint_category": "service_attitude"}).outputs == [{"department": "DELIVERY"}]

            walk.do(waiting, "register", "CustomerService", COMPLAINT)
            assert walk.variables(waiting)["department"] == "CS"

            nxt = _start(walk, actors, "CP-next")
            walk.do(nxt, "register", "CustomerService", COMPLAINT)
            forward = walk.one(nxt, "forward")
            assert forward.draft == {"department": "DELIVERY"}
            walk.do(nxt, "forward", "Supervisor", {**forward.draft, "severity": "general"})  # as the page sends it
            plan = walk.one(nxt, "plan")
            delivery = db.session.scalars(select(Department).filter_by(code="DELIVERY")).one()
            members = {p.user_id for p in db.session.scalars(select(UserProfile).filter_by(department_id=delivery.id))}
            offered = {c.user_id for c in plan.candidates}
            assert offered and offered <= members and actors["wf_field"].user_id in offered
    finally:
        decisions.deploy(shipped_xml, actor=actors["owner"])  # later tests route by the shipped table


def test_every_category_of_the_register_form_has_a_department():
    """A category the table does not know would stop a registered complaint (an incident): every option of
    the register form's category field is routed to one of the departments."""
    from app.engine.dmn.evaluate import evaluate
    from app.engine.dmn.model import parse_dmn
    from app.models.choices import COMPLAINT_CATEGORIES

    parsed = parse_dmn(ROUTING.read_bytes())
    assert parsed.problems == [] and parsed.has_di
    [table] = parsed.decisions
    assert (table.name, table.translations) == ("投诉分派", {"en": "Complaint routing"})  # README: bilingual content
    assert table.outputs[0].translations == {"en": "Responsible department"}
    departments = {"TECH", "DELIVERY", "SALES", "CS"}
    for category in COMPLAINT_CATEGORIES:
        [out] = evaluate(table, {"complaint_category": category}).outputs
        assert out["department"] in departments, category


def test_the_sla_table_sets_the_next_complaints_deadline(walk, actors):
    """第十三条(三) 在1个工作日内将投诉信息反馈至相关责任部门 (RULES): the forward task's due date comes from the
    deployed SLA table (workflows/sla_policy.dmn); a deployed change sets the next complaint's deadline."""
    from datetime import datetime

    from tests.test_workflows import local

    sla = ROUTING.with_name("sla_policy.dmn")
    shipped = sla.read_text(encoding="utf-8")
    i = shipped.index('"P1D"', shipped.index('<rule id="Rule_sla_complaint_forward">'))
    try:
        with at(2026, 9, 22, 10, 0):  # Tuesday
            before = _start(walk, actors, "CP-sla1")
            walk.do(before, "register", "CustomerService", COMPLAINT)
            assert local(walk.one(before, "forward").due_at) == datetime(2026, 9, 23, 18, 0)
            decisions.deploy(shipped[:i] + '"P2D"' + shipped[i + 5:], actor=actors["owner"], source="editor")
            after = _start(walk, actors, "CP-sla2")
            walk.do(after, "register", "CustomerService", COMPLAINT)
            assert local(walk.one(after, "forward").due_at) == datetime(2026, 9, 24, 18, 0)
    finally:
        decisions.deploy(shipped, actor=actors["owner"])
