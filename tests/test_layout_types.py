"""Layouts of type objects and of instances of classes: their __dict__ (or
the attribute values that stand in for it), __slots__ and weak references.

Every expectation comes from somewhere other than hexray: the type's own
attributes (__basicsize__, __flags__, __mro__...), getattr, ctypes reads,
sys.getsizeof.  Instance dicts are never asked for (obj.__dict__, vars())
before a layout is read, except where a test wants the dict made.
"""

import ctypes
import gc
import io
import json
import sys
import types
import weakref

import pytest

import hexray
from layout_checks import WORD, assert_consistent, word_at

V = sys.version_info[:2]
HEAPTYPE = 1 << 9

#: The type object's own size, as type.__sizeof__ reports it for a static
#: type (sizeof(PyTypeObject)).
STATIC_TYPE_SIZE = type.__sizeof__(int)


def check(layout):
    assert_consistent(layout)
    json.dumps(layout.to_dict())
    assert layout.render()
    return layout


def pointer_at(address):
    """The object a PyObject * at address points to (ctypes), or None."""
    value = word_at(address)
    return None if value == 0 else ctypes.cast(value, ctypes.py_object).value


# ----------------------------------------------------------------------
# Type objects

class Plain:
    """A plain class."""

    def __init__(self):
        self.alpha = 1


class Slotted:
    __slots__ = ("y", "x", "__z")


class Meta(type):
    pass


class WithMeta(metaclass=Meta):
    __slots__ = ("a",)


class ListChild(list):
    pass


class Oops(ValueError):
    pass


TYPES = [int, object, type, dict, list, str, io.FileIO, Plain, Slotted,
         WithMeta, ListChild, Oops, Meta, bool]


@pytest.mark.parametrize("cls", TYPES, ids=lambda t: t.__name__)
def test_type_fields_are_the_type_attributes(cls):
    layout = check(hexray.layout(cls))
    assert layout.object is cls and layout.type is type(cls)
    assert layout["ob_type"].value is type(cls)
    assert layout["tp_basicsize"].value == cls.__basicsize__
    assert layout["tp_itemsize"].value == cls.__itemsize__
    assert layout["tp_flags"].value == cls.__flags__
    assert layout["tp_base"].value is cls.__base__
    assert layout["tp_bases"].value is cls.__bases__
    assert layout["tp_mro"].value is cls.__mro__
    assert layout["tp_dictoffset"].value == cls.__dictoffset__
    assert layout["tp_weaklistoffset"].value == cls.__weakrefoffset__
    name = layout["tp_name"]
    assert name.value.rpartition(".")[2] == cls.__name__
    # tp_name is a C string: ctypes finds the same text where it points.
    assert ctypes.string_at(name.pointer).decode() == name.value
    # A C type's tp_doc may start with its signature, which __doc__ drops;
    # a long one is shown in part.
    doc = layout["tp_doc"].value
    if cls.__doc__ is None:
        assert doc is None
    else:
        assert cls.__doc__.startswith(doc.split("\n--\n\n", 1)[-1])


@pytest.mark.parametrize("cls", TYPES, ids=lambda t: t.__name__)
def test_type_flags_are_named(cls):
    flags = hexray.layout(cls)["tp_flags"]
    named = flags.meaning.split("; ", 1)[1].split("|")
    assert ("HEAPTYPE" in named) == bool(cls.__flags__ & HEAPTYPE)
    assert ("HAVE_GC" in named) == bool(cls.__flags__ & (1 << 14))
    assert ("TYPE_SUBCLASS" in named) == issubclass(cls, type)


@pytest.mark.parametrize("cls", TYPES, ids=lambda t: t.__name__)
def test_type_extent(cls):
    layout = hexray.layout(cls)
    if not cls.__flags__ & HEAPTYPE:
        # Static types are not garbage-collected: no header before them.
        assert layout.start == 0 and layout.size == STATIC_TYPE_SIZE
        return
    # A heap type: GC header, the metatype's basicsize, then one member
    # definition per __slots__ name and the entry that ends them.
    meta = type(cls)
    members = ctypes.c_ssize_t.from_address(id(cls) + WORD * 2).value
    assert layout["ob_size"].value == members
    if cls.__module__ == __name__:     # made by a class statement
        assert members == len(cls.__dict__.get("__slots__", ()))
    assert layout.start == -2 * WORD    # the GC header
    end = meta.__basicsize__ + (members + 1) * meta.__itemsize__
    assert layout.start + layout.size == end


@pytest.mark.parametrize("cls", [Plain, Slotted, WithMeta, ListChild, Oops],
                         ids=lambda t: t.__name__)
def test_heap_type_fields(cls):
    layout = hexray.layout(cls)
    assert layout["ht_name"].value == cls.__name__
    assert layout["ht_qualname"].value == cls.__qualname__
    assert layout["ht_module"].value is None
    slots = cls.__dict__.get("__slots__")
    mangled = tuple(sorted("_%s%s" % (cls.__name__, s)
                           if s.startswith("__") else s
                           for s in slots or ()))
    assert (layout["ht_slots"].value or ()) == mangled
    # The method tables a heap type points to are its own, inside it.
    for table, first in [("tp_as_number", "as_number.nb_add"),
                         ("tp_as_mapping", "as_mapping.mp_length"),
                         ("tp_as_sequence", "as_sequence.sq_length"),
                         ("tp_as_buffer", "as_buffer.bf_getbuffer"),
                         ("tp_as_async", "as_async.am_await")]:
        assert layout[table].pointer == layout[first].address


def test_slots_member_definitions_follow_the_type():
    layout = hexray.layout(Slotted)
    names = [f.value for f in layout if f.name.endswith("].name")]
    assert names[:-1] == list(layout["ht_slots"].value) and names[-1] is None
    # tp_members points at them, and following it reads the same array.
    block = check(layout.follow("tp_members"))
    assert layout["tp_members"].pointer == layout["members[0].name"].address
    assert [f.value for f in block if f.name.endswith("].name")] == names
    # Each member's offset is where instances keep that slot.
    obj = Slotted()
    obj.x, obj.y = "ex", "why"
    for i, name in enumerate(names[:-1]):
        offset = layout["members[%d].offset" % i].value
        assert pointer_at(id(obj) + offset) is getattr(obj, name, None)


def test_number_methods_of_a_static_type():
    layout = hexray.layout(int)
    block = check(layout.follow("tp_as_number"))
    assert block.kind == "block" and block.title == "number methods"
    assert block.address == layout["tp_as_number"].pointer

    # int.__add__ wraps the C function in nb_add: PyWrapperDescrObject's
    # d_wrapped, read here with ctypes.
    class WrapperDescr(ctypes.Structure):
        _fields_ = [("ob_refcnt", ctypes.c_ssize_t),
                    ("ob_type", ctypes.c_void_p),
                    ("d_type", ctypes.c_void_p),
                    ("d_name", ctypes.c_void_p),
                    ("d_qualname", ctypes.c_void_p),
                    ("d_base", ctypes.c_void_p),
                    ("d_wrapped", ctypes.c_void_p)]

    for slot, method in [("nb_add", "__add__"), ("nb_negative", "__neg__"),
                         ("nb_bool", "__bool__")]:
        descr = WrapperDescr.from_address(id(int.__dict__[method]))
        assert block[slot].value == descr.d_wrapped
    assert block["nb_matrix_multiply"].value == 0    # int has no @


def test_number_methods_of_a_class():
    class Addable:
        def __add__(self, other):
            return self

    assert hexray.layout(Addable)["as_number.nb_add"].value != 0
    assert hexray.layout(Plain)["as_number.nb_add"].value == 0


#: Member definitions a C type uses to say where instances keep their
#: __dict__ and weak references; they make no attribute.
OFFSET_MEMBERS = {"__dictoffset__", "__weaklistoffset__",
                  "__vectorcalloffset__"}


def method_names(block, suffix):
    names = {f.value for f in block if f.name.endswith(suffix)}
    return names - {None} - OFFSET_MEMBERS


@pytest.mark.parametrize("cls", [list, dict, int, io.FileIO],
                         ids=lambda t: t.__name__)
def test_methods_members_and_getsets_of_a_c_type(cls):
    layout = hexray.layout(cls)
    kinds = vars(cls).items()
    methods = {n for n, v in kinds
               if isinstance(v, (types.MethodDescriptorType,
                                 types.ClassMethodDescriptorType))}
    getsets = {n for n, v in kinds
               if isinstance(v, types.GetSetDescriptorType)}
    members = {n for n, v in kinds
               if isinstance(v, types.MemberDescriptorType)}
    for field, suffix, expected in [("tp_methods", ".ml_name", methods),
                                    ("tp_getset", "].name", getsets),
                                    ("tp_members", "].name", members)]:
        if layout[field].pointer == 0:
            assert not expected
            continue
        block = check(layout.follow(field))
        assert method_names(block, suffix) == expected


def test_method_docstrings_are_read_whole():
    block = check(hexray.layout(list).follow("tp_methods"))
    docs = {}
    for f in block:
        if f.name.endswith(".ml_name"):
            name = f.value
        elif f.name.endswith(".ml_doc"):
            docs[name] = f
    # The C docstring is the text signature, "--", then __doc__.
    assert len(list.sort.__doc__) > 300
    assert docs["sort"].value.endswith("\n--\n\n" + list.sort.__doc__)
    assert docs["sort"].note is None
    assert all(f.value.endswith(getattr(list, n).__doc__)
               for n, f in docs.items() if f.value is not None)


def test_type_dict_subclasses_and_weak_references():
    class Base:
        pass

    class Child(Base):
        pass

    ref = weakref.ref(Base)
    layout = hexray.layout(Base)
    namespace = layout["tp_dict"].value
    assert isinstance(namespace, dict)
    assert types.MappingProxyType(namespace) == Base.__dict__
    subclasses = layout["tp_subclasses"].value
    assert [r() for r in subclasses.values()] == Base.__subclasses__()
    assert layout["tp_weaklist"].pointer == id(ref)
    assert layout.follow("tp_base").object is object


def test_static_builtin_type_state():
    layout = hexray.layout(int)
    subclasses, namespace = layout["tp_subclasses"], layout["tp_dict"]
    if V >= (3, 12):
        # Kept per interpreter: an index in tp_subclasses, no dict here.
        assert namespace.value is None and namespace.pointer == 0
        assert isinstance(subclasses.value, int) and subclasses.value > 0
        assert subclasses.follows is None and "index" in subclasses.meaning
        with pytest.raises(ValueError):
            subclasses.follow()
    else:
        assert types.MappingProxyType(namespace.value) == int.__dict__
        assert bool in [r() for r in subclasses.value.values()]


def test_metaclass_instances_are_types():
    layout = check(hexray.layout(WithMeta))
    assert layout["ob_type"].value is Meta
    assert layout["members[0].name"].value == "a"
    assert layout["members[0].name"].address == \
        id(WithMeta) + Meta.__basicsize__


def all_types():
    """Every class reachable from object through __subclasses__(), static
    ones included, and every class the garbage collector tracks."""
    found, todo = {}, [object]
    while todo:
        cls = todo.pop()
        if id(cls) not in found:
            found[id(cls)] = cls
            todo.extend(type.__subclasses__(cls))
    for obj in gc.get_objects():
        if issubclass(type(obj), type):
            found.setdefault(id(obj), obj)
    return list(found.values())


def test_every_type_in_the_interpreter():
    found = all_types()
    assert len(found) > 100
    for cls in found:
        layout = hexray.layout(cls)
        assert_consistent(layout)
        assert layout["tp_basicsize"].value == cls.__basicsize__
        assert layout["tp_flags"].value == cls.__flags__
        assert layout["tp_mro"].value is cls.__mro__


def test_schema_of_type():
    schema = hexray.schema(type)
    names = [f.name for f in schema]
    assert schema.kind == "schema" and schema.address is None
    for name in ("ob_refcnt", "ob_type", "ob_size", "tp_name", "tp_flags",
                 "tp_mro", "ht_qualname", "ht_cached_keys"):
        assert name in names
    assert all(f.value is None and f.raw is None for f in schema)
    last = max(schema, key=lambda f: f.offset + f.size)
    assert last.offset + last.size == type.__basicsize__
    assert schema["tp_basicsize"].offset == \
        hexray.layout(int)["tp_basicsize"].offset
    assert "tp_name" in schema.render()


def test_dump_of_a_type():
    text = hexray.dumps(Plain, rows=None)
    assert "tp_name = 'Plain'" in text
    assert "ht_qualname = 'Plain'" in text
    followed = hexray.dumps(int, follow=True, rows=None)
    assert "number methods" in followed and "nb_add" in followed
    json.loads(hexray.dumps(Slotted, follow=True, format="json"))


# ----------------------------------------------------------------------
# Instances: where their attributes are


def fresh_class(count=3):
    """A new class (its own shared keys), and an instance with `count`
    attributes a0, a1... set in order."""

    class Fresh:
        pass

    obj = Fresh()
    for i in range(count):
        setattr(obj, "a%d" % i, "value %d" % i)
    return Fresh, obj


def dict_field(layout):
    """The field that holds (or will hold) the instance __dict__: in the
    words before the object (3.11+, for most classes), or in the object."""
    names = {f.name for f in layout}
    for name in ("dict_or_values", "dict", "__dict__"):
        if name in names:
            return layout[name]
    raise AssertionError("no __dict__ field in %r" % (layout,))


def values_layout(obj):
    """The layout that shows obj's attribute values by name (the object's
    own on 3.13, the values array on 3.11 and 3.12), or None if they live
    in a dict."""
    layout = hexray.layout(obj)
    fields = {f.name for f in layout}
    if "valid" in fields:
        return layout if layout["valid"].value else None
    for name in ("values", "dict_or_values"):
        if name in fields and layout[name].pointer \
                and layout[name].follows == "attribute values":
            return check(layout[name].follow())
    return None


def values_by_name(obj, names):
    """{name: value} of the attributes called names, as hexray reads them:
    from the values (3.11+), or from the __dict__ hexray finds."""
    shown = values_layout(obj)
    if shown is None:
        found = dict_field(hexray.layout(obj)).value
        return {n: found[n] for n in names if n in found}
    return {n: shown[n].value for n in names if shown[n].pointer}


def names(count):
    return ["a%d" % i for i in range(count)]


def test_plain_instance_values_by_name():
    cls, obj = fresh_class(3)
    shown = values_by_name(obj, names(3))
    assert set(shown) == set(names(3))
    for name, value in shown.items():
        assert value is getattr(obj, name)


def test_plain_instance_layout_is_consistent():
    cls, obj = fresh_class(3)
    layout = check(hexray.layout(obj))
    assert layout["ob_type"].value is cls
    if V >= (3, 11):
        word = dict_field(layout)
        assert word.offset == -3 * WORD
        assert word.address == id(obj) - 3 * WORD


@pytest.mark.skipif(V < (3, 11), reason="3.9 and 3.10 always make the dict")
def test_layout_does_not_make_the_dict():
    cls, obj = fresh_class(2)
    # The managed dict word is the third before the object
    # (MANAGED_DICT_OFFSET); read it before hexray ever sees the object.
    before = word_at(id(obj) - 3 * WORD)
    # Everything that reads the layout: values, follows, text and JSON.
    layout = hexray.layout(obj)
    values_by_name(obj, names(2))
    hexray.dumps(obj, follow=True, rows=None)
    json.dumps(layout.to_dict())
    hexray.dumps(obj, depth=2, format="json")
    field = dict_field(layout)
    assert field.address == id(obj) - 3 * WORD
    after = word_at(field.address)
    assert after == before
    if V == (3, 12):
        assert after & 1          # still the tagged values, not a dict
    else:
        assert after == 0         # no dict was made
    assert obj.a0 == "value 0"


def insertion_order(obj, candidates):
    """The attribute names in the order the values' order bytes give."""
    shown = values_layout(obj)
    # values[0] is where the block starts (3.11, 3.12), or a word after
    # the capacity byte that starts 3.13's header.
    first = shown["capacity"].offset + WORD if V >= (3, 13) else 0
    by_index = {(shown[n].offset - first) // WORD: n for n in candidates}
    orders = sorted((f for f in shown if f.name.startswith("order[")),
                    key=lambda f: int(f.name[len("order["):-1]))
    return [by_index[f.value] for f in orders]


@pytest.mark.skipif(V < (3, 11), reason="values arrays are new in 3.11")
def test_deleting_an_attribute():
    cls, obj = fresh_class(3)
    del obj.a0
    obj.a3 = "late"
    assert insertion_order(obj, names(4)) == ["a1", "a2", "a3"]
    shown = values_layout(obj)
    assert shown["a0"].value is None and shown["a0"].pointer == 0
    assert shown["a3"].value is obj.a3
    assert shown["size"].value == 3


def test_deleting_an_attribute_from_the_dict():
    cls, obj = fresh_class(3)
    del obj.a1
    shown = values_by_name(obj, names(3))
    assert "a1" not in shown and shown["a2"] is obj.a2


def test_after_the_dict_is_made():
    cls, obj = fresh_class(2)
    made = obj.__dict__
    layout = check(hexray.layout(obj))
    field = dict_field(layout)
    assert field.value is made
    assert word_at(field.address) == id(made)
    if V == (3, 11):
        assert layout["values"].pointer == 0
    if V >= (3, 13):
        # The dict shares the values inside the object: still valid.
        assert layout["valid"].value == 1
        assert layout["a0"].value is obj.a0


def test_many_attributes_move_to_a_dict():
    cls, obj = fresh_class(40)
    layout = check(hexray.layout(obj))
    found = dict_field(layout).value
    assert isinstance(found, dict)
    for i in range(40):
        assert found["a%d" % i] is getattr(obj, "a%d" % i)
    if V >= (3, 13):
        assert layout["valid"].value == 0
        assert "stale" in layout["valid"].meaning


def test_weak_references_of_an_instance():
    cls, obj = fresh_class(1)
    name = "weakreflist" if V >= (3, 12) else "__weakref__"
    assert hexray.layout(obj)[name].pointer == 0
    ref = weakref.ref(obj)
    field = check(hexray.layout(obj))[name]
    assert field.pointer == id(ref) and field.value is ref
    assert word_at(field.address) == id(ref)


def test_instance_size_agrees_with_getsizeof():
    cls, obj = fresh_class(2)
    layout = hexray.layout(obj)
    assert layout.start == -(sys.getsizeof(obj) - obj.__sizeof__())
    expected = sys.getsizeof(obj)
    if V >= (3, 13):
        # getsizeof leaves out the values kept inside the object: room for
        # `capacity` values after a word of header, and the order bytes.
        at = id(obj) + cls.__basicsize__
        capacity = ctypes.c_uint8.from_address(at).value
        expected += WORD + capacity * WORD + -(-capacity // WORD) * WORD
    assert layout.size == expected


@pytest.mark.skipif(V < (3, 13), reason="inline values are new in 3.13")
def test_inline_values_header():
    cls, obj = fresh_class(2)
    layout = check(hexray.layout(obj))
    header = (ctypes.c_uint8 * 4).from_address(id(obj) + cls.__basicsize__)
    assert [layout[n].value for n in ("capacity", "size", "embedded",
                                      "valid")] == list(header)
    assert layout["capacity"].offset == cls.__basicsize__
    assert layout["size"].value == 2 and layout["embedded"].value == 1
    assert dict_field(layout).value is None


def test_slots():
    obj = Slotted()
    obj.x = "ex"
    layout = check(hexray.layout(obj))
    assert layout["x"].value is obj.x
    assert layout["y"].value is None and layout["y"].pointer == 0
    assert pointer_at(id(obj) + layout["x"].offset) is obj.x
    assert pointer_at(id(obj) + layout["_Slotted__z"].offset) is None
    assert "__dict__" not in [f.name for f in layout]
    assert layout.size == sys.getsizeof(obj)
    assert layout.start + layout.size == Slotted.__basicsize__


def test_slots_with_a_dict():
    class Both:
        __slots__ = ("x", "__dict__")

    obj = Both()
    obj.x = "ex"
    obj.extra = "more"
    layout = check(hexray.layout(obj))
    assert layout["x"].value is obj.x
    assert pointer_at(id(obj) + layout["x"].offset) is obj.x
    assert values_by_name(obj, ["extra"]) == {"extra": obj.extra}
    made = obj.__dict__
    assert dict_field(hexray.layout(obj)).value is made


def test_c_type_members_have_their_c_types():
    with open(__file__, "rb", buffering=0) as f:
        layout = check(hexray.layout(f))
        assert layout["_blksize"].value == f._blksize
        assert layout["_finalizing"].value == f._finalizing
        assert layout["_blksize"].ctype in ("int", "unsigned int")


# Subclasses of builtins keep their attributes in a real dict: in the words
# before the object (3.11+ mostly), at a fixed offset, or after the items.
SUBCLASS_CASES = [
    ("list", lambda: type("L", (list,), {})([1, 2])),
    ("int", lambda: type("I", (int,), {})(2 ** 70 + 3)),
    ("int-small", lambda: type("I", (int,), {})(5)),
    ("int-zero", lambda: type("I", (int,), {})(0)),
    ("tuple", lambda: type("T", (tuple,), {})((1, 2, 3))),
    ("tuple-empty", lambda: type("T", (tuple,), {})()),
    ("dict", lambda: type("D", (dict,), {})(a=1)),
    ("str", lambda: type("S", (str,), {})("text")),
    ("bytes", lambda: type("B", (bytes,), {})(b"abc")),
    ("exception", lambda: Oops("bad")),
]


@pytest.mark.parametrize("make_obj", [m for _, m in SUBCLASS_CASES],
                         ids=[n for n, _ in SUBCLASS_CASES])
def test_subclasses_of_builtins(make_obj):
    obj = make_obj()
    obj.tag = "T"
    layout = check(hexray.layout(obj))
    assert layout["ob_type"].value is type(obj)
    if isinstance(obj, BaseException):
        field = layout["dict"]
        assert field.offset == type(obj).__dictoffset__
    else:
        field = dict_field(layout)
    made = obj.__dict__
    assert field.value is made and made["tag"] == "T"
    assert word_at(field.address) == id(made)


@pytest.mark.parametrize("make_obj", [m for n, m in SUBCLASS_CASES
                                      if n in ("list", "dict", "str",
                                               "exception")],
                         ids=["list", "dict", "str", "exception"])
def test_weak_references_of_builtin_subclasses(make_obj):
    obj = make_obj()
    ref = weakref.ref(obj)
    layout = check(hexray.layout(obj))
    field = layout["weakreflist" if type(obj).__weakrefoffset__ < 0
                   else "__weakref__"]
    if type(obj).__weakrefoffset__ > 0:
        assert field.offset == type(obj).__weakrefoffset__
    assert field.value is ref and word_at(field.address) == id(ref)


def test_exception_fields():
    try:
        try:
            raise KeyError("inner")
        except KeyError:
            raise Oops("outer")
    except Oops as caught:
        error = caught
    layout = check(hexray.layout(error))
    assert layout["args"].value is error.args
    assert layout["context"].value is error.__context__
    assert layout["cause"].value is None
    assert layout["traceback"].value is error.__traceback__
    assert layout["suppress_context"].value == error.__suppress_context__
    assert layout.size == sys.getsizeof(error)


def test_follow_and_dump_of_an_instance():
    cls, obj = fresh_class(2)
    layout = hexray.layout(obj)
    assert layout.follow("ob_type").object is cls
    text = hexray.dumps(obj, follow=True, rows=None)
    assert "ob_type = <class" in text
    if V >= (3, 11):
        assert "a0 = 'value 0'" in text and "a1 = 'value 1'" in text
    document = json.loads(hexray.dumps(obj, follow=True, format="json"))
    assert document["address"] == id(obj)


def test_values_block_belongs_to_its_object():
    if V not in ((3, 11), (3, 12)):
        pytest.skip("values arrays are followed from the object on 3.11/12")
    cls, obj = fresh_class(2)
    shown = values_layout(obj)
    assert shown.kind == "block" and shown.owner is obj
    assert shown.title == "attribute values"
    first = shown["a0"]
    assert pointer_at(first.address) is obj.a0
    assert shown["prefix_size"].value == -shown.start


# ----------------------------------------------------------------------
# Schemas of classes

def test_schema_of_a_plain_class():
    schema = hexray.schema(Plain)
    names = [f.name for f in schema]
    assert names[names.index("ob_refcnt") + 1] == "ob_type"
    assert all(f.value is None for f in schema)
    if V >= (3, 13):
        assert {"weakreflist", "dict", "capacity", "valid",
                "values[0]"} <= set(names)
        assert schema["capacity"].offset == Plain.__basicsize__
    elif V == (3, 12):
        assert {"weakreflist", "dict_or_values"} <= set(names)
    elif V == (3, 11):
        assert {"values", "dict", "__weakref__"} <= set(names)
        assert schema["__weakref__"].offset == Plain.__weakrefoffset__
    else:
        assert schema["__dict__"].offset == Plain.__dictoffset__
        assert schema["__weakref__"].offset == Plain.__weakrefoffset__
    assert schema.start == -(sys.getsizeof(Plain()) - Plain().__sizeof__())


def test_schema_of_a_slotted_class():
    schema = hexray.schema(Slotted)
    layout = hexray.layout(Slotted())
    for name in ("x", "y", "_Slotted__z"):
        assert schema[name].offset == layout[name].offset
        assert schema[name].ctype == "PyObject *"
    last = max(schema, key=lambda f: f.offset + f.size)
    assert last.offset + last.size == Slotted.__basicsize__
