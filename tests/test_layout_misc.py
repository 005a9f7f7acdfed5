"""Layouts of array.array, range, slice, modules, and None, Ellipsis and
NotImplemented, checked against the objects themselves, ctypes and the
process's memory map."""

import _codecs
import _imp
import _struct
import _warnings
import array
import builtins
import ctypes
import gc
import importlib.machinery
import itertools
import json
import marshal
import math
import os
import struct
import sys
import types
import warnings
import weakref

import pytest

import hexray
from layout_checks import assert_consistent, field_values

IMMORTAL = sys.version_info >= (3, 12)

#: The ctypes type of each C type an array item is shown as.
CTYPES = {
    "signed char": ctypes.c_byte,
    "unsigned char": ctypes.c_ubyte,
    "short": ctypes.c_short,
    "unsigned short": ctypes.c_ushort,
    "int": ctypes.c_int,
    "unsigned int": ctypes.c_uint,
    "long": ctypes.c_long,
    "unsigned long": ctypes.c_ulong,
    "long long": ctypes.c_longlong,
    "unsigned long long": ctypes.c_ulonglong,
    "float": ctypes.c_float,
    "double": ctypes.c_double,
    "wchar_t": ctypes.c_wchar,
    "Py_UCS4": ctypes.c_uint32,
}

TEXT_TYPECODES = [tc for tc in array.typecodes if tc in "uw"]


# ----------------------------------------------------------------------
# Helpers


def make_array(typecode, values=()):
    """array.array(typecode, values), without 3.13's warning about 'u'."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        return array.array(typecode, values)


def sample_zero(typecode):
    return ["a"] if typecode in TEXT_TYPECODES else [0]


def is_signed(typecode):
    """Whether the typecode's items are signed integers, as the array
    says."""
    if not isinstance(make_array(typecode, sample_zero(typecode))[0], int):
        return False
    try:
        make_array(typecode, [-1])
    except OverflowError:
        return False
    return True


def sample_values(typecode):
    """Values that reach both ends of the typecode's range."""
    if typecode in TEXT_TYPECODES:
        return list("aé€😀")
    probe = make_array(typecode, [0])
    if isinstance(probe[0], float):
        return [0.0, -1.5, 2.25, float("inf"), -float("inf")]
    bits = 8 * probe.itemsize
    if is_signed(typecode):
        low, high = -(1 << (bits - 1)), (1 << (bits - 1)) - 1
    else:
        low, high = 0, (1 << bits) - 1
    return [low, low + 1, 0, 1, high - 1, high]


def item_fields(block):
    return [f for f in block.fields if f.name.startswith("ob_item[")]


def spare_fields(block):
    return [f for f in block.fields if f.name == ""]


def allocated_of(a):
    """Items the array has room for: array.__sizeof__ counts the struct
    and allocated * itemsize bytes."""
    return (a.__sizeof__() - type(a).__basicsize__) // a.itemsize


def before_object(obj):
    """Bytes sys.getsizeof counts before the object (its GC header)."""
    return sys.getsizeof(obj) - obj.__sizeof__()


def names(layout):
    return [f.name for f in layout.fields]


def read_item(field):
    """An array item as ctypes reads it at the field's address."""
    value = CTYPES[field.ctype].from_address(field.address).value
    return chr(value) if field.ctype == "Py_UCS4" else value


def mapping_of(proc_maps, address):
    for mapping in proc_maps():
        if mapping.start <= address < mapping.end:
            return mapping
    raise AssertionError("%#x is not mapped" % address)


def expected_length(start, stop, step):
    """len(range(start, stop, step)) by arithmetic, for any size."""
    if step > 0:
        return max(0, (stop - start + step - 1) // step)
    return max(0, (start - stop - step - 1) // -step)


def assert_json_ready(layout):
    json.dumps(layout.to_dict())


# ----------------------------------------------------------------------
# array.array: the object


def test_array_seed_example():
    a = array.array("Q", [2**64 - 1, 2**64 - 1])
    layout = hexray.layout(a)
    assert_consistent(layout)
    assert layout.type is array.array and layout.object is a
    assert layout["ob_size"].value == len(a)
    assert layout["allocated"].value == allocated_of(a)
    block = layout.follow("ob_item")
    assert_consistent(block)
    assert field_values(block, "ob_item[") == a.tolist()
    assert [f.raw for f in item_fields(block)] == [b"\xff" * 8] * 2


def test_array_fields_against_buffer_info_and_ctypes():
    a = array.array("i", [5, -6, 7])
    layout = hexray.layout(a)
    assert_consistent(layout)
    address, length = a.buffer_info()
    assert layout["ob_item"].pointer == address
    assert layout["ob_size"].value == length == len(a)
    members = ("ob_size", "ob_item", "allocated", "ob_descr", "weakreflist",
               "ob_exports")
    for name in members:
        field = layout[name]
        assert field.address == id(a) + field.offset
        assert field.size == ctypes.sizeof(ctypes.c_void_p)
        assert 0 <= field.offset < array.array.__basicsize__
    offsets = [layout[name].offset for name in members]
    assert offsets == sorted(set(offsets))      # in declaration order
    assert ctypes.c_void_p.from_address(
        id(a) + layout["ob_item"].offset).value == address


@pytest.mark.parametrize("typecode", array.typecodes)
def test_array_items_of_every_typecode(typecode):
    a = make_array(typecode, sample_values(typecode))
    layout = hexray.layout(a)
    assert_consistent(layout)
    block = layout.follow("ob_item")
    assert_consistent(block)
    assert block.kind == "block" and block.owner is a
    address, length = a.buffer_info()
    assert block.address == address
    items = item_fields(block)
    assert len(items) == length
    assert [f.value for f in items] == a.tolist()
    data = a.tobytes()
    size = a.itemsize
    for i, field in enumerate(items):
        assert field.name == "ob_item[%d]" % i
        assert (field.offset, field.size) == (i * size, size)
        assert field.raw == data[i * size:(i + 1) * size]
        assert ctypes.sizeof(CTYPES[field.ctype]) == size
        assert read_item(field) == a[i]
    assert_json_ready(block)


@pytest.mark.parametrize("typecode", array.typecodes)
def test_array_descriptor(typecode, proc_maps):
    a = make_array(typecode, sample_values(typecode)[:1])
    layout = hexray.layout(a)
    descr = layout.follow("ob_descr")
    assert_consistent(descr)
    assert descr.address == layout["ob_descr"].pointer
    assert descr["typecode"].value == a.typecode
    assert descr["itemsize"].value == a.itemsize
    assert descr["is_integer_type"].value == isinstance(a[0], int)
    assert descr["is_signed"].value == is_signed(typecode)
    formats = descr["formats"].value
    assert ctypes.string_at(descr["formats"].pointer).decode() == formats
    if typecode in TEXT_TYPECODES:
        assert formats == typecode   # memoryview shows these as 'w'
    else:
        assert formats == memoryview(a).format
        assert struct.calcsize(formats) == a.itemsize
    for name in ("getitem", "setitem", "compareitems"):
        pointer = descr[name].pointer
        assert descr[name].value == pointer
        if name != "compareitems":
            assert pointer != 0
        if pointer:
            assert "x" in mapping_of(proc_maps, pointer).perms
    # One descriptor per typecode, shared by every array of that typecode.
    other = make_array(typecode)
    assert hexray.layout(other)["ob_descr"].pointer == descr.address
    if getattr(array, "__file__", None):
        where = mapping_of(proc_maps, descr.address).path
        assert os.path.realpath(where) == os.path.realpath(array.__file__)
    assert_json_ready(descr)


def test_descriptors_differ_between_typecodes():
    pointers = {hexray.layout(make_array(tc))["ob_descr"].pointer
                for tc in array.typecodes}
    assert len(pointers) == len(array.typecodes)


def test_array_allocation_grows_ahead_of_appends():
    a = array.array("i")
    over_allocated = False
    for n in range(1, 40):
        a.append(n)
        layout = hexray.layout(a)
        allocated = layout["allocated"].value
        assert layout["ob_size"].value == n == len(a)
        assert allocated == allocated_of(a) >= n
        block = layout.follow("ob_item")
        assert_consistent(block)
        assert field_values(block, "ob_item[") == list(range(1, n + 1))
        assert block.size == allocated * a.itemsize
        spare = spare_fields(block)
        assert sum(f.size for f in spare) == (allocated - n) * a.itemsize
        if spare:
            assert spare[0].offset == n * a.itemsize
        over_allocated |= allocated > n
    assert over_allocated


def test_items_the_array_no_longer_uses_are_refused():
    a = array.array("q", [1, 2])
    layout = hexray.layout(a)
    a.extend(range(1 << 17))
    with pytest.raises(hexray.HexrayError, match="no longer"):
        layout.follow("ob_item")
    items = hexray.layout(a).follow("ob_item")
    assert [f.value for f in items.fields[:3]] == [1, 2, 0]


def test_array_extent_matches_getsizeof():
    a = array.array("d", [1.0, 2.0, 3.0])
    layout = hexray.layout(a)
    block = layout.follow("ob_item")
    head = before_object(a)
    assert layout.start == -head
    assert layout.size == head + array.array.__basicsize__
    assert layout.size + block.size == sys.getsizeof(a)
    assert (head > 0) == gc.is_tracked(a)
    if sys.version_info < (3, 10):
        assert head == 0 and "_gc_next" not in names(layout)
    else:
        assert head > 0 and names(layout)[:2] == ["_gc_next", "_gc_prev"]


def test_array_weakreflist():
    a = array.array("b", [1])
    assert hexray.layout(a)["weakreflist"].pointer == 0
    ref = weakref.ref(a)
    layout = hexray.layout(a)
    assert_consistent(layout)
    assert layout["weakreflist"].value is ref
    assert layout["weakreflist"].pointer == id(ref)
    del ref
    assert hexray.layout(a)["weakreflist"].value is None


def test_array_exports_count_memoryviews():
    a = array.array("H", [1, 2, 3])
    assert hexray.layout(a)["ob_exports"].value == 0
    first = memoryview(a)
    assert hexray.layout(a)["ob_exports"].value == 1
    second = memoryview(a)
    assert hexray.layout(a)["ob_exports"].value == 2
    with pytest.raises(BufferError):
        a.append(4)
    first.release()
    second.release()
    assert hexray.layout(a)["ob_exports"].value == 0
    a.append(4)


def test_empty_array_has_nothing_to_follow():
    a = array.array("q")
    layout = hexray.layout(a)
    assert_consistent(layout)
    assert layout["ob_item"].pointer == 0
    assert layout["allocated"].value == 0 == allocated_of(a)
    with pytest.raises(hexray.NullPointerError):
        layout.follow("ob_item")


def test_emptied_array_keeps_its_room():
    a = array.array("i", [1])
    a.pop()
    layout = hexray.layout(a)
    assert layout["ob_size"].value == 0
    assert layout["allocated"].value == allocated_of(a) > 0
    block = layout.follow("ob_item")
    assert_consistent(block)
    assert item_fields(block) == []
    assert block.size == allocated_of(a) * a.itemsize


def test_long_array_is_described_in_part():
    a = array.array("b", [i % 100 for i in range(20000)])
    block = hexray.layout(a).follow("ob_item")
    assert_consistent(block)
    items = item_fields(block)
    assert 0 < len(items) < len(a)
    assert [f.value for f in items] == a.tolist()[:len(items)]
    rest = block.fields[-1]
    assert rest.name == "" and rest.offset == len(items) * a.itemsize
    assert rest.meaning == "%d more items, not described" % (
        len(a) - len(items))
    assert block.size < len(a) * a.itemsize


def test_array_subclass_with_slots():
    class Samples(array.array):
        __slots__ = ("unit",)

    s = Samples("i", [1, 2])
    s.unit = "ms"
    layout = hexray.layout(s)
    assert_consistent(layout)
    assert layout.type is Samples
    assert field_values(layout.follow("ob_item"), "ob_item[") == [1, 2]
    assert layout["unit"].value == "ms"
    assert array.array.__basicsize__ <= layout["unit"].offset
    assert layout["unit"].offset < Samples.__basicsize__
    base = hexray.layout(array.array("i"))
    assert layout["weakreflist"].offset == base["weakreflist"].offset


def test_array_subclass_with_dict():
    class Tagged(array.array):
        pass

    t = Tagged("d", [0.5])
    t.tag = "x"
    layout = hexray.layout(t)
    assert_consistent(layout)
    assert field_values(layout.follow("ob_item"), "ob_item[") == [0.5]
    assert layout.start + layout.size == Tagged.__basicsize__
    assert layout.follow("ob_descr")["typecode"].value == "d"


def test_array_schema():
    schema = hexray.schema(array.array)
    live = hexray.layout(array.array("b", [1]))
    assert schema.kind == "schema" and schema.address is None
    assert all(f.value is None for f in schema.fields)
    assert ([(f.name, f.offset, f.size, f.ctype) for f in schema.fields]
            == [(f.name, f.offset, f.size, f.ctype) for f in live.fields])
    assert schema["ob_item"].follows == "array items"
    assert schema["ob_descr"].follows == "array descriptor"
    with pytest.raises(ValueError):
        schema["ob_item"].follow()


def test_array_dump_text_and_json():
    a = array.array("Q", [2**64 - 1, 2**64 - 1])
    text = hexray.dumps(a, follow=True)
    assert "array items" in text and "array descriptor" in text
    assert text.count("0xffffffffffffffff") >= 2
    assert text.count("= %d" % (2**64 - 1)) == 2
    assert "typecode = 'Q'" in text
    document = json.loads(hexray.dumps(a, follow=True, format="json"))
    kinds = {each["title"] for each in document["followed"]}
    assert {"array items", "array descriptor"} <= kinds


# ----------------------------------------------------------------------
# Which types are arrays


def run_checked(run_python, code):
    returncode, out, err = run_python(code)
    assert returncode == 0, err
    assert out.strip().endswith("ok"), (out, err)


def test_array_from_another_module_instance(run_python):
    run_checked(run_python, """
        import sys, array, hexray
        saved = sys.modules.pop("array")
        import array as again
        sys.modules["array"] = saved
        b = again.array("i", [7, 8])
        layout = hexray.layout(b)
        assert [f.value for f in layout.follow("ob_item").fields] == [7, 8]
        a = saved.array("h", [9])
        assert hexray.layout(a).follow("ob_item")[0].value == 9
        print("ok")
    """)


def test_array_type_is_not_taken_from_a_stand_in(run_python):
    run_checked(run_python, """
        import sys, types, hexray
        fake = types.ModuleType("array")
        fake.array = type("array.array", (), {"__slots__": tuple("abcdef")})
        sys.modules["array"] = fake
        x = fake.array()
        x.a = 1
        layout = hexray.layout(x)
        names = [f.name for f in layout.fields]
        assert "ob_item" not in names and "a" in names, names
        assert layout["a"].value == 1
        print("ok")
    """)


def test_arrays_without_an_importable_array_module(run_python):
    run_checked(run_python, """
        import array, sys, hexray
        a = array.array("i", [1, 2])
        sys.modules["array"] = None
        layout = hexray.layout(a)
        assert layout["ob_type"].value is array.array
        assert layout.start + layout.size == array.array.__basicsize__
        assert hexray.layout(range(3))["stop"].value == 3
        print("ok")
    """)


def test_arrays_in_a_subinterpreter(run_python):
    run_checked(run_python, r'''
        import array, hexray, _testcapi

        def first_item(a):
            return hexray.layout(a).follow("ob_item")[0].value

        code = """if 1:
            import array, hexray
            a = array.array("h", [1, -2, 3])
            layout = hexray.layout(a)
            items = layout.follow("ob_item")
            assert [f.value for f in items.fields] == [1, -2, 3]
            assert layout.follow("ob_descr")["typecode"].value == "h"
        """
        assert first_item(array.array("b", [4])) == 4
        assert _testcapi.run_in_subinterp(code) == 0
        assert first_item(array.array("b", [5])) == 5
        print("ok")
    ''')


# ----------------------------------------------------------------------
# range and slice

RANGES = [range(0), range(5), range(3, 100, 7), range(10, -10, -3),
          range(-2**70, 2**80, 3**20), range(0, 10**30, 7)]


@pytest.mark.parametrize("r", RANGES, ids=repr)
def test_range_fields(r):
    layout = hexray.layout(r)
    assert_consistent(layout)
    assert layout["start"].value is r.start
    assert layout["stop"].value is r.stop
    assert layout["step"].value is r.step
    for name in ("start", "stop", "step"):
        assert layout[name].pointer == id(getattr(r, name))
    length = layout["length"].value
    assert length == expected_length(r.start, r.stop, r.step)
    if length <= sys.maxsize:
        assert length == len(r)
    assert layout.start == -before_object(r)
    assert layout.start + layout.size == range.__basicsize__
    assert_json_ready(layout)


def test_range_schema():
    schema = hexray.schema(range)
    live = hexray.layout(range(2))
    assert ([(f.name, f.offset, f.size) for f in schema.fields]
            == [(f.name, f.offset, f.size) for f in live.fields])
    assert names(schema)[-4:] == ["start", "stop", "step", "length"]


class Grab:
    def __getitem__(self, key):
        return key


SLICES = [slice(1, None, "x"), slice(None), slice(object(), [1], 2**100),
          Grab()[1:2:3], Grab()[::-1]]


@pytest.mark.parametrize("s", SLICES, ids=repr)
def test_slice_fields(s):
    layout = hexray.layout(s)
    assert_consistent(layout)
    for name in ("start", "stop", "step"):
        assert layout[name].pointer == id(getattr(s, name))
        assert layout[name].value is getattr(s, name)
    assert layout.start == -before_object(s)
    assert layout.size == sys.getsizeof(s)
    assert_json_ready(layout)


def test_slice_schema():
    schema = hexray.schema(slice)
    assert names(schema)[-3:] == ["start", "stop", "step"]
    assert schema["step"].offset + schema["step"].size == slice.__basicsize__


# ----------------------------------------------------------------------
# Modules


def made_from_a_definition(module):
    """Whether the import system made the module from C code (a builtin or
    an extension module), as its spec's loader says."""
    spec = getattr(module, "__spec__", None)
    loader = getattr(spec, "loader", None)
    return (loader is importlib.machinery.BuiltinImporter
            or isinstance(loader, importlib.machinery.ExtensionFileLoader))


def python_modules():
    import json as json_module
    return [json_module, types, types.ModuleType("dyn")]


EXTENSION_MODULES = [sys, builtins, math, array, _struct, itertools,
                     _codecs, _imp, _warnings, marshal]


@pytest.mark.parametrize("module", EXTENSION_MODULES + python_modules(),
                         ids=lambda m: m.__name__)
def test_module_fields(module):
    layout = hexray.layout(module)
    assert_consistent(layout)
    assert layout["md_dict"].value is module.__dict__
    assert layout["md_name"].value == module.__name__
    assert layout.start == -before_object(module)
    assert layout.start + layout.size == type(module).__basicsize__
    has_def = layout["md_def"].pointer != 0
    assert has_def == made_from_a_definition(module)
    if not has_def:
        assert layout["md_state"].pointer == 0
    assert_json_ready(layout)


@pytest.mark.parametrize("module", EXTENSION_MODULES,
                         ids=lambda m: m.__name__)
def test_module_definition(module):
    layout = hexray.layout(module)
    definition = layout.follow("md_def")
    assert_consistent(definition)
    assert definition.address == layout["md_def"].pointer
    assert definition["m_name"].value == module.__name__
    assert ctypes.string_at(definition["m_name"].pointer).decode() \
        == module.__name__
    doc = definition["m_doc"]
    if doc.pointer:
        # The value shows the start of a long text.
        assert ctypes.string_at(doc.pointer).decode() == module.__doc__
        assert doc.value and module.__doc__.startswith(doc.value)
    else:
        assert doc.value is None and module.__doc__ is None
    methods = definition["m_methods"].pointer
    if methods:
        first = ctypes.c_char_p.from_address(methods).value.decode()
        assert first in dir(module)
    size = definition["m_size"].value
    state_pointer = layout["md_state"].pointer
    if size > 0:
        assert state_pointer != 0
    elif size < 0:
        assert state_pointer == 0
    else:
        # No state, though the pointer may be set: PyModule_ExecDef
        # allocates m_size bytes, none here, to mark the module executed.
        assert layout["md_state"].follows is None
    if size > 0:
        state = layout.follow("md_state")
        assert_consistent(state)
        assert state.address == layout["md_state"].pointer
        assert state.size == size
    assert definition["m_base.ob_base.ob_type"].value.__name__ == "moduledef"
    assert_json_ready(definition)


def test_module_without_definition_has_nothing_to_follow():
    module = types.ModuleType("dyn")
    layout = hexray.layout(module)
    with pytest.raises(hexray.NullPointerError):
        layout.follow("md_def")
    # Without a definition there is no state size to show a block of.
    assert layout["md_state"].pointer == 0
    assert layout["md_state"].follows is None
    with pytest.raises(ValueError):
        layout.follow("md_state")


def test_module_weaklist():
    module = types.ModuleType("weakly")
    assert hexray.layout(module)["md_weaklist"].pointer == 0
    ref = weakref.ref(module)
    layout = hexray.layout(module)
    assert layout["md_weaklist"].value is ref
    assert layout["md_weaklist"].pointer == id(ref)


def test_module_name_that_is_not_an_exact_str():
    class Name(str):
        pass

    module = types.ModuleType(Name("odd"))
    assert module.__name__ == "odd"
    layout = hexray.layout(module)
    assert layout["md_name"].pointer == 0
    assert layout["md_name"].value is None


def test_module_subclass_with_slots():
    class Plugin(types.ModuleType):
        __slots__ = ("version",)

    plugin = Plugin("plugin")
    plugin.version = (1, 2)
    layout = hexray.layout(plugin)
    assert_consistent(layout)
    assert layout["md_dict"].value is plugin.__dict__
    assert layout["version"].value == (1, 2)
    assert layout["version"].offset >= types.ModuleType.__basicsize__
    assert layout.start + layout.size == Plugin.__basicsize__


def test_module_schema():
    schema = hexray.schema(types.ModuleType)
    live = hexray.layout(types.ModuleType("x"))
    assert ([(f.name, f.offset, f.size, f.ctype) for f in schema.fields]
            == [(f.name, f.offset, f.size, f.ctype) for f in live.fields])
    assert schema["md_def"].follows == "module definition"
    assert schema["md_dict"].offset == types.ModuleType.__dictoffset__
    assert (schema["md_weaklist"].offset
            == types.ModuleType.__weakrefoffset__)


def test_module_dump_follows_the_definition():
    text = hexray.dumps(math, follow=True)
    assert "module definition" in text
    assert "m_name = 'math'" in text
    document = json.loads(hexray.dumps(math, follow=True, format="json"))
    assert "module definition" in {each["title"]
                                   for each in document["followed"]}


# ----------------------------------------------------------------------
# None, Ellipsis, NotImplemented

SINGLETONS = [(None, "None"), (Ellipsis, "Ellipsis"),
              (NotImplemented, "NotImplemented")]
SINGLETON_IDS = [name for _, name in SINGLETONS]


@pytest.mark.parametrize("obj, name", SINGLETONS, ids=SINGLETON_IDS)
def test_singleton_header(obj, name):
    layout = hexray.layout(obj)
    assert_consistent(layout)
    assert layout.type is type(obj) and layout.object is obj
    assert names(layout) == ["ob_refcnt", "ob_type"]
    assert layout.start == 0 and layout.size == sys.getsizeof(obj)
    assert layout["ob_type"].value is type(obj)
    meaning = layout["ob_refcnt"].meaning
    assert name in meaning
    assert ("immortal" in meaning) == IMMORTAL
    assert "static" in meaning
    text = hexray.dumps(obj)
    assert meaning in text
    assert_json_ready(layout)


@pytest.mark.parametrize("obj, name", SINGLETONS, ids=SINGLETON_IDS)
def test_singleton_reference_count(obj, name):
    gc.disable()
    try:
        before = hexray.layout(obj)
        more = [obj] * 1000
        after = hexray.layout(obj)
    finally:
        gc.enable()
    count = after["ob_refcnt"].value
    if IMMORTAL:
        assert count == before["ob_refcnt"].value == sys.getrefcount(obj)
        assert count == 2**32 - 1
    else:
        # The thousand references, and the one the first layout holds.
        assert count - before["ob_refcnt"].value == len(more) + 1


@pytest.mark.parametrize("obj, name", SINGLETONS, ids=SINGLETON_IDS)
def test_singleton_schema(obj, name):
    schema = hexray.schema(type(obj))
    assert names(schema) == ["ob_refcnt", "ob_type"]
    assert name in schema["ob_refcnt"].meaning
    assert schema["ob_refcnt"].value is None
