"""What the demo users type into the task forms of the shipped processes."""
from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from app.engine import clock
from app.models import Complaint, ServiceRequest
from app.records.service.process import REQUEST_TYPE_CODE
from app.demo.training_parts import parts_for_visit



def task_data(element: str, record: Any, now: datetime) -> dict[str, Any]:
    """Plausible form data of ``element``'s task for ``record``, filled in at ``now``."""
    day = now.astimezone(clock.zone()).date()
    if isinstance(record, ServiceRequest):
        code = REQUEST_TYPE_CODE.get(record.type, "general")
        contact = record.contact.name if record.contact else "客户"
        return {
            "accept": {"customer_contacted": True, "accept_note": "已电话联系客户，确认故障现象与服务地址"},
            "classify": {"request_type": code, "classification_note": record.subject or ""},
            "diagnose": {"diagnosis": "远程查看设备日志，初步判断为参数设置问题" if code == "general"
                         else "远程排查后判断需上门检修", "resolved_remotely": code == "general",
                         "remote_solution": "远程指导客户恢复参数" if code == "general" else ""},
            "book_visit": {"appointment_date": day.isoformat(), "appointment_slot": "afternoon",
                           "engineer_name": "赵工"},
            "explain_delay": {"delay_reason": "备件需从厂家调货", "new_commit_date": (day + timedelta(days=3)).isoformat(),
                              "customer_informed": True},
            "dispatch_on_call": {"expected_arrival": (now + timedelta(hours=1)).astimezone(clock.zone())
                                 .strftime("%Y-%m-%dT%H:%M"), "dispatch_note": "已电话联系客户，正在赶往现场"},
            "escalate_emergency": {"escalation_action": "已电话督促值班工程师立即出发"},
            "onsite_service": {"service_date": day.isoformat(), "arrived_at": f"{day.isoformat()}T14:00",
                               "work_done": "更换故障部件并试运行",
                               "fault_cause": "部件老化", "advice": "定期保养", "customer_confirmed": True,
                               "customer_signatory": contact, **parts_for_visit(record)},
            "followup": {"followup_method": "phone", "followup_result": "设备运行正常", "issue_resolved": True},
            "survey": {"satisfaction_score": 4 + record.id % 2, "survey_comment": "响应及时"},
        }.get(element, {})
    if isinstance(record, Complaint):
        department = record.responsible_department.code if record.responsible_department else "CS"
        return {
            "register": {"customer_name": record.customer.name, "complaint_channel": "phone",
                         "complaint_category": "service_attitude", "complaint_content": record.matter,
                         "customer_demand": record.customer_demand or ""},
            "forward": {"department": department, "severity": "general",
                        "forward_note": "请责任部门尽快整改"},
            "plan": {"root_cause": "服务流程执行不到位", "rectification_plan": record.rectification_plan or "加强培训并回访客户",
                     "planned_finish_date": (day + timedelta(days=5)).isoformat()},
            "rectify": {"rectification_result": record.rectification_result or "已完成整改",
                        "rectified_on": day.isoformat()},
            "report_back": {"feedback_method": "phone", "feedback_content": "已向客户说明整改结果"},
            "survey": {"satisfied": True, "satisfaction_score": 5, "customer_comment": "客户认可整改结果"},
        }.get(element, {})
    report = {"event_title": record.title, "emergency_type": record.type, "severity_level": "level_3",
              "affected_scope": "华东区部分客户", "affected_customers": len(record.customers),
              "event_description": record.description or record.title}
    activation = {"plan_activated": True, "command_lead": "王主管"}
    return {
        "report": report,
        "activate_quality": dict(activation, sales_suspended=True, recall_scope="相关批次"),
        "activate_disaster": dict(activation, staff_safe=True, backup_site="备用服务点"),
        "activate_health": dict(activation, protective_measures="上门人员佩戴口罩", contactless_service=True),
        "notify": {"notice_channel": "sms", "notified_count": len(record.customers),
                   "notice_content": "我们正在处理，请留意后续通知"},
        "organise": {"response_team": "技术部、现场服务部", "response_measures": "逐台排查"},
    }.get(element, {})
