"""The signed-in user with roles and groups, kept per worker (issue 22: no per-request query of the
current user's roles when nothing changed).

The cache holds a detached snapshot per user id, valid for one security epoch (``SecurityManager.epoch``:
the newest audited security change, re-read at most every ``SECURITY_CACHE_SECONDS``, at once after a
change flushed in this process). Each request gets its own copy, merged into its session without a
statement (``merge(load=False)``): a request may hand the user to its session (an assignee, an audit
row) and threads never share an attached object. The login counters and the password hash are not in
the snapshot: read on access, they are never stale.
"""
from __future__ import annotations

from typing import Callable

from sqlalchemy import inspect as sa_inspect
from sqlalchemy.orm import make_transient_to_detached
from sqlalchemy.orm.attributes import set_committed_value

LEFT_OUT = frozenset({"password", "last_login", "login_count", "fail_login_count", "changed_on", "changed_by_fk"})


def cached_user(sm, pk: int, load: Callable[[int], object]):
    """The active user ``pk`` for this request (None if missing or inactive); ``load`` reads it with
    roles and groups on a miss."""
    epoch = sm.epoch()
    users = sm.__dict__.setdefault("_user_cache", {})
    entry = users.get(pk)
    if entry is not None and entry[0] == epoch:
        user = sm.session.merge(entry[1], load=False)
    else:
        user = load(pk)
        if user is None:
            users.pop(pk, None)
            return None
        users[pk] = (epoch, snapshot(user))
    return user if user.is_active else None


def _copy(obj, memo: dict, relations: dict[str, tuple]):
    """A detached copy of ``obj``'s loaded columns and of the named relationships (recursively)."""
    key = (type(obj), obj.id)
    if key in memo:
        return memo[key]
    mapper = sa_inspect(obj).mapper
    copy = mapper.class_manager.new_instance()
    for attr in mapper.column_attrs:
        if attr.key not in LEFT_OUT:
            set_committed_value(copy, attr.key, getattr(obj, attr.key))
    memo[key] = copy
    for name, nested in relations.items():
        set_committed_value(copy, name, [_copy(o, memo, dict(nested)) for o in getattr(obj, name)])
    make_transient_to_detached(copy)
    return copy


def snapshot(user):
    """The user, its roles and its groups with their roles, detached (role permissions: not loaded)."""
    return _copy(user, {}, {"roles": (), "groups": (("roles", ()),)})
