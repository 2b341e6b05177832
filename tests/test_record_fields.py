"""Processes hold ids of records, not copies of their fields (the issue "The customer's rules,
exactly"); a diagram reads a field of its record by reference, ``${record_field('name')}``, so
what it reads is the record as it is now.

《机器人集成公司客户服务优化管理制度》第十五条(一) 客户服务部负责建立统一的客户信息台账 ...; 客户信息台账需实时
更新,确保信息准确、完整; (二) 严格遵守客户信息保护相关法律法规: the ledger is the one place a customer's data is
kept current (a process keeping copies shows stale data after an edit) and contact data stays there."""
from __future__ import annotations

import pytest
from sqlalchemy import select

from app.engine import mail, record_fields, runtime, scripting
from app.extensions import db
from app.models import Complaint, EmergencyIncident, HumanTask, ServiceRequest
from app.records.process_link import LINKS, start_for_record
from tests.records_helpers import make_customer
from tests.test_process_link import actors, end, shipped  # noqa: F401  (fixtures)

IDS = {"customer_id", "contact_id", "record_number", "stoppage"}  # stoppage: the start gateway's decision
COPIES = {"customer_name", "issue_description", "product_model", "service_address", "request_priority",
          "complaint_content", "customer_demand", "event_title", "emergency_type", "event_description",
          "affected_customers", "need_description"}


def _read(inst_id: int, expression: str):
    """Evaluate an expression as a diagram would, during the instance's engine step."""
    with mail.bind_instance(inst_id):
        return scripting.script_engine().environment.evaluate(expression, {})


def test_records_start_their_processes_with_ids_and_diagrams_read_fields_by_reference(app, shipped, actors):
    cid, contact_id, name = make_customer(app)
    with app.app_context():
        sr = ServiceRequest(customer_id=cid, contact_id=contact_id, type="routine_fault", subject="伺服报警",
                            description="机器人第三轴伺服报警 AL-020")
        cp = Complaint(customer_id=cid, contact_id=contact_id, matter="工程师迟到两小时", customer_demand="书面道歉")
        db.session.add_all([sr, cp])
        started = [start_for_record(sr, actors["agent"]), start_for_record(cp, actors["agent"])]
        for inst in started:  # the start form's fields stay empty (None): nothing copied from the record
            copied = {k: v for k, v in runtime.variables_of(inst).items() if k in COPIES and v not in (None, "")}
            assert copied == {}, copied
        sr_inst, cp_inst = started
        assert _read(sr_inst.id, "record_field('issue_description')") == "机器人第三轴伺服报警 AL-020"
        assert _read(cp_inst.id, "record_field('customer_name') + ': ' + record_field('complaint_content')") \
            == f"{name}: 工程师迟到两小时"
        sr.description = "改为：第三轴编码器报警"  # the record is edited: the diagram reads the edit
        db.session.commit()
        assert _read(sr_inst.id, "record_field('issue_description')") == "改为：第三轴编码器报警"
        # the register form still starts from the complaint (a draft from the record, not a copy)
        register = db.session.scalars(select(HumanTask).filter_by(instance_id=cp_inst.id, state="open")).one()
        assert register.draft["complaint_content"] == "工程师迟到两小时" and register.draft["customer_name"] == name
        with pytest.raises(Exception, match="has no field 'phone'"):
            _read(sr_inst.id, "record_field('phone')")  # personal data is not offered to diagrams
        assert _read(0, "record_field('subject', 'none')") == "none"  # no record: the default
        for inst in started:
            end(inst.id, actors)


def test_every_record_kind_offers_its_fields_and_no_contact_data():
    for record_type, link in LINKS.items():
        names = set(record_fields.readable(record_type)) or set(link.fields)
        assert names, record_type
        assert not names & {"phone", "email", "contact_phone", "contact_email"}, record_type


def test_an_incident_starts_with_its_key_and_the_report_form_from_the_record(app, shipped, actors):
    with app.app_context():
        inc = EmergencyIncident(type="product_quality", title="批次焊缝开裂", description="某批次焊缝开裂")
        db.session.add(inc)
        inst = start_for_record(inc, actors["supervisor"])
        copied = {k: v for k, v in runtime.variables_of(inst).items() if k in COPIES and v not in (None, "")}
        assert copied == {}, copied
        report = db.session.scalars(select(HumanTask).filter_by(instance_id=inst.id, state="open")).one()
        assert report.draft["emergency_type"] == "product_quality" and report.draft["event_title"] == "批次焊缝开裂"
        assert _read(inst.id, "record_field('emergency_type') == 'product_quality'") is True
        end(inst.id, actors)
