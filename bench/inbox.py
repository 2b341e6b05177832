"""Part 3: the *My tasks* / *Group tasks* queries and the inbox pages at size.

Queries: ``app.engine.tasks.query_tasks`` (count + one page, default sort by
due date) for realistic actors: "mine" for users with ~20 claimed tasks and for
the 10 heavy users (hundreds); "group" for members of each candidate group.
The deep page is the last page of the list. Pages: the same through the Flask
test client, logged in (template, menu badges and all)."""
from __future__ import annotations

import re
import time

from bench.common import summary_ms
from bench.data import HEAVY_USERS, PASSWORD, TASK_GROUPS


def actors(users: list[dict], k: int = 20) -> dict:
    from app.engine.actor import Actor

    def actor(u):
        return Actor(u["id"], u["username"], frozenset({u["role"]}))

    workers = [u for u in users[HEAVY_USERS:] if u["role"] in TASK_GROUPS]
    step = max(1, len(workers) // k)
    heads = [u for u in users if u["role"] == "Supervisor"][:k]  # each in one of 4 departments
    return {"heavy": [actor(u) for u in users[:HEAVY_USERS]], "normal": [actor(u) for u in workers[::step][:k]],
            "supervisors": [actor(u) for u in heads]}


BUDGET_S = 60.0  # per measurement: stop early (after at least 10 calls) when slow


def _time_calls(fn, args: list, reps: int) -> dict:
    from app.extensions import db

    for a in args[:3]:  # warm-up
        fn(a)
        db.session.remove()
    times, stop = [], time.perf_counter() + BUDGET_S
    for i in range(reps):
        t0 = time.perf_counter()
        fn(args[i % len(args)])
        times.append(time.perf_counter() - t0)
        db.session.remove()
        if t0 > stop and i >= 9:
            break
    return summary_ms(times)


def last_page(actor, view: str, size: int = 25) -> int:
    from app.engine import tasks

    total = tasks.query_tasks(actor, view=view, page=1, page_size=size).total
    return max(1, -(-total // size))


def queries(users: list[dict], reps: int) -> dict:
    from app.engine import tasks

    a = actors(users)
    mine_all = a["normal"] + a["heavy"]
    deep = {("mine", x): last_page(x, "mine") for x in a["heavy"]} | {("group", x): last_page(x, "group")
                                                                       for x in a["normal"]}
    out = {
        "mine_first": _time_calls(lambda x: tasks.query_tasks(x, view="mine"), mine_all, reps),
        "mine_deep": _time_calls(lambda x: tasks.query_tasks(x, view="mine", page=deep["mine", x]), a["heavy"], reps),
        "group_first": _time_calls(lambda x: tasks.query_tasks(x, view="group"), a["normal"], reps),
        "group_deep": _time_calls(lambda x: tasks.query_tasks(x, view="group", page=deep["group", x]),
                                  a["normal"], reps),
        "badge_counts": _time_calls(tasks.count_open, mine_all, reps),
    }
    if a["supervisors"]:  # Department tasks: the supervisor's department (1 of 4: 500 members, every role at 2 000)
        out["department_first"] = _time_calls(lambda x: tasks.query_tasks(x, view="department"), a["supervisors"],
                                              reps)
    def rows(view, people):
        return sum(tasks.query_tasks(x, view=view).total for x in people) // len(people)

    out["sizes"] = {"mine_rows_heavy": rows("mine", a["heavy"]), "mine_rows_normal": rows("mine", a["normal"]),
                    "group_rows": rows("group", a["normal"]),
                    "department_rows": rows("department", a["supervisors"]) if a["supervisors"] else None,
                    "group_deep_page": max(p for (v, _), p in deep.items() if v == "group")}
    return out


def login(client, username: str, password: str = PASSWORD) -> None:
    html = client.get("/login/").get_data(as_text=True)
    token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', html).group(1)
    resp = client.post("/login/", data={"username": username, "password": password, "csrf_token": token})
    assert resp.status_code == 302, f"login of {username} failed: {resp.status_code}"


def pages(app, users: list[dict], reps: int) -> dict:
    """GET the inbox and task pages as logged-in users (Flask test client, no network)."""
    from app.extensions import db

    a = actors(users, k=5)
    with app.app_context():
        deep = {x.user_id: last_page(x, "group") for x in a["normal"]}
        db.session.remove()
    people = a["normal"] + a["heavy"][:3]
    clients = {}
    for x in people:
        clients[x.user_id] = app.test_client()
        login(clients[x.user_id], x.username)
    task_ids = {}
    for x in a["normal"]:
        html = clients[x.user_id].get("/inbox/group/").get_data(as_text=True)
        task_ids[x.user_id] = [int(t) for t in re.findall(r'href="/task/(\d+)/"', html)][:5] or [0]

    def timed(urls: list[tuple[int, str]]) -> dict:
        times, bad = [], 0
        for uid, url in urls[:2]:
            clients[uid].get(url)  # warm-up
        stop = time.perf_counter() + BUDGET_S
        for i in range(reps):
            uid, url = urls[i % len(urls)]
            t0 = time.perf_counter()
            resp = clients[uid].get(url)
            times.append(time.perf_counter() - t0)
            bad += resp.status_code != 200
            if t0 > stop and i >= 9:
                break
        return {**summary_ms(times), "errors": bad}

    return {
        "inbox_mine": timed([(x.user_id, "/inbox/mine/") for x in people]),
        "inbox_group": timed([(x.user_id, "/inbox/group/") for x in a["normal"]]),
        "inbox_group_deep": timed([(x.user_id, f"/inbox/group/?page={deep[x.user_id]}") for x in a["normal"]]),
        "task_page": timed([(x.user_id, f"/task/{t}/") for x in a["normal"] for t in task_ids[x.user_id]]),
    }
