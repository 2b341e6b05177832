"""The inbox's and the API's "due this week" filter: one rule in the engine (``work_calendar.week_end``
and ``tasks.query_tasks(due="week")``), on China's working calendar: the week ends with its last working
day (a make-up Saturday counts, a holiday does not); on a weekend or holiday it is the coming working week;
overdue tasks are included."""
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from app.engine import clock, work_calendar
from tests.api.helpers import unique

TZ = ZoneInfo("Asia/Shanghai")


def test_the_working_week_ends_with_its_last_working_day(app_ctx):
    """2026: National Day Oct 1-7, make-up working Saturday Oct 10 (the State Council's calendar)."""
    def end(*args):
        return work_calendar.week_end(datetime(*args, tzinfo=TZ)).astimezone(TZ).replace(tzinfo=None)

    assert end(2026, 9, 28, 10) == datetime(2026, 10, 1)  # Mon-Wed work, then the holiday
    assert end(2026, 10, 8, 9) == datetime(2026, 10, 11)  # Thu, Fri and the make-up Saturday
    assert end(2026, 10, 14, 15) == datetime(2026, 10, 17)  # an ordinary week: Friday night
    assert end(2026, 10, 18, 23) == datetime(2026, 10, 24)  # on Sunday: the coming working week
    assert end(2026, 10, 2, 12) == datetime(2026, 10, 11)  # in the holiday: the week of Thu 10-08


def _task_due(engine, complaint, due) -> tuple[str, int]:
    from app.extensions import db
    from app.models import HumanTask

    key = unique("WK")
    task_id = engine.open_task(engine.start(complaint, "agent", business_key=key), "register")

    def set_due():
        db.session.get(HumanTask, task_id).due_at = due
        db.session.commit()

    engine.call(set_due)
    return key, task_id


def test_due_this_week_on_the_inbox_and_the_api(app, api, engine, complaint, login_as):
    """A task due before the week's end and an overdue one are listed; one due after it is not."""
    end = engine.call(lambda: work_calendar.week_end(clock.now()))
    inside = _task_due(engine, complaint, end - timedelta(hours=1))
    overdue = _task_due(engine, complaint, end - timedelta(days=9))
    later = _task_due(engine, complaint, end + timedelta(hours=1))
    found = api("CustomerService").get("/api/v1/tasks/?view=group&due=week&page_size=100&search=WK_")
    assert found.status_code == 200, found.get_json()
    got = {t["id"] for t in found.get_json()["items"]}
    assert {inside[1], overdue[1]} <= got and later[1] not in got
    unfiltered = {t["id"] for t in api("CustomerService").get(
        "/api/v1/tasks/?view=group&page_size=100&search=WK_").get_json()["items"]}
    assert later[1] in unfiltered
    bad = api("CustomerService").get("/api/v1/tasks/?view=group&due=month")
    assert bad.status_code == 422 and "due" in str(bad.get_json())

    agent = login_as("agent")
    for lang, label in (("zh", "本工作周"), ("en", "This week")):
        agent.get(f"/lang/{lang}")
        html = agent.get("/inbox/group/?due=week&q=WK_&size=100").get_data(as_text=True)
        assert inside[0] in html and overdue[0] in html and later[0] not in html
        assert f'value="week" selected>{label}<' in html
    assert later[0] in agent.get("/inbox/group/?q=WK_&size=100").get_data(as_text=True)
    assert agent.get("/inbox/group/?due=bogus").status_code == 200  # an unknown value is dropped, not a 500
