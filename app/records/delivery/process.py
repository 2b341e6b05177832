"""The in-sales records follow their processes:

* a contract with a signing date starts ``contract_handover`` through its ``ContractHandover``
  record (``contract_signed``), which opens the ``Project`` at its last step;
* a ``Project`` runs ``project_delivery``: progress reports (every 14 days) and milestone notices
  become ``ProgressReport`` rows and are mailed to the customer in the customer's language;
* a ``SalesOrder`` runs ``order_fulfilment``: review, stock, delivery, installation, payment, invoice;
  a shortage tells the customer the delivery date and the invoice is mailed when issued.
"""
from __future__ import annotations

import re
from datetime import date, datetime, time
from typing import Any

from app.engine import clock, mail, notifications
from app.engine.actor import Actor
from app.extensions import db
from app.models import (
    Contract, ContractHandover, HumanTask, ProcessInstance, ProgressReport, Project, ProjectMilestone, SalesOrder,
)
from app.records.links import Link, customer_name, references
from app.records.parts import order_stock

SIGNING_TIME = time(9, 0)  # the handover deadline counts from the signing day (working days: the day is what counts)


def day(value: Any) -> date | None:
    try:
        return date.fromisoformat(str(value)[:10]) if value not in (None, "") else None
    except ValueError:
        return None


def _text(data: dict, key: str, current: str | None = None) -> str | None:
    value = data.get(key)
    return str(value).strip() if value not in (None, "") else current


# --------------------------------------------------------------------------- customer mails

def customer_locale(customer) -> str:
    """The customer's language for mails (Customer.language), else the site's."""
    lang = getattr(customer, "language", None)
    return lang if lang in mail.LOCALES else mail.site_locale()


def mail_customer(record, kind: str, template: str, context: dict, instance_id: int | None) -> bool:
    """Queue a customer mail to the record's contact (or the customer's primary contact) through the
    outbox; nothing when muted (demo history) or when there is no address. True when queued."""
    customer = record.customer
    contact = getattr(record, "contact", None) or (customer.primary_contact if customer else None)
    if notifications.is_muted() or contact is None or not mail.is_address(contact.email):
        return False
    mail.queue_mail(kind, [contact.email], template, {"name": contact.name, "customer": customer.name, **context},
                    locale=customer_locale(customer), instance_id=instance_id)
    return True


# --------------------------------------------------------------------------- contract handover

HANDOVER_STATUS = {"prepare_handover": "preparing", "confirm_plan": "preparing", "hold_handover": "scheduled",
                   "customer_confirm": "held", "revise_minutes": "held", "open_project": "confirmed"}


def contract_signed(contract: Contract, actor: Actor | None = None, *, commit: bool = True) -> ContractHandover | None:
    """第十条(一): a contract with a signing date gets its handover (once) and the handover process starts."""
    from app.records.process_link import start_for_record

    if contract.signed_on is None:
        return None
    existing = db.session.query(ContractHandover).filter_by(contract_id=contract.id).first() if contract.id else None
    if existing is not None:
        return existing
    handover = ContractHandover(contract=contract, customer_id=contract.customer_id, signed_on=contract.signed_on,
                                status="pending")
    db.session.add(handover)
    db.session.flush()
    start_for_record(handover, actor or Actor.system(), commit=commit)
    return handover


def handover_for_won(opp) -> ContractHandover | None:
    """第九条(三) 直至客户明确合作意向 -> 第十条(一) 合同交底: the prospect the customer agreed to is the
    contract signed that day; its handover (once per prospect) is returned for the caller to start."""
    existing = db.session.query(ContractHandover).filter_by(opportunity_id=opp.id).first() if opp.id else None
    if existing is not None:
        return None
    solution = opp.latest_solution
    today = clock.local_today()
    contract = Contract(customer_id=opp.customer_id, code=f"HT-{opp.number}"[:40], signed_on=today, start_date=today,
                        name=((solution.title if solution else None) or opp.needs or opp.number)[:200])
    db.session.add(contract)
    return ContractHandover(contract=contract, customer_id=opp.customer_id, opportunity_id=opp.id, signed_on=today,
                            status="pending")


def signed_at(signed_on: date) -> str:
    return datetime.combine(signed_on, SIGNING_TIME, tzinfo=clock.zone()).isoformat()


def _handover_variables(ho: ContractHandover) -> dict[str, Any]:
    customer, contract = ho.customer, ho.contract
    contact = customer.primary_contact if customer else None
    return {"customer_name": customer.name if customer else "", **references(customer, contact),
            "contract_code": contract.code if contract else "", "contract_name": contract.name if contract else "",
            "signed_at": signed_at(ho.signed_on), "record_number": ho.number}


def _handover_drafts(ho: ContractHandover) -> dict[str, dict]:
    contract = ho.contract
    drafts: dict[str, dict] = {}
    if contract is not None:
        hold = {k: getattr(contract, k) for k in ("acceptance_criteria", "responsibilities", "service_terms")
                if getattr(contract, k)}
        drafts["hold_handover"] = hold
        if contract.milestones:
            drafts["confirm_plan"] = {"milestone_plan": contract.milestones}
        drafts["open_project"] = {"project_name": contract.name}
    return drafts


def _handover_task_created(ho: ContractHandover, task: HumanTask, status: str | None) -> str | None:
    if task.element_id == "escalate_handover":
        ho.escalated = True
        return None
    if task.due_at is not None and task.element_id in ("prepare_handover", "hold_handover"):
        ho.due_at = task.due_at  # the deadline of the policy, as the diagram computed it
    return status


MILESTONE_LINE = re.compile(r"^\s*(\d{4}-\d{2}-\d{2})?\s*[:：,，]?\s*(.+?)\s*$")


def parse_milestones(text: str | None) -> list[tuple[date | None, str]]:
    """"2026-10-20 设备进场" per line -> [(date, name)]; a line without a date keeps its name."""
    out = []
    for line in (text or "").splitlines():
        m = MILESTONE_LINE.match(line)
        if m and m.group(2):
            out.append((day(m.group(1)), m.group(2)[:200]))
    return out


def _handover_task_completed(ho: ContractHandover, task: HumanTask, data: dict) -> list | None:
    element, contract = task.element_id, ho.contract
    if element == "prepare_handover":
        ho.meeting_on = day(data.get("meeting_date")) or ho.meeting_on
        ho.attendees = _text(data, "attendees", ho.attendees)
    elif element == "confirm_plan" and contract is not None:
        contract.milestones = _text(data, "milestone_plan", contract.milestones)
    elif element == "hold_handover":
        ho.held_on = day(data.get("held_on")) or clock.local_today()
        ho.minutes = _text(data, "handover_minutes", ho.minutes)
        if contract is not None:
            for key in ("acceptance_criteria", "responsibilities", "service_terms"):
                setattr(contract, key, _text(data, key, getattr(contract, key)))
    elif element == "revise_minutes":
        ho.minutes = _text(data, "handover_minutes", ho.minutes)
    elif element == "customer_confirm":
        ho.customer_confirmed = bool(data.get("customer_confirmed"))
    elif element == "open_project":
        return [_project_for(ho, data)]
    return None


def _project_for(ho: ContractHandover, data: dict) -> Project:
    contract = ho.contract
    project = Project(customer_id=ho.customer_id, contract=contract,
                      name=(_text(data, "project_name") or (contract.name if contract else "项目"))[:200],
                      site_escort=_text(data, "site_escort"), started_on=day(data.get("project_start")),
                      status="planning")
    for planned, name in parse_milestones(contract.milestones if contract else None):
        project.milestones.append(ProjectMilestone(name=name, planned_on=planned))
    return project


def _handover_ended(ho: ContractHandover, inst: ProcessInstance) -> None:
    ho.closed_at = ho.closed_at or inst.ended_at or clock.now()


HANDOVER_LINK = Link(ContractHandover, "contract_handover", lambda r: r.number, customer_name, _handover_variables,
                     _handover_drafts, HANDOVER_STATUS, on_task_created=_handover_task_created,
                     on_task_completed=_handover_task_completed, on_ended=_handover_ended)


# --------------------------------------------------------------------------- project delivery

PROJECT_STATUS = {"kickoff": "planning", "install": "installing", "commission": "commissioning",
                  "milestone_notice": "installed", "site_visit": "acceptance", "acceptance": "acceptance"}


def _project_variables(pj: Project) -> dict[str, Any]:
    customer = pj.customer
    contact = pj.contact or (customer.primary_contact if customer else None)
    return {"customer_name": customer.name if customer else "", **references(customer, contact),
            "project_name": pj.name, "site_escort": pj.site_escort or "", "record_number": pj.number}


def _project_drafts(pj: Project) -> dict[str, dict]:
    drafts: dict[str, dict] = {}
    if pj.planned_finish:
        drafts["kickoff"] = {"planned_finish": pj.planned_finish.isoformat()}
    if pj.site_escort:
        drafts["site_visit"] = {"escort_name": pj.site_escort}
    return drafts


def record_progress(pj: Project, content: str, *, kind: str = "regular", construction: str | None = None,
                    installation: str | None = None, by_id: int | None = None,
                    instance_id: int | None = None) -> ProgressReport:
    """One progress report to the customer (第十条(二)): stored and mailed in the customer's language."""
    report = ProgressReport(project=pj, kind=kind, content=content, construction=construction,
                            installation=installation, reported_by_id=by_id, reported_at=clock.now(), channel="email")
    db.session.add(report)
    mail_progress(report, instance_id)
    return report


def mail_progress(report: ProgressReport, instance_id: int | None = None) -> bool:
    """Mail a progress report to the project's customer (in the customer's language); sets ``mailed``."""
    pj = report.project
    report.mailed = mail_customer(pj, "customer_progress_report", "progress_report", {
        "business_key": pj.number, "project": pj.name, "kind": report.kind, "summary": report.content,
        "construction": report.construction, "installation": report.installation,
        "installation_status": pj.installation_status, "commissioning_status": pj.commissioning_status,
    }, instance_id or pj.process_instance_id)
    return report.mailed


def _project_task_completed(pj: Project, task: HumanTask, data: dict) -> None:
    element, by = task.element_id, task.completed_by_id
    if element == "kickoff":
        pj.planned_finish = day(data.get("planned_finish")) or pj.planned_finish
        pj.started_on = pj.started_on or clock.local_today()
    elif element == "install":
        pj.installation_status = "done"
    elif element == "commission":
        passed = bool(data.get("commissioning_passed"))
        pj.commissioning_status = "passed" if passed else "failed"
        if not passed:
            pj.installation_status = "rework"
    elif element == "progress_report":
        record_progress(pj, _text(data, "progress_summary") or "—", construction=_text(data, "construction_progress"),
                        installation=_text(data, "installation_progress"), by_id=by, instance_id=task.instance_id)
    elif element == "milestone_notice":
        record_progress(pj, _text(data, "milestone_summary") or "—", kind="milestone", by_id=by,
                        instance_id=task.instance_id)
        today = clock.now()
        for ms in pj.milestones:
            if ms.done_on is None and (ms.planned_on is None or ms.planned_on <= clock.local_today()):
                ms.done_on, ms.customer_notified_at = clock.local_today(), today
    elif element == "site_visit":
        pj.site_escort = _text(data, "escort_name", pj.site_escort)
    elif element == "acceptance":
        if data.get("accepted"):
            pj.accepted_on = day(data.get("accepted_on")) or clock.local_today()
        else:
            pj.installation_status, pj.commissioning_status = "rework", "not_started"


def _project_ended(pj: Project, inst: ProcessInstance) -> None:
    pj.closed_at = pj.closed_at or inst.ended_at or clock.now()


PROJECT_LINK = Link(Project, "project_delivery", lambda r: r.number, customer_name, _project_variables,
                    _project_drafts, PROJECT_STATUS, on_task_completed=_project_task_completed,
                    on_ended=_project_ended)


# --------------------------------------------------------------------------- order fulfilment

ORDER_STATUS = {"review_order": "received", "return_order": "returned", "check_stock": "reviewed",
                "notify_shortage": "shortage", "confirm_arrival": "shortage", "schedule_delivery": "scheduling",
                "deliver_install": "delivering", "confirm_payment": "awaiting_payment", "issue_invoice": "paid"}


def _order_variables(so: SalesOrder) -> dict[str, Any]:
    customer = so.customer
    contact = so.contact or (customer.primary_contact if customer else None)
    lines = "; ".join(str(line) for line in so.lines)
    return {"customer_name": customer.name if customer else "", **references(customer, contact),
            "order_lines": lines[:2000], "record_number": so.number}


def _order_drafts(so: SalesOrder) -> dict[str, dict]:
    drafts = {"check_stock": order_stock.draft(so)} if so.stock_status is None else {}
    if so.amount is not None:
        drafts["confirm_payment"] = {"amount_paid": int(so.amount)}
    return drafts


def _order_task_completed(so: SalesOrder, task: HumanTask, data: dict) -> None:
    element = task.element_id
    if element == "review_order":
        so.reviewed = bool(data.get("order_ok"))
    elif element == "check_stock":
        so.stock_status = data.get("stock_status") or so.stock_status
        so.expected_stock_on = day(data.get("expected_stock_date")) if so.stock_status == "shortage" else None
    elif element == "notify_shortage":
        promised = day(data.get("promised_delivery_date"))
        so.expected_stock_on = so.expected_stock_on or promised
        mail_customer(so, "customer_delivery_date", "delivery_date", {
            "business_key": so.number, "delivery_date": promised.isoformat() if promised else ""}, task.instance_id)
    elif element == "schedule_delivery":
        so.delivery_on = day(data.get("delivery_date")) or so.delivery_on
    elif element == "deliver_install":
        so.delivered_on = day(data.get("delivered_on")) or so.delivered_on
        so.installed_on = day(data.get("installed_on")) or so.installed_on
        so.commissioned = bool(data.get("commissioning_ok"))
        so.instructions_given = bool(data.get("instructions_given"))
    elif element == "confirm_payment":
        so.payment_method = data.get("payment_method") or so.payment_method
        so.paid_on = day(data.get("paid_on")) or so.paid_on
        if data.get("amount_paid") not in (None, ""):
            so.amount = data["amount_paid"]
    elif element == "issue_invoice":
        so.invoice_number = _text(data, "invoice_number", so.invoice_number)
        so.invoice_date = day(data.get("invoice_date")) or so.invoice_date
        so.invoice_delivered_on = day(data.get("invoice_delivered_on")) or so.invoice_delivered_on
        mail_customer(so, "customer_invoice_issued", "invoice_issued", {
            "business_key": so.number, "invoice_number": so.invoice_number,
            "invoice_date": so.invoice_date.isoformat() if so.invoice_date else "",
            "amount": f"{so.amount:.2f}" if so.amount is not None else ""}, task.instance_id)


def _order_ended(so: SalesOrder, inst: ProcessInstance) -> None:
    if so.reviewed is False:
        so.status = "returned"  # review found it wrong: returned to the customer, not fulfilled
    so.closed_at = so.closed_at or inst.ended_at or clock.now()


def _order_task_created(so: SalesOrder, task: HumanTask, status: str | None) -> str | None:
    return status


ORDER_LINK = Link(SalesOrder, "order_fulfilment", lambda r: r.number, customer_name, _order_variables, _order_drafts,
                  ORDER_STATUS, on_task_created=_order_task_created, on_task_completed=_order_task_completed,
                  on_ended=_order_ended)
