"""Script runners: BPMN scripts, conditions and expressions run in processes that can be killed.

The sandbox (``sandbox.py``) checks every step of a script, but one C-level operation
(a ``set()`` of hash-colliding ints, a regex, %-formatting) cannot be interrupted from
Python: such a script ran 45 s in the job worker and held database locks. So the engine
evaluates in pre-started runner processes (``script_child.py``) with OS limits: a CPU
budget per evaluation (SIGPROF/SIGXCPU end the runner), an address-space limit, no files,
and a wall-clock deadline here after which the runner is SIGKILLed. A reply larger than
the output cap is refused. A lost runner is replaced on the next use.

:class:`RunnerEnvironment` keeps :class:`~app.engine.sandbox.SandboxedEnvironment`'s
semantics (the runner runs exactly that code); the sandbox's compile checks still run
here first. Only the task data a script names is sent (a script can reach nothing else).
Helpers that need the app (calendar overrides, ``sla_due``, ``send_mail``) run here, called
over the pipe. Their time is the app's, not the script's: it stops the script's clock and has a
budget of its own (``HOST_SECONDS_PER_TIMEOUT`` times the deadline), so a cold cache or a busy
database under a loaded host does not turn a correct expression into an incident. Replies are
unpickled through an allow-list, since the runner runs untrusted code.
"""
from __future__ import annotations

import ast
import atexit
import functools
import io
import math
import os
import pickle
import select
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from types import CodeType
from typing import Any

import RestrictedPython
from flask import current_app, has_app_context

from . import clock
from .sandbox import SandboxError, _code, check_for_overwrite, python_expression
from .script_child import EXIT_MEMORY, HEADER, rebuild_exception, write_frame
from .script_helpers import DEFAULT_ZONE

__all__ = ["RunnerEnvironment", "Settings", "current_settings", "pool", "warm"]

_ROOT = str(Path(__file__).resolve().parents[2])
_SITE = str(Path(RestrictedPython.__file__).resolve().parents[1])
# The runner imports the sandbox without running app/__init__.py (Flask): a bare `app` package.
# argv: root, site, memory limit, zone (read by script_child.main)
_BOOT = ("import sys, types\nroot, site, memory = sys.argv[1:4]\nsys.path[:0] = [root, site]\n"
         "package = types.ModuleType('app')\npackage.__path__ = [root + '/app']\nsys.modules['app'] = package\n"
         "from app.engine.script_child import main\nmain(int(memory))\n")
_ENVIRONMENT = ("TZ", "LANG", "LC_ALL", "LC_CTYPE", "LC_TIME")  # nothing else: no secret reaches a script
_START_SECONDS = 10.0  # a runner's start is not the script's time
HOST_SECONDS_PER_TIMEOUT = 5  # the app's helpers may take this many deadlines in all, per evaluation
_CLOCK_NAMES = frozenset({"now", "today"})


@dataclass(frozen=True)
class Settings:
    """Limits of one evaluation (config keys SCRIPT_*; see config.py) and the zone of ``now()``."""
    cpu_seconds: float = 1.0
    timeout_seconds: float = 2.0
    memory_mb: int = 512
    output_bytes: int = 16 << 20
    runners: int = 2
    max_evaluations: int = 10_000
    zone: str = DEFAULT_ZONE


_CONFIG_KEYS = (("cpu_seconds", "SCRIPT_CPU_SECONDS"), ("timeout_seconds", "SCRIPT_TIMEOUT_SECONDS"),
                ("memory_mb", "SCRIPT_MEMORY_MB"), ("output_bytes", "SCRIPT_OUTPUT_BYTES"),
                ("runners", "SCRIPT_RUNNERS"), ("max_evaluations", "SCRIPT_RUNNER_EVALUATIONS"),
                ("zone", "ENGINE_TIMEZONE"))
_DEFAULTS = Settings()
_last: tuple[tuple, Settings] = ((), _DEFAULTS)


def _settings(values: tuple) -> Settings:
    fields = {}
    for (field, _), value in zip(_CONFIG_KEYS, values):
        default = getattr(_DEFAULTS, field)
        fields[field] = default if value is None else type(default)(value)
    return Settings(**fields)


def current_settings() -> Settings:
    """The current app's SCRIPT_* settings; the defaults outside an app context."""
    global _last
    if not has_app_context():
        return _DEFAULTS
    values = tuple(current_app.config.get(key) for _, key in _CONFIG_KEYS)
    if values != _last[0]:  # read each time (tests change the config), built only when it changed
        _last = values, _settings(values)
    return _last[1]


# --------------------------------------------------------------------------- replies from the runner

_ALLOWED_GLOBALS = frozenset({
    ("datetime", "datetime"), ("datetime", "date"), ("datetime", "time"), ("datetime", "timedelta"),
    ("datetime", "timezone"), ("zoneinfo", "ZoneInfo"), ("decimal", "Decimal"), ("builtins", "set"),
    ("builtins", "frozenset"), ("builtins", "complex"), ("builtins", "range"), ("builtins", "slice"),
    ("collections", "OrderedDict")})


class _ReplyUnpickler(pickle.Unpickler):
    """Only plain data types: a runner is untrusted (a pickle can call any importable function)."""

    def find_class(self, module: str, name: str) -> Any:
        if (module, name) not in _ALLOWED_GLOBALS:
            raise pickle.UnpicklingError(f"{module}.{name} is not allowed in a script result")
        return super().find_class(module, name)


def load_reply(data: bytes | memoryview) -> Any:
    return _ReplyUnpickler(io.BytesIO(data)).load()


class _Timeout(Exception):
    pass


class _Closed(Exception):
    pass


class _Retry(Exception):
    """The runner was gone before it read the request: nothing ran, another runner may take it."""


# --------------------------------------------------------------------------- one runner process

def _child_environment() -> dict[str, str]:
    return {name: os.environ[name] for name in _ENVIRONMENT if name in os.environ}


class Runner:
    """One runner process and its pipe, used by one thread at a time (the pool hands it out)."""

    def __init__(self, settings: Settings) -> None:
        self.memory_mb, self.zone, self.evaluations, self.retire = settings.memory_mb, settings.zone, 0, False
        self.proc = subprocess.Popen([sys.executable, "-I", "-S", "-c", _BOOT, _ROOT, _SITE, str(settings.memory_mb),
                                      settings.zone],
                                     stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL,
                                     close_fds=True, bufsize=0, cwd="/", env=_child_environment())
        self.pid, self._in, self._out = self.proc.pid, self.proc.stdin.fileno(), self.proc.stdout.fileno()
        self._poll = select.poll()
        self._poll.register(self._out, select.POLLIN)
        try:
            reply = self.recv(time.monotonic() + _START_SECONDS, 1024)
        except (_Timeout, _Closed, pickle.UnpicklingError) as err:
            self.kill()
            raise RuntimeError(f"script runner did not start ({type(err).__name__}, exit status "
                               f"{self.proc.returncode})") from None
        if reply[0] != "ready":
            self.kill()
            raise RuntimeError("script runner did not start")

    def usable(self, settings: Settings) -> bool:
        return (not self.retire and self.evaluations < settings.max_evaluations
                and self.memory_mb == settings.memory_mb and self.zone == settings.zone and self.proc.poll() is None)

    def send(self, message: tuple) -> None:
        write_frame(self._in, pickle.dumps(message, 5))

    def recv(self, deadline: float, cap: int) -> Any:
        buffer, size = bytearray(), -1
        while True:
            if size < 0 and len(buffer) >= 4:
                size = HEADER.unpack_from(buffer)[0]
                if size > cap:
                    self.kill()
                    raise SandboxError(f"script output exceeded {cap} bytes")
            if 0 <= size <= len(buffer) - 4:
                return load_reply(memoryview(buffer)[4:4 + size])
            remaining = deadline - time.monotonic()
            if remaining <= 0 or not self._poll.poll(math.ceil(remaining * 1000)):
                raise _Timeout
            chunk = os.read(self._out, max(1 << 16, size + 4 - len(buffer)))
            if not chunk:
                raise _Closed
            buffer += chunk

    def kill(self) -> None:
        if self.proc.poll() is None:
            self.proc.kill()
        self.proc.wait()
        self.proc.stdin.close()
        self.proc.stdout.close()
        self.retire = True

    def exchange(self, request: tuple, settings: Settings, host: Callable[[str, tuple, dict], Any],
                 allowed: tuple[str, ...]) -> tuple[Any, Any]:
        """Send one evaluation, serve its helper calls, return (result, new task data) or raise."""
        deadline = time.monotonic() + settings.timeout_seconds
        try:
            self.send(request)
        except BrokenPipeError:
            self.kill()
            raise _Retry from None
        self.evaluations += 1
        errors: list[Exception] = []
        host_seconds, host_budget = 0.0, settings.timeout_seconds * HOST_SECONDS_PER_TIMEOUT
        answered = False  # else the pipe may still hold part of this evaluation: the runner must go
        try:
            while True:
                kind, body, retire = self.recv(deadline, settings.output_bytes)
                self.retire |= retire is True
                if kind == "done" and type(body) is tuple and len(body) == 2:
                    answered = True
                    return body
                if kind == "fail":
                    failure, answered = self._failure(body, errors), True
                    break
                if kind != "call":
                    raise pickle.UnpicklingError(f"unexpected {kind!r} from the script runner")
                began = time.monotonic()
                self._call(body, host, allowed, errors)
                spent = time.monotonic() - began
                deadline += spent  # the script waited for the app: not the script's time
                host_seconds += spent
                if host_seconds > host_budget:
                    self.kill()
                    raise SandboxError(f"the script's helper calls took longer than {host_budget:g} s")
                if time.monotonic() > deadline:
                    raise _Timeout
        except _Timeout:
            self.kill()
            raise SandboxError(f"script timed out after {settings.timeout_seconds:g} s") from None
        except (_Closed, BrokenPipeError):
            raise SandboxError(self._death(settings)) from None
        except SandboxError:
            raise
        except Exception as err:  # a malformed or refused reply: the runner is not trusted any more
            self.kill()
            raise SandboxError(f"script runner sent an unusable reply: {err}") from None
        finally:
            self.retire |= not answered
        raise failure

    def _call(self, body: Any, host: Callable, allowed: tuple[str, ...], errors: list[Exception]) -> None:
        name, args, kwargs = body
        if name not in allowed or type(args) is not tuple or type(kwargs) is not dict:
            raise pickle.UnpicklingError(f"call of {name!r} refused")
        try:
            reply: tuple = ("ok", host(name, args, kwargs))
            message = pickle.dumps(reply, 5)
        except Exception as err:  # raised inside the script; the script may catch it, else it is re-raised here
            errors.append(err)
            message = pickle.dumps(("err", type(err).__name__, str(err), len(errors) - 1), 5)
        write_frame(self._in, message)

    def _failure(self, body: Any, errors: list[Exception]) -> Exception:
        category = body[0]
        if category == "sandbox":
            return SandboxError(str(body[1]), body[2] if isinstance(body[2], int) else None)
        if category == "memory":
            self.retire = True
            return SandboxError("script used too much memory")
        if category == "result":
            return SandboxError(f"script result is not plain data: {body[1]}")
        err = errors[body[1]] if category == "host" else rebuild_exception(body[1], body[2])
        err.script_lineno = body[-1] if isinstance(body[-1], int) else None  # for the incident's line
        return err

    def _death(self, settings: Settings) -> str:
        try:
            status = self.proc.wait(timeout=1.0)
        except subprocess.TimeoutExpired:
            status = None
        self.kill()
        if status in (-signal.SIGPROF, -signal.SIGXCPU):
            return f"script exceeded {settings.cpu_seconds:g} s of CPU"
        if status == EXIT_MEMORY:
            return "script used too much memory"
        return f"script runner stopped (exit status {status})"


# --------------------------------------------------------------------------- the pool of one process

class Pool:
    """Idle runners of this process; a forked child starts with none (its parent's are not its own)."""

    def __init__(self) -> None:
        self._reset()

    def _reset(self) -> None:
        self._pid, self._lock, self._idle = os.getpid(), threading.Lock(), []

    def acquire(self, settings: Settings) -> Runner:
        if self._pid != os.getpid():
            self._reset()
        while True:
            with self._lock:
                runner = self._idle.pop() if self._idle else None
            if runner is None:
                return Runner(settings)  # on demand: a busy pool never makes a script wait
            if runner.usable(settings):
                return runner
            runner.kill()

    def release(self, runner: Runner, settings: Settings) -> None:
        if runner.usable(settings) and self._pid == os.getpid():
            with self._lock:
                if len(self._idle) < settings.runners:
                    self._idle.append(runner)
                    return
        runner.kill()

    def run(self, request: tuple, settings: Settings, host: Callable, allowed: tuple[str, ...]) -> tuple:
        for _ in range(2):
            runner = self.acquire(settings)
            try:
                return runner.exchange(request, settings, host, allowed)
            except _Retry:
                continue
            finally:
                self.release(runner, settings)
        raise RuntimeError("no script runner could take the evaluation")

    def warm(self, settings: Settings) -> None:
        """Start idle runners up to the pool size (e.g. when a worker starts)."""
        while True:
            with self._lock:
                if len(self._idle) >= settings.runners:
                    return
            self.release(Runner(settings), settings)

    def close(self) -> None:
        if self._pid != os.getpid():
            return
        with self._lock:
            idle, self._idle = self._idle, []
        for runner in idle:
            runner.kill()


pool = Pool()
atexit.register(pool.close)


def warm() -> None:
    pool.warm(current_settings())


# --------------------------------------------------------------------------- the environment

@functools.lru_cache(maxsize=2048)
def _names(source: str, mode: str) -> frozenset[str]:
    """Every global name the code can read, write or delete (compile problems raise SandboxError)."""
    names, stack = set(), [_code(source, mode)[0]]
    while stack:
        code = stack.pop()
        names.update(code.co_names)
        stack.extend(const for const in code.co_consts if isinstance(const, CodeType))
    return frozenset(names)


_LITERAL = (str, int, float, bool, type(None))


@functools.lru_cache(maxsize=2048)
def _plain(source: str) -> tuple[str, tuple, dict] | None:
    """``(name, None, None)`` for an expression that is one name (``${satisfied}``); ``(name, args,
    kwargs)`` for one call of a name with literal arguments only (``${add_working_days(1)}``);
    None for anything else. Call after the sandbox's compile check (``_names``)."""
    node = ast.parse(python_expression(source), mode="eval").body
    if isinstance(node, ast.Name):
        return node.id, None, None
    if (isinstance(node, ast.Call) and isinstance(node.func, ast.Name)
            and all(isinstance(arg, ast.Constant) and type(arg.value) in _LITERAL for arg in node.args)
            and all(kw.arg is not None and isinstance(kw.value, ast.Constant) and type(kw.value.value) in _LITERAL
                    for kw in node.keywords)):
        return node.func.id, tuple(arg.value for arg in node.args), {kw.arg: kw.value.value for kw in node.keywords}
    return None


class RunnerEnvironment:
    """SandboxedEnvironment's interface and semantics; each evaluation runs in a runner process.

    ``child_helpers``: helper names the runner provides itself (``script_helpers.PURE_NAMES``);
    the other helpers run in this process when a script calls them. ``settings``: fixed
    limits instead of the app's SCRIPT_* config (tests, bench)."""

    def __init__(self, helpers: Mapping[str, Callable[..., Any]] | None = None, *,
                 child_helpers: Iterable[str] = (), max_steps: int = 100_000, timeout_s: float = 1.0,
                 max_size: int = 1_000_000, settings: Settings | None = None) -> None:
        self.globals = dict(helpers or {})
        self.child_helpers = frozenset(child_helpers)
        self.limits = (max_steps, timeout_s, max_size)
        self.settings = settings

    def check_for_overwrite(self, context: Mapping[str, Any], external_context: Mapping[str, Any]) -> None:
        check_for_overwrite(self.globals, context, external_context)

    def call_service(self, context: Mapping[str, Any], **kwargs: Any) -> Any:
        raise NotImplementedError("service tasks are not supported")

    def evaluate(self, expression: str, context: Mapping[str, Any], external_context: Mapping | None = None) -> Any:
        external = external_context or {}
        _names(expression, "eval")  # the sandbox's compile checks, whichever way it is answered
        plain = _plain(expression)
        if plain is not None:
            answered, value = self._answer_plain(*plain, context, external)
            if answered:
                return value
        return self._run("eval", expression, context, external)[1][0]

    def _answer_plain(self, name: str, args: tuple | None, kwargs: dict | None, context: Mapping[str, Any],
                      external: Mapping[str, Any]) -> tuple[bool, Any]:
        """Answer here what a runner would answer the same way and that can run no script code: a task
        data value that is a number, a boolean, None or a string within the size limit (the runner would
        send back a copy of it), and a call of a helper that runs in this process anyway, with literal
        arguments. 65 of the 81 conditions and task attributes of the shipped diagrams have these shapes
        (a form's answer, a due date); each saves a round trip to a runner. (False, None) leaves the
        expression to a runner, its errors too."""
        if args is None:
            value = context[name] if name in context else self  # task data shadows helpers, as in a runner
            if type(value) in (int, float, bool, type(None)) or (type(value) is str and len(value) <= self.limits[2]):
                return True, value
            return False, None
        if name not in self.globals or name in self.child_helpers or name in context or name in external:
            return False, None
        try:
            return True, self.globals[name](*args, **kwargs)
        except Exception as err:  # as a runner re-raises a helper's error: the helper's own, on line 1
            err.script_lineno = 1
            raise

    def execute(self, script: str, context: dict[str, Any], external_context: Mapping | None = None) -> bool:
        external = external_context or {}
        self.check_for_overwrite(context, external)
        sent, (_, new) = self._run("exec", script, context, external)
        if type(new) is not dict or not all(type(key) is str for key in new):
            raise SandboxError("script runner sent unusable task data")
        for key in sent:
            if key not in new:
                del context[key]  # the script ran `del key`
        context.update(new)
        return True

    def _run(self, mode: str, source: str, context: Mapping[str, Any], external: Mapping[str, Any]) -> tuple:
        names = _names(source, mode)
        data = {name: context[name] for name in names if name in context}
        ext = {name: external[name] for name in names if name in external}
        helpers = sorted(name for name in names if name in self.globals)
        pure = tuple(name for name in helpers if name in self.child_helpers)
        host = tuple(name for name in helpers if name not in self.child_helpers)
        at = clock.now() if _CLOCK_NAMES & names else None
        settings = self.settings or current_settings()
        request = (mode, source, data, ext, pure, host, self.limits, at, settings.cpu_seconds)
        return data, pool.run(request, settings, self._host, host)

    def _host(self, name: str, args: tuple, kwargs: dict) -> Any:
        return self.globals[name](*args, **kwargs)
