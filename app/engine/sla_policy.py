"""The SLA policy: one table of the customer's deadlines, read by the diagrams (``sla_due`` in
scripts and expressions), the record screens, the demo, the KPIs and the policy page.

Each row is a rule of the written service rules: *what* (a kind of work and a milestone), *which
clock* and *how long*, counted from *when*. It has the shape of a decision table (inputs kind and
milestone, outputs clock and duration), and it is one: ``workflows/sla_policy.dmn`` (decision
``sla_policy``) holds these rows. Once that table is deployed, its latest version is the policy
(``deadline`` and ``rows`` read it): a process owner changes a deadline by deploying a changed row, and
the next deadline computed follows it. ``POLICY`` below is the shipped table, used until it is
deployed (and where there is no database); tests/engine/test_sla_policy.py keeps the two equal.

Clocks:

* ``working``: China's official working calendar (app/engine/workdays.py): ``P3D`` is close of
  business of the 3rd working day after the start day, ``PT30M`` thirty working minutes (work
  arriving outside office hours counts from the next working period);
* ``24h``: calendar time, day and night, holidays included (emergencies).

"At once" (立即, 即时) is ``SLA_AT_ONCE_MINUTES`` (15) minutes on the row's clock: the rules give no
number; 15 minutes is how long a person on duty needs to see a notification and act on it. On
the 24-hour clock (emergencies) that is 15 minutes day and night; on the working clock (a
complaint registered) 15 working minutes, from the next opening when it arrives after hours.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime, timedelta

from flask import current_app, has_app_context
from flask_babel import lazy_gettext as _l

from app.engine import work_calendar
from app.engine.dmn.evaluate import DecisionError, evaluate
from app.engine.dmn.feel import FeelError, compile_expression
from app.engine.dmn import model as dmn_model  # the module, not the name: dmn.model -> bpmn -> scripting -> here
from app.engine.dmn.task import DecisionSource
from app.extensions import db

DECISION = "sla_policy"  # the decision id of workflows/sla_policy.dmn

WORKING, CLOCK_24H = "working", "24h"
AT_ONCE = "AT_ONCE"  # the duration of "at once": SLA_AT_ONCE_MINUTES on the row's clock
DEFAULT_AT_ONCE_MINUTES = 15

# Source documents (app/../shared/seeds): the robot-integration company's rules (制度) and the
# air-conditioning department's rules (空调部门).
RULES = "《机器人集成公司客户服务优化管理制度》"
AC_RULES = "《空调部门客户服务管理制度》"


@dataclass(frozen=True)
class Deadline:
    kind: str        # the kind of work: a request type, "after_sales", "complaint", "pre_sales", ...
    milestone: str   # accept, respond, resolve, followup, register, forward, report_result, ...
    clock: str       # WORKING or CLOCK_24H
    duration: str    # ISO 8601 (P3D, PT30M) or AT_ONCE
    counted_from: str  # the event the count starts at
    clause: str      # where the rule is written, quoted


POLICY: tuple[Deadline, ...] = (
    Deadline("after_sales", "accept", WORKING, "PT30M", "received",
             f"{RULES} 第十一条(一) 客户服务专员需在30分钟内完成需求受理"),
    Deadline("emergency_stoppage", "respond", CLOCK_24H, AT_ONCE, "received",
             f"{RULES} 第十一条(一) 紧急故障报修(如设备停机影响生产),需立即启动应急响应机制; "
             f"第十二条(一) 紧急故障即时响应; {AC_RULES} 设立24小时售后服务热线"),
    Deadline("emergency_stoppage", "arrive", CLOCK_24H, "PT4H", "dispatched",
             "制度未规定具体时限: 部门设定 (the rules set no number; the department's own setting)"),
    Deadline("emergency_incident", "respond", CLOCK_24H, AT_ONCE, "reported",
             f"{AC_RULES} 应急响应与处理: 在突发事件发生时,立即启动应急预案"),
    Deadline("general_question", "resolve", WORKING, "P1D", "classified",
             f"{RULES} 第十一条(二) 一般技术咨询需在1个工作日内解决"),
    Deadline("routine_fault", "resolve", WORKING, "P3D", "classified",
             f"{RULES} 第十一条(二) 常规故障维修需在3个工作日内完成"),
    Deadline("complex_fault", "resolve", WORKING, "P7D", "classified",
             f"{RULES} 第十一条(二) 复杂故障维修需在7个工作日内完成"),
    Deadline("after_sales", "followup", WORKING, "P3D", "resolved",
             f"{RULES} 第十一条(四) 售后问题解决后,客户服务专员需在3个工作日内开展回访工作"),
    Deadline("complaint", "register", WORKING, AT_ONCE, "received",
             f"{RULES} 第十三条(三) 客户服务专员接收客户投诉后,需立即登记投诉信息"),
    Deadline("complaint", "forward", WORKING, "P1D", "registered",
             f"{RULES} 第十三条(三) 在1个工作日内将投诉信息反馈至相关责任部门"),
    Deadline("complaint", "report_result", WORKING, "P3D", "rectified",
             f"{RULES} 第十三条(三) 整改完成后,需在3个工作日内将整改结果反馈给客户"),
    Deadline("pre_sales", "first_contact", WORKING, "P1D", "received",
             f"{RULES} 第九条(一) 接收客户咨询后,需在1个工作日内完成初步需求对接"),
    Deadline("pre_sales", "answer", WORKING, "P2D", "asked",
             f"{RULES} 第九条(二) 针对客户提出的疑问,需在2个工作日内给予清晰、专业的解答"),
    Deadline("pre_sales", "weekly_followup", CLOCK_24H, "P7D", "last_contact",
             f"{RULES} 第九条(三) 建立售前客户跟进台账,对未达成合作意向的客户,每周至少跟进1次"),
    Deadline("in_sales", "contract_briefing", WORKING, "P3D", "signed",
             f"{RULES} 第十条(一) 项目合同签订后,在3个工作日内与客户开展合同交底工作"),
    Deadline("in_sales", "progress_report", CLOCK_24H, "P14D", "project_started",
             f"{RULES} 第十条(二) 售后维保专员需每月至少2次向客户反馈项目进展情况 "
             "(every 14 days: any calendar month then holds at least 2 reports)"),
    Deadline("in_sales", "milestone_notice", WORKING, AT_ONCE, "milestone_reached",
             f"{RULES} 第十条(二) 遇重大实施节点或突发问题,需第一时间向客户沟通说明"),
)
# 第十条(二) 每月至少2次: the progress-report compliance KPI counts a project's reports per calendar month.
PROGRESS_REPORTS_PER_MONTH = 2
# The classify form's short codes name the same request types.
ALIASES = {"general": "general_question", "routine": "routine_fault", "complex": "complex_fault",
           "emergency": "emergency_stoppage"}
_CLOCK_RE = re.compile(r"P(?:(\d+)D)?(?:T(?:(\d+)H)?(?:(\d+)M)?)?")
REQUEST_TYPES = ("general_question", "routine_fault", "complex_fault", "emergency_stoppage")


class PolicyError(LookupError):
    """No deadline for this kind and milestone (the message names both and what exists)."""


def _table():
    """The deployed SLA decision table (latest version), read once per transaction; None before it is
    deployed or outside an app."""
    if not has_app_context() or DecisionSource.resolve is None:
        return None
    info, tx = db.session.info, db.session().get_transaction()
    cached = info.get(DECISION)
    if cached is None or cached[0] is not tx or tx is None:
        found = DecisionSource.resolve(DECISION, None)
        cached = (tx, found[1] if found else None)
        info[DECISION] = cached
    return cached[1]


def _row(table, kind: str, milestone: str) -> Deadline | None:
    try:
        [out] = evaluate(table, {"kind": kind, "milestone": milestone}).outputs or [None]
    except DecisionError as err:  # a UNIQUE violation: two rows for one deadline
        raise PolicyError(str(err)) from err
    if out is None:
        return None
    return Deadline(kind, milestone, str(out.get("clock")), str(out.get("duration")),
                    str(out.get("counted_from") or ""), str(out.get("clause") or ""))


def check_table(table) -> list[dmn_model.DmnProblem]:
    """What would make a deployed SLA table fail where a deadline is computed (a task, a KPI, a page):
    each row names one kind and one milestone and gives a clock duration (P3D, PT30M) or AT_ONCE."""
    problems = []
    columns = {c.name: n for n, c in enumerate(table.outputs)}
    for rule in table.rules:
        def add(message: str, hint: str, cell=None, column=None) -> None:
            problems.append(dmn_model.DmnProblem(
                cell.id if cell else rule.id, table.name, "outputEntry" if column else "rule", message, hint,
                cell.line if cell else None, decision_id=table.id, rule_id=rule.id, rule_index=rule.index,
                column_id=column.id if column else None, column_label=column.label if column else None,
                translations={"element_name": table.translations, **({"column_label": column.translations}
                                                                       if column else {})}))
        try:
            keys = [compile_expression(cell.text)({}) for cell in rule.inputs[:2]]
        except FeelError:
            keys = []
        if len(keys) != 2 or not all(isinstance(k, str) for k in keys):
            add(_l("Row %(n)s must name one kind and one milestone, each a text in quotes.", n=rule.index),
                _l('Write e.g. "complaint" and "forward".'))
        if "duration" not in columns:
            continue
        cell, column = rule.outputs[columns["duration"]], table.outputs[columns["duration"]]
        try:
            value = compile_expression(cell.text)({})
            if value != AT_ONCE:
                parts(str(value))
        except (FeelError, PolicyError):
            add(_l("Row %(n)s: %(value)s is not a deadline.", n=rule.index, value=repr(cell.text.strip())),
                _l('Write a duration in quotes: "P3D" (3 days), "PT30M" (30 minutes), "PT4H", or "AT_ONCE".'),
                cell, column)
    for name in ("clock", "duration"):
        if name not in columns:
            problems.append(dmn_model.DmnProblem(
                table.id, table.name, "decisionTable", _l("The SLA table needs an output named %(name)s.",
                                                          name=repr(name)),
                _l("Keep the shipped columns."), table.line, decision_id=table.id,
                translations={"element_name": table.translations}))
    return problems


def rows() -> tuple[Deadline, ...]:
    """Every deadline of the policy in force (the deployed table's rows, in its order)."""
    table = _table()
    if table is None:
        return POLICY
    out = []
    for rule in table.rules:
        try:
            kind, milestone = (compile_expression(cell.text)({}) for cell in rule.inputs[:2])
        except FeelError:
            continue  # a row that is not one kind and one milestone (a list, a range) names no single deadline
        row = _row(table, str(kind), str(milestone)) if isinstance(kind, str) and isinstance(milestone, str) else None
        if row is not None:
            out.append(row)
    return tuple(out)


def deadline(kind: str, milestone: str) -> Deadline:
    kind = ALIASES.get(kind, kind)
    table = _table()
    if table is not None:
        row = _row(table, kind, milestone)
        if row is not None:
            return row
    else:
        for row in POLICY:
            if row.kind == kind and row.milestone == milestone:
                return row
    known = ", ".join(f"{r.kind}/{r.milestone}" for r in rows())
    raise PolicyError(f"The SLA policy has no deadline for {kind!r}/{milestone!r} (it has: {known}).")


def at_once() -> timedelta:
    minutes = DEFAULT_AT_ONCE_MINUTES
    if has_app_context():
        minutes = float(current_app.config.get("SLA_AT_ONCE_MINUTES", minutes))
    return timedelta(minutes=minutes)


def due(kind: str, milestone: str, start: datetime) -> datetime:
    """When work of ``kind`` reaches ``milestone`` at the latest, counted from ``start``."""
    row = deadline(kind, milestone)
    if row.clock == CLOCK_24H:
        return start + (at_once() if row.duration == AT_ONCE else _clock_duration(row.duration))
    if row.duration == AT_ONCE:
        return work_calendar.current().add_working_minutes(start, at_once().total_seconds() / 60)
    return work_calendar.current().add_working(start, row.duration)


def minutes(kind: str, milestone: str) -> int:
    """A deadline given in minutes (PT30M: 30), for the KPIs that count minutes."""
    duration = deadline(kind, milestone).duration
    if duration == AT_ONCE:
        return int(at_once().total_seconds() // 60)
    span = _clock_duration(duration)
    return int(span.total_seconds() // 60)


def resolve_due(request_type: str, start: datetime) -> datetime:
    """A service request's deadline: resolution by its type; an emergency's response at once."""
    request_type = ALIASES.get(request_type, request_type)
    milestone = "respond" if request_type == "emergency_stoppage" else "resolve"
    return due(request_type, milestone, start)


def parts(duration: str) -> tuple[int, int, int]:
    """(days, hours, minutes) of a policy duration (P3D, PT4H, PT30M): the policy page says them."""
    m = _CLOCK_RE.fullmatch(duration)
    if not m or not any(m.groups()):
        raise PolicyError(f"{duration!r} is not a clock duration (P1D, PT4H, PT30M)")
    days, hours, minutes = (int(g or 0) for g in m.groups())
    return days, hours, minutes


def _clock_duration(duration: str) -> timedelta:
    days, hours, minutes = parts(duration)
    return timedelta(days=days, hours=hours, minutes=minutes)
