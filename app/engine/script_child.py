"""A script runner process: evaluates one script or expression at a time for ``script_runner.py``.

Started as ``python -I -S -c <boot>`` with only the pipe open (fd 0: requests, fd 1:
replies, fd 2: /dev/null). It imports the sandbox core and the pure helpers, never
Flask, SQLAlchemy, SpiffWorkflow or the app. After the imports it limits itself
(address space, no files, no processes, no core dumps, a CPU ceiling; as root it
also becomes ``nobody``, so an escaped script cannot signal the app) and arms a
CPU timer for each evaluation: SIGPROF ends the process even inside one long
C-level operation, which the sandbox's own step checks cannot interrupt.

Frames are a 4-byte big-endian length and a pickle. Requests come from the app and
are trusted; replies are unpickled by the app through an allow-list.
"""
from __future__ import annotations

import builtins
import io
import math
import os
import pickle
import pwd
import resource
import signal
import struct
import sys
import time
from collections import OrderedDict
from datetime import date, datetime, time as day_time, timedelta, timezone
from decimal import Decimal
from typing import Any, Callable, NoReturn
from zoneinfo import ZoneInfo

from app.engine.sandbox import SandboxedEnvironment, SandboxError, waited
from app.engine.script_helpers import DEFAULT_ZONE, pure_helpers

HEADER = struct.Struct("!I")
EXIT_MEMORY = 3      # not even the "out of memory" reply could be sent
CPU_CEILING = 600    # RLIMIT_CPU hard limit of a runner; it retires before reaching it
_PLAIN = frozenset({datetime, date, day_time, timedelta, timezone, Decimal, complex, range, slice, OrderedDict})
_buffer = bytearray()


class _Pickler(pickle.Pickler):
    """Replies hold plain data only (the app refuses anything else): say so here, in the script's terms."""

    def reducer_override(self, obj: Any) -> Any:  # not called for str, int, list, dict, tuple, set, ...
        if type(obj) is ZoneInfo:
            return ZoneInfo, (obj.key,)  # not its default reduction through getattr, which the app refuses
        if type(obj) in _PLAIN or type(obj) is type and (obj in _PLAIN or obj is ZoneInfo):  # or the class
            return NotImplemented  # that rebuilds such a value
        raise pickle.PicklingError(f"a {type(obj).__name__} value cannot leave the script")


def write_frame(fd: int, data: bytes | memoryview) -> None:
    header = HEADER.pack(len(data))
    done = os.writev(fd, [header, data])
    while done < len(header):  # never in practice: a pipe takes 4 bytes at once
        done += os.write(fd, header[done:])
    view = memoryview(data)[done - len(header):]
    while view:
        view = view[os.write(fd, view):]


def _send(message: tuple) -> None:
    buffer = io.BytesIO()
    _Pickler(buffer, 5).dump(message)
    write_frame(1, buffer.getbuffer())


def _recv() -> Any:
    size = None
    while True:
        if size is None and len(_buffer) >= 4:
            size = HEADER.unpack_from(_buffer)[0]
        if size is not None and len(_buffer) >= 4 + size:
            message = pickle.loads(memoryview(_buffer)[4:4 + size])
            del _buffer[:4 + size]
            return message
        chunk = os.read(0, max(1 << 16, (size or 0) + 4 - len(_buffer)))
        if not chunk:
            os._exit(0)  # the app closed the pipe: it stopped or retired this runner
        _buffer.extend(chunk)


def rebuild_exception(name: Any, args: Any) -> Exception:
    """The builtin exception called ``name`` (args kept), else a RuntimeError: for errors crossing the pipe."""
    cls = getattr(builtins, name, None) if isinstance(name, str) else None
    args = tuple(args) if isinstance(args, (tuple, list)) else (str(args),)
    if isinstance(cls, type) and issubclass(cls, Exception):
        try:
            return cls(*args)
        except Exception:
            pass
    return RuntimeError(f"{name}: {args[0] if args else ''}")


class _Clock:
    """``now()`` is the app's time when the evaluation started (its clock, a simulated one included);
    the zone is the app's, given when the runner starts (a zone file cannot be read once limited)."""
    at: datetime | None = None
    helpers: dict[str, Callable[..., Any]] = {}  # now, today, format_date, parse_datetime

    def instant(self) -> datetime:
        return self.at or datetime.now(timezone.utc)

    def start(self, zone_name: str) -> None:
        self.helpers = pure_helpers(ZoneInfo(zone_name), self.instant)


_clock = _Clock()


def _host_helper(name: str) -> Callable[..., Any]:
    """A helper that needs the app (calendar, mail): the app runs it and answers on the pipe."""
    def helper(*args: Any, **kwargs: Any) -> Any:
        began = time.monotonic()
        _send(("call", (name, args, kwargs), False))
        reply = _recv()
        waited(time.monotonic() - began)  # the app's time, bounded there
        if reply[0] == "ok":
            return reply[1]
        _, type_name, message, index = reply
        err = rebuild_exception(type_name, (message,))
        err._host_error = index  # the app re-raises its own exception object
        raise err
    helper.__name__ = helper.__qualname__ = name
    return helper


def _lineno(err: BaseException) -> int | None:
    line, tb = None, err.__traceback__
    while tb is not None:  # the innermost frame of the script (compiled as "<string>")
        if tb.tb_frame.f_code.co_filename == "<string>":
            line = tb.tb_lineno
        tb = tb.tb_next
    return line


def _plain(value: Any) -> Any:
    return value if isinstance(value, (str, int, float, bool, type(None))) else repr(value)[:1000]


def _environment(cache: dict, pure: tuple, host: tuple, limits: tuple) -> SandboxedEnvironment:
    key = (pure, host, limits)
    env = cache.get(key)
    if env is None:
        helpers = {name: _clock.helpers[name] for name in pure}
        helpers.update((name, _host_helper(name)) for name in host)
        if len(cache) > 64:
            cache.clear()
        env = cache[key] = SandboxedEnvironment(helpers, max_steps=limits[0], timeout_s=limits[1],
                                                max_size=limits[2])
    return env


def _evaluate(request: tuple, cache: dict) -> tuple:
    mode, source, data, external, pure, host, limits, at = request[:8]
    env, _clock.at = _environment(cache, pure, host, limits), at
    try:
        if mode == "eval":
            return "done", (env.evaluate(source, data, external), None)
        env.execute(source, data, external)
        return "done", (None, data)
    except SandboxError as err:
        return "fail", ("sandbox", str(err), err.lineno or _lineno(err))
    except MemoryError:
        return "fail", ("memory",)
    except Exception as err:
        line = _lineno(err)
        index = err.__dict__.get("_host_error")
        if index is not None:
            return "fail", ("host", index, line)
        return "fail", ("error", type(err).__name__, tuple(map(_plain, err.args)), line)


def _arm(cpu_seconds: float) -> None:
    # The timer is exact to a tick; RLIMIT_CPU (whole seconds) backs it up with SIGXCPU.
    used = time.process_time()
    soft = min(CPU_CEILING, math.ceil(used + cpu_seconds) + 1)
    resource.setrlimit(resource.RLIMIT_CPU, (soft, CPU_CEILING))
    signal.setitimer(signal.ITIMER_PROF, cpu_seconds)


def _drop_privileges() -> None:
    # A script that escaped the sandbox must not be able to signal or ptrace the app: as root
    # (containers, CI), become "nobody"; the pipe stays open, and every import was done before.
    if os.geteuid() != 0:
        return
    try:
        uid = pwd.getpwnam("nobody").pw_uid
    except KeyError:
        uid = 65534
    os.setgroups([])
    os.setgid(uid)
    os.setuid(uid)


def _limit(memory_mb: int) -> None:
    _drop_privileges()
    for limit, value in ((resource.RLIMIT_CORE, 0), (resource.RLIMIT_FSIZE, 0), (resource.RLIMIT_NOFILE, 3),
                         (resource.RLIMIT_NPROC, 0), (resource.RLIMIT_CPU, CPU_CEILING)):
        resource.setrlimit(limit, (value, value))
    if memory_mb > 0:
        resource.setrlimit(resource.RLIMIT_AS, (memory_mb << 20, memory_mb << 20))


def _warm() -> None:
    # Everything that would import or open a file later: no file can be opened once limited.
    datetime.strptime("2026-01-02 03:04", "%Y-%m-%d %H:%M").strftime("%d/%m %Z")
    ZoneInfo("UTC")
    _clock.helpers["format_date"]("2026-01-02T03:04:05Z")
    SandboxedEnvironment().execute("x = [str(i) + '%s' % i for i in range(3)]\ny = f'{x!r:>5}'", {})


def main(memory_mb: int) -> NoReturn:
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C is for the app; a runner ends when its pipe closes
    _clock.start(sys.argv[4] if len(sys.argv) > 4 else DEFAULT_ZONE)  # the app's zone (script_runner.Runner)
    _warm()
    _limit(memory_mb)
    _send(("ready", os.getpid(), False))
    cache: dict = {}
    while True:
        try:
            request = _recv()
        except MemoryError:  # the task data alone does not fit
            os._exit(EXIT_MEMORY)
        cpu_seconds = request[8]
        _arm(cpu_seconds)
        retire = time.process_time() + 2 * cpu_seconds + 2 > CPU_CEILING
        try:
            kind, body = _evaluate(request, cache)
            try:
                _send((kind, body, retire or kind == "fail" and body[0] == "memory"))
            except MemoryError:
                raise
            except Exception as err:  # a value that is not plain data (a generator, an exception, a function)
                _send(("fail", ("result", str(err)), retire))
        except MemoryError:
            body = None  # free what we can before the short reply
            try:
                _send(("fail", ("memory",), True))
            except MemoryError:
                os._exit(EXIT_MEMORY)
        signal.setitimer(signal.ITIMER_PROF, 0)
        if retire:
            os._exit(0)
