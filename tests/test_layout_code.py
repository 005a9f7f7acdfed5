"""Layouts of functions, code objects and frames, on every CPython 3.9-3.13.

Each value a layout shows is checked against what Python says about the
object itself (f.__code__, co.co_consts, frame.f_lasti...), and every
layout's bytes against what ctypes reads at the same addresses.  Bytecode
on 3.11+ is live memory the interpreter rewrites as it runs, so the bytes a
layout shows are compared with co._co_code_adaptive read at the same
moment, and the opcodes they stand for with co.co_code, read only after the
layout (reading it makes a cache the layout would otherwise show as NULL).
"""

import ctypes
import dis
import json
import re
import sys
import textwrap
import types
import weakref

import pytest

import hexray
from layout_checks import assert_consistent

PY = sys.version_info[:2]
ADAPTIVE = PY >= (3, 11)        # bytecode inside the code object, rewritten
THIN_FRAMES = PY >= (3, 11)     # PyFrameObject wraps an _PyInterpreterFrame

#: enum _frameowner in CPython's Include/internal/pycore_frame.h (3.11+).
OWNED_BY_THREAD, OWNED_BY_GENERATOR, OWNED_BY_FRAME_OBJECT = 0, 1, 2
OWNED_BY_CSTACK = 3     # 3.12+

#: Every opcode's name, specialised and instrumented ones included.
ALL_OPNAMES = getattr(dis, "_all_opname", dis.opname)


def fresh(source, name):
    """The object `name` defined by source, compiled now: its code objects
    are new, so no other test has run, specialised or inspected them."""
    namespace = {}
    exec(compile(textwrap.dedent(source), "<hexray-test>", "exec"), namespace)
    return namespace[name]


def value(layout, name):
    return layout[name].value


def names(layout):
    return [f.name for f in layout.fields]


def field_named(layout, name):
    matches = [f for f in layout.fields if f.name == name]
    return matches[0] if matches else None


def tracing():
    """Whether a trace function or monitoring tool (a debugger, coverage)
    may be rewriting bytecode behind the tests' backs."""
    if sys.gettrace() is not None:
        return True
    monitoring = getattr(sys, "monitoring", None)
    return monitoring is not None and any(
        monitoring.get_tool(tool) is not None for tool in range(6))


def code_start(code):
    """Where the bytecode of a 3.11+ code object starts: its type's basic
    size is the offset of co_code_adaptive."""
    return id(code) + type(code).__basicsize__


# ----------------------------------------------------------------------
# Functions

FUNCTION_SOURCE = '''
def make(seed):
    hidden = [seed]
    def target(a, b=("default",), *, c={"k": 1}) -> "result":
        "target's docstring"
        return a, b, c, hidden
    return target
'''


@pytest.fixture
def function():
    return fresh(FUNCTION_SOURCE, "make")("seed")


def test_function_fields_are_its_attributes(function):
    f = function
    layout = hexray.layout(f)
    assert_consistent(layout)
    assert value(layout, "func_code") is f.__code__
    assert value(layout, "func_globals") is f.__globals__
    assert value(layout, "func_name") is f.__name__
    assert value(layout, "func_qualname") is f.__qualname__
    assert value(layout, "func_defaults") is f.__defaults__
    assert value(layout, "func_kwdefaults") is f.__kwdefaults__
    assert value(layout, "func_closure") is f.__closure__
    assert value(layout, "func_doc") is f.__doc__
    assert value(layout, "func_module") is f.__module__
    assert f.__closure__[0].cell_contents == ["seed"]
    if PY >= (3, 10):
        assert value(layout, "func_builtins") is f.__builtins__
    else:
        assert "func_builtins" not in names(layout)
    if PY >= (3, 12):
        assert value(layout, "func_typeparams") is None
        assert f.__type_params__ == ()
    else:
        assert "func_typeparams" not in names(layout)


def test_function_extent_is_the_object(function):
    layout = hexray.layout(function)
    before = sys.getsizeof(function) - function.__sizeof__()
    assert layout.start == -before == -16       # the GC header
    assert layout.size == sys.getsizeof(function)
    assert layout.address == id(function)


@pytest.mark.skipif(PY < (3, 12), reason="type parameters are 3.12+")
def test_function_type_params():
    f = fresh("def generic[T, *Ts](x: T) -> T:\n    return x\n", "generic")
    layout = hexray.layout(f)
    assert value(layout, "func_typeparams") is f.__type_params__
    assert [p.__name__ for p in value(layout, "func_typeparams")] == [
        "T", "Ts"]


def test_function_annotations_are_not_made(function):
    layout = hexray.layout(function)
    stored = value(layout, "func_annotations")
    if PY >= (3, 10):
        # The compiler leaves a flat tuple; reading __annotations__ makes
        # the dict from it and stores the dict instead.
        assert isinstance(stored, tuple)
        pairs = dict(zip(stored[::2], stored[1::2]))
        assert pairs == function.__annotations__ == {"return": "result"}
        assert value(hexray.layout(function), "func_annotations") \
            is function.__annotations__
    else:
        assert stored is function.__annotations__


def test_function_dict_and_weak_references(function):
    assert value(hexray.layout(function), "func_dict") is None
    assert value(hexray.layout(function), "func_weakreflist") is None
    function.attribute = 1
    reference = weakref.ref(function)
    layout = hexray.layout(function)
    assert value(layout, "func_dict") is function.__dict__
    assert value(layout, "func_weakreflist") is reference


def test_function_vectorcall(function, proc_maps):
    other = fresh("def other():\n    pass\n", "other")
    layout = hexray.layout(function)
    target = value(layout, "vectorcall")
    assert layout["vectorcall"].ctype == "vectorcallfunc"
    assert target == value(hexray.layout(other), "vectorcall") != 0
    assert any(m.start <= target < m.end and "x" in m.perms
               for m in proc_maps())
    try:
        exported = ctypes.pythonapi._PyFunction_Vectorcall
    except AttributeError:      # not exported by 3.13
        return
    assert target == ctypes.cast(exported, ctypes.c_void_p).value


@pytest.mark.skipif(PY < (3, 11), reason="func_version is 3.11+")
def test_function_version_resets(function):
    if PY >= (3, 12):
        # Functions take the version of their code when they are made.
        assert value(hexray.layout(function), "func_version") == value(
            hexray.layout(function.__code__), "co_version") != 0
    function.__defaults__ = ("other",)
    assert value(hexray.layout(function), "func_version") == 0


# ----------------------------------------------------------------------
# Code objects

CODE_SOURCE = '''
def outer(a, b, /, c, *args, d, **kwargs):
    "doc"
    local = (a, b, c, d)
    def inner():
        return local, a
    return inner, args, kwargs, "constant", len
'''


@pytest.fixture
def code():
    return fresh(CODE_SOURCE, "outer").__code__


def test_code_fields_are_its_attributes(code):
    layout = hexray.layout(code)
    assert_consistent(layout)
    assert value(layout, "co_consts") is code.co_consts
    assert value(layout, "co_names") is code.co_names
    assert value(layout, "co_filename") is code.co_filename
    assert value(layout, "co_name") is code.co_name
    for name in ("co_argcount", "co_posonlyargcount", "co_kwonlyargcount",
                 "co_stacksize", "co_flags", "co_firstlineno", "co_nlocals"):
        assert value(layout, name) == getattr(code, name), name
    assert (code.co_argcount, code.co_posonlyargcount,
            code.co_kwonlyargcount) == (3, 2, 1)
    if PY >= (3, 11):
        assert value(layout, "co_qualname") is code.co_qualname
        assert value(layout, "co_exceptiontable") is code.co_exceptiontable
    if PY >= (3, 10):
        assert value(layout, "co_linetable") is code.co_linetable
    else:
        assert value(layout, "co_lnotab") is code.co_lnotab


@pytest.mark.skipif(ADAPTIVE, reason="3.9 and 3.10 keep these as fields")
def test_code_names_and_bytecode_objects(code):
    layout = hexray.layout(code)
    assert value(layout, "co_code") is code.co_code
    assert value(layout, "co_varnames") is code.co_varnames
    assert value(layout, "co_cellvars") is code.co_cellvars
    assert value(layout, "co_freevars") is code.co_freevars
    assert layout.follow("co_code").object is code.co_code
    # __sizeof__ counts the code object and its cell-to-argument map.
    cells = layout.follow("co_cell2arg")
    assert cells.size == len(code.co_cellvars) * 8
    assert layout.size + cells.size == code.__sizeof__()
    plain = fresh("def plain(x):\n    return x\n", "plain").__code__
    assert hexray.layout(plain).size == plain.__sizeof__()


@pytest.mark.skipif(not ADAPTIVE, reason="3.11+ derive the name tuples")
def test_code_slots(code):
    layout = hexray.layout(code)
    slot_names = value(layout, "co_localsplusnames")
    kinds = value(layout, "co_localspluskinds")
    units = value(layout, "ob_size")
    # Only now: these attributes make new objects and cache them.
    assert set(slot_names) == set(
        code.co_varnames + code.co_cellvars + code.co_freevars)
    assert value(layout, "co_nlocalsplus") == len(slot_names) == len(kinds)
    assert value(layout, "co_ncellvars") == len(code.co_cellvars) == 2
    assert value(layout, "co_nfreevars") == len(code.co_freevars) == 0
    assert units == len(code.co_code) // 2
    assert layout.size == code.__sizeof__()     # no co_extra
    if PY >= (3, 12):
        # A frame's fixed part takes the same words for every code.
        other = hexray.layout(compile("x = 1", "<hexray-test>", "exec"))
        assert (value(layout, "co_framesize") - len(slot_names)
                - code.co_stacksize) == (
            value(other, "co_framesize") - value(other, "co_nlocalsplus")
            - value(other, "co_stacksize"))


@pytest.mark.skipif(not ADAPTIVE, reason="the caches are 3.11+")
def test_code_caches_are_shown_not_made(code):
    layout = hexray.layout(code)
    if PY >= (3, 12):
        assert layout["_co_cached"].pointer == 0
    else:
        assert value(layout, "_co_code") is None
    bytecode = code.co_code                  # makes the cache
    layout = hexray.layout(code)
    if PY >= (3, 12):
        cached = layout.follow("_co_cached")
        assert_consistent(cached)
        assert cached.kind == "block" and cached.owner is code
        assert value(cached, "_co_code") is bytecode
        code.co_varnames
        assert value(hexray.layout(code).follow("_co_cached"),
                     "_co_varnames") is code.co_varnames
    else:
        assert value(layout, "_co_code") is bytecode


def test_code_weak_references(code):
    assert value(hexray.layout(code), "co_weakreflist") is None
    reference = weakref.ref(code)
    assert value(hexray.layout(code), "co_weakreflist") is reference


@pytest.mark.skipif(ADAPTIVE, reason="co_cell2arg is 3.9 and 3.10")
def test_code_cell_to_argument_map(code):
    layout = hexray.layout(code)
    cells = layout.follow("co_cell2arg")
    assert_consistent(cells)
    assert cells.owner is code
    # Cell variables that are parameters start as that parameter.
    expected = [code.co_varnames.index(name) if name in code.co_varnames
                else -1 for name in code.co_cellvars]
    assert [f.value for f in cells.fields] == expected
    assert sorted(expected) == [-1, 0]      # 'a' is a parameter, 'local' not
    no_cells = fresh("def plain(x):\n    return x\n", "plain").__code__
    with pytest.raises(hexray.NullPointerError):
        hexray.layout(no_cells).follow("co_cell2arg")


# ----------------------------------------------------------------------
# Bytecode the interpreter runs (3.11+)

WARM_SOURCE = '''
class Point:
    def __init__(self):
        self.x = 1

def work(point, n):
    total = 0
    for i in range(n):
        total = total + point.x + len("ab")
    return total
'''


UNIT_FIELD = re.compile(
    r"co_code_adaptive\[(\d+)\]\.(op\.code|op\.arg|cache)$")


def units_of(layout):
    """{code unit: {"op.code"/"op.arg"/"cache": field}}, from the bytecode
    fields of a 3.11+ code object's layout."""
    found = {}
    pattern = UNIT_FIELD
    for f in layout.fields:
        match = pattern.match(f.name)
        if match:
            found.setdefault(int(match.group(1)), {})[match.group(2)] = f
    return found


def base_name(opcode_field):
    """The base opcode's name, as the opcode field's meaning gives it."""
    match = re.search(r"base opcode (\w+)$", opcode_field.meaning)
    return match.group(1) if match else opcode_field.meaning


def check_bytecode(code, layout, adaptive):
    """The layout's bytecode fields against the executed bytes read at the
    same moment, then against co.co_code (read now, after the layout)."""
    units = units_of(layout)
    count = len(adaptive) // 2
    assert sorted(units) == list(range(count))
    shown = b"".join(
        units[i]["cache"].raw if "cache" in units[i]
        else units[i]["op.code"].raw + units[i]["op.arg"].raw
        for i in range(count))
    assert shown == adaptive
    assert layout["co_code_adaptive[0].op.code"].offset == \
        type(code).__basicsize__
    bytecode = code.co_code
    cache = dis.opmap["CACHE"]
    specialised = []
    for i in range(count):
        fields = units[i]
        if "cache" in fields:
            assert (bytecode[2 * i], bytecode[2 * i + 1]) == (cache, 0), i
            continue
        op = fields["op.code"]
        assert op.value == adaptive[2 * i]
        assert op.meaning.startswith(ALL_OPNAMES[op.value])
        assert base_name(op) == dis.opname[bytecode[2 * i]], (i, op.meaning)
        assert fields["op.arg"].value == bytecode[2 * i + 1], i
        if ALL_OPNAMES[op.value] != base_name(op):
            specialised.append(ALL_OPNAMES[op.value])
    return specialised


@pytest.mark.skipif(not ADAPTIVE, reason="bytecode is rewritten from 3.11")
def test_bytecode_as_compiled(code):
    layout = hexray.layout(code)
    adaptive = code._co_code_adaptive
    assert_consistent(layout)
    check_bytecode(code, layout, adaptive)


@pytest.mark.skipif(not ADAPTIVE, reason="bytecode is rewritten from 3.11")
def test_bytecode_specialised_as_it_runs():
    namespace = {}
    exec(compile(WARM_SOURCE, "<hexray-test>", "exec"), namespace)
    work, point = namespace["work"], namespace["Point"]()
    for _ in range(50):
        work(point, 100)
    code = work.__code__
    layout = hexray.layout(code)
    adaptive = code._co_code_adaptive
    assert_consistent(layout)
    specialised = check_bytecode(code, layout, adaptive)
    if tracing():
        pytest.skip("a tracer or monitoring tool stops specialisation")
    assert specialised, "nothing specialised after 5000 iterations"
    assert any(name.startswith("LOAD_ATTR_") for name in specialised)
    assert any(f.name.endswith(".cache") and "LOAD_ATTR" in f.meaning
               for f in layout.fields)


@pytest.mark.skipif(not ADAPTIVE, reason="bytecode is rewritten from 3.11")
def test_first_traceable_unit_is_resume(code):
    layout = hexray.layout(code)
    first = value(layout, "_co_firsttraceable")
    assert code.co_code[2 * first] == dis.opmap["RESUME"]


@pytest.mark.skipif(not ADAPTIVE, reason="bytecode is inline from 3.11")
def test_long_bytecode_is_summarised():
    source = "def long():\n    x = 0\n" + "    x = x + 1\n" * 1500
    code = fresh(source, "long").__code__
    layout = hexray.layout(code)
    assert_consistent(layout)
    units = units_of(layout)
    assert len(code._co_code_adaptive) // 2 > 4096
    assert max(units) == 4095
    summary = [f for f in layout.fields if f.name == ""
               and "more code units" in f.meaning]
    assert len(summary) == 1
    assert summary[0].meaning.startswith(
        "%d more" % (len(code._co_code_adaptive) // 2 - 4096))
    json.dumps(layout.to_dict())


def test_many_names_stay_named(run_python):
    # Names read from memory are kept with the layout that shows them, so
    # however many distinct names a process meets, each layout names its
    # slots, and opcodes keep their names.
    code, out, err = run_python('''
        import re, sys, hexray
        def frame_with(name):
            space = {}
            exec("def f():\\n    %s = 1\\n    return sys._getframe()"
                 % name, {"sys": sys}, space)
            return space["f"]()
        def meanings(layout):
            return [f.meaning for f in layout.fields
                    if re.search(r"localsplus\\[0\\]$", f.name)]
        for i in range(6000):
            frame = frame_with("name_%d" % i)
            layout = hexray.layout(frame)
            if sys.version_info >= (3, 11) and "f_frame->owner" not in [
                    f.name for f in layout.fields]:
                layout = layout.follow("f_frame")
        print(meanings(layout)[0])
        if sys.version_info >= (3, 11):
            code = frame.f_code
            print(sorted({f.meaning for f in hexray.layout(code).fields
                          if f.name.endswith(".op.code")}))
    ''')
    assert code == 0, err
    lines = out.splitlines()
    assert lines[0] == "local variable 'name_5999' (NULL: unbound)"
    if ADAPTIVE:
        assert "RETURN_VALUE" in lines[1] and "RESUME" in lines[1]
        assert "<" not in lines[1] and "an opcode" not in lines[1]


@pytest.mark.skipif(PY < (3, 12), reason="instrumentation is 3.12+")
def test_instrumented_bytecode_is_traced_back():
    work = fresh("def work(n):\n    total = 0\n    for i in range(n):\n"
                 "        total += i\n    return total\n", "work")
    code = work.__code__
    monitoring = sys.monitoring
    events = monitoring.events
    tool = next((t for t in range(6) if monitoring.get_tool(t) is None),
                None)
    if tool is None:
        pytest.skip("no free sys.monitoring tool id")
    monitoring.use_tool_id(tool, "hexray-test")
    try:
        monitoring.register_callback(tool, events.LINE, lambda *a: None)
        monitoring.register_callback(tool, events.INSTRUCTION,
                                     lambda *a: None)
        monitoring.set_local_events(tool, code,
                                    events.LINE | events.INSTRUCTION)
        work(3)
        layout = hexray.layout(code)
        adaptive = code._co_code_adaptive
        check_bytecode(code, layout, adaptive)
        executed = {f.value for f in layout.fields
                    if f.name.endswith(".op.code")}
        assert dis.opmap["INSTRUMENTED_LINE"] in executed
        assert dis.opmap["INSTRUMENTED_INSTRUCTION"] in executed
        assert any("standing in for" in f.meaning for f in layout.fields)
        monitoring_block = layout.follow("_co_monitoring")
        assert_consistent(monitoring_block)
        lines = monitoring_block.follow("lines")
        assert_consistent(lines)
        for i, byte in enumerate(adaptive[::2]):
            if byte == dis.opmap["INSTRUMENTED_LINE"]:
                original = value(lines, "lines[%d].original_opcode" % i)
                assert original != 0
        per_instruction = monitoring_block.follow("per_instruction_opcodes")
        assert_consistent(per_instruction)
        assert per_instruction.owner is code
    finally:
        monitoring.set_local_events(tool, code, 0)
        monitoring.register_callback(tool, events.LINE, None)
        monitoring.register_callback(tool, events.INSTRUCTION, None)
        monitoring.free_tool_id(tool)


# ----------------------------------------------------------------------
# Frames

FRAMES_SOURCE = '''
import sys

def outer(probe):
    marker = "outer's local"
    frame = sys._getframe()
    return probe(frame)

def generator(iterator):
    marker = "generator's local"
    for item in iterator:
        yield item

def failing():
    marker = "failing's local"
    raise ValueError(marker)

def closure():
    captured = "captured"
    def inner():
        return captured, sys._getframe()
    return inner
'''


@pytest.fixture(scope="module")
def frames():
    namespace = {}
    exec(compile(FRAMES_SOURCE, "<hexray-frames>", "exec"), namespace)
    return types.SimpleNamespace(**namespace)


def frame_data(layout):
    """The _PyInterpreterFrame of a 3.11+ frame layout, as (layout, name
    prefix): inline in the frame object, or a block of its own."""
    if field_named(layout, "f_frame->owner") is not None:
        return layout, "f_frame->"
    return layout.follow("f_frame"), ""


def slot_fields(layout, prefix=""):
    pattern = re.compile(re.escape(prefix)
                         + r"(f_)?localsplus\[(\d+)\]$")
    return [f for f in layout.fields if pattern.match(f.name)]


def local_value(layout, prefix, name):
    """The slot whose meaning names local variable `name`: its value."""
    found = [f for f in slot_fields(layout, prefix)
             if "'%s'" % name in f.meaning]
    assert len(found) == 1, [f.meaning for f in slot_fields(layout, prefix)]
    return found[0].value


def test_frame_of_a_suspended_caller(frames):
    seen = {}

    def probe(frame):
        # outer waits for this call to return: its frame holds still.
        seen["back"] = frame.f_back     # made first: layouts then show it
        seen["layout"] = hexray.layout(frame)
        seen["lasti"] = frame.f_lasti
        if THIN_FRAMES:
            seen["data"] = frame_data(seen["layout"])
            assert_consistent(seen["data"][0])
        assert_consistent(seen["layout"])
        return frame

    frame = frames.outer(probe)
    layout, lasti = seen["layout"], seen["lasti"]
    code = frames.outer.__code__
    if not THIN_FRAMES:
        assert value(layout, "f_code") is code
        assert value(layout, "f_back") is seen["back"]
        assert value(layout, "f_globals") is frames.outer.__globals__
        assert value(layout, "f_builtins") is frames.outer.__builtins__ \
            if PY >= (3, 10) else isinstance(value(layout, "f_builtins"),
                                              dict)
        raw = value(layout, "f_lasti")
        assert (raw if PY < (3, 10) else 2 * raw) == lasti
        assert local_value(layout, "", "marker") == "outer's local"
        assert local_value(layout, "", "frame") is frame
        assert local_value(layout, "", "probe") is probe
        return
    data, prefix = seen["data"]
    assert prefix == ""                     # on the thread's data stack
    assert value(layout, "f_back") is None  # set only once the call is over
    assert value(data, "owner") == OWNED_BY_THREAD
    assert value(data, "frame_obj") is frame
    assert value(data, "f_code" if PY < (3, 13) else "f_executable") is code
    assert value(data, "f_globals") is frames.outer.__globals__
    assert value(data, "f_builtins") is frames.outer.__builtins__
    pointer = value(data, "prev_instr" if PY < (3, 13) else "instr_ptr")
    assert (pointer - code_start(code)) // 2 == lasti // 2
    assert local_value(data, "", "marker") == "outer's local"
    assert local_value(data, "", "frame") is frame
    assert local_value(data, "", "probe") is probe
    # The caller's frame data comes next in the chain, skipping the shims
    # C calls put there (3.12+).
    caller = data.follow("previous")
    while value(caller, "owner") == OWNED_BY_CSTACK:
        caller = caller.follow("previous")
    assert value(caller, "frame_obj") is seen["back"]


@pytest.mark.skipif(not THIN_FRAMES, reason="the data stack is 3.11+")
def test_frame_chain_to_the_bottom():
    here = sys._getframe()
    data = hexray.layout(here).follow("f_frame")
    code_field = "f_code" if PY < (3, 13) else "f_executable"
    shims = 0
    for depth in range(1000):
        owner = value(data, "owner")
        if depth > 0:
            assert_consistent(data)     # callers hold still
        if owner == OWNED_BY_CSTACK:
            shims += 1
            for name in ("f_funcobj", "f_globals", "f_builtins", "f_locals",
                         "frame_obj"):
                field = data[name]
                # Garbage there: an address, never dereferenced as objects.
                assert field.follows is None and isinstance(field.value, int)
            assert not slot_fields(data)
        else:
            # A generator's frame is in the chain while it runs.
            assert owner in (OWNED_BY_THREAD, OWNED_BY_GENERATOR)
            code = value(data, code_field)
            assert isinstance(code, types.CodeType)
            frame_object = value(data, "frame_obj")
            assert frame_object is None or frame_object.f_code is code
        if data["previous"].pointer == 0:
            break
        data = data.follow("previous")
    assert value(data, "owner") in (OWNED_BY_THREAD, OWNED_BY_GENERATOR,
                                    OWNED_BY_CSTACK)
    assert depth > 3
    if PY >= (3, 12):
        assert shims >= 1       # the interpreter was entered from C


def test_generator_frame(frames):
    iterator = iter(["first", "second"])
    generator = frames.generator(iterator)
    assert next(generator) == "first"
    frame = generator.gi_frame
    layout = hexray.layout(frame)
    assert_consistent(layout)
    if THIN_FRAMES:
        data, prefix = frame_data(layout)
        assert prefix == ""
        assert_consistent(data)
        pointer = layout["f_frame"].pointer
        assert id(generator) < pointer < id(generator) \
            + generator.__sizeof__()
        assert data.owner is frame
        assert value(data, "owner") == OWNED_BY_GENERATOR
        assert value(data, "frame_obj") is frame
        assert value(data, "f_code" if PY < (3, 13) else "f_executable") \
            is generator.gi_code
        assert value(layout, "_f_frame_data") is None   # room, unused
    else:
        data, prefix = layout, ""
        assert value(layout, "f_gen") is generator
        assert value(layout, "f_code") is generator.gi_code
        if PY == (3, 10):
            assert value(layout, "f_state") == -1       # FRAME_SUSPENDED
        else:
            assert layout["f_stacktop"].pointer != 0
    assert local_value(data, prefix, "marker") == "generator's local"
    assert local_value(data, prefix, "iterator") is iterator
    # A suspended frame records its value stack: the loop's iterator.
    stack = [f for f in slot_fields(data, prefix)
             if f.meaning.startswith("value stack entry")]
    assert [f.value for f in stack] == [iterator]
    assert layout.size == sys.getsizeof(frame)


def test_frame_after_its_call(frames):
    try:
        frames.failing()
    except ValueError as error:
        traceback = error.__traceback__
    frame = traceback.tb_next.tb_frame
    layout = hexray.layout(frame)
    assert_consistent(layout)
    assert value(layout, "f_back") is frame.f_back
    assert layout.size == sys.getsizeof(frame)
    if THIN_FRAMES:
        data, prefix = frame_data(layout)
        assert prefix == "f_frame->"        # the frame object holds it
        pointer = layout["f_frame"].pointer
        assert id(frame) < pointer < id(frame) + frame.__sizeof__()
        assert value(layout, "f_frame->owner") == OWNED_BY_FRAME_OBJECT
        assert value(layout, "f_frame->frame_obj") is None
        code = value(layout, "f_frame->f_code" if PY < (3, 13)
                     else "f_frame->f_executable")
        block = layout.follow("f_frame")
        assert_consistent(block)
        assert block.address == pointer and block.owner is frame
        assert value(block, "owner") == OWNED_BY_FRAME_OBJECT
    else:
        data, prefix = layout, ""
        code = value(layout, "f_code")
        if PY == (3, 10):
            assert value(layout, "f_state") == 3    # FRAME_RAISED
    assert code is frames.failing.__code__ is frame.f_code
    assert local_value(data, prefix, "marker") == "failing's local"


def test_cleared_frame(frames):
    try:
        frames.failing()
    except ValueError as error:
        frame = error.__traceback__.tb_next.tb_frame
    before = hexray.layout(frame)
    data, prefix = frame_data(before) if THIN_FRAMES else (before, "")
    assert local_value(data, prefix, "marker") == "failing's local"
    frame.clear()
    after = hexray.layout(frame)
    assert_consistent(after)
    data, prefix = frame_data(after) if THIN_FRAMES else (after, "")
    assert local_value(data, prefix, "marker") is None     # unbound now
    assert not [f for f in slot_fields(data, prefix)
                if f.meaning.startswith("value stack entry")]
    if THIN_FRAMES:
        assert value(after, prefix + "stacktop") == 0


@pytest.mark.parametrize("name, shown", [
    ("%s%n%zd", "local variable '%s%n%zd'"),     # text, never a format
    ("caf\u00e9", "local, cell or free variable 0"),  # not ASCII: unnamed
])
def test_frame_slot_names_from_memory(name, shown):
    plain = fresh("import sys\ndef odd():\n    x = 'value'\n"
                  "    return sys._getframe()\n", "odd")
    odd = types.FunctionType(plain.__code__.replace(co_varnames=(name,)),
                             plain.__globals__)
    frame = odd()
    layout = hexray.layout(frame)
    data, prefix = frame_data(layout) if THIN_FRAMES else (layout, "")
    slot = slot_fields(data, prefix)[0]
    assert slot.value == "value"
    assert slot.meaning.startswith(shown)


def test_frame_cell_and_free_variables(frames):
    inner = frames.closure()
    captured, frame = inner()
    layout = hexray.layout(frame)
    assert_consistent(layout)
    data, prefix = frame_data(layout) if THIN_FRAMES else (layout, "")
    free = [f for f in slot_fields(data, prefix)
            if "free variable 'captured'" in f.meaning]
    assert len(free) == 1
    assert free[0].value is inner.__closure__[0]
    assert free[0].value.cell_contents is captured


def test_frame_locals_dict_is_shown_once_made(frames):
    def probe(frame):
        before = hexray.layout(frame)
        assert value(frame_data(before)[0] if THIN_FRAMES else before,
                     "f_locals") is None
        mapping = frame.f_locals
        after = hexray.layout(frame)
        holder = frame_data(after)[0] if THIN_FRAMES else after
        if PY >= (3, 13):
            # PEP 667: a proxy, with no dict behind it.
            assert value(holder, "f_locals") is None
            assert value(after, "f_extra_locals") is None
            mapping["not_a_local"] = 1
            extra = value(hexray.layout(frame), "f_extra_locals")
            assert extra == {"not_a_local": 1}
        else:
            assert value(holder, "f_locals") is mapping
            if THIN_FRAMES:
                assert value(after, "f_fast_as_locals") == 1
        return frame

    frames.outer(probe)


def test_frame_line_number_while_tracing():
    target = fresh("def target():\n    a = 1\n    b = 2\n    return a + b\n",
                   "target")
    seen = []

    def tracer(frame, event, arg):
        if frame.f_code is not target.__code__:
            return None
        if event == "line":
            layout = hexray.layout(frame)
            seen.append((value(layout, "f_lineno"), frame.f_lineno,
                         value(layout, "f_trace") is frame.f_trace))
        return tracer

    previous = sys.gettrace()
    sys.settrace(tracer)
    try:
        target()
    finally:
        sys.settrace(previous)
    assert [line for line, _, _ in seen] == [2, 3, 4]
    assert all(field == line and same for field, line, same in seen)


@pytest.mark.skipif(PY < (3, 10), reason="3.9 leaves a stale line there")
def test_frame_line_number_is_zero_untraced(frames):
    if sys.gettrace() is not None:
        pytest.skip("tests are being traced")
    layout = hexray.layout(sys._getframe())
    assert value(layout, "f_lineno") == 0
    assert value(layout, "f_trace") is None


@pytest.mark.skipif(not THIN_FRAMES, reason="frames own their data before")
def test_stale_frame_data_never_crashes(run_python):
    code, out, err = run_python('''
        import sys, hexray
        def inner():
            return hexray.layout(sys._getframe()).follow("f_frame")
        def middle():
            return inner()
        block = middle()        # the frames it describes are gone
        for _ in range(5):
            try:
                block.render(rows=None)
                block.to_dict()
                block = block.follow("previous")
            except hexray.HexrayError:
                break
        print("survived")
    ''')
    assert code == 0, err
    assert out.strip() == "survived"


# ----------------------------------------------------------------------
# Every layout: following pointers, schemas, dumps and JSON

@pytest.fixture
def samples(frames):
    """Objects whose memory holds still while a test looks at it."""
    function = fresh(FUNCTION_SOURCE, "make")("seed")
    iterator = iter([1, 2])
    generator = frames.generator(iterator)
    next(generator)
    try:
        frames.failing()
    except ValueError as error:
        done = error.__traceback__.tb_next.tb_frame
    return [function, function.__code__, generator.gi_frame, done,
            generator]


def test_following_every_pointer(samples):
    checked = 0
    for root in samples[:-1]:
        layout = hexray.layout(root)
        assert_consistent(layout)
        for field in layout.fields:
            if field.follows is None or not field.pointer \
                    or field.on_request:
                continue
            target = field.follow()
            checked += 1
            if field.follows == "object":
                assert target.address == field.pointer
                if field.value is not None:
                    assert target.object is field.value
                continue
            assert target.kind == "block"
            assert target.owner is root
            assert target.address == field.pointer
            assert_consistent(target)
            json.dumps(target.to_dict())
    assert checked >= 10


@pytest.mark.parametrize("kind", [types.FunctionType, types.CodeType,
                                  types.FrameType])
def test_schema_matches_instances(kind, samples):
    schema = hexray.schema(kind)
    assert schema.kind == "schema" and schema.address is None
    assert all(f.value is None and f.raw is None for f in schema.fields)
    text = schema.render()
    assert all(f.name in text for f in schema.fields)
    instances = [s for s in samples if type(s) is kind]
    assert instances
    for instance in instances:
        layout = hexray.layout(instance)
        by_name = {f.name: f for f in layout.fields}
        inline = "f_frame->owner" in by_name
        for f in schema.fields:
            if f.name == "_f_frame_data" and inline:
                continue    # the frame data is shown field by field
            assert f.name in by_name, f.name
            size = by_name[f.name].size
            assert by_name[f.name].offset == f.offset, f.name
            # The room for frame data also holds the slots.
            assert size == f.size or f.name == "_f_frame_data", f.name
    if kind is types.FunctionType:
        assert names(schema) == names(hexray.layout(instances[0]))


def test_dumps_and_json(samples):
    function, code, frame = samples[0], samples[1], samples[2]
    text = hexray.dumps(function, follow=True)
    assert "func_code" in text and "co_name" in text
    text = hexray.dumps(code, rows=None)
    if ADAPTIVE:
        assert "co_code_adaptive[0].op.code" in text and "RESUME" in text
    else:
        assert "co_code = b'" in text
    text = hexray.dumps(frame, follow=True, rows=None)
    if THIN_FRAMES:
        block = text[text.index("_PyInterpreterFrame at"):]
        assert re.search(r"  (f_code|f_executable) = <code object", block)
    else:
        assert "f_code = <code object" in text
    for sample in samples[:-1]:
        document = json.loads(hexray.dumps(sample, format="json",
                                           follow=True))
        assert document["address"] == id(sample)
        assert document["fields"]
