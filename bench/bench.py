"""hexray's benchmark: hexray against ctypes and the libraries it replaces.

Run it with `make bench`, which installs bench/requirements.txt and hexray
into a CPython 3.11 virtual environment first, or directly:

    python bench/bench.py [--quick] [--repeats N] [--json PATH]

Every comparison times one hexray expression and one baseline expression
in the same run and reports both in nanoseconds per call, their ratio, a
target and whether the target is met.  The benchmark reports; it does not
assert: it exits 0 whether or not the targets are met, and non-zero only
if a comparison could not be measured (an import failed, a sanity check
failed, a worker crashed).

How it measures
  * timeit, with each expression compiled into timeit's loop (no lambda
    around it), the number of loops calibrated with Timer.autorange() and
    the best of several repeats; timeit turns the garbage collector off
    while it times.  Both sides call functions bound to plain names
    (`string_at`, not `ctypes.string_at`): no attribute look-up is timed,
    which if anything favours the baselines.
  * hexray and the baselines run in two separate worker processes of the
    same interpreter, driven by this process one repeat at a time,
    alternating between them, so that slow drifts of the machine hit both.
    Each library is measured as its users see it alone: importing hexray
    wraps faulthandler.enable() and disable() (to keep hexray's fault
    handler in front), and pointers.py calls both around every function
    call, which would make pointers.py slower than it is without hexray.

Adding a comparison: append a Comparison to COMPARISONS below.  Each side
is a setup function (run once in its worker; it imports what it needs and
returns the names the expression uses), the expression to time, and a
check that the expression gives the right answer.  The target is a
predicate on the measured speedup (baseline time / hexray time).  Setups of
baseline sides must not import hexray, and setups of hexray sides must not
import the comparison libraries.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import math
import os
import platform
import subprocess
import sys
import timeit
import traceback
import warnings
from dataclasses import dataclass
from importlib import metadata
from typing import Any, Callable, Dict, List, Optional

Namespace = Dict[str, Any]

# The libraries hexray is compared with (PyPI names), for the header.
COMPARISON_LIBRARIES = ("pointers.py", "einspect", "pympler")

DEFAULT_REPEATS = 7
QUICK_REPEATS = 3


# ----------------------------------------------------------------------
# What a comparison is

@dataclass(frozen=True)
class Side:
    """One side of a comparison: an expression timed in a namespace."""

    setup: Callable[[], Namespace]
    """Runs once in the side's worker; returns the names `expr` uses."""

    expr: str
    """The expression timed, as written in the table."""

    check: Callable[[Namespace, Any], bool]
    """Given the namespace and the value of `expr`: is the value right?"""


@dataclass(frozen=True)
class Target:
    """What hexray aims for, as a predicate on the measured speedup."""

    text: str
    met: Callable[[float], bool]


def faster_by_at_least(factor: float) -> Target:
    """hexray takes at most 1/factor of the baseline's time."""
    return Target(f"hexray ≥ {factor:g}× faster", lambda speedup: speedup >= factor)


def costs_at_most(factor: float) -> Target:
    """hexray takes at most factor times the baseline's time."""
    return Target(
        f"hexray ≤ {factor:g}× the baseline's time",
        lambda speedup: 1.0 / speedup <= factor,
    )


@dataclass(frozen=True)
class Comparison:
    name: str
    hexray: Side
    baseline_name: str
    """What the baseline is, e.g. "ctypes.string_at" or "pointers.to_ptr"."""

    baseline_library: Optional[str]
    """The baseline's PyPI distribution, or None for the standard library."""

    baseline: Side
    target: Target


# ----------------------------------------------------------------------
# The comparisons.  Setups import inside themselves: each runs only in the
# worker of its side.

def an_object() -> list:
    """The object the comparisons look at: a fresh list, which the garbage
    collector tracks, so object_at() runs all of its checks on it."""
    return [1, 2, 3]


def hexray_peek() -> Namespace:
    from hexray import peek

    obj = an_object()
    return {"peek": peek, "obj": obj, "a": id(obj)}


def ctypes_string_at() -> Namespace:
    from ctypes import string_at

    obj = an_object()
    return {"string_at": string_at, "obj": obj, "a": id(obj)}


def first_eight_bytes(ns: Namespace, value: Any) -> bool:
    """The object's first word, read independently through ctypes."""
    import ctypes

    return value == bytes((ctypes.c_char * 8).from_address(ns["a"]))


def hexray_object_at() -> Namespace:
    from hexray import object_at

    obj = an_object()
    return {"object_at": object_at, "obj": obj, "a": id(obj)}


def ctypes_cast() -> Namespace:
    from ctypes import cast, py_object

    obj = an_object()
    return {"cast": cast, "py_object": py_object, "obj": obj, "a": id(obj)}


def hexray_ptr() -> Namespace:
    from hexray import ptr

    return {"ptr": ptr, "x": an_object()}


def pointers_to_ptr() -> Namespace:
    from pointers import to_ptr

    return {"to_ptr": to_ptr, "x": an_object()}


# The objects layout() and dump() are compared on, as source text, so
# that each worker builds its own.
SAMPLES = {
    "an int": "2**70 + 12345",
    "a str": "'aaaaaaa'",
    "a list": "[1, 2, 'aaaaaaa']",
    "a dict": "{'one': 1, 'two': 2}",
}


def sample_setup(source: str, library: str) -> Callable[[], Namespace]:
    """A setup giving `x` (built from source) and the library's functions."""
    def setup() -> Namespace:
        namespace: Namespace = {"x": eval(source)}
        if library == "hexray":
            from hexray import dumps, layout
            namespace.update(layout=layout, dumps=dumps)
        else:
            from einspect import view
            namespace.update(view=view)
        return namespace
    return setup


def is_refcount(ns: Namespace, value: Any) -> bool:
    """A reference count of x: at least the references the setup holds."""
    return isinstance(value, int) and value >= 2


def is_dump(ns: Namespace, value: Any) -> bool:
    return isinstance(value, str) and "ob_refcnt" in value


def layout_comparisons() -> List["Comparison"]:
    comparisons = []
    for what, source in SAMPLES.items():
        comparisons.append(Comparison(
            name="layout and one field of " + what,
            hexray=Side(sample_setup(source, "hexray"),
                        "layout(x)['ob_refcnt'].value", is_refcount),
            baseline_name="einspect view",
            baseline_library="einspect",
            baseline=Side(sample_setup(source, "einspect"),
                          "view(x).ref_count", is_refcount),
            target=faster_by_at_least(10),
        ))
    for what, source in SAMPLES.items():
        comparisons.append(Comparison(
            name="annotated dump of " + what,
            hexray=Side(sample_setup(source, "hexray"), "dumps(x)", is_dump),
            baseline_name="einspect info",
            baseline_library="einspect",
            baseline=Side(sample_setup(source, "einspect"),
                          "view(x).info()", is_dump),
            target=faster_by_at_least(10),
        ))
    return comparisons


COMPARISONS: List[Comparison] = [
    Comparison(
        name="read 8 bytes at an object's address",
        hexray=Side(hexray_peek, "peek(a, 8)", first_eight_bytes),
        baseline_name="ctypes.string_at",
        baseline_library=None,
        baseline=Side(ctypes_string_at, "string_at(a, 8)", first_eight_bytes),
        target=faster_by_at_least(5),
    ),
    Comparison(
        name="object at an address",
        hexray=Side(hexray_object_at, "object_at(a)",
                    lambda ns, value: value is ns["obj"]),
        baseline_name="ctypes.cast to py_object (unchecked)",
        baseline_library=None,
        baseline=Side(ctypes_cast, "cast(a, py_object).value",
                      lambda ns, value: value is ns["obj"]),
        target=costs_at_most(2),
    ),
    Comparison(
        name="pointer to an object, dereferenced",
        hexray=Side(hexray_ptr, "~ptr(x)", lambda ns, value: value is ns["x"]),
        baseline_name="pointers.to_ptr",
        baseline_library="pointers.py",
        baseline=Side(pointers_to_ptr, "~to_ptr(x)",
                      lambda ns, value: value is ns["x"]),
        target=faster_by_at_least(10),
    ),
] + layout_comparisons()


# ----------------------------------------------------------------------
# The workers: `bench.py --worker hexray|baseline`, one JSON request per
# line on stdin, one JSON reply per line on the original stdout.

def worker(role: str) -> None:
    replies = os.fdopen(os.dup(1), "w", buffering=1)
    os.dup2(2, 1)  # whatever the libraries print goes to stderr
    timers: Dict[int, timeit.Timer] = {}

    def side_of(index: int) -> Side:
        comparison = COMPARISONS[index]
        return comparison.hexray if role == "hexray" else comparison.baseline

    def handle(request: Dict[str, Any]) -> Dict[str, Any]:
        op = request["op"]
        if op == "info":
            info: Dict[str, Any] = {"python": sys.version, "pid": os.getpid()}
            if role == "hexray":
                import hexray

                info["hexray"] = hexray.__version__
                info["hexray_file"] = hexray.__file__
                info["fault_handler_active"] = hexray.fault_handler_active()
            return info
        index = request["index"]
        if op == "setup":
            side = side_of(index)
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")  # import-time noise
                namespace = side.setup()
            if role == "baseline" and "hexray" in sys.modules:
                raise RuntimeError("a baseline setup imported hexray")
            if role == "hexray":
                import hexray

                if not hexray.fault_handler_active():
                    raise RuntimeError(
                        "hexray's fault handler was displaced by a setup")
            value = eval(side.expr, namespace)
            if not side.check(namespace, value):
                raise AssertionError(
                    f"{side.expr} gave a wrong answer: {value!r}")
            timers[index] = timeit.Timer(side.expr, globals=namespace)
            return {}
        if op == "calibrate":
            number, _ = timers[index].autorange()
            return {"number": number}
        if op == "time":
            return {"seconds": timers[index].timeit(request["number"])}
        raise ValueError(f"unknown request {op!r}")

    for line in sys.stdin:
        try:
            reply = handle(json.loads(line))
        except Exception:
            reply = {"error": traceback.format_exc()}
        replies.write(json.dumps(reply) + "\n")


class WorkerError(Exception):
    pass


class Worker:
    """A worker process, started on first use and again after a crash."""

    def __init__(self, role: str) -> None:
        self.role = role
        self.process: Optional[subprocess.Popen] = None

    def ask(self, **request: Any) -> Dict[str, Any]:
        if self.process is None:
            self.process = subprocess.Popen(
                [sys.executable, os.path.abspath(__file__), "--worker",
                 self.role],
                stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True,
            )
        assert self.process.stdin is not None
        assert self.process.stdout is not None
        try:
            self.process.stdin.write(json.dumps(request) + "\n")
            self.process.stdin.flush()
            line = self.process.stdout.readline()
        except BrokenPipeError:
            line = ""
        if not line:
            status = self.process.wait()
            self.process = None
            raise WorkerError(
                f"the {self.role} worker died (exit status {status})")
        reply = json.loads(line)
        if "error" in reply:
            raise WorkerError(
                f"in the {self.role} worker:\n{reply['error'].rstrip()}")
        return reply

    def close(self) -> None:
        if self.process is not None:
            self.process.stdin.close()  # type: ignore[union-attr]
            self.process.wait()
            self.process = None


# ----------------------------------------------------------------------
# Measuring

@dataclass
class Result:
    name: str
    hexray_expr: str
    baseline_name: str
    baseline_expr: str
    target: str
    hexray_ns: Optional[float] = None
    baseline_ns: Optional[float] = None
    hexray_loops: Optional[int] = None
    baseline_loops: Optional[int] = None
    hexray_repeats_ns: List[float] = dataclasses.field(default_factory=list)
    baseline_repeats_ns: List[float] = dataclasses.field(default_factory=list)
    speedup: Optional[float] = None
    """baseline time / hexray time: above 1, hexray is faster."""
    time_ratio: Optional[float] = None
    """hexray time / baseline time: above 1, hexray is slower."""
    met: Optional[bool] = None
    error: Optional[str] = None


def measure(index: int, comparison: Comparison, hexray: Worker,
            baseline: Worker, repeats: int) -> Result:
    result = Result(
        name=comparison.name,
        hexray_expr=comparison.hexray.expr,
        baseline_name=comparison.baseline_name,
        baseline_expr=comparison.baseline.expr,
        target=comparison.target.text,
    )
    try:
        hexray.ask(op="setup", index=index)
        baseline.ask(op="setup", index=index)
        result.hexray_loops = hexray.ask(op="calibrate", index=index)["number"]
        result.baseline_loops = baseline.ask(
            op="calibrate", index=index)["number"]
        sides = [(hexray, result.hexray_loops, result.hexray_repeats_ns),
                 (baseline, result.baseline_loops, result.baseline_repeats_ns)]
        for repeat in range(repeats):
            # Alternate which side goes first.
            for worker_, loops, times in sides[::1 if repeat % 2 == 0 else -1]:
                seconds = worker_.ask(op="time", index=index,
                                      number=loops)["seconds"]
                times.append(seconds / loops * 1e9)
    except WorkerError as error:
        result.error = str(error)
        return result
    result.hexray_ns = min(result.hexray_repeats_ns)
    result.baseline_ns = min(result.baseline_repeats_ns)
    result.speedup = result.baseline_ns / result.hexray_ns
    result.time_ratio = result.hexray_ns / result.baseline_ns
    result.met = bool(comparison.target.met(result.speedup))
    return result


# ----------------------------------------------------------------------
# Reporting

def library_version(distribution: str) -> str:
    try:
        return metadata.version(distribution)
    except metadata.PackageNotFoundError:
        return "not installed"


def format_ns(ns: Optional[float]) -> str:
    if ns is None:
        return "–"
    return f"{ns:,.1f}" if ns < 1000 else f"{ns:,.0f}"


def format_comparison(result: Result) -> str:
    if result.speedup is None:
        return "–"
    # Rounded towards hexray's disadvantage, so that a ratio just short of
    # its target never prints as the target itself.
    if result.speedup >= 1:
        digits = 1 if result.speedup >= 10 else 2
        shown = math.floor(result.speedup * 10**digits) / 10**digits
        return f"{shown:.{digits}f}× faster"
    assert result.time_ratio is not None
    shown = math.ceil(result.time_ratio * 100) / 100
    return f"{shown:.2f}× slower"


def status(result: Result) -> str:
    if result.error is not None:
        return "ERROR"
    return "met" if result.met else "NOT met"


def spread(times: List[float]) -> str:
    """How far the slowest repeat was above the best one."""
    return f"+{(max(times) / min(times) - 1) * 100:.0f}%" if times else "–"


def markdown_table(results: List[Result]) -> str:
    rows = [
        ["Operation", "hexray", "ns/call", "Baseline", "ns/call",
         "hexray vs baseline", "Target", "Result"],
        ["---", "---", "---:", "---", "---:", "---", "---", "---"],
    ]
    for r in results:
        rows.append([
            r.name, f"`{r.hexray_expr}`", format_ns(r.hexray_ns),
            f"{r.baseline_name}: `{r.baseline_expr}`",
            format_ns(r.baseline_ns), format_comparison(r), r.target,
            status(r),
        ])
    return "\n".join("| " + " | ".join(row) + " |" for row in rows)


def main(argv: Optional[List[str]] = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--quick", action="store_true",
                        help=f"best of {QUICK_REPEATS} repeats instead of "
                             f"{DEFAULT_REPEATS}")
    parser.add_argument("--repeats", type=int, metavar="N",
                        help="best of N repeats")
    parser.add_argument("--json", metavar="PATH",
                        help="also write the results as JSON to PATH")
    parser.add_argument("--worker", choices=("hexray", "baseline"),
                        help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.worker:
        worker(args.worker)
        return 0

    repeats = args.repeats or (QUICK_REPEATS if args.quick else DEFAULT_REPEATS)
    if repeats < 1:
        parser.error("--repeats must be at least 1")
    hexray, baseline = Worker("hexray"), Worker("baseline")
    try:
        try:
            info = hexray.ask(op="info")
        except WorkerError as error:
            print(f"hexray cannot be imported: {error}", file=sys.stderr)
            return 1

        python = platform.python_version()
        libraries = {"ctypes": f"standard library (Python {python})"}
        for distribution in COMPARISON_LIBRARIES + tuple(
                c.baseline_library for c in COMPARISONS if c.baseline_library):
            libraries[distribution] = library_version(distribution)
        handler = ("active" if info["fault_handler_active"]
                   else "NOT ACTIVE: faults would crash")
        header = [
            ("Python", f"{sys.version.splitlines()[0]} "
                       f"({platform.python_implementation()}, "
                       f"{sys.executable})"),
            ("machine", f"{platform.machine()} {platform.system()} "
                        f"{platform.release()}, {os.cpu_count()} CPUs"),
            ("hexray", f"{info['hexray']} ({info['hexray_file']}; fault "
                       f"handler {handler})"),
            *libraries.items(),
            ("method", f"timeit, loops calibrated by Timer.autorange(), best "
                       f"of {repeats} repeats; hexray and the baselines in "
                       f"separate worker processes"),
        ]
        width = max(len(name) for name, _ in header)
        print("hexray benchmark")
        for name, value in header:
            print(f"  {name:<{width}}  {value}")
        print(flush=True)

        results = []
        for index, comparison in enumerate(COMPARISONS):
            print(f"{comparison.name}: {comparison.hexray.expr} vs "
                  f"{comparison.baseline.expr} ...", file=sys.stderr,
                  flush=True)
            result = measure(index, comparison, hexray, baseline, repeats)
            if result.error is not None:
                print(f"  ERROR {result.error}", file=sys.stderr)
            else:
                print(f"  hexray {format_ns(result.hexray_ns)} ns "
                      f"({result.hexray_loops} loops, slowest repeat "
                      f"{spread(result.hexray_repeats_ns)}), baseline "
                      f"{format_ns(result.baseline_ns)} ns "
                      f"({result.baseline_loops} loops, slowest repeat "
                      f"{spread(result.baseline_repeats_ns)})",
                      file=sys.stderr, flush=True)
            results.append(result)
    finally:
        hexray.close()
        baseline.close()

    print()
    print(markdown_table(results))
    print()
    print(f"ns per call, best of {repeats} repeats; CPython {python}, "
          f"{platform.machine()} {platform.system()}. \"hexray vs baseline\" "
          f"compares the times; targets are goals, not assertions.")

    if args.json:
        document = {
            "python": sys.version,
            "executable": sys.executable,
            "machine": f"{platform.machine()} {platform.system()} "
                       f"{platform.release()}",
            "hexray": info["hexray"],
            "fault_handler_active": info["fault_handler_active"],
            "libraries": libraries,
            "repeats": repeats,
            "results": [dataclasses.asdict(r) for r in results],
        }
        with open(args.json, "w", encoding="utf-8") as file:
            json.dump(document, file, indent=2, ensure_ascii=False)
            file.write("\n")
        print(f"\nresults written to {args.json}")

    errors = [r for r in results if r.error is not None]
    if errors:
        print(f"\n{len(errors)} comparison(s) could not be measured: "
              + ", ".join(r.name for r in errors), file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
