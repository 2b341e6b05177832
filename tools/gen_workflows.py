"""Generate the four shipped processes in ``workflows/`` (BPMN 2.0 + Camunda 7 + DI).

    .venv/bin/python tools/gen_workflows.py          # rewrite workflows/*.bpmn

The .bpmn files are what the platform deploys; this script only produced them
(with a tidy grid layout). After editing a diagram in Camunda Modeler, keep the
edited file and stop regenerating it.
"""
from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from bpmn_builder import Diagram, Field  # noqa: E402

OUT = Path(__file__).resolve().parents[1] / "workflows"

CS, SUP, TS, FS, SALES = "CustomerService", "Supervisor", "TechSupport", "FieldService", "Sales"


def doc(zh: str, en: str) -> str:
    return f"{zh}\n\n{en}"


def text(id, label, required=True, maxlength=None, multiline=False, **kw):
    return Field(id, label, "string", required, maxlength=maxlength or (2000 if multiline else 200),
                 multiline=multiline, **kw)


def boolean(id, label, required=True, **kw):
    return Field(id, label, "boolean", required, **kw)


def day(id, label, required=True, **kw):
    return Field(id, label, "date", required, **kw)


def number(id, label, required=True, min=None, max=None, **kw):
    return Field(id, label, "long", required, min=min, max=max, **kw)


def enum(id, label, values, required=True, **kw):
    return Field(id, label, "enum", required, values=list(values), **kw)


# Phone numbers and e-mail addresses stay in the customer ledger: a process refers to the
# customer and the contact by id, and the task page shows the contact masked (app.pii).
CUSTOMER_FIELDS = [
    text("customer_name", "客户名称", maxlength=100),
]
# What a business record passes when it starts its process (app/records/process_link.py).
RECORD_FIELDS = [
    number("customer_id", "客户编号", required=False, hidden=True),
    number("contact_id", "联系人编号", required=False, hidden=True),
    text("record_number", "记录编号", required=False, maxlength=40, hidden=True),
    text("request_priority", "优先级", required=False, maxlength=20, hidden=True),
]


# ----------------------------------------------------------------------------- 1. after-sales service

def after_sales() -> Diagram:
    d = Diagram(
        "after_sales_service", "售后服务流程 After-sales service",
        doc("售后服务流程。客户提出服务请求后，客服须在30个工作分钟内受理；受理超时由边界定时器自动生成主管督办任务，"
            "受理工作不中断。按请求类型确定解决时限：一般咨询1个工作日、常规故障3个工作日、复杂故障7个工作日；"
            "紧急事件立即转入“应急响应”流程（调用活动）。需要上门的，预约上门并填写现场服务记录，记录须经客户签字确认；"
            "预计不能在时限内解决的，须向客户说明原因并承诺新的完成日期。解决后3个工作日内回访，并进行满意度调查（1–5分）。"
            "工作日和工作时间（09:00–18:00）按国家法定节假日及调休安排计算。",
            "After-sales service. A request must be accepted within 30 working minutes; when that time passes a "
            "non-interrupting boundary timer gives the Supervisor an escalation task while the acceptance stays open. "
            "Resolution deadline by request type: general enquiry 1, routine fault 3, complex fault 7 working days; "
            "an emergency goes at once to the emergency_response process (call activity). On-site work is booked, "
            "done and recorded in a field record that the customer confirms; when the deadline cannot be met the "
            "customer is told why and given a new committed date. A follow-up visit within 3 working days and a "
            "satisfaction survey (1-5) close the case. Working days and hours (09:00-18:00) follow the official "
            "Chinese holiday calendar including make-up working days."),
        [(SUP, 1), (CS, 1), (FS, 1), (TS, 1)], pool="售后服务 After-sales service",
        starters="CustomerService,Supervisor", lane_pad={CS: (20, 0), FS: (0, 25)})

    d.start("start", "收到服务请求 Request received", CS, 0,
            form=CUSTOMER_FIELDS + [
                text("product_model", "产品型号", required=False, maxlength=100),
                text("service_address", "服务地址", required=False, maxlength=300),
                text("issue_description", "问题描述", multiline=True),
            ] + RECORD_FIELDS,
            doc=doc("客户通过电话、网站、邮件或到店提出服务请求，客服登记客户信息和问题描述（启动表单）。",
                    "The customer asks for service by phone, web, e-mail or in person; the agent records the "
                    "customer and the problem (start form)."))
    d.script("set_accept_due", "计算受理时限 Set acceptance deadline", CS, 0.85,
             script="accept_due = add_working_minutes(30).isoformat()",
             doc=doc("受理时限 = 收到请求后30个工作分钟（非工作时间收到的，从下一个工作时段开始计时）。"
                     "该时间同时用作受理任务的到期时间和超时定时器的触发时间。",
                     "Acceptance deadline = 30 working minutes after the request (requests outside working hours "
                     "count from the next opening). Used both as the task's due date and as the timer's date."))
    d.user("accept", "受理服务请求 Accept request", CS, 1.85, due="${accept_due}", priority=60,
           form=[boolean("customer_contacted", "已联系客户确认需求"),
                 text("accept_note", "受理说明", multiline=True)],
           doc=doc("在30个工作分钟内受理：联系客户、确认需求和联系方式，登记受理说明。",
                   "Accept within 30 working minutes: call the customer back, confirm the need and contact "
                   "details, and note what was agreed."))
    d.boundary("accept_overdue", "受理超时 Acceptance overdue", "accept", date="${accept_due}", side="top",
               label="topright",
               doc=doc("非中断边界定时器：到达受理时限仍未受理时触发，生成主管督办任务，受理任务继续保留。",
                       "Non-interrupting boundary timer: fires at the acceptance deadline if the request is "
                       "still not accepted and creates a Supervisor escalation task; acceptance stays open."))
    d.user("escalate", "督办受理超时 Escalate overdue acceptance", SUP, 1.85, priority=80,
           form=[enum("escalation_action", "督办措施", [("remind", "督促经办人立即受理"),
                                                     ("reassign", "改派其他客服"),
                                                     ("handle_personally", "主管亲自受理")]),
                 text("escalation_note", "督办说明", required=False, multiline=True)],
           doc=doc("服务请求超过30个工作分钟未受理。请督促、改派或亲自受理，并记录督办措施。",
                   "The request was not accepted within 30 working minutes. Chase, reassign or take it "
                   "yourself, and record what you did."))
    d.end("escalation_done", "督办完成 Escalation handled", SUP, 2.75)
    d.user("classify", "服务请求分类 Classify request", CS, 2.85,
           form=[enum("request_type", "请求类型", [("general", "一般咨询（1个工作日内解决）"),
                                                ("routine", "常规故障（3个工作日内解决）"),
                                                ("complex", "复杂故障（7个工作日内解决）"),
                                                ("emergency", "紧急事件（立即启动应急响应）")]),
                 text("classification_note", "分类说明", required=False, multiline=True)],
           doc=doc("根据问题性质确定请求类型，类型决定解决时限；紧急事件（如安全隐患、批量故障）立即转入应急响应。",
                   "Pick the request type; it sets the resolution deadline. Emergencies (safety hazards, "
                   "widespread failures) go to the emergency response at once."))
    d.gw("gw_type", "请求类型？ Request type?", CS, 3.8)
    d.call("call_emergency", "启动应急响应 Emergency response", SUP, 4.55, called="emergency_response",
           doc=doc("调用“应急响应”流程（emergency_response），共享全部流程变量；应急流程结束后继续回访和满意度调查。",
                   "Calls the emergency_response process with all variables; after it ends the case continues "
                   "with the follow-up visit and the survey."))
    d.script("set_resolve_due", "设定解决时限 Set resolution deadline", TS, 4.55,
             script=("resolve_days = {'general': 1, 'routine': 3, 'complex': 7}[request_type]\n"
                     "resolve_due = add_working_days(resolve_days).isoformat()\n"
                     "resolve_delayed = False"),
             doc=doc("解决时限 = 分类当日之后第1/3/7个工作日的18:00（一般/常规/复杂）。",
                     "Resolution deadline = 18:00 of the 1st/3rd/7th working day after today "
                     "(general/routine/complex)."))
    d.user("diagnose", "远程诊断处理 Diagnose remotely", TS, 5.55, due="${resolve_due}",
           form=[text("diagnosis", "诊断结论", multiline=True),
                 boolean("resolved_remotely", "已远程解决（无需上门）"),
                 text("remote_solution", "远程处理措施", required=False, multiline=True)],
           doc=doc("通过电话或远程工具诊断问题；能远程解决的直接解决，否则转现场服务上门。",
                   "Diagnose by phone or remote tools; solve remotely when possible, otherwise hand over to "
                   "field service for an on-site visit."))
    d.gw("gw_onsite", "需要上门？ On-site needed?", TS, 6.4)
    d.user("book_visit", "预约上门服务 Book on-site visit", FS, 7.25,
           form=[day("appointment_date", "预约上门日期"),
                 enum("appointment_slot", "预约时段", [("morning", "上午 09:00–12:00"),
                                                    ("afternoon", "下午 13:30–18:00")]),
                 text("engineer_name", "上门工程师", maxlength=50)],
           doc=doc("与客户约定上门日期和时段，指派上门工程师。",
                   "Agree the visit date and time slot with the customer and name the engineer."))
    d.gw("gw_late", "能按时解决？ Within deadline?", FS, 8.1)
    d.user("explain_delay", "告知延误原因 Explain delay", CS, 8.95,
           form=[text("delay_reason", "延误原因", multiline=True),
                 day("new_commit_date", "新承诺完成日期"),
                 boolean("customer_informed", "已告知客户并取得理解")],
           doc=doc("已超过或预计超过解决时限：向客户说明原因，并承诺新的完成日期（新的日期作为上门服务的到期时间）。",
                   "The deadline has passed or the visit is after it: tell the customer why and commit to a new "
                   "date, which becomes the due date of the on-site service."))
    d.script("recommit", "更新承诺时限 Update deadline", CS, 9.9,
             script="resolve_due = add_working_days(0, new_commit_date).isoformat()\nresolve_delayed = True",
             doc=doc("新的解决时限 = 新承诺日期当天18:00（如非工作日则顺延至下一个工作日）。",
                     "New deadline = 18:00 on the committed date (the next working day if it is not one)."))
    d.gw("merge_onsite", None, FS, 10.75)
    d.user("onsite_service", "上门服务并记录 On-site service", FS, 11.6, due="${resolve_due}",
           form=[day("service_date", "实际上门日期"),
                 text("work_done", "处理内容", multiline=True),
                 text("fault_cause", "故障原因", multiline=True),
                 text("advice", "使用与维护建议", multiline=True),
                 text("parts_used", "更换配件", required=False),
                 boolean("customer_confirmed", "客户已签字确认服务记录"),
                 text("customer_signatory", "客户签字人", required=False, maxlength=50)],
           doc=doc("按预约上门处理，填写现场服务记录（处理内容、故障原因、使用建议），并请客户签字确认。"
                   "客户未确认的，须重新处理。",
                   "Visit as booked, fill in the field record (work done, cause, advice) and have the customer "
                   "sign it. Without the customer's confirmation the work is done again."))
    d.gw("gw_confirmed", "客户确认？ Customer confirmed?", FS, 12.45)
    d.gw("merge_resolved", None, TS, 13.3)
    d.gw("merge_followup", None, CS, 14.15)
    d.user("followup", "回访客户 Follow-up visit", CS, 15.0, due="${add_working_days(3)}",
           form=[enum("followup_method", "回访方式", [("phone", "电话回访"), ("visit", "上门回访"),
                                                  ("sms", "短信"), ("wechat", "微信")]),
                 text("followup_result", "回访情况", multiline=True),
                 boolean("issue_resolved", "问题已彻底解决")],
           doc=doc("服务完成后3个工作日内回访客户，确认问题是否彻底解决。",
                   "Within 3 working days of the service, check with the customer that the problem is solved."))
    d.user("survey", "满意度调查 Satisfaction survey", CS, 16.0,
           form=[number("satisfaction_score", "满意度评分（1–5分）", min=1, max=5),
                 text("survey_comment", "客户意见与建议", required=False, multiline=True)],
           doc=doc("请客户对本次服务评分（1–5分）并记录意见。", "Ask the customer for a score (1-5) and comments."))
    d.end("end", "服务完成 Service closed", CS, 16.85)

    d.flow("start", "set_accept_due")
    d.flow("set_accept_due", "accept")
    d.flow("accept_overdue", "escalate")
    d.flow("escalate", "escalation_done")
    d.flow("accept", "classify")
    d.flow("classify", "gw_type")
    d.flow("gw_type", "call_emergency", "紧急事件", cond="${request_type == 'emergency'}")
    d.flow("gw_type", "set_resolve_due", "一般/常规/复杂", default=True)
    d.flow("call_emergency", "merge_followup", route="hv")
    d.flow("set_resolve_due", "diagnose")
    d.flow("diagnose", "gw_onsite")
    d.flow("gw_onsite", "merge_resolved", "已远程解决", cond="${resolved_remotely}")
    d.flow("gw_onsite", "book_visit", "需要上门", default=True)
    d.flow("book_visit", "gw_late")
    d.flow("gw_late", "explain_delay", "超出时限",
           cond="${now() > parse_datetime(resolve_due) || parse_datetime(appointment_date) > parse_datetime(resolve_due)}")
    d.flow("gw_late", "merge_onsite", "按时", default=True)
    d.flow("explain_delay", "recommit")
    d.flow("recommit", "merge_onsite", route="hv")
    d.flow("merge_onsite", "onsite_service")
    d.flow("onsite_service", "gw_confirmed")
    d.flow("gw_confirmed", "merge_resolved", "已确认", cond="${customer_confirmed}", route="hv")
    d.flow("gw_confirmed", "merge_onsite", "未确认，重新处理", default=True, route="down", ch=28)
    d.flow("merge_resolved", "merge_followup", route="hv")
    d.flow("merge_followup", "followup")
    d.flow("followup", "survey")
    d.flow("survey", "end")
    return d


# ----------------------------------------------------------------------------- 2. complaint handling

def complaint() -> Diagram:
    d = Diagram(
        "complaint_handling", "投诉处理流程 Complaint handling",
        doc("投诉处理流程。收到投诉后客服立即登记（30个工作分钟内）；主管在1个工作日内转交责任部门；"
            "责任部门制定整改方案并实施整改；整改完成后3个工作日内向客户反馈结果并进行满意度调查。"
            "客户不满意的，重新制定整改方案，直至客户满意；最后登记投诉台账并办结。",
            "Complaint handling. The agent registers the complaint at once (within 30 working minutes); the "
            "Supervisor forwards it to the responsible department within 1 working day; the department plans "
            "and carries out the rectification; within 3 working days of the rectification the customer is told "
            "the result and surveyed. An unsatisfied customer sends the case back to a new rectification plan, "
            "until satisfied; the case is then recorded in the complaint ledger and closed."),
        [(CS, 1), (SUP, 1), (TS, 1)], pool="投诉处理 Complaint handling",
        starters="CustomerService,Supervisor", lane_pad={TS: (0, 20)})

    d.start("start", "收到客户投诉 Complaint received", CS, 0,
            doc=doc("客户通过电话、网站、邮件、信函或现场提出投诉。", "A customer complains by phone, web, "
                    "e-mail, letter or in person."))
    d.user("register", "登记投诉 Register complaint", CS, 0.9, due="${add_working_minutes(30)}", priority=70,
           form=CUSTOMER_FIELDS + [
               enum("complaint_channel", "投诉渠道", [("phone", "电话"), ("online", "网站/在线客服"),
                                                  ("email", "电子邮件"), ("letter", "信函"), ("onsite", "现场")]),
               enum("complaint_category", "投诉类别", [("product_quality", "产品质量"),
                                                   ("service_attitude", "服务态度"),
                                                   ("delivery", "交付时效"), ("billing", "收费争议"),
                                                   ("other", "其他")]),
               text("complaint_content", "投诉内容", multiline=True),
               text("customer_demand", "客户诉求", required=False, multiline=True)],
           doc=doc("立即登记投诉（30个工作分钟内）：客户信息、投诉渠道、类别、内容和客户诉求。",
                   "Register the complaint at once (within 30 working minutes): customer, channel, category, "
                   "what happened and what the customer asks for."))
    d.user("forward", "转交责任部门 Forward to department", SUP, 1.9, due="${add_working_days(1)}",
           form=[enum("department", "责任部门", [("TechSupport", "技术支持部"), ("FieldService", "现场服务部"),
                                             ("Sales", "销售部"), ("CustomerService", "客服部")]),
                 enum("severity", "严重程度", [("general", "一般"), ("serious", "较严重"), ("major", "重大")]),
                 text("forward_note", "转办说明", required=False, multiline=True)],
           doc=doc("1个工作日内确定责任部门和严重程度，转交处理。",
                   "Within 1 working day, decide the responsible department and the severity, and forward."))
    d.gw("merge_plan", None, TS, 2.75)
    d.user("plan", "制定整改方案 Rectification plan", TS, 3.6,
           form=[text("root_cause", "原因分析", multiline=True),
                 text("rectification_plan", "整改方案", multiline=True),
                 day("planned_finish_date", "计划完成日期")],
           doc=doc("责任部门分析原因并制定整改方案；客户不满意退回时，结合客户意见重新制定。",
                   "The responsible department analyses the cause and plans the rectification; when the customer "
                   "was not satisfied, plan again with the customer's comments."))
    d.user("rectify", "实施整改 Rectify", TS, 4.6,
           form=[text("rectification_result", "整改结果", multiline=True),
                 day("rectified_on", "整改完成日期")],
           doc=doc("按方案实施整改并记录结果。", "Carry out the plan and record the result."))
    d.user("report_back", "向客户反馈整改结果 Report back", CS, 5.6, due="${add_working_days(3)}",
           form=[enum("feedback_method", "反馈方式", [("phone", "电话"), ("visit", "上门"), ("email", "电子邮件"),
                                                  ("sms", "短信")]),
                 text("feedback_content", "反馈内容", multiline=True)],
           doc=doc("整改完成后3个工作日内向客户反馈整改结果。",
                   "Within 3 working days of the rectification, tell the customer what was done."))
    d.user("survey", "满意度调查 Satisfaction survey", CS, 6.6,
           form=[boolean("satisfied", "客户对处理结果满意"),
                 number("satisfaction_score", "满意度评分（1–5分）", min=1, max=5),
                 text("customer_comment", "客户意见", required=False, multiline=True)],
           doc=doc("询问客户是否满意并评分；不满意的退回重新制定整改方案。",
                   "Ask whether the customer is satisfied and for a score; if not, the case goes back to a new "
                   "rectification plan."))
    d.gw("gw_satisfied", "客户满意？ Satisfied?", CS, 7.45)
    d.script("ledger", "登记投诉台账 Record in ledger", CS, 8.3,
             script=("ledger_entry = {\n"
                     "    'customer': customer_name,\n"
                     "    'channel': complaint_channel,\n"
                     "    'category': complaint_category,\n"
                     "    'department': department,\n"
                     "    'severity': severity,\n"
                     "    'satisfaction_score': satisfaction_score,\n"
                     "    'closed_on': format_date(now()),\n"
                     "}\n"
                     "ledger_recorded = True"),
             doc=doc("生成投诉台账记录（客户、渠道、类别、责任部门、严重程度、满意度、办结日期）。",
                     "Builds the ledger entry (customer, channel, category, department, severity, score, "
                     "closing date)."))
    d.end("end", "投诉办结 Complaint closed", CS, 9.15)

    d.flow("start", "register")
    d.flow("register", "forward")
    d.flow("forward", "merge_plan")
    d.flow("merge_plan", "plan")
    d.flow("plan", "rectify")
    d.flow("rectify", "report_back")
    d.flow("report_back", "survey")
    d.flow("survey", "gw_satisfied")
    d.flow("gw_satisfied", "ledger", "满意", cond="${satisfied}")
    d.flow("gw_satisfied", "merge_plan", "不满意，重新整改", default=True, route="down", ch=30)
    d.flow("ledger", "end")
    return d


# ----------------------------------------------------------------------------- 3. emergency response

def emergency() -> Diagram:
    d = Diagram(
        "emergency_response", "应急响应流程 Emergency response",
        doc("应急响应流程。报告突发事件后，按事件类型（产品质量、自然灾害、公共卫生）立即启动相应应急预案；"
            "随后并行开展：①组织应急处置，直至主管确认事态受控；②通知受影响客户，并每4个工作小时向客户通报进展。"
            "处置完成时的终止结束事件结束整个处置子流程（包括定期通报循环）。最后关闭事件，进行事后总结并制定改进措施。"
            "本流程也由售后服务流程的紧急事件调用。",
            "Emergency response. Once reported, the contingency plan for the emergency type (product quality, "
            "natural disaster, public health) is activated at once. Then, in parallel: (1) the response is "
            "organised and carried out until the Supervisor confirms it is under control; (2) affected customers "
            "are notified and updated every 4 working hours. The terminate end event of the response branch "
            "ends the whole sub-process, including the update loop. Finally the event is closed, summarised, "
            "and improvements are agreed. The after-sales process calls this process for emergencies."),
        [(SUP, 3), (TS, 1), (CS, 1)], pool="应急响应 Emergency response",
        starters="Supervisor,CustomerService,TechSupport,FieldService",
        lane_pad={TS: (0, 25), CS: (0, 30)})

    d.start("start", "突发事件上报 Emergency reported", CS, 0)
    d.user("report", "报告突发事件 Report emergency", CS, 0.9, groups="CustomerService,Supervisor",
           due="${add_working_minutes(30)}", priority=90,
           form=[text("event_title", "事件名称"),
                 enum("emergency_type", "事件类型", [("product_quality", "产品质量事件"),
                                                 ("natural_disaster", "自然灾害"),
                                                 ("public_health", "公共卫生事件")]),
                 enum("severity_level", "事件级别", [("level_1", "Ⅰ级（特别重大）"), ("level_2", "Ⅱ级（重大）"),
                                                 ("level_3", "Ⅲ级（较大）"), ("level_4", "Ⅳ级（一般）")]),
                 text("affected_scope", "影响范围", multiline=True),
                 number("affected_customers", "受影响客户数", min=0),
                 text("event_description", "事件经过", multiline=True)],
           doc=doc("立即报告：事件名称、类型、级别、影响范围、受影响客户数和事件经过。",
                   "Report at once: title, type, level, scope, number of affected customers and what happened."))
    d.gw("gw_type", "事件类型？ Emergency type?", SUP, 1.8, row=1)
    activation = [boolean("plan_activated", "已启动应急预案"), text("command_lead", "现场总指挥", maxlength=50)]
    d.user("activate_quality", "启动产品质量应急预案 Product-quality plan", SUP, 2.75, row=0,
           due="${add_working_minutes(30)}", priority=90,
           form=activation + [boolean("sales_suspended", "已暂停相关批次销售/发货"),
                              text("recall_scope", "排查/召回范围", required=False, multiline=True)],
           doc=doc("立即启动产品质量事件应急预案：暂停相关批次销售和发货，确定排查或召回范围。",
                   "Activate the product-quality plan at once: stop selling and shipping the batch, decide "
                   "what to check or recall."))
    d.user("activate_disaster", "启动自然灾害应急预案 Natural-disaster plan", SUP, 2.75, row=1,
           due="${add_working_minutes(30)}", priority=90,
           form=activation + [boolean("staff_safe", "已确认员工安全"),
                              text("backup_site", "备用服务点", required=False)],
           doc=doc("立即启动自然灾害应急预案：确认员工安全，启用备用服务点和服务渠道。",
                   "Activate the natural-disaster plan at once: make sure staff are safe, open backup service "
                   "sites and channels."))
    d.user("activate_health", "启动公共卫生应急预案 Public-health plan", SUP, 2.75, row=2,
           due="${add_working_minutes(30)}", priority=90,
           form=activation + [text("protective_measures", "防护措施", multiline=True),
                              boolean("contactless_service", "启用无接触服务", required=False)],
           doc=doc("立即启动公共卫生事件应急预案：落实防护措施，必要时改为无接触服务。",
                   "Activate the public-health plan at once: put protective measures in place and switch to "
                   "contactless service where needed."))
    d.gw("merge_type", None, SUP, 3.6, row=1)

    d.subprocess("response", "应急处置与客户通报 Response & customer updates", SUP, 4.2, 1, (10.85, CS, 0),
                 doc=doc("两条并行分支：应急处置（直至事态受控）和客户通报（每4个工作小时一次）。"
                         "处置分支到达终止结束事件时，整个子流程结束，通报循环随之停止。",
                         "Two parallel branches: the response (until under control) and customer updates (every "
                         "4 working hours). When the response branch reaches its terminate end event the whole "
                         "sub-process ends, and with it the update loop."))
    sp = "response"
    d.start("response_start", "开始处置 Start", SUP, 4.55, row=1, parent=sp)
    d.gw("fork", None, SUP, 5.3, row=1, kind="parallelGateway", parent=sp)
    d.user("organise", "组织应急处置 Organise response", SUP, 6.1, row=1, parent=sp, priority=90,
           form=[text("response_team", "处置小组成员", multiline=True),
                 text("response_measures", "处置措施", multiline=True)],
           doc=doc("成立处置小组，部署处置措施。", "Set up the response team and decide the measures."),)
    d.gw("merge_response", None, TS, 6.95, parent=sp)
    d.user("carry_out", "执行处置措施 Carry out response", TS, 7.8, parent=sp, priority=90,
           form=[text("actions_taken", "已采取的措施", multiline=True),
                 text("progress_note", "进展说明", required=False, multiline=True)],
           doc=doc("技术支持执行处置措施并记录进展。", "Tech support carries out the measures and records progress."))
    d.user("confirm_control", "确认事态受控 Confirm under control", SUP, 8.8, row=1, parent=sp, priority=90,
           form=[boolean("event_under_control", "事态已受控，处置完成"),
                 text("control_note", "说明", required=False, multiline=True)],
           doc=doc("确认事态是否已受控；未受控的继续处置。", "Confirm the situation is under control; if not, "
                   "the response continues."))
    d.gw("gw_control", "事态受控？ Under control?", SUP, 9.65, row=1, parent=sp)
    d.end("response_done", "处置完成 Response complete", SUP, 10.5, row=1, parent=sp, terminate=True,
          doc=doc("终止结束事件：结束本子流程中的所有分支（包括客户通报循环）。",
                  "Terminate end event: ends every branch of this sub-process, including the update loop."))
    d.user("notify", "通知受影响客户 Notify customers", CS, 6.1, parent=sp, due="${add_working_minutes(30)}",
           priority=80,
           form=[enum("notice_channel", "通知渠道", [("sms", "短信"), ("phone", "电话"), ("email", "电子邮件"),
                                                 ("wechat", "微信"), ("announcement", "公告")]),
                 number("notified_count", "已通知客户数", min=0),
                 text("notice_content", "通知内容", multiline=True)],
           doc=doc("立即通知受影响客户：事件情况、影响和临时措施。",
                   "Notify the affected customers at once: what happened, the impact and interim measures."))
    d.gw("merge_updates", None, CS, 6.95, parent=sp)
    d.timer("wait_update", "4个工作小时后 After 4 working hours", CS, 7.8, parent=sp,
            date="${add_working_hours(4)}", label="top",
            doc=doc("每4个工作小时通报一次进展（按工作时间计算）。",
                    "Updates every 4 working hours (counted in working time)."))
    d.user("update_customers", "向客户通报进展 Update customers", CS, 8.8, parent=sp,
           due="${add_working_minutes(30)}", priority=80,
           form=[text("update_content", "通报内容", multiline=True),
                 number("customers_reached", "本次通报客户数", required=False, min=0),
                 boolean("continue_updates", "仍需继续通报")],
           doc=doc("向受影响客户通报处置进展。通常持续到处置完成（终止结束事件会结束通报）；"
                   "如受影响客户均已恢复、无需再通报，可提前停止通报。",
                   "Tell the affected customers how the response is going. This normally goes on until the "
                   "response is complete (its terminate end event stops the updates); when no affected customer "
                   "needs further updates they can be stopped earlier."))
    d.gw("gw_continue", "继续通报？ Keep updating?", CS, 9.65, parent=sp)
    d.end("updates_stopped", "停止通报 Updates stopped", CS, 10.45, parent=sp)

    d.user("close", "关闭应急事件 Close emergency", SUP, 11.5, row=1,
           form=[boolean("all_customers_informed", "已向全部受影响客户通报处置结果"),
                 text("close_note", "关闭说明", multiline=True)],
           doc=doc("确认处置完成、客户已获知结果后关闭事件。",
                   "Close the event once the response is complete and customers know the outcome."))
    d.user("summarise", "事后总结与改进措施 Summary & improvements", SUP, 12.5, row=1,
           form=[text("event_summary", "事件总结", multiline=True),
                 text("root_cause", "根本原因", multiline=True),
                 text("improvement_measures", "改进措施", multiline=True),
                 boolean("plan_revision_needed", "需要修订应急预案")],
           doc=doc("总结事件经过和处置效果，分析根本原因，制定改进措施，必要时修订应急预案。",
                   "Summarise the event and the response, find the root cause, agree improvements and revise "
                   "the contingency plan if needed."))
    d.end("end", "应急事件结束 Emergency closed", SUP, 13.35, row=1)

    d.flow("start", "report")
    d.flow("report", "gw_type", route="hvh")
    d.flow("gw_type", "activate_quality", "产品质量", cond="${emergency_type == 'product_quality'}")
    d.flow("gw_type", "activate_disaster", "自然灾害", cond="${emergency_type == 'natural_disaster'}")
    d.flow("gw_type", "activate_health", "公共卫生", default=True)
    d.flow("activate_quality", "merge_type")
    d.flow("activate_disaster", "merge_type")
    d.flow("activate_health", "merge_type")
    d.flow("merge_type", "response", enter_at=(SUP, 1))
    d.flow("response_start", "fork")
    d.flow("fork", "organise")
    d.flow("fork", "notify")
    d.flow("organise", "merge_response")
    d.flow("merge_response", "carry_out")
    d.flow("carry_out", "confirm_control")
    d.flow("confirm_control", "gw_control")
    d.flow("gw_control", "response_done", "已受控", cond="${event_under_control}")
    d.flow("gw_control", "merge_response", "继续处置", default=True, route="down", ch=28)
    d.flow("notify", "merge_updates")
    d.flow("merge_updates", "wait_update")
    d.flow("wait_update", "update_customers")
    d.flow("update_customers", "gw_continue")
    d.flow("gw_continue", "updates_stopped", "无需继续", cond="${!continue_updates}")
    d.flow("gw_continue", "merge_updates", "继续通报", default=True, route="down", ch=28)
    d.flow("response", "close", exit_at=(SUP, 1))
    d.flow("close", "summarise")
    d.flow("summarise", "end")
    return d


# ----------------------------------------------------------------------------- 4. six-step service

def six_step() -> Diagram:
    d = Diagram(
        "six_step_service", "六步服务法 Six-step service",
        doc("六步服务法：①需求收集（记录需求，按紧急度和重要度分类）→ ②方案制定（各部门提出意见，主管审批，驳回则修改方案）"
            "→ ③方案执行（分派、过程监控、质量检查，不合格返工）→ ④反馈（执行期间每周向客户反馈进度，执行完成后客户评价）"
            "→ ⑤问题解决（识别、解决、验证，未通过验证则重新分析）→ ⑥总结优化（总结报告、改进措施、案例分享）。",
            "Six-step service method: (1) needs collection: record the need, classify by urgency and importance; "
            "(2) planning: departments give input, the Supervisor approves, a rejected plan is revised; "
            "(3) execution: assignment, monitoring and quality check, rework until it passes; (4) feedback: a "
            "weekly progress report to the customer during execution (non-interrupting cycle timer), then the "
            "customer's evaluation; (5) problem solving: identify, solve, verify, again until verified; "
            "(6) summary and optimisation: report, improvements, case shared."),
        [(CS, 1), (SUP, 1), (TS, 1), (FS, 1), (SALES, 1)], pool="六步服务法 Six-step service",
        starters="CustomerService,Supervisor,Sales", lane_pad={CS: (22, 0), TS: (0, 25)})
    prio = "${service_priority}"

    # 1 needs collection
    d.start("start", "收到服务需求 Need received", CS, 0)
    d.user("record_needs", "记录客户需求 Record needs", CS, 0.9,
           form=CUSTOMER_FIELDS + [text("need_description", "需求描述", multiline=True),
                                   day("expected_date", "期望完成日期", required=False)],
           doc=doc("第一步 需求收集：记录客户的服务需求。", "Step 1, needs collection: record the customer's need."))
    d.user("classify_needs", "需求分类 Classify needs", CS, 1.9,
           form=[enum("urgency", "紧急程度", [("high", "紧急"), ("medium", "较急"), ("low", "不急")]),
                 enum("importance", "重要程度", [("high", "重要"), ("medium", "一般"), ("low", "次要")]),
                 enum("need_category", "需求类别", [("product", "产品"), ("technical", "技术"),
                                                ("service", "服务"), ("commercial", "商务")], required=False)],
           doc=doc("按紧急程度和重要程度对需求分类，决定后续任务的优先级。",
                   "Classify by urgency and importance; this sets the priority of all later tasks."))
    d.script("set_priority", "确定优先级 Set priority", CS, 2.9,
             script=("levels = {'high': 2, 'medium': 1, 'low': 0}\n"
                     "service_priority = [20, 35, 50, 70, 90][levels[urgency] + levels[importance]]"),
             doc=doc("紧急度与重要度组合成任务优先级（20–90）。", "Urgency and importance give the task priority "
                     "(20-90)."))
    # 2 planning
    d.gw("merge_plan", None, CS, 3.7)
    d.user("draft_plan", "制定服务方案 Draft service plan", CS, 4.5, priority=prio,
           form=[text("plan_summary", "方案内容", multiline=True),
                 text("resources", "所需资源", multiline=True),
                 day("target_date", "计划完成日期")],
           doc=doc("第二步 方案制定：起草服务方案；被驳回时根据主管意见修改。",
                   "Step 2, planning: draft the plan; after a rejection, revise it with the Supervisor's comments."))
    d.gw("fork_input", None, TS, 5.35, kind="parallelGateway")
    d.user("tech_input", "技术部门意见 Technical input", TS, 6.2, priority=prio,
           form=[text("tech_opinion", "技术意见", multiline=True)],
           doc=doc("技术支持部对方案提出意见。", "Tech support comments on the plan."))
    d.user("field_input", "现场服务意见 Field-service input", FS, 6.2, priority=prio,
           form=[text("field_opinion", "现场服务意见", multiline=True)],
           doc=doc("现场服务部对方案提出意见。", "Field service comments on the plan."))
    d.user("sales_input", "销售部门意见 Sales input", SALES, 6.2, priority=prio,
           form=[text("sales_opinion", "销售意见", multiline=True)],
           doc=doc("销售部对方案提出意见（商务条款、客户关系）。",
                   "Sales comments on the plan (commercial terms, customer relationship)."))
    d.gw("join_input", None, TS, 7.05, kind="parallelGateway")
    d.user("approve_plan", "主管审批方案 Approve plan", SUP, 7.9, priority=prio,
           form=[boolean("plan_approved", "批准方案"),
                 text("approval_comment", "审批意见", required=False, multiline=True)],
           doc=doc("综合各部门意见审批方案；不批准的退回修改。",
                   "Approve the plan in the light of the departments' input, or send it back for revision."))
    d.gw("gw_approved", "批准？ Approved?", SUP, 8.7)
    # 3 execution
    d.subprocess("execution", "方案执行 Execution", SUP, 9.3, 0, (15.7, TS, 0),
                 doc=doc("第三步 方案执行：分派、实施、过程监控、质量检查；不合格返工。执行期间每周一次向客户反馈进度。",
                         "Step 3, execution: assign, carry out, monitor, quality check; rework until it passes. "
                         "Weekly progress reports go to the customer while it runs."))
    sp = "execution"
    d.start("execution_start", "开始执行 Start", SUP, 9.6, parent=sp)
    d.user("assign_work", "分派执行任务 Assign work", SUP, 10.4, parent=sp, priority=prio,
           form=[enum("executing_department", "执行部门", [("TechSupport", "技术支持部"),
                                                       ("FieldService", "现场服务部"), ("Sales", "销售部")]),
                 text("executor", "执行负责人", maxlength=50),
                 day("planned_finish", "计划完成日期")],
           doc=doc("把执行任务分派给执行部门和负责人。", "Assign the work to a department and a person in charge."))
    d.gw("merge_exec", None, TS, 11.25, parent=sp)
    d.user("carry_out", "实施服务 Carry out service", TS, 12.1, parent=sp, groups="TechSupport,FieldService",
           priority=prio, form=[text("work_log", "实施记录", multiline=True)],
           doc=doc("按方案实施服务并记录；质量检查不合格时返工。",
                   "Carry out the service as planned and log it; rework after a failed quality check."))
    d.user("monitor", "过程监控 Monitor progress", SUP, 13.0, parent=sp, priority=prio,
           form=[number("progress_percent", "完成进度（%）", min=0, max=100),
                 boolean("on_schedule", "按计划进行"),
                 text("risk_note", "风险与问题", required=False, multiline=True)],
           doc=doc("检查执行进度、风险和问题。", "Check progress, risks and issues."))
    d.user("quality_check", "质量检查 Quality check", SUP, 13.95, parent=sp, priority=prio,
           form=[boolean("quality_passed", "质量检查通过"),
                 text("quality_note", "检查意见", required=False, multiline=True)],
           doc=doc("按方案标准检查服务质量；不合格的返工。", "Check the quality against the plan; failures are "
                   "reworked."))
    d.gw("gw_quality", "质量合格？ Passed?", SUP, 14.8, parent=sp)
    d.end("execution_done", "执行完成 Done", SUP, 15.35, parent=sp)
    d.boundary("weekly_timer", "每周 Every week", "execution", cycle="R/P1W", side="top", at_col=10.4,
               label="topright",
               doc=doc("非中断循环定时器（R/P1W）：执行期间每周触发一次，生成进度反馈任务；执行完成后自动停止。",
                       "Non-interrupting cycle timer (R/P1W): fires every week while the execution runs and "
                       "creates a progress-report task; it stops when the execution ends."))
    d.user("weekly_report", "每周进度反馈 Weekly progress report", CS, 10.4,
           form=[text("progress_summary", "本周进度", multiline=True),
                 text("customer_feedback", "客户意见", required=False, multiline=True)],
           doc=doc("第四步 反馈：每周向客户反馈执行进度，记录客户意见。",
                   "Step 4, feedback: report the week's progress to the customer and note their comments."))
    d.end("weekly_done", "已反馈 Reported", CS, 11.25)
    # 4 feedback: evaluation
    d.user("evaluate", "客户评价 Customer evaluation", CS, 16.35, priority=prio,
           form=[number("satisfaction_score", "满意度评分（1–5分）", min=1, max=5),
                 boolean("problems_found", "存在待解决的问题"),
                 text("evaluation_comment", "客户评价", required=False, multiline=True)],
           doc=doc("第四步 反馈：执行完成后请客户评价；有遗留问题的进入问题解决。",
                   "Step 4, feedback: the customer evaluates the result; open problems go to problem solving."))
    d.gw("gw_problems", "存在问题？ Problems?", CS, 17.2)
    # 5 problem solving
    d.gw("merge_problem", None, TS, 17.9)
    d.user("identify_problem", "识别问题 Identify problem", TS, 18.7, priority=prio,
           form=[text("problem_description", "问题描述", multiline=True),
                 text("problem_cause", "原因分析", multiline=True)],
           doc=doc("第五步 问题解决：识别问题并分析原因。", "Step 5, problem solving: identify the problem and "
                   "its cause."))
    d.user("solve_problem", "解决问题 Solve problem", TS, 19.7, groups="TechSupport,FieldService", priority=prio,
           form=[text("solution", "解决措施", multiline=True)],
           doc=doc("实施解决措施。", "Carry out the solution."))
    d.user("verify_solution", "验证解决效果 Verify solution", CS, 20.7, priority=prio,
           form=[boolean("problem_verified", "客户确认问题已解决"),
                 text("verify_note", "验证说明", required=False, multiline=True)],
           doc=doc("与客户一起验证问题是否已解决；未解决的重新识别和分析。",
                   "Verify with the customer that the problem is solved; if not, identify and analyse again."))
    d.gw("gw_verified", "已解决？ Solved?", CS, 21.55)
    # 6 summary and optimisation
    d.gw("merge_summary", None, CS, 22.25)
    d.user("write_summary", "服务总结报告 Summary report", SUP, 23.1,
           form=[text("summary_report", "总结报告", multiline=True)],
           doc=doc("第六步 总结优化：撰写服务总结报告。", "Step 6, summary and optimisation: write the report."))
    d.user("improvements", "制定改进措施 Improvements", SUP, 24.1,
           form=[text("improvement_measures", "改进措施", multiline=True),
                 boolean("process_change_needed", "需要优化服务流程")],
           doc=doc("提出服务和流程的改进措施。", "Agree improvements to the service and the process."))
    d.user("share_case", "案例分享 Share the case", SUP, 25.1,
           form=[text("case_title", "案例标题"),
                 enum("share_channel", "分享方式", [("team_meeting", "部门例会"), ("knowledge_base", "知识库"),
                                                ("training", "培训课程")])],
           doc=doc("把本案例作为经验分享给团队。", "Share the case with the team."))
    d.end("end", "服务闭环 Service closed", SUP, 25.95)

    d.flow("start", "record_needs")
    d.flow("record_needs", "classify_needs")
    d.flow("classify_needs", "set_priority")
    d.flow("set_priority", "merge_plan")
    d.flow("merge_plan", "draft_plan")
    d.flow("draft_plan", "fork_input", route="hv")
    d.flow("fork_input", "tech_input")
    d.flow("fork_input", "field_input")
    d.flow("fork_input", "sales_input")
    d.flow("tech_input", "join_input")
    d.flow("field_input", "join_input")
    d.flow("sales_input", "join_input")
    d.flow("join_input", "approve_plan")
    d.flow("approve_plan", "gw_approved")
    d.flow("gw_approved", "execution", "批准", cond="${plan_approved}", enter_at=(SUP, 0))
    d.flow("gw_approved", "merge_plan", "驳回修改", default=True, route="up", ch=28)
    d.flow("execution_start", "assign_work")
    d.flow("assign_work", "merge_exec")
    d.flow("merge_exec", "carry_out")
    d.flow("carry_out", "monitor")
    d.flow("monitor", "quality_check")
    d.flow("quality_check", "gw_quality")
    d.flow("gw_quality", "execution_done", "合格", cond="${quality_passed}")
    d.flow("gw_quality", "merge_exec", "不合格，返工", default=True, route="down", ch=30)
    d.flow("weekly_timer", "weekly_report")
    d.flow("weekly_report", "weekly_done")
    d.flow("execution", "evaluate", exit_at=(SUP, 0))
    d.flow("evaluate", "gw_problems")
    d.flow("gw_problems", "merge_problem", "有问题", cond="${problems_found}")
    d.flow("gw_problems", "merge_summary", "无问题", default=True, route="over", ch=30)
    d.flow("merge_problem", "identify_problem")
    d.flow("identify_problem", "solve_problem")
    d.flow("solve_problem", "verify_solution")
    d.flow("verify_solution", "gw_verified")
    d.flow("gw_verified", "merge_summary", "已解决", cond="${problem_verified}")
    d.flow("gw_verified", "merge_problem", "未解决，重新分析", default=True, route="down", ch=30)
    d.flow("merge_summary", "write_summary")
    d.flow("write_summary", "improvements")
    d.flow("improvements", "share_case")
    d.flow("share_case", "end")

    top, bottom = None, None
    d.group("Group_step1", "① 需求收集 Needs", (-0.45, CS, top, 3.33, SALES, bottom))
    d.group("Group_step2", "② 方案制定 Planning", (3.33, CS, top, 9.12, SALES, bottom))
    d.group("Group_step3", "③ 方案执行 Execution", (9.12, CS, top, 15.85, SALES, bottom))
    d.group("Group_step4", "④ 反馈 Feedback", (15.85, CS, top, 17.55, SALES, bottom))
    d.group("Group_step5", "⑤ 问题解决 Problem solving", (17.55, CS, top, 21.9, SALES, bottom))
    d.group("Group_step6", "⑥ 总结优化 Summary", (21.9, CS, top, 26.35, SALES, bottom))
    return d


PROCESSES = {
    "after_sales_service.bpmn": after_sales,
    "complaint_handling.bpmn": complaint,
    "emergency_response.bpmn": emergency,
    "six_step_service.bpmn": six_step,
}


def main() -> None:
    OUT.mkdir(exist_ok=True)
    for filename, build in PROCESSES.items():
        (OUT / filename).write_text(build().to_xml(), encoding="utf-8")
        print("wrote", OUT / filename)


if __name__ == "__main__":
    main()
