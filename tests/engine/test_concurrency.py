"""20 threads complete tasks of the same instances at once: no lost update,
no duplicate completion (the point of optimistic locking). Runs on SQLite and,
in CI's second pass, on PostgreSQL."""
import threading
from collections import Counter

from sqlalchemy import select

from app.engine import definitions, history, runtime, tasks
from app.engine.errors import EngineError, TaskAlreadyCompleted
from app.extensions import db
from app.models import HumanTask
from tests.engine.conftest import DATA


def test_twenty_threads_no_lost_update_no_double_completion(app, app_ctx, actors):
    definitions.deploy((DATA / "engine_parallel.bpmn").read_bytes(), actor=actors["owner"])
    instances = [runtime.start_process("engine_parallel", actor=actors["agent"], business_key=f"PAR-{i}").id
                 for i in range(5)]
    work = db.session.scalars(select(HumanTask).where(HumanTask.instance_id.in_(instances),
                                                      HumanTask.state == "open")).all()
    assert len(work) == 20
    # every task is attempted twice, by two threads: 40 attempts on 20 tasks of 5 instances
    jobs = [(t.id, t.element_id) for t in work] * 2
    agent = actors["agent"]
    outcomes: list[tuple[int, str]] = []
    lock = threading.Lock()
    barrier = threading.Barrier(20)

    def worker(chunk):
        with app.app_context():
            barrier.wait()
            for task_id, element in chunk:
                try:
                    tasks.complete(task_id, {f"note_{element}": f"{element}-{task_id}"}, actor=agent)
                    result = "ok"
                except TaskAlreadyCompleted:
                    result = "already"
                except EngineError as err:
                    result = f"error:{err.code}"
                finally:
                    db.session.remove()
                with lock:
                    outcomes.append((task_id, result))

    threads = [threading.Thread(target=worker, args=(jobs[i::20],)) for i in range(20)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(120)
    per_task = Counter(task_id for task_id, result in outcomes if result == "ok")
    assert sorted(Counter(r for _, r in outcomes).items()) == [("already", 20), ("ok", 20)]
    assert all(count == 1 for count in per_task.values()) and len(per_task) == 20
    db.session.expire_all()
    for instance_id in instances:
        inst = runtime.get_instance(instance_id)
        assert inst.status == "completed"
        notes = runtime.variables_of(inst)["notes"]
        assert all(n.split("-")[0] in "abcd" for n in notes) and len(set(notes)) == 4  # nothing lost
        completed = [e for e in history.for_instance(instance_id) if e.event == "task_completed"]
        assert len(completed) == 4
