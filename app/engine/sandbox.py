"""The sandbox core: compile, guards and the in-process environment.

Process owners type conditions and scripts in the browser, so they run under
RestrictedPython (no imports, no ``_`` names, guarded attribute access) plus a
per-run budget: every loop iteration, function call and counted iterator ticks
a step counter that also enforces the wall-clock timeout, and the operators and
methods that can multiply memory (``*``, ``**``, ``<<``, ``+``, ``%``,
``str.ljust``…) check the result size *before* computing it.

These checks cannot interrupt one long C-level operation (a hash-colliding
``set()``, a regex): the engine therefore runs this module inside runner
processes with OS limits (``script_runner.py``). This module imports neither
SpiffWorkflow nor Flask, so a runner starts fast; the SpiffWorkflow glue
(``SandboxedScriptEngine``, ``SandboxTaskError``) lives in ``sandbox_engine.py``.
"""
from __future__ import annotations

import ast
import builtins
import copy
import functools
import math
import operator
import os
import re
import threading
import time
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from datetime import date, datetime, timedelta, timezone
from types import CodeType, ModuleType
from typing import Any, NoReturn
from zoneinfo import ZoneInfo

from RestrictedPython import compile_restricted_eval, compile_restricted_exec
from RestrictedPython.Guards import full_write_guard, guarded_iter_unpack_sequence, guarded_unpack_sequence
from RestrictedPython.transformer import INSPECT_ATTRIBUTES, RestrictingNodeTransformer, copy_locations

from .expressions import ExpressionError, is_timer_literal, to_python
from .script_helpers import DEFAULT_ZONE

__all__ = ["SandboxError", "SandboxedEnvironment", "check"]

_ZONE = ZoneInfo(DEFAULT_ZONE)  # in-process only: the engine's runners get the app's zone and instant
MAX_INT_BITS = 65_536             # bigger ints make single C-level operations slow enough to dodge the timeout
MAX_MEMORY_GROWTH = 256 * 2**20   # RSS growth tolerated in one run (many copies that are each within max_size)
FORBIDDEN_CALLS = frozenset({
    "open", "eval", "exec", "compile", "getattr", "setattr", "delattr", "hasattr", "globals", "locals", "vars",
    "dir", "type", "breakpoint", "input", "help", "bytes", "bytearray", "memoryview", "object", "super", "iter",
    "exit", "quit"})
BLOCKED_ATTRIBUTES = INSPECT_ATTRIBUTES | {"func_globals", "func_code", "func_closure", "mro", "format", "format_map"}
_SIZED_METHODS = frozenset({"ljust", "rjust", "center", "zfill", "expandtabs", "join", "replace", "translate",
                            "to_bytes", "extend"})
_SEQUENCES = (str, bytes, list, tuple)
_SCALARS = (int, float, complex, type(None), date, timedelta, timezone)
_GUARDED_OPS = {ast.Mult: "*", ast.Pow: "**", ast.LShift: "<<", ast.Add: "+", ast.Mod: "%"}
_OPERATORS = {"*": operator.mul, "**": operator.pow, "<<": operator.lshift, "+": operator.add, "%": operator.mod}
_INPLACE = {op + "=": getattr(operator, "i" + name) for op, name in (
    ("+", "add"), ("-", "sub"), ("*", "mul"), ("/", "truediv"), ("//", "floordiv"), ("%", "mod"), ("**", "pow"),
    ("<<", "lshift"), (">>", "rshift"), ("&", "and"), ("|", "or"), ("^", "xor"), ("@", "matmul"))}
_PERCENT_SPEC = re.compile(r"%(?:\([^)]*\))?[#0\- +]*(\*|\d+)?(?:\.(\*|\d+))?[hlL]?[a-zA-Z%]")


class SandboxError(Exception):
    """A script or expression was refused: compile problem or a sandbox limit."""

    def __init__(self, message: str, lineno: int | None = None) -> None:
        super().__init__(message)
        self.lineno = lineno


# --------------------------------------------------------------------------- compilation

class _Policy(RestrictingNodeTransformer):
    """RestrictedPython's policy plus step ticks and size-checked operators."""

    def _call(self, name: str, args: list[ast.expr], like: ast.AST) -> ast.Call:
        node = ast.Call(func=ast.Name(name, ast.Load()), args=args, keywords=[])
        copy_locations(node, like)
        return node

    def _tick(self, like: ast.AST) -> ast.Expr:
        stmt = ast.Expr(self._call("_tick_", [], like))
        copy_locations(stmt, like)
        return stmt

    def visit_Import(self, node: ast.AST) -> ast.AST:
        self.error(node, "import statements are not allowed")
        return node

    visit_ImportFrom = visit_Import

    def visit_ClassDef(self, node: ast.ClassDef) -> ast.AST:
        self.error(node, "class definitions are not allowed")
        return node

    def visit_Call(self, node: ast.Call) -> Any:
        if isinstance(node.func, ast.Name) and node.func.id in FORBIDDEN_CALLS:
            self.error(node, f'"{node.func.id}()" is not allowed in scripts')
        return super().visit_Call(node)

    def visit_Attribute(self, node: ast.Attribute) -> Any:
        if node.attr in BLOCKED_ATTRIBUTES - INSPECT_ATTRIBUTES:  # RestrictedPython reports the others
            self.error(node, f'"{node.attr}" is not allowed in scripts')
        return super().visit_Attribute(node)

    def visit_BinOp(self, node: ast.BinOp) -> Any:  # a * b -> _op_('*', a, b)
        node = self.node_contents_visit(node)
        symbol = _GUARDED_OPS.get(type(node.op))
        return self._call("_op_", [ast.Constant(symbol), node.left, node.right], node) if symbol else node

    def visit_While(self, node: ast.While) -> Any:
        node = self.node_contents_visit(node)
        node.body.insert(0, self._tick(node))
        return node

    def visit_FunctionDef(self, node: ast.FunctionDef) -> Any:
        node = super().visit_FunctionDef(node)
        node.body.insert(0, self._tick(node))  # bounds recursion, including exponential recursion
        return node

    def visit_Lambda(self, node: ast.Lambda) -> Any:  # lambda: x -> lambda: _tick_() or x
        node = super().visit_Lambda(node)
        node.body = ast.BoolOp(ast.Or(), [self._call("_tick_", [], node.body), node.body])
        copy_locations(node.body, node)
        return node

    def visit_FormattedValue(self, node: ast.FormattedValue) -> Any:
        # f"{x!r:>{w}}" -> f"{_format_(x, ord('r'), f'>{w}')}": widths are checked before formatting.
        node = self.node_contents_visit(node)
        spec = node.format_spec or ast.Constant("")
        node.value = self._call("_format_", [node.value, ast.Constant(node.conversion), spec], node.value)
        node.conversion, node.format_spec = -1, None
        return node

    def visit_JoinedStr(self, node: ast.JoinedStr) -> Any:
        return self._call("_sized_", [self.node_contents_visit(node)], node)


def python_expression(source: str) -> str:
    """The Python an expression runs as: JUEL ``${…}`` translated, an unquoted timer made a string."""
    source = to_python(source).strip()
    return repr(source) if is_timer_literal(source) else source  # Camunda Modeler: PT30M, 0 0 9 * * ?


@functools.lru_cache(maxsize=2048)
def _compile(source: str, mode: str) -> tuple[CodeType | None, tuple[str, ...], bool]:
    """(code, errors, calls_methods); an expression can only mutate task data through a method call."""
    if mode == "eval":
        try:
            source = python_expression(source)
        except ExpressionError as err:
            return None, (str(err),), False
        result = compile_restricted_eval(source, "<string>", policy=_Policy)
    elif mode == "exec":
        result = compile_restricted_exec(source, "<string>", policy=_Policy)
    else:
        raise ValueError(f"mode must be 'exec' or 'eval', not {mode!r}")
    calls_methods = mode == "eval" and result.code is not None and any(
        isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) for node in ast.walk(ast.parse(source)))
    return result.code, tuple(result.errors), calls_methods


def check(source: str, mode: str = "exec") -> list[str]:
    """Problems that stop ``source`` from compiling in the sandbox; nothing is executed."""
    return list(_compile(source, mode)[1])


def _code(source: str, mode: str) -> tuple[CodeType, bool]:
    code, errors, calls_methods = _compile(source, mode)
    if errors:
        match = re.match(r"Line (\d+):", errors[0])
        raise SandboxError("; ".join(errors), int(match.group(1)) if match else None)
    return code, calls_methods


# --------------------------------------------------------------------------- runtime guards

def _deep_size(obj: Any, limit: int) -> int:
    """Characters + container slots of ``obj`` once serialised (aliases count each time); stops above limit."""
    total, stack = 0, [obj]
    while stack and total <= limit:
        item = stack.pop()
        if isinstance(item, (str, bytes)):
            total += len(item)
        elif isinstance(item, (list, tuple, set, frozenset, dict)):
            total += len(item)
            if total <= limit:
                stack.extend(item.values() if isinstance(item, dict) else ())
                stack.extend(item)
    return total


def _result_size(obj: Any, name: str, args: tuple, kwargs: dict) -> int:
    """Upper bound of ``len(obj.name(*args, **kwargs))`` for the methods in _SIZED_METHODS."""
    if name in ("ljust", "rjust", "center", "zfill"):
        return args[0]
    if name == "expandtabs":
        tabsize = args[0] if args else kwargs.get("tabsize", 8)
        return len(obj) + obj.count(b"\t" if isinstance(obj, bytes) else "\t") * max(tabsize, 1)
    if name == "join":
        return sum(len(x) for x in args[0] if isinstance(x, (str, bytes))) + len(obj) * len(args[0])
    if name == "replace":
        count = obj.count(args[0]) if args[0] else len(obj) + 1
        return len(obj) + min(count, args[2] if len(args) > 2 and args[2] >= 0 else count) * len(args[1])
    if name == "translate":
        table = args[0].values() if isinstance(args[0], dict) else args[0] if isinstance(args[0], _SEQUENCES) else ()
        return len(obj) * max([len(v) for v in table if isinstance(v, (str, bytes))] + [1])
    if name == "to_bytes":
        return args[0] if args else kwargs.get("length", 1)
    return len(obj) + len(args[0])  # list.extend


def _rss() -> int | None:
    try:
        with open("/proc/self/statm", "rb") as statm:
            return int(statm.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")
    except (OSError, ValueError, AttributeError):
        return None


def _isinstance(obj: Any, cls: Any) -> bool:
    # Scripts see bounded functions instead of the str and range types; isinstance() maps them back.
    def real(c: Any) -> Any:
        return tuple(map(real, c)) if isinstance(c, tuple) else _PROXIED.get(getattr(c, "__func__", None), c)
    return isinstance(obj, real(cls))


def _c_import(name: str, globals: Any = None, locals: Any = None, fromlist: Any = (), level: int = 0) -> Any:
    # Scripts cannot name __import__ but C code can: datetime.strptime/strftime load these two.
    if name in ("time", "_strptime") and not level:
        return builtins.__import__(name, globals, locals, fromlist, level)
    raise SandboxError(f"import of {name!r} is not allowed")


def _apply(func: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:  # f(*args, **kwargs) in scripts
    return func(*args, **kwargs)


def now() -> datetime:
    """Current time, timezone-aware, in the default zone (the sandbox run in-process, as tests do)."""
    return datetime.now(_ZONE)


def today() -> date:
    return now().date()


class _DiscardPrint:
    """``print`` is accepted but discarded: process owners have no server console."""

    def __init__(self, _getattr_: Any = None) -> None:
        pass

    def _call_print(self, *args: Any, **kwargs: Any) -> None:
        pass

    def __call__(self) -> str:
        return ""


class _ListWriter:
    """Write proxy for lists: slice assignment can grow a list, so it is size-checked."""
    __slots__ = ("_target", "_run")

    def __init__(self, target: list, run: _Run) -> None:
        self._target, self._run = target, run

    def __setitem__(self, key: Any, value: Any) -> None:
        if isinstance(key, slice):
            value = value if isinstance(value, _SEQUENCES) else list(value)
            self._run.ensure(len(self._target) + len(value), "list")
        self._target[key] = value

    def __delitem__(self, key: Any) -> None:
        del self._target[key]


_SAFE_BUILTINS: dict[str, Any] = {
    "None": None, "True": True, "False": False, "isinstance": _isinstance, "now": now, "today": today,
    "__import__": _c_import,
    **{f.__name__: f for f in (len, min, max, abs, round, int, float, bool, list, dict, set, tuple, sorted, any,
                               all, datetime, date, timedelta, timezone)},
    **{e.__name__: e for e in (Exception, ValueError, TypeError, KeyError, IndexError, LookupError, ArithmeticError,
                               ZeroDivisionError, AttributeError, RuntimeError, StopIteration)},
}


_running = threading.local()  # the evaluation this thread runs: ``waited`` stops its clock


@contextmanager
def _running_as(run: _Run) -> Iterator[None]:
    """``run`` is this thread's running evaluation while the block runs (nested ones restore the outer)."""
    outer, _running.run = getattr(_running, "run", None), run
    try:
        yield
    finally:
        _running.run = outer


def waited(seconds: float) -> None:
    """The running evaluation waited ``seconds`` for the app (a runner's helper that the app runs):
    that time is not the script's, so its deadline moves by as much."""
    run = getattr(_running, "run", None)
    if run is not None:
        run.deadline += seconds


class _Run:
    """Budget of one evaluation; its bound methods are the guards the compiled code calls."""

    def __init__(self, max_steps: int, timeout_s: float, max_size: int) -> None:
        self.max_steps, self.timeout_s, self.max_size = max_steps, timeout_s, max_size
        self.steps, self.deadline = 0, time.monotonic() + timeout_s
        self.memory_base: int | None = None
        self.memory_check_at = 0.0
        self.error: SandboxError | None = None

    def namespace(self) -> dict[str, Any]:
        safe = dict(_SAFE_BUILTINS, str=self.to_str, range=self.range, zip=self.zip, enumerate=self.enumerate,
                    sum=self.sum)
        return {"__builtins__": safe, "_getattr_": self.getattr, "_getitem_": operator.getitem,
                "_getiter_": self.getiter, "_write_": self.write, "_inplacevar_": self.inplace, "_op_": self.op,
                "_apply_": _apply, "_unpack_sequence_": guarded_unpack_sequence,
                "_iter_unpack_sequence_": guarded_iter_unpack_sequence, "_print_": _DiscardPrint,
                "_tick_": self.tick, "_format_": self.format, "_sized_": self.check_len}

    def fail(self, message: str) -> NoReturn:
        # Remember the first violation: the script may swallow the exception, the run will not.
        err = SandboxError(message)
        self.error = self.error or err
        raise err

    def tick(self) -> None:
        self.steps += 1
        if self.steps > self.max_steps:
            self.fail(f"script exceeded {self.max_steps} steps")
        now_ = time.monotonic()
        if now_ > self.deadline:
            self.fail(f"script timed out after {self.timeout_s} s")
        if now_ >= self.memory_check_at:  # reading /proc costs ~10 µs: at most every 10 ms
            self.memory_check_at = now_ + 0.01
            rss = _rss()
            if self.memory_base is None or rss is None:
                self.memory_base = rss
            elif rss - self.memory_base > MAX_MEMORY_GROWTH:
                self.fail(f"script used too much memory (+{(rss - self.memory_base) >> 20} MiB)")

    def getiter(self, iterable: Any) -> Iterator[Any]:
        for item in iterable:
            self.tick()
            yield item

    # sizes ----------------------------------------------------------------------------------------
    def ensure(self, size: int, what: str) -> None:
        if size > self.max_size:
            self.fail(f"value too large ({what} of {size} > {self.max_size})")

    def int_bits(self, bits: int) -> None:
        if bits > MAX_INT_BITS:
            self.fail(f"value too large (integer of ~{bits} bits > {MAX_INT_BITS})")

    def check_len(self, value: Any) -> Any:
        if isinstance(value, _SEQUENCES):
            self.ensure(len(value), type(value).__name__)
        return value

    def check_deep(self, value: Any, limit: int | None = None) -> Any:
        limit = limit or self.max_size
        if not isinstance(value, _SCALARS) and _deep_size(value, limit) > limit:
            self.fail(f"value too large ({type(value).__name__} of more than {limit} items/characters)")
        return value

    # operators ------------------------------------------------------------------------------------
    def check_op(self, symbol: str, a: Any, b: Any) -> None:
        both_int = isinstance(a, int) and isinstance(b, int)
        if symbol == "+" and isinstance(a, _SEQUENCES) and isinstance(b, _SEQUENCES):
            self.ensure(len(a) + len(b), type(a).__name__)
        elif symbol == "*" and both_int:
            self.int_bits(a.bit_length() + b.bit_length())
        elif symbol == "*":
            seq, n = (a, b) if isinstance(b, int) else (b, a)
            if isinstance(n, int) and n > 1 and isinstance(seq, _SEQUENCES):
                if _deep_size(seq, self.max_size // n + 1) * n > self.max_size:
                    self.fail(f"value too large ({type(seq).__name__} repeated {n} times > {self.max_size})")
        elif symbol == "**" and both_int and b > 0 and abs(a) > 1:
            self.int_bits(b * a.bit_length())
        elif symbol == "<<" and both_int and a:
            self.int_bits(a.bit_length() + b)
        elif symbol == "%" and isinstance(a, (str, bytes)):
            fmt, widths, specs = a.decode("latin-1") if isinstance(a, bytes) else a, 0, 0
            for match in _PERCENT_SPEC.finditer(fmt):
                for number in filter(None, match.groups()):
                    if number == "*":
                        self.fail("'*' width or precision in %-formatting is not allowed")
                    widths += int(number[:12])
                specs += 1
            arguments = _deep_size(b, self.max_size) * (specs if isinstance(b, Mapping) else 1)
            self.ensure(len(fmt) + widths + arguments, "%-formatted string")

    def op(self, symbol: str, a: Any, b: Any) -> Any:
        self.check_op(symbol, a, b)
        return _OPERATORS[symbol](a, b)

    def inplace(self, op: str, a: Any, b: Any) -> Any:  # n += 1 -> n = _inplacevar_('+=', n, 1)
        self.check_op(op[:-1], a, b)
        return self.check_len(_INPLACE[op](a, b))

    # attribute access, conversions, bounded builtins ----------------------------------------------
    def getattr(self, obj: Any, name: str) -> Any:
        if not isinstance(name, str) or name.startswith("_") or name in BLOCKED_ATTRIBUTES:
            self.fail(f"access to attribute {name!r} is not allowed")
        if name not in _SIZED_METHODS or not isinstance(obj, (str, bytes, int, list, type)):
            return getattr(obj, name)
        if isinstance(obj, type):  # int.to_bytes(1, 10**10) would dodge the per-value guard
            self.fail(f"{obj.__name__}.{name} is not allowed; call it on a value")
        method = getattr(obj, name)

        def sized(*args: Any, **kwargs: Any) -> Any:
            if name in ("join", "extend") and args:
                args = (list(args[0]),) + args[1:]
            self.ensure(_result_size(obj, name, args, kwargs), f"{name}() result")
            return method(*args, **kwargs)
        return sized

    def write(self, obj: Any) -> Any:
        if type(obj) is dict:
            return obj
        return _ListWriter(obj, self) if type(obj) is list else full_write_guard(obj)

    def format(self, value: Any, conversion: int, spec: str) -> str:
        if type(value) is str and conversion == -1 and not spec:
            return value
        value = {114: repr, 97: ascii, 115: str}.get(conversion, lambda v: v)(self.check_deep(value))
        for digits in re.findall(r"\d+", spec):
            self.ensure(int(digits[:12]), "format width")
        return self.check_len(format(value, spec))

    def to_str(self, obj: Any = "", *args: Any) -> str:
        return str(self.check_deep(obj), *args)

    def range(self, *args: int) -> range:
        result = range(*args)
        try:
            length = len(result)
        except OverflowError:
            length = abs(result.stop - result.start) // abs(result.step)
        self.ensure(length, "range")
        if max(abs(result.start), abs(result.stop)) >= 2**60:  # multiples of 2**61-1 share one hash: set() would
            self.fail("value too large (range bound >= 2**60)")  # spend hours in C, where no tick can stop it
        return result

    def zip(self, *iterables: Any) -> Iterator[tuple]:
        return self.getiter(zip(*iterables))

    def enumerate(self, iterable: Any, start: int = 0) -> Iterator[tuple[int, Any]]:
        return self.getiter(enumerate(iterable, start))

    def sum(self, iterable: Any, start: Any = 0) -> Any:
        if isinstance(start, (int, float)):
            return sum(iterable, start)
        for item in self.getiter(iterable):  # sum(lists, []) is quadratic inside C: tick every step
            start = self.op("+", start, item)
        return start


_PROXIED = {_Run.to_str: str, _Run.range: range}


# --------------------------------------------------------------------------- in-process environment

def check_for_overwrite(helpers: Mapping[str, Any], context: Mapping[str, Any], external: Mapping[str, Any]) -> None:
    """TaskDataEnvironment's check: task data named like a helper would make the helper uncallable."""
    clashes = set(helpers).intersection(context) | set(external).intersection(context)
    if clashes:
        raise ValueError(f"You have task data that overwrites a predefined function(s). Please change the "
                         f"following variable or field name(s) to something else: {clashes}")


class SandboxedEnvironment:
    """SpiffWorkflow's TaskDataEnvironment semantics (scripts read/write task data, helpers never leak), sandboxed.

    Runs in the calling process: the engine uses it inside its runner processes (script_runner.py)."""

    def __init__(self, helpers: Mapping[str, Callable[..., Any]] | None = None, *, max_steps: int = 100_000,
                 timeout_s: float = 1.0, max_size: int = 1_000_000) -> None:
        self.globals = dict(helpers or {})
        self.limits = (max_steps, timeout_s, max_size)

    def check_for_overwrite(self, context: Mapping[str, Any], external_context: Mapping[str, Any]) -> None:
        check_for_overwrite(self.globals, context, external_context)

    def call_service(self, context: Mapping[str, Any], **kwargs: Any) -> Any:
        raise NotImplementedError("service tasks are not supported")

    def _namespace(self, run: _Run, context: Mapping[str, Any], external: Mapping[str, Any] | None) -> dict:
        # Guards go last so that task data keys can never replace them.
        return {**self.globals, **(external or {}), **context, **run.namespace()}

    def evaluate(self, expression: str, context: Mapping[str, Any], external_context: Mapping | None = None) -> Any:
        code, calls_methods = _code(expression, "eval")
        run = _Run(*self.limits)
        # Conditions must not change task data; only a method call could, so only then pay for a copy.
        data = copy.deepcopy(context) if calls_methods else context
        with _running_as(run):
            result = eval(code, self._namespace(run, data, external_context))
        if run.error:
            raise run.error
        return run.check_deep(result)

    def execute(self, script: str, context: dict[str, Any], external_context: Mapping | None = None) -> bool:
        external = external_context or {}
        self.check_for_overwrite(context, external)
        code, _ = _code(script, "exec")
        run = _Run(*self.limits)
        # The script works on a copy: a refused script changes nothing, and in-place growth gets checked.
        namespace = self._namespace(run, copy.deepcopy(context), external)
        with _running_as(run):
            exec(code, namespace)
        if run.error:
            raise run.error
        # Like TaskDataEnvironment: variables persist; functions, helpers and data objects do not.
        result = {key: value for key, value in namespace.items()
                  if not key.startswith("_") and key not in self.globals and key not in external
                  and not callable(value) and not isinstance(value, ModuleType)}
        for key, value in result.items():  # JSON serialisation expands aliases: check deep sizes
            if key in context and _deep_size(value, run.max_size) > run.max_size:
                run.check_deep(value, run.max_size + _deep_size(context[key], math.inf))  # was already big
            else:
                run.check_deep(value)
        context.update(result)
        for key in [k for k in context if k not in namespace and not k.startswith("_")]:
            del context[key]  # the script ran `del key`
        return True

