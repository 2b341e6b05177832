"""Urgent work comes first in every inbox that lists open tasks.

《机器人集成公司客户服务优化管理制度》第十一条(一): 对于紧急故障报修(如设备停机影响生产),需立即启动应急响应
机制,通知技术支持专员或售后维保专员赶赴现场处理; 第十二条(一) 响应时效标准: ... 紧急故障即时响应. The issue:
the on-call engineer is notified "at once by mail and at the top of their inbox": a task of priority
``tasks.URGENT_PRIORITY`` or more (the emergency dispatch and escalations) is listed before the others,
highest priority first, then by due date, with a visible marker; an explicit sort is the user's."""
from datetime import datetime, timedelta, timezone

from sqlalchemy import select

from app.engine import runtime, tasks
from app.extensions import db
from app.models import HumanTask


def _tasks(actors, n, prefix):
    out = []
    for i in range(n):
        inst = runtime.start_process("engine_complaint", actor=actors["agent"], business_key=f"{prefix}-{i}")
        out.append(db.session.scalars(select(HumanTask).filter_by(instance_id=inst.id, state="open")).one())
    return out


def _arrange(actors, prefix):
    """Four tasks due in order a < b < c < d; c is urgent (90), d more urgent (100)."""
    base = datetime(2030, 1, 7, 1, 0, tzinfo=timezone.utc)
    rows = _tasks(actors, 4, prefix)
    for i, (task, priority) in enumerate(zip(rows, (50, 60, 90, 100))):
        task.due_at, task.priority = base + timedelta(hours=i), priority
    db.session.commit()
    return rows


def _order(actor, view, **kw):
    return [t.id for t in tasks.query_tasks(actor, view=view, page_size=100, **kw).items]


def _check(ids, rows):
    a, b, c, d = (t.id for t in rows)
    assert [i for i in ids if i in (a, b, c, d)] == [d, c, a, b]
    urgent = {t.id for t in db.session.scalars(select(HumanTask).where(HumanTask.id.in_(ids))) if tasks.is_urgent(t)}
    first_normal = next(n for n, i in enumerate(ids) if i not in urgent)
    assert all(i not in urgent for i in ids[first_normal:]), "an urgent task below a normal one"


def test_group_and_department_inboxes_list_urgent_tasks_first(app_ctx, actors, complaint_def):
    rows = _arrange(actors, "URG")
    _check(_order(actors["agent"], "group"), rows)  # the indexed fast path
    _check(_order(actors["agent"], "group", search="URG-"), rows)  # the general query
    _check(_order(actors["admin"], "department"), rows)  # everything, by the merged ranges


def test_my_inbox_lists_urgent_tasks_first_and_an_explicit_sort_is_kept(app_ctx, actors, complaint_def):
    rows = _arrange(actors, "URM")
    for t in rows:
        tasks.claim(t.id, actor=actors["agent"])
    _check(_order(actors["agent"], "mine"), rows)
    by_due = [i for i in _order(actors["agent"], "mine", sort="due", desc=True) if i in {t.id for t in rows}]
    assert by_due == [t.id for t in reversed(rows)]  # the user chose due, newest first
    by_priority = [i for i in _order(actors["agent"], "mine", sort="priority") if i in {t.id for t in rows}]
    assert by_priority == [t.id for t in rows]


def test_the_second_page_continues_after_the_urgent_tasks(app_ctx, actors, complaint_def):
    rows = _arrange(actors, "URP")
    everything = _order(actors["agent"], "group")
    size = 3
    paged = []
    for page in range(1, len(everything) // size + 2):
        paged += [t.id for t in tasks.query_tasks(actors["agent"], view="group", page=page, page_size=size).items]
    assert paged == everything and set(t.id for t in rows) <= set(paged)


def test_the_inbox_marks_urgent_tasks(app, actors, complaint_def, login_as):
    rows = _arrange(actors, "URH")
    html = login_as("agent").get("/inbox/group/?q=URH-").get_data(as_text=True)
    marked = html.split('data-task-id="')
    rows_html = {int(part.split('"')[0]): part.split("</tr>")[0] for part in marked[1:]}
    assert "urgent-marker" in rows_html[rows[3].id] and "urgent-marker" in rows_html[rows[2].id]
    assert f'task-urgent" data-task-id="{rows[2].id}"' in html
    assert "urgent-marker" not in rows_html[rows[0].id] and "urgent-marker" not in rows_html[rows[1].id]
    assert list(rows_html)[:2] == [rows[3].id, rows[2].id]
