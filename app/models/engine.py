"""Tables of the BPMN runtime: definitions, instances, tasks, history, jobs.

Inbox queries read ``human_task``/``task_candidate`` only and never
deserialize a workflow; the workflow state is one compressed blob per instance
and the parsed spec is stored once per definition version.

A step's writes are Core statements built once, run on ``session.connection()``:
``Session.execute`` would add its ORM dispatch (about a third of a small statement's
CPU) and autoflushes no Core statement either (issue 22).
"""
import functools

from flask_appbuilder import Model
from sqlalchemy import (
    Boolean,
    Column,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    String,
    Text,
    UniqueConstraint,
    bindparam,
    event,
    false,
    select,
    text,
    union_all,
)
from sqlalchemy.orm import Session, deferred, make_transient_to_detached, relationship
from sqlalchemy.orm.attributes import set_committed_value
from sqlalchemy.orm.util import identity_key

from app.models.base import CompactJSON, JSONType, UtcDateTime, utcnow


class ProcessDefinition(Model):
    __tablename__ = "process_definition"
    __table_args__ = (UniqueConstraint("key", "version", name="uq_definition_key_version"),)
    id = Column(Integer, primary_key=True)
    key = Column(String(100), nullable=False, index=True)
    name = Column(String(200), nullable=False)
    version = Column(Integer, nullable=False)
    checksum = Column(String(64), nullable=False)
    # large and immutable: loaded only when asked for (specs are cached by id)
    bpmn_xml = deferred(Column(Text, nullable=False))
    spec = deferred(Column(LargeBinary, nullable=False))  # zlib-compressed serializer JSON
    has_di = Column(Boolean, nullable=False, default=True)
    start_messages = Column(JSONType, nullable=False, default=list)
    timer_start = Column(String(200))
    starter_groups = Column(JSONType, nullable=False, default=list)  # empty: any staff role
    start_form = Column(JSONType, nullable=False, default=list)
    deployed_by_id = Column(Integer, ForeignKey("ab_user.id"))
    deployed_at = Column(UtcDateTime(), nullable=False, default=utcnow)
    source = Column(String(20), nullable=False, default="file")  # file | editor | api
    deployed_by = relationship("User", foreign_keys=[deployed_by_id])
    start_form_id = Column(Integer, ForeignKey("form_definition.id"))  # a Camunda Forms start form (formRef)

    def __repr__(self) -> str:
        return f"{self.key} v{self.version}"


class ProcessInstance(Model):
    __tablename__ = "process_instance"
    __table_args__ = (Index("ix_instance_status_started", "status", "started_at"),)
    id = Column(Integer, primary_key=True)
    definition_id = Column(Integer, ForeignKey("process_definition.id"), nullable=False, index=True)
    process_key = Column(String(100), nullable=False, index=True)
    business_key = Column(String(100), index=True)
    status = Column(String(20), nullable=False, default="running")
    state = Column(LargeBinary, nullable=False)  # zlib-compressed workflow JSON, without spec
    rev = Column(Integer, nullable=False, default=1)  # optimistic concurrency
    started_by_id = Column(Integer, ForeignKey("ab_user.id"))
    started_at = Column(UtcDateTime(), nullable=False, default=utcnow)
    ended_at = Column(UtcDateTime())
    end_reason = Column(Text)
    incident_element = Column(String(100))
    incident_message = Column(Text)
    record_type = Column(String(40))
    record_id = Column(Integer)
    customer = Column(String(200))
    definition = relationship(ProcessDefinition)
    started_by = relationship("User", foreign_keys=[started_by_id])

    __mapper_args__ = {"version_id_col": rev}

    def __repr__(self) -> str:
        return f"{self.process_key}#{self.id}"


class HumanTask(Model):
    """One row per READY user task (or confirm-only task) of an instance."""

    __tablename__ = "human_task"
    __table_args__ = (
        UniqueConstraint("instance_id", "task_guid", name="uq_task_instance_guid"),
        Index("ix_task_assignee_open", "assignee_id", "state", "due_at"),
        Index("ix_task_state_due", "state", "due_at"),
    )
    id = Column(Integer, primary_key=True)
    # no index of its own: uq_task_instance_guid leads with it
    instance_id = Column(Integer, ForeignKey("process_instance.id", ondelete="CASCADE"), nullable=False)
    task_guid = Column(String(36), nullable=False)
    element_id = Column(String(100), nullable=False)
    name = Column(String(200), nullable=False)
    documentation = Column(Text)
    form = Column(JSONType, nullable=False, default=list)
    confirm_only = Column(Boolean, nullable=False, default=False)
    state = Column(String(12), nullable=False, default="open")  # open | completed | cancelled
    assignee_id = Column(Integer, ForeignKey("ab_user.id"))
    priority = Column(Integer, nullable=False, default=50)
    due_at = Column(UtcDateTime())
    follow_up_at = Column(UtcDateTime())
    created_at = Column(UtcDateTime(), nullable=False, default=utcnow)
    claimed_at = Column(UtcDateTime())
    completed_at = Column(UtcDateTime())
    completed_by_id = Column(Integer, ForeignKey("ab_user.id"))
    process_key = Column(String(100), nullable=False)
    process_name = Column(String(200), nullable=False)
    business_key = Column(String(100), index=True)
    customer = Column(String(200))
    draft = Column(JSONType)
    submitted = Column(JSONType)
    form_id = Column(Integer, ForeignKey("form_definition.id"))  # a Camunda Forms form (formRef): its layout
    instance = relationship(ProcessInstance)
    assignee = relationship("User", foreign_keys=[assignee_id])
    completed_by = relationship("User", foreign_keys=[completed_by_id])
    candidates = relationship("TaskCandidate", cascade="all, delete-orphan", back_populates="task")


class TaskCandidate(Model):
    """A role or a user who may claim a task (BPMN's candidateGroups name roles: ``role_name``).

    ``claimable`` (the task is open and unassigned) and ``due_at`` are copies of
    the task's: the *Group tasks* inbox and its count then read one small partial
    index in due order instead of testing every open task (1 M tasks: ~1 s -> a few
    ms). A new row takes them when written (``insert_task``, ``_offer_new_candidates``);
    after that the database keeps them: the trigger ``human_task_offer`` (migration
    e2b7c9d4f160) copies them on every UPDATE of the task's state, assignee or due
    date, whatever statement makes it."""

    __tablename__ = "task_candidate"
    __table_args__ = (
        Index("ix_candidate_role", "role_name", "task_id"),
        Index("ix_candidate_user", "user_id", "task_id"),
        Index("ix_candidate_role_claimable", "role_name", "due_at", "task_id",
              postgresql_where=text("claimable"), sqlite_where=text("claimable = 1")),
        Index("ix_candidate_user_claimable", "user_id", "due_at", "task_id",
              postgresql_where=text("claimable"), sqlite_where=text("claimable = 1")),
    )
    id = Column(Integer, primary_key=True)
    task_id = Column(Integer, ForeignKey("human_task.id", ondelete="CASCADE"), nullable=False, index=True)
    role_name = Column(String(64))
    user_id = Column(Integer, ForeignKey("ab_user.id"))
    claimable = Column(Boolean, nullable=False, default=False, server_default=false())
    due_at = Column(UtcDateTime())
    task = relationship(HumanTask, back_populates="candidates")


def _claimable(task: HumanTask) -> bool:
    return task.state == "open" and task.assignee_id is None


def writes_together(session) -> bool:
    """PostgreSQL runs data-modifying CTEs (``WITH x AS (INSERT ...) UPDATE ...``): writes of one step that
    belong together go in one statement, a round trip fewer each (issue 22). SQLite has none."""
    return session.get_bind().dialect.name == "postgresql"


@functools.cache
def _insert_statement(table):
    return table.insert()  # built once per table, as the step's other statements


@functools.cache
def _insert_columns(table) -> tuple:
    """(key, Python default or None) of the columns an INSERT writes: all but the primary key."""
    return tuple((c.key, c.default) for c in table.columns if not c.primary_key)


def python_default(default):
    """The value a column's Python-side default gives a new row (as the ORM's INSERT computes it)."""
    return default.arg(None) if default.is_callable else default.arg


def _values(obj, extra: dict) -> tuple[dict, list[str]]:
    """What an INSERT of ``obj`` writes: every column its set value or its Python default, as the ORM
    would have written it; and the columns left out (SQL NULL: a JSON None would be 'null')."""
    values, unset, held = {}, [], obj.__dict__
    for key, default in _insert_columns(obj.__table__):
        if key in extra:
            values[key] = extra[key]
        elif key in held:
            values[key] = held[key]
        elif default is not None:
            values[key] = python_default(default)
        else:
            unset.append(key)
    return values, unset


def _written(obj, values: dict, unset: list[str], pk) -> None:
    """Make ``obj`` (transient) detached as if read back: what was written, None for the columns left out.
    ``make_transient_to_detached`` takes the instance's dict as loaded (and would expire what is missing),
    so the values go straight into it: a ``set_committed_value`` per column cost more than the INSERT."""
    loaded = vars(obj)
    loaded.update(values)
    loaded.update(dict.fromkeys(unset))
    loaded["id"] = pk
    make_transient_to_detached(obj)


def transient(cls, values: dict, **related):
    """A new ``cls`` object (transient) holding ``values`` and the ``related`` objects (a collection: a
    list) as its state, without the ORM's attribute events: building a task row through them cost
    as much as writing it (issue 22). A collection's objects get the back reference."""
    obj = cls.__mapper__.class_manager.new_instance()
    vars(obj).update(values)
    for key, value in related.items():
        set_committed_value(obj, key, value)
        backref = cls.__mapper__.relationships[key].back_populates
        if backref and isinstance(value, list):
            for other in value:
                set_committed_value(other, backref, obj)
    return obj


def _insert(session, obj, **extra) -> None:
    """INSERT ``obj`` (transient) as one Core statement; ``obj`` is then detached, as read back."""
    values, unset = _values(obj, extra)
    written = session.connection().execute(_insert_statement(obj.__table__), values)
    _written(obj, values, unset, written.inserted_primary_key[0])


def insert_instance(session, inst: ProcessInstance) -> None:
    """Write a new instance as one Core INSERT (issue 22: a flush of it cost a start more CPU than its
    INSERT) and make it persistent in ``session``, its definition loaded. Its state is written later in
    the step, compare-and-set on ``rev`` (``runtime.save_workflow``), as after a flush."""
    definition = inst.__dict__.get("definition")
    _insert(session, inst)
    if definition is not None:
        set_committed_value(inst, "definition", definition)
    session.add(inst)


def insert_task(session, task: HumanTask) -> None:
    """Write a new task row and its candidate rows without the unit of work (issue 22: a flush of
    the two cost more CPU than their INSERTs), and make them persistent in ``session``. The offer is
    copied onto the candidates here, as ``_offer_new_candidates`` does for rows added to the session."""
    candidates = list(task.candidates)
    offer = {"claimable": _claimable(task), "due_at": task.due_at}
    if candidates and writes_together(session):
        _insert_with_candidates(session, task, candidates, offer)
    else:
        _insert(session, task)
        for cand in candidates:
            _insert(session, cand, task_id=task.id, **offer)
    set_committed_value(task, "candidates", candidates)  # all detached now: adding the task cascades to them
    for cand in candidates:
        set_committed_value(cand, "task", task)
    session.add(task)


@functools.cache
def _task_with_candidates(written: tuple[str, ...], count: int):
    """PostgreSQL: the task row (its ``written`` columns) and its ``count`` candidate rows in one statement
    (``WITH new_task AS (INSERT ... RETURNING id) INSERT INTO task_candidate SELECT ...``), answering each
    candidate's id, role and user."""
    tasks, cands = HumanTask.__table__, TaskCandidate.__table__
    new_task = tasks.insert().values({key: bindparam("t_" + key, type_=tasks.c[key].type) for key in written}) \
        .returning(tasks.c.id).cte("new_task")
    offer = (bindparam("c_claimable", type_=Boolean), bindparam("c_due_at", type_=cands.c.due_at.type))
    rows = union_all(*(select(new_task.c.id, bindparam(f"r{i}", type_=String), bindparam(f"u{i}", type_=Integer),
                              *offer) for i in range(count)))  # a VALUES list would be compiled at every call
    return cands.insert().from_select(["task_id", "role_name", "user_id", "claimable", "due_at"], rows) \
        .returning(cands.c.id, cands.c.task_id, cands.c.role_name, cands.c.user_id).add_cte(new_task)


def _insert_with_candidates(session, task: HumanTask, candidates: list, offer: dict) -> None:
    values, unset = _values(task, {})
    params = {"t_" + key: value for key, value in values.items()}
    params |= {"c_claimable": offer["claimable"], "c_due_at": offer["due_at"]}
    for i, cand in enumerate(candidates):
        params |= {f"r{i}": cand.role_name, f"u{i}": cand.user_id}
    written = session.connection().execute(_task_with_candidates(tuple(values), len(candidates)), params).all()
    _written(task, values, unset, written[0].task_id)
    ids = {}  # a role or user offered twice gets two rows: any of them fits either object
    for row in written:
        ids.setdefault((row.role_name, row.user_id), []).append(row.id)
    for cand in candidates:
        _written(cand, {"role_name": cand.role_name, "user_id": cand.user_id, "task_id": task.id, **offer}, [],
                 ids[(cand.role_name, cand.user_id)].pop())


_READ = ((HumanTask, "t"), (ProcessInstance, "i"), (TaskCandidate, "c"))


@functools.cache
def _task_read():
    """The task, its instance and its candidate rows (one result row per candidate), their columns
    in table order, one table after the other: what ``_loaded`` slices."""
    tasks, insts, cands = HumanTask.__table__, ProcessInstance.__table__, TaskCandidate.__table__
    columns = [c.label(f"{prefix}_{c.key}") for cls, prefix in _READ for c in cls.__table__.columns]
    return (select(*columns).join_from(tasks, insts, insts.c.id == tasks.c.instance_id)
            .outerjoin(cands, cands.c.task_id == tasks.c.id).where(tasks.c.id == bindparam("task_id"))
            .order_by(cands.c.id))


@functools.cache
def _slices() -> dict:
    """{class: (column keys, where its columns start in a ``_task_read`` row, where its id is)}."""
    out, start = {}, 0
    for cls, _ in _READ:
        keys = [c.key for c in cls.__table__.columns]
        out[cls] = (keys, start, start + keys.index("id"))
        start += len(keys)
    return out


def _loaded(session, cls, row):
    """``cls``'s object of a ``_task_read`` row, as the ORM loads it: the one the session holds, its
    unloaded (expired) columns filled in, else a new one, detached."""
    keys, start, pk = _slices()[cls]
    values = zip(keys, row[start:start + len(keys)])
    held = session.identity_map.get(identity_key(cls, row[pk]))
    if held is None:
        obj = transient(cls, dict(values))
        make_transient_to_detached(obj)
        return obj
    loaded = vars(held)
    for key, value in values:
        if key not in loaded:
            set_committed_value(held, key, value)
    return held


def read_task(session, task_id: int) -> "HumanTask | None":
    """The task with its instance and candidates, read with one Core SELECT and made persistent in
    ``session`` as the ORM's joined load would (issue 22: building its loaders cost more CPU than the
    statement): what the session holds is kept, what it lacks is filled in. None if there is no such task."""
    if session.autoflush:
        session.flush()  # as a query's autoflush: pending changes first
    rows = session.connection().execute(_task_read(), {"task_id": task_id}).all()
    if not rows:
        return None
    task, inst = _loaded(session, HumanTask, rows[0]), _loaded(session, ProcessInstance, rows[0])
    candidates = [_loaded(session, TaskCandidate, row) for row in rows if row.c_id is not None]
    for obj, key, value in ((task, "instance", inst), (task, "candidates", candidates),
                            *((cand, "task", task) for cand in candidates)):
        if key not in vars(obj):
            set_committed_value(obj, key, value)
    for obj in (task, inst, *candidates):
        if obj not in session:  # adding the task cascades to the others
            session.add(obj)
    return task


@event.listens_for(Session, "before_flush")
def _offer_new_candidates(session, _context, _instances) -> None:
    """Candidate rows added through the session take their task's offer (an UPDATE of the task
    reaches them by trigger)."""
    for obj in session.new:
        if isinstance(obj, TaskCandidate) and obj.task is not None:
            obj.claimable, obj.due_at = _claimable(obj.task), obj.task.due_at
        elif isinstance(obj, HumanTask):
            for cand in obj.candidates:
                cand.claimable, cand.due_at = _claimable(obj), obj.due_at


class HistoryEvent(Model):
    """Append-only: what happened to an instance, who did it, when. One row per step (a task
    completion, a claim, a timer...): its events in ``ev``, encoded by app.engine.history."""

    __tablename__ = "history_event"
    id = Column(Integer, primary_key=True)
    instance_id = Column(Integer, ForeignKey("process_instance.id", ondelete="CASCADE"), nullable=False, index=True)
    user_id = Column(Integer)  # who took the step (an event by someone else names them)
    at = Column(UtcDateTime(), nullable=False, default=utcnow)
    ev = Column(CompactJSON, nullable=False)


class Job(Model):
    """Background work: a timer, a timer start, an async step, a mail, a digest."""

    __tablename__ = "job"
    __table_args__ = (Index("ix_job_state_due", "state", "due_at"),)
    id = Column(Integer, primary_key=True)
    kind = Column(String(20), nullable=False)
    instance_id = Column(Integer, ForeignKey("process_instance.id", ondelete="CASCADE"), index=True)
    due_at = Column(UtcDateTime(), nullable=False, default=utcnow)
    state = Column(String(12), nullable=False, default="pending")  # pending | done | incident
    lease_owner = Column(String(100))
    lease_expires_at = Column(UtcDateTime())
    retries_left = Column(Integer, nullable=False, default=3)
    attempts = Column(Integer, nullable=False, default=0)
    last_error = Column(Text)
    payload = Column(JSONType, nullable=False, default=dict)
    created_at = Column(UtcDateTime(), nullable=False, default=utcnow)
    finished_at = Column(UtcDateTime())


class ProcessDraft(Model):
    """The editor's working copy of a process, saved on the server."""

    __tablename__ = "process_draft"
    id = Column(Integer, primary_key=True)
    key = Column(String(100), nullable=False, unique=True)
    name = Column(String(200), nullable=False)
    bpmn_xml = Column(Text, nullable=False)
    rev = Column(Integer, nullable=False, default=1)  # a save names the rev it edited
    saved_by_id = Column(Integer, ForeignKey("ab_user.id"))
    saved_at = Column(UtcDateTime(), nullable=False, default=utcnow)
    saved_by = relationship("User", foreign_keys=[saved_by_id])


class MailOutbox(Model):
    """Transactional outbox: written with the step that caused it, sent by the job executor."""

    __tablename__ = "mail_outbox"
    __table_args__ = (Index("ix_mail_state_created", "state", "created_at"),)
    id = Column(Integer, primary_key=True)
    message_id = Column(String(200), nullable=False, unique=True)
    kind = Column(String(40), nullable=False)
    recipients = Column(JSONType, nullable=False, default=list)
    subject = Column(String(300), nullable=False)
    body_text = Column(Text, nullable=False)
    body_html = Column(Text)
    state = Column(String(12), nullable=False, default="pending")  # pending | sent | failed
    attempts = Column(Integer, nullable=False, default=0)
    last_error = Column(Text)
    instance_id = Column(Integer, ForeignKey("process_instance.id", ondelete="SET NULL"), index=True)
    created_at = Column(UtcDateTime(), nullable=False, default=utcnow)
    sent_at = Column(UtcDateTime())
    # "email", or "sms": a text message recorded here by the default SMS sender (app.engine.sms; no gateway)
    channel = Column(String(8), nullable=False, default="email", server_default="email")
    headers = Column(JSONType)  # extra threading headers (In-Reply-To, References) of a reply to a customer


class SavedFilter(Model):
    """A user's named inbox filter."""

    __tablename__ = "saved_filter"
    __table_args__ = (UniqueConstraint("user_id", "name", name="uq_saved_filter_user_name"),)
    id = Column(Integer, primary_key=True)
    user_id = Column(Integer, ForeignKey("ab_user.id", ondelete="CASCADE"), nullable=False, index=True)
    name = Column(String(100), nullable=False)
    params = Column(JSONType, nullable=False, default=dict)


class IdempotencyRecord(Model):
    """The first answer to an API write sent with an ``Idempotency-Key``: the same key from the same user
    within the retention period gets this answer again instead of a second action (app/engine/idempotency.py).
    Written in the transaction of the action itself, so an action and its record commit together."""

    __tablename__ = "idempotency_record"
    __table_args__ = (UniqueConstraint("user_id", "key", name="uq_idempotency_user_key"),)
    id = Column(Integer, primary_key=True)
    user_id = Column(Integer, ForeignKey("ab_user.id", ondelete="CASCADE"), nullable=False)
    key = Column(String(200), nullable=False)
    fingerprint = Column(String(64), nullable=False)  # sha256 of method, path and body: a reused key is refused
    status = Column(Integer, nullable=False)
    body = Column(JSONType, nullable=False, default=dict)
    created_at = Column(UtcDateTime(), nullable=False, default=utcnow, index=True)
